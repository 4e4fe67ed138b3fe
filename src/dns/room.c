/* SPDX-License-Identifier: MIT */
/* The dns room's lifecycle: load, bind, serve, reload (snapshot swap), stop. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/config.h"
#include "dns/dns_room.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"

/* An old snapshot waiting for the grace period after which no worker
 * can still be reading it. */
struct retired {
	struct rcu_head head;
	struct dns_snapshot *snap;
	bool trim;
};

/* On liburcu's call_rcu thread, off the loop. */
static void retired_free(struct rcu_head *h)
{
	struct retired *t = caa_container_of(h, struct retired, head);
	dns_snapshot_free(t->snap);
	/* A reload leaves freed scratch (the builders, SQLite rows) in the
	 * heap: hand it back so RSS is the zones, not their history. */
	if (t->trim)
		malloc_trim(0);
	free(t);
}

/*
 * Publishes @next. The old snapshot is freed by liburcu's call_rcu
 * thread after a grace period, so the loop never waits for workers;
 * @trim (reloads, not API changes) trims the heap after that. The swap
 * is a release (the workers' load an acquire): what rcu_xchg_pointer
 * does, but through the compiler's atomics, which ThreadSanitizer sees
 * (it cannot see liburcu's asm).
 */
static void publish(struct dns_room *r, struct dns_snapshot *next, bool trim)
{
	struct dns_snapshot *old =
		__atomic_exchange_n(&r->snap, next, __ATOMIC_ACQ_REL);
	r->pub_gen++;
	dns_summary_note(r, next);
	if (!old)
		return;
	struct retired *t = malloc(sizeof(*t));
	if (!t) {
		synchronize_rcu(); /* the loop thread is offline: no deadlock */
		dns_snapshot_free(old);
		return;
	}
	t->snap = old;
	t->trim = trim;
	/* QSBR: call_rcu wants a registered thread that is online. */
	rcu_thread_online();
	call_rcu(&t->head, retired_free);
	rcu_thread_offline();
}

static void log_zones(const struct dns_snapshot *s)
{
	for (size_t i = 0; i < s->zs.n; i++) {
		char apex[DNS_NAME_TEXT_MAX];
		const struct dns_zone *z = s->zs.zones[i];
		dns_name_to_text(&z->apex, apex, sizeof(apex));
		log_info("dns", "serving zone=%s serial=%u records=%zu", apex,
			 z->serial, z->n_records);
	}
}


static void zone_sample(struct buf *out, const char *name,
			const struct dns_zone *z, double v)
{
	char apex[DNS_NAME_TEXT_MAX];
	dns_name_to_text(&z->apex, apex, sizeof(apex));
	metrics_sample(out, name, v, 1, "zone", apex);
}

static void collect(struct buf *out, void *ud)
{
	struct dns_room *r = ud;
	struct dns_stats_sum s;
	dns_stats_total(r, &s);
	metrics_family(out, "hearth_dns_queries_total", "counter",
		       "DNS queries received, by transport");
	metrics_sample(out, "hearth_dns_queries_total", (double)s.queries[0],
		       1, "transport", "udp");
	metrics_sample(out, "hearth_dns_queries_total", (double)s.queries[1],
		       1, "transport", "tcp");
	metrics_family(out, "hearth_dns_responses_total", "counter",
		       "DNS responses by rcode");
	for (unsigned i = 0; i < 16; i++) {
		char b[16];
		if (s.rcode[i] || i <= DNS_R_REFUSED)
			metrics_sample(out, "hearth_dns_responses_total",
				       (double)s.rcode[i], 1, "rcode",
				       dns_rcode_name(i, b));
	}
	metrics_family(out, "hearth_dns_queries_by_type_total", "counter",
		       "DNS queries answered, by query type");
	for (unsigned i = 0; i < DNS_STAT_TYPES; i++)
		metrics_sample(out, "hearth_dns_queries_by_type_total",
			       (double)s.qtype[i], 1, "qtype",
			       dns_stat_type_names[i]);
	metrics_value(out, "hearth_dns_dropped_total", "counter",
		      "DNS messages dropped unanswered (not a query)",
		      (double)s.dropped);
	metrics_value(out, "hearth_dns_truncated_total", "counter",
		      "DNS responses sent with TC=1",
		      (double)s.truncated);
	metrics_family(out, "hearth_dns_answer_duration_seconds", "histogram",
		       "from a query read to its answer made in hearthd (not "
		       "forwarded: see hearth_dns_upstream_latency_seconds), by "
		       "source");
	metrics_hist_write(out, "hearth_dns_answer_duration_seconds",
			   &s.answer[DNS_SRC_AUTH], "source", "auth");
	metrics_hist_write(out, "hearth_dns_answer_duration_seconds",
			   &s.answer[DNS_SRC_CACHE], "source", "cache");
	dns_tcp_collect(r->tcp, out);
	if (r->fwd)
		dns_fwd_collect(r->fwd, out);
	uint64_t sent, acked, failed;
	dns_notify_counts(r->notify, &sent, &acked, &failed);
	metrics_family(out, "hearth_dns_notify_total", "counter",
		       "NOTIFY messages to secondaries, by outcome");
	metrics_sample(out, "hearth_dns_notify_total", (double)sent, 1,
		       "outcome", "sent");
	metrics_sample(out, "hearth_dns_notify_total", (double)acked, 1,
		       "outcome", "acked");
	metrics_sample(out, "hearth_dns_notify_total", (double)failed, 1,
		       "outcome", "failed");
	const struct dns_snapshot *snap = r->snap;
	/* A family's samples stay together: one loop per family. */
	metrics_family(out, "hearth_dns_zone_records", "gauge",
		       "records served per zone");
	for (size_t i = 0; snap && i < snap->zs.n; i++)
		zone_sample(out, "hearth_dns_zone_records", snap->zs.zones[i],
			    (double)snap->zs.zones[i]->n_records);
	metrics_family(out, "hearth_dns_zone_serial", "gauge",
		       "SOA serial served per zone");
	for (size_t i = 0; snap && i < snap->zs.n; i++)
		zone_sample(out, "hearth_dns_zone_serial", snap->zs.zones[i],
			    (double)snap->zs.zones[i]->serial);
}

