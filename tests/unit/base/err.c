/* SPDX-License-Identifier: MIT */
/* Unit tests of base/err: the error-code texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "base/err.h"

static void test_strerror(void **state)
{
	(void)state;
	static const int codes[] = {
		HEARTH_ECONFIG, HEARTH_ESTORE, HEARTH_EHTTP, HEARTH_ECURL,
		HEARTH_EJSON, HEARTH_ESCHEMA, HEARTH_ETIMEDOUT, HEARTH_EFULL,
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *t = hearth_strerror(codes[i]);
		assert_non_null(t);
		assert_true(strlen(t) > 0);
		assert_string_not_equal(t, "unknown error");
		/* Each code has its own text. */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(t, hearth_strerror(codes[j]));
	}
	assert_string_equal(hearth_strerror(HEARTH_ECONFIG),
			    "invalid configuration");
	assert_string_equal(hearth_strerror(HEARTH_ETIMEDOUT),
			    "request timed out");
	assert_string_equal(hearth_strerror(-ENOENT), strerror(ENOENT));
	assert_string_equal(hearth_strerror(-ECONNREFUSED),
			    strerror(ECONNREFUSED));
	assert_string_equal(hearth_strerror(0), "success");
	assert_non_null(hearth_strerror(-999999));
	assert_non_null(hearth_strerror(12345));
	assert_non_null(hearth_strerror(-1007));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
