/* SPDX-License-Identifier: MIT */
/* Unit tests of the HTTP server and client together on one libuv loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "core/http_client.h"
#include "core/http_server.h"

#define MAX_STEPS 40
#define MAX_BODY 1024
#define WATCHDOG_MS 10000

/* ---- the server's routes ---- */

static void h_hello(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)ud;
	const char *name = http_request_arg(req, "name");
	char text[128];
	snprintf(text, sizeof(text), "hello%s%s\n", name ? " " : "",
		 name ? name : "");
	http_reply_text(resp, 200, "text/plain", text);
}

static void h_echo(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	(void)ud;
	/* The body is NUL-terminated at body_len. */
	if (req->body[req->body_len] != '\0' || strcmp(req->method, "POST")) {
		http_reply_error(resp, 500, "bad request struct");
		return;
	}
	http_reply_json(resp, 200,
			json_pack("{s:I}", "len", (json_int_t)req->body_len));
}

static void h_admin(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)req;
	int *calls = ud;
	(*calls)++;
	http_reply_json(resp, 200, json_pack("{s:b}", "ok", 1));
}

static void h_files(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	(void)ud;
	http_reply_text(resp, 200, "text/plain", req->path);
}

static void h_big(const struct http_request *req, struct http_response *resp,
		  void *ud)
{
	(void)req;
	(void)ud;
	char text[5001];
	memset(text, 'x', 5000);
	text[5000] = '\0';
	http_reply_text(resp, 200, "text/plain", text);
}

static const struct http_route routes[] = {
	{.name = "hello", .method = "GET", .path = "/hello", .fn = h_hello,
	 .help = "greeting"},
	{.name = "echo", .method = "POST", .path = "/echo", .fn = h_echo,
	 .help = "body length"},
	{.name = "admin", .method = "GET", .path = "/admin", .management = true,
	 .fn = h_admin, .help = "management"},
	{.name = "files", .method = "GET", .path = "/files/", .prefix = true,
	 .fn = h_files, .help = "prefix"},
	{.name = "big", .method = "GET", .path = "/big", .fn = h_big,
	 .help = "5000 bytes"},
};

/* ---- the harness: steps run one after another on one loop ---- */

struct harness;

struct result {
	struct harness *h;
	int calls; /* callbacks received */
	int err;
	long status;
	char *body;
	size_t body_len;
	bool pending_ok; /* http_client_pending counted the request */
};

typedef void (*step_fn)(struct harness *h, struct result *r);

struct harness {
	uv_loop_t loop;
	uv_timer_t watchdog, kick, delay;
	struct http_server *srv;
	struct http_client *cli, *cli2;
	struct sockaddr_any addr;
	char base[64];
	int silent_fd;	   /* listens, never accepts or answers */
	char silent_url[64];
	char closed_url[64];
	const step_fn *steps;
	size_t n_steps, next;
	struct result res[MAX_STEPS];
	bool timed_out, finished;
	int admin_calls;
	char *metrics; /* http_server_collect output at the end */
	int server_closed;
};

static void run_next(struct harness *h);

static void on_kick(uv_timer_t *t)
{
	run_next(t->data);
}

/* Each step ends here exactly once; the next starts from a fresh loop
 * iteration, never from inside a library callback. */
static void step_done(struct harness *h)
{
	if (!h->finished)
		uv_timer_start(&h->kick, on_kick, 0, 0);
}

static void on_client(const struct http_client_result *res, void *ud)
{
	struct result *r = ud;
	r->calls++;
	if (r->calls > 1)
		return; /* counted; a second callback fails the test */
	r->err = res->err;
	r->status = res->status;
	r->body_len = res->body_len;
	r->body = malloc(res->body_len + 1);
	if (r->body) {
		memcpy(r->body, res->body, res->body_len);
		r->body[res->body_len] = '\0';
	}
	if (res->err)
		assert_non_null(res->errmsg);
	step_done(r->h);
}

static void request(struct harness *h, struct http_client *c, struct result *r,
		    const struct http_client_req *req)
{
	size_t before = http_client_pending(c);
	int rc = http_client_request(c, req, on_client, r);
	if (rc) {
		r->calls = -1000; /* will fail the test */
		r->err = rc;
		step_done(h);
		return;
	}
	r->pending_ok = http_client_pending(c) == before + 1;
}

