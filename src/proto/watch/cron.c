/* SPDX-License-Identifier: MIT */
/* Cron expressions and cron maintenance windows: field parsing, wall-clock matching, the last window start before now across DST changes. */
#include "proto/watch/cron.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto/watch/maint.h"

struct field {
	const char *name;
	int lo, hi;
	const char *const *names; /* index lo.. */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may",
					  "jun", "jul", "aug", "sep", "oct",
					  "nov", "dec"};
static const char *const day_names[] = {"sun", "mon", "tue", "wed",
					"thu", "fri", "sat"};

static const struct field fields[5] = {
	{"minute", 0, 59, NULL},
	{"hour", 0, 23, NULL},
	{"day-of-month", 1, 31, NULL},
	{"month", 1, 12, month_names},
	{"day-of-week", 0, 7, day_names},
};

/* A number or a name of @f at *@p: advances *@p; the value or -1. */
static int value(const struct field *f, const char **p)
{
	const char *s = *p;
	if (isdigit((unsigned char)*s)) {
		int v = 0;
		while (isdigit((unsigned char)*s) && v < 1000)
			v = v * 10 + (*s++ - '0');
		*p = s;
		return v;
	}
	if (f->names && isalpha((unsigned char)s[0]) &&
	    isalpha((unsigned char)s[1]) && isalpha((unsigned char)s[2])) {
		int n = f->lo == 0 ? 7 : f->hi; /* sun..sat, jan..dec */
		for (int i = 0; i < n; i++)
			if (!strncasecmp(s, f->names[i], 3)) {
				*p = s + 3;
				return f->lo == 0 ? i : i + f->lo;
			}
	}
	return -1;
}

/* One field's text [@s, @e) into @bits. */
static int field_parse(const struct field *f, const char *s, const char *e,
		       uint64_t *bits, bool *any, char *why, size_t n)
{
	int len = (int)(e - s);
	*bits = 0;
	*any = false;
	for (const char *p = s; p < e;) {
		int lo, hi, step = 1;
		bool star = false;
		if (*p == '*' || *p == '?') {
			star = true;
			lo = f->lo, hi = f->hi == 7 ? 6 : f->hi;
			p++;
		} else {
			if ((lo = value(f, &p)) < 0)
				goto bad;
			hi = lo;
			if (*p == '-') {
				p++;
				if ((hi = value(f, &p)) < 0)
					goto bad;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			step = 0;
			while (isdigit((unsigned char)*p) && step < 1000)
				step = step * 10 + (*p++ - '0');
			if (step < 1)
				goto bad;
			if (!star && hi == lo)
				hi = f->hi; /* "5/15": from 5 to the end */
		}
		if (p < e && *p != ',')
			goto bad;
		if (lo < f->lo || hi > f->hi || lo > hi) {
			snprintf(why, n, "%s: '%.*s' is not %d-%d", f->name, len, s,
				 f->lo, f->hi);
			return -1;
		}
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ull << (f->hi == 7 ? v % 7 : v);
		if (star && step == 1)
			*any = true;
		if (p < e)
			p++; /* ',' */
		if (p == e && p[-1] == ',')
			goto bad;
	}
	if (*bits)
		return 0;
bad:
	snprintf(why, n, "%s: '%.*s' is not a cron field (N, N-M, *, */STEP, "
			 "lists)", f->name, len, s);
	return -1;
}

int watch_cron_parse(const char *text, struct watch_cron *out, char *why,
		     size_t n)
{
	static const struct {
		const char *name, *expr;
	} macros[] = {
		{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
		{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
		{"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"},
	};
	while (isspace((unsigned char)*text))
		text++;
	if (*text == '@') {
		for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (!strcasecmp(text, macros[i].name))
				return watch_cron_parse(macros[i].expr, out, why, n);
		snprintf(why, n, "'%.40s' is not @yearly, @monthly, @weekly, "
				 "@daily or @hourly", text);
		return -1;
	}
	*out = (struct watch_cron){0};
	const char *p = text;
	for (int i = 0; i < 5; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p == s) {
			snprintf(why, n, "five fields (minute hour day-of-month "
					 "month day-of-week), found %d", i);
			return -1;
		}
		uint64_t bits;
		bool any;
		if (field_parse(&fields[i], s, p, &bits, &any, why, n))
			return -1;
		switch (i) {
		case 0: out->minutes = bits; break;
		case 1: out->hours = (uint32_t)bits; break;
		case 2: out->mdays = (uint32_t)bits; out->mday_any = any; break;
		case 3: out->months = (uint16_t)bits; break;
		case 4: out->wdays = (uint8_t)bits; out->wday_any = any; break;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p) {
		snprintf(why, n, "five fields (minute hour day-of-month month "
				 "day-of-week), more found: '%.20s'", p);
		return -1;
	}
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static bool day_ok(const struct watch_cron *c, int64_t day)
{
	int mon, md, wd;
	watch_maint_civil(day, &mon, &md, &wd);
	if (!(c->months & (1u << mon)))
		return false;
	bool dm = c->mdays & (1u << md), dw = c->wdays & (1u << wd);
	if (c->mday_any || c->wday_any)
		return dm && dw;
	return dm || dw;
}

bool watch_cron_matches(const struct watch_cron *c, int64_t local_min)
{
	int64_t day = floor_div(local_min, 1440);
	int64_t m = local_min - day * 1440;
	return day_ok(c, day) && (c->hours & (1u << (m / 60))) &&
	       (c->minutes & (1ull << (m % 60)));
}

int64_t watch_zone_to_utc(int64_t local_s, watch_zone_fn zone, void *ud)
{
	/* Offsets a day either side: one zone change at most between. */
	int64_t a = zone(ud, local_s - 86400), b = zone(ud, local_s + 86400);
	int64_t ua = local_s - a, ub = local_s - b;
	bool va = ua + zone(ud, ua) == local_s;
	bool vb = ub + zone(ud, ub) == local_s;
	if (va && vb)
		return ua < ub ? ua : ub;
	if (vb)
		return ub;
	return ua; /* valid, or in the gap: the offset before it */
}

#define SLACK_MIN 180 /* wall clock vs UTC: a zone change is at most 3 h */

int64_t watch_cron_window(const struct watch_cron *c, int64_t duration_s,
			  int64_t now_s, watch_zone_fn zone, void *ud)
{
	if (duration_s <= 0)
		return -1;
	int64_t local = now_s + zone(ud, now_s);
	int64_t m = floor_div(local, 60) + SLACK_MIN;
	int64_t lo = floor_div(local - duration_s, 60) - SLACK_MIN;
	int64_t stop = lo;
	bool found = false;
	int64_t best = 0;
	while (m >= lo && m >= stop) {
		int64_t day = floor_div(m, 1440);
		if (!day_ok(c, day)) {
			m = day * 1440 - 1;
			continue;
		}
		int64_t in = m - day * 1440, h = in / 60;
		if (!(c->hours & (1u << h))) {
			m = day * 1440 + h * 60 - 1;
			continue;
		}
		if (c->minutes & (1ull << (in % 60))) {
			int64_t f = watch_zone_to_utc(m * 60, zone, ud);
			if (f <= now_s && (!found || f > best)) {
				if (!found)
					stop = m - SLACK_MIN;
				found = true;
				best = f;
			}
		}
		m--;
	}
	return found && now_s < best + duration_s ? best : -1;
}
