/* SPDX-License-Identifier: MIT */
/* Unit tests of deferred and streaming responses, request access and auth hooks, with a raw TCP client on the same loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/buf.h"
#include "core/http_server.h"

#define WATCHDOG_MS 10000

struct t {
	uv_loop_t loop;
	struct http_server *srv;
	uint16_t port;
	uv_tcp_t cli;
	uv_connect_t creq;
	uv_write_t wreq;
	char req[1024];
	struct buf got;
	int reads;
	uv_timer_t later, cut, stop, watchdog;
	uint64_t cut_ms, stop_ms;
	struct http_pending *p;
	struct http_stream *st;
	int ticks;
	int aborts, closes, server_closed;
	bool cli_closed, stopping;
};

static struct t T;

/* ---- routes ---- */

static void later_reply(uv_timer_t *t)
{
	(void)t;
	http_reply_text(http_pending_response(T.p), 202, "text/plain",
			"later\n");
	http_pending_finish(T.p);
	T.p = NULL;
}

static void on_abort(struct http_pending *p, void *ud)
{
	(void)ud;
	assert_ptr_equal(p, T.p);
	assert_true(http_pending_is_aborted(p));
	T.aborts++;
	uv_timer_stop(&T.later);
	http_pending_finish(p); /* after an abort: only lets go */
	T.p = NULL;
}

static void h_defer(const struct http_request *req,
		    struct http_response *resp, void *ud)
{
	(void)ud;
	T.p = http_defer(req, resp, on_abort, NULL);
	assert_non_null(T.p);
	uv_timer_start(&T.later, later_reply, 30, 0);
}

static void h_now(const struct http_request *req, struct http_response *resp,
		  void *ud)
{
	(void)ud;
	struct http_pending *p = http_defer(req, resp, NULL, NULL);
	http_reply_text(http_pending_response(p), 200, "text/plain", "now\n");
	http_pending_finish(p);
}

static void later_retry(uv_timer_t *t)
{
	(void)t;
	http_pending_retry(T.p);
	T.p = NULL;
}

/* Defers the first time, asks to be run again 30 ms later; the second
 * run sees the same request and answers. */
static void h_retry(const struct http_request *req,
		    struct http_response *resp, void *ud)
{
	(void)ud;
	T.ticks++;
	if (http_request_retries(req) == 0) {
		T.p = http_defer(req, resp, on_abort, NULL);
		assert_non_null(T.p);
		uv_timer_start(&T.later, later_retry, 30, 0);
		return;
	}
	char text[128];
	snprintf(text, sizeof(text), "run %u q=%s h=%s\n",
		 http_request_retries(req), http_request_arg(req, "q"),
		 http_request_header(req, "X-T"));
	http_reply_text(resp, 200, "text/plain", text);
}

static void stream_tick(uv_timer_t *t)
{
	(void)t;
	if (++T.ticks < 3) {
		assert_int_equal(http_stream_printf(T.st, "line %d\n", T.ticks),
				 0);
		return;
	}
	uv_timer_stop(&T.later);
	http_stream_end(T.st);
	T.st = NULL;
}

static void on_stream_close(struct http_stream *st, void *ud)
{
	(void)ud;
	assert_ptr_equal(st, T.st);
	assert_true(http_stream_is_closed(st));
	assert_int_equal(http_stream_write(st, "x", 1), -EPIPE);
	T.closes++;
	uv_timer_stop(&T.later);
	http_stream_end(st);
	T.st = NULL;
}

static void h_stream(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	(void)ud;
	struct http_stream_opts o = {.on_close = on_stream_close};
	T.st = http_stream_open(req, resp, &o);
	assert_non_null(T.st);
	assert_int_equal(http_stream_write(T.st, "line 0\n", 7), 0);
	uv_timer_start(&T.later, stream_tick, 20, 20);
}

static void h_hold(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	(void)ud;
	struct http_stream_opts o = {.on_close = on_stream_close,
				     .content_type = "text/event-stream"};
	T.st = http_stream_open(req, resp, &o);
	assert_non_null(T.st);
	assert_int_equal(http_stream_sse(T.st, "e", "a\nb"), 0);
}

static void h_basic(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)ud;
	char *user, *pass;
	int rc = http_request_basic_auth(req, &user, &pass);
	char text[256];
	snprintf(text, sizeof(text), "%d|%s|%s|%s", rc, user ? user : "-",
		 pass ? pass : "-",
		 http_request_bearer(req) ? http_request_bearer(req) : "-");
	free(user);
	free(pass);
	http_reply_text(resp, 200, "text/plain", text);
}

static int deny(const struct http_request *req, struct http_response *resp,
		void *ud)
{
	(void)req;
	(void)resp;
	(*(int *)ud)++;
	return 403;
}

static int deny_calls;

