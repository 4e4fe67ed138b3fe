/* SPDX-License-Identifier: MIT */
/* The watch room's migrations, its batched heartbeat writes with their aggregates, and retention. */
#include "watch/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sql.h"
#include "proto/watch/hist.h"
#include "watch/watch_room.h"

/* The watch room's tables. Append only: migration N takes them from
 * version N to N + 1 (schema_versions, room "watch"). The aggregate
 * tables are Kuma 2.x's stat_minutely/hourly/daily: per bucket (its
 * start, unix seconds) the UP and DOWN beats (PENDING counts as down),
 * MAINTENANCE apart, and ping avg/min/max over the UP beats. */
const char *const watch_migrations[] = {
	/* 0 -> 1: monitors, heartbeats, aggregates. */
	"CREATE TABLE watch_monitors ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  type TEXT NOT NULL,"
	"  created INTEGER NOT NULL" /* unix seconds */
	");"
	"CREATE TABLE watch_heartbeats ("
	"  id INTEGER PRIMARY KEY,"
	"  monitor INTEGER NOT NULL,"
	"  time INTEGER NOT NULL," /* unix ms */
	"  status INTEGER NOT NULL," /* 0 DOWN 1 UP 2 PENDING 3 MAINTENANCE */
	"  msg TEXT NOT NULL DEFAULT '',"
	"  ping REAL," /* ms, NULL: none */
	"  important INTEGER NOT NULL DEFAULT 0,"
	"  duration INTEGER NOT NULL DEFAULT 0," /* ms since the previous beat */
	"  retries INTEGER NOT NULL DEFAULT 0,"
	"  down_count INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX watch_heartbeats_by_time ON watch_heartbeats(monitor, time);"
	"CREATE TABLE watch_stat_minutely ("
	"  monitor INTEGER NOT NULL, timestamp INTEGER NOT NULL,"
	"  up INTEGER NOT NULL DEFAULT 0, down INTEGER NOT NULL DEFAULT 0,"
	"  maintenance INTEGER NOT NULL DEFAULT 0,"
	"  ping REAL, ping_min REAL, ping_max REAL,"
	"  PRIMARY KEY(monitor, timestamp)) WITHOUT ROWID;"
	"CREATE TABLE watch_stat_hourly ("
	"  monitor INTEGER NOT NULL, timestamp INTEGER NOT NULL,"
	"  up INTEGER NOT NULL DEFAULT 0, down INTEGER NOT NULL DEFAULT 0,"
	"  maintenance INTEGER NOT NULL DEFAULT 0,"
	"  ping REAL, ping_min REAL, ping_max REAL,"
	"  PRIMARY KEY(monitor, timestamp)) WITHOUT ROWID;"
	"CREATE TABLE watch_stat_daily ("
	"  monitor INTEGER NOT NULL, timestamp INTEGER NOT NULL,"
	"  up INTEGER NOT NULL DEFAULT 0, down INTEGER NOT NULL DEFAULT 0,"
	"  maintenance INTEGER NOT NULL DEFAULT 0,"
	"  ping REAL, ping_min REAL, ping_max REAL,"
	"  PRIMARY KEY(monitor, timestamp)) WITHOUT ROWID;",
	/* 1 -> 2: paused monitors stay paused across restarts. */
	"ALTER TABLE watch_monitors ADD COLUMN active INTEGER NOT NULL "
	"DEFAULT 1;",
	/* 2 -> 3: monitors created through the API (their JSON). */
	"CREATE TABLE watch_api_monitors ("
	"  name TEXT PRIMARY KEY,"
	"  spec TEXT NOT NULL,"
	"  created INTEGER NOT NULL" /* unix seconds */
	");",
	/* 3 -> 4: the UP beats' response times per bucket as a histogram
	 * (proto/watch/hist.h's text), for the p95. */
	"ALTER TABLE watch_stat_minutely ADD COLUMN ping_hist TEXT;"
	"ALTER TABLE watch_stat_hourly ADD COLUMN ping_hist TEXT;"
	"ALTER TABLE watch_stat_daily ADD COLUMN ping_hist TEXT;",
	/* 4 -> 5: maintenance windows created through the API (their JSON). */
	"CREATE TABLE watch_api_maintenance ("
	"  id INTEGER PRIMARY KEY,"
	"  spec TEXT NOT NULL,"
	"  created INTEGER NOT NULL" /* unix seconds */
	");",
	/* 5 -> 6: status pages and notifications created through the API
	 * (kind "page" by slug, "notification" by name; their JSON). */
	"CREATE TABLE watch_api_objects ("
	"  kind TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  spec TEXT NOT NULL,"
	"  created INTEGER NOT NULL," /* unix seconds */
	"  PRIMARY KEY(kind, key));",
	NULL,
};