static void get(struct harness *h, struct result *r, const char *path,
		const char *const *headers)
{
	char url[256];
	snprintf(url, sizeof(url), "%s%s", h->base, path);
	struct http_client_req req = {.url = url, .headers = headers};
	request(h, h->cli, r, &req);
}

static void post(struct harness *h, struct result *r, const char *path,
		 const char *body, size_t len, bool chunked)
{
	static const char *const chunked_hdr[] = {"Transfer-Encoding: chunked",
						  NULL};
	char url[256];
	snprintf(url, sizeof(url), "%s%s", h->base, path);
	struct http_client_req req = {
		.url = url, .body = body, .body_len = len,
		.headers = chunked ? chunked_hdr : NULL,
	};
	request(h, h->cli, r, &req);
}

/* A raw HTTP exchange over a libuv TCP stream, to see headers. */
struct raw {
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_write_t wr;
	uv_buf_t out;
	struct buf in;
	struct result *r;
};

static void raw_closed(uv_handle_t *hd)
{
	struct raw *x = hd->data;
	struct result *r = x->r;
	r->calls++;
	r->body_len = x->in.len;
	r->body = buf_steal(&x->in, NULL);
	if (!r->body)
		r->body = strdup("");
	if (r->body && strncmp(r->body, "HTTP/1.1 ", 9) == 0)
		r->status = strtol(r->body + 9, NULL, 10);
	free(x->out.base);
	free(x);
	step_done(r->h);
}

static void raw_alloc(uv_handle_t *hd, size_t size, uv_buf_t *b)
{
	(void)hd;
	b->base = malloc(size);
	b->len = b->base ? size : 0;
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct raw *x = s->data;
	if (n > 0)
		buf_append(&x->in, b->base, (size_t)n);
	free(b->base);
	if (n < 0) {
		if (n != UV_EOF)
			x->r->err = (int)n;
		uv_close((uv_handle_t *)&x->tcp, raw_closed);
	}
}

static void raw_written(uv_write_t *w, int status)
{
	struct raw *x = w->data;
	if (status) {
		x->r->err = status;
		uv_close((uv_handle_t *)&x->tcp, raw_closed);
		return;
	}
	uv_read_start((uv_stream_t *)&x->tcp, raw_alloc, raw_read);
}

static void raw_connected(uv_connect_t *c, int status)
{
	struct raw *x = c->data;
	if (status) {
		x->r->err = status;
		uv_close((uv_handle_t *)&x->tcp, raw_closed);
		return;
	}
	x->wr.data = x;
	uv_write(&x->wr, (uv_stream_t *)&x->tcp, &x->out, 1, raw_written);
}

static void raw(struct harness *h, struct result *r, const char *text)
{
	struct raw *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->r = r;
	buf_init(&x->in, 1 << 20);
	x->out.base = strdup(text);
	x->out.len = strlen(text);
	assert_int_equal(uv_tcp_init(&h->loop, &x->tcp), 0);
	x->tcp.data = x;
	x->conn.data = x;
	assert_int_equal(uv_tcp_connect(&x->conn, &x->tcp, &h->addr.u.sa,
					raw_connected),
			 0);
}

static void on_server_closed(void *ud)
{
	struct harness *h = ud;
	h->server_closed++;
}

static void on_server_closed_count(void *ud)
{
	(*(int *)ud)++;
}

static void finish(struct harness *h)
{
	if (h->finished)
		return;
	h->finished = true;
	struct buf out;
	buf_init(&out, 0);
	http_server_collect(&out, h->srv);
	h->metrics = buf_steal(&out, NULL);
	http_server_close(h->srv, on_server_closed, h);
	http_client_close(h->cli);
	if (h->cli2)
		http_client_close(h->cli2);
	uv_close((uv_handle_t *)&h->watchdog, NULL);
	uv_close((uv_handle_t *)&h->kick, NULL);
	uv_close((uv_handle_t *)&h->delay, NULL);
}

static void run_next(struct harness *h)
{
	if (h->finished)
		return;
	if (h->next == h->n_steps) {
		finish(h);
		return;
	}
	size_t i = h->next++;
	h->steps[i](h, &h->res[i]);
}

static void on_watchdog(uv_timer_t *t)
{
	struct harness *h = t->data;
	h->timed_out = true;
	finish(h);
}

