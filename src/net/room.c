/* SPDX-License-Identifier: MIT */
/* The net room in hearthd: at start and on every reload it plans lab:'s links on this host, and with net.apply makes them so (on the work queue) and keeps them so: rtnetlink events and a periodic recheck start drift repairs. */
#include <errno.h>
#include <jansson.h>
#include <net/if.h>
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
#include "net/repair.h"
#include "net/watch.h"

/* Why a pass runs. */
enum net_why {
	NET_WHY_CONFIG, /* start or reload */
	NET_WHY_DRIFT,	/* an rtnetlink event or the recheck */
};

struct net_job {
	struct net_room *room;
	struct config *cfg; /* a reference: the snapshot planned for */
	bool apply;
	enum net_why why;
	/* Filled on the pool thread. */
	int rc;
	struct net_result res;
	char *text; /* the plan and the steps done (malloc'd) */
	char err[512];
};

struct net_room {
	struct workq *workq;	/* the daemon's (ctx is open()'s only) */
	uv_loop_t *loop;
	const struct clock *clock;
	struct config *cfg;	/* the current snapshot (a reference) */
	struct net_job *job;	/* in flight, or NULL */
	bool again;		/* a reload came while it ran */
	bool closing;		/* closed while a job ran: done frees */
	/* The last pass. */
	int last_rc;
	struct net_result last;
	char last_err[512];
	size_t passes, failures, applies;
	/* Drift repair (net.apply only): the watch, the names of the links
	 * lab: wants here (what an event must be about), the pacing. */
	bool drift_on; /* net.apply: drift checks run */
	struct net_watch *watch;
	char (*names)[NET_IFNAMSIZ];
	size_t n_names;
	struct net_repair pace;
	struct clock_timer *drift_timer; /* the pending check */
	struct clock_timer *recheck_timer;
	int64_t recheck_s; /* what recheck_timer runs at; 0 stopped */
	bool limit_logged;
	size_t repairs, repair_failures, drift_checks;
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

static void submit(struct net_room *r, enum net_why why);
static void schedule(struct net_room *r);

static void room_free(struct net_room *r)
{
	config_unref(r->cfg);
	free(r->names);
	free(r);
}

/* A drift pass logs only what it repaired: the items it changed and the
 * steps, not the links it left. */
static bool drift_line(const char *l)
{
	return strncmp(l, "leave ", 6) != 0 && !strstr(l, " to change, ");
}

static void job_done(void *ud, int status)
{
	struct net_job *j = ud;
	struct net_room *r = j->room;
	bool drift = j->why == NET_WHY_DRIFT;
	if (status == 0) {
		/* The plan and the steps, one log line each. */
		for (char *save = NULL, *l = j->text ? strtok_r(j->text, "\n", &save)
						     : NULL;
		     l; l = strtok_r(NULL, "\n", &save))
			if (!drift)
				log_info("net", "%s %s",
					 j->apply ? "apply:" : "plan:", l);
			else if ((j->res.changes || j->rc) && drift_line(l))
				log_info("net", "repair: %s", l);
		r->last_rc = j->rc;
		r->last = j->res;
		snprintf(r->last_err, sizeof(r->last_err), "%s",
			 j->rc ? j->err : "");
		r->passes++;
		r->failures += j->rc != 0;
		r->applies += j->res.applied;
		r->drift_checks += drift;
		r->repairs += drift && j->res.applied;
		r->repair_failures += drift && j->rc;
		if (j->rc && !drift)
			log_error("net", "%s failed: %s",
				  j->apply ? "apply" : "plan", j->err);
		else if (j->rc)
			log_error("net", "repair failed (next try in %llu s): %s",
				  (unsigned long long)net_repair_backoff_ms(
					  &r->pace) / 1000, j->err);
		else if (drift && j->res.applied)
			log_warn("net", "repaired drift: changes=%zu",
				 j->res.changes);
		else if (j->apply && !drift)
			log_info("net", "applied: changes=%zu", j->res.changes);
		if (!r->closing)
			net_repair_end(&r->pace, clock_now_ms(r->clock),
				       drift && j->res.applied, j->rc != 0);
	}
	free(j->text);
	config_unref(j->cfg);
	free(j);
	r->job = NULL;
	if (r->closing) {
		room_free(r);
		return;
	}
	if (r->again) {
		r->again = false;
		submit(r, NET_WHY_CONFIG);
	} else {
		schedule(r);
	}
}

static void submit(struct net_room *r, enum net_why why)
{
	const struct cfg_net *n = net_config(r->cfg);
	if (r->job) {
		r->again = r->again || why == NET_WHY_CONFIG;
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
	j->why = why;
	r->job = j;
	net_repair_begin(&r->pace);
	int rc = workq_submit(r->workq, job_work, job_done, j);
	if (rc) {
		log_error("net", "cannot queue the plan: %s", strerror(-rc));
		config_unref(j->cfg);
		free(j);
		r->job = NULL;
		net_repair_end(&r->pace, clock_now_ms(r->clock), false, true);
	}
}

/* ---- drift ---- */

/* Starts the timer of the pending drift check, if one is pending. */
static void schedule(struct net_room *r)
{
	uint64_t now = clock_now_ms(r->clock);
	uint64_t at = net_repair_next(&r->pace, now);
	if (!r->drift_on || !at) {
		clock_timer_stop(r->drift_timer);
		return;
	}
	if (r->pace.limited && !r->limit_logged) {
		log_warn("net", "%d repairs in the last minute: the next check "
				"waits %llu s (something keeps changing the links)",
			 NET_REPAIR_PER_MIN,
			 (unsigned long long)(at - now + 999) / 1000);
		r->limit_logged = true;
	} else if (!r->pace.limited) {
		r->limit_logged = false;
	}
	clock_timer_start(r->drift_timer, at - now, 0);
}

static void on_drift_timer(struct clock_timer *t, void *ud)
{
	struct net_room *r = ud;
	(void)t;
	if (!r->job)
		submit(r, NET_WHY_DRIFT);
}

static void on_recheck(struct clock_timer *t, void *ud)
{
	struct net_room *r = ud;
	(void)t;
	net_repair_poke(&r->pace, clock_now_ms(r->clock));
	schedule(r);
}

static bool is_ours(const struct net_room *r, const char *name)
{
	for (size_t i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i], name))
			return true;
	return false;
}

