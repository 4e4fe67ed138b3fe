/* SPDX-License-Identifier: MIT */
/* Cron expressions (five fields, names, ranges, steps, @daily...) and Uptime Kuma's "cron" maintenance windows (a start pattern + a duration) in a zone given as a function: pure. */
#ifndef HEARTH_PROTO_WATCH_CRON_H
#define HEARTH_PROTO_WATCH_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "minute hour day-of-month month day-of-week" as bit sets. As Vixie
 * cron (and croner, Kuma's library): when both day fields are
 * restricted a day matching either matches. */
struct watch_cron {
	uint64_t minutes; /* bit 0..59 */
	uint32_t hours;	  /* bit 0..23 */
	uint32_t mdays;	  /* bit 1..31 */
	uint16_t months;  /* bit 1..12 */
	uint8_t wdays;	  /* bit 0 (Sunday)..6 */
	bool mday_any, wday_any; /* the field was '*' (or '?') */
};

/*
 * Parses @text: five fields separated by blanks, each a list of '*',
 * N, N-M, with an optional /STEP; months jan..dec and days sun..sat
 * (any case), 7 is Sunday, '?' is '*'; or @yearly, @annually, @monthly,
 * @weekly, @daily, @midnight, @hourly. 0, or -1 with the reason in @why
 * ("hour: '25' is not 0-23"). Pure.
 */
int watch_cron_parse(const char *text, struct watch_cron *out, char *why,
		     size_t n);

/* True when the civil minute @local_min (minutes since 1970-01-01 00:00
 * of the zone's wall clock) matches @c. */
bool watch_cron_matches(const struct watch_cron *c, int64_t local_min);

/* A zone: seconds east of UTC at the instant @utc_s. */
typedef int64_t (*watch_zone_fn)(void *ud, int64_t utc_s);

/*
 * The UTC instant at which the wall-clock time @local_s (seconds since
 * the epoch as if UTC) happens in @zone: in a repeated hour (clocks set
 * back) the first one; in a skipped one (clocks set forward) the
 * instant as far past the jump as the time was into the gap.
 */
int64_t watch_zone_to_utc(int64_t local_s, watch_zone_fn zone, void *ud);

/*
 * The start (UTC seconds) of the last window of @c that began at or
 * before @now_s and is still open at @now_s (lasting @duration_s), or
 * -1. Windows start at each wall-clock minute of @zone that @c matches
 * (once in a repeated hour). Pure; bounded by the duration's days.
 */
int64_t watch_cron_window(const struct watch_cron *c, int64_t duration_s,
			  int64_t now_s, watch_zone_fn zone, void *ud);

#endif