static void room_close(void *room);

static int room_open(const struct room_ctx *ctx, const struct config *cfg,
		     void **out)
{
	struct dns_room *r = calloc(1, sizeof(*r));
	struct dns_snapshot *snap = NULL;
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	/* The loop thread queues old snapshots with call_rcu, which
	 * liburcu-qsbr wants from a registered thread; it stays offline
	 * otherwise, so grace periods never wait for the loop. */
	rcu_register_thread();
	rcu_thread_offline();
	r->loop = ctx->loop;
	r->clock = ctx->clock;
	r->started_ms = uv_now(ctx->loop);
	r->store = ctx->store;
	r->cfg = config_ref((struct config *)cfg);
	rc = dns_load(r->store, cfg, NULL, 0, NULL, &snap, &r->degraded,
		      &r->refused);
	if (rc)
		goto fail;
	r->snap = snap;
	dns_summary_note(r, snap);
	r->head = dns_snapshot_dup(snap);
	if (!r->head) {
		rc = -ENOMEM;
		goto fail;
	}
	malloc_trim(0);
	log_zones(snap);
	r->rings = dns_rings_new();
	rc = r->rings ? dns_udp_open(r, dns_config(cfg), &r->udp) : -ENOMEM;
	if (!rc)
		rc = dns_tcp_open(r, dns_config(cfg), &r->tcp);
	if (!rc)
		rc = dns_notify_open(r, &r->notify);
	if (!rc)
		rc = dns_fwd_open(r, cfg, &r->fwd);
	if (!rc)
		rc = dns_write_open(r, ctx);
	if (!rc)
		rc = metrics_register(ctx->metrics, collect, r);
	if (!rc && ctx->http)
		rc = dns_api_register(r, ctx->http);
	if (!rc && ctx->http)
		rc = dns_import_register(r, ctx->http);
	if (!rc && ctx->services)
		rc = dns_dynamic_open(r, ctx->services);
	if (rc)
		goto fail;
	*out = r;
	return 0;
fail:
	room_close(r);
	return rc;
}

static int room_start(void *room)
{
	struct dns_room *r = room;
	dns_qlog_configure(&r->qlog, dns_config(r->cfg)->log_queries);
	int rc = dns_udp_start(r->udp);
	if (!rc)
		rc = dns_tcp_start(r->tcp);
	if (!rc) {
		for (size_t i = 0; i < dns_config(r->cfg)->n_listen; i++) {
			char text[ADDR_TEXT_MAX];
			sockaddr_format(&dns_config(r->cfg)->listen[i], text);
			log_info("dns", "listening on %s (udp, tcp)", text);
		}
		dns_notify_zones(r->notify, r->snap, dns_config(r->cfg), true);
		dns_refusals_publish(&r->refused, r->alerts);
	}
	return rc;
}

/* Every room has opened: the notify room's publisher, if it runs. */
static int room_bind(void *room, struct room_services *services)
{
	struct dns_room *r = room;
	r->alerts = services->notify;
	return 0;
}

int dns_room_refresh(struct dns_room *r)
{
	struct dns_snapshot *snap = NULL;
	bool degraded = false;
	int rc = dns_build(r->store, r->cfg, r->dyn, r->n_dyn, r->snap, NULL,
			   true, &snap, &degraded);
	if (rc) {
		log_error("dns", "refresh: %s; zones stay as they were",
			  hearth_strerror(rc));
		return rc;
	}
	publish(r, snap, false);
	r->degraded = degraded;
	dns_notify_zones(r->notify, snap, dns_config(r->cfg), false);
	return 0;
}

