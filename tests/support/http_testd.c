/* SPDX-License-Identifier: MIT */
/* Test-only daemon: an http_server with routes that exercise deferred, streaming and WebSocket responses. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/addr.h"
#include "base/err.h"
#include "base/log.h"
#include "core/http_server.h"

/*
 * Usage: http_testd [--listen ADDR] [--port N] [--max-streams N]
 *                   [--max-streams-per-client N] [--max-connections N]
 *                   [--max-header-bytes N] [--idle-timeout S]
 * Prints "listening PORT" on stdout once serving. SIGTERM: closes the
 * server (every deferred reply, stream and WebSocket is told), and exits
 * 0 only when uv_loop_close() then succeeds (no handle left open).
 *
 * Each deferred reply, stream or WebSocket is a job, held the way a room
 * would hold it: the job ends its handle with the one final call.
 */

enum job_kind { JOB_DEFER, JOB_STREAM, JOB_WS };

struct job {
	uv_timer_t timer; /* first: the job is freed through it */
	struct job *prev, *next;
	enum job_kind kind;
	struct http_pending *p;
	struct http_stream *st;
	struct http_ws *ws;
	long n, i; /* lines or events: how many, how many sent */
	bool sse;
	bool ended;
};

struct testd {
	uv_loop_t loop;
	struct http_server *srv;
	uv_signal_t sig_term, sig_int;
	struct job jobs; /* list head */
	long jobs_open, aborts, closes, ws_messages, opened;
	bool stopping;
};

static struct testd T;

static long arg_long(const struct http_request *req, const char *name,
		     long def)
{
	const char *v = http_request_arg(req, name);
	return v && *v ? strtol(v, NULL, 10) : def;
}

static void job_free(uv_handle_t *h)
{
	free(h);
}

static struct job *job_new(enum job_kind kind)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->kind = kind;
	uv_timer_init(&T.loop, &j->timer);
	j->next = &T.jobs;
	j->prev = T.jobs.prev;
	j->prev->next = j;
	T.jobs.prev = j;
	T.jobs_open++;
	T.opened++;
	return j;
}

/* Lets go of the job's handle with its final call, once. */
static void job_end(struct job *j)
{
	if (j->ended)
		return;
	j->ended = true;
	j->prev->next = j->next;
	j->next->prev = j->prev;
	T.jobs_open--;
	switch (j->kind) {
	case JOB_DEFER:
		http_pending_finish(j->p);
		break;
	case JOB_STREAM:
		http_stream_end(j->st);
		break;
	case JOB_WS:
		http_ws_close(j->ws, 1000, "bye");
		break;
	}
	uv_close((uv_handle_t *)&j->timer, job_free);
}

/* ---- /t/defer?ms=N: answers after N ms ---- */

static void defer_fire(uv_timer_t *t)
{
	struct job *j = (struct job *)t;
	http_reply_json(http_pending_response(j->p), 200,
			json_pack("{s:I}", "waited_ms", (json_int_t)j->n));
	job_end(j);
}

static void defer_abort(struct http_pending *p, void *ud)
{
	struct job *j = ud;
	(void)p;
	T.aborts++;
	job_end(j);
}

static void h_defer(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)ud;
	struct job *j = job_new(JOB_DEFER);
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	j->p = http_defer(req, resp, defer_abort, j);
	if (!j->p) {
		job_end(j);
		return;
	}
	j->n = arg_long(req, "ms", 0);
	if (j->n == 0) {
		/* Answered within the handler: no suspension at all. */
		defer_fire(&j->timer);
		return;
	}
	uv_timer_start(&j->timer, defer_fire, (uint64_t)j->n, 0);
}

/* ---- streams: /t/ndjson, /t/sse, /t/hold ---- */

static void stream_closed(struct http_stream *st, void *ud)
{
	(void)st;
	T.closes++;
	job_end(ud);
}

