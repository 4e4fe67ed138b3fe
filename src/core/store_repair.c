/* SPDX-License-Identifier: MIT */
/* Offline store repair: the integrity check and the dump/reload recovery behind `hearth store`. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "core/store.h"

/* Bounds the skips over damaged pages in one table (each skip moves
 * forward, so a scan ends anyway; this bounds a pathological file). */
#define MAX_SKIPS 100000

static void say(char *why, size_t n, const char *fmt, const char *a,
		const char *b)
{
	if (why && n)
		snprintf(why, n, fmt, a, b);
}

/* Opens @path for reading only: nothing here writes the damaged file
 * (a read-only connection never checkpoints its log into it). */
static int open_ro(const char *path, sqlite3 **db, char *why, size_t n)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		say(why, n, "%s: %s", path, strerror(errno));
		return -errno;
	}
	int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		say(why, n, "%s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(*db);
		*db = NULL;
		return HEARTH_ESTORE;
	}
	return 0;
}

int store_check(const char *path,
		void (*problem)(const char *text, void *ud), void *ud,
		int *problems, char *why, size_t why_len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	*problems = 0;
	int rc = open_ro(path, &db, why, why_len);
	if (rc)
		return rc;
	if (stat(path, &sb) == 0 && sb.st_size == 0) {
		problem("the file is empty (0 bytes)", ud);
		(*problems)++;
		sqlite3_close(db);
		return 0;
	}
	rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && strcmp(t, "ok") != 0) {
			problem(t, ud);
			(*problems)++;
		}
	}
	if (rc != SQLITE_DONE) {
		/* The check itself could not go on: that is damage too. */
		problem(sqlite3_errmsg(db), ud);
		(*problems)++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

/* ---- recovery ---- */

struct schema_row {
	char *type, *name, *sql;
};

struct recover {
	sqlite3 *src, *dst;
	struct store_recovery *out;
	struct schema_row *rows;
	size_t n_rows;
};

static void free_schema(struct recover *r)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		free(r->rows[i].type);
		free(r->rows[i].name);
		free(r->rows[i].sql);
	}
	free(r->rows);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return strdup(t ? t : "");
}