/* 127.0.0.1 port 0 (sockaddr_parse refuses port 0 by design). */
static void loopback_any_port(struct sockaddr_any *a)
{
	assert_int_equal(sockaddr_parse("127.0.0.1:1", 0, a), 0);
	a->u.in.sin_port = 0;
}

static int free_port_url(char *out, size_t n, bool keep_listening, int *fd_out)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (keep_listening && listen(fd, 16)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		close(fd);
		return -errno;
	}
	snprintf(out, n, "http://127.0.0.1:%u/", (unsigned)ntohs(a.sin_port));
	if (keep_listening)
		*fd_out = fd;
	else
		close(fd); /* nothing listens there any more */
	return 0;
}

static void harness_run(struct harness *h, const step_fn *steps, size_t n)
{
	memset(h, 0, sizeof(*h));
	assert_true(n <= MAX_STEPS);
	h->steps = steps;
	h->n_steps = n;
	for (size_t i = 0; i < n; i++)
		h->res[i].h = h;
	assert_int_equal(uv_loop_init(&h->loop), 0);

	struct http_server_opts o = {
		.max_header_bytes = 16384,
		.max_body_bytes = MAX_BODY,
		.max_connections = 64,
		.idle_timeout = 30,
		.api_key = "s3cret",
	};
	loopback_any_port(&o.listen);
	assert_int_equal(http_server_new(&h->loop, &o, &h->srv), 0);
	assert_int_equal(http_server_add_routes(h->srv, routes, 2, NULL), 0);
	assert_int_equal(http_server_add_routes(h->srv, routes + 2, 1,
						&h->admin_calls),
			 0);
	assert_int_equal(http_server_add_routes(h->srv, routes + 3, 2, NULL), 0);
	h->addr = http_server_address(h->srv);
	assert_int_equal(h->addr.u.sa.sa_family, AF_INET);
	uint16_t port = sockaddr_port(&h->addr);
	assert_true(port != 0);
	snprintf(h->base, sizeof(h->base), "http://127.0.0.1:%u", port);
	assert_int_equal(http_server_start(h->srv), 0);

	assert_int_equal(http_client_new(&h->loop, &h->cli), 0);
	assert_int_equal(free_port_url(h->silent_url, sizeof(h->silent_url),
				       true, &h->silent_fd),
			 0);
	assert_int_equal(free_port_url(h->closed_url, sizeof(h->closed_url),
				       false, NULL),
			 0);

	assert_int_equal(uv_timer_init(&h->loop, &h->watchdog), 0);
	assert_int_equal(uv_timer_init(&h->loop, &h->kick), 0);
	assert_int_equal(uv_timer_init(&h->loop, &h->delay), 0);
	h->watchdog.data = h->kick.data = h->delay.data = h;
	assert_int_equal(uv_timer_start(&h->watchdog, on_watchdog, WATCHDOG_MS,
					0),
			 0);
	uv_timer_start(&h->kick, on_kick, 0, 0);

	uv_run(&h->loop, UV_RUN_DEFAULT);
	close(h->silent_fd);

	assert_false(h->timed_out);
	assert_true(h->finished);
	assert_int_equal(h->server_closed, 1);
	/* Every handle was closed: nothing leaked on the loop. */
	assert_int_equal(uv_loop_close(&h->loop), 0);
}

static int harness_setup(void **state)
{
	*state = calloc(1, sizeof(struct harness));
	return *state ? 0 : -1;
}

/* Frees what the steps recorded, also after a failed assertion. */
static int harness_teardown(void **state)
{
	struct harness *h = *state;
	for (size_t i = 0; i < MAX_STEPS; i++)
		free(h->res[i].body);
	free(h->metrics);
	free(h);
	return 0;
}

/* Checks one finished exchange. */
static void expect(const struct result *r, int err, long status,
		   const char *body)
{
	long step = (long)(r - r->h->res);
	if (r->calls != 1 || r->err != err || r->status != status ||
	    (body && (!r->body || strcmp(r->body, body) != 0)))
		fail_msg("step %ld: got calls=%d err=%d (%s) status=%ld body='%s';"
			 " want err=%d status=%ld body='%s'",
			 step, r->calls, r->err, hearth_strerror(r->err),
			 r->status, r->body ? r->body : "(null)", err, status,
			 body ? body : "(any)");
}

