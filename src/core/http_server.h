/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 server: libmicrohttpd driven from the libuv loop, with a route table. */
#ifndef HEARTH_CORE_HTTP_SERVER_H
#define HEARTH_CORE_HTTP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/addr.h"
#include "base/buf.h"

/*
 * libmicrohttpd parses HTTP; it runs without threads of its own, its epoll
 * descriptor watched by a uv_poll_t, so handlers run on the loop thread
 * like the rest of the daemon. Limits (header bytes, body bytes,
 * connections, idle time) are enforced before a handler sees a request.
 * Not thread-safe: use from the loop thread.
 */
struct http_server;

/* What a handler sees. Valid only during the handler call (and the auth
 * check before it). */
struct http_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated; "" when there is none */
	size_t body_len;
	void *conn; /* libmicrohttpd connection; use the accessors below */
	struct http_server *server; /* the server that received it */
	void *priv;		    /* the server's per-request state */
};

#define HTTP_EXTRA_HEADERS 4

/* What a handler fills. ->body is freed by the server. */
struct http_response {
	int status;
	const char *content_type; /* static string */
	struct buf body;
	const char *allow; /* static string for an Allow header, or NULL */
	/* Further headers (http_reply_header); names are static strings. */
	struct {
		const char *name;
		char value[128];
	} extra[HTTP_EXTRA_HEADERS];
	int n_extra;
	/* A body read from a file instead of ->body (http_reply_file):
	 * file_len bytes of file_fd from file_off. The server owns file_fd
	 * and closes it; a HEAD request gets the length and no bytes. */
	bool has_file;
	int file_fd;
	uint64_t file_off, file_len;
};

typedef void (*http_handler_fn)(const struct http_request *req,
				struct http_response *resp, void *ud);

/*
 * A route's auth check, run with the route's @ud once the headers are in,
 * before the body is read (req->body is still "") and before the handler.
 * Returns 0 to let the request through, or the HTTP status to refuse it
 * with (401, 403, ...). A refusal may fill @resp (body, extra headers such
 * as WWW-Authenticate); left empty, the server answers {"error": ...}
 * itself. A 401 without a WWW-Authenticate header gets the management
 * API's ("X-API-Key realm=\"hearth\"").
 */
typedef int (*http_auth_fn)(const struct http_request *req,
			    struct http_response *resp, void *ud);

/* One entry of a route table; tables are static and outlive the server. */
struct http_route {
	const char *name;   /* label in metrics: "healthz" */
	const char *method; /* "GET", ... */
	const char *path;   /* exact path, or a prefix when it ends in '/' and
			       ->prefix is set */
	bool prefix;
	/* Shorthand for .auth = http_auth_management: requires X-API-Key. */
	bool management;
	http_auth_fn auth; /* NULL (and !management): a public route */
	http_handler_fn fn;
	const char *help;
};

/* The core's auth check: the request's X-API-Key must equal the server's
 * api key (http_server_opts.api_key / http_server_set_api_key); without a
 * key configured every request is refused. 401 otherwise. */
int http_auth_management(const struct http_request *req,
			 struct http_response *resp, void *ud);

struct http_server_opts {
	struct sockaddr_any listen;
	int64_t max_header_bytes;
	int64_t max_body_bytes;
	int64_t max_connections;
	int64_t idle_timeout; /* seconds */
	const char *api_key;  /* copied; NULL refuses management routes */
	/* Long-lived responses (streams and WebSockets) open at once: in
	 * total and per client address. 0: the defaults (4096, 256). Over
	 * either cap a new one is answered 429. */
	int64_t max_streams;
	int64_t max_streams_per_client;
	/* Connections open at once from one client address (IPv4 address,
	 * IPv6 /128); more are closed at accept. 0: no cap. */
	int64_t max_connections_per_client;
	/* A request's line and headers must be in whole within this many
	 * seconds of the connection's accept (on a kept-alive connection:
	 * of the previous response, plus idle_timeout); late connections
	 * are closed, however many bytes trickled in. 0: no deadline. */
	int64_t header_timeout;
	/* Of max_connections, this many (at most half) are kept for clients
	 * in @reserved_clients, which the per-client cap does not limit
	 * either: the host's own tools and health checks keep being served
	 * when others hold every other slot. The prefixes are copied. */
	int64_t reserved_connections;
	const struct ipprefix *reserved_clients;
	size_t n_reserved_clients;
	/* Bytes of libmicrohttpd's pool per connection: the request line
	 * and headers, its bookkeeping, the response's buffers. Every
	 * connection keeps it while libmicrohttpd serves it (a deferred
	 * answer too; held streams and WebSockets leave libmicrohttpd and
	 * its pool once their handler returns). It should exceed
	 * max_header_bytes by a few KiB, or headers a little under that
	 * limit get libmicrohttpd's bare 431 instead of ours. 0: twice
	 * max_header_bytes plus 8 KiB. */
	int64_t conn_memory;
};

