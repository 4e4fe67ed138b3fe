/* SPDX-License-Identifier: MIT */
/* Streaming HTTP responses (chunked NDJSON, Server-Sent Events) on a socket taken from libmicrohttpd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http_priv.h"

#define STREAM_MAX_BUFFERED (1024 * 1024)
/* After the end, how long a client may take to read what is pending (when
 * the server has no idle timeout). */
#define STREAM_DRAIN_MS 30000

struct ka_timer {
	uv_timer_t t; /* first: freed through it */
	struct http_stream *st;
};

struct http_stream {
	struct http_sock k;
	struct http_live live;
	struct reqctx *ctx; /* during the handler */
	struct http_stream_opts o;
	struct ka_timer *ka;
	bool chunked; /* HTTP/1.1: chunked; HTTP/1.0: until the close */
	bool keep;    /* after the end, the connection serves another request */
	bool ended;   /* the owner let go */
	bool closed;  /* the client is gone or the server closing */
	bool done;    /* the socket was closed or given back */
	int refs;     /* the owner, the socket */
};

static void free_handle(uv_handle_t *h)
{
	free(h); /* the handle is the first member of what was allocated */
}

static void stream_unref(struct http_stream *st)
{
	if (--st->refs)
		return;
	free(st);
}

static int ka_init(struct http_stream *st, uv_loop_t *loop)
{
	st->ka = calloc(1, sizeof(*st->ka));
	if (!st->ka || uv_timer_init(loop, &st->ka->t)) {
		free(st->ka);
		st->ka = NULL;
		return -ENOMEM;
	}
	st->ka->st = st;
	return 0;
}

static void ka_stop(struct http_stream *st)
{
	if (!st->ka)
		return;
	uv_close((uv_handle_t *)&st->ka->t, free_handle);
	st->ka = NULL;
}

static void stream_abort(struct http_stream *st);

static void on_keepalive(uv_timer_t *t)
{
	struct http_stream *st = ((struct ka_timer *)t)->st;
	if (st->ended) {
		stream_abort(st); /* the drain deadline: it does not read */
		return;
	}
	if (st->o.on_keepalive)
		st->o.on_keepalive(st, st->o.ud);
	else if (st->o.keepalive_text)
		http_stream_write(st, st->o.keepalive_text,
				  strlen(st->o.keepalive_text));
}

/* Closes the socket (or gives it back) once; the socket's reference goes
 * when its poll handle is released. */
static void stream_done(struct http_stream *st, bool give_back)
{
	if (st->done)
		return;
	st->done = true;
	http_sock_close(&st->k, give_back);
}

/* The client is gone or the server closing: tell the owner, close. */
static void stream_abort(struct http_stream *st)
{
	if (!st->closed) {
		st->closed = true;
		ka_stop(st);
		http_live_remove(st->k.s, &st->live);
		if (!st->ended && st->o.on_close)
			st->o.on_close(st, st->o.ud);
	}
	stream_done(st, false);
}

static void stream_shutdown(struct http_live *l)
{
	struct http_stream *st =
		(struct http_stream *)((char *)l - offsetof(struct http_stream, live));
	stream_abort(st);
}

/* Ended and everything sent: the connection is free for the next
 * request (or closed). Ended with something pending: a deadline for the
 * client to read it. */
static void maybe_finish(struct http_stream *st)
{
	if (!st->ended || st->closed)
		return;
	if (http_sock_pending(&st->k)) {
		if (!st->ka && ka_init(st, st->k.s->loop)) {
			stream_abort(st);
			return;
		}
		uint64_t ms = st->k.s->idle_timeout_ms ? st->k.s->idle_timeout_ms
						       : STREAM_DRAIN_MS;
		if (!uv_is_active((uv_handle_t *)&st->ka->t))
			uv_timer_start(&st->ka->t, on_keepalive, ms, 0);
		return;
	}
	ka_stop(st);
	st->closed = true;
	http_live_remove(st->k.s, &st->live);
	stream_done(st, st->keep);
}

static void on_sock(struct http_sock *k, enum http_sock_event e)
{
	struct http_stream *st = (struct http_stream *)k;
	if (e == HTTP_SOCK_DRAINED)
		maybe_finish(st);
	else if (e == HTTP_SOCK_GONE)
		stream_abort(st);
	/* (READABLE is not watched) */
}

