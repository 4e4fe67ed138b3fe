/* SPDX-License-Identifier: MIT */
/* Deferred and streaming HTTP responses: libmicrohttpd suspend/resume on the loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_priv.h"

#define STREAM_BLOCK 1024
#define STREAM_MAX_BUFFERED (1024 * 1024)
/* An emptied stream buffer larger than this is given back. */
#define STREAM_KEEP_CAP (16 * 1024)

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
static void stream_abort(struct http_stream *st, bool resume);

void http_client_gone(struct reqctx *ctx)
{
	if (ctx->pending)
		pending_abort(ctx->pending, true);
	else if (ctx->stream)
		stream_abort(ctx->stream, true);
	else
		http_unwatch(ctx);
}

/* A handler may start at most one of defer, stream, WebSocket. */
static struct reqctx *handler_ctx(const struct http_request *req,
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
	struct reqctx *ctx = handler_ctx(req, resp);
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

/* ---- streaming responses ---- */

struct ka_timer {
	uv_timer_t t; /* first: freed through it */
	struct http_stream *st;
};

struct http_stream {
	struct http_live live;
	struct http_server *s;
	struct reqctx *ctx; /* NULL once the connection completed */
	struct http_stream_opts o;
	struct buf out; /* out.data[off..len) is still to send */
	size_t off;
	struct ka_timer *ka;
	bool ended;  /* the owner let go */
	bool closed; /* the client is gone or the server closing */
	int refs;    /* the owner, the connection, the MHD response */
};

static void stream_unref(struct http_stream *st)
{
	if (--st->refs)
		return;
	buf_deinit(&st->out);
	free(st);
}

static void ka_stop(struct http_stream *st)
{
	if (!st->ka)
		return;
	uv_close((uv_handle_t *)&st->ka->t, free_handle);
	st->ka = NULL;
}

static void on_keepalive(uv_timer_t *t)
{
	struct http_stream *st = ((struct ka_timer *)t)->st;
	if (st->o.on_keepalive)
		st->o.on_keepalive(st, st->o.ud);
	else if (st->o.keepalive_text)
		http_stream_write(st, st->o.keepalive_text,
				  strlen(st->o.keepalive_text));
}

static void stream_abort(struct http_stream *st, bool resume)
{
	if (!st->closed) {
		st->closed = true;
		ka_stop(st);
		http_live_remove(st->s, &st->live);
		if (!st->ended && st->o.on_close)
			st->o.on_close(st, st->o.ud);
	}
	if (resume && st->ctx)
		http_resume(st->ctx); /* the reader then fails the response */
}

static void stream_shutdown(struct http_live *l)
{
	stream_abort((struct http_stream *)l, true);
}

struct http_stream *http_stream_open(const struct http_request *req,
				     struct http_response *resp,
				     const struct http_stream_opts *o)
{
	struct reqctx *ctx = handler_ctx(req, resp);
	if (!ctx)
		return NULL;
	struct http_stream *st = calloc(1, sizeof(*st));
	if (!st) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	st->o = *o;
	if (!st->o.status)
		st->o.status = 200;
	if (!st->o.content_type)
		st->o.content_type = "application/x-ndjson";
	if (!st->o.max_buffered)
		st->o.max_buffered = STREAM_MAX_BUFFERED;
	buf_init(&st->out, 0);
	st->live.shutdown = stream_shutdown;
	if (http_live_add(ctx->s, &st->live, req, true, resp)) {
		free(st);
		return NULL;
	}
	if (st->o.keepalive_ms) {
		st->ka = calloc(1, sizeof(*st->ka));
		if (!st->ka || uv_timer_init(ctx->s->loop, &st->ka->t)) {
			free(st->ka);
			http_live_remove(ctx->s, &st->live);
			free(st);
			http_reply_error(resp, 500, "out of memory");
			return NULL;
		}
		st->ka->st = st;
		uv_timer_start(&st->ka->t, on_keepalive, st->o.keepalive_ms,
			       st->o.keepalive_ms);
	}
	st->s = ctx->s;
	st->ctx = ctx;
	st->refs = 3;
	ctx->stream = st;
	return st;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	(void)pos;
	if (st->closed || !st->ctx)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t have = st->out.len - st->off;
	if (have) {
		size_t n = have < max ? have : max;
		memcpy(buf, st->out.data + st->off, n);
		st->off += n;
		if (st->off == st->out.len) {
			st->off = 0;
			st->out.len = 0;
			if (st->out.cap > STREAM_KEEP_CAP) {
				buf_deinit(&st->out);
				buf_init(&st->out, 0);
			}
		}
		return (ssize_t)n;
	}
	if (st->ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	http_suspend(st->ctx); /* until a write or the end */
	return 0;
}

static void stream_response_freed(void *cls)
{
	stream_unref(cls);
}

enum MHD_Result http_stream_start(struct reqctx *ctx,
				  const struct http_response *resp)
{
	struct http_stream *st = ctx->stream;
	struct MHD_Response *r = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, st,
		stream_response_freed);
	if (!r) {
		stream_unref(st); /* the response's reference */
		return MHD_NO;	  /* completion lets the rest go */
	}
	struct http_response h = *resp;
	h.status = st->o.status;
	h.content_type = st->o.content_type;
	http_reply_header(&h, "X-Accel-Buffering", "no");
	return http_queue_special(ctx->conn, ctx, &h, r);
}

void http_stream_detach(struct reqctx *ctx)
{
	struct http_stream *st = ctx->stream;
	ctx->stream = NULL;
	stream_abort(st, false);
	st->ctx = NULL;
	stream_unref(st);
}

int http_stream_write(struct http_stream *st, const void *data, size_t len)
{
	if (st->closed || st->ended)
		return -EPIPE;
	if (st->out.len - st->off + len > st->o.max_buffered)
		return -ENOBUFS;
	if (st->off) {
		memmove(st->out.data, st->out.data + st->off,
			st->out.len - st->off);
		st->out.len -= st->off;
		st->off = 0;
	}
	if (buf_append(&st->out, data, len))
		return -ENOMEM;
	if (st->ctx)
		http_resume(st->ctx);
	return 0;
}

int http_stream_printf(struct http_stream *st, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	buf_init(&b, 0);
	va_start(ap, fmt);
	int rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!rc)
		rc = http_stream_write(st, b.data ? b.data : "", b.len);
	buf_deinit(&b);
	return rc;
}

