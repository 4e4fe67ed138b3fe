/* SPDX-License-Identifier: MIT */
/* WebSocket: the handshake answered on a socket taken from libmicrohttpd, RFC 6455 framing (proto/ws/frame.h). */
#include <errno.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/http_priv.h"
#include "proto/ws/frame.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_MESSAGE (1024 * 1024)
#define WS_CLOSE_WAIT_MS 5000 /* for the peer's answer to our close */
#define WS_READ_CHUNK 16384
#define WS_READS_PER_WAKE 8 /* then back to the loop (it is level-triggered) */

struct ws_timer {
	uv_timer_t t; /* first: freed through it */
	struct http_ws *ws;
};

struct http_ws {
	struct http_sock k; /* first */
	struct http_live live;
	struct reqctx *ctx; /* during the handler */
	struct http_ws_opts o;
	char accept[29];
	struct ws_parser p;
	struct ws_timer *timer;
	int close_code; /* received; 0: none yet */
	bool taken;
	bool released;	 /* the owner let go */
	bool over;	 /* the server side let go */
	bool notified;	 /* on_close ran (or would have) */
	bool closing;	 /* our close frame is queued */
	bool done_reading; /* a close received or a protocol error */
	bool end_drained;  /* over once the backlog is out */
	bool ping_outstanding;
	int refs; /* the owner, the socket */
};

static void free_handle(uv_handle_t *h)
{
	free(h);
}

void http_ws_accept_key(const char *key, char out[29])
{
	struct sha1_ctx c;
	uint8_t digest[SHA1_DIGEST_SIZE];
	sha1_init(&c);
	sha1_update(&c, strlen(key), (const uint8_t *)key);
	sha1_update(&c, strlen(WS_GUID), (const uint8_t *)WS_GUID);
	sha1_digest(&c, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = '\0';
}

static void ws_unref(struct http_ws *ws)
{
	if (--ws->refs)
		return;
	ws_parser_free(&ws->p);
	free(ws);
}

static void on_released(struct http_sock *k)
{
	ws_unref((struct http_ws *)k);
}

static void ws_notify(struct http_ws *ws, int code)
{
	if (ws->notified)
		return;
	ws->notified = true;
	if (!ws->released && ws->o.on_close)
		ws->o.on_close(ws, code, ws->o.ud);
}

/* The connection is over: tell the owner, close the socket, let go. */
static void ws_over(struct http_ws *ws, int code)
{
	if (ws->over)
		return;
	ws->over = true; /* first: the owner may let go in on_close */
	ws_notify(ws, code);
	if (ws->timer) {
		uv_close((uv_handle_t *)&ws->timer->t, free_handle);
		ws->timer = NULL;
	}
	http_live_remove(ws->k.s, &ws->live);
	http_sock_close(&ws->k, false);
}

static int over_code(const struct http_ws *ws)
{
	return ws->close_code ? ws->close_code : 1005;
}

/* One frame: its header and @len bytes of @data. */
static int ws_frame(struct http_ws *ws, int opcode, const void *data,
		    size_t len)
{
	uint8_t hdr[10];
	struct iovec iov[2] = {
		{hdr, ws_frame_header(hdr, opcode, len)},
		{(void *)data, len},
	};
	return http_sock_write(&ws->k, iov, len ? 2 : 1, SIZE_MAX);
}

static void send_close(struct http_ws *ws, int code, const char *reason,
		       size_t rlen)
{
	uint8_t b[125];
	if (rlen > 123)
		rlen = 123;
	b[0] = (uint8_t)(code >> 8);
	b[1] = (uint8_t)code;
	if (rlen)
		memcpy(b + 2, reason, rlen);
	ws->closing = true;
	ws_frame(ws, WS_OP_CLOSE, b, 2 + rlen);
}

static void on_timer(uv_timer_t *t);

/* Over as soon as what is queued has gone out (or WS_CLOSE_WAIT_MS
 * passed: a peer that does not read). */
static void end_when_drained(struct http_ws *ws, int code)
{
	if (!http_sock_pending(&ws->k) || ws->k.failed) {
		ws_over(ws, code);
		return;
	}
	ws->end_drained = true;
	if (!ws->close_code)
		ws->close_code = code;
	if (ws->timer)
		uv_timer_start(&ws->timer->t, on_timer, WS_CLOSE_WAIT_MS, 0);
}

static bool on_msg(int opcode, const uint8_t *data, size_t len, void *ud)
{
	struct http_ws *ws = ud;
	switch (opcode) {
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (!ws->released && ws->o.on_message)
			ws->o.on_message(ws, (const char *)data, len,
					 opcode == WS_OP_BINARY, ws->o.ud);
		return !ws->over && !ws->done_reading;
	case WS_OP_CLOSE:
		ws->close_code = len >= 2 ? (data[0] << 8 | data[1]) : 1005;
		ws->done_reading = true;
		if (!ws->closing) {
			/* Answered with the same code; then the server closes
			 * the TCP connection first (RFC 6455, 7.1.1). */
			int code = ws->close_code == 1005 ? 1000 : ws->close_code;
			send_close(ws, code, NULL, 0);
		}
		end_when_drained(ws, ws->close_code);
		return false;
	case WS_OP_PING:
		if (!ws->closing)
			ws_frame(ws, WS_OP_PONG, data, len);
		return true;
	case WS_OP_PONG:
		ws->ping_outstanding = false;
		return true;
	}
	return true;
}

static void ws_read(struct http_ws *ws)
{
	uint8_t buf[WS_READ_CHUNK];
	for (int i = 0; i < WS_READS_PER_WAKE && !ws->over; i++) {
		ssize_t n = recv(ws->k.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == EINTR))
			return;
		if (n <= 0) {
			ws_over(ws, ws->close_code ? ws->close_code : 1006);
			return;
		}
		if (ws->done_reading)
			continue; /* after a close or an error: discarded */
		int rc = ws_parse(&ws->p, buf, (size_t)n, on_msg, ws);
		if (rc && !ws->over) {
			ws->done_reading = true;
			if (!ws->closing)
				send_close(ws, rc, NULL, 0);
			end_when_drained(ws, 1005);
		}
	}
}