int watch_store_api_put(struct store *s, const char *name, const char *spec)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL,
		"INSERT OR REPLACE INTO watch_api_monitors(name, spec, created) "
		"VALUES(?, ?, strftime('%s'))", "tt", name, spec);
	return sql_commit(&t);
}

int watch_store_api_replace(struct store *s, const char *old_name,
			    const char *name, int64_t id, const char *type,
			    const char *spec)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "DELETE FROM watch_api_monitors WHERE name = ?", "t",
		old_name);
	sql_run(&t, NULL,
		"INSERT OR REPLACE INTO watch_api_monitors(name, spec, created) "
		"VALUES(?, ?, strftime('%s'))", "tt", name, spec);
	/* The row (and so the history) follows the new name; a row of a
	 * monitor gone that had that name gives way. */
	sql_run(&t, NULL, "DELETE FROM watch_monitors WHERE name = ? AND id != ?",
		"ti", name, id);
	sql_run(&t, NULL, "UPDATE watch_monitors SET name = ?, type = ? WHERE "
			  "id = ?", "tti", name, type, id);
	return sql_commit(&t);
}

int watch_store_api_del(struct store *s, const char *name)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "DELETE FROM watch_api_monitors WHERE name = ?", "t",
		name);
	return sql_commit(&t);
}

int watch_store_api_each(struct store *s,
			 int (*fn)(const char *name, const char *spec, void *ud),
			 void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT name, spec FROM watch_api_monitors ORDER BY "
			 "created, name", NULL);
	while (sql_next(&r)) {
		int u = fn(sql_col_text(&r, 0), sql_col_text(&r, 1), ud);
		if (u)
			sql_stop(&r, u);
	}
	return sql_end(&r);
}

int watch_store_active(struct store *s, int64_t id, bool *active)
{
	int64_t v = 1;
	int rc = sql_one_int(s, &v, "SELECT active FROM watch_monitors WHERE "
				    "id = ?", "i", id);
	*active = v != 0;
	return rc == -ENOENT ? 0 : rc;
}

int watch_store_set_active(struct store *s, int64_t id, bool active)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "UPDATE watch_monitors SET active = ? WHERE id = ?",
		"ii", (int64_t)active, id);
	return sql_commit(&t);
}

int watch_store_monitor_id(struct store *s, const char *name, int64_t id,
			   const char *type, int64_t *out)
{
	int64_t have;
	int rc;
	if (id) {
		rc = sql_one_int(s, &have,
				 "SELECT id FROM watch_monitors WHERE id = ?",
				 "i", id);
		if (rc && rc != -ENOENT)
			return rc;
		struct sql_txn t;
		sql_begin(s, &t);
		/* A name another row holds moves to this id. */
		sql_run(&t, NULL,
			"DELETE FROM watch_monitors WHERE name = ? AND id != ?",
			"ti", name, id);
		if (rc == -ENOENT)
			sql_run(&t, NULL,
				"INSERT INTO watch_monitors(id, name, type, "
				"created) VALUES(?, ?, ?, strftime('%s'))",
				"itt", id, name, type);
		else
			sql_run(&t, NULL,
				"UPDATE watch_monitors SET name = ?, type = ? "
				"WHERE id = ?", "tti", name, type, id);
		*out = id;
		return sql_commit(&t);
	}
	rc = sql_one_int(s, &have, "SELECT id FROM watch_monitors WHERE name = ?",
			 "t", name);
	if (rc != -ENOENT) {
		*out = have;
		return rc;
	}
	/* New ids stay clear of the small numbers config ids use. */
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL,
		"INSERT INTO watch_monitors(id, name, type, created) "
		"VALUES((SELECT max(1000000000, coalesce(max(id), 0)) + 1 "
		"FROM watch_monitors), ?, ?, strftime('%s'))",
		"tt", name, type);
	rc = sql_commit(&t);
	if (rc)
		return rc;
	return sql_one_int(s, out, "SELECT id FROM watch_monitors WHERE name = ?",
			   "t", name);
}

