/* SPDX-License-Identifier: MIT */
/* Unit tests of the watch room's tables: monitor ids, beats with their minutely/hourly/daily aggregates, retention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sql.h"
#include "core/store.h"
#include "watch/store.h"
#include "watch/watch_room.h"

struct fixture {
	char dir[64];
	struct store *s;
};

static int setup_in(void **state, const char *base)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/hearth-watch-store-XXXXXX", base);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->s), 0);
	assert_int_equal(store_migrate(f->s, "watch", watch_migrations), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_in(state, "/tmp");
}

/* In memory (tmpfs): a year of commits without waiting for the disk. */
static int setup_shm(void **state)
{
	return setup_in(state, "/dev/shm");
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	store_free(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t one(struct store *s, const char *sql, int64_t a, int64_t b)
{
	int64_t v = -1;
	int rc = sql_one_int(s, &v, sql, "ii", a, b);
	assert_int_equal(rc, 0);
	return v;
}

static void test_monitor_ids(void **state)
{
	struct fixture *f = *state;
	int64_t a, b, again, byid;
	assert_int_equal(watch_store_monitor_id(f->s, "a", 0, "http", &a), 0);
	assert_int_equal(watch_store_monitor_id(f->s, "b", 0, "port", &b), 0);
	assert_true(a > 1000000000 && b == a + 1);
	assert_int_equal(watch_store_monitor_id(f->s, "a", 0, "http", &again), 0);
	assert_int_equal(again, a);
	/* A config id: its own row; a rename keeps it. */
	assert_int_equal(watch_store_monitor_id(f->s, "c", 7, "push", &byid), 0);
	assert_int_equal(byid, 7);
	assert_int_equal(watch_store_monitor_id(f->s, "c2", 7, "push", &byid), 0);
	assert_int_equal(byid, 7);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_monitors WHERE "
				   "id = ? AND name = 'c2' AND ? = 0", 7, 0), 1);
}

static void test_beats_and_aggregates(void **state)
{
	struct fixture *f = *state;
	/* 2026-12-02 10:00:00 UTC, three beats in one minute, one in the
	 * next hour, one the next day; UP with pings, PENDING and DOWN
	 * count down, MAINTENANCE apart. */
	int64_t t = 1796205600LL * 1000;
	struct watch_store_beat b[] = {
		{.monitor = 1, .time_ms = t + 1000, .status = 1, .msg = "ok",
		 .ping_ms = 10, .important = 1},
		{.monitor = 1, .time_ms = t + 2000, .status = 1, .msg = "ok",
		 .ping_ms = 30},
		{.monitor = 1, .time_ms = t + 3000, .status = 2, .msg = "slow",
		 .ping_ms = -1},
		{.monitor = 1, .time_ms = t + 4000, .status = 0, .msg = "down",
		 .ping_ms = 99},
		{.monitor = 1, .time_ms = t + 5000, .status = 3, .msg = "",
		 .ping_ms = -1},
		{.monitor = 1, .time_ms = t + 3600 * 1000, .status = 1,
		 .msg = "ok", .ping_ms = 20},
		{.monitor = 1, .time_ms = t + 86400 * 1000, .status = 1,
		 .msg = "ok", .ping_ms = 5},
	};
	assert_int_equal(watch_store_beats(f->s, b, 5), 0);
	assert_int_equal(watch_store_beats(f->s, b + 5, 2), 0);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats WHERE "
				   "monitor = ? AND ? = 0", 1, 0), 7);
	/* PENDING and DOWN are down; the DOWN's ping does not count. */
	int64_t m = t / 1000;
	assert_int_equal(one(f->s, "SELECT up * 1000 + down * 100 + maintenance "
				   "FROM watch_stat_minutely WHERE monitor = ? "
				   "AND timestamp = ?", 1, m), 2201);
	assert_int_equal(one(f->s, "SELECT CAST(ping * 10 AS INTEGER) FROM "
				   "watch_stat_minutely WHERE monitor = ? AND "
				   "timestamp = ?", 1, m), 200);
	assert_int_equal(one(f->s, "SELECT CAST(ping_min * 10 + ping_max * 1000 "
				   "AS INTEGER) FROM watch_stat_minutely WHERE "
				   "monitor = ? AND timestamp = ?", 1, m), 30100);
	/* The hour holds the first five; the day all but the last. */
	assert_int_equal(one(f->s, "SELECT up * 1000 + down * 100 + maintenance "
				   "FROM watch_stat_hourly WHERE monitor = ? AND "
				   "timestamp = ?", 1, m), 2201);
	assert_int_equal(one(f->s, "SELECT up * 1000 + down * 100 + maintenance "
				   "FROM watch_stat_daily WHERE monitor = ? AND "
				   "timestamp = ?", 1, m - m % 86400), 3201);
	assert_int_equal(one(f->s, "SELECT CAST(ping * 10 AS INTEGER) FROM "
				   "watch_stat_daily WHERE monitor = ? AND "
				   "timestamp = ?", 1, m - m % 86400), 200);
	/* Retention: a day later, keeping a day of beats and minutes. */
	assert_int_equal(watch_store_prune(f->s, m + 86400 + 10, 86400, 86400,
					   30 * 86400, 365 * 86400), 0);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats WHERE "
				   "monitor = ? AND ? = 0", 1, 0), 2);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_stat_minutely "
				   "WHERE monitor = ? AND ? = 0", 1, 0), 2);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_stat_hourly "
				   "WHERE monitor = ? AND ? = 0", 1, 0), 3);
	/* 0 keeps everything. */
	assert_int_equal(watch_store_prune(f->s, m + 1000 * 86400, 0, 0, 0, 0),
			 0);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats WHERE "
				   "monitor = ? AND ? = 0", 1, 0), 2);
}

