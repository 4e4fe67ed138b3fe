/* SPDX-License-Identifier: MIT */
/* restic 0.14's forget policy: durations, buckets (last, hourly ... yearly, within-*), tag lists, the summary line. */
#include "proto/backup/policy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char unit_ch[] = "ymdh";

int bk_duration_parse(const char *s, struct bk_duration *d, char *why, size_t why_cap)
{
	memset(d, 0, sizeof *d);
	while (*s) {
		const char *p = s;
		if (*p == '-')
			p++;
		if (*p < '0' || *p > '9') {
			snprintf(why, why_cap, "no number found");
			return -EINVAL;
		}
		long long v = 0;
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (*p - '0');
			if (v > INT32_MAX) {
				snprintf(why, why_cap, "number too large");
				return -EINVAL;
			}
		}
		int num = (int)(*s == '-' ? -v : v);
		if (!*p) {
			snprintf(why, why_cap, "no unit found after number %d", num);
			return -EINVAL;
		}
		const char *u = strchr(unit_ch, *p);
		if (!u) {
			snprintf(why, why_cap, "invalid unit '%c' found after number %d", *p, num);
			return -EINVAL;
		}
		int *f[] = {&d->years, &d->months, &d->days, &d->hours};
		*f[u - unit_ch] = num;
		s = p + 1;
	}
	return 0;
}

bool bk_duration_zero(const struct bk_duration *d)
{
	return !d->years && !d->months && !d->days && !d->hours;
}

void bk_duration_format(const struct bk_duration *d, char *out, size_t cap)
{
	const int v[] = {d->years, d->months, d->days, d->hours};
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; i < 4; i++)
		if (v[i] && k < cap) {
			int w = snprintf(out + k, cap - k, "%d%c", v[i], unit_ch[i]);
			k += w > 0 ? (size_t)w : 0;
		}
}

bool bk_policy_empty(const struct bk_policy *p)
{
	for (int i = 0; i < BK_KEEP_N; i++)
		if (p->count[i] || !bk_duration_zero(&p->within[i]))
			return false;
	return p->n_tags == 0;
}

static const char *const bucket_word[BK_KEEP_N] = {"latest", "hourly", "daily",
						   "weekly", "monthly", "yearly"};
static const char *const bucket_reason[BK_KEEP_N] = {
	"last snapshot",    "hourly snapshot",	"daily snapshot",
	"weekly snapshot", "monthly snapshot", "yearly snapshot"};

/* Appends @a to out (bounded). */
static void cat(char *out, size_t cap, const char *a)
{
	size_t k = strlen(out);
	if (k + 1 < cap)
		snprintf(out + k, cap - k, "%s", a);
}

/* "[a, b]": a tag list as Go prints restic's TagList. */
static void taglist_str(const struct bk_taglist *l, char *out, size_t cap)
{
	out[0] = '\0';
	cat(out, cap, "[");
	for (size_t i = 0; i < l->n; i++) {
		cat(out, cap, i ? ", " : "");
		cat(out, cap, l->v[i]);
	}
	cat(out, cap, "]");
}

void bk_policy_describe(const struct bk_policy *p, char *out, size_t cap)
{
	char part[256];
	bool any = false;
	snprintf(out, cap, "keep ");
	for (int i = 0; i < BK_KEEP_N; i++)
		if (p->count[i] > 0) {
			snprintf(part, sizeof part, "%s%d %s", any ? ", " : "", p->count[i],
				 bucket_word[i]);
			cat(out, cap, part);
			any = true;
		}
	if (any)
		cat(out, cap, " snapshots");
	bool anyw = false;
	for (int i = 1; i < BK_KEEP_N; i++)
		if (!bk_duration_zero(&p->within[i])) {
			char d[64];
			bk_duration_format(&p->within[i], d, sizeof d);
			snprintf(part, sizeof part, "%s%s snapshots within %s",
				 any || anyw ? ", " : "", bucket_word[i], d);
			cat(out, cap, part);
			anyw = true;
		}
	any = any || anyw;
	if (p->n_tags) {
		cat(out, cap, any ? " and all snapshots with tags [" : "all snapshots with tags [");
		for (size_t i = 0; i < p->n_tags; i++) {
			taglist_str(&p->tags[i], part, sizeof part);
			cat(out, cap, i ? " " : "");
			cat(out, cap, part);
		}
		cat(out, cap, "]");
		any = true;
	}
	if (!bk_duration_zero(&p->within[BK_KEEP_LAST])) {
		char d[64];
		bk_duration_format(&p->within[BK_KEEP_LAST], d, sizeof d);
		snprintf(part, sizeof part, "%sall snapshots within %s of the newest",
			 any ? " and " : "", d);
		cat(out, cap, part);
	}
}

bool bk_tags_match(const char *const *tags, size_t n_tags, const struct bk_taglist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i][0] && n_tags == 0)
			return true;
		bool found = false;
		for (size_t k = 0; k < n_tags && !found; k++)
			found = !strcmp(tags[k], l->v[i]);
		if (!found)
			return false;
	}
	return true;
}

/* Proleptic Gregorian calendar on days since 1970-01-01. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* A time's local calendar fields in its own offset. */
struct civil {
	int64_t y, days;
	int m, d, hour;
	int64_t secs_of_day;
};