static void expect_json_error(const struct result *r, long status)
{
	expect(r, 0, status, NULL);
	json_error_t je;
	json_t *j = json_loads(r->body, 0, &je);
	if (!j)
		fail_msg("not JSON: %s", r->body);
	assert_true(json_is_object(j));
	assert_true(json_is_string(json_object_get(j, "error")));
	assert_true(strlen(json_string_value(json_object_get(j, "error"))) > 0);
	json_decref(j);
}

/* Header lookup in a raw response (case-insensitive name). */
static const char *raw_header(const char *resp, const char *name, char *out,
			      size_t n)
{
	size_t nl = strlen(name);
	const char *end = strstr(resp, "\r\n\r\n");
	for (const char *p = strstr(resp, "\r\n"); p && p < end;
	     p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			const char *e = strstr(v, "\r\n");
			size_t len = (size_t)(e - v) < n - 1 ? (size_t)(e - v)
							     : n - 1;
			memcpy(out, v, len);
			out[len] = '\0';
			return out;
		}
	}
	return NULL;
}

static void expect_metric(const char *metrics, const char *route,
			  const char *code, int n)
{
	char line[160];
	snprintf(line, sizeof(line),
		 "hearth_http_requests_total{route=\"%s\",code=\"%s\"} %d\n",
		 route, code, n);
	if (!strstr(metrics, line))
		fail_msg("metrics lack: %s--- got:\n%s", line, metrics);
}

/* Sum of the hearth_http_requests_total samples whose labels contain
 * @label. */
static long metric_sum(const char *metrics, const char *label)
{
	long sum = 0;
	static const char name[] = "hearth_http_requests_total{";
	for (const char *p = strstr(metrics, name); p;
	     p = strstr(p + 1, name)) {
		const char *close = strchr(p, '}');
		const char *nl = strchr(p, '\n');
		assert_non_null(close);
		assert_non_null(nl);
		const char *hit = strstr(p, label);
		if (hit && hit < close)
			sum += strtol(close + 1, NULL, 10);
	}
	return sum;
}

/* ---- the main scenario ---- */

static char body_1024[MAX_BODY], body_2000[2000];