/* A server is one listener with its own routes, limits and key; a room may
 * create its own on another address (nothing is shared between servers). */

/* Binds the listening socket (so it can run before privileges drop) and
 * prepares the server; nothing is served until http_server_start. */
int http_server_new(uv_loop_t *loop, const struct http_server_opts *opts,
		    struct http_server **out);

/* Adds @n routes; @ud is passed to their handlers. The table must outlive
 * the server. Returns 0 or -ENOMEM. */
int http_server_add_routes(struct http_server *s, const struct http_route *r,
			   size_t n, void *ud);

/* Starts serving. */
int http_server_start(struct http_server *s);

/* Settings a reload may change. The key is copied. */
int http_server_set_api_key(struct http_server *s, const char *api_key);
void http_server_set_max_body(struct http_server *s, int64_t bytes);

/* Serves an already connected stream socket (ownership passes). It is
 * admitted like an accepted one (caps, reserve; a socketpair counts as a
 * reserved client). */
int http_server_adopt(struct http_server *s, int fd);

/* The bound address (with the real port when 0 was asked). */
struct sockaddr_any http_server_address(const struct http_server *s);

/* Writes HTTP metrics (requests by route and code, open connections). */
void http_server_collect(struct buf *out, void *server);

/* Stops accepting, closes connections and frees; @cb (may be NULL) runs
 * once everything is released. NULL is a no-op. */
void http_server_close(struct http_server *s, void (*cb)(void *), void *ud);

/* ---- request access (during the handler; returned strings belong to
 * the request and are valid until the handler returns) ---- */

/* Header value of the request, or NULL; @name is matched case-insensitively. */
const char *http_request_header(const struct http_request *req,
				const char *name);
/* Query-string argument (the first of that name, percent-decoded), or
 * NULL. A key given without '=' has the value "". */
const char *http_request_arg(const struct http_request *req, const char *name);

/* Calls @fn for each query argument / header in the order received; @fn
 * returns true to go on. Returns how many were visited. */
typedef bool (*http_kv_fn)(const char *key, const char *value, void *ud);
size_t http_request_each_arg(const struct http_request *req, http_kv_fn fn,
			     void *ud);
size_t http_request_each_header(const struct http_request *req, http_kv_fn fn,
				void *ud);

/* "Authorization: Basic ..." decoded. On success *user and *pass are new
 * NUL-terminated strings the caller frees with free(). Returns 0, -ENOENT
 * (no Basic credentials), -EINVAL (malformed) or -ENOMEM. */
int http_request_basic_auth(const struct http_request *req, char **user,
			    char **pass);
/* The token of "Authorization: Bearer TOKEN", or NULL. */
const char *http_request_bearer(const struct http_request *req);
/* The client's address and port. */
struct sockaddr_any http_request_client(const struct http_request *req);

/* Response helpers. json: a compact dump of @j (reference stolen). */
void http_reply_json(struct http_response *resp, int status, json_t *j);
/* {"error": "..."} */
void http_reply_error(struct http_response *resp, int status,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A request that failed on the server's side (@rc, a hearth code):
 * 503 with the reason when the store's disk is full (HEARTH_EFULL:
 * writes refused, try later), else 500 with the error's text. */
void http_reply_failure(struct http_response *resp, int rc);
void http_reply_text(struct http_response *resp, int status,
		     const char *content_type, const char *text);

/* The body is @len bytes of the open file @fd from @off (ownership of @fd
 * passes to the response, also when it is never sent); ->body is
 * dropped. The bytes are read as they are sent, not into memory. */
void http_reply_file(struct http_response *resp, int status,
		     const char *content_type, int fd, uint64_t off,
		     uint64_t len);

/* Adds a header (@name static, value copied, at most 127 bytes); past
 * HTTP_EXTRA_HEADERS they are dropped. Every answer says Cache-Control:
 * no-store unless it adds a Cache-Control of its own. */