static void stream_tick(uv_timer_t *t)
{
	struct job *j = (struct job *)t;
	char text[64];
	snprintf(text, sizeof(text), "%ld", j->i);
	int rc = j->sse ? http_stream_sse(j->st, "tick", text)
			: http_stream_json(j->st, json_pack("{s:I}", "i",
							    (json_int_t)j->i));
	if (rc || ++j->i >= j->n)
		job_end(j);
}

static struct job *open_stream(const struct http_request *req,
			       struct http_response *resp,
			       struct http_stream_opts *o)
{
	struct job *j = job_new(JOB_STREAM);
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	o->on_close = stream_closed;
	o->ud = j;
	j->st = http_stream_open(req, resp, o);
	if (!j->st) {
		job_end(j);
		return NULL;
	}
	return j;
}

static void h_ndjson(const struct http_request *req, struct http_response *resp,
		     void *ud)
{
	(void)ud;
	struct http_stream_opts o = {.content_type = "application/x-ndjson"};
	struct job *j = open_stream(req, resp, &o);
	if (!j)
		return;
	j->n = arg_long(req, "n", 3);
	long ms = arg_long(req, "ms", 100);
	uv_timer_start(&j->timer, stream_tick, (uint64_t)ms, (uint64_t)ms);
}

static void h_sse(const struct http_request *req, struct http_response *resp,
		  void *ud)
{
	(void)ud;
	struct http_stream_opts o = {
		.content_type = "text/event-stream",
		.keepalive_ms = (uint64_t)arg_long(req, "ka", 30),
		.keepalive_text = ": keepalive\n\n",
	};
	struct job *j = open_stream(req, resp, &o);
	if (!j)
		return;
	j->sse = true;
	j->n = arg_long(req, "n", 3);
	long ms = arg_long(req, "ms", 100);
	/* A first event at once, from the handler itself. */
	http_stream_sse(j->st, "hello", "line one\nline two");
	uv_timer_start(&j->timer, stream_tick, (uint64_t)ms, (uint64_t)ms);
}

/* /t/flood?n=N: writes N blocks of 16 KiB (1000: until the stream's
 * buffer is full) within the handler, then ends: for a client that never
 * reads what is left, and for a stream over before its head is out. */
static void h_flood(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)ud;
	struct http_stream_opts o = {.max_buffered = 8 * 1024 * 1024};
	struct job *j = open_stream(req, resp, &o);
	if (!j)
		return;
	static char block[16384];
	memset(block, 'f', sizeof(block));
	long n = arg_long(req, "n", 1000);
	for (long i = 0; i < n; i++)
		if (http_stream_write(j->st, block, sizeof(block)))
			break;
	job_end(j);
}

static void h_hold(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	(void)ud;
	struct http_stream_opts o = {
		.keepalive_ms = (uint64_t)arg_long(req, "ka", 0),
		.keepalive_text = "\n",
	};
	struct job *j = open_stream(req, resp, &o);
	if (j)
		http_stream_printf(j->st, "{\"hold\":%ld}\n", T.opened);
}

/* ---- /t/ws: echo; "big N" answers N bytes; "close" closes ---- */

static void ws_message(struct http_ws *ws, const char *data, size_t len,
		       bool binary, void *ud)
{
	struct job *j = ud;
	T.ws_messages++;
	if (!binary && len > 4 && strncmp(data, "big ", 4) == 0) {
		size_t n = (size_t)strtoul(data + 4, NULL, 10);
		char *big = malloc(n);
		if (big) {
			memset(big, 'b', n);
			http_ws_send_text(ws, big, n);
			free(big);
		}
		return;
	}
	if (!binary && len == 5 && memcmp(data, "close", 5) == 0) {
		job_end(j); /* http_ws_close(1000, "bye") */
		return;
	}
	if (binary)
		http_ws_send_binary(ws, data, len);
	else
		http_ws_send_text(ws, data, len);
}

static void ws_open(struct http_ws *ws, void *ud)
{
	(void)ud;
	http_ws_send_text(ws, "welcome", 7);
}

