/* SPDX-License-Identifier: MIT */
/* Unit tests of restic 0.14's forget policy with scripted times: durations, each bucket, ISO weeks, within, tags, future snapshots, the summary line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/policy.h"

#define NOW 4102444800LL /* 2100-01-01: every scripted time is in the past */

/* Scripted snapshots, newest first (the caller's order). */
struct script {
	const char *t;
	const char *tag;
};

static size_t load(const struct script *sc, struct bk_policy_snap *s, const char **tagv)
{
	size_t n = 0;
	for (; sc[n].t; n++) {
		memset(&s[n], 0, sizeof s[n]);
		assert_int_equal(bk_time_parse(sc[n].t, strlen(sc[n].t), &s[n].time), 0);
		if (sc[n].tag) {
			tagv[n] = sc[n].tag;
			s[n].tags = &tagv[n];
			s[n].n_tags = 1;
		}
	}
	return n;
}

/* "1101...": which of the script's snapshots the policy keeps. */
static void keeps(const struct bk_policy *p, const struct script *sc, int64_t now, const char *want)
{
	struct bk_policy_snap s[64] = {0};
	const char *tagv[64];
	struct bk_policy_verdict v[64];
	size_t n = load(sc, s, tagv);
	char got[65];
	bk_policy_apply(p, s, n, now, v);
	for (size_t i = 0; i < n; i++)
		got[i] = v[i].keep ? '1' : '0';
	got[n] = '\0';
	assert_string_equal(got, want);
}

static void test_duration(void **state)
{
	(void)state;
	struct bk_duration d;
	char why[128], out[64];
	assert_int_equal(bk_duration_parse("1y5m7d2h", &d, why, sizeof why), 0);
	assert_int_equal(d.years, 1);
	assert_int_equal(d.months, 5);
	assert_int_equal(d.days, 7);
	assert_int_equal(d.hours, 2);
	assert_int_equal(bk_duration_parse("12h1y", &d, why, sizeof why), 0);
	bk_duration_format(&d, out, sizeof out);
	assert_string_equal(out, "1y12h");
	assert_int_equal(bk_duration_parse("1d1d", &d, why, sizeof why), 0);
	bk_duration_format(&d, out, sizeof out);
	assert_string_equal(out, "1d");
	assert_int_equal(bk_duration_parse("-1d", &d, why, sizeof why), 0);
	assert_int_equal(d.days, -1);
	assert_int_equal(bk_duration_parse("", &d, why, sizeof why), 0);
	assert_true(bk_duration_zero(&d));
	assert_int_equal(bk_duration_parse("1x", &d, why, sizeof why), -EINVAL);
	assert_string_equal(why, "invalid unit 'x' found after number 1");
	assert_int_equal(bk_duration_parse("1", &d, why, sizeof why), -EINVAL);
	assert_string_equal(why, "no unit found after number 1");
	assert_int_equal(bk_duration_parse("d", &d, why, sizeof why), -EINVAL);
	assert_string_equal(why, "no number found");
	assert_int_equal(bk_duration_parse("99999999999d", &d, why, sizeof why), -EINVAL);
}

static const struct script hours[] = {
	{"2026-03-31T11:00:00Z", NULL}, {"2026-03-31T10:45:00Z", NULL},
	{"2026-03-31T10:15:00Z", NULL}, {"2026-03-31T09:00:00Z", NULL},
	{"2026-03-30T09:00:00Z", NULL}, {NULL, NULL},
};

static void test_last_and_hourly(void **state)
{
	(void)state;
	struct bk_policy p = {0};
	p.count[BK_KEEP_LAST] = 2;
	keeps(&p, hours, NOW, "11000");
	memset(&p, 0, sizeof p);
	p.count[BK_KEEP_HOURLY] = 3;
	/* 10:45 and 10:15 share an hour: the newer of them counts */
	keeps(&p, hours, NOW, "11010");
	p.count[BK_KEEP_HOURLY] = 10;
	keeps(&p, hours, NOW, "11011");
	/* a negative count keeps nothing (restic 0.14 has no "all") */
	memset(&p, 0, sizeof p);
	p.count[BK_KEEP_LAST] = -1;
	p.count[BK_KEEP_DAILY] = 1;
	keeps(&p, hours, NOW, "10000");
	struct bk_policy_snap s[8];
	const char *tv[8];
	struct bk_policy_verdict v[8];
	size_t n = load(hours, s, tv);
	bk_policy_apply(&p, s, n, NOW, v);
	assert_int_equal(v[0].left[BK_KEEP_LAST], -1);
	assert_int_equal(v[0].left[BK_KEEP_DAILY], 0);
	assert_string_equal(v[0].reasons, "daily snapshot");
}

static void test_zone_offset_buckets(void **state)
{
	(void)state;
	/* one instant apart by an hour, but different local days */
	static const struct script sc[] = {
		{"2026-01-02T00:30:00+01:00", NULL}, /* local Jan 2 */
		{"2026-01-01T23:10:00Z", NULL},	     /* Jan 1 */
		{"2026-01-01T22:00:00Z", NULL},
		{NULL, NULL},
	};
	struct bk_policy p = {0};
	p.count[BK_KEEP_DAILY] = 5;
	keeps(&p, sc, NOW, "110");
}

