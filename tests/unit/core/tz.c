/* SPDX-License-Identifier: MIT */
/* Unit tests of IANA zones through the C library: names checked against the system's tzdata, offsets on both sides of DST changes (to the second), TZ left as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(tz_valid("Europe/Berlin"));
	assert_true(tz_valid("America/New_York"));
	assert_true(tz_valid("UTC"));
	assert_false(tz_valid("Europe/Nowhere"));
	assert_false(tz_valid("../../etc/passwd"));
	assert_false(tz_valid("/usr/share/zoneinfo/UTC"));
	assert_false(tz_valid("Europe/Berlin; rm"));
	assert_false(tz_valid(""));
	assert_false(tz_valid("zone.tab")); /* a file, not TZif */
}

static void test_offsets(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	/* Berlin 2027: CEST from 03-28 01:00:00 UTC to 10-31 01:00:00 UTC. */
	assert_int_equal(tz_offset("Europe/Berlin", 1806195599), 3600);
	assert_int_equal(tz_offset("Europe/Berlin", 1806195600), 7200);
	assert_int_equal(tz_offset("Europe/Berlin", 1824944399), 7200);
	assert_int_equal(tz_offset("Europe/Berlin", 1824944400), 3600);
	/* New York 2027: EDT from 03-14 07:00 UTC (cached days: again). */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(tz_offset("America/New_York", 1805007599),
				 -5 * 3600);
		assert_int_equal(tz_offset("America/New_York", 1805007600),
				 -4 * 3600);
	}
	/* Half hours, and a 30-minute DST (Lord Howe: +10:30 / +11). */
	assert_int_equal(tz_offset("Asia/Kolkata", 1796205600), 19800);
	assert_int_equal(tz_offset("Australia/Lord_Howe", 1796205600), 39600);
	assert_int_equal(tz_offset("Australia/Lord_Howe", 1811000000), 37800);
	assert_int_equal(tz_offset("UTC", 1796205600), 0);
	/* Far ahead (past the transitions listed in the file). */
	assert_int_equal(tz_offset("Europe/Berlin", 4102444800 + 180 * 86400),
			 7200); /* 2100-06-30 */
	assert_int_equal(tz_offset("Europe/Nowhere/..", 0), 0);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	assert_int_equal(tz_offset("Europe/Berlin", 1796205600), 3600);
	assert_null(getenv("TZ"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