static void ws_closed(struct http_ws *ws, int code, void *ud)
{
	(void)ws;
	(void)code;
	T.closes++;
	job_end(ud);
}

static void h_ws(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	(void)ud;
	struct job *j = job_new(JOB_WS);
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	struct http_ws_opts o = {
		.on_open = ws_open,
		.on_message = ws_message,
		.on_close = ws_closed,
		.max_message = (size_t)arg_long(req, "max", 65536),
		.ping_ms = (uint64_t)arg_long(req, "ping", 0),
		.ud = j,
	};
	j->ws = http_ws_accept(req, resp, &o);
	if (!j->ws)
		job_end(j);
}

/* ---- /t/req: what the request access functions see ---- */

static bool add_kv(const char *key, const char *value, void *ud)
{
	json_array_append_new(ud, json_pack("[s,s]", key, value));
	return true;
}

static void h_req(const struct http_request *req, struct http_response *resp,
		  void *ud)
{
	(void)ud;
	json_t *args = json_array(), *headers = json_array();
	size_t n_args = http_request_each_arg(req, add_kv, args);
	http_request_each_header(req, add_kv, headers);
	char *user = NULL, *pass = NULL;
	int brc = http_request_basic_auth(req, &user, &pass);
	struct sockaddr_any client = http_request_client(req);
	char addr[ADDR_TEXT_MAX];
	sockaddr_format(&client, addr);
	const char *basic = brc == 0	       ? "ok"
			    : brc == -ENOENT ? "none"
			    : brc == -EINVAL ? "invalid"
					     : "error";
	http_reply_json(
		resp, 200,
		json_pack("{s:o, s:I, s:o, s:s?, s:s, s:s?, s:s?, s:s?, s:s, "
			  "s:i}",
			  "args", args, "n_args", (json_int_t)n_args,
			  "headers", headers, "x_test",
			  http_request_header(req, "x-TEST"), "basic", basic,
			  "user", user, "pass", pass, "bearer",
			  http_request_bearer(req), "client", addr,
			  "client_port", (int)sockaddr_port(&client)));
	free(user);
	free(pass);
}

/* ---- /t/auth: a route with its own auth check ---- */

static int token_auth(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	(void)ud;
	const char *tok = http_request_bearer(req);
	if (!tok) {
		http_reply_header(resp, "WWW-Authenticate", "Bearer realm=\"t\"");
		return 401;
	}
	return strcmp(tok, "good") ? 403 : 0;
}

static void h_auth(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	(void)req;
	(void)ud;
	http_reply_json(resp, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- /t/stats ---- */

static void h_stats(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)ud;
	struct sockaddr_any client = http_request_client(req);
	http_reply_json(
		resp, 200,
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "streams",
			  (json_int_t)http_server_streams(T.srv, NULL),
			  "streams_this_client",
			  (json_int_t)http_server_streams(T.srv, &client),
			  "jobs_open", (json_int_t)T.jobs_open, "aborts",
			  (json_int_t)T.aborts, "closes", (json_int_t)T.closes,
			  "ws_messages", (json_int_t)T.ws_messages, "opened",
			  (json_int_t)T.opened));
}

static void h_metrics(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	(void)req;
	(void)ud;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4";
	http_server_collect(&resp->body, T.srv);
}

static const struct http_route routes[] = {
	{.name = "defer", .method = "GET", .path = "/t/defer", .fn = h_defer},
	{.name = "ndjson", .method = "GET", .path = "/t/ndjson", .fn = h_ndjson},
	{.name = "sse", .method = "GET", .path = "/t/sse", .fn = h_sse},
	{.name = "hold", .method = "GET", .path = "/t/hold", .fn = h_hold},
	{.name = "flood", .method = "GET", .path = "/t/flood", .fn = h_flood},
	{.name = "ws", .method = "GET", .path = "/t/ws", .fn = h_ws},
	{.name = "req", .method = "GET", .path = "/t/req", .fn = h_req},
	{.name = "auth", .method = "GET", .path = "/t/auth", .auth = token_auth,
	 .fn = h_auth},
	{.name = "mgmt", .method = "GET", .path = "/t/mgmt", .management = true,
	 .fn = h_auth},
	{.name = "stats", .method = "GET", .path = "/t/stats", .fn = h_stats},
	{.name = "metrics", .method = "GET", .path = "/metrics",
	 .fn = h_metrics},
};

