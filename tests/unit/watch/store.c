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

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/hearth-watch-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, &f->s), 0);
	assert_int_equal(store_migrate(f->s, "watch", watch_migrations), 0);
	*state = f;
	return 0;
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
	assert_int_equal(v, 2);
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
		cmocka_unit_test(test_upgrade_from_version_1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
