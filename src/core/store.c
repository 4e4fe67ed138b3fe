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
#include <sys/statvfs.h>
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
/* Read-only (degraded) mode is left once this much is free again. */
#define STORE_MIN_FREE_BYTES (1024 * 1024)
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

static void close_db(struct store *s)
{
	store_cache_free(s);
	sqlite3_close(s->db);
	s->db = NULL;
}

/* True when the last SQLite error on @s is a write the disk had no room
 * for: on a full file system even opening writes (the -shm index, the
 * journal mode, the meta counter), and SQLite reports that as FULL or as
 * an I/O error. Damage is told apart (damaged_now) and never lands here. */
static bool no_room(struct store *s)
{
	int rc = s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_OK;
	return rc == SQLITE_FULL || rc == SQLITE_IOERR;
}

/*
 * The database opened for reading only, on a disk with no room: in
 * exclusive locking mode SQLite keeps the WAL index in memory, so no
 * -shm is created or grown, and query_only refuses any write. The
 * connection holds the database's lock: peers get no connection
 * (store_connect_peer) until the store is writable again.
 */
static int open_readonly(struct store *s)
{
	int rc = sqlite3_open_v2(s->path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db,
				  "PRAGMA locking_mode = EXCLUSIVE;"
				  "PRAGMA query_only = ON;"
				  "PRAGMA foreign_keys = ON;"
				  "SELECT count(*) FROM sqlite_schema;",
				  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_err(s, rc, "read-only open");
		close_db(s);
		return rc;
	}
	s->readonly = true;
	atomic_store(&s->shared->readonly, true);
	return 0;
}

static void remove_files(const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char p[4200];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		unlink(p);
	}
}

/* Goes on read-only after a write at open failed for want of space. */
static int degrade(struct store *s)
{
	char what[256];
	snprintf(what, sizeof(what), "%s",
		 s->db ? sqlite3_errmsg(s->db) : "no room");
	close_db(s);
	if (access(s->path, F_OK) != 0) {
		log_error("store", "%s cannot be created: %s", s->path, what);
		return HEARTH_EFULL;
	}
	int rc = open_readonly(s);
	if (rc)
		return rc;
	log_warn("store", "%s: %s: no room to write (disk full?): serving "
			  "read-only (degraded), writes are refused until "
			  "space is freed; retried every %d s",
		 s->path, what, STORE_RETRY_SECONDS);
	return 0;
}

/* The state dir has room for writes again (a cheap test before the
 * reopen is tried). */
static bool has_room(const char *path)
{
	char dir[4200];
	struct statvfs v;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (statvfs(slash ? dir : ".", &v) != 0)
		return true; /* let the reopen say */
	return (uint64_t)v.f_bavail * v.f_frsize >= STORE_MIN_FREE_BYTES;
}

int store_retry_writable(struct store *s)
{
	if (!s->readonly)
		return 0;
	if (!has_room(s->path))
		return HEARTH_EFULL;
	close_db(s);
	s->readonly = false;
	int rc = open_db(s);
	if (!rc) {
		atomic_store(&s->shared->readonly, false);
		atomic_store(&s->shared->full, false);
		log_info("store", "%s is writable again: degraded mode ends",
			 s->path);
		return 0;
	}
	close_db(s);
	rc = open_readonly(s);
	return rc ? rc : HEARTH_EFULL;
}

int store_degrade(struct store *s)
{
	return s->readonly ? 0 : degrade(s);
}

bool store_readonly(const struct store *s)
{
	return s->readonly;
}

const char *store_state(const struct store *s)
{
	return s->readonly || atomic_load(&s->shared->full) ? "degraded"
							    : "running";
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
	if (!s || !(s->shared = calloc(1, sizeof(*s->shared)))) {
		rc = -ENOMEM;
		goto fail;
	}
	atomic_init(&s->shared->refs, 1);
	size_t n = strlen(dir) + sizeof("/hearth.db");
	s->path = malloc(n);
	if (!s->path) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(s->path, n, "%s/hearth.db", dir);
	rc = refuse_empty(s->path);
	bool fresh = access(s->path, F_OK) != 0;
	if (!rc && (rc = open_db(s)) && fresh) {
		/* Not even created: leave no empty file behind (it would
		 * read as damage at the next start). */
		log_error("store", "%s cannot be created: %s", s->path,
			  s->db ? sqlite3_errmsg(s->db) : hearth_strerror(rc));
		close_db(s);
		remove_files(s->path);
		goto fail;
	}
	if (rc && no_room(s))
		rc = degrade(s);
	if (!rc)
		rc = quick_check(s);
	if (!rc && (rc = migrate(s)) && !s->readonly && no_room(s) &&
	    !(rc = degrade(s)))
		rc = migrate(s); /* reads only, unless a migration is due */
	if (rc && !s->damaged && damaged_now(s))
		log_damage(s->path, sqlite3_errmsg(s->db));
	if (rc == HEARTH_EFULL && s->readonly)
		log_error("store", "%s needs a migration and the disk has no "
				   "room for it: free space and start again",
			  s->path);
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
	p->peer = true;
	p->shared = s->shared;
	atomic_fetch_add(&p->shared->refs, 1);
	/* The store holds the lock while read-only: connect later. */
	if (!atomic_load(&s->shared->readonly) && (rc = open_db(p)))
		goto fail;
	*out = p;
	return 0;
fail:
	store_free(p);
	return rc;
}

int store_connect_peer(struct store *s)
{
	if (s->db)
		return 0;
	if (!s->peer || atomic_load(&s->shared->readonly))
		return HEARTH_EFULL;
	if (open_db(s)) {
		close_db(s);
		return HEARTH_EFULL;
	}
	return 0;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	store_cache_free(s);
	sqlite3_close(s->db);
	if (s->shared && atomic_fetch_sub(&s->shared->refs, 1) == 1)
		free(s->shared);
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
