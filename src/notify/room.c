/* SPDX-License-Identifier: MIT */
/* The notify room's lifecycle: its own HTTP server, the write strand, the Apprise side. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "notify/internal.h"
#include "notify/notify_room.h"

static void free_room(struct notify_room *r)
{
	workq_strand_free(r->strand);
	store_free(r->wstore);
	config_unref(r->cfg);
	free(r);
}

/* One of the things close waits for came back. */
static void let_go(void *ud)
{
	struct notify_room *r = ud;
	if (--r->pending == 0)
		free_room(r);
}

static void room_close(void *room)
{
	struct notify_room *r = room;
	if (!r)
		return;
	r->closing = true;
	r->pending++; /* this function */
	r->pending++;
	notify_apprise_close(r, let_go);
	if (r->http) {
		r->pending++;
		http_server_close(r->http, let_go, r);
		r->http = NULL;
	}
	let_go(r);
}

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
		rc = metrics_register(r->metrics, http_server_collect, r->http);
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
	int rc = workq_strand_new(ctx->workq, &r->strand);
	if (!rc)
		rc = store_open_peer(r->store, &r->wstore);
	if (!rc)
		rc = open_http(r, cfg);
	if (!rc)
		rc = notify_apprise_open(r, ctx);
	if (rc) {
		room_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int room_start(void *room)
{
	struct notify_room *r = room;
	int rc = http_server_start(r->http);
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
};
