/* SPDX-License-Identifier: MIT */
/* Maintenance windows as Uptime Kuma schedules them (manual, single, recurring weekday/day-of-month/interval): pure time arithmetic. */
#ifndef HEARTH_PROTO_WATCH_MAINT_H
#define HEARTH_PROTO_WATCH_MAINT_H

#include <stdbool.h>
#include <stdint.h>

enum watch_maint_strategy {
	WATCH_MAINT_MANUAL,	     /* on while `active` */
	WATCH_MAINT_SINGLE,	     /* from start to end */
	WATCH_MAINT_WEEKDAY,	     /* on the weekdays, start_min..end_min */
	WATCH_MAINT_DAY_OF_MONTH,    /* on the days of the month, likewise */
	WATCH_MAINT_INTERVAL,	     /* every N days from a first day, likewise */
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
};

/* True when @r covers @now_s (UTC seconds) for a zone @offset_s east of
 * UTC. Pure; any thread. */
bool watch_maint_active(const struct watch_maint_rule *r, int64_t now_s,
			int64_t offset_s);

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
