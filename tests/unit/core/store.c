/* SPDX-License-Identifier: MIT */
/* Unit tests of the SQLite store: creation, migrations, meta facts, WAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "core/store.h"

struct fixture {
	char dir[64];
	char db[128];
};

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hearth-test-store-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/hearth.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

/* The first column of the first row of @sql, read with SQLite directly. */
static int db_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void db_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_open_fresh(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	struct stat st;

	assert_int_equal(stat(f->db, &st), -1);
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_non_null(s);
	assert_int_equal(stat(f->db, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(store_path(s), f->db);
	assert_true(store_schema_latest() >= 1);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_free(s);

	/* Reopening an up-to-date database changes nothing. */
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_free(s);
	store_free(NULL);

	/* The version is recorded in the file itself. */
	assert_int_equal(db_int(f->db, "SELECT version FROM schema_versions "
				       "WHERE room = 'core'"),
			 store_schema_latest());
}

static void test_creates_nested_dir(void **state)
{
	struct fixture *f = *state;
	char dir[128], db[160];
	struct store *s = NULL;
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/a/b/c", f->dir);
	snprintf(db, sizeof(db), "%s/hearth.db", dir);
	assert_int_equal(store_open(dir, &s), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(db, &st), 0);
	store_free(s);

	/* A path through a regular file cannot be created. */
	snprintf(dir, sizeof(dir), "%s/a/b/c/hearth.db/sub", f->dir);
	s = (struct store *)1;
	assert_true(store_open(dir, &s) < 0);
	assert_null(s);
}

static void test_meta(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char *v = (char *)1;

	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_get(s, "missing", &v), -ENOENT);
	assert_null(v);

	assert_int_equal(store_meta_set(s, "install_id", "abc-123"), 0);
	assert_int_equal(store_meta_get(s, "install_id", &v), 0);
	assert_string_equal(v, "abc-123");
	free(v);

	/* Overwrite. */
	assert_int_equal(store_meta_set(s, "install_id", "def"), 0);
	assert_int_equal(store_meta_get(s, "install_id", &v), 0);
	assert_string_equal(v, "def");
	free(v);

	/* Empty values and awkward text are stored as given. */
	assert_int_equal(store_meta_set(s, "empty", ""), 0);
	assert_int_equal(store_meta_get(s, "empty", &v), 0);
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(store_meta_set(s, "it's", "a 'quoted'; DROP TABLE meta;"),
			 0);
	assert_int_equal(store_meta_get(s, "it's", &v), 0);
	assert_string_equal(v, "a 'quoted'; DROP TABLE meta;");
	free(v);

	/* Keys are distinct. */
	assert_int_equal(store_meta_get(s, "install", &v), -ENOENT);
	assert_int_equal(store_meta_get(s, "INSTALL_ID", &v), -ENOENT);
	store_free(s);

	/* Durable across close + reopen. */
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_get(s, "install_id", &v), 0);
	assert_string_equal(v, "def");
	free(v);
	store_free(s);
}

static void test_meta_add(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	int64_t n = -1;
	char *v = NULL;

	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_add(s, "starts", 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_meta_add(s, "starts", 1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_meta_add(s, "starts", 40, &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(store_meta_add(s, "starts", 0, NULL), 0);
	assert_int_equal(store_meta_get(s, "starts", &v), 0);
	assert_string_equal(v, "42");
	free(v);

	/* Negative deltas and large values. */
	assert_int_equal(store_meta_add(s, "balance", -5, &n), 0);
	assert_int_equal(n, -5);
	assert_int_equal(store_meta_add(s, "big", INT64_C(1) << 40, &n), 0);
	assert_int_equal(n, INT64_C(1) << 40);
	assert_int_equal(store_meta_add(s, "big", 1, &n), 0);
	assert_int_equal(n, (INT64_C(1) << 40) + 1);
	store_free(s);

	/* Survives close + reopen and keeps counting. */
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_add(s, "starts", 1, &n), 0);
	assert_int_equal(n, 43);
	assert_int_equal(store_meta_get(s, "balance", &v), 0);
	assert_string_equal(v, "-5");
	free(v);
	store_free(s);
}

static void test_wal(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_set(s, "k", "v"), 0);

	/* Another connection sees WAL mode (persistent in the file) and
	 * the committed write while the store is still open. */
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT value FROM meta WHERE key='k'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "v");
	sqlite3_finalize(st);
	sqlite3_close(db);
	store_free(s);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char *v = NULL;
	char sql[128];

	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_set(s, "keep", "me"), 0);
	store_free(s);

	snprintf(sql, sizeof(sql), "UPDATE schema_versions SET version = %d "
				   "WHERE room = 'core'", store_schema_latest() + 1);
	db_exec(f->db, sql);
	/* (store_open logs the refusal on stderr.) */
	s = (struct store *)1;
	assert_int_equal(store_open(f->dir, &s), HEARTH_ESCHEMA);
	assert_null(s);

	/* A layout of versions this hearth does not know is refused too. */
	snprintf(sql, sizeof(sql), "UPDATE schema_versions SET version = %d "
				   "WHERE room = 'core'", store_schema_latest());
	db_exec(f->db, sql);
	db_exec(f->db, "PRAGMA user_version = 101");
	assert_int_equal(store_open(f->dir, &s), HEARTH_ESCHEMA);
	assert_null(s);

	/* Nothing was changed: putting the layout back makes it usable. */
	db_exec(f->db, "PRAGMA user_version = 100");
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_get(s, "keep", &v), 0);
	assert_string_equal(v, "me");
	free(v);
	store_free(s);
}

