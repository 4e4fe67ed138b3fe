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
	sqlite3 *db;
	sqlite3_stmt *st2;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
					    &st2, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st2), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st2, 0), store_schema_latest());
	sqlite3_finalize(st2);
	sqlite3_close(db);
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

	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_set(s, "keep", "me"), 0);
	store_free(s);

	sqlite3 *db;
	char sql[64];
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 store_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* (store_open logs the refusal on stderr.) */
	s = (struct store *)1;
	assert_int_equal(store_open(f->dir, &s), HEARTH_ESCHEMA);
	assert_null(s);

	/* Nothing was changed: putting the version back makes it usable. */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 store_schema_latest());
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->dir, &s), 0);
	assert_int_equal(store_meta_get(s, "keep", &v), 0);
	assert_string_equal(v, "me");
	free(v);
	store_free(s);
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

int main(void)
{
	log_set_level(LOG_WARN); /* no "migrated" lines; errors still show */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creates_nested_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_a_database, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