/* A database written by the first release (version 1) keeps its
 * monitors, which run (active), after the upgrade. */
/* Kuma 2.x's clearing of beats that are not important: older than the
 * detail window and not among a monitor's last N. */
static void test_prune_detail(void **state)
{
	struct fixture *f = *state;
	int64_t a, b;
	assert_int_equal(watch_store_monitor_id(f->s, "a", 0, "http", &a), 0);
	assert_int_equal(watch_store_monitor_id(f->s, "b", 0, "http", &b), 0);
	struct watch_store_beat beats[40];
	int64_t t0 = 1796205600000LL;
	for (int i = 0; i < 40; i++) /* a: 30 beats, 1 h apart; b: 10 */
		beats[i] = (struct watch_store_beat){
			.monitor = i < 30 ? a : b, .status = 1, .ping_ms = 5,
			.time_ms = t0 + (int64_t)(i < 30 ? i : i - 30) * 3600000,
			.important = i == 3};
	assert_int_equal(watch_store_beats(f->s, beats, 40), 0);
	/* At t0 + 40 h with a 24 h window and 5 kept: a keeps its beats
	 * from hour 16 on (14) and the important one; b (hours 0-9) keeps
	 * its last 5. */
	assert_int_equal(watch_store_prune_detail(f->s, t0 / 1000 + 40 * 3600,
						  86400, 5), 0);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats "
				   "WHERE monitor = ? AND ? = 0", a, 0), 15);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats "
				   "WHERE monitor = ? AND important = ?", a, 1), 1);
	assert_int_equal(one(f->s, "SELECT min(time) FROM watch_heartbeats "
				   "WHERE monitor = ? AND important = ?", a, 0),
			 t0 + 16 * 3600000);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats "
				   "WHERE monitor = ? AND ? = 0", b, 0), 5);
	/* The aggregates keep every beat. */
	assert_int_equal(one(f->s, "SELECT sum(up) FROM watch_stat_daily "
				   "WHERE monitor = ? AND ? = 0", a, 0), 30);
	/* 0: kept. */
	assert_int_equal(watch_store_prune_detail(f->s, t0 / 1000 + 900 * 3600,
						  0, 5), 0);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_heartbeats "
				   "WHERE monitor = ? AND ? = 0", a, 0), 15);
}

/* The UP beats' response times as a histogram per bucket, merged across
 * batches (and within one, a bucket found twice). */
