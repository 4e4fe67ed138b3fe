/* SPDX-License-Identifier: MIT */
/* Unit tests of backup job logic: schedule forms and refusals, when an interval or cron job is next due (never run, on time, missed while down, never), and the order of steps with hooks, repositories, failures and skips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/backup/job.h"
#include "proto/watch/maint.h"

static int64_t at(const char *text)
{
	int64_t t;
	assert_int_equal(watch_maint_parse_datetime(text, &t), 0);
	return t;
}

static struct bk_schedule sched(const char *text)
{
	struct bk_schedule s;
	char why[160];
	if (bk_schedule_parse(text, &s, why, sizeof(why)))
		fail_msg("'%s' refused: %s", text, why);
	return s;
}

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(sched("6h").interval_s, 6 * 3600);
	assert_int_equal(sched("1h30m").interval_s, 5400);
	assert_int_equal(sched("1d").interval_s, 86400);
	assert_int_equal(sched("2w").interval_s, 14 * 86400);
	assert_int_equal(sched("3600").interval_s, 3600);
	assert_int_equal(sched("0 3 * * *").interval_s, 0);
	assert_int_equal(sched("@daily").interval_s, 0);
	const char *bad[] = {"10s", "59", "6x", "h", "1h5", "400d",
			     "61 * * * *", "* * *", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bk_schedule s;
		char why[160] = "";
		if (bk_schedule_parse(bad[i], &s, why, sizeof(why)) != -1)
			fail_msg("'%s' was taken", bad[i]);
		assert_true(why[0]);
	}
}

static void test_interval(void **state)
{
	(void)state;
	struct bk_schedule s = sched("6h");
	int64_t now = at("2026-12-02 10:00");
	/* never ran: at once */
	assert_int_equal(bk_schedule_next(&s, -1, now), now);
	/* ran two hours ago: in four */
	assert_int_equal(bk_schedule_next(&s, now - 7200, now), now + 4 * 3600);
	/* missed while down for three days: once, now */
	assert_int_equal(bk_schedule_next(&s, now - 3 * 86400, now), now);
	/* exactly due */
	assert_int_equal(bk_schedule_next(&s, now - 6 * 3600, now), now);
}

static void test_cron(void **state)
{
	(void)state;
	struct bk_schedule s = sched("0 3 * * *");
	/* never ran: the next 03:00 */
	assert_int_equal(bk_schedule_next(&s, -1, at("2026-12-02 10:00")),
			 at("2026-12-03 03:00"));
	assert_int_equal(bk_schedule_next(&s, -1, at("2026-12-02 02:59:30")),
			 at("2026-12-02 03:00"));
	/* ran at 03:00 today: tomorrow's */
	assert_int_equal(bk_schedule_next(&s, at("2026-12-02 03:00:02"),
					  at("2026-12-02 10:00")),
			 at("2026-12-03 03:00"));
	/* missed (hearthd down over 03:00): once, now */
	assert_int_equal(bk_schedule_next(&s, at("2026-11-29 03:00"),
					  at("2026-12-02 10:00")),
			 at("2026-12-02 10:00"));
	/* weekdays, steps, month ends */
	s = sched("30 */6 * * mon-fri");
	assert_int_equal(bk_schedule_next(&s, -1, at("2026-12-05 01:00")),
			 at("2026-12-07 00:30")); /* Sat -> Mon */
	s = sched("0 0 31 * *");
	assert_int_equal(bk_schedule_next(&s, -1, at("2026-04-01 00:00:01")),
			 at("2026-05-31 00:00"));
	s = sched("0 12 29 2 *");
	assert_int_equal(bk_schedule_next(&s, -1, at("2026-03-01 00:00")),
			 at("2028-02-29 12:00"));
	/* never matches: -1, bounded */
	s = sched("0 0 30 2 *");
	assert_int_equal(bk_schedule_next(&s, -1, at("2026-03-01 00:00")), -1);
}

/* Walks the job's steps; the step named @fail_at (e.g. "forget0")
 * fails, the first one asks to skip with @skip_first. */
static void expect(const struct bk_job_shape *j, const char *want,
		   const char *fail_at, bool skip_first)
{
	char got[512] = "";
	struct bk_step st = bk_job_first(j);
	bool first = true;
	for (int guard = 0; st.kind != BK_STEP_DONE && guard < 64; guard++) {
		char one[32];
		if (st.kind == BK_STEP_CHECK)
			snprintf(one, sizeof(one), "check%zu.%zu", st.index,
				 st.sub);
		else
			snprintf(one, sizeof(one), "%s%zu",
				 bk_step_name(st.kind), st.index);
		bool ok = !(fail_at && strcmp(one, fail_at) == 0);
		if (got[0])
			strcat(got, " ");
		strcat(got, one);
		st = bk_job_next(j, st, ok, first && skip_first);
		first = false;
	}
	assert_string_equal(got, want);
}

static void test_steps(void **state)
{
	(void)state;
	struct bk_job_shape j = {.n_before = 2, .n_repositories = 2,
				 .n_after = 1, .n_on_error = 2,
				 .forget = true, .n_checks = 2, .stats = true};
	expect(&j, "before0 before1 backup0 forget0 check0.0 check0.1 stats0 "
		   "backup1 forget1 check1.0 check1.1 stats1 after0", NULL,
	       false);
	/* a failure: the on_error hooks, all of them, and nothing else */
	expect(&j, "before0 before1 backup0 forget0 on_error0 on_error1",
	       "forget0", false);
	expect(&j, "before0 before1 backup0 forget0 check0.0 check0.1 "
		   "on_error0 on_error1", "check0.1", false);
	expect(&j, "before0 on_error0 on_error1", "before0", false);
	/* an on_error hook that fails does not stop the next */
	expect(&j, "before0 before1 backup0 on_error0 on_error1", "backup0",
	       false);
	/* a stats step only reports: its failure fails nothing */
	expect(&j, "before0 before1 backup0 forget0 check0.0 check0.1 stats0 "
		   "backup1 forget1 check1.0 check1.1 stats1 after0", "stats0",
	       false);
	/* a before hook that asks to skip ends the job */
	expect(&j, "before0", NULL, true);
	/* the bare job: one backup */
	struct bk_job_shape bare = {.n_repositories = 1};
	expect(&bare, "backup0", NULL, false);
	expect(&bare, "backup0", "backup0", false);
	struct bk_job_shape chk = {.n_repositories = 1, .n_checks = 1};
	expect(&chk, "backup0 check0.0", NULL, false);
	assert_int_equal(bk_job_state_parse("fail"), BK_JOB_FAIL);
	assert_int_equal(bk_job_state_parse("start"), BK_JOB_START);
	assert_int_equal(bk_job_state_parse("finish"), BK_JOB_FINISH);
	assert_int_equal(bk_job_state_parse("always"), -1);
}

static void test_check_due(void **state)
{
	(void)state;
	int64_t now = at("2026-12-02 10:00");
	assert_true(bk_check_due(-1, 14 * 86400, now));	/* never done */
	assert_true(bk_check_due(now - 60, 0, now));	/* every run */
	assert_false(bk_check_due(now - 86400, 14 * 86400, now));
	assert_true(bk_check_due(now - 14 * 86400, 14 * 86400, now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_check_due),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
