/* SPDX-License-Identifier: MIT */
/* The notify room's tables: migrations, message cache reads and writes. */
#include "notify/store.h"

#include <errno.h>
#include <stdio.h>

#include "core/sql.h"
#include "notify/notify_room.h"

/* The notify room's tables. Append only: migration N takes them from
 * version N to N + 1 (schema_versions, room "notify"). */
const char *const notify_migrations[] = {
	/* 0 -> 1: the message cache and the uploaded attachments. */
	"CREATE TABLE notify_messages ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT," /* arrival order */
	"  id TEXT NOT NULL UNIQUE,"	 /* 12 chars [A-Za-z0-9] */
	"  topic TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"	 /* unix s: (scheduled) delivery */
	"  expires INTEGER NOT NULL,"	 /* unix s */
	"  published INTEGER NOT NULL," /* 0: delayed, not yet delivered */
	"  json TEXT NOT NULL"		 /* the message object, as sent */
	");"
	"CREATE INDEX notify_messages_topic ON notify_messages(topic, time);"
	"CREATE INDEX notify_messages_due ON notify_messages(published, time);"
	"CREATE INDEX notify_messages_expires ON notify_messages(expires);"
	"CREATE TABLE notify_attachments ("
	"  id TEXT PRIMARY KEY," /* the message's id: the file's name */
	"  size INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL" /* unix s */
	");",
	/* 1 -> 2: an attachment's name and type, for /file/ID. */
	"ALTER TABLE notify_attachments ADD COLUMN name TEXT NOT NULL "
	"DEFAULT 'attachment';"
	"ALTER TABLE notify_attachments ADD COLUMN type TEXT NOT NULL "
	"DEFAULT 'application/octet-stream';",
	/* 2 -> 3: the Apprise API's stateful keys (POST /add/KEY), the
	 * config as given, TEXT or YAML. */
	"CREATE TABLE notify_apprise_keys ("
	"  key TEXT PRIMARY KEY,"    /* [A-Za-z0-9_-]{1,128} */
	"  format TEXT NOT NULL,"    /* text | yaml */
	"  config TEXT NOT NULL,"
	"  updated INTEGER NOT NULL" /* unix s */
	");",
	/* 3 -> 4: access control: users (argon2id hashes), access tokens
	 * (only their BLAKE2b-256 hash is kept) and the ACL ("*": everyone;
	 * perm: 1 read, 2 write). */
	"CREATE TABLE notify_users ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  hash TEXT NOT NULL,"	  /* crypto_pwhash_str */
	"  role TEXT NOT NULL,"	  /* user | admin */
	"  created INTEGER NOT NULL" /* unix s */
	");"
	"CREATE TABLE notify_tokens ("
	"  hash BLOB PRIMARY KEY,"
	"  prefix TEXT NOT NULL,"	  /* tk_ + 5, for lists */
	"  user_id INTEGER NOT NULL,"
	"  label TEXT NOT NULL,"
	"  expires INTEGER NOT NULL," /* unix s; 0: never */
	"  created INTEGER NOT NULL"
	");"
	"CREATE INDEX notify_tokens_user ON notify_tokens(user_id);"
	"CREATE TABLE notify_access ("
	"  user TEXT NOT NULL,"
	"  pattern TEXT NOT NULL," /* [-_A-Za-z0-9*]{1,64} */
	"  perm INTEGER NOT NULL,"
	"  PRIMARY KEY (user, pattern)"
	");",
	NULL,
};

int notify_store_put(struct store *s, const struct notify_msg *m,
		     bool published, const struct notify_store_file *f)
{
	struct sql_txn t;
	sql_begin(s, &t);
	if (m->expires)
		sql_run(&t, NULL,
			"INSERT INTO notify_messages(id, topic, time, expires, "
			"published, json) VALUES(?, ?, ?, ?, ?, ?)",
			"ttiiit", m->id, m->topic, m->time, m->expires,
			(int64_t)published, m->text);
	if (f)
		sql_run(&t, NULL,
			"INSERT OR REPLACE INTO notify_attachments(id, size, "
			"expires, name, type) VALUES(?, ?, ?, ?, ?)",
			"tiitt", m->id, f->size, f->expires, f->name, f->type);
	return sql_commit(&t);
}

