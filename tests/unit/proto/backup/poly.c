/* SPDX-License-Identifier: MIT */
/* Unit tests of the chunker polynomial: restic's documented example is irreducible; products are not; random ones are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/poly.h"

static void test_irreducible(void **state)
{
	(void)state;
	/* design.rst's config example and restic's default test polynomial */
	assert_true(backup_poly_irreducible(0x25b468838dcb75ull));
	assert_true(backup_poly_irreducible(0x3DA3358B4DC173ull));
	/* x^53 + 1 has the root 1; x^53 + x is divisible by x */
	assert_false(backup_poly_irreducible((1ull << 53) | 1));
	assert_false(backup_poly_irreducible((1ull << 53) | 2));
	/* (x^2+x+1)(x^51+x+1) */
	uint64_t a = 7, b = (1ull << 51) | 3, p = 0;
	for (int i = 0; i < 64; i++)
		if (b >> i & 1)
			p ^= a << i;
	assert_false(backup_poly_irreducible(p));
	assert_false(backup_poly_irreducible(0x25b468838dcb75ull << 1));
	for (int i = 0; i < 5; i++) {
		uint64_t r = backup_poly_random();
		assert_true(backup_poly_irreducible(r));
		assert_int_equal(63 - __builtin_clzll(r), 53);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_irreducible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