void http_reply_header(struct http_response *resp, const char *name,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * ---- Responses that wait, stream or upgrade ----
 *
 * One rule of ownership for the three kinds of handle below: the handler
 * gets the handle, and from then on there are two owners, the caller and
 * the server. The caller lets go with exactly one call, always
 * (http_pending_finish, http_stream_end, http_ws_close), whatever else
 * happened; no callback of that handle runs after that call. The server
 * lets go when the client is gone or the response is sent. Memory is
 * freed when both have let go, so the handle stays valid for the caller
 * until its own final call, even after its abort/close callback ran (the
 * callback is the last notice: writes after it are no-ops that return
 * -EPIPE). A room that closes calls the final function on every handle it
 * holds. Callbacks run on the loop thread; call all of this from it.
 */

/* ---- deferred responses ---- */

struct http_pending;

/* Called when the client went away (or the server is closing) before the
 * response was finished. The handle is still the caller's: it must still
 * call http_pending_finish (which then only frees). */
typedef void (*http_pending_abort_fn)(struct http_pending *p, void *ud);

/*
 * Called from a handler: the answer comes later. The handler returns with
 * its @resp untouched; the connection waits (suspended, no CPU, no idle
 * timeout) until http_pending_finish. Returns NULL (and @resp is a 500)
 * when out of memory. @on_abort may be NULL.
 */
struct http_pending *http_defer(const struct http_request *req,
				struct http_response *resp,
				http_pending_abort_fn on_abort, void *ud);

/* The response to fill (with the http_reply_* helpers) before
 * http_pending_finish; starts as an empty 200. */
struct http_response *http_pending_response(struct http_pending *p);

/* True once the client is gone (or the server closing): finishing then
 * sends nothing. */
bool http_pending_is_aborted(const struct http_pending *p);

/* Sends the response (when the client is still there) and lets go of @p.
 * NULL is a no-op. */
void http_pending_finish(struct http_pending *p);

/*
 * Lets go of @p like http_pending_finish, but instead of sending its
 * response the server runs the route's handler again for the same
 * request: same method, path, headers, query and body, with
 * http_request_retries one more. For work that must finish before the
 * handler can decide (a password checked on the work queue). Call it
 * from a later callback, not from the handler itself. NULL is a no-op.
 */
void http_pending_retry(struct http_pending *p);
/* How many times the handler was run again for this request (0 the
 * first time). */
unsigned http_request_retries(const struct http_request *req);

/* ---- streaming responses (chunked: NDJSON, Server-Sent Events) ---- */

struct http_stream;

struct http_stream_opts {
	int status;		  /* 0: 200 */
	const char *content_type; /* static string; NULL: application/x-ndjson */
	/* The client went away, a write failed or the server is closing.
	 * The caller still ends its use with http_stream_end. May be NULL. */
	void (*on_close)(struct http_stream *st, void *ud);
	/* Every keepalive_ms (0: never) while the stream is open: calls
	 * on_keepalive, or, when it is NULL, writes keepalive_text
	 * (e.g. ":\n\n" for SSE, "\n" for NDJSON). */
	uint64_t keepalive_ms;
	void (*on_keepalive)(struct http_stream *st, void *ud);
	const char *keepalive_text; /* static string */
	/* Bytes written but not yet sent that a stream may hold; past it a
	 * write fails with -ENOBUFS. 0: 1 MiB. */
	size_t max_buffered;
	void *ud;
};

/*
 * Called from a handler: the response is a chunked stream that stays open
 * until http_stream_end. The headers go out when the handler returns;
 * what is written goes out at once (one send; only what the socket does
 * not take is copied, see max_buffered). After an HTTP/1.0 request the
 * body is not chunked and the connection closes at the end; on a
 * kept-alive HTTP/1.1 connection the next request is served after it.
 * Returns NULL with @resp filled when the stream caps are reached (429)
 * or out of memory (500); the handler then just returns.
 */
struct http_stream *http_stream_open(const struct http_request *req,
				     struct http_response *resp,
				     const struct http_stream_opts *o);

/* Queues bytes (copied) and wakes the connection. Returns 0, -EPIPE (the
 * client is gone), -ENOBUFS (max_buffered) or -ENOMEM. */
int http_stream_write(struct http_stream *st, const void *data, size_t len);
int http_stream_printf(struct http_stream *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One Server-Sent Event: "event: @event" (when not NULL), one "data:"
 * line per line of @data, an empty line. */
int http_stream_sse(struct http_stream *st, const char *event,
		    const char *data);
/* One NDJSON line: a compact dump of @j and "\n" (reference stolen). */
int http_stream_json(struct http_stream *st, json_t *j);

/* True once the client is gone (or the server closing). */
bool http_stream_is_closed(const struct http_stream *st);
/* The client of the stream (for per-user bookkeeping). */
struct sockaddr_any http_stream_client(const struct http_stream *st);

/* Ends the stream after what was written is sent, and lets go of @st: no
 * callback runs after this. NULL is a no-op. */
void http_stream_end(struct http_stream *st);

/* ---- WebSocket (RFC 6455, text and binary messages) ---- */

struct http_ws;

struct http_ws_opts {
	/* The handshake is done: sending works from here (messages sent
	 * before are queued). May be NULL. */
	void (*on_open)(struct http_ws *ws, void *ud);
	/* A whole message from the client; @data is valid during the call. */
	void (*on_message)(struct http_ws *ws, const char *data, size_t len,
			   bool binary, void *ud);
	/* The connection is over: close handshake done, peer gone, protocol
	 * error, or the server closing. @code is the close code received
	 * (1005 when none, 1006 when the connection just dropped). The
	 * caller still ends its use with http_ws_close. May be NULL. */
	void (*on_close)(struct http_ws *ws, int code, void *ud);
	/* Largest message (and frame) accepted; past it the connection is
	 * closed with 1009. 0: 1 MiB. */
	size_t max_message;
	/* A ping every ping_ms (0: never); a peer that has not answered the
	 * previous one by then is dropped. */
	uint64_t ping_ms;
	void *ud;
};

/*
 * Called from a GET handler for an "Upgrade: websocket" request: checks
 * the handshake headers and, after the handler returns, answers 101 and
 * hands the connection over to the WebSocket. Returns NULL with @resp
 * filled on a bad handshake (400, 426), the stream caps (429) or out of
 * memory (500). A WebSocket counts as a stream against the caps.
 */
struct http_ws *http_ws_accept(const struct http_request *req,
			       struct http_response *resp,
			       const struct http_ws_opts *o);

/* Queues a text (UTF-8) or binary message (copied). Returns 0, -EPIPE
 * (closing or closed) or -ENOMEM. */
int http_ws_send_text(struct http_ws *ws, const char *text, size_t len);
int http_ws_send_binary(struct http_ws *ws, const void *data, size_t len);

/* Bytes of messages queued and not yet sent (a slow reader's backlog:
 * the caller bounds it). */
size_t http_ws_queued(const struct http_ws *ws);

/* Starts the close handshake with @code (1000: normal) and @reason (may be
 * NULL, at most 123 bytes) unless the connection is already over, and
 * lets go of @ws: no callback runs after this. NULL is a no-op. */
void http_ws_close(struct http_ws *ws, int code, const char *reason);

/* The Sec-WebSocket-Accept value for @key: base64(SHA-1(key + GUID));
 * @out holds at least 29 bytes. */
void http_ws_accept_key(const char *key, char out[29]);

/* ---- fan-out: one message to each of many streams and WebSockets ---- */

struct http_out {
	struct http_stream *st; /* one of the two */
	struct http_ws *ws;
	const void *data; /* borrowed until http_write_many returns */
	size_t len;
	/* A WebSocket: -ENOBUFS instead of the message when more than this
	 * would be queued before it (0: no bound); a stream has its
	 * max_buffered. */
	size_t ws_max_queued;
	int rc; /* out: as http_stream_write or http_ws_send_text returns */
};

/*
 * Writes each @out's bytes to its handle: to a stream as
 * http_stream_write, to a WebSocket as one text message
 * (http_ws_send_text), and sets its rc. A handle appears at most once.
 * Loop thread only. From a few hundred handles on, the writes (the
 * sends and what a slow socket queues) are shared with a sender thread
 * the server starts at the first such call and joins when it closes;
 * every write is made when this returns, so the writes to one handle
 * keep the order of the calls. No callback runs from here.
 */
void http_write_many(struct http_server *s, struct http_out *out, size_t n);

/* How many streams and WebSockets @s holds open, in total and for the
 * address of @client (port ignored). */
size_t http_server_streams(const struct http_server *s,
			   const struct sockaddr_any *client);

#endif
