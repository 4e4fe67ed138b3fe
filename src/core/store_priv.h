/* SPDX-License-Identifier: MIT */
/* What the store's files share: the handle, error translation, transactions. */
#ifndef HEARTH_CORE_STORE_PRIV_H
#define HEARTH_CORE_STORE_PRIV_H

#include <sqlite3.h>

#include "core/store.h"

struct store {
	sqlite3 *db;
	char *path;
	int version;
};

/* The one place SQLite result codes become hearth codes (and are logged). */
int store_sql_err(struct store *s, int rc, const char *what);

/*
 * A transaction that remembers its first error: later statements become
 * no-ops and commit rolls back and reports that error.
 */
struct store_txn {
	struct store *s;
	int err;
};

void store_txn_begin(struct store *s, struct store_txn *t);
void store_txn_exec(struct store_txn *t, const char *sql);
int store_txn_commit(struct store_txn *t);

#endif