void dns_room_publish_built(struct dns_room *r, struct dns_snapshot *snap,
			    int degraded)
{
	bool now = r->degraded;
	if (!snap || r->pub_gen != r->strand_gen) {
		/*
		 * A reload or lease names were published after the strand's
		 * last publication (or the strand could not build): what
		 * the strand built may lack them. Rebuilt here from both
		 * snapshots, only the zones neither has as the store and
		 * config now say are built: those the other publication
		 * changed, normally small.
		 */
		struct dns_snapshot *merged = NULL;
		int rc = dns_build(r->store, r->cfg, r->dyn, r->n_dyn, snap,
				   r->snap, false, &merged, &now);
		dns_snapshot_free(snap);
		if (rc) {
			log_error("dns", "refresh: %s; zones stay as they were",
				  hearth_strerror(rc));
			return;
		}
		snap = merged;
	} else if (degraded >= 0) {
		now = degraded;
	}
	struct dns_snapshot *head = dns_snapshot_dup(snap);
	if (head) {
		dns_snapshot_free(r->head);
		r->head = head;
	}
	publish(r, snap, false);
	/* With no copy the strand's next build reconciles here. */
	r->strand_gen = head ? r->pub_gen : r->pub_gen - 1;
	r->degraded = now;
	dns_notify_zones(r->notify, snap, dns_config(r->cfg), false);
}

/* Reload, phase 1: the new zones are built (everything that can fail),
 * nothing served changes yet. */
static int room_reload_prepare(void *room, const struct config *cfg,
			       void **staged, struct room_refusal *why)
{
	struct dns_room *r = room;
	struct dns_snapshot *snap = NULL;
	bool degraded = false;
	memset(&r->staged_refused, 0, sizeof(r->staged_refused));
	int rc = dns_load(r->store, cfg, r->dyn, r->n_dyn, r->snap, &snap,
			  &degraded, &r->staged_refused);
	if (rc) {
		snprintf(why->msg, sizeof(why->msg), "zones: %s",
			 hearth_strerror(rc));
		return rc;
	}
	r->staged_degraded = degraded;
	*staged = snap;
	return 0;
}

/* Phase 2: serve them, with the new limits and forwarding. */
static void room_reload_commit(void *room, const struct config *cfg,
			       void *staged)
{
	struct dns_room *r = room;
	struct dns_snapshot *snap = staged;
	publish(r, snap, true);
	r->degraded = r->staged_degraded;
	dns_tcp_set_limits(r->tcp, dns_config(cfg));
	dns_qlog_configure(&r->qlog, dns_config(cfg)->log_queries);
	if (dns_fwd_configure(r->fwd, cfg))
		log_error("dns", "reload: forwarding keeps its old settings");
	config_unref(r->cfg);
	r->cfg = config_ref((struct config *)cfg);
	dns_notify_zones(r->notify, snap, dns_config(r->cfg), false);
	dns_refusals_publish(&r->staged_refused, r->alerts);
	r->reloads++;
	log_zones(snap);
}

static void room_reload_abort(void *room, void *staged)
{
	(void)room;
	dns_snapshot_free(staged);
}

void dns_room_free(struct dns_room *r)
{
	dns_write_close(r);
	dns_snapshot_free(r->head);
	dns_snapshot_free(r->snap);
	rcu_barrier(); /* snapshots still queued on the call_rcu thread */
	rcu_unregister_thread();
	config_unref(r->cfg);
	dns_rings_free(r->rings);
	dns_summary_free(r);
	free(r);
}

static void room_close(void *room)
{
	struct dns_room *r = room;
	if (!r)
		return;
	dns_fwd_close(r->fwd); /* before the sockets it answers through */
	dns_udp_close(r->udp); /* joins the workers: no reader remains */
	dns_tcp_close(r->tcp);
	dns_notify_close(r->notify);
	dns_dynamic_close(r);
	if (r->writes) {
		/* The API's writes still in flight commit and answer; the
		 * last one frees the room. */
		r->closing = true;
		return;
	}
	dns_room_free(r);
}

static const char *room_state(void *room)
{
	struct dns_room *r = room;
	return r->degraded ? "degraded" : "running";
}

static const char *room_reason(void *room)
{
	struct dns_room *r = room;
	return r->degraded ? "a zone file, a stored zone or a lab record "
			     "could not be loaded (the log names it); the "
			     "rest is served"
			   : NULL;
}

const struct room_ops dns_room_ops = {
	.open = room_open,
	.bind = room_bind,
	.start = room_start,
	.reload_prepare = room_reload_prepare,
	.reload_commit = room_reload_commit,
	.reload_abort = room_reload_abort,
	.close = room_close,
	.state = room_state,
	.reason = room_reason,
	.summary = dns_summary,
};
