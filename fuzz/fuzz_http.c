/* SPDX-License-Identifier: MIT */
/* libFuzzer target: raw bytes as an HTTP/1.1 client stream into the real server. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#include "base/buf.h"
#include "core/http_server.h"

/*
 * One server lives for the whole process, as in the daemon; every input is
 * one connection adopted over a socketpair. The client side writes the
 * input, half-closes, and reads until EOF; then the loop runs until the
 * server has released the connection, so no input can leak a descriptor
 * into the next one. A connection the server never releases is a bug and
 * aborts the run.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX_BYTES (16 * 1024)
#define MAX_ITERATIONS 200
#define POLL_MS 2
/* Longer than the idle timeout (1 s): past this, the server leaks. */
#define RELEASE_DEADLINE_MS 3000
/* Descriptors libFuzzer or the libraries may hold open for a while. */
#define FD_SLACK 16

static uv_loop_t loop;
static struct http_server *server;

/* ---- routes ---- */

static void get_hello(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	(void)req;
	(void)ud;
	http_reply_text(resp, 200, "text/plain", "hello\n");
}

static void post_echo(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	json_error_t jerr;
	(void)ud;
	json_t *j = json_loadb(req->body, req->body_len, 0, &jerr);
	if (!j) {
		http_reply_error(resp, 400, "bad JSON at %d:%d: %s", jerr.line,
				 jerr.column, jerr.text);
		return;
	}
	http_reply_json(resp, 200,
			json_pack("{s:o, s:I}", "got", j, "bytes",
				  (json_int_t)req->body_len));
}

static void get_stats(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	struct buf out;
	(void)req;
	buf_init(&out, 0);
	http_server_collect(&out, ud);
	http_reply_text(resp, 200, "text/plain; version=0.0.4",
			out.data ? out.data : "");
	buf_deinit(&out);
}

static void get_thing(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	static const char prefix[] = "/api/v1/things/";
	(void)ud;
	const char *id = req->path + strlen(prefix);
	const char *q = http_request_arg(req, "q");
	const char *limit = http_request_arg(req, "limit");
	const char *agent = http_request_header(req, "User-Agent");
	const char *accept = http_request_header(req, "accept");
	if (!*id) {
		http_reply_error(resp, 404, "no thing named");
		return;
	}
	/* Non-UTF-8 text makes json_pack fail: the reply helper answers 500. */
	http_reply_json(resp, 200,
			json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "id", id,
				  "q", q, "limit", limit, "agent", agent,
				  "accept", accept));
}

static void delete_thing(const struct http_request *req,
			 struct http_response *resp, void *ud)
{
	(void)req;
	(void)ud;
	resp->status = 204;
}

static const struct http_route routes[] = {
	{.name = "hello", .method = "GET", .path = "/hello", .fn = get_hello,
	 .help = "static text"},
	{.name = "echo", .method = "POST", .path = "/echo", .fn = post_echo,
	 .help = "parses a JSON body and returns it"},
	{.name = "stats", .method = "GET", .path = "/admin/stats",
	 .management = true, .fn = get_stats, .help = "server metrics"},
	{.name = "thing", .method = "GET", .path = "/api/v1/things/",
	 .prefix = true, .fn = get_thing, .help = "query args and headers"},
	{.name = "thing_delete", .method = "DELETE", .path = "/api/v1/things/",
	 .prefix = true, .management = true, .fn = delete_thing,
	 .help = "empty answer"},
};

/* ---- harness ---- */

static void die(const char *what, int rc)
{
	fprintf(stderr, "fuzz_http: %s: %s\n", what,
		rc < 0 ? strerror(-rc) : "failed");
	abort();
}

