/* SPDX-License-Identifier: MIT */
/* WebSocket: libmicrohttpd's upgrade, wslay framing, the socket on a uv_poll_t. */
#include <errno.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <wslay/wslay.h>

#include "core/http_priv.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_MESSAGE (1024 * 1024)
#define WS_CLOSE_WAIT_MS 5000 /* for the peer's answer to our close */

struct ws_poll {
	uv_poll_t p; /* first: freed through it */
};

struct ws_timer {
	uv_timer_t t; /* first: freed through it */
	struct http_ws *ws;
};

struct http_ws {
	struct http_live live;
	struct http_server *s;
	struct reqctx *ctx; /* until the upgrade or the connection's end */
	struct http_ws_opts o;
	char accept[29];
	wslay_event_context_ptr wsl;
	struct MHD_UpgradeResponseHandle *urh;
	int fd;
	struct ws_poll *poll;
	struct ws_timer *timer;
	char *extra; /* bytes libmicrohttpd read past the request */
	size_t extra_len, extra_off;
	int close_code; /* received; 0: none yet */
	bool upgraded;
	bool released; /* the owner let go */
	bool over;     /* the server side let go */
	bool notified; /* on_close ran (or would have) */
	bool server_closing; /* before the upgrade */
	bool in_io;
	bool io_again;
	bool closing; /* our close frame is queued */
	bool ping_outstanding;
	bool peer_gone;
	int refs; /* the owner, the server */
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
	if (ws->wsl)
		wslay_event_context_free(ws->wsl);
	free(ws->extra);
	free(ws);
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
	if (ws->poll) {
		/* Stops watching at once, so the socket may close now. */
		uv_close((uv_handle_t *)&ws->poll->p, free_handle);
		ws->poll = NULL;
	}
	if (ws->urh) {
		MHD_upgrade_action(ws->urh, MHD_UPGRADE_ACTION_CLOSE);
		ws->urh = NULL;
		http_kick(ws->s);
	}
	if (ws->ctx) {
		ws->ctx->ws = NULL;
		ws->ctx = NULL;
	}
	http_live_remove(ws->s, &ws->live);
	ws_unref(ws);
}

static int over_code(struct http_ws *ws)
{
	if (ws->close_code)
		return ws->close_code;
	return ws->peer_gone ? 1006 : 1005;
}

static void on_poll(uv_poll_t *p, int status, int events);

/* Reads and writes what wslay wants; ends the connection when it wants
 * neither. Reentrant calls (from callbacks) are folded into the outer. */
static void ws_io(struct http_ws *ws)
{
	if (ws->over || !ws->upgraded)
		return;
	if (ws->in_io) {
		ws->io_again = true;
		return;
	}
	ws->in_io = true;
	int rc = 0;
	do {
		ws->io_again = false;
		if (wslay_event_want_read(ws->wsl))
			rc = wslay_event_recv(ws->wsl);
		if (!rc && wslay_event_want_write(ws->wsl))
			rc = wslay_event_send(ws->wsl);
	} while (!rc && ws->io_again);
	ws->in_io = false;
	bool rd = wslay_event_want_read(ws->wsl);
	bool wr = wslay_event_want_write(ws->wsl);
	if (rc || ws->peer_gone || (!rd && !wr)) {
		ws_over(ws, rc && !ws->close_code ? 1006 : over_code(ws));
		return;
	}
	uv_poll_start(&ws->poll->p, (rd ? UV_READABLE : 0) | (wr ? UV_WRITABLE : 0),
		      on_poll);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct http_ws *ws = p->data;
	(void)events;
	if (status < 0) {
		ws->peer_gone = true;
		ws_over(ws, 1006);
		return;
	}
	ws_io(ws);
}

/* ---- wslay callbacks ---- */

