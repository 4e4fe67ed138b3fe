/* SPDX-License-Identifier: MIT */
/* Unit tests of maintenance-window arithmetic: single, manual, weekday and day-of-month windows (across midnight too), intervals, zones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>

#include "proto/watch/maint.h"

/* UTC seconds of a "YYYY-MM-DD HH:MM[:SS]". */
static int64_t at(const char *text)
{
	int64_t t;
	assert_int_equal(watch_maint_parse_datetime(text, &t), 0);
	return t;
}

static void test_parsers(void **state)
{
	(void)state;
	int64_t t, d;
	int m;
	assert_int_equal(at("1970-01-01 00:00"), 0);
	assert_int_equal(at("2026-12-02 10:00"), 1796205600);
	assert_int_equal(at("2026-12-02T10:00:30"), 1796205630);
	assert_int_equal(at("2024-02-29 00:00"), 1709164800);
	assert_int_equal(watch_maint_parse_datetime("2023-02-29 00:00", &t), -1);
	assert_int_equal(watch_maint_parse_datetime("2026-13-01 00:00", &t), -1);
	assert_int_equal(watch_maint_parse_datetime("2026-12-02 24:00", &t), -1);
	assert_int_equal(watch_maint_parse_datetime("2026-12-02 10:60", &t), -1);
	assert_int_equal(watch_maint_parse_datetime("2026-12-02", &t), -1);
	assert_int_equal(watch_maint_parse_datetime("2026-12-02 1:00", &t), -1);
	assert_int_equal(watch_maint_parse_date("2026-12-02", &d), 0);
	assert_int_equal(d, 1796205600 / 86400);
	assert_int_equal(watch_maint_parse_date("1969-12-31", &d), -1);
	assert_int_equal(watch_maint_parse_time("02:30", &m), 0);
	assert_int_equal(m, 150);
	assert_int_equal(watch_maint_parse_time("24:00", &m), 0);
	assert_int_equal(m, 1440);
	assert_int_equal(watch_maint_parse_time("24:01", &m), -1);
	assert_int_equal(watch_maint_parse_time("2:30", &m), -1);
	assert_int_equal(watch_maint_parse_weekday("sun"), 0);
	assert_int_equal(watch_maint_parse_weekday("Monday"), 1);
	assert_int_equal(watch_maint_parse_weekday("SAT"), 6);
	assert_int_equal(watch_maint_parse_weekday("7"), 0);
	assert_int_equal(watch_maint_parse_weekday("3"), 3);
	assert_int_equal(watch_maint_parse_weekday("mo"), -1);
	assert_int_equal(watch_maint_parse_weekday("8"), -1);
	assert_int_equal(watch_maint_parse_offset("UTC", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(watch_maint_parse_offset("+02:00", &t), 0);
	assert_int_equal(t, 7200);
	assert_int_equal(watch_maint_parse_offset("-05:30", &t), 0);
	assert_int_equal(t, -19800);
	assert_int_equal(watch_maint_parse_offset("Europe/Brussels", &t), -1);
}

static void test_manual_and_single(void **state)
{
	(void)state;
	struct watch_maint_rule r = {.strategy = WATCH_MAINT_MANUAL,
				     .active = true};
	assert_true(watch_maint_active(&r, 0, 0));
	r.active = false;
	assert_false(watch_maint_active(&r, 0, 0));
	r = (struct watch_maint_rule){.strategy = WATCH_MAINT_SINGLE,
				      .start_s = at("2026-12-02 10:00"),
				      .end_s = at("2026-12-02 12:00")};
	assert_false(watch_maint_active(&r, at("2026-12-02 09:59:59"), 0));
	assert_true(watch_maint_active(&r, at("2026-12-02 10:00"), 0));
	assert_true(watch_maint_active(&r, at("2026-12-02 11:59:59"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-02 12:00"), 0));
	/* In a zone 2 h east of UTC, 10:00 there is 08:00 UTC. */
	assert_true(watch_maint_active(&r, at("2026-12-02 08:30"), 7200));
	assert_false(watch_maint_active(&r, at("2026-12-02 10:30"), 7200));
}

static void test_weekday(void **state)
{
	(void)state;
	/* Wednesdays and Saturdays, 22:00 to 02:00 (past midnight). */
	struct watch_maint_rule r = {.strategy = WATCH_MAINT_WEEKDAY,
				     .weekdays = 1u << 3 | 1u << 6,
				     .start_min = 22 * 60, .end_min = 2 * 60};
	/* 2026-12-02 is a Wednesday. */
	assert_false(watch_maint_active(&r, at("2026-12-02 21:59"), 0));
	assert_true(watch_maint_active(&r, at("2026-12-02 22:00"), 0));
	assert_true(watch_maint_active(&r, at("2026-12-03 01:59"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-03 02:00"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-03 22:30"), 0)); /* Thu */
	assert_true(watch_maint_active(&r, at("2026-12-05 23:00"), 0));	/* Sat */
	assert_true(watch_maint_active(&r, at("2026-12-06 00:30"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-02 00:30"), 0)); /* after Tue */
	/* Zones: 22:00 Wednesday at UTC-05:00 is 03:00 Thursday UTC. */
	assert_true(watch_maint_active(&r, at("2026-12-03 03:00"), -18000));
	assert_false(watch_maint_active(&r, at("2026-12-02 22:00"), -18000));
	/* A plain daytime window. */
	r = (struct watch_maint_rule){.strategy = WATCH_MAINT_WEEKDAY,
				      .weekdays = 1u << 0,
				      .start_min = 9 * 60, .end_min = 17 * 60};
	assert_true(watch_maint_active(&r, at("2026-12-06 09:00"), 0)); /* Sun */
	assert_false(watch_maint_active(&r, at("2026-12-06 17:00"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-07 10:00"), 0));
	/* Before 1970 (a negative day) works too: 1969-12-28 was a Sunday. */
	assert_true(watch_maint_active(&r, -4 * 86400 + 10 * 3600, 0));
}

static void test_day_of_month_and_interval(void **state)
{
	(void)state;
	struct watch_maint_rule r = {.strategy = WATCH_MAINT_DAY_OF_MONTH,
				     .days = 1u << 1 | 1u << 15,
				     .start_min = 0, .end_min = 60};
	assert_true(watch_maint_active(&r, at("2026-12-01 00:30"), 0));
	assert_true(watch_maint_active(&r, at("2026-12-15 00:59"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-15 01:00"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-31 00:30"), 0));
	r.last_day = true;
	assert_true(watch_maint_active(&r, at("2026-12-31 00:30"), 0));
	assert_true(watch_maint_active(&r, at("2028-02-29 00:30"), 0));
	assert_false(watch_maint_active(&r, at("2028-02-28 00:30"), 0));
	assert_true(watch_maint_active(&r, at("2026-02-28 00:30"), 0));
	/* Every 3 days from 2026-12-02, 12:00-13:00. */
	int64_t first;
	assert_int_equal(watch_maint_parse_date("2026-12-02", &first), 0);
	r = (struct watch_maint_rule){.strategy = WATCH_MAINT_INTERVAL,
				      .interval_days = 3, .first_day = first,
				      .start_min = 12 * 60, .end_min = 13 * 60};
	assert_true(watch_maint_active(&r, at("2026-12-02 12:30"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-03 12:30"), 0));
	assert_true(watch_maint_active(&r, at("2026-12-05 12:00"), 0));
	assert_false(watch_maint_active(&r, at("2026-11-29 12:30"), 0));
	assert_false(watch_maint_active(&r, at("2026-12-05 13:00"), 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_manual_and_single),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_day_of_month_and_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
