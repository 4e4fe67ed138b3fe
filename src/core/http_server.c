/* SPDX-License-Identifier: MIT */
/* libmicrohttpd on the libuv loop: routing, auth, limits and request metrics. */
#include "core/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "core/http_priv.h"
#include "core/metrics.h"

#define DEFAULT_MAX_STREAMS 4096
#define DEFAULT_MAX_STREAMS_PER_CLIENT 256

/* ---- response helpers ---- */

void http_reply_text(struct http_response *resp, int status,
		     const char *content_type, const char *text)
{
	resp->status = status;
	resp->content_type = content_type;
	buf_deinit(&resp->body);
	buf_puts(&resp->body, text);
}

void http_reply_json(struct http_response *resp, int status, json_t *j)
{
	/* The one place a jansson failure becomes an HTTP answer. */
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	json_decref(j);
	if (!text) {
		http_reply_text(resp, 500, "application/json",
				"{\"error\":\"cannot encode JSON\"}");
		return;
	}
	http_reply_text(resp, status, "application/json", text);
	free(text);
}

void http_reply_error(struct http_response *resp, int status,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_json(resp, status, json_pack("{s:s}", "error", msg));
}

void http_reply_failure(struct http_response *resp, int rc)
{
	http_reply_error(resp, rc == HEARTH_EFULL ? 503 : 500, "%s",
			 hearth_strerror(rc));
}