/* ---- lifecycle ---- */

static void on_server_closed(void *ud)
{
	(void)ud;
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	if (T.stopping)
		return;
	T.stopping = true;
	/* The server tells every job's handle (abort/close callbacks end
	 * them); what is left is ended here, as a closing room would. */
	http_server_close(T.srv, on_server_closed, NULL);
	T.srv = NULL;
	while (T.jobs.next != &T.jobs)
		job_end(T.jobs.next);
	uv_close((uv_handle_t *)&T.sig_term, NULL);
	uv_close((uv_handle_t *)&T.sig_int, NULL);
}

static void print_leak(uv_handle_t *h, void *ud)
{
	(void)ud;
	fprintf(stderr, "http_testd: handle left open: %s\n",
		uv_handle_type_name(uv_handle_get_type(h)));
}

int main(int argc, char **argv)
{
	struct http_server_opts o = {
		.max_header_bytes = 16384,
		.max_body_bytes = 65536,
		.max_connections = 4096,
		.idle_timeout = 30,
		.api_key = "k3y",
	};
	const char *listen = "127.0.0.1";
	long port = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		long v = strtol(argv[i + 1], NULL, 10);
		if (!strcmp(argv[i], "--listen"))
			listen = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = v;
		else if (!strcmp(argv[i], "--max-streams"))
			o.max_streams = v;
		else if (!strcmp(argv[i], "--max-streams-per-client"))
			o.max_streams_per_client = v;
		else if (!strcmp(argv[i], "--max-header-bytes"))
			o.max_header_bytes = v;
		else if (!strcmp(argv[i], "--max-connections"))
			o.max_connections = v;
		else if (!strcmp(argv[i], "--idle-timeout"))
			o.idle_timeout = v;
		else {
			fprintf(stderr, "http_testd: unknown option %s\n",
				argv[i]);
			return 2;
		}
	}
	if (sockaddr_parse(listen, 1, &o.listen)) {
		fprintf(stderr, "http_testd: bad address %s\n", listen);
		return 2;
	}
	if (o.listen.u.sa.sa_family == AF_INET6)
		o.listen.u.in6.sin6_port = htons((uint16_t)port);
	else
		o.listen.u.in.sin_port = htons((uint16_t)port);
	log_set_level(LOG_WARN);
	T.jobs.next = T.jobs.prev = &T.jobs;
	if (uv_loop_init(&T.loop))
		return 1;
	int rc = http_server_new(&T.loop, &o, &T.srv);
	if (!rc)
		rc = http_server_add_routes(T.srv, routes,
					    sizeof(routes) / sizeof(routes[0]),
					    NULL);
	if (!rc)
		rc = http_server_start(T.srv);
	if (rc) {
		fprintf(stderr, "http_testd: %s\n", hearth_strerror(rc));
		return 1;
	}
	uv_signal_init(&T.loop, &T.sig_term);
	uv_signal_start(&T.sig_term, on_signal, SIGTERM);
	uv_signal_init(&T.loop, &T.sig_int);
	uv_signal_start(&T.sig_int, on_signal, SIGINT);
	struct sockaddr_any a = http_server_address(T.srv);
	printf("listening %u\n", (unsigned)sockaddr_port(&a));
	fflush(stdout);
	uv_run(&T.loop, UV_RUN_DEFAULT);
	rc = uv_loop_close(&T.loop);
	if (rc) {
		uv_walk(&T.loop, print_leak, NULL);
		fprintf(stderr, "http_testd: uv_loop_close: %s\n",
			uv_strerror(rc));
		return 3;
	}
	return 0;
}
