/* SPDX-License-Identifier: MIT */
/* IANA time zones ("Europe/Berlin") through the C library and the system's tzdata (TZif files under /usr/share/zoneinfo): offsets from UTC at an instant. */
#ifndef HEARTH_CORE_TZ_H
#define HEARTH_CORE_TZ_H

#include <stdbool.h>
#include <stdint.h>

/* Longest zone name accepted. */
#define TZ_NAME_MAX 64

/* True when @zone names a zone of the system's tzdata ($TZDIR or
 * /usr/share/zoneinfo holds a TZif file of that name; no "..", no
 * leading '/'). Any thread. */
bool tz_valid(const char *zone);

/*
 * Seconds east of UTC in @zone (tz_valid) at @utc_s: from localtime_r
 * with TZ switched to @zone and back under a lock, cached per zone and
 * day (a day with a change is bisected to the second). Any thread
 * (one at a time); while a day is computed (a cache miss, about once a
 * day per zone) another thread's localtime_r would see @zone: in
 * hearthd only the loop thread converts to local time. 0 for a zone
 * that is not valid.
 */
int64_t tz_offset(const char *zone, int64_t utc_s);

#endif
