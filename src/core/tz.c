/* SPDX-License-Identifier: MIT */
/* Zone offsets from the C library: TZ switched under a lock, one cache entry per zone and day, changes found by bisection. */
#include "core/tz.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool name_ok(const char *zone)
{
	size_t n = strlen(zone);
	if (!n || n > TZ_NAME_MAX || zone[0] == '/' || strstr(zone, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = zone[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '+' || c == '/'))
			return false;
	}
	return true;
}

bool tz_valid(const char *zone)
{
	if (!name_ok(zone))
		return false;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s",
		 dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char magic[4];
	bool ok = read(fd, magic, 4) == 4 && !memcmp(magic, "TZif", 4);
	close(fd);
	return ok;
}

struct day {
	char zone[TZ_NAME_MAX + 1];
	int64_t day;
	int64_t off0, off1; /* at the day's start, and from `change` on */
	int64_t change;	    /* 0: none that day */
	bool used;
};

#define CACHE 64
static struct day cache[CACHE];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t raw(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	return localtime_r(&tt, &tm) ? tm.tm_gmtoff : 0;
}

static void fill(struct day *e, const char *zone, int64_t day)
{
	char *old = getenv("TZ");
	old = old ? strdup(old) : NULL;
	char tz[TZ_NAME_MAX + 2];
	snprintf(tz, sizeof(tz), ":%s", zone);
	setenv("TZ", tz, 1);
	tzset();
	int64_t lo = day * 86400, hi = lo + 86399;
	*e = (struct day){.day = day, .used = true};
	snprintf(e->zone, sizeof(e->zone), "%s", zone);
	e->off0 = raw(lo);
	e->off1 = raw(hi);
	if (e->off0 != e->off1) {
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (raw(mid) == e->off0)
				lo = mid;
			else
				hi = mid;
		}
		e->change = hi;
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

int64_t tz_offset(const char *zone, int64_t utc_s)
{
	if (!name_ok(zone))
		return 0;
	int64_t day = utc_s >= 0 ? utc_s / 86400 : -((-utc_s + 86399) / 86400);
	uint64_t h = (uint64_t)day * 1099511628211u;
	for (const char *p = zone; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	pthread_mutex_lock(&lock);
	struct day *e = &cache[h % CACHE];
	if (!e->used || e->day != day || strcmp(e->zone, zone))
		fill(e, zone, day);
	int64_t off = e->change && utc_s >= e->change ? e->off1 : e->off0;
	pthread_mutex_unlock(&lock);
	return off;
}