static void init_once(void)
{
	struct http_server_opts opts = {
		.max_header_bytes = 4096,
		.max_body_bytes = 4096,
		.max_connections = 64,
		.idle_timeout = 1,
		.api_key = "fuzzkey",
	};
	int rc;

	/* sockaddr_parse refuses port 0, so the address is built by hand. */
	opts.listen.u.in.sin_family = AF_INET;
	opts.listen.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	opts.listen.u.in.sin_port = 0;
	opts.listen.len = sizeof(opts.listen.u.in);

	if ((rc = uv_loop_init(&loop)))
		die("uv_loop_init", rc);
	if ((rc = http_server_new(&loop, &opts, &server)))
		die("http_server_new", rc);
	if ((rc = http_server_add_routes(server, routes,
					 sizeof(routes) / sizeof(routes[0]),
					 server)))
		die("http_server_add_routes", rc);
	if ((rc = http_server_start(server)))
		die("http_server_start", rc);
}

/* Connections the server still holds, from its own gauge. */
static long open_connections(void)
{
	static const char key[] = "\nhearth_http_connections ";
	struct buf out;
	long n = -1;
	buf_init(&out, 0);
	http_server_collect(&out, server);
	const char *p = out.data ? strstr(out.data, key) : NULL;
	if (p)
		n = strtol(p + strlen(key), NULL, 10);
	buf_deinit(&out);
	if (n < 0)
		die("no hearth_http_connections gauge", 0);
	return n;
}

/* Runs the loop once, then waits at most @ms for the loop or @fd (-1:
 * none). False when the wait ran out with nothing to do: the server is
 * waiting for input that will never come. */
static bool step(int fd, int ms)
{
	struct pollfd p[2] = {
		{.fd = uv_backend_fd(&loop), .events = POLLIN},
		{.fd = fd, .events = POLLIN},
	};
	uv_run(&loop, UV_RUN_NOWAIT);
	int timeout = uv_backend_timeout(&loop);
	bool timer_due = timeout >= 0 && timeout < ms;
	int n = poll(p, fd >= 0 ? 2 : 1, timer_due ? timeout : ms);
	return n != 0 || timer_due;
}

/* Reads and discards what is there; true at EOF or on error. */
static bool drain(int fd)
{
	char sink[4096];
	for (;;) {
		ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		return true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static int first_fd = -1;
	int sv[2];

	if (!ready) {
		init_once();
		ready = true;
	}
	if (size > INPUT_MAX_BYTES)
		size = INPUT_MAX_BYTES;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair", -errno);
	/* New descriptors take the lowest free numbers: creeping numbers mean
	 * something keeps descriptors from earlier inputs. */
	if (first_fd < 0)
		first_fd = sv[0];
	if (sv[0] > first_fd + FD_SLACK)
		die("descriptors leak across inputs", 0);
	/* 16 KiB fits in a socket buffer: the write never blocks. */
	for (size_t off = 0; off < size;) {
		ssize_t n = send(sv[0], data + off, size - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("send", -errno);
		off += (size_t)n;
	}
	/* On failure the server has closed its end already. Adopting runs
	 * the server once, so it has read the input before the half-close
	 * arrives: as over TCP, where a FIN comes after the data. */
	(void)http_server_adopt(server, sv[1]);
	shutdown(sv[0], SHUT_WR);

	/* Read the answer until the server closes. If it sits waiting for
	 * the rest of a request (a half-close in the middle of one is not
	 * always noticed), the client hangs up instead of waiting for the
	 * idle timeout. */
	bool eof = false;
	for (int i = 0; i < MAX_ITERATIONS && !eof; i++) {
		bool busy = step(sv[0], POLL_MS);
		eof = drain(sv[0]);
		if (!busy)
			break;
	}
	close(sv[0]);

	/* Whatever happened above, the server must let go of the connection;
	 * the idle timeout is the backstop. */
	uint64_t deadline = uv_now(&loop) + RELEASE_DEADLINE_MS;
	while (open_connections() > 0) {
		uv_update_time(&loop);
		if (uv_now(&loop) > deadline)
			die("server never released the connection", 0);
		step(-1, POLL_MS);
	}
	return 0;
}
