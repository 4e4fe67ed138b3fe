/* SPDX-License-Identifier: MIT */
/* What the backup room's daemon files share: the room, its jobs and the run under way. Loop thread. */
#ifndef HEARTH_BACKUP_INTERNAL_H
#define HEARTH_BACKUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "backup/config.h"
#include "core/proc.h"
#include "core/room.h"
#include "proto/backup/job.h"

/* Repositories and checks a job's sizes and due checks are kept for. */
#define BK_JOB_MAX_REPOS 8
#define BK_JOB_MAX_CHECKS 8

/* A configured job as the room tracks it (kept by name across reloads). */
struct bk_job {
	char name[64];
	struct bk_schedule sched;
	bool scheduled;	     /* has a schedule */
	int64_t last_start;  /* unix seconds; -1: never */
	int64_t next_due;    /* unix seconds; -1: only when asked */
	bool queued;	     /* waits for the run under way */
	const char *trigger; /* why it is queued: "schedule" or "api" */
	char last_result[16];
	int64_t last_finish, last_success;
	int64_t last_duration, last_bytes_added; /* of the last run that ended */
	uint64_t runs[4]; /* by result: ok, failed, skipped, interrupted */
	/* each repository's size as the last stats step read it */
	struct {
		char repo[256];
		int64_t bytes;
	} sizes[BK_JOB_MAX_REPOS];
	size_t n_sizes;
};

enum { BK_OK, BK_FAILED, BK_SKIPPED, BK_INTERRUPTED };

/* The run under way (one at a time, as borgmatic runs them). */
struct bk_run {
	struct backup_room *room;
	struct config *cfg; /* a reference: the job's strings live in it */
	const struct cfg_backup_job *job;
	struct bk_job_shape shape;
	struct bk_step step;
	struct proc *proc;
	int64_t id, started;
	const char *trigger;
	bool failed, skipped, cancelled;
	char failed_step[32];
	char error[1024];
	char snapshots[8 * 65]; /* the ids it made, blank-separated */
	size_t due[BK_JOB_MAX_CHECKS]; /* the job's checks due this run */
	char live_state[4096]; /* the live volumes' record (jobs with some) */
	char live_args[8][1024]; /* --libvirt DOMAIN:DISK:URI values */
	bool recovering; /* the undo child after a failed backup runs */
	bool next_ok, next_skip; /* how the step before it ended */
	int64_t files, bytes_added;	/* from the backups' summaries */
};

struct backup_room {
	uv_loop_t *loop;
	struct store *store;
	const struct clock *clock;
	struct config *cfg;
	struct bk_job *jobs;
	size_t n_jobs;
	struct clock_timer *timer;
	struct bk_run *run;
	struct room_notify_publisher *notify;
	struct room_services *services;
	char hearth[PATH_MAX]; /* the CLI the steps run */
	/* undo children started at start (jobs wait for them) */
	struct proc *recoveries[16];
	size_t n_recoveries;
	bool closing;
};

/* jobs.c: the jobs of @cfg, keeping what @old knew of those of the same
 * name (last start, counters); last starts of new ones from the store. */
int backup_jobs_build(struct backup_room *r, const struct config *cfg,
		      const struct bk_job *old, size_t n_old,
		      struct bk_job **out, size_t *n);
/* Queues the jobs that are due and starts the next one; re-arms the
 * timer for the next due time. */
void backup_jobs_tick(struct backup_room *r);
/* The room's timer callback (@ud the room): backup_jobs_tick. */
void backup_jobs_on_timer(struct clock_timer *t, void *ud);
/* Queues job @name now ("api"): 0, -ENOENT, or -EBUSY when it is queued
 * or running already. */
int backup_jobs_request(struct backup_room *r, const char *name);
/* Ends the run under way (close): its child gets SIGTERM; the run is
 * recorded as interrupted. */
void backup_jobs_cancel(struct backup_room *r);
/* The job named @name, or NULL. */
struct bk_job *backup_job_find(struct backup_room *r, const char *name);
/* The record of job @job's live volumes below @cfg's state dir. */
void backup_live_state(const struct config *cfg, const char *job, char *out,
		       size_t cap);
/* Starts `hearth backup libvirt-recover` for every record left below the
 * state dir (hearthd was killed during a live-volume backup). */
void backup_live_recover_all(struct backup_room *r);
/* Frees the room once closing and no run is left. */
void backup_room_maybe_free(struct backup_room *r);

/* api.c: routes under /api/v1/backup/ and the metrics. */
int backup_api_register(struct backup_room *r, struct http_server *http);
int backup_metrics_register(struct backup_room *r, struct metrics *m);
json_t *backup_summary(void *room, bool details);

#endif
