/* SPDX-License-Identifier: MIT */
/* Deferred HTTP responses: libmicrohttpd suspend/resume on the loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_priv.h"

static void free_handle(uv_handle_t *h)
{
	free(h); /* the handle is the first member of what was allocated */
}

/* ---- watching suspended connections ---- */

struct conn_watch {
	uv_poll_t poll; /* first: freed through it */
	struct reqctx *ctx; /* NULL once stopped */
};

static void on_watch(uv_poll_t *p, int status, int events)
{
	struct conn_watch *w = (struct conn_watch *)p;
	(void)status;
	(void)events;
	if (w->ctx)
		http_client_gone(w->ctx);
}

/* Hang-up, error or a half-close of the client all mean it is gone: it
 * cannot be answered otherwise while suspended. Best effort: without a
 * watch the connection still works, a departure is noticed at the next
 * write. */
static void watch_start(struct reqctx *ctx)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		ctx->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return;
	struct conn_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return;
	if (uv_poll_init(ctx->s->loop, &w->poll, ci->connect_fd)) {
		free(w);
		return;
	}
	w->ctx = ctx;
	ctx->watch = w;
	if (uv_poll_start(&w->poll, UV_DISCONNECT, on_watch))
		http_unwatch(ctx);
}

void http_unwatch(struct reqctx *ctx)
{
	struct conn_watch *w = ctx->watch;
	if (!w)
		return;
	ctx->watch = NULL;
	w->ctx = NULL;
	uv_close((uv_handle_t *)&w->poll, free_handle);
}

void http_suspend(struct reqctx *ctx)
{
	if (ctx->suspended)
		return;
	MHD_suspend_connection(ctx->conn);
	ctx->suspended = true;
	watch_start(ctx);
}

void http_resume(struct reqctx *ctx)
{
	if (!ctx->suspended)
		return;
	ctx->suspended = false;
	http_unwatch(ctx);
	MHD_resume_connection(ctx->conn);
	http_kick(ctx->s);
}

static void pending_abort(struct http_pending *p, bool resume);

void http_client_gone(struct reqctx *ctx)
{
	if (ctx->pending)
		pending_abort(ctx->pending, true);
	else
		http_unwatch(ctx);
}

/* A handler may start at most one of defer, stream, WebSocket. */
struct reqctx *http_handler_ctx(const struct http_request *req,
				  struct http_response *resp)
{
	struct reqctx *ctx = req->priv;
	if (ctx->pending || ctx->stream || ctx->ws) {
		http_reply_error(resp, 500, "response already taken over");
		return NULL;
	}
	return ctx;
}

/* ---- deferred responses ---- */

struct http_pending {
	struct http_live live;
	struct http_server *s; /* NULL once the server side let go */
	struct reqctx *ctx;    /* NULL once answered or gone */
	struct http_response resp;
	http_pending_abort_fn on_abort;
	void *ud;
	bool finished; /* the owner let go */
	bool retry;    /* ... asking for the handler to run again */
	bool aborted;
	int refs; /* the owner, the server */
};

static void pending_unref(struct http_pending *p)
{
	if (--p->refs)
		return;
	http_response_drop_file(&p->resp);
	buf_deinit(&p->resp.body);
	free(p);
}

static void pending_release_server(struct http_pending *p)
{
	if (p->ctx) {
		p->ctx->pending = NULL;
		p->ctx = NULL;
	}
	if (p->s) {
		http_live_remove(p->s, &p->live);
		p->s = NULL;
	}
	pending_unref(p);
}

/* The client is gone (or the server closing): tell the owner, close. */
static void pending_abort(struct http_pending *p, bool resume)
{
	struct reqctx *ctx = p->ctx;
	p->aborted = true;
	if (!p->finished && p->on_abort)
		p->on_abort(p, p->ud);
	if (ctx && resume) {
		ctx->aborted = true;
		http_resume(ctx);
	}
	pending_release_server(p);
}

static void pending_shutdown(struct http_live *l)
{
	pending_abort((struct http_pending *)l, true);
}

struct http_pending *http_defer(const struct http_request *req,
				struct http_response *resp,
				http_pending_abort_fn on_abort, void *ud)
{
	struct reqctx *ctx = http_handler_ctx(req, resp);
	if (!ctx)
		return NULL;
	struct http_pending *p = calloc(1, sizeof(*p));
	if (!p) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	p->s = ctx->s;
	p->ctx = ctx;
	p->on_abort = on_abort;
	p->ud = ud;
	p->refs = 2;
	p->resp.status = 200;
	buf_init(&p->resp.body, 0);
	p->live.shutdown = pending_shutdown;
	http_live_add(ctx->s, &p->live, req, false, resp);
	ctx->pending = p;
	return p;
}

struct http_response *http_pending_response(struct http_pending *p)
{
	return &p->resp;
}

bool http_pending_is_aborted(const struct http_pending *p)
{
	return p->aborted;
}

static enum MHD_Result pending_send(struct reqctx *ctx)
{
	struct http_pending *p = ctx->pending;
	enum MHD_Result ret = http_queue(ctx->conn, ctx, &p->resp);
	pending_release_server(p);
	return ret;
}

enum MHD_Result http_pending_start(struct reqctx *ctx)
{
	if (ctx->pending->finished && ctx->pending->retry) {
		/* Asked within the handler: run it again on the next pass. */
		http_suspend(ctx);
		http_resume(ctx);
		return MHD_YES;
	}
	if (ctx->pending->finished)
		return pending_send(ctx); /* finished within the handler */
	http_suspend(ctx);
	return MHD_YES;
}

enum MHD_Result http_pending_resumed(struct reqctx *ctx)
{
	if (ctx->pending->finished)
		return pending_send(ctx);
	http_suspend(ctx);
	return MHD_YES;
}

void http_pending_finish(struct http_pending *p)
{
	if (!p)
		return;
	p->finished = true;
	if (p->ctx && !p->aborted)
		http_resume(p->ctx);
	pending_unref(p);
}

void http_pending_retry(struct http_pending *p)
{
	if (!p)
		return;
	p->retry = true;
	http_pending_finish(p);
}

bool http_pending_take_retry(struct reqctx *ctx)
{
	struct http_pending *p = ctx->pending;
	if (!p->finished || !p->retry)
		return false;
	pending_release_server(p);
	return true;
}

unsigned http_request_retries(const struct http_request *req)
{
	return ((const struct reqctx *)req->priv)->retries;
}

void http_pending_detach(struct reqctx *ctx)
{
	pending_abort(ctx->pending, false);
}

