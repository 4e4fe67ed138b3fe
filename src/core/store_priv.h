/* SPDX-License-Identifier: MIT */
/* The store's handle, shared by store.c and sql.c only (rooms use core/sql.h). */
#ifndef HEARTH_CORE_STORE_PRIV_H
#define HEARTH_CORE_STORE_PRIV_H

#include <sqlite3.h>
#include <stdbool.h>

#include "core/store.h"

/* One cached statement, keyed by the address of its SQL text. */
struct store_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	char *path;
	int version; /* core's tables */
	bool damaged; /* found so, and said so, at open */
	struct store_stmt *cache; /* open addressing, power-of-two size */
	size_t cache_cap, cache_n;
};

/* Finalizes every cached statement (before sqlite3_close). */
void store_cache_free(struct store *s);

#endif
