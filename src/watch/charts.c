/* SPDX-License-Identifier: MIT */
/* The status page's inline SVG charts: 90 daily uptime bars from watch_stat_daily and a 24 h response-time chart from watch_stat_minutely. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/sql.h"
#include "proto/watch/badge.h"
#include "watch/internal.h"

#define BAR_STEP 4 /* px per day: 3 wide, 1 apart */
#define CHART_W 360
#define CHART_H 80
#define CHART_BUCKET 900 /* 15 min */

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

int watch_chart_ping(struct buf *b, struct watch_room *r,
		     const struct watch_mon *m)
{
	enum { N_B = 86400 / CHART_BUCKET };
	int64_t now = clock_wall_s(r->clock);
	int64_t start = now - 86400;
	start -= start % CHART_BUCKET;
	double avg[N_B + 1], lo[N_B + 1], hi[N_B + 1];
	int have[N_B + 1];
	memset(have, 0, sizeof(have));
	double top = 0;
	struct sql_rows q;
	sql_query(r->store, &q,
		  "SELECT (timestamp - ?) / ?, sum(ping * up) / sum(up), "
		  "min(ping_min), max(ping_max) FROM watch_stat_minutely "
		  "WHERE monitor = ? AND timestamp >= ? AND ping IS NOT NULL "
		  "AND up > 0 GROUP BY 1 ORDER BY 1",
		  "iiii", start, (int64_t)CHART_BUCKET, m->id, start);
	while (sql_next(&q)) {
		int64_t k = sql_col_int(&q, 0);
		if (k < 0 || k > N_B)
			continue;
		have[k] = 1;
		avg[k] = sqlite3_column_double(q.st, 1);
		lo[k] = sqlite3_column_double(q.st, 2);
		hi[k] = sqlite3_column_double(q.st, 3);
		if (hi[k] > top)
			top = hi[k];
	}
	int rc = sql_end(&q);
	/* A round top: 1, 2 or 5 times a power of ten. */
	double scale = 1;
	if (top > 0) {
		double p = pow(10, floor(log10(top)));
		scale = top <= p ? p : top <= 2 * p ? 2 * p : top <= 5 * p ? 5 * p
									 : 10 * p;
	}
	buf_printf(b, "<svg class=\"ping\" viewBox=\"0 0 %d %d\" "
		      "preserveAspectRatio=\"none\" role=\"img\" "
		      "aria-label=\"response time, last 24 hours\">"
		      "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		      "class=\"grid\"/>",
		   CHART_W, CHART_H, CHART_H / 2, CHART_W, CHART_H / 2);
	/* min..max as a band, the average as a line; a gap breaks both. */
	int points = 0;
	for (int k = 0; k <= N_B; k++) {
		if (!have[k])
			continue;
		points++;
	}
#define X(k) ((double)(k) * CHART_W / N_B)
#define Y(v) (CHART_H - (v) / scale * (CHART_H - 2))
	for (int k = 0; k <= N_B;) {
		if (!have[k]) {
			k++;
			continue;
		}
		int e = k;
		while (e + 1 <= N_B && have[e + 1])
			e++;
		buf_puts(b, "<polygon class=\"band\" points=\"");
		for (int i = k; i <= e; i++)
			buf_printf(b, "%.1f,%.1f ", X(i), Y(hi[i]));
		for (int i = e; i >= k; i--)
			buf_printf(b, "%.1f,%.1f ", X(i), Y(lo[i]));
		buf_puts(b, "\"/><polyline class=\"avg\" points=\"");
		for (int i = k; i <= e; i++)
			buf_printf(b, "%.1f,%.1f ", X(i), Y(avg[i]));
		if (k == e) /* a lone bucket: a short stroke */
			buf_printf(b, "%.1f,%.1f", X(k) + 2, Y(avg[k]));
		buf_puts(b, "\"/>");
		k = e + 1;
	}
#undef X
#undef Y
	buf_puts(b, "</svg>");
	if (points)
		buf_printf(b, "<div class=\"axis\"><span>24 h ago</span><span "
			      "class=\"ping-top\">%g ms</span><span>now</span></div>",
			   scale);
	else
		buf_puts(b, "<div class=\"axis\"><span>no response times in the "
			    "last 24 h</span></div>");
	return rc;
}
