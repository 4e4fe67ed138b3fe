/* SPDX-License-Identifier: MIT */
/* SQLite store: open, per-room migrations and the meta table. */
#include "core/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "core/sql.h"
#include "core/store_priv.h"

/*
 * Each room versions its own tables in schema_versions(room, version), so
 * adding a room never renumbers another's schema; core's own tables are
 * the room "core". PRAGMA user_version marks the layout: 0..5 are the
 * single numbered schema hearth 0.1.0 wrote (upgraded in place, below),
 * VERSIONS_LAYOUT is this one, anything else is from a newer hearth.
 */
#define VERSIONS_LAYOUT 100
#define LEGACY_LATEST 5

/* Core's tables. Append only: migration N takes core from N to N + 1. */
static const char *const core_migrations[] = {
	/* 0 -> 1: facts about the installation. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;",
	NULL,
};

static int count(const char *const *m)
{
	int n = 0;
	while (m && m[n])
		n++;
	return n;
}

static int user_version(struct store *s, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
				    NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	rc = sql_err(s, rc, "user_version");
	sqlite3_finalize(st);
	return rc;
}

/*
 * Moves a database of the single numbered schema (hearth 0.1.0: 1 meta,
 * 2 dns zones and records, 3 dns comments and zone settings, 4 dhcp
 * leases, 5 dns zone versions) to per-room versions, in one transaction:
 * the tables stay as they are, only their versions are recorded.
 */
static int adopt_legacy(struct store *s, int v)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_exec(&t, "CREATE TABLE schema_versions ("
		     "  room TEXT PRIMARY KEY NOT NULL,"
		     "  version INTEGER NOT NULL"
		     ") WITHOUT ROWID;");
	const struct {
		const char *room;
		int64_t version;
	} at[] = {
		{"core", v >= 1},
		{"dns", (v >= 2) + (v >= 3) + (v >= 5)},
		{"dhcp", v >= 4},
	};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (at[i].version)
			sql_run(&t, NULL, "INSERT INTO schema_versions(room, "
					  "version) VALUES(?, ?)",
				"ti", at[i].room, at[i].version);
	char bump[64];
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d",
		 VERSIONS_LAYOUT);
	sql_exec(&t, bump);
	int rc = sql_commit(&t);
	if (!rc && v > 0)
		log_info("store", "schema %d of hearth 0.1.0 now versioned per "
				  "room", v);
	return rc;
}

int store_room_version(struct store *s, const char *room, int *out)
{
	int64_t v = 0;
	int rc = sql_one_int(s, &v, "SELECT version FROM schema_versions "
				    "WHERE room = ?", "t", room);
	if (rc == -ENOENT)
		rc = 0, v = 0;
	*out = (int)v;
	return rc;
}

int store_room_versions(struct store *s,
			void (*fn)(const char *room, int version, void *ud),
			void *ud)
{
	struct sql_rows r;
	sql_query(s, &r, "SELECT room, version FROM schema_versions "
			 "ORDER BY room", NULL);
	while (sql_next(&r))
		fn(sql_col_text(&r, 0), (int)sql_col_int(&r, 1), ud);
	return sql_end(&r);
}

int store_migrate(struct store *s, const char *room,
		  const char *const *migrations)
{
	int have, latest = count(migrations);
	int rc = store_room_version(s, room, &have);
	if (rc)
		return rc;
	if (have > latest) {
		log_error("store", "the %s tables are at schema %d, newer than "
				   "this hearth (%d)", room, have, latest);
		return HEARTH_ESCHEMA;
	}
	while (have < latest) {
		struct sql_txn t;
		sql_begin(s, &t);
		sql_exec(&t, migrations[have]);
		sql_run(&t, NULL, "INSERT INTO schema_versions(room, version) "
				  "VALUES(?, ?) ON CONFLICT(room) DO UPDATE "
				  "SET version = excluded.version",
			"ti", room, (int64_t)have + 1);
		rc = sql_commit(&t);
		if (rc)
			return rc;
		have++;
		log_info("store", "migrated room=%s schema to version %d", room,
			 have);
	}
	return 0;
}

static int migrate(struct store *s)
{
	int v = 0;
	int rc = user_version(s, &v);
	if (rc)
		return rc;
	if (v != VERSIONS_LAYOUT && (v < 0 || v > LEGACY_LATEST)) {
		log_error("store", "database schema %d is newer than this "
				   "hearth", v);
		return HEARTH_ESCHEMA;
	}
	if (v != VERSIONS_LAYOUT && (rc = adopt_legacy(s, v)))
		return rc;
	rc = store_migrate(s, "core", core_migrations);
	if (!rc)
		rc = store_room_version(s, "core", &s->version);
	return rc;
}

/* What to do about a damaged database, said once where it is found. */
static void log_damage(const char *path, const char *what)
{
	log_error("store", "%s is damaged: %s", path, what);
	log_error("store", "hearthd does not start on a damaged database: "
			   "restore %s from a backup, or (with hearthd "
			   "stopped) run `hearth store check` to see the "
			   "damage and `hearth store recover` to keep what "
			   "can be read", path);
}

