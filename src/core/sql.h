/* SPDX-License-Identifier: MIT */
/* The SQL helper rooms write their tables with: transactions, rows, a statement cache. */
#ifndef HEARTH_CORE_SQL_H
#define HEARTH_CORE_SQL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/*
 * A room's store.c speaks SQL through these and reads columns with
 * sqlite3_column_*() (or the sql_col_* shorthands); it never prepares,
 * steps or finalizes by hand, and never sees an SQLite result code:
 * every one becomes a hearth code in sql_err(), the one translator.
 * Statements come from a per-store cache keyed by the SQL text's address
 * (pass string literals). Everything here belongs to the store's owner
 * thread (not thread-safe), like the store itself.
 *
 * Bind formats: one letter per `?`, in order:
 *   't' const char * (text; NULL binds NULL), 'i' int64_t,
 *   'b' const void *, size_t (blob; a NULL pointer binds an empty blob).
 * Pass exactly those types ('i' is int64_t: cast narrower integers).
 */

/* Turns an SQLite result code into 0 or a hearth code, logging the
 * failure once with @what and SQLite's message. */
int sql_err(struct store *s, int rc, const char *what);

/* A cached statement for @sql (reset, bindings cleared); do not
 * finalize it. Returns 0 or a hearth code. */
int sql_prepare(struct store *s, const char *sql, sqlite3_stmt **out);

/*
 * A transaction that remembers its first error: after one, later
 * statements are no-ops, and commit rolls back and returns that error.
 * BEGIN IMMEDIATE, so a writer never deadlocks upgrading a read lock.
 */
struct sql_txn {
	struct store *s;
	int err;
};

void sql_begin(struct store *s, struct sql_txn *t);
/* Runs a script of statements without parameters. */
void sql_exec(struct sql_txn *t, const char *sql);
/* Runs one statement with parameters (see bind formats) to completion;
 * the number of rows it changed in *changes (may be NULL). */
void sql_run(struct sql_txn *t, int *changes, const char *sql,
	     const char *fmt, ...);
/* Records @err as the transaction's error unless it has one. */
void sql_fail(struct sql_txn *t, int err);
/* Commits (or rolls back after an error); 0 or the first error. */
int sql_commit(struct sql_txn *t);

/*
 * Rows of one query:
 *	struct sql_rows r;
 *	sql_query(s, &r, "SELECT a, b FROM t WHERE c = ?", "t", c);
 *	while (sql_next(&r)) { ... sqlite3_column_*(r.st, 0) ... }
 *	rc = sql_end(&r);
 * sql_end must follow every sql_query; it returns the first error (or
 * the one given to sql_stop, e.g. a callback's return), else 0.
 */
struct sql_rows {
	struct store *s;
	sqlite3_stmt *st;
	int err;
	const char *sql;
	bool done;
};

void sql_query(struct store *s, struct sql_rows *r, const char *sql,
	       const char *fmt, ...);
bool sql_next(struct sql_rows *r);
/* Stops the iteration early with @err (0: just stop). */
void sql_stop(struct sql_rows *r, int err);
int sql_end(struct sql_rows *r);

/* Column i of the current row: text never NULL (""), blob length in
 * *len. Valid until the next sql_next or sql_end. */
const char *sql_col_text(const struct sql_rows *r, int i);
int64_t sql_col_int(const struct sql_rows *r, int i);
const void *sql_col_blob(const struct sql_rows *r, int i, size_t *len);

/* The first row's first column as an integer: 0 and *out set, -ENOENT
 * when there is no row, or a hearth code. */
int sql_one_int(struct store *s, int64_t *out, const char *sql,
		const char *fmt, ...);

#endif
