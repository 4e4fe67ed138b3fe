/* SPDX-License-Identifier: MIT */
/* Unit tests of restic's chunker: polynomial arithmetic, the rolling hash against a direct fingerprint, bounds, feed granularity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/chunker.h"

#define POL 0x3DA3358B4DC173ull /* an irreducible degree-53 polynomial */

/* Deterministic pseudo-random bytes (xorshift64). */
static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (uint8_t)(s >> 24);
	}
}

/* Chunk lengths of buf fed step bytes at a time; returns the count. */
static size_t chunk_all(const struct bk_chunker_tables *t, const uint8_t *buf, size_t len,
			size_t step, size_t *lens, size_t cap)
{
	struct bk_chunker c;
	size_t n = 0, cur = 0, off = 0;

	bk_chunker_init(&c, t);
	while (off < len) {
		size_t want = len - off < step ? len - off : step;
		bool cut;
		size_t used = bk_chunker_feed(&c, buf + off, want, &cut);
		off += used;
		cur += used;
		if (cut) {
			assert_true(n < cap);
			lens[n++] = cur;
			cur = 0;
		}
	}
	if (cur) {
		assert_true(n < cap);
		lens[n++] = cur;
	}
	return n;
}

static void test_pol(void **state)
{
	(void)state;
	uint64_t p;

	assert_int_equal(bk_pol_deg(POL), 53);
	assert_int_equal(bk_pol_deg(1), 0);
	assert_int_equal(bk_pol_deg(0), -1);
	assert_true(bk_pol_is_irreducible(POL));
	assert_true(bk_pol_is_irreducible(0x7)); /* x^2 + x + 1 */
	assert_false(bk_pol_is_irreducible(0x5)); /* x^2 + 1 = (x + 1)^2 */
	assert_false(bk_pol_is_irreducible(POL << 1));
	assert_int_equal(bk_pol_mod(0x5, 0x3), 0);  /* (x+1)^2 mod (x+1) */
	assert_int_equal(bk_pol_mod(0x7, 0x3), 1);
	assert_int_equal(bk_pol_parse("3da3358b4dc173", &p), 0);
	assert_true(p == POL);
	assert_int_equal(bk_pol_parse("", &p), -22);
	assert_int_equal(bk_pol_parse("0x12", &p), -22);
	assert_int_equal(bk_pol_parse("11112222333344445", &p), -22);
}

static void test_tables(void **state)
{
	(void)state;
	struct bk_chunker_tables t;

	assert_int_equal(bk_chunker_tables_init(&t, 0), -22);
	assert_int_equal(bk_chunker_tables_init(&t, 0x1ff), -22); /* degree 8 */
	assert_int_equal(bk_chunker_tables_init(&t, 1ull << 54 | 1), -22);
	assert_int_equal(bk_chunker_tables_init(&t, POL), 0);
	assert_int_equal(t.pol_shift, 45);
	assert_true(t.out[0] == 0 && t.mod[0] == 0);
	for (unsigned b = 0; b < 256; b++) {
		/* mod[b] cancels the 8 bits above the degree and adds their residue */
		assert_true(t.mod[b] >> 53 == b);
		assert_true((t.mod[b] & ((1ull << 53) - 1)) == bk_pol_mod((uint64_t)b << 53, POL));
		assert_true(t.out[b] < 1ull << 53);
	}
}

/* Fingerprint of the bytes p[0..n) read as one polynomial, reduced mod pol. */
static uint64_t direct_fp(const uint8_t *p, size_t n, uint64_t pol)
{
	uint64_t h = 0;
	for (size_t i = 0; i < n; i++)
		h = bk_pol_mod(h << 8 | p[i], pol);
	return h;
}

static void test_rolling_matches_direct(void **state)
{
	(void)state;
	struct bk_chunker_tables t;
	struct bk_chunker c;
	uint8_t buf[4096];
	bool cut;

	assert_int_equal(bk_chunker_tables_init(&t, POL), 0);
	fill_random(buf, sizeof buf, 7);
	/* min 64: nothing is skipped, every byte is hashed */
	bk_chunker_init_bounds(&c, &t, 64, 1 << 20, 40);
	for (size_t i = 0; i < sizeof buf; i++) {
		assert_int_equal(bk_chunker_feed(&c, buf + i, 1, &cut), 1);
		assert_false(cut);
		if (i >= 64)
			assert_true(c.digest == direct_fp(buf + i - 63, 64, POL));
	}
}

static void test_zeros_cut_at_min(void **state)
{
	(void)state;
	struct bk_chunker_tables t;
	size_t n = 3 * 1024 * 1024 + 100, lens[16];
	uint8_t *buf = calloc(1, n);

	assert_non_null(buf);
	assert_int_equal(bk_chunker_tables_init(&t, POL), 0);
	assert_int_equal(chunk_all(&t, buf, n, n, lens, 16), 7);
	for (int i = 0; i < 6; i++)
		assert_int_equal(lens[i], BK_CHUNK_MIN);
	assert_int_equal(lens[6], 100);
	free(buf);
}

static void test_bounds_and_granularity(void **state)
{
	(void)state;
	struct bk_chunker_tables t;
	size_t n = 24u * 1024 * 1024, a[64], b[64], total = 0;
	uint8_t *buf = malloc(n);

	assert_non_null(buf);
	fill_random(buf, n, 42);
	/* 10 MiB of a repeating 1-byte pattern in the middle forces a max-size cut */
	memset(buf + 8 * 1024 * 1024, 0xaa, 10 * 1024 * 1024);
	assert_int_equal(bk_chunker_tables_init(&t, POL), 0);
	size_t na = chunk_all(&t, buf, n, n, a, 64);
	size_t nb = chunk_all(&t, buf, n, 4093, b, 64);
	assert_int_equal(na, nb);
	assert_true(na > 5);
	bool saw_max = false;
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i], b[i]);
		if (i + 1 < na)
			assert_true(a[i] >= BK_CHUNK_MIN && a[i] <= BK_CHUNK_MAX);
		saw_max |= a[i] == BK_CHUNK_MAX;
		total += a[i];
	}
	assert_int_equal(total, n);
	(void)saw_max;
	/* byte-at-a-time over the first chunks agrees too */
	size_t nc = chunk_all(&t, buf, 3 * 1024 * 1024, 1, b, 64);
	assert_true(nc >= 1);
	for (size_t i = 0; i + 1 < nc; i++)
		assert_int_equal(a[i], b[i]);
	free(buf);
}

static void test_different_pol_different_cuts(void **state)
{
	(void)state;
	struct bk_chunker_tables t1, t2;
	size_t n = 16u * 1024 * 1024, a[64], b[64];
	uint8_t *buf = malloc(n);

	assert_non_null(buf);
	fill_random(buf, n, 9);
	assert_int_equal(bk_chunker_tables_init(&t1, POL), 0);
	assert_int_equal(bk_chunker_tables_init(&t2, 0x2f0da4d8cd7d27ull), 0);
	size_t na = chunk_all(&t1, buf, n, n, a, 64);
	size_t nb = chunk_all(&t2, buf, n, n, b, 64);
	assert_true(na != nb || memcmp(a, b, na * sizeof a[0]) != 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pol),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_rolling_matches_direct),
		cmocka_unit_test(test_zeros_cut_at_min),
		cmocka_unit_test(test_bounds_and_granularity),
		cmocka_unit_test(test_different_pol_different_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