/* One bucket of one aggregate table; the SQL differs only in the table.
 * ?3..?5 are counts of the beats added, ?6 their mean ping (weighted by
 * ?3, the UP beats), ?7 ?8 its min and max, ?9 the bucket's histogram
 * with these beats added (NULL: none). */
#define STAT_UPSERT(table)                                                     \
	"INSERT INTO " table "(monitor, timestamp, up, down, maintenance, "    \
	"ping, ping_min, ping_max, ping_hist) VALUES(?1, ?2, ?3, ?4, ?5, "     \
	"CAST(?6 AS REAL), CAST(?7 AS REAL), CAST(?8 AS REAL), ?9) "            \
	"ON CONFLICT(monitor, timestamp) DO UPDATE SET "                       \
	"ping_hist = coalesce(excluded.ping_hist, ping_hist), "                \
	"ping = CASE WHEN excluded.ping IS NULL THEN ping "                    \
	"  WHEN ping IS NULL THEN excluded.ping "                              \
	"  ELSE (ping * up + excluded.ping * excluded.up) / "                  \
	"  (up + excluded.up) END, "                                           \
	"ping_min = min(coalesce(ping_min, excluded.ping_min), "               \
	"  coalesce(excluded.ping_min, ping_min)), "                           \
	"ping_max = max(coalesce(ping_max, excluded.ping_max), "               \
	"  coalesce(excluded.ping_max, ping_max)), "                           \
	"up = up + excluded.up, down = down + excluded.down, "                 \
	"maintenance = maintenance + excluded.maintenance"

/* The beats of a batch summed per monitor and bucket before they reach
 * an aggregate table: one upsert per bucket, not per beat. */
struct bucket {
	int64_t monitor, start;
	int64_t up, down, maint, n_ping;
	double ping_sum, ping_min, ping_max;
	struct watch_hist hist;
};

/* The histogram a bucket holds already. */
#define STAT_HIST(table)                                                       \
	"SELECT ping_hist FROM " table " WHERE monitor = ? AND timestamp = ?"

struct stat_sql {
	const char *upsert, *hist;
	int64_t width;
};

static void bucket_add(struct bucket *k, const struct watch_store_beat *b)
{
	bool up = b->status == 1, maint = b->status == 3;
	k->up += up;
	k->maint += maint;
	k->down += !up && !maint;
	/* ping only from UP beats (Kuma 2.x) */
	if (!up || b->ping_ms < 0)
		return;
	if (!k->n_ping || b->ping_ms < k->ping_min)
		k->ping_min = b->ping_ms;
	if (!k->n_ping || b->ping_ms > k->ping_max)
		k->ping_max = b->ping_ms;
	k->ping_sum += b->ping_ms;
	k->n_ping++;
	k->hist.n[watch_hist_bin(b->ping_ms)]++;
}

/* sqlite binds NULL for a "t" NULL, so pings go in as text. */
static const char *ping_text(bool have, double v, char out[32])
{
	if (!have)
		return NULL;
	snprintf(out, 32, "%.3f", v);
	return out;
}

