/* SPDX-License-Identifier: MIT */
/* Unit tests of restic pack headers: trailer bounds, entries of every type, offsets, and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/crypto.h"
#include "proto/backup/pack.h"

static void entries(struct backup_pack_entry e[3])
{
	memset(e, 0, 3 * sizeof(*e));
	for (int i = 0; i < 3; i++) {
		memset(e[i].id, 0x11 * (i + 1), 32);
		e[i].length = 100 + (uint32_t)i;
	}
	e[1].type = BACKUP_BLOB_TREE;
	e[2].compressed = 1;
	e[2].uncompressed_length = 5000;
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct backup_pack_entry e[3], *got = NULL;
	entries(e);
	size_t hl = backup_pack_header_size(e, 3);
	assert_int_equal(hl, 37 + 37 + 41);
	uint8_t buf[200];
	backup_pack_header_build(e, 3, buf);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[37], 1);
	assert_int_equal(buf[74], 2); /* compressed data */
	size_t n = 0;
	assert_int_equal(backup_pack_header_parse(buf, hl, 303, 2, &got, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(got[0].offset, 0);
	assert_int_equal(got[1].offset, 100);
	assert_int_equal(got[2].offset, 201);
	assert_int_equal(got[1].type, BACKUP_BLOB_TREE);
	assert_int_equal(got[2].uncompressed_length, 5000);
	assert_memory_equal(got[2].id, e[2].id, 32);
	free(got);
	/* Blobs past the header's start, v1 with compressed types. */
	assert_int_equal(backup_pack_header_parse(buf, hl, 302, 2, &got, &n),
			 -EINVAL);
	assert_int_equal(backup_pack_header_parse(buf, hl, 303, 1, &got, &n),
			 -EINVAL);
	/* Truncated entry, unknown type. */
	assert_int_equal(backup_pack_header_parse(buf, hl - 1, 303, 2, &got, &n),
			 -EINVAL);
	buf[37] = 4;
	assert_int_equal(backup_pack_header_parse(buf, hl, 303, 2, &got, &n),
			 -EINVAL);
	assert_null(got);
	/* A blob shorter than its encryption. */
	backup_pack_header_build(e, 3, buf);
	buf[1] = 31;
	assert_int_equal(backup_pack_header_parse(buf, hl, 303, 2, &got, &n),
			 -EINVAL);
	/* An empty header is an empty pack. */
	assert_int_equal(backup_pack_header_parse(buf, 0, 0, 2, &got, &n), 0);
	assert_int_equal(n, 0);
	free(got);
}

static void test_trailer(void **state)
{
	(void)state;
	uint8_t l4[4] = {0x73, 0, 0, 0}; /* 115 */
	uint32_t h = 0;
	assert_int_equal(backup_pack_trailer(119, l4, &h), 0);
	assert_int_equal(h, 115);
	assert_int_equal(backup_pack_trailer(118, l4, &h), -EINVAL);
	uint8_t small[4] = {31, 0, 0, 0};
	assert_int_equal(backup_pack_trailer(1000, small, &h), -EINVAL);
	uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
	assert_int_equal(backup_pack_trailer(1ull << 40, huge, &h), -EINVAL);
	assert_int_equal(backup_pack_trailer(3, l4, &h), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_trailer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
