/* SPDX-License-Identifier: MIT */
/* Unit tests of cron expressions and cron windows: fields, names, steps, the day-field rule, refusals, wall-clock to UTC in a zone with a change, windows across it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "proto/watch/cron.h"
#include "proto/watch/maint.h"

static int64_t at(const char *text)
{
	int64_t t;
	assert_int_equal(watch_maint_parse_datetime(text, &t), 0);
	return t;
}

static bool match(const char *expr, const char *when)
{
	struct watch_cron c;
	char why[128];
	assert_int_equal(watch_cron_parse(expr, &c, why, sizeof(why)), 0);
	return watch_cron_matches(&c, at(when) / 60);
}

static void refused(const char *expr, const char *words)
{
	struct watch_cron c;
	char why[128] = "";
	assert_int_equal(watch_cron_parse(expr, &c, why, sizeof(why)), -1);
	if (!strstr(why, words))
		fail_msg("'%s': '%s' lacks '%s'", expr, why, words);
}

static void test_fields(void **state)
{
	(void)state;
	/* 2026-12-02 is a Wednesday. */
	assert_true(match("30 3 * * *", "2026-12-02 03:30"));
	assert_false(match("30 3 * * *", "2026-12-02 03:31"));
	assert_true(match("*/15 * * * *", "2026-12-02 07:45"));
	assert_false(match("*/15 * * * *", "2026-12-02 07:46"));
	assert_true(match("5/20 * * * *", "2026-12-02 07:45"));
	assert_true(match("0 9-17/4 * * *", "2026-12-02 13:00"));
	assert_false(match("0 9-17/4 * * *", "2026-12-02 15:00"));
	assert_true(match("0 0 * * wed", "2026-12-02 00:00"));
	assert_true(match("0 0 * * MON-Fri", "2026-12-02 00:00"));
	assert_false(match("0 0 * * sat,sun", "2026-12-02 00:00"));
	assert_true(match("0 0 * * 7", "2026-12-06 00:00")); /* Sunday */
	assert_true(match("0 0 * dec ?", "2026-12-02 00:00"));
	assert_false(match("0 0 * jan-nov *", "2026-12-02 00:00"));
	assert_true(match("0 0 29 2 *", "2028-02-29 00:00"));
	/* Both day fields restricted: either matches (Vixie cron, croner). */
	assert_true(match("0 0 1 * wed", "2026-12-02 00:00"));
	assert_true(match("0 0 1 * wed", "2026-12-01 00:00"));
	assert_false(match("0 0 1 * wed", "2026-12-03 00:00"));
	/* One restricted: it alone decides. */
	assert_false(match("0 0 1 * *", "2026-12-02 00:00"));
	assert_true(match("@daily", "2026-12-02 00:00"));
	assert_true(match("@hourly", "2026-12-02 17:00"));
	assert_true(match("@weekly", "2026-12-06 00:00"));
	assert_true(match("@monthly", "2026-12-01 00:00"));
	assert_true(match("@yearly", "2027-01-01 00:00"));
	assert_true(match("  0 3 * * *  ", "2026-12-02 03:00"));
}

static void test_refusals(void **state)
{
	(void)state;
	refused("0 3 * *", "five fields");
	refused("0 3 * * * *", "more found");
	refused("60 * * * *", "minute: '60' is not 0-59");
	refused("0 24 * * *", "hour: '24' is not 0-23");
	refused("0 0 0 * *", "day-of-month: '0' is not 1-31");
	refused("0 0 * 13 *", "month: '13' is not 1-12");
	refused("0 0 * * 8", "day-of-week: '8' is not 0-7");
	refused("0 0 * * funday", "day-of-week:");
	refused("*/0 * * * *", "minute:");
	refused("1, * * * *", "minute:");
	refused("5-1 * * * *", "minute:");
	refused("x * * * *", "minute:");
	refused("@sometimes", "@daily");
	refused("", "five fields");
}