static void test_weeks_months_years(void **state)
{
	(void)state;
	/* 2027-01-03 (Sunday) is ISO week 53 of 2026, as 2026-12-28 is;
	 * 2027-01-04 opens week 1 of 2027 */
	static const struct script sc[] = {
		{"2027-01-04T07:00:00Z", NULL}, {"2027-01-03T07:00:00Z", NULL},
		{"2026-12-28T07:00:00Z", NULL}, {"2026-12-27T07:00:00Z", NULL},
		{"2026-06-30T07:00:00Z", NULL}, {"2026-06-01T07:00:00Z", NULL},
		{"2025-01-01T00:00:00Z", NULL}, {NULL, NULL},
	};
	struct bk_policy p = {0};
	p.count[BK_KEEP_WEEKLY] = 10;
	keeps(&p, sc, NOW, "1101111");
	memset(&p, 0, sizeof p);
	p.count[BK_KEEP_MONTHLY] = 3;
	keeps(&p, sc, NOW, "1010100");
	memset(&p, 0, sizeof p);
	p.count[BK_KEEP_YEARLY] = 5;
	keeps(&p, sc, NOW, "1010001");
}

static void test_within(void **state)
{
	(void)state;
	struct bk_policy p = {0};
	char why[64];
	assert_int_equal(bk_duration_parse("1m2d", &p.within[BK_KEEP_LAST], why, sizeof why), 0);
	static const struct script sc[] = {
		{"2026-03-31T10:45:00Z", NULL}, {"2026-03-01T10:45:01Z", NULL},
		/* 03-31 minus 1 month is "02-31", which Go normalises to 03-03;
		 * minus 2 days: 03-01 10:45:00, and within means strictly after */
		{"2026-03-01T10:45:00Z", NULL}, {"2026-02-01T09:00:00Z", NULL},
		{NULL, NULL},
	};
	keeps(&p, sc, NOW, "1100");
	/* snapshots from the future do not set the reference time */
	static const struct script fut[] = {
		{"2027-01-03T07:00:00Z", NULL}, {"2026-03-31T10:45:00Z", NULL},
		{"2026-03-10T00:00:00Z", NULL}, {"2026-01-01T00:00:00Z", NULL},
		{NULL, NULL},
	};
	struct bk_time now;
	assert_int_equal(bk_time_parse("2026-12-02T04:00:00Z", 20, &now), 0);
	keeps(&p, fut, now.sec, "1110");
	/* all in the future: every one is within */
	assert_int_equal(bk_time_parse("2020-01-01T00:00:00Z", 20, &now), 0);
	keeps(&p, fut, now.sec, "1111");
	/* within-daily: one a day inside the window */
	memset(&p, 0, sizeof p);
	assert_int_equal(bk_duration_parse("2d", &p.within[BK_KEEP_DAILY], why, sizeof why), 0);
	keeps(&p, hours, NOW, "10001");
}

static void test_tags_and_reasons(void **state)
{
	(void)state;
	static const char *const tl_a[] = {"keep"};
	static const char *const tl_empty[] = {""};
	struct bk_taglist tls[2] = {{tl_a, 1}, {tl_empty, 1}};
	static const struct script sc[] = {
		{"2026-03-03T00:00:00Z", "x"},
		{"2026-03-02T00:00:00Z", "keep"},
		{"2026-03-01T00:00:00Z", NULL},
		{NULL, NULL},
	};
	struct bk_policy p = {0};
	p.tags = tls;
	p.n_tags = 1;
	p.count[BK_KEEP_LAST] = 1;
	p.count[BK_KEEP_DAILY] = 1;
	keeps(&p, sc, NOW, "110");
	struct bk_policy_snap s[4];
	const char *tv[4];
	struct bk_policy_verdict v[4];
	size_t n = load(sc, s, tv);
	bk_policy_apply(&p, s, n, NOW, v);
	assert_string_equal(v[0].reasons, "last snapshot\ndaily snapshot");
	assert_string_equal(v[1].reasons, "has tags [keep]");
	assert_string_equal(v[2].reasons, "");
	/* the tag "" matches a snapshot without tags */
	p.n_tags = 2;
	keeps(&p, sc, NOW, "111");
	char d[256];
	static const char *const tl_b[] = {"a", "b"};
	struct bk_taglist two[2] = {{tl_b, 2}, {tl_a, 1}};
	struct bk_policy q = {0};
	q.count[BK_KEEP_LAST] = 2;
	q.count[BK_KEEP_YEARLY] = 1;
	q.tags = two;
	q.n_tags = 2;
	assert_int_equal(bk_duration_parse("3h", &q.within[BK_KEEP_HOURLY], d, sizeof d), 0);
	assert_int_equal(bk_duration_parse("2d", &q.within[BK_KEEP_LAST], d, sizeof d), 0);
	bk_policy_describe(&q, d, sizeof d);
	assert_string_equal(d, "keep 2 latest, 1 yearly snapshots, hourly snapshots within 3h and "
			       "all snapshots with tags [[a, b] [keep]] and all snapshots within "
			       "2d of the newest");
	assert_false(bk_policy_empty(&q));
	memset(&q, 0, sizeof q);
	assert_true(bk_policy_empty(&q));
	q.count[BK_KEEP_LAST] = -1;
	bk_policy_describe(&q, d, sizeof d);
	assert_string_equal(d, "keep ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_last_and_hourly),
		cmocka_unit_test(test_zone_offset_buckets),
		cmocka_unit_test(test_weeks_months_years),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_tags_and_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