int http_stream_sse(struct http_stream *st, const char *event,
		    const char *data)
{
	struct buf b;
	buf_init(&b, 0);
	if (event)
		buf_printf(&b, "event: %s\n", event);
	for (const char *line = data;;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		buf_puts(&b, "data: ");
		buf_append(&b, line, n);
		buf_puts(&b, "\n");
		if (!nl)
			break;
		line = nl + 1;
	}
	buf_puts(&b, "\n");
	int rc = b.err ? -ENOMEM : http_stream_write(st, b.data, b.len);
	buf_deinit(&b);
	return rc;
}

int http_stream_json(struct http_stream *st, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9))
		       : NULL;
	json_decref(j);
	if (!text)
		return -EINVAL;
	size_t n = strlen(text);
	text[n] = '\n'; /* replaces the NUL: written by length */
	int rc = http_stream_write(st, text, n + 1);
	free(text);
	return rc;
}

bool http_stream_is_closed(const struct http_stream *st)
{
	return st->closed;
}

struct sockaddr_any http_stream_client(const struct http_stream *st)
{
	return st->live.client;
}

void http_stream_end(struct http_stream *st)
{
	if (!st)
		return;
	st->ended = true;
	ka_stop(st);
	if (st->ctx)
		http_resume(st->ctx); /* the reader sends the rest, then ends */
	stream_unref(st);
}
