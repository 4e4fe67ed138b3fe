/* SPDX-License-Identifier: MIT */
/* Maintenance windows as Uptime Kuma schedules them (manual, single, recurring weekday/day-of-month/interval): pure time arithmetic. */
#ifndef HEARTH_PROTO_WATCH_MAINT_H
#define HEARTH_PROTO_WATCH_MAINT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/watch/cron.h"

enum watch_maint_strategy {
	WATCH_MAINT_MANUAL,	     /* on while `active` */
	WATCH_MAINT_SINGLE,	     /* from start to end */
	WATCH_MAINT_WEEKDAY,	     /* on the weekdays, start_min..end_min */
	WATCH_MAINT_DAY_OF_MONTH,    /* on the days of the month, likewise */
	WATCH_MAINT_INTERVAL,	     /* every N days from a first day, likewise */
	WATCH_MAINT_CRON,	     /* from each start of `cron`, `duration_s` */
};

/* A window; times are in the window's zone (local = UTC + offset). */
struct watch_maint_rule {
	enum watch_maint_strategy strategy;
	bool active;		 /* manual */
	int64_t start_s, end_s;	 /* single: local seconds since the epoch */
	uint8_t weekdays;	 /* bit d: day d, 0 Sunday .. 6 Saturday */
	uint32_t days;		 /* bit d: day of month d (1..31) */
	bool last_day;		 /* and the month's last day */
	int start_min, end_min;	 /* minutes of the day; end <= start: the
				    window runs past midnight */
	int interval_days;	 /* recurring-interval: every N days ... */
	int64_t first_day;	 /* ... from this day (days since the epoch) */
	struct watch_cron cron;	 /* cron */
	int64_t duration_s;
	int64_t from_s, until_s; /* cron: its date range (local seconds,
				    0: open) */
};

/* True when @r covers @now_s (UTC seconds) for a zone @offset_s east of
 * UTC. Pure; any thread. */
bool watch_maint_active(const struct watch_maint_rule *r, int64_t now_s,
			int64_t offset_s);

/* The month (1..12), day of month (1..31) and weekday (0 Sunday..6) of
 * day @day (days since 1970-01-01, proleptic Gregorian). */
void watch_maint_civil(int64_t day, int *month, int *mday, int *wday);

/* True when @r covers @now_s (UTC seconds) in @zone: single's start and
 * end and cron's range are wall-clock times of the zone (DST changes
 * included), recurring windows are matched on its clock at @now_s; a
 * rule that is not `active` covers nothing (Kuma's "inactive"). Pure. */
bool watch_maint_on(const struct watch_maint_rule *r, int64_t now_s,
		    watch_zone_fn zone, void *ud);

/* Parses "YYYY-MM-DD HH:MM[:SS]" (or with a 'T') into seconds since the
 * epoch as if UTC: 0, or -1. */
int watch_maint_parse_datetime(const char *text, int64_t *out);
/* "YYYY-MM-DD" into days since the epoch: 0 or -1. */
int watch_maint_parse_date(const char *text, int64_t *out);
/* "HH:MM" (00:00-24:00) into minutes: 0 or -1. */
int watch_maint_parse_time(const char *text, int *out);
/* "mon".."sun" or "monday".."sunday" (any case) or 0-7 (0, 7 Sunday)
 * into 0 (Sunday) .. 6: the day, or -1. */
int watch_maint_parse_weekday(const char *text);
/* "UTC", "+HH:MM", "-HH:MM" into seconds east of UTC: 0 or -1. */
int watch_maint_parse_offset(const char *text, int64_t *out);

#endif
