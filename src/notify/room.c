/* SPDX-License-Identifier: MIT */
/* The notify room's lifecycle: its own HTTP server, the write strand, the Apprise side. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "base/log.h"
#include "notify/internal.h"
#include "notify/notify_room.h"

static void free_room(struct notify_room *r)
{
	notify_sched_deinit(&r->sched);
	clock_timer_free(r->sweep);
	workq_strand_free(r->strand);
	store_free(r->wstore);
	notify_auth_free(r);
	config_unref(r->cfg);
	free(r);
}

/* One of the things close waits for came back. */
static void let_go(void *ud)
{
	struct notify_room *r = ud;
	if (--r->pending == 0 && r->closing)
		free_room(r);
}

bool notify_strand_done(struct notify_room *r)
{
	bool last = r->pending == 1 && r->closing;
	let_go(r);
	return last;
}

static void room_close(void *room)
{
	struct notify_room *r = room;
	if (!r)
		return;
	r->closing = true;
	r->pending++; /* this function */
	notify_subs_close(r);
	notify_sched_clear(&r->sched);
	clock_timer_stop(r->sweep ? r->sweep : NULL);
	r->pending++;
	notify_apprise_close(r, let_go);
	if (r->http) {
		r->pending++;
		http_server_close(r->http, let_go, r);
		r->http = NULL;
	}
	let_go(r);
}

/* The room's metrics (the core's HTTP families are the daemon's
 * server's: this listener's requests are not in them). */
static void collect(struct buf *out, void *ud)
{
	struct notify_room *r = ud;
	static const char *const transports[] = {"json", "sse", "raw", "ws"};
	metrics_family(out, "hearth_notify_messages_published_total", "counter",
		       "messages accepted, by source: a client's HTTP publish "
		       "or another room's event (notify.routes)");
	metrics_sample(out, "hearth_notify_messages_published_total",
		       (double)r->stats.published[NOTIFY_FROM_HTTP], 1, "source",
		       "http");
	metrics_sample(out, "hearth_notify_messages_published_total",
		       (double)r->stats.published[NOTIFY_FROM_EVENT], 1,
		       "source", "event");
	metrics_family(out, "hearth_notify_messages_delivered_total", "counter",
		       "message events written to subscribers, by transport");
	for (int i = 0; i < 4; i++)
		metrics_sample(out, "hearth_notify_messages_delivered_total",
			       (double)r->stats.delivered[i], 1, "transport",
			       transports[i]);
	metrics_value(out, "hearth_notify_publish_refused_total", "counter",
		      "publishes answered with a 4xx",
		      (double)r->stats.refused);
	metrics_value(out, "hearth_notify_subscribers_dropped_total",
		      "counter", "subscribers dropped as too slow to read",
		      (double)r->stats.dropped);
	metrics_family(out, "hearth_notify_subscribers", "gauge",
		       "open subscriptions, by transport");
	for (int i = 0; i < 4; i++)
		metrics_sample(out, "hearth_notify_subscribers",
			       (double)r->stats.subs[i], 1, "transport",
			       transports[i]);
	metrics_value(out, "hearth_notify_attachments_bytes", "gauge",
		      "bytes of uploaded attachments kept",
		      (double)r->files_total);
	struct workq_stats ws;
	workq_get_stats(r->workq, &ws);
	metrics_value(out, "hearth_notify_write_queue_depth", "gauge",
		      "jobs waiting on the work queue (the room's writes "
		      "among them)", (double)ws.queued);
	struct metrics_hist_sum fo = {0};
	metrics_hist_add(&fo, &r->stats.fanout);
	metrics_family(out, "hearth_notify_fanout_duration_seconds",
		       "histogram", "time to hand one message to every "
		       "subscriber of its topic (framing, and a send to each "
		       "subscriber's socket)");
	metrics_hist_write(out, "hearth_notify_fanout_duration_seconds", &fo,
			   NULL, NULL);
	notify_auth_collect(out, r);
}

/* The cross-room publisher: the routes of the event; an event with no
 * route that reads "ntfy:TOPIC" goes to that topic. */
static int publish_route(void *ud, const struct room_notify_msg *m)
{
	struct notify_room *r = ud;
	const struct cfg_notify *n = notify_config(r->cfg);
	if (!m || !m->event)
		return -EINVAL;
	if (strncmp(m->event, "ntfy:", 5) == 0)
		return notify_publish_local(r, m->event + 5, m);
	int rc = -ENOENT, routed = 0;
	for (size_t i = 0; i <= n->n_routes; i++) {
		const char *const *tos;
		size_t n_to = 0;
		if (i < n->n_routes) { /* a route of the event */
			const struct cfg_notify_route *rt = &n->routes[i];
			if (strcmp(rt->event, m->event) != 0)
				continue;
			tos = (const char *const *)rt->to;
			n_to = rt->n_to;
		} else { /* then the sender's own targets */
			tos = m->to;
			while (tos && tos[n_to])
				n_to++;
		}
		for (size_t k = 0; k < n_to; k++) {
			const char *to = tos[k];
			int e = strncmp(to, "ntfy:", 5) == 0 && !strstr(to, "://")
					? notify_publish_local(r, to + 5, m)
					: notify_apprise_route(r, to, m);
			if (e)
				log_warn("notify", "event %s to %s: %s",
					 m->event, to, hearth_strerror(e));
			else
				routed++;
			rc = routed ? 0 : e;
		}
	}
	return rc;
}