/* Rooms version their tables on their own; a newer room table is refused
 * and an older one brought up to date, each step once. */
static void test_room_migrations(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	static const char *const v1[] = {"CREATE TABLE r_a (x INTEGER);", NULL};
	static const char *const v2[] = {"CREATE TABLE r_a (x INTEGER);",
					 "CREATE TABLE r_b (y TEXT);", NULL};
	static const char *const bad[] = {"CREATE TABLE r_a (x INTEGER);",
					  "CREATE TABLE r_b (y TEXT);",
					  "THIS IS NOT SQL;", NULL};
	int v = -1;

	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_room_version(s, "r", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(store_migrate(s, "r", v1), 0);
	assert_int_equal(store_room_version(s, "r", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_migrate(s, "r", v2), 0); /* only step 2 runs */
	assert_int_equal(store_room_version(s, "r", &v), 0);
	assert_int_equal(v, 2);
	/* Another room's versions are its own. */
	static const char *const o1[] = {"CREATE TABLE o_a (z INTEGER);", NULL};
	assert_int_equal(store_migrate(s, "other", o1), 0);
	assert_int_equal(store_room_version(s, "other", &v), 0);
	assert_int_equal(v, 1);
	/* Older code meets newer tables: refused, nothing touched. */
	assert_int_equal(store_migrate(s, "r", v1), HEARTH_ESCHEMA);
	/* A failing step leaves the version where it was. */
	assert_true(store_migrate(s, "r", bad) < 0);
	assert_int_equal(store_room_version(s, "r", &v), 0);
	assert_int_equal(v, 2);
	store_free(s);
	assert_int_equal(db_int(f->db, "SELECT count(*) FROM r_b"), 0);
}

/* A database of hearth 0.1.0's single numbered schema is adopted in
 * place: its data stays, its rooms get their versions. */
static void test_legacy_schema_adopted(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char *v = NULL;
	int version = -1;

	db_exec(f->db, "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, "
		       "value TEXT NOT NULL) WITHOUT ROWID;"
		       "INSERT INTO meta VALUES('starts', '7');"
		       "CREATE TABLE dns_zones (id INTEGER PRIMARY KEY);"
		       "PRAGMA user_version = 4;");
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_get(s, "starts", &v), 0);
	assert_string_equal(v, "7");
	free(v);
	assert_int_equal(store_schema_version(s), 1);
	assert_int_equal(store_room_version(s, "dns", &version), 0);
	assert_int_equal(version, 2); /* zones+records, comments; not yet 5 */
	assert_int_equal(store_room_version(s, "dhcp", &version), 0);
	assert_int_equal(version, 1);
	store_free(s);
	assert_int_equal(db_int(f->db, "PRAGMA user_version"), 100);
}

static void test_not_a_database(void **state)
{
	struct fixture *f = *state;
	struct store *s = (struct store *)1;
	FILE *fp = fopen(f->db, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database\n", fp);
	fclose(fp);
	int rc = store_open(f->dir, &s);
	assert_true(rc < 0);
	assert_int_not_equal(rc, HEARTH_ESCHEMA);
	assert_null(s);
}

/* A present but empty file is damage, never a fresh start; it is left
 * as it was for the operator. */
static void test_empty_file_is_damage(void **state)
{
	struct fixture *f = *state;
	struct store *s = (struct store *)1;
	struct stat st;
	FILE *fp = fopen(f->db, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_open(f->dir, &s), HEARTH_ESTORE);
	assert_null(s);
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void count_problem(const char *text, void *ud)
{
	(void)text;
	(*(int *)ud)++;
}

/* A page of one table overwritten: the start is refused, the check
 * finds it, recovery keeps the other pages' rows and the file opens. */
static void test_damaged_page_refused_then_recovered(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;
	char why[512];
	int problems = -1, seen = 0;
	assert_int_equal(store_open(f->dir, &s), 0);
	store_free(s);
	db_exec(f->db, "PRAGMA journal_mode = DELETE;"
		       "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
		       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
		       "FROM n WHERE i < 2000) INSERT INTO t SELECT i, "
		       "printf('%0100d', i) FROM n;");
	int total = db_int(f->db, "SELECT count(*) FROM t");
	int page = db_int(f->db, "SELECT pageno FROM dbstat WHERE name = 't' "
				 "AND pagetype = 'leaf' ORDER BY pageno "
				 "LIMIT 1 OFFSET 10");
	int size = db_int(f->db, "PRAGMA page_size");
	FILE *fp = fopen(f->db, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (long)(page - 1) * size, SEEK_SET), 0);
	for (int i = 0; i < size; i++)
		fputc(i < 3 ? 0x0d : 0xa5, fp);
	fclose(fp);

	s = (struct store *)1;
	assert_int_equal(store_open(f->dir, &s), HEARTH_ESTORE);
	assert_null(s);
	assert_int_equal(store_check(f->db, count_problem, &seen, &problems,
				     why, sizeof(why)), 0);
	assert_true(problems > 0);
	assert_int_equal(seen, problems);

	struct store_recovery r;
	assert_int_equal(store_recover(f->db, &r, why, sizeof(why)), 0);
	assert_true(r.damaged_ranges >= 1);
	assert_true(strstr(r.damaged_path, ".damaged-") != NULL);
	struct stat st;
	assert_int_equal(stat(r.damaged_path, &st), 0);
	int kept = db_int(f->db, "SELECT count(*) FROM t");
	assert_true(kept > total / 2 && kept < total);
	/* Both ends of the table came back: the scan went past the page. */
	assert_int_equal(db_int(f->db, "SELECT min(id) FROM t"), 1);
	assert_int_equal(db_int(f->db, "SELECT max(id) FROM t"), total);
	assert_int_equal(store_check(f->db, count_problem, &seen, &problems,
				     why, sizeof(why)), 0);
	assert_int_equal(problems, 0);
	assert_int_equal(store_open(f->dir, &s), 0);
	store_free(s);
}

/* Read-only (degraded) mode: reads go on, writes are refused at once in
 * the store and its peers, and it ends when the store is writable. */
static void test_read_only_mode(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL, *peer = NULL, *late = NULL;
	char *v = NULL;
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_set(s, "k", "before"), 0);
	assert_false(store_readonly(s));
	assert_string_equal(store_state(s), "running");

	assert_int_equal(store_degrade(s), 0);
	assert_true(store_readonly(s));
	assert_string_equal(store_state(s), "degraded");
	assert_int_equal(store_meta_get(s, "k", &v), 0);
	assert_string_equal(v, "before");
	free(v);
	assert_int_equal(store_meta_set(s, "k", "during"), HEARTH_EFULL);
	/* A peer opened now has no connection: its writes are refused. */
	assert_int_equal(store_open_peer(s, &late), 0);
	assert_int_equal(store_meta_set(late, "k", "peer"), HEARTH_EFULL);

	/* This disk has room: the retry ends the mode. */
	assert_int_equal(store_retry_writable(s), 0);
	assert_false(store_readonly(s));
	assert_string_equal(store_state(s), "running");
	assert_int_equal(store_meta_set(late, "k", "peer"), 0);
	assert_int_equal(store_open_peer(s, &peer), 0);
	assert_int_equal(store_meta_set(s, "k", "after"), 0);
	assert_int_equal(store_meta_get(peer, "k", &v), 0);
	assert_string_equal(v, "after");
	free(v);
	store_free(late);
	store_free(peer);
	store_free(s);
}

int main(void)
{
	log_set_level(LOG_WARN); /* no "migrated" lines; errors still show */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_is_damage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_damaged_page_refused_then_recovered, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_read_only_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_creates_nested_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_room_migrations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_legacy_schema_adopted,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
