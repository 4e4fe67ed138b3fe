/* SPDX-License-Identifier: MIT */
/* The SQLite store in state_dir: the only code in hearth that speaks SQL. */
#ifndef HEARTH_CORE_STORE_H
#define HEARTH_CORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One database file (hearth.db, WAL mode, synchronous=FULL) so that a
 * write acknowledged to a client is on disk. Each room's tables are
 * versioned on their own (store_migrate); a database from a newer hearth
 * is refused rather than guessed at. Rooms write through core/sql.h.
 * Not thread-safe: one owner thread.
 */
struct store;

/* Creates @dir if needed, opens or creates the database, migrates it.
 * On success *out is owned by the caller (store_free). */
int store_open(const char *dir, struct store **out);
void store_free(struct store *s);

/*
 * A second connection to @s's database (same pragmas, no migrations),
 * for a thread that writes off the loop, e.g. a work queue strand. SQLite
 * in WAL mode lets readers go on while one writer commits; a second
 * writer waits for the lock (busy_timeout, 5 s) rather than failing. Like
 * every store, it is used by one thread at a time; *out is owned by the
 * caller (store_free).
 */
int store_open_peer(const struct store *s, struct store **out);

/*
 * Read-only (degraded) mode. When the disk has no room for the writes of
 * a normal open (a full file system), store_open opens the database for
 * reading only instead of failing: what is stored is served, every
 * transaction is refused with HEARTH_EFULL (at once, without touching
 * SQLite), and peers (store_open_peer) get no connection until the store
 * is writable again. A migration that is due cannot run then, and the
 * open fails. store_degrade enters the mode later (a write at start
 * failed for space; before any peer connects: the read-only connection
 * takes the database's lock); store_retry_writable leaves it when space is back:
 * it reopens the database, so call it only with no statement of @s
 * running (from a timer on the owner thread), every
 * STORE_RETRY_SECONDS. Returns 0 once writable, else HEARTH_EFULL (or a
 * code when even the read-only reopen failed).
 */
#define STORE_RETRY_SECONDS 2
int store_degrade(struct store *s);
int store_retry_writable(struct store *s);
bool store_readonly(const struct store *s);
/* "running", or "degraded" while read-only or since a write failed for
 * space (in the store or a peer, until one commits). Thread-safe. */
const char *store_state(const struct store *s);

/* The version of core's own tables after open, and the one this binary
 * migrates them to. */
int store_schema_version(const struct store *s);
int store_schema_latest(void);

/*
 * Brings @room's tables to the last of @migrations (SQL texts,
 * NULL-terminated; migration i takes version i to i + 1), each step in
 * one transaction with its version. Tables of a newer hearth are
 * refused (HEARTH_ESCHEMA), never guessed at.
 */
int store_migrate(struct store *s, const char *room,
		  const char *const *migrations);
/* The version of @room's tables (0: none yet). */
int store_room_version(struct store *s, const char *room, int *out);
/* Calls @fn with each room's name and version (core's too), by name. */
int store_room_versions(struct store *s,
			void (*fn)(const char *room, int version, void *ud),
			void *ud);
/* Path of the database file (owned by the store). */
const char *store_path(const struct store *s);

/* Durable key/value facts about the installation. *out is malloc'd
 * (free it), or NULL with -ENOENT when the key is absent. */
int store_meta_get(struct store *s, const char *key, char **out);
int store_meta_set(struct store *s, const char *key, const char *value);
/* Adds @delta to an integer fact (absent counts as 0), in one
 * transaction; the new value in *out. */
int store_meta_add(struct store *s, const char *key, int64_t delta,
		   int64_t *out);

/*
 * Offline repair, for `hearth store check|recover` with hearthd stopped
 * (they open @path themselves; no struct store). Thread-safe.
 *
 * store_check runs SQLite's full integrity check on the database file
 * @path without writing it, calling @problem with each problem found
 * (an empty file is one); the count in *problems. Returns 0 when the
 * check ran (whatever it found), else a code and the reason in @why.
 */
int store_check(const char *path,
		void (*problem)(const char *text, void *ud), void *ud,
		int *problems, char *why, size_t why_len);

/* What store_recover brought back and what it could not. */
struct store_recovery {
	size_t tables, rows;	  /* copied */
	size_t tables_lost;	  /* could not be read at all */
	size_t schema_lost;	  /* indexes, triggers, views not rebuilt */
	size_t rows_lost;	  /* read but refused by the new file */
	size_t damaged_ranges;	  /* unreadable stretches skipped */
	size_t orphans;		  /* rows dropped: their parent was lost */
	bool schema_damaged;	  /* sqlite_schema itself was cut short */
	char damaged_path[4200];  /* where the damaged file now is */
};

/*
 * Writes a new database with @path's schema (as sqlite_schema still
 * tells it) and every row that can still be read, skipping damaged
 * pages, then swaps it in: temp file, fsync, the damaged file kept as
 * @path.damaged-<UTC time> (its -wal beside it), rename, fsync of the
 * directory. @path itself is never written. On failure nothing is
 * swapped and @why says why.
 */
int store_recover(const char *path, struct store_recovery *out, char *why,
		  size_t why_len);

/* Hands the database files and @dir to @uid/@gid (before dropping root). */
int store_chown(struct store *s, const char *dir, uid_t uid, gid_t gid);

#endif