/* state_dir/notify/attachments, and what it holds already. */
static int files_open(struct notify_room *r, const struct config *cfg)
{
	const struct cfg_notify *n = notify_config(cfg);
	char dir[3072];
	if (snprintf(dir, sizeof(dir), "%s/notify", cfg->state_dir) >=
	    (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) && errno != EEXIST)
		goto fail;
	snprintf(r->files_dir, sizeof(r->files_dir), "%s/attachments", dir);
	if (mkdir(r->files_dir, 0700) && errno != EEXIST)
		goto fail;
	if (notify_store_files_size(r->store, &r->files_total))
		r->files_total = 0;
	if (n->base_url) {
		snprintf(r->base_url, sizeof(r->base_url), "%s", n->base_url);
		size_t l = strlen(r->base_url);
		while (l && r->base_url[l - 1] == '/')
			r->base_url[--l] = '\0';
	} else {
		char a[ADDR_TEXT_MAX];
		sockaddr_format(&n->listen, a);
		snprintf(r->base_url, sizeof(r->base_url), "http://%s", a);
	}
	return 0;
fail:
	log_error("notify", "cannot create %s: %s", dir, strerror(errno));
	return -errno;
}

/* Bytes of a connection's pool past the header limit: libmicrohttpd's
 * record of each header line (56 bytes), its bookkeeping and the
 * stream's first chunk. With 8 KiB, a full http.max_header_bytes of
 * headers fits in up to 120 lines (more lines get libmicrohttpd's 431).
 * A held subscription gives its pool back once open (it leaves
 * libmicrohttpd: core/http_sock.c); the pool is what a request, or
 * thousands of subscribers connecting at once, hold meanwhile. */
#define NOTIFY_POOL_SLACK 8192

static int open_http(struct notify_room *r, const struct config *cfg)
{
	const struct cfg_notify *n = notify_config(cfg);
	const struct cfg_http *h = &cfg->http;
	struct http_server_opts o = {
		.listen = n->listen,
		.max_header_bytes = h->max_header_bytes,
		/* A body is a message or an attachment upload; a little
		 * more, so the room answers an oversized upload itself. */
		.max_body_bytes = (n->attachment_file_limit > n->message_size_limit * 2
					   ? n->attachment_file_limit
					   : n->message_size_limit * 2) +
				  4096,
		.max_connections = n->max_subscribers + h->max_connections,
		.idle_timeout = h->idle_timeout,
		.max_streams = n->max_subscribers,
		.max_streams_per_client = n->max_subscribers_per_client,
		.max_connections_per_client = n->max_subscribers_per_client +
					      h->max_connections_per_client,
		.header_timeout = h->header_timeout,
		/* A pool just over the header limit (the headers, MHD's
		 * list of them, the answer's head), not the default's twice. */
		.conn_memory = h->max_header_bytes + NOTIFY_POOL_SLACK,
	};
	int rc = http_server_new(r->loop, &o, &r->http);
	if (rc) {
		char text[ADDR_TEXT_MAX];
		sockaddr_format(&n->listen, text);
		log_error("notify", "cannot listen on %s: %s", text,
			  hearth_strerror(rc));
		return rc;
	}
	rc = notify_api_register(r);
	if (!rc)
		rc = metrics_register(r->metrics, collect, r);
	return rc;
}

static int room_open(const struct room_ctx *ctx, const struct config *cfg,
		     void **out)
{
	struct notify_room *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->loop = ctx->loop;
	r->clock = ctx->clock;
	r->metrics = ctx->metrics;
	r->http_client = ctx->http_client;
	r->store = ctx->store;
	r->cfg = config_ref((struct config *)cfg);
	r->workq = ctx->workq;
	r->publisher = (struct room_notify_publisher){.ud = r,
						      .publish = publish_route};
	int rc = notify_sched_init(&r->sched, r->clock, notify_publish_due, r);
	if (!rc)
		rc = files_open(r, cfg);
	if (!rc)
		rc = workq_strand_new(ctx->workq, &r->strand);
	if (!rc)
		rc = store_open_peer(r->store, &r->wstore);
	if (!rc)
		rc = open_http(r, cfg);
	if (!rc && ctx->http)
		rc = notify_mgmt_register(r, ctx->http);
	if (!rc)
		rc = notify_auth_open(r, ctx);
	if (!rc)
		rc = notify_apprise_open(r, ctx);
	if (rc) {
		room_close(r);
		return rc;
	}
	ctx->services->notify = &r->publisher;
	*out = r;
	return 0;
}

static int room_start(void *room)
{
	struct notify_room *r = room;
	int rc = http_server_start(r->http);
	if (!rc)
		rc = notify_publish_start(r);
	if (!rc)
		rc = notify_apprise_start(r);
	if (!rc) {
		char text[ADDR_TEXT_MAX];
		struct sockaddr_any a = http_server_address(r->http);
		sockaddr_format(&a, text);
		log_info("notify", "ntfy API on %s", text);
	}
	return rc;
}

static void room_reload_commit(void *room, const struct config *cfg,
			       void *staged)
{
	struct notify_room *r = room;
	(void)staged;
	config_unref(r->cfg);
	r->cfg = config_ref((struct config *)cfg);
	notify_auth_reload(r, cfg);
	notify_apprise_reload(r, cfg);
}

static const char *room_state(void *room)
{
	(void)room;
	return "running";
}

const struct room_ops notify_room_ops = {
	.open = room_open,
	.start = room_start,
	.reload_commit = room_reload_commit,
	.close = room_close,
	.state = room_state,
	.summary = notify_summary,
};