void http_reply_header(struct http_response *resp, const char *name,
		       const char *fmt, ...)
{
	if (resp->n_extra >= HTTP_EXTRA_HEADERS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(resp->extra[resp->n_extra].value,
		  sizeof(resp->extra[0].value), fmt, ap);
	va_end(ap);
	resp->extra[resp->n_extra++].name = name;
}

/* ---- the loop glue ---- */

static void run(struct http_server *s);
static int readopt(struct http_server *s, int fd);

static void on_timer(uv_timer_t *t)
{
	run(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	run(p->data);
}

static void run(struct http_server *s)
{
	if (s->closing)
		return;
	s->kick = false;
	for (size_t i = 0; i < s->n_giveback; i++)
		readopt(s, s->giveback[i]);
	s->n_giveback = 0;
	MHD_run(s->mhd);
	MHD_UNSIGNED_LONG_LONG to;
	if (s->rearm || s->kick) {
		/* libmicrohttpd stops polling the listening socket at its own
		 * limit and resumes only at the start of a later run; resumed
		 * connections too are taken up at the start of a run. */
		s->rearm = false;
		s->kick = false;
		uv_timer_start(&s->timer, on_timer, 0, 0);
	} else if (MHD_get_timeout(s->mhd, &to) == MHD_YES)
		uv_timer_start(&s->timer, on_timer, to, 0);
	else
		uv_timer_stop(&s->timer);
}

void http_kick(struct http_server *s)
{
	s->kick = true;
	if (s->started && !s->closing)
		uv_timer_start(&s->timer, on_timer, 0, 0);
}

/* ---- request handling ---- */

static void count(struct route_ent *e, int code)
{
	for (int i = 0; i < MAX_CODES; i++) {
		if (e->codes[i].code == code || e->codes[i].code == 0) {
			e->codes[i].code = code;
			e->codes[i].n++;
			return;
		}
	}
	e->other++;
}

static bool has_extra(const struct http_response *resp, const char *name)
{
	for (int i = 0; i < resp->n_extra; i++)
		if (strcasecmp(resp->extra[i].name, name) == 0)
			return true;
	return false;
}

/* Headers every answer carries, whatever its kind, to @fn. */
static void each_header(const struct http_response *resp,
			void (*fn)(const char *name, const char *value,
				   void *ud),
			void *ud)
{
	if (resp->content_type)
		fn(MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type, ud);
	if (resp->allow)
		fn(MHD_HTTP_HEADER_ALLOW, resp->allow, ud);
	for (int i = 0; i < resp->n_extra; i++)
		fn(resp->extra[i].name, resp->extra[i].value, ud);
	if (resp->status == 401 &&
	    !has_extra(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE))
		fn(MHD_HTTP_HEADER_WWW_AUTHENTICATE, "X-API-Key realm=\"hearth\"",
		   ud);
	fn("X-Content-Type-Options", "nosniff", ud);
	/* no-store unless the route said how long its answer may be kept
	 * (the watch room's badges and public status-page JSON). */
	if (!has_extra(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
		fn(MHD_HTTP_HEADER_CACHE_CONTROL, "no-store", ud);
}

static void mhd_header(const char *name, const char *value, void *ud)
{
	MHD_add_response_header(ud, name, value);
}

static void add_headers(struct MHD_Response *r,
			const struct http_response *resp)
{
	each_header(resp, mhd_header, r);
}

static void head_header(const char *name, const char *value, void *ud)
{
	buf_printf(ud, "%s: %s\r\n", name, value);
}

int http_head_build(struct buf *out, const struct http_response *resp,
		    const char *more)
{
	const char *reason = MHD_get_reason_phrase_for((unsigned)resp->status);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", resp->status,
		   reason && *reason ? reason : "Unknown", date);
	each_header(resp, head_header, out);
	buf_printf(out, "%s\r\n", more ? more : "");
	return out->err ? -ENOMEM : 0;
}

void http_reply_file(struct http_response *resp, int status,
		     const char *content_type, int fd, uint64_t off,
		     uint64_t len)
{
	http_response_drop_file(resp);
	buf_deinit(&resp->body);
	buf_init(&resp->body, 0);
	resp->status = status;
	resp->content_type = content_type;
	resp->has_file = true;
	resp->file_fd = fd;
	resp->file_off = off;
	resp->file_len = len;
}

void http_response_drop_file(struct http_response *resp)
{
	if (resp->has_file)
		close(resp->file_fd);
	resp->has_file = false;
}

enum MHD_Result http_queue(struct MHD_Connection *conn, struct reqctx *ctx,
			   struct http_response *resp)
{
	if (resp->has_file) {
		/* libmicrohttpd closes the descriptor with the response. */
		resp->has_file = false;
		buf_deinit(&resp->body);
		struct MHD_Response *fr = MHD_create_response_from_fd_at_offset64(
			resp->file_len, resp->file_fd, resp->file_off);
		if (!fr) {
			close(resp->file_fd);
			return MHD_NO;
		}
		return http_queue_special(conn, ctx, resp, fr);
	}
	size_t len = 0;
	char *body = buf_steal(&resp->body, &len);
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
		len, body ? body : (char *)"", body ? free : NULL);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	add_headers(r, resp);
	ctx->status = resp->status;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result http_queue_special(struct MHD_Connection *conn,
				   struct reqctx *ctx,
				   const struct http_response *resp,
				   struct MHD_Response *r)
{
	add_headers(r, resp);
	ctx->status = resp->status;
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result queue_error(struct MHD_Connection *conn,
				   struct reqctx *ctx, int status,
				   const char *msg, const char *allow)
{
	struct http_response resp = {0};
	buf_init(&resp.body, 0);
	http_reply_error(&resp, status, "%s", msg);
	resp.allow = allow;
	/* After a malformed request the rest of the stream cannot be
	 * trusted to be framed as the client meant. */
	if (status == 400 || status == 414)
		http_reply_header(&resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (status != 404 && status != 405 && LOG_DEBUG <= log_threshold) {
		struct http_request req = {.conn = conn};
		struct sockaddr_any a = http_request_client(&req);
		char text[ADDR_TEXT_MAX] = "?";
		if (a.len)
			sockaddr_format(&a, text);
		log_debug("http", "refused a request from %s: %d %s", text,
			  status, msg);
	}
	return http_queue(conn, ctx, &resp);
}

/* Bytes of the request line and header block, as sent (near enough: the
 * parsed form loses only optional whitespace). */
struct header_sum {
	size_t bytes;
};

static enum MHD_Result add_header_len(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct header_sum *h = cls;
	(void)kind;
	h->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static size_t header_bytes(struct MHD_Connection *conn, const char *method,
			   const char *url)
{
	struct header_sum h = {strlen(method) + strlen(url) + 12};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_len, &h);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_header_len,
				  &h);
	return h.bytes;
}

struct framing {
	const char *cl; /* the first Content-Length */
	bool ambiguous;
	bool te;
};

static enum MHD_Result add_framing(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct framing *f = cls;
	(void)kind;
	value = value ? value : "";
	if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		f->te = true;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
		return MHD_YES;
	if (f->cl && strcmp(f->cl, value) != 0)
		f->ambiguous = true;
	if (!f->cl)
		f->cl = value;
	return MHD_YES;
}

/* False when the body's length is ambiguous, which a proxy in front may
 * read otherwise (request smuggling): Content-Length headers that
 * differ, or Content-Length with Transfer-Encoding. *cl: the
 * Content-Length, or NULL. */
static bool framing_ok(struct MHD_Connection *conn, const char **cl)
{
	struct framing f = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_framing, &f);
	*cl = f.cl;
	return !f.ambiguous && !(f.cl && f.te);
}

static bool path_matches(const struct http_route *r, const char *path)
{
	if (r->prefix)
		return strncmp(path, r->path, strlen(r->path)) == 0;
	return strcmp(path, r->path) == 0;
}

/* Finds the route for method+path; *allow lists the methods of a path
 * that exists under another method. */
static struct route_ent *find_route(struct http_server *s, const char *method,
				    const char *path, char *allow, size_t alen)
{
	allow[0] = '\0';
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct http_route *r = s->routes[i].r;
		if (!path_matches(r, path))
			continue;
		if (strcmp(r->method, method) == 0)
			return &s->routes[i];
		size_t used = strlen(allow);
		snprintf(allow + used, alen - used, "%s%s", used ? ", " : "",
			 r->method);
	}
	return NULL;
}

static void request_init(struct http_request *req, struct reqctx *ctx,
			 const char *method, const char *url)
{
	*req = (struct http_request){
		.method = method,
		.path = url,
		.body = ctx->body.data ? ctx->body.data : "",
		.body_len = ctx->body.len,
		.conn = ctx->conn,
		.server = ctx->s,
		.priv = ctx,
	};
}

/* The route's auth check, before the body is read (the request's body is
 * still empty then). */
static enum MHD_Result check_auth(struct reqctx *ctx, const char *method,
				  const char *url)
{
	const struct http_route *r = ctx->route->r;
	http_auth_fn auth = r->auth ? r->auth
				    : r->management ? http_auth_management
						    : NULL;
	if (!auth)
		return MHD_YES;
	struct http_request req;
	request_init(&req, ctx, method, url);
	struct http_response resp = {0};
	buf_init(&resp.body, 0);
	int status = auth(&req, &resp, ctx->route->ud);
	if (!status) {
		buf_deinit(&resp.body);
		return MHD_YES;
	}
	if (!resp.body.len)
		http_reply_error(&resp, status, "%s",
				 status == 401	 ? "unauthorized"
				 : status == 403 ? "forbidden"
						 : "refused");
	resp.status = status;
	return http_queue(ctx->conn, ctx, &resp);
}

static enum MHD_Result first_call(struct http_server *s,
				  struct MHD_Connection *conn,
				  struct reqctx *ctx, const char *method,
				  const char *url)
{
	char allow[128];
	int refuse = http_conn_request_in(conn);
	if (refuse) {
		ctx->route = &s->unmatched;
		return queue_error(conn, ctx, refuse,
				   refuse == 414 ? "request target too long"
						 : "control character in the "
						   "request target",
				   NULL);
	}
	if (header_bytes(conn, method, url) > (size_t)s->max_header) {
		ctx->route = &s->unmatched;
		return queue_error(conn, ctx, 431,
				   "request header fields too large", NULL);
	}
	/* The body limit is the server's, whatever the route: refuse before
	 * reading a byte of it. */
	const char *cl = NULL;
	if (!framing_ok(conn, &cl)) {
		ctx->route = &s->unmatched;
		return queue_error(conn, ctx, 400,
				   "ambiguous body length: Content-Length "
				   "twice or with Transfer-Encoding",
				   NULL);
	}
	if (cl) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);
		if (errno || *end || n > (unsigned long long)s->max_body) {
			ctx->route = &s->unmatched;
			return queue_error(conn, ctx, 413,
					   "request body too large", NULL);
		}
	}
	ctx->route = find_route(s, method, url, allow, sizeof(allow));
	if (!ctx->route) {
		ctx->route = &s->unmatched;
		if (allow[0])
			return queue_error(conn, ctx, 405, "method not allowed",
					   allow);
		return queue_error(conn, ctx, 404, "not found", NULL);
	}
	return check_auth(ctx, method, url);
}

