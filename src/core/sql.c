/* SPDX-License-Identifier: MIT */
/* The SQL helper: the one SQLite error translator, cached statements, transactions, rows. */
#include "core/sql.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "core/store_priv.h"

int sql_err(struct store *s, int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	log_error("store", "%s: %s (rc=%d)", what,
		  s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	if ((rc & 0xff) == SQLITE_FULL) {
		if (s && s->shared)
			atomic_store(&s->shared->full, true);
		return HEARTH_EFULL;
	}
	if (rc == SQLITE_READONLY || rc == SQLITE_PERM)
		return -EACCES;
	return HEARTH_ESTORE;
}

static size_t slot_of(const char *sql, size_t cap)
{
	uintptr_t h = (uintptr_t)sql;
	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (cap - 1);
}

static int cache_grow(struct store *s)
{
	size_t cap = s->cache_cap ? s->cache_cap * 2 : 64;
	struct store_stmt *c = calloc(cap, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < s->cache_cap; i++) {
		if (!s->cache[i].sql)
			continue;
		size_t k = slot_of(s->cache[i].sql, cap);
		while (c[k].sql)
			k = (k + 1) & (cap - 1);
		c[k] = s->cache[i];
	}
	free(s->cache);
	s->cache = c;
	s->cache_cap = cap;
	return 0;
}

/* The cache slot of @sql (existing, or empty where it goes). */
static struct store_stmt *cache_slot(struct store *s, const char *sql)
{
	size_t k = slot_of(sql, s->cache_cap);
	while (s->cache[k].sql && s->cache[k].sql != sql)
		k = (k + 1) & (s->cache_cap - 1);
	return &s->cache[k];
}

/*
 * A statement for @sql: the cached one, unless it is still stepping (a
 * query nested in a row loop of the same text), then a fresh one the
 * caller finalizes (*owned).
 */
static int get_stmt(struct store *s, const char *sql, sqlite3_stmt **out,
		    bool *owned)
{
	int rc;
	*out = NULL;
	*owned = false;
	if (!s->db && (rc = store_connect_peer(s)))
		return rc;
	if (s->cache_n * 4 >= s->cache_cap * 3 && (rc = cache_grow(s)))
		return rc;
	struct store_stmt *slot = cache_slot(s, sql);
	if (slot->sql && !sqlite3_stmt_busy(slot->st)) {
		sqlite3_reset(slot->st);
		sqlite3_clear_bindings(slot->st);
		*out = slot->st;
		return 0;
	}
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v3(s->db, sql, -1,
				slot->sql ? 0 : SQLITE_PREPARE_PERSISTENT, &st,
				NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return sql_err(s, rc, sql);
	}
	if (slot->sql) {
		*owned = true;
	} else {
		slot->sql = sql;
		slot->st = st;
		s->cache_n++;
	}
	*out = st;
	return 0;
}

int sql_prepare(struct store *s, const char *sql, sqlite3_stmt **out)
{
	bool owned;
	int rc = get_stmt(s, sql, out, &owned);
	if (!rc && owned) {
		/* Only row loops may nest; a prepared handle is the cache's. */
		sqlite3_finalize(*out);
		*out = NULL;
		return -EBUSY;
	}
	return rc;
}

void store_cache_free(struct store *s)
{
	for (size_t i = 0; i < s->cache_cap; i++)
		if (s->cache[i].sql)
			sqlite3_finalize(s->cache[i].st);
	free(s->cache);
	s->cache = NULL;
	s->cache_cap = s->cache_n = 0;
}

static int bind_all(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK;
	for (int i = 1; fmt && *fmt && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 't': {
			const char *t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC)
			       : sqlite3_bind_null(st, i);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob64(st, i, p ? p : "", p ? n : 0,
						 SQLITE_STATIC);
			break;
		}
		default:
			rc = SQLITE_MISUSE;
		}
	}
	return rc;
}