static void on_released(struct http_sock *k)
{
	stream_unref((struct http_stream *)k);
}

struct http_stream *http_stream_open(const struct http_request *req,
				     struct http_response *resp,
				     const struct http_stream_opts *o)
{
	struct reqctx *ctx = http_handler_ctx(req, resp);
	if (!ctx)
		return NULL;
	struct http_stream *st = calloc(1, sizeof(*st));
	if (!st) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	http_sock_init(&st->k);
	st->k.s = ctx->s;
	st->k.event = on_sock;
	st->k.released = on_released;
	st->o = *o;
	if (!st->o.status)
		st->o.status = 200;
	if (!st->o.content_type)
		st->o.content_type = "application/x-ndjson";
	if (!st->o.max_buffered)
		st->o.max_buffered = STREAM_MAX_BUFFERED;
	st->chunked = !ctx->http10;
	st->keep = !ctx->http10 && !ctx->conn_close;
	st->live.shutdown = stream_shutdown;
	if (http_live_add(ctx->s, &st->live, req, true, resp)) {
		free(st);
		return NULL;
	}
	if (st->o.keepalive_ms) {
		if (ka_init(st, ctx->s->loop)) {
			http_live_remove(ctx->s, &st->live);
			free(st);
			http_reply_error(resp, 500, "out of memory");
			return NULL;
		}
		uv_timer_start(&st->ka->t, on_keepalive, st->o.keepalive_ms,
			       st->o.keepalive_ms);
	}
	st->ctx = ctx;
	st->refs = 2;
	ctx->stream = st;
	return st;
}

enum MHD_Result http_stream_start(struct reqctx *ctx,
				  const struct http_response *resp)
{
	struct http_stream *st = ctx->stream;
	ctx->stream = NULL;
	st->ctx = NULL;
	struct http_response h = *resp;
	h.status = st->o.status;
	h.content_type = st->o.content_type;
	http_reply_header(&h, "X-Accel-Buffering", "no");
	struct buf head;
	buf_init(&head, 0);
	int rc = http_head_build(&head, &h,
				 st->chunked ? "Transfer-Encoding: chunked\r\n"
					     : "Connection: close\r\n");
	if (!rc)
		rc = http_sock_take(&st->k, ctx, UV_DISCONNECT, head.data,
				    head.len);
	buf_deinit(&head);
	ctx->status = h.status;
	ctx->taken = true;
	if (rc)
		stream_abort(st); /* libmicrohttpd closes the connection */
	else
		maybe_finish(st); /* ended within the handler */
	return MHD_NO;
}

int http_stream_write(struct http_stream *st, const void *data, size_t len)
{
	if (st->closed || st->ended)
		return -EPIPE;
	if (!len)
		return 0; /* an empty chunk would end the stream */
	char size[24];
	struct iovec iov[3] = {
		{size, 0},
		{(void *)data, len},
		{(void *)"\r\n", 2},
	};
	if (!st->chunked)
		return http_sock_write(&st->k, &iov[1], 1, st->o.max_buffered);
	iov[0].iov_len = (size_t)snprintf(size, sizeof(size), "%zx\r\n", len);
	return http_sock_write(&st->k, iov, 3, st->o.max_buffered);
}

int http_stream_wire(struct http_stream *st, const void *data, size_t len,
		     struct http_wire *w)
{
	*w = (struct http_wire){.rc = 0};
	if (st->closed || st->ended)
		return w->rc = -EPIPE;
	if (!len || (w->rc = http_sock_usable(&st->k)))
		return w->rc; /* (an empty chunk would end the stream) */
	w->k = &st->k;
	w->data = data;
	w->len = len;
	w->max = st->o.max_buffered;
	w->frame = st->chunked ? HTTP_WIRE_CHUNKED : HTTP_WIRE_RAW;
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
	if (!st->ended && !st->closed) {
		ka_stop(st);
		if (st->chunked) {
			struct iovec end = {(void *)"0\r\n\r\n", 5};
			http_sock_write(&st->k, &end, 1, SIZE_MAX);
		}
	}
	st->ended = true;
	if (!st->ctx)
		maybe_finish(st); /* (within the handler: at the take) */
	stream_unref(st);
}