static ssize_t ws_recv(wslay_event_context_ptr c, uint8_t *buf, size_t len,
		       int flags, void *ud)
{
	struct http_ws *ws = ud;
	(void)flags;
	if (ws->extra_off < ws->extra_len) {
		size_t n = ws->extra_len - ws->extra_off;
		if (n > len)
			n = len;
		memcpy(buf, ws->extra + ws->extra_off, n);
		ws->extra_off += n;
		return (ssize_t)n;
	}
	ssize_t n = recv(ws->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		wslay_event_set_error(c, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	ws->peer_gone = true;
	wslay_event_set_error(c, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t ws_send(wslay_event_context_ptr c, const uint8_t *data,
		       size_t len, int flags, void *ud)
{
	struct http_ws *ws = ud;
	ssize_t n = send(ws->fd, data, len,
			 MSG_NOSIGNAL | (flags & WSLAY_MSG_MORE ? MSG_MORE : 0));
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		wslay_event_set_error(c, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	ws->peer_gone = true;
	wslay_event_set_error(c, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void ws_msg(wslay_event_context_ptr c,
		   const struct wslay_event_on_msg_recv_arg *a, void *ud)
{
	struct http_ws *ws = ud;
	(void)c;
	switch (a->opcode) {
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (!ws->released && ws->o.on_message)
			ws->o.on_message(ws, (const char *)a->msg,
					 a->msg_length,
					 a->opcode == WSLAY_BINARY_FRAME,
					 ws->o.ud);
		break;
	case WSLAY_CONNECTION_CLOSE:
		ws->close_code = a->status_code ? a->status_code : 1005;
		break;
	case WSLAY_PONG:
		ws->ping_outstanding = false;
		break;
	default:
		break; /* pings are answered by wslay */
	}
}

static const struct wslay_event_callbacks ws_callbacks = {
	.recv_callback = ws_recv,
	.send_callback = ws_send,
	.on_msg_recv_callback = ws_msg,
};

/* ---- timers: pings, and the wait for the peer's close ---- */

static void on_timer(uv_timer_t *t)
{
	struct http_ws *ws = ((struct ws_timer *)t)->ws;
	if (ws->closing || ws->ping_outstanding) {
		ws_over(ws, ws->closing ? over_code(ws) : 1006);
		return;
	}
	struct wslay_event_msg m = {.opcode = WSLAY_PING};
	if (wslay_event_queue_msg(ws->wsl, &m) == 0)
		ws->ping_outstanding = true;
	ws_io(ws);
}

/* ---- the upgrade ---- */

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls,
		       const char *extra_in, size_t extra_in_size,
		       MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct http_ws *ws = cls;
	(void)conn;
	(void)con_cls;
	ws->urh = urh;
	ws->fd = sock;
	if (ws->ctx) {
		ws->ctx->ws = NULL; /* the connection is the WebSocket's now */
		ws->ctx = NULL;
	}
	if (ws->server_closing) {
		/* The server closed before libmicrohttpd handed over. */
		ws_over(ws, 1001);
		return;
	}
	if (extra_in_size) {
		ws->extra = malloc(extra_in_size);
		if (!ws->extra) {
			ws_over(ws, 1011);
			return;
		}
		memcpy(ws->extra, extra_in, extra_in_size);
		ws->extra_len = extra_in_size;
	}
	ws->poll = calloc(1, sizeof(*ws->poll));
	if (!ws->poll || uv_poll_init(ws->s->loop, &ws->poll->p, sock)) {
		free(ws->poll);
		ws->poll = NULL;
		ws_over(ws, 1011);
		return;
	}
	ws->poll->p.data = ws;
	ws->timer = calloc(1, sizeof(*ws->timer));
	if (!ws->timer || uv_timer_init(ws->s->loop, &ws->timer->t)) {
		free(ws->timer);
		ws->timer = NULL;
		ws_over(ws, 1011);
		return;
	}
	ws->timer->ws = ws;
	ws->upgraded = true;
	if (ws->closing)
		uv_timer_start(&ws->timer->t, on_timer, WS_CLOSE_WAIT_MS, 0);
	else if (ws->o.ping_ms)
		uv_timer_start(&ws->timer->t, on_timer, ws->o.ping_ms,
			       ws->o.ping_ms);
	if (!ws->released && ws->o.on_open)
		ws->o.on_open(ws, ws->o.ud);
	ws_io(ws);
}

static void ws_shutdown(struct http_live *l)
{
	struct http_ws *ws = (struct http_ws *)l;
	if (!ws->upgraded) {
		/* libmicrohttpd still has the connection: its completion (or
		 * the upgrade, at its last run) lets go. */
		ws_notify(ws, 1001);
		http_live_remove(ws->s, &ws->live);
		ws->server_closing = true;
		return;
	}
	if (!ws->closing) {
		/* Going away: one try at saying so, without waiting. */
		ws->closing = true;
		wslay_event_queue_close(ws->wsl, 1001, NULL, 0);
		wslay_event_send(ws->wsl);
	}
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
	struct reqctx *ctx = req->priv;
	if (ctx->pending || ctx->stream || ctx->ws) {
		http_reply_error(resp, 500, "response already taken over");
		return NULL;
	}
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
	ws->o = *o;
	if (!ws->o.max_message)
		ws->o.max_message = WS_MAX_MESSAGE;
	ws->fd = -1;
	ws->live.shutdown = ws_shutdown;
	if (wslay_event_context_server_init(&ws->wsl, &ws_callbacks, ws)) {
		free(ws);
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	wslay_event_config_set_max_recv_msg_length(ws->wsl, ws->o.max_message);
	if (http_live_add(ctx->s, &ws->live, req, true, resp)) {
		wslay_event_context_free(ws->wsl);
		free(ws);
		return NULL;
	}
	http_ws_accept_key(key, ws->accept);
	ws->s = ctx->s;
	ws->ctx = ctx;
	ws->refs = 2;
	ctx->ws = ws;
	return ws;
}

enum MHD_Result http_ws_start(struct reqctx *ctx,
			      const struct http_response *resp)
{
	struct http_ws *ws = ctx->ws;
	struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgrade, ws);
	if (!r)
		return MHD_NO; /* completion lets the WebSocket go */
	struct http_response h = *resp;
	h.status = MHD_HTTP_SWITCHING_PROTOCOLS;
	h.content_type = NULL;
	http_reply_header(&h, MHD_HTTP_HEADER_UPGRADE, "websocket");
	http_reply_header(&h, "Sec-WebSocket-Accept", "%s", ws->accept);
	return http_queue_special(ctx->conn, ctx, &h, r);
}

void http_ws_detach(struct reqctx *ctx)
{
	struct http_ws *ws = ctx->ws;
	ctx->ws = NULL;
	ws->ctx = NULL;
	ws->peer_gone = true;
	ws_over(ws, 1006);
}

static int ws_queue(struct http_ws *ws, uint8_t opcode, const void *data,
		    size_t len)
{
	if (ws->over || ws->closing)
		return -EPIPE;
	struct wslay_event_msg m = {opcode, data, len};
	int rc = wslay_event_queue_msg(ws->wsl, &m);
	if (rc == WSLAY_ERR_NOMEM)
		return -ENOMEM;
	if (rc)
		return -EPIPE;
	/* Sent from the loop, not from here: a failing send must not call
	 * the owner's on_close from within its own send call. */
	if (ws->in_io)
		ws->io_again = true;
	else if (ws->poll)
		uv_poll_start(&ws->poll->p, UV_READABLE | UV_WRITABLE, on_poll);
	return 0;
}

int http_ws_send_text(struct http_ws *ws, const char *text, size_t len)
{
	return ws_queue(ws, WSLAY_TEXT_FRAME, text, len);
}

int http_ws_send_binary(struct http_ws *ws, const void *data, size_t len)
{
	return ws_queue(ws, WSLAY_BINARY_FRAME, data, len);
}

size_t http_ws_queued(const struct http_ws *ws)
{
	return ws->wsl ? wslay_event_get_queued_msg_length(ws->wsl) : 0;
}

void http_ws_close(struct http_ws *ws, int code, const char *reason)
{
	if (!ws)
		return;
	ws->released = true;
	if (!ws->over && !ws->closing) {
		size_t rlen = reason ? strlen(reason) : 0;
		if (rlen > 123)
			rlen = 123;
		ws->closing = true;
		wslay_event_queue_close(ws->wsl, (uint16_t)code,
					(const uint8_t *)reason, rlen);
		if (ws->timer)
			uv_timer_start(&ws->timer->t, on_timer,
				       WS_CLOSE_WAIT_MS, 0);
		ws_io(ws);
	}
	ws_unref(ws);
}