static void civil_of(const struct bk_time *t, struct civil *c)
{
	int64_t local = t->sec + t->off;
	c->days = floordiv(local, 86400);
	c->secs_of_day = local - c->days * 86400;
	c->hour = (int)(c->secs_of_day / 3600);
	civil_from_days(c->days, &c->y, &c->m, &c->d);
}

/* Go's t.AddDate(-y, -m, -d).Add(-h hours) as unix seconds (the
 * nanoseconds stay those of t). */
static int64_t back_by(const struct bk_time *t, const struct bk_duration *du)
{
	struct civil c;
	civil_of(t, &c);
	int64_t m0 = (int64_t)c.m - 1 - du->months;
	int64_t y = c.y - du->years + floordiv(m0, 12);
	int m = (int)(m0 - floordiv(m0, 12) * 12) + 1;
	int64_t days = days_from_civil(y, m, 1) + c.d - 1 - du->days;
	return days * 86400 + c.secs_of_day - t->off - (int64_t)du->hours * 3600;
}

/* t strictly after (sec, t.nsec-of-newest). */
static bool after(const struct bk_time *t, int64_t sec, int32_t nsec)
{
	return t->sec > sec || (t->sec == sec && t->nsec > nsec);
}

/* restic's bucketers: the value a snapshot's time falls in. */
static int64_t bucket_of(int b, const struct bk_time *t, size_t nr)
{
	struct civil c;
	civil_of(t, &c);
	switch (b) {
	case BK_KEEP_LAST:
		return (int64_t)nr;
	case BK_KEEP_HOURLY:
		return c.y * 1000000 + c.m * 10000 + c.d * 100 + c.hour;
	case BK_KEEP_DAILY:
		return c.y * 10000 + c.m * 100 + c.d;
	case BK_KEEP_WEEKLY: {
		/* ISO 8601 week: the week's Thursday decides the year */
		int64_t wd = ((c.days + 3) % 7 + 7) % 7; /* Monday 0 */
		int64_t thu = c.days - wd + 3;
		int64_t ty;
		int tm, td;
		civil_from_days(thu, &ty, &tm, &td);
		int64_t week = (thu - days_from_civil(ty, 1, 1)) / 7 + 1;
		return ty * 100 + week;
	}
	case BK_KEEP_MONTHLY:
		return c.y * 100 + c.m;
	default:
		return c.y;
	}
}

static void add_reason(struct bk_policy_verdict *v, const char *r)
{
	size_t k = strlen(v->reasons);
	if (k + 1 < sizeof v->reasons)
		snprintf(v->reasons + k, sizeof v->reasons - k, "%s%s", k ? "\n" : "", r);
}

void bk_policy_apply(const struct bk_policy *p, const struct bk_policy_snap *s, size_t n,
		     int64_t now, struct bk_policy_verdict *v)
{
	struct bk_time latest = {BK_TIME_ZERO_SEC, 0, 0};
	for (size_t i = 0; i < n; i++)
		if (s[i].time.sec <= now) {
			latest = s[i].time;
			break;
		}
	int left[BK_KEEP_N];
	int64_t last[BK_KEEP_N], lastw[BK_KEEP_N];
	bool have[BK_KEEP_N] = {false}, havew[BK_KEEP_N] = {false};
	int64_t since[BK_KEEP_N];
	char text[256];

	for (int b = 0; b < BK_KEEP_N; b++) {
		left[b] = p->count[b];
		since[b] = back_by(&latest, &p->within[b]);
	}
	for (size_t i = 0; i < n; i++) {
		struct bk_policy_verdict *x = &v[i];
		memset(x, 0, sizeof *x);
		for (size_t k = 0; k < p->n_tags; k++)
			if (bk_tags_match(s[i].tags, s[i].n_tags, &p->tags[k])) {
				char tl[200];
				x->keep = true;
				taglist_str(&p->tags[k], tl, sizeof tl);
				snprintf(text, sizeof text, "has tags %s", tl);
				add_reason(x, text);
			}
		if (!bk_duration_zero(&p->within[BK_KEEP_LAST]) &&
		    after(&s[i].time, since[BK_KEEP_LAST], latest.nsec)) {
			char d[64];
			bk_duration_format(&p->within[BK_KEEP_LAST], d, sizeof d);
			snprintf(text, sizeof text, "within %s", d);
			x->keep = true;
			add_reason(x, text);
		}
		for (int b = 0; b < BK_KEEP_N; b++) {
			if (left[b] <= 0)
				continue;
			int64_t val = bucket_of(b, &s[i].time, i);
			if (have[b] && val == last[b])
				continue;
			have[b] = true;
			last[b] = val;
			left[b]--;
			x->keep = true;
			add_reason(x, bucket_reason[b]);
		}
		for (int b = 1; b < BK_KEEP_N; b++) {
			if (bk_duration_zero(&p->within[b]) ||
			    !after(&s[i].time, since[b], latest.nsec))
				continue;
			int64_t val = bucket_of(b, &s[i].time, i);
			if (havew[b] && val == lastw[b])
				continue;
			havew[b] = true;
			lastw[b] = val;
			char d[64];
			bk_duration_format(&p->within[b], d, sizeof d);
			snprintf(text, sizeof text, "%s within %s", bucket_word[b], d);
			x->keep = true;
			add_reason(x, text);
		}
		for (int b = 0; b < BK_KEEP_N; b++)
			x->left[b] = left[b];
	}
}