static void test_histograms(void **state)
{
	struct fixture *f = *state;
	int64_t a;
	assert_int_equal(watch_store_monitor_id(f->s, "a", 0, "http", &a), 0);
	int64_t t0 = 1796205600000LL;
	struct watch_store_beat b[] = {
		{.monitor = a, .time_ms = t0, .status = 1, .ping_ms = 10},
		{.monitor = a, .time_ms = t0 + 1000, .status = 1, .ping_ms = 100},
		{.monitor = a, .time_ms = t0 + 2000, .status = 0, .ping_ms = 5},
		{.monitor = a, .time_ms = t0 + 61000, .status = 1, .ping_ms = 1000},
		{.monitor = a, .time_ms = t0 + 62000, .status = 1, .ping_ms = -1},
	};
	assert_int_equal(watch_store_beats(f->s, b, 3), 0);
	assert_int_equal(watch_store_beats(f->s, b + 3, 2), 0);
	struct sql_rows r;
	sql_query(f->s, &r, "SELECT ping_hist FROM watch_stat_hourly WHERE "
			     "monitor = ?", "i", a);
	assert_true(sql_next(&r));
	assert_string_equal(sql_col_text(&r, 0), "7:1,14:1,20:1");
	assert_int_equal(sql_end(&r), 0);
	sql_query(f->s, &r, "SELECT ping_hist FROM watch_stat_minutely WHERE "
			     "monitor = ? ORDER BY timestamp", "i", a);
	assert_true(sql_next(&r));
	assert_string_equal(sql_col_text(&r, 0), "7:1,14:1"); /* DOWN: none */
	assert_true(sql_next(&r));
	assert_string_equal(sql_col_text(&r, 0), "20:1");
	assert_int_equal(sql_end(&r), 0);
}

#define YEAR_MONITORS 100

/* The beats of simulated hour @h (from @hour_ms): every monitor beats
 * each @step_min minutes (0: once, at its start); every ten days (h %
 * 240 == 0) each is DOWN for its first beat and UP again six hours later,
 * both important (state changes). */
static size_t hour_beats(struct watch_store_beat *b, const int64_t *ids,
			 int64_t hour_ms, int step_min, int64_t h)
{
	size_t n = 0;
	bool flap = h % 240 == 0, back = h % 240 == 6;
	for (int min = 0; min < 60; min += step_min ? step_min : 60)
		for (int m = 0; m < YEAR_MONITORS; m++) {
			bool first = min == 0, down = flap && first;
			b[n++] = (struct watch_store_beat){
				.monitor = ids[m],
				.time_ms = hour_ms + (int64_t)min * 60000 + m * 10,
				.status = down ? 0 : 1, .msg = down ? "timeout" : "OK",
				.ping_ms = down ? -1 : 10 + m % 7,
				.important = (flap || back) && first,
				.duration_ms = (step_min ? step_min : 60) * 60000,
			};
		}
	return n;
}

static int64_t file_size(const char *dir)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/hearth.db", dir);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	int64_t n = ftell(fp);
	fclose(fp);
	return n;
}

/*
 * The database stays bounded over a year of 100 monitors, with scripted
 * time and the room's retention (heartbeats 365 d, detailed 24 h and the
 * last 100, minutely 24 h, hourly 30 d, daily 365 d), every beat through
 * the aggregation: 335 days of a beat every 6 hours, 29 days hourly, then
 * the last 25 hours minutely — the density every table holds at the end
 * of a minutely year (heartbeats and minutely rows depend only on the last
 * day, hourly on the last 30, daily on which days had beats), which a
 * minutely year would reach with 52.6 million beats (~2.7 s of CPU per
 * simulated day under ASan here). Pruned daily, then hourly, as the room
 * does. The rows left are what the retention allows, the aggregates count
 * every beat of their windows, and the file stays under 32 MiB.
 */