/* What sqlite_schema still tells (as far as it can be read). */
static int read_schema(struct recover *r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(r->src,
				    "SELECT type, name, sql FROM sqlite_schema "
				    "WHERE sql IS NOT NULL ORDER BY rowid",
				    -1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		struct schema_row *n = realloc(r->rows, (r->n_rows + 1) *
							sizeof(*n));
		if (!n) {
			rc = SQLITE_NOMEM;
			break;
		}
		r->rows = n;
		n[r->n_rows++] = (struct schema_row){
			dup_col(st, 0), dup_col(st, 1), dup_col(st, 2)};
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		r->out->schema_damaged = true;
	return r->n_rows ? 0 : HEARTH_ESTORE;
}

/* The first rowid after @after that a fresh seek reads: 1 and *next,
 * 0 when none is left, -1 when the seek itself fails (a damaged page on
 * the way). */
static int probe(sqlite3_stmt *p, int64_t after, int64_t *next)
{
	sqlite3_reset(p);
	sqlite3_bind_int64(p, 1, after);
	int rc = sqlite3_step(p);
	if (rc == SQLITE_ROW) {
		*next = sqlite3_column_int64(p, 0);
		return 1;
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Where to go on after a read failed past rowid @last: the row right
 * after it when a seek finds it (its content was what failed: skip it),
 * else the smallest point past which seeks work again (doubling, then
 * bisecting). false when nothing past @last can be reached.
 */
static bool skip_damage(sqlite3_stmt *p, int64_t last, int64_t *resume)
{
	int64_t next;
	int got = probe(p, last, &next);
	if (got >= 0) {
		*resume = next;
		return got == 1;
	}
	int64_t lo = last, hi = last;
	for (uint64_t step = 1;; step *= 2) {
		hi = (uint64_t)INT64_MAX - (uint64_t)last <= step
			     ? INT64_MAX
			     : last + (int64_t)step;
		if (probe(p, hi, &next) >= 0)
			break;
		lo = hi;
		if (hi == INT64_MAX)
			return false;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (probe(p, mid, &next) >= 0)
			hi = mid;
		else
			lo = mid;
	}
	*resume = hi;
	return true;
}

/* Copies every row of table @name that can be read, skipping over what
 * cannot. Rows are inserted OR IGNORE: a duplicate is one copy. */
static int copy_table(struct recover *r, const char *name)
{
	sqlite3_stmt *sel = NULL, *ins = NULL, *pr = NULL;
	bool by_rowid = true;
	char *q = sqlite3_mprintf("SELECT rowid, * FROM \"%w\" WHERE rowid > ? "
				  "ORDER BY rowid", name);
	int rc = q ? sqlite3_prepare_v2(r->src, q, -1, &sel, NULL) : SQLITE_NOMEM;
	sqlite3_free(q);
	if (rc != SQLITE_OK) {
		/* WITHOUT ROWID: one pass in key order, up to a failure. */
		by_rowid = false;
		q = sqlite3_mprintf("SELECT 0, * FROM \"%w\"", name);
		rc = q ? sqlite3_prepare_v2(r->src, q, -1, &sel, NULL)
		       : SQLITE_NOMEM;
		sqlite3_free(q);
	}
	if (rc != SQLITE_OK) {
		r->out->tables_lost++;
		return 0;
	}
	if (by_rowid) {
		q = sqlite3_mprintf("SELECT rowid FROM \"%w\" WHERE rowid > ? "
				    "ORDER BY rowid LIMIT 1", name);
		rc = q ? sqlite3_prepare_v2(r->src, q, -1, &pr, NULL)
		       : SQLITE_NOMEM;
		sqlite3_free(q);
	}
	int ncol = sqlite3_column_count(sel) - 1;
	char *sql = sqlite3_mprintf("INSERT OR IGNORE INTO \"%w\" VALUES(?",
				    name);
	for (int i = 1; sql && i < ncol; i++) {
		char *more = sqlite3_mprintf("%s, ?", sql);
		sqlite3_free(sql);
		sql = more;
	}
	char *full = sql ? sqlite3_mprintf("%s)", sql) : NULL;
	sqlite3_free(sql);
	if (rc == SQLITE_OK)
		rc = full ? sqlite3_prepare_v2(r->dst, full, -1, &ins, NULL)
			  : SQLITE_NOMEM;
	sqlite3_free(full);
	int64_t last = INT64_MIN;
	for (int skips = 0; rc == SQLITE_OK && skips < MAX_SKIPS;) {
		sqlite3_bind_int64(sel, 1, last);
		int src_rc;
		while ((src_rc = sqlite3_step(sel)) == SQLITE_ROW) {
			last = sqlite3_column_int64(sel, 0);
			sqlite3_reset(ins);
			for (int i = 0; i < ncol; i++)
				sqlite3_bind_value(ins, i + 1,
						   sqlite3_column_value(sel, i + 1));
			int irc = sqlite3_step(ins);
			if (irc != SQLITE_DONE)
				r->out->rows_lost++;
			else if (sqlite3_changes(r->dst) > 0)
				r->out->rows++;
		}
		sqlite3_reset(sel);
		if (src_rc == SQLITE_DONE)
			break;
		r->out->damaged_ranges++;
		int64_t resume;
		if (!by_rowid || !skip_damage(pr, last, &resume))
			break;
		last = resume; /* the scan goes on past it */
		skips++;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	sqlite3_finalize(pr);
	if (rc == SQLITE_OK)
		r->out->tables++;
	else
		r->out->tables_lost++;
	return rc == SQLITE_NOMEM ? -ENOMEM : 0;
}

static bool is_internal(const char *name)
{
	return strncmp(name, "sqlite_", 7) == 0;
}

static int exec_dst(struct recover *r, const char *sql)
{
	return sqlite3_exec(r->dst, sql, NULL, NULL, NULL);
}

/* Removes rows whose parent was lost, so foreign keys hold again. */
static void drop_orphans(struct recover *r)
{
	sqlite3_stmt *st = NULL;
	for (int round = 0; round < 16; round++) {
		size_t dropped = 0;
		if (sqlite3_prepare_v2(r->dst, "PRAGMA foreign_key_check", -1,
				       &st, NULL) != SQLITE_OK)
			return;
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (sqlite3_column_type(st, 1) == SQLITE_NULL)
				continue;
			char *q = sqlite3_mprintf(
				"DELETE FROM \"%w\" WHERE rowid = %lld",
				(const char *)sqlite3_column_text(st, 0),
				(long long)sqlite3_column_int64(st, 1));
			if (q && exec_dst(r, q) == SQLITE_OK &&
			    sqlite3_changes(r->dst) > 0)
				dropped++;
			sqlite3_free(q);
		}
		sqlite3_finalize(st);
		r->out->orphans += dropped;
		if (!dropped)
			return;
	}
}

/* Builds @tmp from what @r->src still holds, in one transaction. */
static int rebuild(struct recover *r, char *why, size_t n)
{
	int rc = exec_dst(r, "PRAGMA synchronous = FULL; BEGIN");
	/* Tables and indexes first (a unique index then drops duplicate
	 * rows), the rows, then triggers and views, which must not fire
	 * while the rows come back. */
	static const char *const first[] = {"table", "index"};
	for (size_t k = 0; rc == SQLITE_OK && k < 2; k++)
		for (size_t i = 0; i < r->n_rows; i++)
			if (!strcmp(r->rows[i].type, first[k]) &&
			    !is_internal(r->rows[i].name) &&
			    exec_dst(r, r->rows[i].sql) != SQLITE_OK)
				r->out->schema_lost++;
	for (size_t i = 0; rc == SQLITE_OK && i < r->n_rows; i++)
		if (!strcmp(r->rows[i].type, "table") &&
		    !is_internal(r->rows[i].name) &&
		    copy_table(r, r->rows[i].name))
			rc = SQLITE_NOMEM;
	/* AUTOINCREMENT counters, when a table has one. */
	sqlite3_stmt *st = NULL;
	if (rc == SQLITE_OK &&
	    sqlite3_prepare_v2(r->src, "SELECT name, seq FROM sqlite_sequence",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			char *q = sqlite3_mprintf(
				"DELETE FROM sqlite_sequence WHERE name = %Q;"
				"INSERT INTO sqlite_sequence(name, seq) "
				"VALUES(%Q, %lld)",
				(const char *)sqlite3_column_text(st, 0),
				(const char *)sqlite3_column_text(st, 0),
				(long long)sqlite3_column_int64(st, 1));
			if (q)
				exec_dst(r, q);
			sqlite3_free(q);
		}
	}
	sqlite3_finalize(st);
	for (size_t i = 0; rc == SQLITE_OK && i < r->n_rows; i++)
		if ((!strcmp(r->rows[i].type, "trigger") ||
		     !strcmp(r->rows[i].type, "view")) &&
		    exec_dst(r, r->rows[i].sql) != SQLITE_OK)
			r->out->schema_lost++;
	if (rc == SQLITE_OK)
		drop_orphans(r);
	int64_t uv = 0;
	if (rc == SQLITE_OK &&
	    sqlite3_prepare_v2(r->src, "PRAGMA user_version", -1, &st, NULL) ==
		    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			uv = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		char q[64];
		snprintf(q, sizeof(q), "PRAGMA user_version = %lld",
			 (long long)uv);
		rc = exec_dst(r, q);
	}
	if (rc == SQLITE_OK)
		rc = exec_dst(r, "COMMIT");
	if (rc != SQLITE_OK) {
		say(why, n, "writing the new database: %s%s",
		    sqlite3_errmsg(r->dst), "");
		return rc == SQLITE_NOMEM ? -ENOMEM : HEARTH_ESTORE;
	}
	return 0;
}

static int fsync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

/* Puts @tmp in @path's place, keeping the damaged file (and its log,
 * which must never be applied to the new file) under @damaged. */
static int swap_in(const char *path, const char *tmp, const char *damaged,
		   char *why, size_t n)
{
	char a[4300], b[4400];
	int rc = fsync_path(tmp, O_RDONLY);
	if (rc) {
		say(why, n, "%s: %s", tmp, strerror(-rc));
		return rc;
	}
	if (link(path, damaged) != 0 && rename(path, damaged) != 0) {
		say(why, n, "keeping %s: %s", damaged, strerror(errno));
		return -errno;
	}
	snprintf(a, sizeof(a), "%s-wal", path);
	snprintf(b, sizeof(b), "%s-wal", damaged);
	struct stat st;
	if (stat(a, &st) == 0 && st.st_size == 0)
		unlink(a); /* an empty log holds nothing to keep */
	else if (rename(a, b) != 0 && errno != ENOENT) {
		say(why, n, "moving %s: %s", a, strerror(errno));
		return -errno;
	}
	snprintf(a, sizeof(a), "%s-shm", path);
	unlink(a);
	if (rename(tmp, path) != 0) {
		say(why, n, "%s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(a, sizeof(a), "%s", path);
	return fsync_path(dirname(a), O_RDONLY | O_DIRECTORY);
}

int store_recover(const char *path, struct store_recovery *out, char *why,
		  size_t why_len)
{
	struct recover r = {.out = out};
	char tmp[4200], journal[4300];
	int rc;
	memset(out, 0, sizeof(*out));
	snprintf(tmp, sizeof(tmp), "%s.recover-tmp", path);
	rc = open_ro(path, &r.src, why, why_len);
	if (rc)
		return rc;
	if (read_schema(&r)) {
		say(why, why_len, "%s: no table can be read (%s): nothing to "
				  "recover; restore it from a backup, or move "
				  "it away to start with an empty store",
		    path, sqlite3_errmsg(r.src));
		rc = HEARTH_ESTORE;
		goto out;
	}
	unlink(tmp);
	snprintf(journal, sizeof(journal), "%s-journal", tmp);
	unlink(journal);
	if (sqlite3_open_v2(tmp, &r.dst,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		say(why, why_len, "%s: %s", tmp, sqlite3_errmsg(r.dst));
		rc = HEARTH_ESTORE;
		goto out;
	}
	rc = rebuild(&r, why, why_len);
	if (rc)
		goto out;
	sqlite3_close(r.dst);
	r.dst = NULL;
	sqlite3_close(r.src);
	r.src = NULL;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out->damaged_path, sizeof(out->damaged_path),
		 "%s.damaged-%s", path, stamp);
	rc = swap_in(path, tmp, out->damaged_path, why, why_len);
out:
	if (rc) {
		unlink(tmp);
		out->damaged_path[0] = '\0';
	}
	sqlite3_close(r.dst);
	sqlite3_close(r.src);
	free_schema(&r);
	return rc;
}