static void s_hello(struct harness *h, struct result *r)
{
	get(h, r, "/hello", NULL);
}
static void s_hello_arg(struct harness *h, struct result *r)
{
	get(h, r, "/hello?name=bob", NULL);
}
static void s_echo(struct harness *h, struct result *r)
{
	post(h, r, "/echo", "12345", 5, false);
}
static void s_not_found(struct harness *h, struct result *r)
{
	get(h, r, "/nope", NULL);
}
static void s_prefix(struct harness *h, struct result *r)
{
	get(h, r, "/files/a/b", NULL);
}
static void s_raw_405(struct harness *h, struct result *r)
{
	raw(h, r, "POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
		  "Connection: close\r\n\r\n");
}
static void s_raw_404(struct harness *h, struct result *r)
{
	raw(h, r, "GET /nope HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
}
static void s_admin_nokey(struct harness *h, struct result *r)
{
	get(h, r, "/admin", NULL);
}
static void s_admin_wrong(struct harness *h, struct result *r)
{
	static const char *const hd[] = {"X-API-Key: wrong", NULL};
	get(h, r, "/admin", hd);
}
static void s_admin_prefix_key(struct harness *h, struct result *r)
{
	static const char *const hd[] = {"X-API-Key: s3cre", NULL};
	get(h, r, "/admin", hd);
}
static void s_admin_ok(struct harness *h, struct result *r)
{
	static const char *const hd[] = {"X-API-Key: s3cret", NULL};
	get(h, r, "/admin", hd);
}
static void s_admin_old_after_change(struct harness *h, struct result *r)
{
	assert_int_equal(http_server_set_api_key(h->srv, "n3w-key"), 0);
	static const char *const hd[] = {"X-API-Key: s3cret", NULL};
	get(h, r, "/admin", hd);
}
static void s_admin_new(struct harness *h, struct result *r)
{
	static const char *const hd[] = {"X-API-Key: n3w-key", NULL};
	get(h, r, "/admin", hd);
}
static void s_admin_disabled(struct harness *h, struct result *r)
{
	/* No key at all: the management API refuses everything. */
	assert_int_equal(http_server_set_api_key(h->srv, NULL), 0);
	static const char *const hd[] = {"X-API-Key: n3w-key", NULL};
	get(h, r, "/admin", hd);
}
static void s_echo_max(struct harness *h, struct result *r)
{
	post(h, r, "/echo", body_1024, sizeof(body_1024), false);
}
static void s_echo_too_big(struct harness *h, struct result *r)
{
	post(h, r, "/echo", body_2000, sizeof(body_2000), false);
}
static void s_echo_chunked(struct harness *h, struct result *r)
{
	post(h, r, "/echo", "0123456789", 10, true);
}
static void s_echo_chunked_too_big(struct harness *h, struct result *r)
{
	post(h, r, "/echo", body_2000, sizeof(body_2000), true);
}
static void s_echo_after_lower_max(struct harness *h, struct result *r)
{
	/* A reload lowers the limit: it applies to the next request. */
	http_server_set_max_body(h->srv, 8);
	post(h, r, "/echo", "0123456789", 10, false);
}
static void s_echo_chunked_after_lower_max(struct harness *h,
					   struct result *r)
{
	post(h, r, "/echo", "0123456789", 10, true);
}
static void s_echo_restored(struct harness *h, struct result *r)
{
	http_server_set_max_body(h->srv, MAX_BODY);
	post(h, r, "/echo", "0123456789", 10, true);
}
static void s_refused(struct harness *h, struct result *r)
{
	struct http_client_req req = {.url = h->closed_url};
	request(h, h->cli, r, &req);
}
static void s_timeout(struct harness *h, struct result *r)
{
	struct http_client_req req = {.url = h->silent_url, .timeout_ms = 300};
	request(h, h->cli, r, &req);
}
static void s_max_response(struct harness *h, struct result *r)
{
	char url[128];
	snprintf(url, sizeof(url), "%s/big", h->base);
	struct http_client_req req = {.url = url, .max_response = 100};
	request(h, h->cli, r, &req);
}
static void s_big(struct harness *h, struct result *r)
{
	get(h, r, "/big", NULL);
}

static void on_delay_close(uv_timer_t *t)
{
	struct harness *h = t->data;
	struct result *r = &h->res[h->next - 1];
	http_client_close(h->cli2);
	h->cli2 = NULL;
	/* The callback ran, synchronously, exactly once. */
	if (r->calls != 1)
		r->err = -9999;
}

static void s_cancel(struct harness *h, struct result *r)
{
	/* A second client whose request hangs on the silent socket, closed
	 * while the request is in flight. */
	assert_int_equal(http_client_new(&h->loop, &h->cli2), 0);
	struct http_client_req req = {.url = h->silent_url, .timeout_ms = 5000};
	request(h, h->cli2, r, &req);
	uv_timer_start(&h->delay, on_delay_close, 150, 0);
}

static void test_server_and_client(void **state)
{
	static const step_fn steps[] = {
		s_hello,		/* 0 */
		s_hello_arg,		/* 1 */
		s_echo,			/* 2 */
		s_not_found,		/* 3 */
		s_prefix,		/* 4 */
		s_raw_405,		/* 5 */
		s_raw_404,		/* 6 */
		s_admin_nokey,		/* 7 */
		s_admin_wrong,		/* 8 */
		s_admin_prefix_key,	/* 9 */
		s_admin_ok,		/* 10 */
		s_admin_old_after_change, /* 11 */
		s_admin_new,		/* 12 */
		s_admin_disabled,	/* 13 */
		s_echo_max,		/* 14 */
		s_echo_too_big,		/* 15 */
		s_echo_chunked,		/* 16 */
		s_echo_chunked_too_big, /* 17 */
		s_echo_after_lower_max, /* 18 */
		s_echo_chunked_after_lower_max, /* 19 */
		s_echo_restored,	/* 20 */
		s_refused,		/* 21 */
		s_timeout,		/* 22 */
		s_max_response,		/* 23 */
		s_big,			/* 24 */
		s_cancel,		/* 25 */
		s_hello,		/* 26: the main client still works */
	};
	size_t n = sizeof(steps) / sizeof(steps[0]);
	memset(body_1024, 'a', sizeof(body_1024));
	memset(body_2000, 'b', sizeof(body_2000));

	struct harness *h = *state;
	harness_run(h, steps, n);
	struct result *r = h->res;
	char hv[128];

	for (size_t i = 0; i < n; i++)
		if (!r[i].pending_ok && i != 5 && i != 6)
			fail_msg("step %zu: request not counted as pending", i);

	expect(&r[0], 0, 200, "hello\n");
	expect(&r[1], 0, 200, "hello bob\n");
	expect(&r[2], 0, 200, "{\"len\":5}");
	expect_json_error(&r[3], 404);
	expect(&r[4], 0, 200, "/files/a/b");

	/* 405 names the methods the path does have. */
	expect(&r[5], 0, 405, NULL);
	assert_non_null(raw_header(r[5].body, "Allow", hv, sizeof(hv)));
	assert_string_equal(hv, "GET");
	assert_non_null(strstr(r[5].body, "\r\n\r\n{\"error\":"));

	expect(&r[6], 0, 404, NULL);
	assert_non_null(raw_header(r[6].body, "Content-Type", hv, sizeof(hv)));
	assert_string_equal(hv, "application/json");
	assert_non_null(raw_header(r[6].body, "X-Content-Type-Options", hv,
				   sizeof(hv)));
	assert_string_equal(hv, "nosniff");
	assert_null(raw_header(r[6].body, "Allow", hv, sizeof(hv)));

	expect_json_error(&r[7], 401);
	expect_json_error(&r[8], 401);
	expect_json_error(&r[9], 401);
	expect(&r[10], 0, 200, "{\"ok\":true}");
	expect_json_error(&r[11], 401);
	expect(&r[12], 0, 200, "{\"ok\":true}");
	expect_json_error(&r[13], 401);
	assert_int_equal(h->admin_calls, 2); /* only the authorised ones */

	expect(&r[14], 0, 200, "{\"len\":1024}");
	expect_json_error(&r[15], 413);
	expect(&r[16], 0, 200, "{\"len\":10}");
	expect_json_error(&r[17], 413);
	expect_json_error(&r[18], 413);
	expect_json_error(&r[19], 413);
	expect(&r[20], 0, 200, "{\"len\":10}");

	expect(&r[21], -ECONNREFUSED, 0, NULL);
	expect(&r[22], HEARTH_ETIMEDOUT, 0, NULL);
	assert_int_equal(r[23].calls, 1);
	assert_int_equal(r[23].err, -EMSGSIZE);
	assert_true(r[23].body_len <= 100);
	expect(&r[24], 0, 200, NULL);
	assert_int_equal(r[24].body_len, 5000);
	expect(&r[25], -ECANCELED, 0, NULL);
	expect(&r[26], 0, 200, "hello\n");

	/* The server's counters match what was sent. */
	const char *m = h->metrics;
	assert_non_null(m);
	assert_non_null(strstr(m, "# TYPE hearth_http_requests_total counter\n"));
	assert_non_null(strstr(m, "# TYPE hearth_http_connections gauge\n"));
	assert_non_null(strstr(m, "\nhearth_http_connections "));
	expect_metric(m, "hello", "200", 3);
	expect_metric(m, "echo", "200", 4);
	/* A 413 may be counted under its route or, when refused before
	 * routing (announced Content-Length), under "unmatched". */
	assert_int_equal(metric_sum(m, "code=\"413\""), 4);
	expect_metric(m, "files", "200", 1);
	expect_metric(m, "admin", "401", 5);
	expect_metric(m, "admin", "200", 2);
	expect_metric(m, "big", "200", 2);
	expect_metric(m, "unmatched", "404", 2);
	expect_metric(m, "unmatched", "405", 1);

}

/* ---- requests refused before routing ---- */

static char long_target[20 * 1024 + 64];

static void s_nul_path(struct harness *h, struct result *r)
{
	/* The prefix route would see "/files/a" and not know. */
	raw(h, r, "GET /files/a%00b HTTP/1.1\r\nHost: t\r\n\r\n");
}
static void s_ctl_path(struct harness *h, struct result *r)
{
	raw(h, r, "GET /files/a%0d%0aX: y HTTP/1.1\r\nHost: t\r\n\r\n");
}
static void s_nul_query(struct harness *h, struct result *r)
{
	raw(h, r, "GET /hello?name=a%00b HTTP/1.1\r\nHost: t\r\n\r\n");
}
static void s_escaped_ok(struct harness *h, struct result *r)
{
	raw(h, r, "GET /files/a%20b HTTP/1.1\r\nHost: t\r\n"
		  "Connection: close\r\n\r\n");
}
static void s_two_lengths(struct harness *h, struct result *r)
{
	raw(h, r, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
		  "Content-Length: 2\r\n\r\nab");
}
static void s_length_and_chunked(struct harness *h, struct result *r)
{
	raw(h, r, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
}
static void s_same_length_twice(struct harness *h, struct result *r)
{
	raw(h, r, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
		  "Content-Length: 2\r\nConnection: close\r\n\r\nab");
}
static void s_long_target(struct harness *h, struct result *r)
{
	raw(h, r, long_target);
}

static void test_malformed_requests(void **state)
{
	static const step_fn steps[] = {
		s_nul_path, s_ctl_path, s_nul_query, s_escaped_ok,
		s_two_lengths, s_length_and_chunked, s_same_length_twice,
		s_long_target,
	};
	size_t n = sizeof(steps) / sizeof(steps[0]);
	char *p = long_target;
	p += sprintf(p, "GET /hello?name=");
	memset(p, 'x', 20 * 1024);
	strcpy(p + 20 * 1024, " HTTP/1.1\r\nHost: t\r\n\r\n");

	struct harness *h = *state;
	harness_run(h, steps, n);
	struct result *r = h->res;
	char hv[128];
	static const long want[] = {400, 400, 400, 200, 400, 400, 200, 414};
	for (size_t i = 0; i < n; i++) {
		expect(&r[i], 0, want[i], NULL);
		if (want[i] == 200)
			continue;
		/* A JSON error, and the connection is not reused. */
		assert_non_null(raw_header(r[i].body, "Content-Type", hv,
					   sizeof(hv)));
		assert_string_equal(hv, "application/json");
		assert_non_null(strstr(r[i].body, "\r\n\r\n{\"error\":"));
		assert_non_null(raw_header(r[i].body, "Connection", hv,
					   sizeof(hv)));
		assert_string_equal(hv, "close");
	}
	assert_non_null(strstr(r[3].body, "\r\n\r\n/files/a b"));
	assert_non_null(strstr(r[6].body, "{\"len\":2}"));
	assert_int_equal(metric_sum(h->metrics, "code=\"400\""), 5);
}

/* ---- max_body_bytes: 0 (allowed by the schema) ---- */

static void s_zero_cl(struct harness *h, struct result *r)
{
	http_server_set_max_body(h->srv, 0);
	post(h, r, "/echo", "abc", 3, false);
}
static void s_zero_chunked(struct harness *h, struct result *r)
{
	post(h, r, "/echo", "abc", 3, true);
}
static void s_zero_empty(struct harness *h, struct result *r)
{
	post(h, r, "/echo", "", 0, false);
}

/* With a limit of 0 bytes every non-empty body is too large, whether its
 * length is announced or it arrives chunked. */
static void test_zero_max_body(void **state)
{
	static const step_fn steps[] = {s_zero_cl, s_zero_chunked,
					s_zero_empty};
	struct harness *h = *state;
	harness_run(h, steps, 3);
	expect_json_error(&h->res[0], 413);
	expect(&h->res[2], 0, 200, "{\"len\":0}");
	expect_json_error(&h->res[1], 413);
}

/* ---- lifecycle without traffic ---- */

static void test_close_unstarted(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct http_server *s = NULL;
	struct http_client *c = NULL;
	struct http_server_opts o = {
		.max_header_bytes = 8192, .max_body_bytes = 10,
		.max_connections = 4, .idle_timeout = 5,
	};
	assert_int_equal(uv_loop_init(&loop), 0);
	loopback_any_port(&o.listen);
	assert_int_equal(http_server_new(&loop, &o, &s), 0);
	struct sockaddr_any a = http_server_address(s);
	assert_true(sockaddr_port(&a) != 0);

	/* The port is taken while the server exists. */
	struct http_server *s2 = (struct http_server *)1;
	o.listen = a;
	assert_true(http_server_new(&loop, &o, &s2) < 0);
	assert_null(s2);

	int closed = 0;
	http_server_close(s, on_server_closed_count, &closed);
	http_server_close(NULL, NULL, NULL);

	assert_int_equal(http_client_new(&loop, &c), 0);
	assert_int_equal(http_client_pending(c), 0);
	http_client_close(c);
	http_client_close(NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(closed, 1);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	log_set_level(LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_server_and_client,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(test_zero_max_body,
						harness_setup, harness_teardown),
		cmocka_unit_test(test_close_unstarted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