int notify_store_take_due(struct store *s, int64_t now,
			  int (*fn)(const char *json, size_t len, void *ud),
			  void *ud)
{
	struct sql_txn t;
	sql_begin(s, &t);
	struct sql_rows r;
	int rc = 0;
	sql_query(s, &r, "SELECT json FROM notify_messages WHERE published = 0 "
			 "AND time <= ? ORDER BY time, seq LIMIT 1000",
		  "i", now);
	while (sql_next(&r)) {
		size_t len;
		const void *j = sql_col_blob(&r, 0, &len);
		int u = fn(j, len, ud);
		if (u)
			sql_stop(&r, u);
	}
	rc = sql_end(&r);
	if (rc)
		sql_fail(&t, rc);
	sql_run(&t, NULL, "UPDATE notify_messages SET published = 1 WHERE "
			  "seq IN (SELECT seq FROM notify_messages WHERE "
			  "published = 0 AND time <= ? ORDER BY time, seq "
			  "LIMIT 1000)",
		"i", now);
	return sql_commit(&t);
}

int notify_store_next_due(struct store *s, int64_t *at)
{
	int rc = sql_one_int(s, at, "SELECT time FROM notify_messages WHERE "
				    "published = 0 ORDER BY time LIMIT 1",
			     NULL);
	return rc;
}

int notify_store_expire(struct store *s, int64_t now,
			void (*gone)(const char *id, int64_t size, void *ud),
			void *ud)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL, "DELETE FROM notify_messages WHERE expires <= ? "
			  "AND published = 1",
		"i", now);
	struct sql_rows r;
	sql_query(s, &r, "SELECT id, size FROM notify_attachments WHERE "
			 "expires <= ?",
		  "i", now);
	while (sql_next(&r))
		gone(sql_col_text(&r, 0), sql_col_int(&r, 1), ud);
	int rc = sql_end(&r);
	if (rc)
		sql_fail(&t, rc);
	sql_run(&t, NULL, "DELETE FROM notify_attachments WHERE expires <= ?",
		"i", now);
	return sql_commit(&t);
}

int notify_store_since(struct store *s, const char *topic,
		       const struct ntfy_since *since, bool scheduled,
		       int64_t now,
		       int (*fn)(const char *json, size_t len, int64_t seq,
				 void *ud),
		       void *ud)
{
	int64_t t = -1, seq = 0;
	struct sql_rows r;
	if (since->kind == NTFY_SINCE_NONE || since->kind == NTFY_SINCE_DEFAULT)
		return 0;
	if (since->kind == NTFY_SINCE_TIME) {
		t = since->time - 1;
		seq = INT64_MAX;
	} else if (since->kind == NTFY_SINCE_ID) {
		sql_query(s, &r, "SELECT time, seq FROM notify_messages WHERE "
				 "id = ?",
			  "t", since->id);
		if (sql_next(&r)) {
			t = sql_col_int(&r, 0);
			seq = sql_col_int(&r, 1);
		}
		int rc = sql_end(&r);
		if (rc)
			return rc;
	}
	if (since->kind == NTFY_SINCE_LATEST)
		sql_query(s, &r, "SELECT json, seq FROM notify_messages WHERE "
				 "topic = ? AND expires > ? AND (published = 1 "
				 "OR ?) ORDER BY time DESC, seq DESC LIMIT 1",
			  "tii", topic, now, (int64_t)scheduled);
	else
		sql_query(s, &r, "SELECT json, seq FROM notify_messages WHERE "
				 "topic = ? AND expires > ? AND (published = 1 "
				 "OR ?) AND (time > ? OR (time = ? AND seq > ?)) "
				 "ORDER BY time, seq",
			  "tiiiii", topic, now, (int64_t)scheduled, t, t, seq);
	while (sql_next(&r)) {
		size_t len;
		const void *j = sql_col_blob(&r, 0, &len);
		int u = fn(j, len, sql_col_int(&r, 1), ud);
		if (u)
			sql_stop(&r, u);
	}
	return sql_end(&r);
}

int notify_store_file(struct store *s, const char *id, int64_t now,
		      struct notify_store_file *out, char name[256],
		      char type[128])
{
	struct sql_rows r;
	int rc = -ENOENT;
	sql_query(s, &r, "SELECT size, expires, name, type FROM "
			 "notify_attachments WHERE id = ? AND expires > ?",
		  "ti", id, now);
	if (sql_next(&r)) {
		out->size = sql_col_int(&r, 0);
		out->expires = sql_col_int(&r, 1);
		snprintf(name, 256, "%s", sql_col_text(&r, 2));
		snprintf(type, 128, "%s", sql_col_text(&r, 3));
		out->name = name;
		out->type = type;
		rc = 0;
	}
	int e = sql_end(&r);
	return e ? e : rc;
}

int notify_store_files_size(struct store *s, int64_t *total)
{
	return sql_one_int(s, total, "SELECT COALESCE(SUM(size), 0) FROM "
				     "notify_attachments", NULL);
}

int notify_store_count(struct store *s, int64_t *n)
{
	return sql_one_int(s, n, "SELECT COUNT(*) FROM notify_messages", NULL);
}
