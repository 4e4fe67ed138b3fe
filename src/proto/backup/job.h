/* SPDX-License-Identifier: MIT */
/* Backup jobs as pure logic: when a job is due (interval or cron), and the steps it runs in order (hooks, backup, forget, check). */
#ifndef HEARTH_PROTO_BACKUP_JOB_H
#define HEARTH_PROTO_BACKUP_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/watch/cron.h"

/* When a job runs: every @interval_s seconds from its last start, or at
 * the minutes a cron expression (UTC) matches. */
struct bk_schedule {
	int64_t interval_s; /* > 0: an interval; 0: cron */
	struct watch_cron cron;
};

/* "6h", "1d", "90m", "3600" (an interval) or a cron expression ("0 3 * *
 * *", @daily). 0, or -1 with the reason in @why. */
int bk_schedule_parse(const char *text, struct bk_schedule *s, char *why,
		      size_t cap);

/*
 * The next start (UTC seconds) at or after @now_s for a job whose last
 * run started at @last_s (-1: never). An interval runs @interval_s after
 * the last start, or at once when that is past (a run missed while
 * hearthd was down is made up once, not once per missed interval) or
 * when it never ran. Cron: the first matching minute after the last
 * start, or at once when one was missed; a job that never ran waits for
 * the next matching minute after @now_s. -1 when no minute in the next
 * five years matches (Feb 30). Pure.
 */
int64_t bk_schedule_next(const struct bk_schedule *s, int64_t last_s,
			 int64_t now_s);

/* The states a job alerts on. */
enum bk_job_state {
	BK_JOB_START,
	BK_JOB_FINISH,
	BK_JOB_FAIL,
};
/* "start", "finish", "fail" -> the state, or -1. */
int bk_job_state_parse(const char *s);

/* What a job does, in order: before hooks, then for each repository a
 * backup, a forget (when it keeps), its checks that are due, a stats (the
 * repository's size), then after hooks; on a failure the on_error hooks
 * and nothing else. */
enum bk_step_kind {
	BK_STEP_BEFORE,
	BK_STEP_BACKUP,
	BK_STEP_FORGET,
	BK_STEP_CHECK,
	BK_STEP_STATS,
	BK_STEP_AFTER,
	BK_STEP_ON_ERROR,
	BK_STEP_DONE,
};

struct bk_job_shape {
	size_t n_before, n_repositories, n_after, n_on_error;
	size_t n_checks; /* checks due, run on each repository */
	bool forget, stats;
};

struct bk_step {
	enum bk_step_kind kind;
	size_t index; /* the hook's, or the repository's */
	size_t sub;   /* BK_STEP_CHECK: which check */
};

/*
 * Whether a check last done at @last_s (-1: never) is due at @now_s with
 * @frequency_s (0: every run). Pure.
 */
bool bk_check_due(int64_t last_s, int64_t frequency_s, int64_t now_s);

/* The first step of a job. */
struct bk_step bk_job_first(const struct bk_job_shape *j);

/*
 * The step after @cur, which ended with @ok. A failed step leads to the
 * on_error hooks (which run all, whatever they return) and then DONE; a
 * before hook that asked to skip (@skip: it exited 75, EX_TEMPFAIL, as
 * borgmatic's soft failure) ends the job at once, neither failed nor
 * run. Pure.
 */
struct bk_step bk_job_next(const struct bk_job_shape *j, struct bk_step cur,
			   bool ok, bool skip);

/* "before", "backup", ... for logs and the API. */
const char *bk_step_name(enum bk_step_kind k);

#endif
