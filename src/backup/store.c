/* SPDX-License-Identifier: MIT */
/* The backup room's tables: job runs, through core/sql.h. */
#include "backup/store.h"

#include <errno.h>

#include "core/sql.h"

const char *const backup_migrations[] = {
	/* 0 -> 1: the runs of backup.jobs. */
	"CREATE TABLE backup_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  job TEXT NOT NULL,"
	"  started INTEGER NOT NULL," /* unix seconds */
	"  finished INTEGER NOT NULL DEFAULT 0,"
	"  result TEXT NOT NULL DEFAULT 'running',"
	"  step TEXT NOT NULL DEFAULT '',"
	"  message TEXT NOT NULL DEFAULT '',"
	"  snapshots TEXT NOT NULL DEFAULT '',"
	"  trigger TEXT NOT NULL DEFAULT '',"
	"  files INTEGER NOT NULL DEFAULT 0,"
	"  bytes_added INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX backup_runs_job ON backup_runs(job, started);"
	/* when each check of a job last passed (for its frequency) */
	"CREATE TABLE backup_checks ("
	"  job TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (job, name)"
	");",
	NULL,
};

/* Runs kept per job: the oldest beyond it go as a new one begins. */
#define RUNS_KEPT 500

int backup_store_run_begin(struct store *s, const char *job, int64_t started,
			   const char *trigger, int64_t *id)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL,
		"INSERT INTO backup_runs(job, started, trigger) VALUES(?, ?, ?)",
		"tit", job, started, trigger);
	sql_run(&t, NULL,
		"DELETE FROM backup_runs WHERE job = ? AND id NOT IN (SELECT id "
		"FROM backup_runs WHERE job = ? ORDER BY id DESC LIMIT ?)",
		"tti", job, job, (int64_t)RUNS_KEPT);
	int rc = sql_commit(&t);
	if (rc)
		return rc;
	return sql_one_int(s, id, "SELECT MAX(id) FROM backup_runs WHERE job = ?",
			   "t", job);
}

int backup_store_run_end(struct store *s, int64_t id, int64_t finished,
			 const char *result, const char *step,
			 const char *message, const char *snapshots,
			 int64_t files, int64_t bytes_added)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL,
		"UPDATE backup_runs SET finished = ?, result = ?, step = ?, "
		"message = ?, snapshots = ?, files = ?, bytes_added = ? "
		"WHERE id = ?",
		"ittttiii", finished, result, step, message, snapshots, files,
		bytes_added, id);
	return sql_commit(&t);
}

int backup_store_check_done(struct store *s, const char *job,
			    const char *name, int64_t at)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, NULL,
		"INSERT INTO backup_checks(job, name, at) VALUES(?, ?, ?) "
		"ON CONFLICT(job, name) DO UPDATE SET at = excluded.at",
		"tti", job, name, at);
	return sql_commit(&t);
}

int backup_store_check_last(struct store *s, const char *job,
			    const char *name, int64_t *at)
{
	return sql_one_int(s, at,
			   "SELECT at FROM backup_checks WHERE job = ? AND "
			   "name = ?",
			   "tt", job, name);
}

int backup_store_runs_interrupted(struct store *s, int64_t now, int *n)
{
	struct sql_txn t;
	sql_begin(s, &t);
	sql_run(&t, n,
		"UPDATE backup_runs SET finished = ?, result = 'interrupted', "
		"message = 'hearthd stopped while it ran' WHERE result = 'running'",
		"i", now);
	return sql_commit(&t);
}

int backup_store_last_start(struct store *s, const char *job,
			    int64_t *started)
{
	return sql_one_int(s, started,
			   "SELECT started FROM backup_runs WHERE job = ? "
			   "ORDER BY id DESC LIMIT 1",
			   "t", job);
}

int backup_store_runs(struct store *s, const char *job, int limit,
		      int (*fn)(const struct backup_run *r, void *ud),
		      void *ud)
{
	struct sql_rows rows;
	sql_query(s, &rows,
		  "SELECT id, job, started, finished, result, step, message, "
		  "snapshots, trigger, files, bytes_added FROM backup_runs WHERE ? = '' OR job = ? "
		  "ORDER BY id DESC LIMIT ?",
		  "tti", job ? job : "", job ? job : "", (int64_t)limit);
	while (sql_next(&rows)) {
		struct backup_run r = {
			.id = sql_col_int(&rows, 0),
			.job = sql_col_text(&rows, 1),
			.started = sql_col_int(&rows, 2),
			.finished = sql_col_int(&rows, 3),
			.result = sql_col_text(&rows, 4),
			.step = sql_col_text(&rows, 5),
			.message = sql_col_text(&rows, 6),
			.snapshots = sql_col_text(&rows, 7),
			.trigger = sql_col_text(&rows, 8),
			.files = sql_col_int(&rows, 9),
			.bytes_added = sql_col_int(&rows, 10),
		};
		int rc = fn(&r, ud);
		if (rc)
			sql_stop(&rows, rc);
	}
	return sql_end(&rows);
}
