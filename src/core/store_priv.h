/* SPDX-License-Identifier: MIT */
/* The store's handle, shared by store.c and sql.c only (rooms use core/sql.h). */
#ifndef HEARTH_CORE_STORE_PRIV_H
#define HEARTH_CORE_STORE_PRIV_H

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "core/store.h"

/* One cached statement, keyed by the address of its SQL text. */
struct store_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

/* What a store and its peers share across threads. */
struct store_shared {
	atomic_int refs;
	atomic_bool readonly; /* the main connection is read-only */
	atomic_bool full;     /* the last write anywhere failed for space */
};

struct store {
	sqlite3 *db; /* NULL: a peer of a read-only store (writes refused) */
	char *path;
	int version; /* core's tables */
	bool damaged; /* found so, and said so, at open */
	/* Degraded: opened read-only because the disk had no room for the
	 * writes of a normal open (exclusive locking: no -shm needed). */
	bool readonly;
	bool peer; /* from store_open_peer */
	struct store_shared *shared;
	struct store_stmt *cache; /* open addressing, power-of-two size */
	size_t cache_cap, cache_n;
};

/* Finalizes every cached statement (before sqlite3_close). */
void store_cache_free(struct store *s);

/* A peer without a connection (its store was read-only when it opened)
 * connects once the store is writable again: 0, or HEARTH_EFULL. */
int store_connect_peer(struct store *s);

#endif
