/* SPDX-License-Identifier: MIT */
/* The status page's inline SVG charts: 90 daily uptime bars from watch_stat_daily, response time over 24 h (minutely aggregates) and 30 days (hourly); the bucket series the API serves too. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sql.h"
#include "proto/watch/badge.h"
#include "proto/watch/hist.h"
#include "watch/internal.h"

#define BAR_STEP 4 /* px per day: 3 wide, 1 apart */
#define CHART_W 360
#define CHART_H 80

int watch_chart_days(struct buf *b, struct watch_room *r,
		     const struct watch_mon *m, int days)
{
	int64_t today = clock_wall_s(r->clock);
	today -= today % 86400;
	int64_t first = today - (int64_t)(days - 1) * 86400;
	int64_t up_sum = 0, down_sum = 0;
	/* One row per day with data; the days between are grey. */
	struct sql_rows q;
	sql_query(r->store, &q,
		  "SELECT timestamp, up, down, maintenance FROM watch_stat_daily "
		  "WHERE monitor = ? AND timestamp >= ? ORDER BY timestamp",
		  "ii", m->id, first);
	buf_printf(b, "<svg class=\"days\" viewBox=\"0 0 %d 24\" "
		      "preserveAspectRatio=\"none\" role=\"img\" "
		      "aria-label=\"uptime per day, last %d days\">",
		   days * BAR_STEP, days);
	int have = sql_next(&q);
	for (int d = 0; d < days; d++) {
		int64_t day = first + (int64_t)d * 86400;
		while (have && sql_col_int(&q, 0) < day)
			have = sql_next(&q);
		int64_t up = 0, down = 0, maint = 0;
		if (have && sql_col_int(&q, 0) == day) {
			up = sql_col_int(&q, 1);
			down = sql_col_int(&q, 2);
			maint = sql_col_int(&q, 3);
		}
		up_sum += up;
		down_sum += down;
		char color[16] = "#8888", date[32], what[48];
		watch_kuma_time(day * 1000, date);
		date[10] = 0;
		if (up + down) {
			double u = (double)up / (double)(up + down);
			if (down)
				watch_badge_uptime_color(u, color, sizeof(color));
			else
				snprintf(color, sizeof(color), "%s", WATCH_BADGE_UP);
			snprintf(what, sizeof(what), "%.2f %%", 100 * u);
		} else {
			if (maint)
				snprintf(color, sizeof(color), "%s",
					 WATCH_BADGE_MAINTENANCE);
			snprintf(what, sizeof(what), "%s",
				 maint ? "maintenance" : "no data");
		}
		buf_printf(b, "<rect class=\"day\" data-day=\"%s\" x=\"%d\" "
			      "width=\"3\" height=\"24\" rx=\"1\" fill=\"%s\">"
			      "<title>%s: %s</title></rect>",
			   date, d * BAR_STEP, color, date, what);
	}
	buf_puts(b, "</svg>");
	int rc = sql_end(&q);
	buf_printf(b, "<div class=\"axis\"><span>%d days ago</span><span "
		      "class=\"days-uptime\">", days);
	if (up_sum + down_sum)
		buf_printf(b, "%.2f %%", 100.0 * (double)up_sum /
						 (double)(up_sum + down_sum));
	else
		buf_puts(b, "no data");
	buf_puts(b, "</span><span>today</span></div>");
	return rc;
}

/* One bucket query per aggregate table (statements are cached by the
 * address of their text): ?1 the first bucket's start, ?2 the bucket
 * width, ?3 the monitor. */
#define SERIES_SQL(table)                                                      \
	"SELECT (timestamp - ?1) / ?2, up, down, maintenance, ping, ping_min, " \
	"ping_max, ping_hist FROM " table " WHERE monitor = ?3 AND "           \
	"timestamp >= ?1 ORDER BY timestamp"

static int64_t round_up(int64_t v, int64_t unit)
{
	return (v + unit - 1) / unit * unit;
}