/* An event about a link lab: wants here (or one hearth made, which a
 * pass may have to remove), or lost events: a check is due. */
static void on_event(const struct net_rtnl_event *ev, void *ud)
{
	struct net_room *r = ud;
	char name[IF_NAMESIZE] = "";
	if (ev && ev->is_link && !ev->is_owned && !is_ours(r, ev->name))
		return;
	if (ev && !ev->is_link &&
	    (!if_indextoname((unsigned)ev->ifindex, name) || !is_ours(r, name)))
		return;
	net_repair_event(&r->pace, clock_now_ms(r->clock));
	schedule(r);
}

/* The names of the links @cfg wants here, for on_event. */
static int take_names(struct net_room *r, const struct config *cfg)
{
	const struct cfg_net *n = net_config(cfg);
	struct net_desired d;
	char host[256], why[256];
	int rc = net_desired_build(&cfg->lab,
				   net_this_host(&cfg->lab, n ? n->host : NULL,
						 host, sizeof(host)),
				   &d, why, sizeof(why));
	char (*names)[NET_IFNAMSIZ] = NULL;
	if (!rc && d.n && !(names = calloc(d.n, sizeof(*names))))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < d.n; i++)
		snprintf(names[i], sizeof(names[i]), "%s", d.links[i].name);
	if (!rc) {
		free(r->names);
		r->names = names;
		r->n_names = d.n;
	}
	net_desired_free(&d);
	return rc;
}

/* Watches with net.apply, not without; the recheck at net.recheck. */
static void drift_setup(struct net_room *r)
{
	const struct cfg_net *n = net_config(r->cfg);
	bool on = n && n->apply;
	int64_t every = on ? n->recheck : 0;
	r->drift_on = on;
	if (on && !r->watch) {
		int rc = net_watch_open(r->loop, on_event, r, &r->watch);
		if (rc)
			log_error("net", "cannot watch rtnetlink (drift is "
					 "repaired only by the recheck): %s",
				  strerror(-rc));
	} else if (!on && r->watch) {
		net_watch_close(r->watch);
		r->watch = NULL;
		clock_timer_stop(r->drift_timer);
	}
	if (every != r->recheck_s) {
		clock_timer_stop(r->recheck_timer);
		if (every > 0)
			clock_timer_start(r->recheck_timer,
					  (uint64_t)every * 1000,
					  (uint64_t)every * 1000);
		r->recheck_s = every;
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
	metrics_value(out, "hearth_net_drift_checks_total", "counter",
		      "passes started by an rtnetlink event or the recheck",
		      (double)r->drift_checks);
	metrics_value(out, "hearth_net_repairs_total", "counter",
		      "drift checks that found links changed and repaired them",
		      (double)r->repairs);
	metrics_value(out, "hearth_net_repair_failures_total", "counter",
		      "drift checks that failed (retried after a backoff)",
		      (double)r->repair_failures);
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
	r->loop = ctx->loop;
	r->clock = ctx->clock;
	r->cfg = config_ref((struct config *)cfg);
	net_repair_init(&r->pace);
	if ((rc = take_names(r, cfg)) ||
	    (rc = clock_timer_new(r->clock, on_drift_timer, r,
				  &r->drift_timer)) ||
	    (rc = clock_timer_new(r->clock, on_recheck, r, &r->recheck_timer)) ||
	    (rc = metrics_register(ctx->metrics, collect, r))) {
		clock_timer_free(r->drift_timer);
		clock_timer_free(r->recheck_timer);
		room_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int net_start(void *room)
{
	struct net_room *r = room;
	submit(r, NET_WHY_CONFIG);
	drift_setup(r);
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
	if (take_names(r, cfg))
		log_error("net", "out of memory: drift events may be missed "
				 "until the recheck");
	submit(r, NET_WHY_CONFIG);
	drift_setup(r);
}

static void net_close(void *room)
{
	struct net_room *r = room;
	if (!r)
		return;
	net_watch_close(r->watch);
	r->watch = NULL;
	clock_timer_free(r->drift_timer);
	clock_timer_free(r->recheck_timer);
	r->drift_timer = r->recheck_timer = NULL;
	if (r->job) {
		r->closing = true;
		r->again = false;
		return;
	}
	room_free(r);
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
	return json_pack("{s:s, s:I, s:I, s:b, s:I, s:I}", "mode",
			 n && n->apply ? "apply" : "plan only", "changes",
			 (json_int_t)r->last.changes, "conflicts",
			 (json_int_t)r->last.conflicts, "applied",
			 r->last.applied, "passes", (json_int_t)r->passes,
			 "repairs", (json_int_t)r->repairs);
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