/* True when the last SQLite error on @s says the file is not a sound
 * database (as opposed to full, locked or unreadable). */
static bool damaged_now(struct store *s)
{
	int rc = s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_OK;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* The database is readable as a whole before anything writes to it:
 * every page of every table and index (quick_check), damage in any of
 * them refusing the start. */
static int quick_check(struct store *s)
{
	struct sql_rows r;
	sql_query(s, &r, "PRAGMA quick_check", NULL);
	if (sql_next(&r) && strcmp(sql_col_text(&r, 0), "ok") != 0) {
		char what[512];
		snprintf(what, sizeof(what), "quick_check: %s",
			 sql_col_text(&r, 0));
		log_damage(s->path, what);
		sql_stop(&r, HEARTH_ESTORE);
		s->damaged = true;
	}
	return sql_end(&r);
}

/*
 * A fresh start is no file at all. A file that is there but empty was a
 * database that lost its content (a truncation, a bad restore), unless
 * a write-ahead log holds the content still: SQLite then decides.
 */
static int refuse_empty(const char *path)
{
	struct stat st;
	char wal[4200];
	if (stat(path, &st) != 0 || st.st_size > 0)
		return 0;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	struct stat ws;
	if (stat(wal, &ws) == 0 && ws.st_size > 0)
		return 0;
	log_damage(path, "the file is empty (0 bytes); a fresh start is no "
			 "file at all");
	return HEARTH_ESTORE;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Opens s->db on s->path with the pragmas every connection gets. */
static int open_db(struct store *s)
{
	int rc = sqlite3_open_v2(s->path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK)
		return sql_err(s, rc, s->path);
	sqlite3_busy_timeout(s->db, 5000);
	rc = sqlite3_exec(s->db,
			  "PRAGMA journal_mode = WAL;"
			  "PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON;",
			  NULL, NULL, NULL);
	return sql_err(s, rc, "pragmas");
}

int store_open(const char *dir, struct store **out)
{
	struct store *s = NULL;
	int rc;

	*out = NULL;
	rc = mkdir_p(dir);
	if (rc) {
		log_error("store", "cannot create state_dir %s: %s", dir,
			  hearth_strerror(rc));
		goto fail;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = -ENOMEM;
		goto fail;
	}
	size_t n = strlen(dir) + sizeof("/hearth.db");
	s->path = malloc(n);
	if (!s->path) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(s->path, n, "%s/hearth.db", dir);
	rc = refuse_empty(s->path);
	if (!rc)
		rc = open_db(s);
	if (!rc)
		rc = quick_check(s);
	if (!rc)
		rc = migrate(s);
	if (rc && !s->damaged && damaged_now(s))
		log_damage(s->path, sqlite3_errmsg(s->db));
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	store_free(s);
	return rc;
}

int store_open_peer(const struct store *s, struct store **out)
{
	struct store *p = calloc(1, sizeof(*p));
	int rc = -ENOMEM;
	*out = NULL;
	if (!p || !(p->path = strdup(s->path)))
		goto fail;
	p->version = s->version;
	rc = open_db(p);
	if (rc)
		goto fail;
	*out = p;
	return 0;
fail:
	store_free(p);
	return rc;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	store_cache_free(s);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int store_schema_version(const struct store *s)
{
	return s->version;
}

int store_schema_latest(void)
{
	return count(core_migrations);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_meta_get(struct store *s, const char *key, char **out)
{
	struct sql_rows r;
	*out = NULL;
	sql_query(s, &r, "SELECT value FROM meta WHERE key = ?", "t", key);
	if (sql_next(&r)) {
		*out = strdup(sql_col_text(&r, 0));
		if (!*out)
			sql_stop(&r, -ENOMEM);
	}
	int rc = sql_end(&r);
	return rc ? rc : *out ? 0 : -ENOENT;
}

static void meta_put(struct sql_txn *t, const char *key, const char *value)
{
	sql_run(t, NULL, "INSERT INTO meta(key, value) VALUES(?, ?) "
			 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		"tt", key, value);
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	struct sql_txn t;
	sql_begin(s, &t);
	meta_put(&t, key, value);
	return sql_commit(&t);
}

int store_meta_add(struct store *s, const char *key, int64_t delta,
		   int64_t *out)
{
	struct sql_txn t;
	char *old = NULL;
	int64_t v = 0;
	sql_begin(s, &t);
	if (!t.err) {
		int rc = store_meta_get(s, key, &old);
		if (rc == 0)
			v = strtoll(old, NULL, 10);
		else if (rc != -ENOENT)
			sql_fail(&t, rc);
	}
	free(old);
	v += delta;
	char text[32];
	snprintf(text, sizeof(text), "%lld", (long long)v);
	meta_put(&t, key, text);
	int rc = sql_commit(&t);
	if (!rc && out)
		*out = v;
	return rc;
}

int store_chown(struct store *s, const char *dir, uid_t uid, gid_t gid)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	char path[4200];
	if (chown(dir, uid, gid))
		return -errno;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", s->path, suffixes[i]);
		if (chown(path, uid, gid) && errno != ENOENT)
			return -errno;
	}
	return 0;
}
