/* SPDX-License-Identifier: MIT */
/* Backup jobs as pure logic: schedules (interval or cron, missed runs made up once) and the order of a job's steps. */
#include "proto/backup/job.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* "1h30m", "6h", "2d", "3600": seconds, or -1. */
static int64_t parse_interval(const char *t)
{
	int64_t total = 0;
	bool any = false;
	while (*t) {
		if (!isdigit((unsigned char)*t))
			return -1;
		int64_t n = 0;
		while (isdigit((unsigned char)*t)) {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*t++ - '0');
		}
		int64_t unit = 1;
		switch (*t) {
		case 's': unit = 1; t++; break;
		case 'm': unit = 60; t++; break;
		case 'h': unit = 3600; t++; break;
		case 'd': unit = 86400; t++; break;
		case 'w': unit = 7 * 86400; t++; break;
		case '\0': if (any) return -1; break; /* a bare number: seconds */
		default: return -1;
		}
		total += n * unit;
		if (total > 366LL * 86400)
			return -1;
		any = true;
	}
	return any ? total : -1;
}

int bk_schedule_parse(const char *text, struct bk_schedule *s, char *why,
		      size_t cap)
{
	memset(s, 0, sizeof(*s));
	if (isdigit((unsigned char)text[0]) && !strchr(text, ' ') &&
	    !strchr(text, '\t')) {
		int64_t iv = parse_interval(text);
		if (iv < 60) {
			snprintf(why, cap, "an interval is 1m to 366d "
				 "(90m, 6h, 1d), or a cron expression");
			return -1;
		}
		s->interval_s = iv;
		return 0;
	}
	return watch_cron_parse(text, &s->cron, why, cap);
}

static int first_bit(uint64_t set, int from, int to)
{
	for (int i = from; i <= to; i++)
		if (set >> i & 1)
			return i;
	return -1;
}

/* The first minute (UTC seconds) at or after @from_s that @c matches,
 * within @days days; -1 when none. A day is tried once (at its first
 * matching hour and minute) before its minutes are. */
static int64_t cron_next(const struct watch_cron *c, int64_t from_s, int days)
{
	int64_t from_min = (from_s + 59) / 60;
	int h0 = first_bit(c->hours, 0, 23), m0 = first_bit(c->minutes, 0, 59);
	if (h0 < 0 || m0 < 0)
		return -1;
	int64_t day = from_min / 1440;
	for (int d = 0; d <= days; d++, day++) {
		if (!watch_cron_matches(c, day * 1440 + h0 * 60 + m0))
			continue;
		for (int h = h0; h < 24; h++) {
			if (!(c->hours >> h & 1))
				continue;
			for (int m = m0; m < 60; m++) {
				int64_t min = day * 1440 + h * 60 + m;
				if (min >= from_min && (c->minutes >> m & 1))
					return min * 60;
			}
		}
	}
	return -1;
}

int64_t bk_schedule_next(const struct bk_schedule *s, int64_t last_s,
			 int64_t now_s)
{
	if (s->interval_s > 0) {
		if (last_s < 0 || last_s + s->interval_s <= now_s)
			return now_s;
		return last_s + s->interval_s;
	}
	const int horizon = 5 * 366;
	if (last_s >= 0) {
		/* strictly after the minute the last run started in */
		int64_t t = cron_next(&s->cron, (last_s / 60 + 1) * 60, horizon);
		if (t < 0)
			return -1;
		return t <= now_s ? now_s : t;
	}
	return cron_next(&s->cron, now_s, horizon);
}

int bk_job_state_parse(const char *s)
{
	if (strcmp(s, "start") == 0)
		return BK_JOB_START;
	if (strcmp(s, "finish") == 0)
		return BK_JOB_FINISH;
	if (strcmp(s, "fail") == 0)
		return BK_JOB_FAIL;
	return -1;
}

