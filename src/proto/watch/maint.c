/* SPDX-License-Identifier: MIT */
/* Maintenance-window arithmetic: civil dates from day numbers, weekday and day-of-month windows across midnight. */
#include "proto/watch/maint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Days since 1970-01-01 of a civil date, and back (Howard Hinnant's
 * algorithms, proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void watch_maint_civil(int64_t z, int *month, int *mday, int *wday)
{
	*wday = (int)(((z % 7) + 11) % 7); /* 1970-01-01: Thursday */
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
}

static int day_of_month(int64_t z)
{
	int m, d, wd;
	watch_maint_civil(z, &m, &d, &wd);
	return d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* True when day @day (since the epoch, local) is one of @r's days. */
static bool day_matches(const struct watch_maint_rule *r, int64_t day)
{
	switch (r->strategy) {
	case WATCH_MAINT_WEEKDAY: {
		int wd = (int)(((day % 7) + 11) % 7); /* 1970-01-01: Thursday */
		return r->weekdays & (1u << wd);
	}
	case WATCH_MAINT_DAY_OF_MONTH: {
		int dom = day_of_month(day);
		return (r->days & (1u << dom)) ||
		       (r->last_day && day_of_month(day + 1) == 1);
	}
	case WATCH_MAINT_INTERVAL:
		return r->interval_days > 0 && day >= r->first_day &&
		       (day - r->first_day) % r->interval_days == 0;
	default:
		return false;
	}
}

bool watch_maint_active(const struct watch_maint_rule *r, int64_t now_s,
			int64_t offset_s)
{
	int64_t t = now_s + offset_s;
	switch (r->strategy) {
	case WATCH_MAINT_MANUAL:
		return r->active;
	case WATCH_MAINT_SINGLE:
		return t >= r->start_s && t < r->end_s;
	default:
		break;
	}
	int64_t day = floor_div(t, 86400);
	int minute = (int)((t - day * 86400) / 60);
	if (r->end_min > r->start_min)
		return day_matches(r, day) && minute >= r->start_min &&
		       minute < r->end_min;
	/* Past midnight: the evening of a matching day, or the morning
	 * after one. */
	return (day_matches(r, day) && minute >= r->start_min) ||
	       (day_matches(r, day - 1) && minute < r->end_min);
}

bool watch_maint_on(const struct watch_maint_rule *r, int64_t now_s,
		    watch_zone_fn zone, void *ud)
{
	if (!r->active)
		return false;
	switch (r->strategy) {
	case WATCH_MAINT_MANUAL:
		return true;
	case WATCH_MAINT_SINGLE:
		return now_s >= watch_zone_to_utc(r->start_s, zone, ud) &&
		       now_s < watch_zone_to_utc(r->end_s, zone, ud);
	case WATCH_MAINT_CRON:
		if (r->from_s && now_s < watch_zone_to_utc(r->from_s, zone, ud))
			return false;
		if (r->until_s && now_s >= watch_zone_to_utc(r->until_s, zone, ud))
			return false;
		return watch_cron_window(&r->cron, r->duration_s, now_s, zone,
					 ud) != -1;
	default:
		return watch_maint_active(r, now_s, zone(ud, now_s));
	}
}

static int digits(const char *p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

static int mdays(int y, int m)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : n[m - 1];
}

int watch_maint_parse_date(const char *t, int64_t *out)
{
	int y, m, d;
	if (strlen(t) != 10 || t[4] != '-' || t[7] != '-' || digits(t, 4, &y) ||
	    digits(t + 5, 2, &m) || digits(t + 8, 2, &d) || y < 1970 ||
	    m < 1 || m > 12 || d < 1 || d > mdays(y, m))
		return -1;
	*out = days_from_civil(y, m, d);
	return 0;
}

int watch_maint_parse_time(const char *t, int *out)
{
	int h, m;
	if (strlen(t) != 5 || t[2] != ':' || digits(t, 2, &h) ||
	    digits(t + 3, 2, &m) || m > 59 || h > 24 || (h == 24 && m))
		return -1;
	*out = h * 60 + m;
	return 0;
}

int watch_maint_parse_datetime(const char *t, int64_t *out)
{
	char date[11];
	int64_t day;
	int min, sec = 0;
	size_t n = strlen(t);
	if ((n != 16 && n != 19) || (t[10] != ' ' && t[10] != 'T'))
		return -1;
	memcpy(date, t, 10);
	date[10] = '\0';
	char hm[6];
	memcpy(hm, t + 11, 5);
	hm[5] = '\0';
	if (watch_maint_parse_date(date, &day) || watch_maint_parse_time(hm, &min) ||
	    min == 24 * 60)
		return -1;
	if (n == 19 && (t[16] != ':' || digits(t + 17, 2, &sec) || sec > 59))
		return -1;
	*out = day * 86400 + min * 60 + sec;
	return 0;
}

int watch_maint_parse_weekday(const char *t)
{
	static const char *const names[] = {"sunday", "monday", "tuesday",
					    "wednesday", "thursday", "friday",
					    "saturday"};
	if (t[0] >= '0' && t[0] <= '7' && !t[1])
		return (t[0] - '0') % 7;
	size_t n = strlen(t);
	for (int i = 0; i < 7; i++)
		if ((n == 3 || n == strlen(names[i])) &&
		    strncasecmp(t, names[i], n) == 0)
			return i;
	return -1;
}

int watch_maint_parse_offset(const char *t, int64_t *out)
{
	int h, m;
	if (!strcasecmp(t, "UTC") || !strcasecmp(t, "Z")) {
		*out = 0;
		return 0;
	}
	if (strlen(t) != 6 || (t[0] != '+' && t[0] != '-') || t[3] != ':' ||
	    digits(t + 1, 2, &h) || digits(t + 4, 2, &m) || h > 14 || m > 59)
		return -1;
	*out = (t[0] == '-' ? -1 : 1) * (int64_t)(h * 3600 + m * 60);
	return 0;
}