static void bucket_write(struct sql_txn *t, const struct stat_sql *q,
			 struct bucket *k)
{
	char avg[32], lo[32], hi[32], hist[WATCH_HIST_TEXT];
	bool have = k->n_ping > 0;
	if (have && !t->err) { /* merged with what the bucket has */
		struct sql_rows r;
		sql_query(t->s, &r, q->hist, "ii", k->monitor, k->start);
		if (sql_next(&r))
			watch_hist_add_text(&k->hist, sql_col_text(&r, 0));
		int rc = sql_end(&r);
		if (rc)
			sql_fail(t, rc);
	}
	watch_hist_text(&k->hist, hist, sizeof(hist));
	sql_run(t, NULL, q->upsert, "iiiiitttt", k->monitor, k->start, k->up,
		k->down, k->maint,
		ping_text(have, k->ping_sum / (double)(have ? k->n_ping : 1), avg),
		ping_text(have, k->ping_min, lo), ping_text(have, k->ping_max, hi),
		have ? hist : NULL);
}

/* Sums @n beats into buckets of @width seconds and writes them with
 * @sql. Beats come in time order, so a monitor's bucket is found by
 * looking back a little (LOOK_BACK buckets: a bucket not found is
 * written twice, the upsert adds them up); @keys has room for @n. */
#define LOOK_BACK 512
static void stat_add(struct sql_txn *t, const struct stat_sql *q,
		     const struct watch_store_beat *b, size_t n,
		     struct bucket *keys)
{
	int64_t width = q->width;
	size_t nk = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t s = b[i].time_ms / 1000;
		int64_t start = s - s % width;
		struct bucket *k = NULL;
		for (size_t j = nk; j-- > 0 && j + LOOK_BACK >= nk && !k;)
			if (keys[j].monitor == b[i].monitor &&
			    keys[j].start == start)
				k = &keys[j];
		if (!k) {
			k = &keys[nk++];
			*k = (struct bucket){.monitor = b[i].monitor,
					     .start = start};
		}
		bucket_add(k, &b[i]);
	}
	for (size_t j = 0; j < nk; j++)
		bucket_write(t, q, &keys[j]);
}