bool bk_check_due(int64_t last_s, int64_t frequency_s, int64_t now_s)
{
	return last_s < 0 || frequency_s <= 0 || now_s - last_s >= frequency_s;
}

static struct bk_step step(enum bk_step_kind k, size_t index, size_t sub)
{
	return (struct bk_step){.kind = k, .index = index, .sub = sub};
}

/* The first step at or after @k (index @repo, check @sub) that the job
 * has. */
static struct bk_step from(const struct bk_job_shape *j, enum bk_step_kind k,
			   size_t repo, size_t sub)
{
	for (;;) {
		switch (k) {
		case BK_STEP_BEFORE:
			if (j->n_before)
				return step(k, 0, 0);
			k = BK_STEP_BACKUP;
			break;
		case BK_STEP_BACKUP:
			if (repo < j->n_repositories)
				return step(k, repo, 0);
			k = BK_STEP_AFTER;
			break;
		case BK_STEP_FORGET:
			if (j->forget)
				return step(k, repo, 0);
			k = BK_STEP_CHECK;
			sub = 0;
			break;
		case BK_STEP_CHECK:
			if (sub < j->n_checks)
				return step(k, repo, sub);
			k = BK_STEP_STATS;
			break;
		case BK_STEP_STATS:
			if (j->stats)
				return step(k, repo, 0);
			k = BK_STEP_BACKUP;
			repo++;
			break;
		case BK_STEP_AFTER:
			if (j->n_after)
				return step(k, 0, 0);
			return step(BK_STEP_DONE, 0, 0);
		case BK_STEP_ON_ERROR:
			if (j->n_on_error)
				return step(k, 0, 0);
			return step(BK_STEP_DONE, 0, 0);
		case BK_STEP_DONE:
		default:
			return step(BK_STEP_DONE, 0, 0);
		}
	}
}

struct bk_step bk_job_first(const struct bk_job_shape *j)
{
	return from(j, BK_STEP_BEFORE, 0, 0);
}

struct bk_step bk_job_next(const struct bk_job_shape *j, struct bk_step cur,
			   bool ok, bool skip)
{
	switch (cur.kind) {
	case BK_STEP_ON_ERROR:
		if (cur.index + 1 < j->n_on_error)
			return step(BK_STEP_ON_ERROR, cur.index + 1, 0);
		return step(BK_STEP_DONE, 0, 0);
	case BK_STEP_DONE:
		return cur;
	default:
		break;
	}
	if (cur.kind == BK_STEP_BEFORE && skip)
		return step(BK_STEP_DONE, 0, 0);
	/* A stats step only reports: its failure fails nothing. */
	if (!ok && cur.kind != BK_STEP_STATS)
		return from(j, BK_STEP_ON_ERROR, 0, 0);
	switch (cur.kind) {
	case BK_STEP_BEFORE:
		if (cur.index + 1 < j->n_before)
			return step(BK_STEP_BEFORE, cur.index + 1, 0);
		return from(j, BK_STEP_BACKUP, 0, 0);
	case BK_STEP_BACKUP:
		return from(j, BK_STEP_FORGET, cur.index, 0);
	case BK_STEP_FORGET:
		return from(j, BK_STEP_CHECK, cur.index, 0);
	case BK_STEP_CHECK:
		return from(j, BK_STEP_CHECK, cur.index, cur.sub + 1);
	case BK_STEP_STATS:
		return from(j, BK_STEP_BACKUP, cur.index + 1, 0);
	case BK_STEP_AFTER:
		if (cur.index + 1 < j->n_after)
			return step(BK_STEP_AFTER, cur.index + 1, 0);
		return step(BK_STEP_DONE, 0, 0);
	default:
		return step(BK_STEP_DONE, 0, 0);
	}
}

const char *bk_step_name(enum bk_step_kind k)
{
	static const char *const names[] = {"before", "backup", "forget",
					    "check", "stats", "after",
					    "on_error", "done"};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k]
							     : "?";
}
