/* SPDX-License-Identifier: MIT */
/* The backup room's tables: the runs of its jobs (what ran, when, how it ended). Loop thread. */
#ifndef HEARTH_BACKUP_STORE_H
#define HEARTH_BACKUP_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"

extern const char *const backup_migrations[];

/* One run of a job, as kept. Strings are the caller's (or, from the
 * readers, valid during the callback only). */
struct backup_run {
	int64_t id;
	const char *job;
	int64_t started, finished; /* unix seconds; finished 0 while running */
	const char *result;	   /* running, ok, failed, skipped, interrupted */
	const char *step;	   /* the step it failed in, or "" */
	const char *message;	   /* why it failed, or the last output */
	const char *snapshots;	   /* the snapshot ids it made, blank-separated */
	const char *trigger;	   /* schedule, api */
	int64_t files;		   /* files in the snapshot (the last repository's) */
	int64_t bytes_added;	   /* over every repository */
};

/* A run that starts now: its id into *id. */
int backup_store_run_begin(struct store *s, const char *job, int64_t started,
			   const char *trigger, int64_t *id);
/* How run @id ended. */
int backup_store_run_end(struct store *s, int64_t id, int64_t finished,
			 const char *result, const char *step,
			 const char *message, const char *snapshots,
			 int64_t files, int64_t bytes_added);
/* Check @name (a check's key: "data 10%") of @job passed at @at. */
int backup_store_check_done(struct store *s, const char *job,
			    const char *name, int64_t at);
/* When it last passed into *at (-ENOENT: never). */
int backup_store_check_last(struct store *s, const char *job,
			    const char *name, int64_t *at);
/* Runs left "running" by a hearthd that died become "interrupted"; how
 * many into *n. */
int backup_store_runs_interrupted(struct store *s, int64_t now, int *n);
/* The start of the last run of @job into *started (-ENOENT: none). */
int backup_store_last_start(struct store *s, const char *job,
			    int64_t *started);
/* The last @limit runs of @job (NULL: every job), newest first; @fn
 * returns non-zero to stop (that value is returned). */
int backup_store_runs(struct store *s, const char *job, int limit,
		      int (*fn)(const struct backup_run *r, void *ud),
		      void *ud);

#endif