static void on_sock(struct http_sock *k, enum http_sock_event e)
{
	struct http_ws *ws = (struct http_ws *)k;
	switch (e) {
	case HTTP_SOCK_GONE:
		ws_over(ws, ws->close_code ? ws->close_code : 1006);
		break;
	case HTTP_SOCK_DRAINED:
		if (ws->end_drained)
			ws_over(ws, over_code(ws));
		break;
	case HTTP_SOCK_READABLE:
		ws_read(ws);
		break;
	}
}

/* ---- timers: pings, and the wait for the peer's close ---- */

static void on_timer(uv_timer_t *t)
{
	struct http_ws *ws = ((struct ws_timer *)t)->ws;
	if (ws->closing || ws->ping_outstanding) {
		ws_over(ws, ws->closing ? over_code(ws) : 1006);
		return;
	}
	if (ws_frame(ws, WS_OP_PING, NULL, 0) == 0)
		ws->ping_outstanding = true;
}

static void ws_shutdown(struct http_live *l)
{
	struct http_ws *ws =
		(struct http_ws *)((char *)l - offsetof(struct http_ws, live));
	/* Going away: one try at saying so, without waiting. */
	if (ws->taken && !ws->closing)
		send_close(ws, 1001, NULL, 0);
	ws_over(ws, 1001);
}

/* True when the comma-separated @list has @token (any case). */
static bool has_token(const char *list, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *end = p + strcspn(p, ",");
		const char *e = end;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - p) == n && strncasecmp(p, token, n) == 0)
			return true;
		p = end;
	}
	return false;
}

static bool key_ok(const char *key)
{
	struct base64_decode_ctx bc;
	uint8_t raw[BASE64_DECODE_LENGTH(24)];
	size_t n = sizeof(raw);
	if (!key || strlen(key) != 24)
		return false;
	base64_decode_init(&bc);
	return base64_decode_update(&bc, &n, raw, 24, key) &&
	       base64_decode_final(&bc) && n == 16;
}

struct http_ws *http_ws_accept(const struct http_request *req,
			       struct http_response *resp,
			       const struct http_ws_opts *o)
{
	struct reqctx *ctx = http_handler_ctx(req, resp);
	if (!ctx)
		return NULL;
	const char *key = http_request_header(req, "Sec-WebSocket-Key");
	const char *version = http_request_header(req, "Sec-WebSocket-Version");
	if (strcmp(req->method, "GET") ||
	    !has_token(http_request_header(req, "Upgrade"), "websocket") ||
	    !has_token(http_request_header(req, "Connection"), "upgrade") ||
	    !key_ok(key)) {
		http_reply_error(resp, 400, "not a WebSocket handshake");
		return NULL;
	}
	if (!version || strcmp(version, "13")) {
		http_reply_error(resp, 426, "WebSocket version 13 only");
		http_reply_header(resp, "Sec-WebSocket-Version", "13");
		return NULL;
	}
	struct http_ws *ws = calloc(1, sizeof(*ws));
	if (!ws) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	http_sock_init(&ws->k);
	ws->k.s = ctx->s;
	ws->k.event = on_sock;
	ws->k.released = on_released;
	ws->o = *o;
	if (!ws->o.max_message)
		ws->o.max_message = WS_MAX_MESSAGE;
	ws_parser_init(&ws->p, ws->o.max_message);
	ws->live.shutdown = ws_shutdown;
	if (http_live_add(ctx->s, &ws->live, req, true, resp)) {
		free(ws);
		return NULL;
	}
	http_ws_accept_key(key, ws->accept);
	ws->ctx = ctx;
	ws->refs = 2;
	ctx->ws = ws;
	return ws;
}