static const struct http_route routes[] = {
	{.name = "defer", .method = "GET", .path = "/defer", .fn = h_defer},
	{.name = "now", .method = "GET", .path = "/now", .fn = h_now},
	{.name = "stream", .method = "GET", .path = "/stream", .fn = h_stream},
	{.name = "hold", .method = "GET", .path = "/hold", .fn = h_hold},
	{.name = "basic", .method = "GET", .path = "/basic", .fn = h_basic},
	{.name = "retry", .method = "GET", .path = "/retry", .fn = h_retry},
};

static const struct http_route guarded[] = {
	{.name = "guarded", .method = "GET", .path = "/guarded", .auth = deny,
	 .fn = h_basic},
};

/* ---- the client: one request, read until EOF ---- */

static void server_closed(void *ud)
{
	(void)ud;
	T.server_closed++;
}

static void stop_all(void)
{
	if (T.stopping)
		return;
	T.stopping = true;
	http_server_close(T.srv, server_closed, NULL);
	uv_close((uv_handle_t *)&T.later, NULL);
	uv_close((uv_handle_t *)&T.cut, NULL);
	uv_close((uv_handle_t *)&T.stop, NULL);
	uv_close((uv_handle_t *)&T.watchdog, NULL);
}

static void cli_closed(uv_handle_t *h)
{
	(void)h;
	T.cli_closed = true;
	stop_all();
}

static void cli_close(void)
{
	if (!uv_is_closing((uv_handle_t *)&T.cli))
		uv_close((uv_handle_t *)&T.cli, cli_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char space[65536];
	(void)h;
	(void)hint;
	*b = uv_buf_init(space, sizeof(space));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)s;
	if (n > 0) {
		buf_append(&T.got, b->base, (size_t)n);
		T.reads++;
	} else if (n < 0) {
		cli_close();
	}
}

static void on_written(uv_write_t *w, int status)
{
	(void)w;
	assert_int_equal(status, 0);
}

static void on_connected(uv_connect_t *c, int status)
{
	(void)c;
	assert_int_equal(status, 0);
	uv_buf_t b = uv_buf_init(T.req, (unsigned)strlen(T.req));
	uv_write(&T.wreq, (uv_stream_t *)&T.cli, &b, 1, on_written);
	uv_read_start((uv_stream_t *)&T.cli, on_alloc, on_read);
}

static void on_cut(uv_timer_t *t)
{
	(void)t;
	cli_close();
}

static void on_stop(uv_timer_t *t)
{
	(void)t;
	stop_all(); /* the server closes under a live response */
}

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	fail_msg("watchdog: the exchange did not end");
}

/* Sets up a server and a client for one request @path (+ @headers, each
 * ending in CRLF); run_exchange runs it and returns what the client read. */
static void exchange(const char *path, const char *headers)
{
	memset(&T, 0, sizeof(T));
	buf_init(&T.got, 0);
	assert_int_equal(uv_loop_init(&T.loop), 0);
	struct http_server_opts o = {
		.max_header_bytes = 8192,
		.max_body_bytes = 1024,
		.max_connections = 16,
		.idle_timeout = 30,
		.api_key = "k",
	};
	o.listen.u.in.sin_family = AF_INET;
	o.listen.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	o.listen.len = sizeof(o.listen.u.in);
	assert_int_equal(http_server_new(&T.loop, &o, &T.srv), 0);
	assert_int_equal(http_server_add_routes(T.srv, routes,
						sizeof(routes) /
							sizeof(routes[0]),
						NULL),
			 0);
	assert_int_equal(http_server_add_routes(T.srv, guarded, 1, &deny_calls),
			 0);
	assert_int_equal(http_server_start(T.srv), 0);
	struct sockaddr_any a = http_server_address(T.srv);
	uv_timer_init(&T.loop, &T.later);
	uv_timer_init(&T.loop, &T.cut);
	uv_timer_init(&T.loop, &T.stop);
	uv_timer_init(&T.loop, &T.watchdog);
	uv_timer_start(&T.watchdog, on_watchdog, WATCHDOG_MS, 0);
	snprintf(T.req, sizeof(T.req),
		 "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n",
		 path, headers ? headers : "");
	uv_tcp_init(&T.loop, &T.cli);
	assert_int_equal(uv_tcp_connect(&T.creq, &T.cli, &a.u.sa, on_connected),
			 0);
}

static const char *run_exchange(void)
{
	if (T.cut_ms)
		uv_timer_start(&T.cut, on_cut, T.cut_ms, 0);
	if (T.stop_ms)
		uv_timer_start(&T.stop, on_stop, T.stop_ms, 0);
	uv_run(&T.loop, UV_RUN_DEFAULT);
	assert_int_equal(T.server_closed, 1);
	assert_true(T.cli_closed);
	/* Nothing is left on the loop. */
	assert_int_equal(uv_loop_close(&T.loop), 0);
	return T.got.data ? T.got.data : "";
}

static const char *get(const char *path, const char *headers)
{
	exchange(path, headers);
	return run_exchange();
}

/* ---- tests ---- */