int watch_series(struct watch_room *r, const struct watch_mon *m,
		 int64_t secs, struct watch_series *out)
{
	const char *sql;
	int64_t unit;
	*out = (struct watch_series){0};
	if (secs <= 86400) {
		sql = SERIES_SQL("watch_stat_minutely"), unit = 60;
		out->table = "minutely";
		out->bucket = round_up(secs / 96, unit);
	} else if (secs <= 30 * 86400) {
		sql = SERIES_SQL("watch_stat_hourly"), unit = 3600;
		out->table = "hourly";
		out->bucket = round_up(secs / 120, unit);
	} else {
		sql = SERIES_SQL("watch_stat_daily"), unit = 86400;
		out->table = "daily";
		out->bucket = round_up(secs / 120, unit);
	}
	if (out->bucket < unit)
		out->bucket = unit;
	int64_t now = clock_wall_s(r->clock);
	out->start = now - secs;
	out->start -= out->start % out->bucket;
	out->n = (size_t)((now - out->start) / out->bucket + 1);
	out->p = calloc(out->n, sizeof(*out->p));
	if (!out->p)
		return -ENOMEM;
	for (size_t k = 0; k < out->n; k++)
		out->p[k].start = out->start + (int64_t)k * out->bucket;
	/* Rows summed into their bucket: the mean weighted by the UP beats,
	 * the histograms merged for the p95. */
	struct watch_hist *h = calloc(out->n, sizeof(*h));
	double *w = calloc(out->n, sizeof(*w));
	if (!h || !w) {
		free(h);
		free(w);
		free(out->p);
		*out = (struct watch_series){0};
		return -ENOMEM;
	}
	struct sql_rows q;
	sql_query(r->store, &q, sql, "iii", out->start, out->bucket, m->id);
	while (sql_next(&q)) {
		int64_t k = sql_col_int(&q, 0);
		if (k < 0 || (size_t)k >= out->n)
			continue;
		struct watch_point *pt = &out->p[k];
		int64_t up = sql_col_int(&q, 1);
		pt->up += up;
		pt->down += sql_col_int(&q, 2);
		pt->maint += sql_col_int(&q, 3);
		watch_hist_add_text(&h[k], sql_col_text(&q, 7));
		if (sqlite3_column_type(q.st, 4) == SQLITE_NULL || up <= 0)
			continue;
		double lo = sqlite3_column_double(q.st, 5),
		       hi = sqlite3_column_double(q.st, 6);
		pt->avg += sqlite3_column_double(q.st, 4) * (double)up;
		w[k] += (double)up;
		pt->lo = pt->has_ping && pt->lo < lo ? pt->lo : lo;
		pt->hi = pt->has_ping && pt->hi > hi ? pt->hi : hi;
		pt->has_ping = true;
	}
	int rc = sql_end(&q);
	for (size_t k = 0; k < out->n; k++) {
		struct watch_point *pt = &out->p[k];
		if (!pt->has_ping)
			continue;
		pt->avg /= w[k];
		pt->p95 = watch_hist_quantile(&h[k], 0.95, pt->lo, pt->hi);
		if (pt->p95 < 0) /* rows from before histograms */
			pt->p95 = pt->hi;
	}
	free(h);
	free(w);
	if (rc) {
		free(out->p);
		*out = (struct watch_series){0};
	}
	return rc;
}

int watch_chart_ping(struct buf *b, struct watch_room *r,
		     const struct watch_mon *m, int64_t secs)
{
	struct watch_series sr;
	int rc = watch_series(r, m, secs, &sr);
	if (rc)
		return rc;
	const char *span = secs <= 86400 ? "24 h" : "30 days";
	double top = 0;
	for (size_t k = 0; k < sr.n; k++)
		if (sr.p[k].has_ping && sr.p[k].hi > top)
			top = sr.p[k].hi;
	/* A round top: 1, 2 or 5 times a power of ten. */
	double scale = 1;
	if (top > 0) {
		double p = pow(10, floor(log10(top)));
		scale = top <= p ? p : top <= 2 * p ? 2 * p : top <= 5 * p ? 5 * p
									 : 10 * p;
	}
	buf_printf(b, "<svg class=\"%s\" data-aggregate=\"%s\" "
		      "viewBox=\"0 0 %d %d\" "
		      "preserveAspectRatio=\"none\" role=\"img\" "
		      "aria-label=\"response time, last %s\">"
		      "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		      "class=\"grid\"/>",
		   secs <= 86400 ? "ping" : "ping ping-30d", sr.table, CHART_W,
		   CHART_H, span, CHART_H / 2, CHART_W, CHART_H / 2);
	/* min..max as a band, the average as a line; a gap breaks both. */
	int points = 0;
	size_t last = sr.n - 1;
	for (size_t k = 0; k < sr.n; k++)
		points += sr.p[k].has_ping;
#define X(k) ((double)(k) * CHART_W / (double)last)
#define Y(v) (CHART_H - (v) / scale * (CHART_H - 2))
	for (size_t k = 0; k < sr.n;) {
		if (!sr.p[k].has_ping) {
			k++;
			continue;
		}
		size_t e = k;
		while (e + 1 < sr.n && sr.p[e + 1].has_ping)
			e++;
		buf_puts(b, "<polygon class=\"band\" points=\"");
		for (size_t i = k; i <= e; i++)
			buf_printf(b, "%.1f,%.1f ", X(i), Y(sr.p[i].hi));
		for (size_t i = e + 1; i-- > k;)
			buf_printf(b, "%.1f,%.1f ", X(i), Y(sr.p[i].lo));
		buf_puts(b, "\"/><polyline class=\"avg\" points=\"");
		for (size_t i = k; i <= e; i++)
			buf_printf(b, "%.1f,%.1f ", X(i), Y(sr.p[i].avg));
		if (k == e) /* a lone bucket: a short stroke */
			buf_printf(b, "%.1f,%.1f", X(k) + 2, Y(sr.p[k].avg));
		buf_puts(b, "\"/>");
		k = e + 1;
	}
#undef X
#undef Y
	buf_puts(b, "</svg>");
	if (points)
		buf_printf(b, "<div class=\"axis\"><span>%s ago</span><span "
			      "class=\"ping-top\">%g ms</span><span>now</span></div>",
			   span, scale);
	else
		buf_printf(b, "<div class=\"axis\"><span>no response times in "
			      "the last %s</span></div>", span);
	free(sr.p);
	return 0;
}