enum MHD_Result http_ws_start(struct reqctx *ctx,
			      const struct http_response *resp)
{
	struct http_ws *ws = ctx->ws;
	ctx->ws = NULL;
	ws->ctx = NULL;
	ctx->taken = true;
	ctx->status = MHD_HTTP_SWITCHING_PROTOCOLS;
	struct http_response h = *resp;
	h.status = MHD_HTTP_SWITCHING_PROTOCOLS;
	h.content_type = NULL;
	http_reply_header(&h, MHD_HTTP_HEADER_UPGRADE, "websocket");
	http_reply_header(&h, MHD_HTTP_HEADER_CONNECTION, "Upgrade");
	http_reply_header(&h, "Sec-WebSocket-Accept", "%s", ws->accept);
	struct buf head;
	buf_init(&head, 0);
	int rc = http_head_build(&head, &h, NULL);
	if (!rc) {
		ws->timer = calloc(1, sizeof(*ws->timer));
		if (!ws->timer || uv_timer_init(ctx->s->loop, &ws->timer->t)) {
			free(ws->timer);
			ws->timer = NULL;
			rc = -ENOMEM;
		}
	}
	if (!rc) {
		ws->timer->ws = ws;
		rc = http_sock_take(&ws->k, ctx, UV_READABLE | UV_DISCONNECT,
				    head.data, head.len);
	}
	buf_deinit(&head);
	if (rc) {
		ws_over(ws, 1006); /* libmicrohttpd closes the connection */
		return MHD_NO;
	}
	ws->taken = true;
	if (ws->closing)
		uv_timer_start(&ws->timer->t, on_timer, WS_CLOSE_WAIT_MS, 0);
	else if (ws->o.ping_ms)
		uv_timer_start(&ws->timer->t, on_timer, ws->o.ping_ms,
			       ws->o.ping_ms);
	if (!ws->released && ws->o.on_open)
		ws->o.on_open(ws, ws->o.ud);
	return MHD_NO;
}

static int ws_queue(struct http_ws *ws, int opcode, const void *data,
		    size_t len)
{
	if (ws->over || ws->closing)
		return -EPIPE;
	return ws_frame(ws, opcode, data, len);
}

int http_ws_send_text(struct http_ws *ws, const char *text, size_t len)
{
	return ws_queue(ws, WS_OP_TEXT, text, len);
}

int http_ws_send_binary(struct http_ws *ws, const void *data, size_t len)
{
	return ws_queue(ws, WS_OP_BINARY, data, len);
}

int http_ws_wire(struct http_ws *ws, const void *data, size_t len,
		 size_t max_queued, struct http_wire *w)
{
	*w = (struct http_wire){.rc = 0};
	if (ws->over || ws->closing)
		return w->rc = -EPIPE;
	if (max_queued && http_sock_pending(&ws->k) + len > max_queued)
		return w->rc = -ENOBUFS;
	if ((w->rc = http_sock_usable(&ws->k)))
		return w->rc;
	w->k = &ws->k;
	w->data = data;
	w->len = len;
	w->max = SIZE_MAX;
	w->frame = HTTP_WIRE_WS_TEXT;
	return 0;
}

size_t http_ws_queued(const struct http_ws *ws)
{
	return http_sock_pending(&ws->k);
}

void http_ws_close(struct http_ws *ws, int code, const char *reason)
{
	if (!ws)
		return;
	ws->released = true;
	if (!ws->over && !ws->closing) {
		send_close(ws, code, reason, reason ? strlen(reason) : 0);
		if (ws->taken && ws->timer)
			uv_timer_start(&ws->timer->t, on_timer,
				       WS_CLOSE_WAIT_MS, 0);
	}
	ws_unref(ws);
}