static void test_deferred(void **state)
{
	(void)state;
	const char *r = get("/defer", NULL);
	assert_true(strncmp(r, "HTTP/1.1 202 ", 13) == 0);
	assert_non_null(strstr(r, "\r\n\r\nlater\n"));
	assert_int_equal(T.aborts, 0);
	buf_deinit(&T.got);

	r = get("/now", NULL);
	assert_true(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(r, "\r\n\r\nnow\n"));
	buf_deinit(&T.got);
}

static void test_retry(void **state)
{
	(void)state;
	const char *r = get("/retry?q=1", "X-T: yes\r\n");
	assert_true(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(r, "\r\n\r\nrun 1 q=1 h=yes\n"));
	assert_int_equal(T.ticks, 2);
	assert_int_equal(T.aborts, 0);
	buf_deinit(&T.got);

	/* the client leaves while it waits: told once, never run again */
	exchange("/retry", NULL);
	T.cut_ms = 10;
	run_exchange();
	assert_int_equal(T.aborts, 1);
	assert_int_equal(T.ticks, 1);
	buf_deinit(&T.got);
}

static void test_deferred_client_gone(void **state)
{
	(void)state;
	exchange("/defer", NULL);
	T.cut_ms = 10; /* before the 30 ms answer */
	run_exchange();
	assert_int_equal(T.aborts, 1);
	assert_int_equal(T.got.len, 0);
	buf_deinit(&T.got);
}

static void test_stream_chunks(void **state)
{
	(void)state;
	const char *r = get("/stream", NULL);
	assert_true(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	assert_non_null(strstr(r, "Transfer-Encoding: chunked\r\n"));
	assert_non_null(strstr(r, "Content-Type: application/x-ndjson\r\n"));
	const char *body = strstr(r, "\r\n\r\n") + 4;
	assert_string_equal(body, "7\r\nline 0\n\r\n7\r\nline 1\n\r\n"
				  "7\r\nline 2\n\r\n0\r\n\r\n");
	/* Written 20 ms apart, flushed at once: not one read. */
	assert_true(T.reads >= 3);
	assert_int_equal(T.closes, 0); /* ended by the owner: no notice */
	buf_deinit(&T.got);
}

static void test_stream_client_gone(void **state)
{
	(void)state;
	exchange("/hold", NULL);
	T.cut_ms = 50;
	const char *r = run_exchange();
	assert_non_null(strstr(r, "event: e\ndata: a\ndata: b\n\n"));
	assert_int_equal(T.closes, 1);
	assert_null(T.st);
	buf_deinit(&T.got);
}

static void test_stream_server_closes(void **state)
{
	(void)state;
	exchange("/hold", NULL);
	T.stop_ms = 50;
	const char *r = run_exchange();
	assert_non_null(strstr(r, "Content-Type: text/event-stream\r\n"));
	assert_int_equal(T.closes, 1); /* told by http_server_close */
	/* Cut, not ended: no last chunk. */
	assert_null(strstr(r, "\r\n0\r\n\r\n"));
	buf_deinit(&T.got);
}

static void test_basic_and_bearer(void **state)
{
	(void)state;
	/* "al:pa:ss" */
	const char *r = get("/basic", "Authorization: Basic YWw6cGE6c3M=\r\n");
	assert_non_null(strstr(r, "\r\n\r\n0|al|pa:ss|-"));
	buf_deinit(&T.got);
	r = get("/basic", "Authorization: bearer  abc.def\r\n");
	assert_non_null(strstr(r, "\r\n\r\n-2|-|-|abc.def")); /* -ENOENT */
	buf_deinit(&T.got);
	r = get("/basic", "Authorization: Basic bm9jb2xvbg==\r\n"); /* nocolon */
	assert_non_null(strstr(r, "\r\n\r\n-22|-|-|-"));	    /* -EINVAL */
	buf_deinit(&T.got);
	r = get("/basic", "Authorization: Basic %%%\r\n");
	assert_non_null(strstr(r, "\r\n\r\n-22|-|-|-"));
	buf_deinit(&T.got);
}

static void test_auth_hook(void **state)
{
	(void)state;
	deny_calls = 0;
	const char *r = get("/guarded", NULL);
	assert_true(strncmp(r, "HTTP/1.1 403 ", 13) == 0);
	assert_non_null(strstr(r, "{\"error\":\"forbidden\"}"));
	assert_int_equal(deny_calls, 1);
	buf_deinit(&T.got);
}

static void test_ws_accept_key(void **state)
{
	(void)state;
	char out[29];
	/* RFC 6455, section 1.3. */
	http_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_deferred_client_gone),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_stream_chunks),
		cmocka_unit_test(test_stream_client_gone),
		cmocka_unit_test(test_stream_server_closes),
		cmocka_unit_test(test_basic_and_bearer),
		cmocka_unit_test(test_auth_hook),
		cmocka_unit_test(test_ws_accept_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
