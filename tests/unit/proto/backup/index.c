/* SPDX-License-Identifier: MIT */
/* Unit tests of restic index JSON and the compact in-memory index: lookups, duplicates, growth, refusals, writing. */
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
#include "proto/backup/index.h"

static const char *IDX =
	"{\"supersedes\":[\"ed54ae36197f4745ebc4b54d10e0f623eaaaedd03013eb7ae90df881b7781452\"],"
	"\"packs\":[{\"id\":\"73d04e6125cf3c28a299cc2f3cca3b78ceac396e4fcf9575e34536b26782413c\","
	"\"blobs\":[{\"id\":\"3ec79977ef0cf5de7b08cd12b874cd0f62bbaf7f07f3497a5b1bbcc8cb39b1ce\","
	"\"type\":\"data\",\"offset\":0,\"length\":38},"
	"{\"id\":\"9ccb846e60d90d4eb915848add7aa7ea1e4bbabfc60e573db9f7bfb2789afbae\","
	"\"type\":\"tree\",\"offset\":38,\"length\":112,\"uncompressed_length\":511}]}]}";

static void test_parse_find(void **state)
{
	(void)state;
	struct backup_index *idx = backup_index_new();
	const char *why = NULL;
	assert_int_equal(backup_index_parse(idx, IDX, strlen(IDX), &why), 0);
	assert_int_equal(backup_index_blobs(idx), 2);
	assert_int_equal(backup_index_packs(idx), 1);
	uint8_t id[32], pack[32];
	backup_id_parse("9ccb846e60d90d4eb915848add7aa7ea1e4bbabfc60e573db9f7bfb2789afbae", id);
	backup_id_parse("73d04e6125cf3c28a299cc2f3cca3b78ceac396e4fcf9575e34536b26782413c", pack);
	struct backup_blob_loc loc;
	assert_int_equal(backup_index_find(idx, id, BACKUP_BLOB_TREE, &loc), 0);
	assert_memory_equal(loc.pack, pack, 32);
	assert_int_equal(loc.offset, 38);
	assert_int_equal(loc.length, 112);
	assert_int_equal(loc.uncompressed_length, 511);
	/* The same id as data is another blob. */
	assert_int_equal(backup_index_find(idx, id, BACKUP_BLOB_DATA, &loc),
			 -ENOENT);
	/* Loading the same file twice adds nothing. */
	assert_int_equal(backup_index_parse(idx, IDX, strlen(IDX), &why), 0);
	assert_int_equal(backup_index_blobs(idx), 2);
	backup_index_free(idx);
}

static void test_grow(void **state)
{
	(void)state;
	struct backup_index *idx = backup_index_new();
	uint8_t pack[32] = {9};
	struct backup_pack_entry e = {.length = 100};
	for (uint32_t i = 0; i < 50000; i++) {
		backup_sha256(&i, sizeof(i), e.id);
		e.offset = i;
		if (i % 1000 == 0)
			pack[1]++;
		assert_int_equal(backup_index_add(idx, pack, &e), 0);
	}
	assert_int_equal(backup_index_blobs(idx), 50000);
	assert_int_equal(backup_index_packs(idx), 50);
	/* Compact: 48-byte entries grown by half, 4-byte cells: < 85 a blob. */
	assert_true(backup_index_memory(idx) < 50000 * 85);
	for (uint32_t i = 0; i < 50000; i += 77) {
		struct backup_blob_loc loc;
		backup_sha256(&i, sizeof(i), e.id);
		assert_int_equal(backup_index_find(idx, e.id, 0, &loc), 0);
		assert_int_equal(loc.offset, i);
		assert_int_equal(loc.pack[1], i / 1000 + 1);
	}
	backup_index_free(idx);
}

static void refused(const char *json)
{
	struct backup_index *idx = backup_index_new();
	const char *why = NULL;
	assert_int_equal(backup_index_parse(idx, json, strlen(json), &why),
			 -EINVAL);
	assert_non_null(why);
	backup_index_free(idx);
}

#define P "{\"packs\":[{\"id\":\"73d04e6125cf3c28a299cc2f3cca3b78ceac396e4fcf9575e34536b26782413c\",\"blobs\":["
#define B "{\"id\":\"3ec79977ef0cf5de7b08cd12b874cd0f62bbaf7f07f3497a5b1bbcc8cb39b1ce\","

static void test_refusals(void **state)
{
	(void)state;
	refused("");
	refused("[]");
	refused("{\"packs\":{}}");
	refused("{\"packs\":[1]}");
	refused("{\"packs\":[{\"id\":\"zz\",\"blobs\":[]}]}");
	refused(P "1]}]}");
	refused(P B "\"type\":\"file\",\"offset\":0,\"length\":38}]}]}");
	refused(P B "\"type\":\"data\",\"offset\":-1,\"length\":38}]}]}");
	refused(P B "\"type\":\"data\",\"offset\":0,\"length\":4294967296}]}]}");
	refused(P B "\"type\":\"data\",\"offset\":0,\"length\":31}]}]}");
	refused(P B "\"type\":\"data\",\"offset\":0}]}]}");
	refused(P B "\"type\":\"data\",\"offset\":0,\"length\":38,\"uncompressed_length\":\"x\"}]}]}");
}

static void test_write(void **state)
{
	(void)state;
	struct backup_pack_entry e[2] = {{.length = 40},
					 {.type = 1, .compressed = 1,
					  .offset = 40, .length = 50,
					  .uncompressed_length = 70}};
	e[0].id[0] = 1;
	e[1].id[0] = 2;
	uint8_t pack[32] = {7};
	json_t *doc = backup_index_doc_new();
	assert_int_equal(backup_index_doc_add_pack(doc, pack, e, 2), 0);
	char *text = json_dumps(doc, JSON_COMPACT);
	struct backup_index *idx = backup_index_new();
	assert_int_equal(backup_index_parse(idx, text, strlen(text), NULL), 0);
	struct backup_blob_loc loc;
	assert_int_equal(backup_index_find(idx, e[1].id, 1, &loc), 0);
	assert_int_equal(loc.offset, 40);
	assert_int_equal(loc.uncompressed_length, 70);
	assert_non_null(strstr(text, "\"type\":\"tree\""));
	backup_index_free(idx);
	free(text);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_find),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