void sql_begin(struct store *s, struct sql_txn *t)
{
	t->s = s;
	/* Read-only (degraded): refused here, at no cost, and quietly (the
	 * caller reports it; the store said it once). */
	if (s->readonly || (!s->db && store_connect_peer(s))) {
		t->err = HEARTH_EFULL;
		return;
	}
	t->err = sql_err(s, sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL,
					 NULL),
			 "begin");
}

void sql_exec(struct sql_txn *t, const char *sql)
{
	if (t->err)
		return;
	t->err = sql_err(t->s, sqlite3_exec(t->s->db, sql, NULL, NULL, NULL),
			 "exec");
}

void sql_fail(struct sql_txn *t, int err)
{
	if (!t->err)
		t->err = err;
}

void sql_run(struct sql_txn *t, int *changes, const char *sql,
	     const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	bool owned = false;
	if (changes)
		*changes = 0;
	if (t->err || (t->err = get_stmt(t->s, sql, &st, &owned)))
		return;
	va_list ap;
	va_start(ap, fmt);
	int rc = bind_all(st, fmt, ap);
	va_end(ap);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	t->err = sql_err(t->s, rc, sql);
	if (!t->err && changes)
		*changes = sqlite3_changes(t->s->db);
	if (owned)
		sqlite3_finalize(st);
	else
		sqlite3_reset(st);
}

int sql_commit(struct sql_txn *t)
{
	if (t->err) {
		if (t->s->db && !sqlite3_get_autocommit(t->s->db))
			sqlite3_exec(t->s->db, "ROLLBACK", NULL, NULL, NULL);
		return t->err;
	}
	int rc = sql_err(t->s, sqlite3_exec(t->s->db, "COMMIT", NULL, NULL,
					    NULL),
			 "commit");
	if (rc)
		sqlite3_exec(t->s->db, "ROLLBACK", NULL, NULL, NULL);
	else if (t->s->shared)
		atomic_store(&t->s->shared->full, false);
	return rc;
}

static void query_v(struct store *s, struct sql_rows *r, const char *sql,
		    const char *fmt, va_list ap)
{
	bool owned = false;
	*r = (struct sql_rows){.s = s, .sql = sql};
	r->err = get_stmt(s, sql, &r->st, &owned);
	if (r->err)
		return;
	if (owned)
		r->sql = NULL; /* finalized by sql_end */
	r->err = sql_err(s, bind_all(r->st, fmt, ap), sql);
}

void sql_query(struct store *s, struct sql_rows *r, const char *sql,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	query_v(s, r, sql, fmt, ap);
	va_end(ap);
}

bool sql_next(struct sql_rows *r)
{
	if (r->err || r->done || !r->st)
		return false;
	int rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return true;
	r->done = true;
	r->err = sql_err(r->s, rc, r->sql ? r->sql : "query");
	return false;
}

void sql_stop(struct sql_rows *r, int err)
{
	r->done = true;
	if (!r->err)
		r->err = err;
}

int sql_end(struct sql_rows *r)
{
	if (r->st) {
		if (r->sql)
			sqlite3_reset(r->st);
		else
			sqlite3_finalize(r->st);
	}
	r->st = NULL;
	return r->err;
}

const char *sql_col_text(const struct sql_rows *r, int i)
{
	const unsigned char *v = sqlite3_column_text(r->st, i);
	return v ? (const char *)v : "";
}

int64_t sql_col_int(const struct sql_rows *r, int i)
{
	return sqlite3_column_int64(r->st, i);
}

const void *sql_col_blob(const struct sql_rows *r, int i, size_t *len)
{
	const void *p = sqlite3_column_blob(r->st, i);
	*len = (size_t)sqlite3_column_bytes(r->st, i);
	return p;
}

int sql_one_int(struct store *s, int64_t *out, const char *sql,
		const char *fmt, ...)
{
	struct sql_rows r;
	va_list ap;
	va_start(ap, fmt);
	query_v(s, &r, sql, fmt, ap);
	va_end(ap);
	bool any = sql_next(&r);
	if (any)
		*out = sql_col_int(&r, 0);
	int rc = sql_end(&r);
	return rc ? rc : any ? 0 : -ENOENT;
}
