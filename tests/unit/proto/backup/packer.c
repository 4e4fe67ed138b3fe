/* SPDX-License-Identifier: MIT */
/* Unit tests of pack assembly: blob layout, header entries (plain and compressed), the length trailer, closing rules, index JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/packer.h"

/* A stand-in for the crypto layer: 16 zero bytes, the plaintext xor 0x5a, 16 bytes of 0xee. */
static int fake_seal(void *ud, const uint8_t *plain, size_t n, struct buf *out)
{
	uint8_t iv[16] = {0}, mac[16];
	int *calls = ud;

	(*calls)++;
	memset(mac, 0xee, sizeof mac);
	buf_append(out, iv, 16);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = plain[i] ^ 0x5a;
		buf_append(out, &c, 1);
	}
	return buf_append(out, mac, 16);
}

static int failing_seal(void *ud, const uint8_t *plain, size_t n, struct buf *out)
{
	(void)ud, (void)plain, (void)n;
	buf_append(out, "junk", 4);
	return -EIO;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_layout(void **state)
{
	(void)state;
	struct bk_packer p;
	struct bk_id a, b;
	uint8_t s1[40], s2[100];
	int calls = 0;

	memset(s1, 1, sizeof s1);
	memset(s2, 2, sizeof s2);
	bk_id_hash("a", 1, &a);
	bk_id_hash("b", 1, &b);
	bk_packer_init(&p, BK_BLOB_DATA, 0);
	assert_int_equal(p.target, 16 * 1024 * 1024);
	assert_int_equal(bk_packer_finish(&p, fake_seal, &calls), -22); /* empty */
	assert_int_equal(bk_packer_add(&p, &a, s1, sizeof s1, 0), 0);
	assert_int_equal(bk_packer_add(&p, &b, s2, sizeof s2, 500), 0);
	assert_int_equal(bk_packer_add(&p, &b, s2, 10, 0), -22); /* shorter than IV + MAC */
	assert_false(bk_packer_is_full(&p));
	assert_int_equal(bk_packer_finish(&p, failing_seal, NULL), -EIO);
	assert_int_equal(p.data.len, 140); /* a failed seal leaves the blobs as they were */
	assert_int_equal(bk_packer_finish(&p, fake_seal, &calls), 0);
	assert_int_equal(calls, 1);

	const uint8_t *d = (const uint8_t *)p.data.data;
	size_t hlen = 37 + 41 + 32;
	assert_int_equal(p.data.len, 140 + hlen + 4);
	assert_memory_equal(d, s1, 40);
	assert_memory_equal(d + 40, s2, 100);
	assert_int_equal(le32(d + p.data.len - 4), hlen);
	/* the header, unsealed: type 0 + length + id; type 2 + length + plaintext length + id */
	uint8_t h[110];
	for (size_t i = 0; i < 78; i++)
		h[i] = d[140 + 16 + i] ^ 0x5a;
	assert_int_equal(h[0], 0);
	assert_int_equal(le32(h + 1), 40);
	assert_memory_equal(h + 5, a.b, 32);
	assert_int_equal(h[37], 2);
	assert_int_equal(le32(h + 38), 100);
	assert_int_equal(le32(h + 42), 500);
	assert_memory_equal(h + 46, b.b, 32);
	/* entries and id */
	assert_int_equal(p.n, 2);
	assert_int_equal(p.entries[1].offset, 40);
	assert_int_equal(p.entries[1].length, 100);
	struct bk_id whole;
	bk_id_hash(p.data.data, p.data.len, &whole);
	assert_true(bk_id_equal(&whole, &p.id));
	assert_int_equal(bk_packer_add(&p, &a, s1, sizeof s1, 0), -22); /* finished */
	bk_packer_deinit(&p);

	/* tree packs use types 1 and 3 */
	bk_packer_init(&p, BK_BLOB_TREE, 0);
	assert_int_equal(bk_packer_add(&p, &a, s1, sizeof s1, 0), 0);
	assert_int_equal(bk_packer_add(&p, &b, s1, sizeof s1, 7), 0);
	struct buf hb;
	buf_init(&hb, 0);
	assert_int_equal(bk_packer_header(&p, &hb), 0);
	assert_int_equal(hb.len, 78);
	assert_int_equal((uint8_t)hb.data[0], 1);
	assert_int_equal((uint8_t)hb.data[37], 3);
	buf_deinit(&hb);
	bk_packer_deinit(&p);
}

static void test_full(void **state)
{
	(void)state;
	struct bk_packer p;
	struct bk_id a;
	uint8_t s[1000] = {0};

	bk_id_hash("a", 1, &a);
	bk_packer_init(&p, BK_BLOB_DATA, 4096);
	for (int i = 0; i < 4; i++) {
		assert_false(bk_packer_is_full(&p));
		assert_int_equal(bk_packer_add(&p, &a, s, sizeof s, 0), 0);
	}
	assert_false(bk_packer_is_full(&p)); /* 4000 < 4096 */
	assert_int_equal(bk_packer_add(&p, &a, s, 96, 0), 0);
	assert_true(bk_packer_is_full(&p));  /* restic closes at >= target */
	bk_packer_deinit(&p);

	/* the header's 16 MiB cap: restic closes before an entry would overflow it */
	bk_packer_init(&p, BK_BLOB_DATA, SIZE_MAX);
	size_t max_entries = (BK_PACK_MAX_HEADER - 36) / BK_PACK_ENTRY_COMPRESSED;
	p.n = max_entries - 1;
	assert_false(bk_packer_is_full(&p));
	p.n = max_entries;
	assert_true(bk_packer_is_full(&p));
	p.n = 0;
	p.header_len = BK_PACK_MAX_HEADER - 36 - 40;
	assert_int_equal(bk_packer_add(&p, &a, s, 32, 0), 0);   /* 37 fits */
	assert_int_equal(bk_packer_add(&p, &a, s, 32, 0), -22); /* the next does not */
	bk_packer_deinit(&p);
}

/* Streamed blobs: entries and offsets as if the bytes were there, none kept. */
static void test_streamed(void **state)
{
	(void)state;
	struct bk_packer p;
	struct bk_id a, b;
	struct buf h;

	bk_id_hash("a", 1, &a);
	bk_id_hash("b", 1, &b);
	bk_packer_init(&p, BK_BLOB_DATA, 4096);
	assert_int_equal(bk_packer_add_streamed(&p, &a, 1000, 0), 0);
	assert_int_equal(bk_packer_add_streamed(&p, &b, 3000, 5000), 0);
	assert_int_equal(p.data.len, 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.entries[0].offset, 0);
	assert_int_equal(p.entries[1].offset, 1000);
	assert_int_equal(p.entries[1].uncompressed_length, 5000);
	assert_false(bk_packer_is_full(&p)); /* 4000 < 4096 */
	assert_int_equal(bk_packer_add_streamed(&p, &a, 96, 0), 0);
	assert_true(bk_packer_is_full(&p));
	assert_int_equal(bk_packer_add_streamed(&p, &a, 31, 0), -22); /* shorter than IV + MAC */
	assert_int_equal(bk_packer_add(&p, &a, NULL, 40, 0), -22);
	buf_init(&h, 0);
	assert_int_equal(bk_packer_header(&p, &h), 0);
	assert_int_equal(h.len, p.header_len);
	assert_int_equal(h.len, 37 + 41 + 37);
	assert_int_equal((uint8_t)h.data[37], 2); /* compressed data */
	assert_int_equal(le32((const uint8_t *)h.data + 38), 3000);
	assert_int_equal(le32((const uint8_t *)h.data + 42), 5000);
	buf_deinit(&h);
	bk_packer_deinit(&p);
}

static void test_index(void **state)
{
	(void)state;
	struct bk_pack_entry e[2] = {
		{.type = BK_BLOB_DATA, .offset = 0, .length = 38},
		{.type = BK_BLOB_TREE, .offset = 38, .length = 100, .uncompressed_length = 250},
	};
	struct bk_index_pack packs[1];
	struct bk_id sup;
	struct buf b;
	char want[1024];

	memset(e[0].id.b, 0x11, 32);
	memset(e[1].id.b, 0x22, 32);
	memset(packs[0].id.b, 0xab, 32);
	memset(sup.b, 0xcd, 32);
	packs[0].entries = e;
	packs[0].n = 2;
	buf_init(&b, 0);
	assert_int_equal(bk_index_encode(&b, packs, 1, NULL, 0), 0);
	snprintf(want, sizeof want,
		 "{\"packs\":[{\"id\":\"%s\",\"blobs\":[{\"id\":\"%s\",\"type\":\"data\",\"offset\":0,\"length\":38},"
		 "{\"id\":\"%s\",\"type\":\"tree\",\"offset\":38,\"length\":100,\"uncompressed_length\":250}]}]}\n",
		 "abababababababababababababababababababababababababababababababab",
		 "1111111111111111111111111111111111111111111111111111111111111111",
		 "2222222222222222222222222222222222222222222222222222222222222222");
	assert_string_equal(b.data, want);
	buf_deinit(&b);
	buf_init(&b, 0);
	assert_int_equal(bk_index_encode(&b, NULL, 0, &sup, 1), 0);
	assert_string_equal(b.data, "{\"supersedes\":[\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\"],\"packs\":null}\n");
	buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_streamed),
		cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
