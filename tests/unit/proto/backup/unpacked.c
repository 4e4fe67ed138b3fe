/* SPDX-License-Identifier: MIT */
/* Unit tests of restic's unpacked encoding (JSON or 0x02 + zstd) and blob zstd, with hostile frames bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "proto/backup/unpacked.h"

static void test_roundtrip(void **state)
{
	(void)state;
	char json[4000];
	size_t n = 0;
	n += (size_t)snprintf(json, sizeof(json), "{\"a\":[");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n, "%d,", i % 7);
	n += (size_t)snprintf(json + n, sizeof(json) - n, "0]}");
	uint8_t *enc = NULL, *dec = NULL;
	size_t elen = 0, dlen = 0;
	assert_int_equal(backup_unpacked_encode(json, n, 2, 3, &enc, &elen), 0);
	assert_int_equal(enc[0], 2);
	assert_true(elen < n);
	assert_int_equal(backup_unpacked_decode(enc, elen, 1 << 20, &dec, &dlen), 0);
	assert_int_equal(dlen, n);
	assert_memory_equal(dec, json, n);
	free(dec);
	/* Past the bound, truncated, trailing bytes. */
	assert_int_equal(backup_unpacked_decode(enc, elen, 100, &dec, &dlen),
			 -EFBIG);
	assert_int_equal(backup_unpacked_decode(enc, elen - 3, 1 << 20, &dec,
						&dlen), -EINVAL);
	free(enc);
	/* Version 1: plain JSON, read as it is. */
	assert_int_equal(backup_unpacked_encode(json, n, 1, 3, &enc, &elen), 0);
	assert_int_equal(elen, n);
	assert_int_equal(backup_unpacked_decode(enc, elen, 1 << 20, &dec, &dlen), 0);
	free(dec);
	free(enc);
	uint8_t bad[] = {3, 1, 2};
	assert_int_equal(backup_unpacked_decode(bad, 3, 100, &dec, &dlen), -EINVAL);
	assert_int_equal(backup_unpacked_decode(bad, 0, 100, &dec, &dlen), -EINVAL);
}

static void test_bomb(void **state)
{
	(void)state;
	/* 64 MiB of zeros compress to a few KiB: decoding stops at max. */
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	size_t cap = ZSTD_compressBound(big) + 1;
	uint8_t *enc = malloc(cap);
	enc[0] = 2;
	size_t z = ZSTD_compress(enc + 1, cap - 1, zeros, big, 1);
	free(zeros);
	uint8_t *dec = NULL;
	size_t dlen = 0;
	assert_int_equal(backup_unpacked_decode(enc, z + 1, 1 << 20, &dec, &dlen),
			 -EFBIG);
	assert_null(dec);
	free(enc);
}

static void test_blob(void **state)
{
	(void)state;
	char text[1000];
	memset(text, 'x', sizeof(text));
	uint8_t z[2000], out[1001];
	long n = backup_zstd_compress(text, sizeof(text), 3, z,
				      backup_zstd_bound(sizeof(text)));
	assert_true(n > 0);
	assert_int_equal(backup_zstd_decompress(z, (size_t)n, out, 1000), 0);
	assert_memory_equal(out, text, 1000);
	/* The wrong size either way is refused. */
	assert_int_equal(backup_zstd_decompress(z, (size_t)n, out, 999), -EINVAL);
	assert_int_equal(backup_zstd_decompress(z, (size_t)n, out, 1001), -EINVAL);
	assert_int_equal(backup_zstd_decompress(z, (size_t)n - 2, out, 1000),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_blob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