/* The whole request is in: run the handler and queue what it asked for. */
static enum MHD_Result call_handler(struct reqctx *ctx, const char *method,
				    const char *url)
{
	struct http_request req;
	request_init(&req, ctx, method, url);
	struct http_response resp = {.status = 200};
	buf_init(&resp.body, 0);
	ctx->route->r->fn(&req, &resp, ctx->route->ud);
	if (ctx->ws || ctx->stream) {
		/* The handler's response carries the headers. */
		enum MHD_Result ret = ctx->ws ? http_ws_start(ctx, &resp)
					      : http_stream_start(ctx, &resp);
		buf_deinit(&resp.body);
		ctx->s->taking = ret == MHD_NO && ctx->taken;
		return ret;
	}
	if (ctx->pending) {
		buf_deinit(&resp.body);
		return http_pending_start(ctx);
	}
	return http_queue(ctx->conn, ctx, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct reqctx *ctx = *con_cls;

	if (!ctx) {
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return MHD_NO;
		ctx->s = s;
		ctx->conn = conn;
		ctx->started_ns = metrics_now_ns();
		ctx->http10 = version && strcmp(version, MHD_HTTP_VERSION_1_1);
		const char *c = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONNECTION);
		ctx->conn_close = c && strcasestr(c, "close");
		buf_init(&ctx->body, 0); /* bounded by max_body below */
		*con_cls = ctx;
		return first_call(s, conn, ctx, method, url);
	}
	if (ctx->aborted)
		return MHD_NO; /* the client is gone: close */
	if (ctx->pending && http_pending_take_retry(ctx)) {
		ctx->retries++;
		return call_handler(ctx, method, url);
	}
	if (ctx->pending)
		return http_pending_resumed(ctx);
	if (ctx->status)
		return MHD_YES; /* answered early; discard any body */
	if (*upload_size) {
		/* Chunked bodies have no length up front: count as they come,
		 * keep discarding after the limit, answer 413 at the end. */
		if (!ctx->too_big &&
		    (ctx->body.len + *upload_size > (size_t)s->max_body ||
		     buf_append(&ctx->body, upload, *upload_size)))
			ctx->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (ctx->too_big) {
		buf_deinit(&ctx->body);
		return queue_error(conn, ctx, 413, "request body too large",
				   NULL);
	}
	return call_handler(ctx, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct reqctx *ctx = *con_cls;
	struct http_server *s = cls;
	s->taking = false; /* (its notice, if any, was logged before) */
	if (!ctx)
		return;
	http_conn_request_done(s, conn,
			       toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	http_unwatch(ctx);
	if (ctx->pending)
		http_pending_detach(ctx);
	if (ctx->route && ctx->status)
		count(ctx->route, ctx->status);
	if (ctx->route && ctx->status && !ctx->taken &&
	    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		metrics_hist_observe(&ctx->route->latency,
				     metrics_now_ns() - ctx->started_ns);
	buf_deinit(&ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[512];
	bool taken = s->taking;
	s->taking = false;
	if (LOG_DEBUG > log_threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* A stream that took its socket says MHD_NO, which libmicrohttpd
	 * reports as an application error: it is not one. */
	if (taken && strstr(msg, "Application reported internal error"))
		return;
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http", "%s", msg);
}

/* ---- lifecycle ---- */

static int bind_listen(struct http_server *s, const struct sockaddr_any *a)
{
	int fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
						   SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->u.sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* The kernel's largest backlog: a burst of clients (thousands of
	 * subscribers reconnecting at once) waits in it, not refused. */
	if (bind(fd, &a->u.sa, a->len) || listen(fd, SOMAXCONN)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	s->addr.len = sizeof(s->addr.u.ss);
	if (getsockname(fd, &s->addr.u.sa, &s->addr.len)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	s->listen_fd = fd;
	return 0;
}

int http_server_new(uv_loop_t *loop, const struct http_server_opts *opts,
		    struct http_server **out)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int rc;
	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->listen_fd = -1;
	s->max_body = opts->max_body_bytes;
	s->max_header = opts->max_header_bytes;
	s->max_conns = (uint64_t)opts->max_connections;
	s->unmatched.r = NULL;
	s->max_streams = opts->max_streams > 0 ? (size_t)opts->max_streams
					       : DEFAULT_MAX_STREAMS;
	s->max_streams_per_client = opts->max_streams_per_client > 0
					    ? (size_t)opts->max_streams_per_client
					    : DEFAULT_MAX_STREAMS_PER_CLIENT;
	s->live.next = s->live.prev = &s->live;
	s->max_per_client = opts->max_connections_per_client > 0
				    ? (size_t)opts->max_connections_per_client
				    : 0;
	s->header_timeout_ms = opts->header_timeout > 0
				       ? (uint64_t)opts->header_timeout * 1000
				       : 0;
	s->idle_timeout_ms = (uint64_t)opts->idle_timeout * 1000;
	s->reserve = opts->reserved_connections > 0
			     ? (uint64_t)opts->reserved_connections
			     : 0;
	if (s->reserve > s->max_conns / 2)
		s->reserve = s->max_conns / 2;
	if (opts->n_reserved_clients) {
		s->reserved = calloc(opts->n_reserved_clients,
				     sizeof(*s->reserved));
		if (!s->reserved) {
			free(s);
			return -ENOMEM;
		}
		memcpy(s->reserved, opts->reserved_clients,
		       opts->n_reserved_clients * sizeof(*s->reserved));
		s->n_reserved = opts->n_reserved_clients;
	}
	rc = http_server_set_api_key(s, opts->api_key);
	if (rc)
		goto fail;
	rc = bind_listen(s, &opts->listen);
	if (rc) {
		char text[ADDR_TEXT_MAX];
		sockaddr_format(&opts->listen, text);
		log_error("http", "cannot listen on %s: %s", text,
			  hearth_strerror(rc));
		goto fail;
	}
	/* The pool holds the request line and headers plus MHD's own
	 * bookkeeping. Headers past max_header_bytes get our JSON 431;
	 * libmicrohttpd answers its own 431 only past 8 KiB more. Each
	 * connection (a held stream too) touches most of its pool: it is
	 * what a stream costs, so no larger than that. */
	size_t pool = opts->conn_memory > 0
			      ? (size_t)opts->conn_memory
			      : 2 * (size_t)opts->max_header_bytes + 8192;
	s->mhd = MHD_start_daemon(
		/* TURBO: a descriptor is closed without shutdown(), so a
		 * held stream's socket, dup'ed and taken (http_sock.c),
		 * lives on when libmicrohttpd lets its connection go. */
		MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG |
			MHD_ALLOW_SUSPEND_RESUME,
		0, http_conn_admit, s, on_request,
		s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd,
		/* Headroom over our own limit, which on_accept enforces. */
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)opts->max_connections + 64,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opts->idle_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, http_conn_notify, s,
		MHD_OPTION_URI_LOG_CALLBACK, http_conn_uri_log, s,
		MHD_OPTION_END);
	if (!s->mhd) {
		log_error("http", "libmicrohttpd refused to start");
		rc = HEARTH_EHTTP;
		goto fail;
	}
	s->listen_fd = -1; /* MHD owns it now */
	*out = s;
	return 0;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free(s->api_key);
	free(s->reserved);
	free(s);
	return rc;
}

int http_server_add_routes(struct http_server *s, const struct http_route *r,
			   size_t n, void *ud)
{
	if (s->n_routes + n > s->cap_routes) {
		size_t cap = s->cap_routes ? s->cap_routes : 16;
		while (cap < s->n_routes + n)
			cap *= 2;
		struct route_ent *e = realloc(s->routes, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		s->routes = e;
		s->cap_routes = cap;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&s->routes[s->n_routes], 0, sizeof(s->routes[0]));
		s->routes[s->n_routes].r = &r[i];
		s->routes[s->n_routes].ud = ud;
		s->n_routes++;
	}
	return 0;
}

int http_server_start(struct http_server *s)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info)
		return HEARTH_EHTTP;
	int rc = uv_poll_init(s->loop, &s->poll, info->epoll_fd);
	if (rc)
		return rc;
	s->poll.data = s;
	rc = uv_timer_init(s->loop, &s->timer);
	if (rc) {
		uv_close((uv_handle_t *)&s->poll, NULL);
		return rc;
	}
	s->timer.data = s;
	rc = http_conn_start(s);
	if (rc) {
		uv_close((uv_handle_t *)&s->poll, NULL);
		uv_close((uv_handle_t *)&s->timer, NULL);
		return rc;
	}
	s->started = true;
	rc = uv_poll_start(&s->poll, UV_READABLE, on_poll);
	if (rc)
		return rc;
	run(s);
	return 0;
}

int http_server_set_api_key(struct http_server *s, const char *api_key)
{
	char *k = NULL;
	if (api_key && *api_key) {
		k = strdup(api_key);
		if (!k)
			return -ENOMEM;
	}
	free(s->api_key);
	s->api_key = k;
	return 0;
}

void http_server_set_max_body(struct http_server *s, int64_t bytes)
{
	s->max_body = bytes;
}

static int readopt(struct http_server *s, int fd)
{
	struct sockaddr_any peer;
	peer.len = sizeof(peer.u.ss);
	if (getpeername(fd, &peer.u.sa, &peer.len)) {
		/* socketpair: no peer address; describe it as loopback. */
		memset(&peer, 0, sizeof(peer));
		peer.u.in.sin_family = AF_INET;
		peer.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		peer.len = sizeof(peer.u.in);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -errno;
	}
	if (MHD_add_connection(s->mhd, fd, &peer.u.sa, peer.len) != MHD_YES)
		return HEARTH_EHTTP; /* MHD closed the socket */
	return 0;
}

void http_server_give_back(struct http_server *s, int fd)
{
	if (s->n_giveback == s->cap_giveback) {
		size_t cap = s->cap_giveback ? s->cap_giveback * 2 : 8;
		int *g = realloc(s->giveback, cap * sizeof(*g));
		if (!g) {
			close(fd);
			return;
		}
		s->giveback = g;
		s->cap_giveback = cap;
	}
	s->giveback[s->n_giveback++] = fd;
	http_kick(s);
}

int http_server_adopt(struct http_server *s, int fd)
{
	int rc = readopt(s, fd);
	if (!rc && s->started)
		run(s);
	return rc;
}

static bool same_host(const struct sockaddr_any *a, const struct sockaddr_any *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	if (a->u.sa.sa_family == AF_INET6)
		return memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
	return true; /* no address (socketpair): all one client */
}

size_t http_server_streams(const struct http_server *s,
			   const struct sockaddr_any *client)
{
	if (!client)
		return s->n_streams;
	size_t n = 0;
	for (const struct http_live *l = s->live.next; l != &s->live;
	     l = l->next)
		if (l->counts && same_host(&l->client, client))
			n++;
	return n;
}

int http_live_add(struct http_server *s, struct http_live *l,
		  const struct http_request *req, bool counts,
		  struct http_response *resp)
{
	l->client = http_request_client(req);
	l->counts = counts;
	if (counts && (s->n_streams >= s->max_streams ||
		       http_server_streams(s, &l->client) >=
			       s->max_streams_per_client)) {
		s->refused_streams++;
		http_reply_error(resp, 429, "too many streams open%s",
				 s->n_streams >= s->max_streams
					 ? ""
					 : " from this address");
		http_reply_header(resp, "Retry-After", "5");
		return -EBUSY;
	}
	l->next = &s->live;
	l->prev = s->live.prev;
	l->prev->next = l;
	s->live.prev = l;
	l->linked = true;
	if (counts)
		s->n_streams++;
	return 0;
}

void http_live_remove(struct http_server *s, struct http_live *l)
{
	if (!l->linked)
		return;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->linked = false;
	if (l->counts)
		s->n_streams--;
}

struct sockaddr_any http_server_address(const struct http_server *s)
{
	return s->addr;
}

static void collect_route(struct buf *out, const char *name,
			  const struct route_ent *e)
{
	for (int i = 0; i < MAX_CODES && e->codes[i].code; i++) {
		char code[16];
		snprintf(code, sizeof(code), "%d", e->codes[i].code);
		metrics_sample(out, "hearth_http_requests_total",
			       (double)e->codes[i].n, 2, "route", name, "code",
			       code);
	}
	if (e->other)
		metrics_sample(out, "hearth_http_requests_total",
			       (double)e->other, 2, "route", name, "code",
			       "other");
}

void http_server_collect(struct buf *out, void *server)
{
	struct http_server *s = server;
	metrics_family(out, "hearth_http_requests_total", "counter",
		       "HTTP requests answered, by route and status code");
	for (size_t i = 0; i < s->n_routes; i++)
		collect_route(out, s->routes[i].r->name, &s->routes[i]);
	collect_route(out, "unmatched", &s->unmatched);
	metrics_family(out, "hearth_http_request_duration_seconds",
		       "histogram",
		       "from a request's headers read to its answer sent, by "
		       "route (routes asked at least once; not streams)");
	for (size_t i = 0; i <= s->n_routes; i++) {
		const struct route_ent *e =
			i < s->n_routes ? &s->routes[i] : &s->unmatched;
		struct metrics_hist_sum h = {0};
		uint64_t n = 0;
		metrics_hist_add(&h, &e->latency);
		for (size_t k = 0; k <= METRICS_HIST_BOUNDS; k++)
			n += h.n[k];
		if (n)
			metrics_hist_write(out,
					   "hearth_http_request_duration_seconds",
					   &h, "route",
					   i < s->n_routes ? e->r->name
							   : "unmatched");
	}
	metrics_value(out, "hearth_http_connections", "gauge",
		      "open HTTP connections",
		      (double)s->open_conns);
	metrics_value(out, "hearth_http_connections_refused_total", "counter",
		      "connections closed at accept: over max_connections",
		      (double)s->refused_conns);
	metrics_family(out, "hearth_http_connections_refused_per_client_total",
		       "counter",
		       "connections closed at accept: over "
		       "max_connections_per_client");
	metrics_sample(out, "hearth_http_connections_refused_per_client_total",
		       (double)s->refused_per_client, 0);
	metrics_value(out, "hearth_http_header_timeouts_total", "counter",
		      "connections closed: request line and headers not in within header_timeout",
		      (double)s->header_timeouts);
	metrics_value(out, "hearth_http_streams", "gauge",
		      "open streaming responses and WebSockets",
		      (double)s->n_streams);
	metrics_value(out, "hearth_http_streams_refused_total", "counter",
		      "streams and WebSockets answered 429: over the caps",
		      (double)s->refused_streams);
}

static void finish(struct http_server *s)
{
	s->closing = -1; /* the handles are gone: no more kicks */
	/* Connections resumed at shutdown are taken up by one last run, so
	 * none is still suspended when the daemon stops. */
	MHD_run(s->mhd);
	MHD_stop_daemon(s->mhd);
	http_fanout_stop(s);
	for (size_t i = 0; i < s->n_giveback; i++)
		close(s->giveback[i]);
	free(s->giveback);
	http_conn_linger_detach(s);
	void (*cb)(void *) = s->close_cb;
	void *ud = s->close_ud;
	free(s->routes);
	free(s->api_key);
	free(s->reserved);
	free(s);
	if (cb)
		cb(ud);
}

static void on_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;
	if (--s->closing == 0)
		finish(s);
}

void http_server_close(struct http_server *s, void (*cb)(void *), void *ud)
{
	if (!s)
		return;
	s->close_cb = cb;
	s->close_ud = ud;
	/* Every deferred answer, stream and WebSocket is told and let go. */
	while (s->live.next != &s->live)
		s->live.next->shutdown(s->live.next);
	if (!s->started) {
		finish(s);
		return;
	}
	s->closing = 3;
	uv_close((uv_handle_t *)&s->poll, on_closed);
	uv_close((uv_handle_t *)&s->timer, on_closed);
	uv_close((uv_handle_t *)&s->deadline_timer, on_closed);
}
