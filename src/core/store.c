/* SPDX-License-Identifier: MIT */
/* SQLite store: open, migrations, transactions and the meta table. */
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
#include "core/store_priv.h"

/* Migration N takes the schema from version N to N+1. Append only. */
static const char *const migrations[] = {
	/* 0 -> 1: facts about the installation. */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;",
	/* 1 -> 2: authoritative DNS zones and their records. */
	"CREATE TABLE dns_zones ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE," /* lower case, trailing dot */
	"  kind TEXT NOT NULL DEFAULT 'Native',"
	"  account TEXT NOT NULL DEFAULT '',"
	"  soa_edit_api TEXT NOT NULL DEFAULT 'DEFAULT',"
	"  masters TEXT NOT NULL DEFAULT '[]',"
	"  source TEXT NOT NULL DEFAULT 'api'," /* api | file */
	"  notified_serial INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE dns_records ("
	"  id INTEGER PRIMARY KEY,"
	"  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL," /* lower case, trailing dot */
	"  type INTEGER NOT NULL,"
	"  ttl INTEGER NOT NULL,"
	"  rdata BLOB NOT NULL," /* wire form, names uncompressed */
	"  disabled INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX dns_records_by_name ON dns_records(zone_id, name, type);",
	/* 2 -> 3: what the PowerDNS-compatible API keeps beside the records:
	 * zone settings it echoes back, and per-RRset comments. */
	"ALTER TABLE dns_zones ADD COLUMN soa_edit TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE dns_zones ADD COLUMN catalog TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE dns_zones ADD COLUMN api_rectify INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE dns_zones ADD COLUMN nsec3param TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE dns_zones ADD COLUMN nsec3narrow INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE dns_comments ("
	"  id INTEGER PRIMARY KEY,"
	"  zone_id INTEGER NOT NULL REFERENCES dns_zones(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL," /* lower case, trailing dot */
	"  type INTEGER NOT NULL,"
	"  content TEXT NOT NULL,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  modified_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX dns_comments_by_name ON dns_comments(zone_id, name, type);",
	/* 3 -> 4: DHCP leases. */
	"CREATE TABLE dhcp_leases ("
	"  ip INTEGER PRIMARY KEY," /* IPv4, host byte order */
	"  mac BLOB NOT NULL,"
	"  client_id BLOB NOT NULL,"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  expires INTEGER NOT NULL," /* unix seconds */
	"  state TEXT NOT NULL" /* bound | declined */
	");",
	/* 4 -> 5: a counter bumped by every write to a zone's records, so
	 * the dns room rebuilds only the zones that changed. */
	"ALTER TABLE dns_zones ADD COLUMN version INTEGER NOT NULL DEFAULT 0;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The one place SQLite result codes become hearth codes. */
int store_sql_err(struct store *s, int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	log_error("store", "%s: %s (rc=%d)", what,
		  s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	if (rc == SQLITE_FULL)
		return -ENOSPC;
	if (rc == SQLITE_READONLY || rc == SQLITE_PERM)
		return -EACCES;
	return HEARTH_ESTORE;
}

void store_txn_begin(struct store *s, struct store_txn *t)
{
	t->s = s;
	t->err = store_sql_err(s, sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL,
					 NULL),
			 "begin");
}

void store_txn_exec(struct store_txn *t, const char *sql)
{
	if (t->err)
		return;
	t->err = store_sql_err(t->s, sqlite3_exec(t->s->db, sql, NULL, NULL, NULL),
			 "exec");
}

int store_txn_commit(struct store_txn *t)
{
	if (t->err) {
		sqlite3_exec(t->s->db, "ROLLBACK", NULL, NULL, NULL);
		return t->err;
	}
	int rc = store_sql_err(t->s, sqlite3_exec(t->s->db, "COMMIT", NULL, NULL,
					    NULL),
			 "commit");
	if (rc)
		sqlite3_exec(t->s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int pragma_int(struct store *s, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*out = sqlite3_column_int(st, 0);
	}
	rc = store_sql_err(s, rc, sql);
	sqlite3_finalize(st);
	return rc;
}

static int migrate(struct store *s)
{
	int rc = pragma_int(s, "PRAGMA user_version", &s->version);
	if (rc)
		return rc;
	if (s->version > N_MIGRATIONS) {
		log_error("store", "database schema %d is newer than this "
				   "hearth (%d)", s->version, N_MIGRATIONS);
		return HEARTH_ESCHEMA;
	}
	while (s->version < N_MIGRATIONS) {
		struct store_txn t;
		char bump[64];
		store_txn_begin(s, &t);
		store_txn_exec(&t, migrations[s->version]);
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d",
			 s->version + 1);
		store_txn_exec(&t, bump);
		rc = store_txn_commit(&t);
		if (rc)
			return rc;
		s->version++;
		log_info("store", "migrated schema to version %d", s->version);
	}
	return 0;
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
		return store_sql_err(s, rc, s->path);
	sqlite3_busy_timeout(s->db, 5000);
	rc = sqlite3_exec(s->db,
			  "PRAGMA journal_mode = WAL;"
			  "PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON;",
			  NULL, NULL, NULL);
	return store_sql_err(s, rc, "pragmas");
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
	rc = open_db(s);
	int dummy = 0;
	if (!rc)
		rc = pragma_int(s, "PRAGMA quick_check", &dummy);
	if (rc)
		goto fail;
	rc = migrate(s);
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
	return N_MIGRATIONS;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

int store_meta_get(struct store *s, const char *key, char **out)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?",
				    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		*out = strdup(v ? (const char *)v : "");
		rc = *out ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = store_sql_err(s, rc, "meta get");
	}
	sqlite3_finalize(st);
	return rc;
}

static int meta_put(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		s->db, "INSERT INTO meta(key, value) VALUES(?, ?) "
		       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	rc = store_sql_err(s, rc, "meta put");
	sqlite3_finalize(st);
	return rc;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	struct store_txn t;
	store_txn_begin(s, &t);
	if (!t.err)
		t.err = meta_put(s, key, value);
	return store_txn_commit(&t);
}

int store_meta_add(struct store *s, const char *key, int64_t delta,
		   int64_t *out)
{
	struct store_txn t;
	char *old = NULL;
	int64_t v = 0;
	store_txn_begin(s, &t);
	if (!t.err) {
		int rc = store_meta_get(s, key, &old);
		if (rc == 0)
			v = strtoll(old, NULL, 10);
		else if (rc != -ENOENT)
			t.err = rc;
	}
	free(old);
	v += delta;
	if (!t.err) {
		char text[32];
		snprintf(text, sizeof(text), "%lld", (long long)v);
		t.err = meta_put(s, key, text);
	}
	int rc = store_txn_commit(&t);
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
