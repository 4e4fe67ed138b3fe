/* SPDX-License-Identifier: MIT */
/* The watch room's migrations, its batched heartbeat writes with their aggregates, and retention. */
#include "watch/store.h"

#include <errno.h>
#include <stdio.h>

#include "core/sql.h"
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

/* One bucket of one aggregate table; the SQL differs only in the table. */
#define STAT_UPSERT(table)                                                     \
	"INSERT INTO " table "(monitor, timestamp, up, down, maintenance, "    \
	"ping, ping_min, ping_max) VALUES(?1, ?2, ?3, ?4, ?5, CAST(?6 AS REAL), "    \
	"CAST(?6 AS REAL), CAST(?6 AS REAL)) "    \
	"ON CONFLICT(monitor, timestamp) DO UPDATE SET "                       \
	"ping = CASE WHEN excluded.ping IS NULL THEN ping "                    \
	"  WHEN ping IS NULL THEN excluded.ping "                              \
	"  ELSE (ping * up + excluded.ping) / (up + 1) END, "                  \
	"ping_min = min(coalesce(ping_min, excluded.ping), "                   \
	"  coalesce(excluded.ping, ping_min)), "                               \
	"ping_max = max(coalesce(ping_max, excluded.ping), "                   \
	"  coalesce(excluded.ping, ping_max)), "                               \
	"up = up + excluded.up, down = down + excluded.down, "                 \
	"maintenance = maintenance + excluded.maintenance"

static void stat_add(struct sql_txn *t, const struct watch_store_beat *b)
{
	int64_t s = b->time_ms / 1000;
	int64_t up = b->status == 1, maint = b->status == 3;
	int64_t down = !up && !maint;
	/* ping only from UP beats (Kuma 2.x); sqlite binds NULL for "t" NULL,
	 * so the ping goes in as text when there is one. */
	char ping[32];
	const char *p = NULL;
	if (up && b->ping_ms >= 0) {
		snprintf(ping, sizeof(ping), "%.3f", b->ping_ms);
		p = ping;
	}
	sql_run(t, NULL, STAT_UPSERT("watch_stat_minutely"), "iiiiit",
		b->monitor, s - s % 60, up, down, maint, p);
	sql_run(t, NULL, STAT_UPSERT("watch_stat_hourly"), "iiiiit",
		b->monitor, s - s % 3600, up, down, maint, p);
	sql_run(t, NULL, STAT_UPSERT("watch_stat_daily"), "iiiiit",
		b->monitor, s - s % 86400, up, down, maint, p);
}

int watch_store_beats(struct store *s, const struct watch_store_beat *b,
		      size_t n)
{
	struct sql_txn t;
	sql_begin(s, &t);
	for (size_t i = 0; i < n; i++) {
		char ping[32];
		const char *p = NULL;
		if (b[i].ping_ms >= 0) {
			snprintf(ping, sizeof(ping), "%.3f", b[i].ping_ms);
			p = ping;
		}
		sql_run(&t, NULL,
			"INSERT INTO watch_heartbeats(monitor, time, status, "
			"msg, ping, important, duration, retries, down_count) "
			"VALUES(?, ?, ?, ?, CAST(? AS REAL), ?, ?, ?, ?)",
			"iiittiiii", b[i].monitor, b[i].time_ms,
			(int64_t)b[i].status, b[i].msg ? b[i].msg : "", p,
			(int64_t)b[i].important, b[i].duration_ms,
			(int64_t)b[i].retries, (int64_t)b[i].down_count);
		stat_add(&t, &b[i]);
	}
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