int watch_store_beats(struct store *s, const struct watch_store_beat *b,
		      size_t n)
{
	struct bucket *keys = malloc((n ? n : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	struct sql_txn t;
	sql_begin(s, &t);
	for (size_t i = 0; i < n; i++) {
		char ping[32];
		sql_run(&t, NULL,
			"INSERT INTO watch_heartbeats(monitor, time, status, "
			"msg, ping, important, duration, retries, down_count) "
			"VALUES(?, ?, ?, ?, CAST(? AS REAL), ?, ?, ?, ?)",
			"iiittiiii", b[i].monitor, b[i].time_ms,
			(int64_t)b[i].status, b[i].msg ? b[i].msg : "",
			ping_text(b[i].ping_ms >= 0, b[i].ping_ms, ping),
			(int64_t)b[i].important, b[i].duration_ms,
			(int64_t)b[i].retries, (int64_t)b[i].down_count);
	}
	static const struct stat_sql tables[] = {
		{STAT_UPSERT("watch_stat_minutely"),
		 STAT_HIST("watch_stat_minutely"), 60},
		{STAT_UPSERT("watch_stat_hourly"), STAT_HIST("watch_stat_hourly"),
		 3600},
		{STAT_UPSERT("watch_stat_daily"), STAT_HIST("watch_stat_daily"),
		 86400},
	};
	for (size_t i = 0; i < 3; i++)
		stat_add(&t, &tables[i], b, n, keys);
	free(keys);
	return sql_commit(&t);
}

int watch_store_prune(struct store *s, int64_t now_s, int64_t beats,
		      int64_t minutely, int64_t hourly, int64_t daily)
{
	struct sql_txn t;
	sql_begin(s, &t);
	if (beats)
		sql_run(&t, NULL, "DELETE FROM watch_heartbeats WHERE time < ?",
			"i", (now_s - beats) * 1000);
	if (minutely)
		sql_run(&t, NULL,
			"DELETE FROM watch_stat_minutely WHERE timestamp < ?",
			"i", now_s - minutely);
	if (hourly)
		sql_run(&t, NULL,
			"DELETE FROM watch_stat_hourly WHERE timestamp < ?", "i",
			now_s - hourly);
	if (daily)
		sql_run(&t, NULL,
			"DELETE FROM watch_stat_daily WHERE timestamp < ?", "i",
			now_s - daily);
	return sql_commit(&t);
}

int watch_store_prune_detail(struct store *s, int64_t now_s, int64_t keep_s,
			     int64_t keep_last)
{
	if (!keep_s)
		return 0;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	struct sql_rows r;
	sql_query(s, &r, "SELECT id FROM watch_monitors", NULL);
	while (sql_next(&r)) {
		if (n == cap) {
			size_t c = cap ? 2 * cap : 64;
			int64_t *g = realloc(ids, c * sizeof(*g));
			if (!g) {
				sql_stop(&r, -ENOMEM);
				break;
			}
			ids = g;
			cap = c;
		}
		ids[n++] = sql_col_int(&r, 0);
	}
	int rc = sql_end(&r);
	if (rc) {
		free(ids);
		return rc;
	}
	struct sql_txn t;
	sql_begin(s, &t);
	for (size_t i = 0; i < n; i++)
		sql_run(&t, NULL,
			"DELETE FROM watch_heartbeats WHERE monitor = ?1 AND "
			"important = 0 AND time < ?2 AND time < coalesce(("
			"SELECT time FROM watch_heartbeats WHERE monitor = ?1 "
			"ORDER BY time DESC LIMIT 1 OFFSET ?3), ?2)",
			"iii", ids[i], (now_s - keep_s) * 1000, keep_last - 1);
	free(ids);
	return sql_commit(&t);
}

int watch_store_window_put(struct store *s, int64_t id, const char *spec)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL,
		"INSERT OR REPLACE INTO watch_api_maintenance(id, spec, created) "
		"VALUES(?, ?, strftime('%s'))", "it", id, spec);
	return sql_commit(&t);
}

int watch_store_window_del(struct store *s, int64_t id)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "DELETE FROM watch_api_maintenance WHERE id = ?", "i",
		id);
	return sql_commit(&t);
}

int watch_store_window_each(struct store *s,
			    int (*fn)(int64_t id, const char *spec, void *ud),
			    void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT id, spec FROM watch_api_maintenance ORDER BY id",
		  NULL);
	while (sql_next(&r)) {
		int u = fn(sql_col_int(&r, 0), sql_col_text(&r, 1), ud);
		if (u)
			sql_stop(&r, u);
	}
	return sql_end(&r);
}

int watch_store_obj_put(struct store *s, const char *kind, const char *old_key,
			const char *key, const char *spec)
{
	struct sql_txn t;
	sql_begin(s, &t);
	if (old_key && strcmp(old_key, key))
		sql_run(&t, NULL, "DELETE FROM watch_api_objects WHERE kind = ? "
				  "AND key = ?", "tt", kind, old_key);
	if (spec)
		sql_run(&t, NULL,
			"INSERT INTO watch_api_objects(kind, key, spec, created) "
			"VALUES(?, ?, ?, strftime('%s')) ON CONFLICT(kind, key) "
			"DO UPDATE SET spec = excluded.spec", "ttt", kind, key,
			spec);
	else
		sql_run(&t, NULL, "DELETE FROM watch_api_objects WHERE kind = ? "
				  "AND key = ?", "tt", kind, key);
	return sql_commit(&t);
}

int watch_store_obj_each(struct store *s, const char *kind,
			 int (*fn)(const char *key, const char *spec, void *ud),
			 void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT key, spec FROM watch_api_objects WHERE kind = ? "
			 "ORDER BY created, rowid", "t", kind);
	while (sql_next(&r)) {
		int u = fn(sql_col_text(&r, 0), sql_col_text(&r, 1), ud);
		if (u)
			sql_stop(&r, u);
	}
	return sql_end(&r);
}