/* A zone at +1 h that moves to +2 h at 2027-03-28 01:00 UTC and back
 * at 2027-10-31 01:00 UTC (the EU's rule that year). */
static int64_t eu(void *ud, int64_t t)
{
	(void)ud;
	return t >= 1806195600 && t < 1824944400 ? 7200 : 3600;
}

static void test_zone_to_utc(void **state)
{
	(void)state;
	assert_int_equal(at("2027-03-28 01:00"), 1806195600);
	assert_int_equal(at("2027-10-31 01:00"), 1824944400);
	/* Plain: one instant. */
	assert_int_equal(watch_zone_to_utc(at("2027-03-28 01:59"), eu, NULL),
			 at("2027-03-28 00:59"));
	assert_int_equal(watch_zone_to_utc(at("2027-03-28 03:00"), eu, NULL),
			 at("2027-03-28 01:00"));
	/* The gap 02:00-03:00: as far past the jump. */
	assert_int_equal(watch_zone_to_utc(at("2027-03-28 02:30"), eu, NULL),
			 at("2027-03-28 01:30"));
	/* The repeated 02:00-03:00: the first. */
	assert_int_equal(watch_zone_to_utc(at("2027-10-31 02:30"), eu, NULL),
			 at("2027-10-31 00:30"));
	assert_int_equal(watch_zone_to_utc(at("2027-10-31 03:00"), eu, NULL),
			 at("2027-10-31 02:00"));
}

static int64_t window(const char *expr, int64_t dur, const char *now)
{
	struct watch_cron c;
	char why[128];
	assert_int_equal(watch_cron_parse(expr, &c, why, sizeof(why)), 0);
	return watch_cron_window(&c, dur, at(now), eu, NULL);
}

static void test_windows(void **state)
{
	(void)state;
	/* 04:00 local daily for 1 h: 03:00 UTC in winter, 02:00 in summer. */
	assert_int_equal(window("0 4 * * *", 3600, "2027-03-27 03:30"),
			 at("2027-03-27 03:00"));
	assert_int_equal(window("0 4 * * *", 3600, "2027-03-27 04:00"), -1);
	assert_int_equal(window("0 4 * * *", 3600, "2027-03-28 02:00"),
			 at("2027-03-28 02:00"));
	assert_int_equal(window("0 4 * * *", 3600, "2027-03-28 03:30"), -1);
	/* Every 15 min for 5: on, then off, then the next. */
	assert_int_equal(window("*/15 * * * *", 300, "2027-06-01 10:04:59"),
			 at("2027-06-01 10:00"));
	assert_int_equal(window("*/15 * * * *", 300, "2027-06-01 10:05"), -1);
	assert_int_equal(window("*/15 * * * *", 300, "2027-06-01 10:15"),
			 at("2027-06-01 10:15"));
	/* A long window: the last start wins; a week-long one from Monday
	 * 00:00 local is on Sunday evening and off after. */
	assert_int_equal(window("0 0 * * mon", 7 * 86400 - 60,
				"2027-06-06 21:58"),
			 at("2027-05-30 22:00"));
	assert_int_equal(window("0 0 * * mon", 7 * 86400 - 60,
				"2027-06-06 21:59:30"), -1);
	/* The yearly window on Feb 29: only in leap years. */
	assert_int_equal(window("0 0 29 2 *", 86400, "2027-03-01 10:00"), -1);
	assert_int_equal(window("0 0 29 2 *", 86400, "2028-02-29 10:00"),
			 at("2028-02-28 23:00"));
	/* The gap start of 02:30 (01:30 UTC) and the later 03:00 start
	 * (01:00 UTC): at 01:40 UTC the 02:30 window is the latest start. */
	assert_int_equal(window("0,30 2,3 * * *", 1200, "2027-03-28 01:40"),
			 at("2027-03-28 01:30"));
	assert_int_equal(window("0 0 * * *", 0, "2027-03-28 01:40"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_zone_to_utc),
		cmocka_unit_test(test_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
