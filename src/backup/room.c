/* SPDX-License-Identifier: MIT */
/* The backup room's daemon side: open, reload and close around its jobs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup_room.h"
#include "backup/internal.h"
#include "backup/store.h"
#include "base/log.h"

/* backup.hearth, else the hearth beside this hearthd, else PATH's. */
static void find_hearth(const struct cfg_backup *b, char *out, size_t cap)
{
	if (b->hearth) {
		snprintf(out, cap, "%s", b->hearth);
		return;
	}
	char self[PATH_MAX - 8];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(out, cap, "%s/hearth", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, cap, "hearth");
}

void backup_room_maybe_free(struct backup_room *r)
{
	if (!r->closing || r->run || r->n_recoveries)
		return;
	clock_timer_free(r->timer);
	free(r->jobs);
	config_unref(r->cfg);
	free(r);
}

static int room_open(const struct room_ctx *ctx, const struct config *cfg,
		     void **out)
{
	struct backup_room *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->loop = ctx->loop;
	r->store = ctx->store;
	r->clock = ctx->clock;
	r->cfg = config_ref((struct config *)cfg);
	find_hearth(backup_config(cfg), r->hearth, sizeof(r->hearth));
	int n = 0;
	int rc = backup_store_runs_interrupted(r->store, clock_wall_s(r->clock),
					       &n);
	if (!rc && n)
		log_warn("backup", "%d job runs were cut short when hearthd "
			 "last stopped (recorded as interrupted)", n);
	if (!rc)
		rc = backup_jobs_build(r, cfg, NULL, 0, &r->jobs, &r->n_jobs);
	if (!rc)
		rc = clock_timer_new(r->clock, backup_jobs_on_timer, r,
				     &r->timer);
	if (!rc && ctx->http)
		rc = backup_api_register(r, ctx->http);
	if (!rc)
		rc = backup_metrics_register(r, ctx->metrics);
	if (rc) {
		r->closing = true;
		backup_room_maybe_free(r);
		return rc;
	}
	log_info("backup", "%zu jobs; steps run %s", r->n_jobs, r->hearth);
	*out = r;
	return 0;
}

static int room_bind(void *room, struct room_services *services)
{
	struct backup_room *r = room;
	r->services = services;
	r->notify = services ? services->notify : NULL;
	return 0;
}

static int room_start(void *room)
{
	backup_live_recover_all(room);
	backup_jobs_tick(room);
	return 0;
}

struct staged {
	struct bk_job *jobs;
	size_t n;
};

static int room_reload_prepare(void *room, const struct config *cfg,
			       void **staged, struct room_refusal *why)
{
	struct backup_room *r = room;
	struct staged *s = calloc(1, sizeof(*s));
	(void)why;
	if (!s)
		return -ENOMEM;
	int rc = backup_jobs_build(r, cfg, r->jobs, r->n_jobs, &s->jobs, &s->n);
	if (rc) {
		free(s);
		return rc;
	}
	*staged = s;
	return 0;
}

static void room_reload_commit(void *room, const struct config *cfg,
			       void *staged)
{
	struct backup_room *r = room;
	struct staged *s = staged;
	free(r->jobs);
	r->jobs = s->jobs;
	r->n_jobs = s->n;
	free(s);
	/* The run under way keeps the config it started with. */
	config_unref(r->cfg);
	r->cfg = config_ref((struct config *)cfg);
	find_hearth(backup_config(cfg), r->hearth, sizeof(r->hearth));
	backup_jobs_tick(r);
}

static void room_reload_abort(void *room, void *staged)
{
	(void)room;
	struct staged *s = staged;
	free(s->jobs);
	free(s);
}

static void room_close(void *room)
{
	struct backup_room *r = room;
	r->closing = true;
	r->notify = NULL; /* the notify room may be gone before the last job */
	clock_timer_stop(r->timer);
	backup_jobs_cancel(r);
	backup_room_maybe_free(r);
}

static const char *room_state(void *room)
{
	(void)room;
	return "running";
}

const struct room_ops backup_room_ops = {
	.open = room_open,
	.bind = room_bind,
	.start = room_start,
	.reload_prepare = room_reload_prepare,
	.reload_commit = room_reload_commit,
	.reload_abort = room_reload_abort,
	.close = room_close,
	.state = room_state,
	.summary = backup_summary,
};