static void test_a_year_stays_bounded(void **state)
{
	struct fixture *f = *state;
	int64_t ids[YEAR_MONITORS];
	for (int m = 0; m < YEAR_MONITORS; m++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", m);
		assert_int_equal(watch_store_monitor_id(f->s, name, 0, "http",
							&ids[m]), 0);
	}
	struct watch_store_beat *b = malloc(60 * YEAR_MONITORS * sizeof(*b));
	assert_non_null(b);
	const int64_t t0 = 1767225600; /* 2026-01-01 00:00 UTC */
	const int64_t hours = 365 * 24, hourly_from = 335 * 24,
		      dense_from = hours - 25;
	int64_t written = 0;
	for (int64_t h = 0; h < hours; h++) {
		int64_t now = t0 + h * 3600;
		if (h < hourly_from && h % 6)
			continue;
		size_t n = hour_beats(b, ids, now * 1000, h < dense_from ? 0 : 1,
				      h);
		assert_int_equal(watch_store_beats(f->s, b, n), 0);
		written += (int64_t)n;
		if (h % 24 == 18 || h >= dense_from || h == hours - 1) {
			int64_t end = now + 3600;
			assert_int_equal(watch_store_prune(f->s, end, 365 * 86400,
							   86400, 30 * 86400,
							   365 * 86400), 0);
			assert_int_equal(watch_store_prune_detail(f->s, end, 86400,
								  100), 0);
		}
	}
	free(b);
	const int64_t end = t0 + hours * 3600;
	assert_int_equal(written, (int64_t)YEAR_MONITORS *
					  (hourly_from / 6 + dense_from - hourly_from +
					   (hours - dense_from) * 60));
	/* Rows: the last day's beats (minutely) and the year's important
	 * ones (37 state changes there and back); per-minute aggregates of a
	 * day, per-hour of 30 days, per-day of the year. */
	int64_t hb = one(f->s, "SELECT count(*) FROM watch_heartbeats WHERE "
			       "? = ?", 0, 0);
	int64_t imp = one(f->s, "SELECT count(*) FROM watch_heartbeats WHERE "
				"important = ? AND ? = 0", 1, 0);
	assert_int_equal(imp, YEAR_MONITORS * 2 * 37);
	assert_true(hb - imp <= YEAR_MONITORS * 1440);
	assert_true(hb - imp >= YEAR_MONITORS * (1440 - 60));
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_stat_minutely "
				   "WHERE ? = ?", 0, 0), YEAR_MONITORS * 1440);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_stat_hourly "
				   "WHERE ? = ?", 0, 0), YEAR_MONITORS * 720);
	assert_int_equal(one(f->s, "SELECT count(*) FROM watch_stat_daily "
				   "WHERE ? = ?", 0, 0), YEAR_MONITORS * 365);
	/* Every beat of the year is in the daily aggregates. */
	assert_int_equal(one(f->s, "SELECT sum(up + down) FROM watch_stat_daily "
				   "WHERE timestamp >= ? AND ? = 0", t0, 0),
			 written);
	assert_int_equal(one(f->s, "SELECT sum(down) FROM watch_stat_daily "
				   "WHERE monitor = ? AND ? = 0", ids[7], 0), 37);
	/* The last hour: 60 minutely rows per monitor, one beat each. */
	assert_int_equal(one(f->s, "SELECT sum(up) FROM watch_stat_minutely "
				   "WHERE timestamp >= ? AND ? = 0", end - 3600, 0),
			 YEAR_MONITORS * 60);
	/* The file: freed pages are reused, so it stops growing once the
	 * windows are full. */
	int64_t pages = 0;
	assert_int_equal(sql_one_int(f->s, &pages, "PRAGMA wal_checkpoint(TRUNCATE)",
				     NULL), 0);
	int64_t size = file_size(f->dir);
	print_message("a year of 100 monitors, %lld beats: %lld bytes\n",
		      (long long)written, (long long)size);
	assert_true(size > 0 && size < 32ll << 20);
}

static void test_upgrade_from_version_1(void **state)
{
	(void)state;
	char dir[64];
	struct store *s;
	snprintf(dir, sizeof(dir), "/tmp/hearth-watch-up-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(store_open(dir, &s), 0);
	const char *const v1[] = {watch_migrations[0], NULL};
	assert_int_equal(store_migrate(s, "watch", v1), 0);
	int64_t id;
	assert_int_equal(watch_store_monitor_id(s, "old", 0, "http", &id), 0);
	assert_int_equal(store_migrate(s, "watch", watch_migrations), 0);
	int v;
	assert_int_equal(store_room_version(s, "watch", &v), 0);
	int latest = 0; /* every migration ran (was 3 before the histograms) */
	while (watch_migrations[latest])
		latest++;
	assert_int_equal(v, latest);
	assert_true(latest >= 4);
	bool active = false;
	assert_int_equal(watch_store_active(s, id, &active), 0);
	assert_true(active);
	assert_int_equal(watch_store_set_active(s, id, false), 0);
	assert_int_equal(watch_store_active(s, id, &active), 0);
	assert_false(active);
	store_free(s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_monitor_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beats_and_aggregates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prune_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histograms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_year_stays_bounded,
						setup_shm, teardown),
		cmocka_unit_test(test_upgrade_from_version_1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
