/* SPDX-License-Identifier: MIT */
/* The net room in hearthd: at start and on every reload it plans lab:'s links on this host, and with net.apply makes them so (on the work queue). */
#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/privs.h"
#include "net/apply.h"
#include "net/config.h"
#include "net/internal.h"
#include "net/net_room.h"

struct net_job {
	struct net_room *room;
	struct config *cfg; /* a reference: the snapshot planned for */
	bool apply;
	/* Filled on the pool thread. */
	int rc;
	struct net_result res;
	char *text; /* the plan and the steps done (malloc'd) */
	char err[512];
};

struct net_room {
	struct workq *workq;	/* the daemon's (ctx is open()'s only) */
	struct config *cfg;	/* the current snapshot (a reference) */
	struct net_job *job;	/* in flight, or NULL */
	bool again;		/* a reload came while it ran */
	bool closing;		/* closed while a job ran: done frees */
	/* The last pass. */
	int last_rc;
	struct net_result last;
	char last_err[512];
	size_t passes, failures, applies;
};

static void job_work(void *ud)
{
	struct net_job *j = ud;
	const struct cfg_net *n = net_config(j->cfg);
	size_t len = 0;
	char host[256];
	FILE *f = open_memstream(&j->text, &len);
	if (!f) {
		j->rc = -ENOMEM;
		snprintf(j->err, sizeof(j->err), "out of memory");
		return;
	}
	j->rc = net_sync(&j->cfg->lab,
			 net_this_host(&j->cfg->lab, n ? n->host : NULL, host,
				       sizeof(host)),
			 j->apply, f, &j->res, j->err, sizeof(j->err));
	fclose(f);
}

static void submit(struct net_room *r);

static void job_done(void *ud, int status)
{
	struct net_job *j = ud;
	struct net_room *r = j->room;
	if (status == 0) {
		/* The plan and the steps, one log line each. */
		for (char *save = NULL, *l = j->text ? strtok_r(j->text, "\n", &save)
						     : NULL;
		     l; l = strtok_r(NULL, "\n", &save))
			log_info("net", "%s %s", j->apply ? "apply:" : "plan:", l);
		r->last_rc = j->rc;
		r->last = j->res;
		snprintf(r->last_err, sizeof(r->last_err), "%s",
			 j->rc ? j->err : "");
		r->passes++;
		r->failures += j->rc != 0;
		r->applies += j->res.applied;
		if (j->rc)
			log_error("net", "%s failed: %s",
				  j->apply ? "apply" : "plan", j->err);
		else if (j->apply)
			log_info("net", "applied: changes=%zu", j->res.changes);
	}
	free(j->text);
	config_unref(j->cfg);
	free(j);
	r->job = NULL;
	if (r->closing) {
		config_unref(r->cfg);
		free(r);
		return;
	}
	if (r->again) {
		r->again = false;
		submit(r);
	}
}

static void submit(struct net_room *r)
{
	const struct cfg_net *n = net_config(r->cfg);
	if (r->job) {
		r->again = true;
		return;
	}
	struct net_job *j = calloc(1, sizeof(*j));
	if (!j) {
		log_error("net", "out of memory");
		return;
	}
	j->room = r;
	j->cfg = config_ref(r->cfg);
	j->apply = n && n->apply;
	r->job = j;
	int rc = workq_submit(r->workq, job_work, job_done, j);
	if (rc) {
		log_error("net", "cannot queue the plan: %s", strerror(-rc));
		config_unref(j->cfg);
		free(j);
		r->job = NULL;
	}
}

/* What can fail in a pass without touching a link (a static address with
 * none to take): refused before the new config replaces the old. */
static int desired_ok(const struct config *cfg, char *why, size_t cap)
{
	const struct cfg_net *n = net_config(cfg);
	struct net_desired d;
	char host[256];
	int rc = net_desired_build(&cfg->lab,
				   net_this_host(&cfg->lab, n ? n->host : NULL,
						 host, sizeof(host)),
				   &d, why, cap);
	net_desired_free(&d);
	return rc;
}

static void collect(struct buf *out, void *ud)
{
	struct net_room *r = ud;
	metrics_value(out, "hearth_net_passes_total", "counter",
		      "plans made (at start and on each reload)",
		      (double)r->passes);
	metrics_value(out, "hearth_net_failures_total", "counter",
		      "plans or applies that failed (an apply rolled back)",
		      (double)r->failures);
	metrics_value(out, "hearth_net_applies_total", "counter",
		      "applies that changed links or the table",
		      (double)r->applies);
	metrics_value(out, "hearth_net_pending_changes", "gauge",
		      "links (and the table) the last plan would change",
		      (double)(r->last.applied ? 0 : r->last.changes));
	metrics_value(out, "hearth_net_conflicts", "gauge",
		      "links the last plan could not take over",
		      (double)r->last.conflicts);
}

static int net_open(const struct room_ctx *ctx, const struct config *cfg,
		    void **out)
{
	struct net_room *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	char why[256];
	int rc = desired_ok(cfg, why, sizeof(why));
	if (rc) {
		log_error("net", "%s", why);
		free(r);
		return rc;
	}
	r->workq = ctx->workq;
	r->cfg = config_ref((struct config *)cfg);
	rc = metrics_register(ctx->metrics, collect, r);
	if (rc) {
		config_unref(r->cfg);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int net_start(void *room)
{
	submit(room);
	return 0;
}

static int net_reload_prepare(void *room, const struct config *cfg,
			      void **staged, struct room_refusal *why)
{
	(void)room;
	*staged = NULL;
	return desired_ok(cfg, why->msg, sizeof(why->msg)) ? -EINVAL : 0;
}

static void net_reload_abort(void *room, void *staged)
{
	(void)room;
	(void)staged;
}

static void net_reload_commit(void *room, const struct config *cfg,
			      void *staged)
{
	struct net_room *r = room;
	(void)staged;
	config_unref(r->cfg);
	r->cfg = config_ref((struct config *)cfg);
	submit(r);
}

static void net_close(void *room)
{
	struct net_room *r = room;
	if (!r)
		return;
	if (r->job) {
		r->closing = true;
		r->again = false;
		return;
	}
	config_unref(r->cfg);
	free(r);
}

static const char *net_state(void *room)
{
	struct net_room *r = room;
	return r->last_rc || r->last.conflicts ? "degraded" : "running";
}

static const char *net_reason(void *room)
{
	struct net_room *r = room;
	if (r->last_rc)
		return r->last_err;
	if (r->last.conflicts)
		return "the plan has conflicts (see the log)";
	return NULL;
}

static uint64_t net_capabilities(void *room)
{
	struct net_room *r = room;
	const struct cfg_net *n = net_config(r->cfg);
	return n && n->apply ? PRIVS_CAP(CAP_NET_ADMIN) : 0;
}

static json_t *net_summary(void *room, bool details)
{
	struct net_room *r = room;
	const struct cfg_net *n = net_config(r->cfg);
	(void)details;
	return json_pack("{s:s, s:I, s:I, s:b, s:I}", "mode",
			 n && n->apply ? "apply" : "plan only", "changes",
			 (json_int_t)r->last.changes, "conflicts",
			 (json_int_t)r->last.conflicts, "applied",
			 r->last.applied, "passes", (json_int_t)r->passes);
}

const struct room_ops net_room_ops = {
	.open = net_open,
	.start = net_start,
	.reload_prepare = net_reload_prepare,
	.reload_commit = net_reload_commit,
	.reload_abort = net_reload_abort,
	.close = net_close,
	.state = net_state,
	.reason = net_reason,
	.capabilities = net_capabilities,
	.summary = net_summary,
};
