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

/* What a handler sees. Valid only during the handler call. */
struct http_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated; "" when there is none */
	size_t body_len;
	void *conn; /* libmicrohttpd connection; use the accessors below */
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
};

typedef void (*http_handler_fn)(const struct http_request *req,
				struct http_response *resp, void *ud);

/* One entry of a route table; tables are static and outlive the server. */
struct http_route {
	const char *name;   /* label in metrics: "healthz" */
	const char *method; /* "GET", ... */
	const char *path;   /* exact path, or a prefix when it ends in '/' and
			       ->prefix is set */
	bool prefix;
	bool management; /* requires X-API-Key */
	http_handler_fn fn;
	const char *help;
};

struct http_server_opts {
	struct sockaddr_any listen;
	int64_t max_header_bytes;
	int64_t max_body_bytes;
	int64_t max_connections;
	int64_t idle_timeout; /* seconds */
	const char *api_key;  /* copied; NULL refuses management routes */
};

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

/* Serves an already connected stream socket (ownership passes). */
int http_server_adopt(struct http_server *s, int fd);

/* The bound address (with the real port when 0 was asked). */
struct sockaddr_any http_server_address(const struct http_server *s);

/* Writes HTTP metrics (requests by route and code, open connections). */
void http_server_collect(struct buf *out, void *server);

/* Stops accepting, closes connections and frees; @cb (may be NULL) runs
 * once everything is released. NULL is a no-op. */
void http_server_close(struct http_server *s, void (*cb)(void *), void *ud);

/* Header value of the request, or NULL. */
const char *http_request_header(const struct http_request *req,
				const char *name);
/* Query-string argument, or NULL. */
const char *http_request_arg(const struct http_request *req, const char *name);

/* Response helpers. json: a compact dump of @j (reference stolen). */
void http_reply_json(struct http_response *resp, int status, json_t *j);
/* {"error": "..."} */
void http_reply_error(struct http_response *resp, int status,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void http_reply_text(struct http_response *resp, int status,
		     const char *content_type, const char *text);

/* Adds a header (@name static, value copied, at most 127 bytes); past
 * HTTP_EXTRA_HEADERS they are dropped. */
void http_reply_header(struct http_response *resp, const char *name,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
