/* SPDX-License-Identifier: MIT */
/* The ntfy-compatible HTTP API on notify.listen: one dispatcher for every path, ntfy's error shape. */
#include <stdio.h>
#include <string.h>

#include "notify/api.h"
#include "notify/internal.h"
#include "proto/notify/ntfy_params.h"

void notify_reply_error(struct http_response *resp, int http, int code,
			const char *error)
{
	json_t *j = json_pack("{s:i, s:i, s:s, s:s}", "code", code, "http",
			      http, "error", error, "link",
			      "https://ntfy.sh/docs/");
	http_reply_json(resp, http, j);
	buf_append(&resp->body, "\n", 1);
	notify_cors(resp);
}

void notify_cors(struct http_response *resp)
{
	for (int i = 0; i < resp->n_extra; i++)
		if (strcmp(resp->extra[i].name, "Access-Control-Allow-Origin") == 0)
			return;
	http_reply_header(resp, "Access-Control-Allow-Origin", "*");
}

const char *notify_req_get(void *ud, const char *name, bool header)
{
	const struct http_request *req = ud;
	return header ? http_request_header(req, name)
		      : http_request_arg(req, name);
}

void notify_reply_msg(struct http_response *resp, const char *text)
{
	http_reply_text(resp, 200, "application/json", text);
	buf_append(&resp->body, "\n", 1);
	notify_cors(resp);
}

static void reply_json(struct http_response *resp, json_t *j)
{
	http_reply_json(resp, 200, j);
	buf_append(&resp->body, "\n", 1);
	notify_cors(resp);
}

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* /<seg1>[/<seg2>]: the paths of topics. */
static void dispatch_topic(struct notify_room *r, const struct http_request *req,
			   struct http_response *resp, const char *seg1,
			   const char *seg2)
{
	const char *m = req->method;
	bool get = is(m, "GET") || is(m, "HEAD");
	bool put = is(m, "PUT") || is(m, "POST");
	bool pub = put || (get && seg2 && (is(seg2, "publish") || is(seg2, "send") ||
					   is(seg2, "trigger")));
	bool sub = is(m, "GET") && seg2 && (is(seg2, "json") || is(seg2, "sse") ||
				   is(seg2, "raw") || is(seg2, "ws") ||
				   is(seg2, "auth"));
	struct notify_who who;
	if ((pub || sub) &&
	    (notify_auth_check(r, req, resp, seg1,
			       pub ? NTFY_PERM_WRITE : NTFY_PERM_READ,
			       &who) != NOTIFY_AUTH_OK ||
	     (pub && !notify_auth_publish(r, &who, notify_upload_bytes(r, req),
					  resp)))) {
		/* ntfy answers a WebSocket upgrade with the status only. */
		if (sub && is(seg2, "ws") && http_request_header(req, "Upgrade")) {
			buf_deinit(&resp->body);
			buf_init(&resp->body, 0);
		}
		return;
	}
	if (put && !seg2) {
		notify_publish_http(r, req, resp, seg1, NULL);
	} else if (put && seg2) {
		notify_publish_http(r, req, resp, seg1, seg2);
	} else if (get && seg2 && (is(seg2, "publish") || is(seg2, "send") ||
				   is(seg2, "trigger"))) {
		notify_publish_http(r, req, resp, seg1, NULL);
	} else if (sub && is(seg2, "json")) {
		notify_subscribe(r, req, resp, seg1, NOTIFY_JSON, &who);
	} else if (sub && is(seg2, "sse")) {
		notify_subscribe(r, req, resp, seg1, NOTIFY_SSE, &who);
	} else if (sub && is(seg2, "raw")) {
		notify_subscribe(r, req, resp, seg1, NOTIFY_RAW, &who);
	} else if (sub && is(seg2, "ws")) {
		notify_subscribe(r, req, resp, seg1, NOTIFY_WS, &who);
	} else if (get && seg2 && is(seg2, "auth")) {
		struct ntfy_err e;
		char tl[32][65];
		if (notify_topics_parse(seg1, tl, 32, &e) < 0)
			notify_reply_error(resp, e.http, e.code, e.error);
		else
			reply_json(resp, json_pack("{s:b}", "success", 1));
	} else if (get && !seg2) {
		struct ntfy_err e;
		char tl[1][65];
		if (notify_topics_parse(seg1, tl, 1, &e) < 0) {
			notify_reply_error(resp, 404, 40401, "page not found");
			return;
		}
		size_t len;
		static const char *const up[] = {"X-UnifiedPush", "UnifiedPush",
						 "up", NULL};
		const char *v = ntfy_param(notify_req_get, (void *)req, up, &len);
		bool b = false;
		if (v && ntfy_parse_bool(v, len, &b) == 0 && b) {
			reply_json(resp, json_pack("{s:{s:i}}", "unifiedpush",
						   "version", 1));
			return;
		}
		char html[800];
		snprintf(html, sizeof(html),
			 "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
			 "<title>%s</title></head><body><p>ntfy topic %s on "
			 "hearth: subscribe at /%s/json, /%s/sse, /%s/ws</p>"
			 "</body></html>\n", tl[0], tl[0], tl[0], tl[0], tl[0]);
		http_reply_text(resp, 200, "text/html; charset=utf-8", html);
		notify_cors(resp);
	} else {
		notify_reply_error(resp, 404, 40401, "page not found");
	}
}

static void dispatch(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	const char *m = req->method;
	const char *p = req->path;
	if (strcmp(m, "OPTIONS") == 0) {
		http_reply_text(resp, 200, "text/plain; charset=utf-8", "");
		notify_cors(resp);
		http_reply_header(resp, "Access-Control-Allow-Methods",
				  "GET, PUT, POST, PATCH, DELETE");
		http_reply_header(resp, "Access-Control-Allow-Headers", "*");
		return;
	}
	if (strcmp(p, "/v1/health") == 0 &&
	    (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)) {
		reply_json(resp, json_pack("{s:b}", "healthy", 1));
		return;
	}
	if (is(p, "/v1/stats") && is(m, "GET")) {
		int64_t n = 0;
		notify_store_count(r->store, &n);
		reply_json(resp, json_pack("{s:I, s:f}", "messages",
					   (json_int_t)notify_sum(r->stats.published, 2),
					   "messages_rate", 0.0));
		return;
	}
	if (strncmp(p, "/file/", 6) == 0 && (is(m, "GET") || is(m, "HEAD"))) {
		notify_file_serve(r, req, resp, p + 6);
		return;
	}
	if (is(p, "/")) {
		if (is(m, "PUT") || is(m, "POST")) {
			notify_publish_json(r, req, resp);
		} else if (is(m, "GET") || is(m, "HEAD")) {
			http_reply_text(resp, 200, "text/html; charset=utf-8",
					is(m, "HEAD") ? "" :
					"<!DOCTYPE html><html><head><meta "
					"charset=\"utf-8\"><title>hearth "
					"notify</title></head><body><p>An "
					"ntfy-compatible server.</p></body>"
					"</html>\n");
			notify_cors(resp);
		} else {
			notify_reply_error(resp, 404, 40401, "page not found");
		}
		return;
	}
	/* /<seg1>[/<seg2>] */
	char seg1[2200], seg2[80];
	const char *a = p + 1, *slash = strchr(a, '/');
	size_t l1 = slash ? (size_t)(slash - a) : strlen(a);
	if (!l1 || l1 >= sizeof(seg1)) {
		notify_reply_error(resp, 404, 40401, "page not found");
		return;
	}
	memcpy(seg1, a, l1);
	seg1[l1] = '\0';
	if (slash) {
		const char *b = slash + 1;
		if (!*b || strchr(b, '/') || strlen(b) >= sizeof(seg2)) {
			notify_reply_error(resp, 404, 40401, "page not found");
			return;
		}
		snprintf(seg2, sizeof(seg2), "%s", b);
	}
	dispatch_topic(r, req, resp, seg1, slash ? seg2 : NULL);
}

/* Every method at every path: ntfy's routing is by path shape, done in
 * dispatch (the server's own 404/405 would not be ntfy's JSON). */
static const struct http_route routes[] = {
	{.name = "ntfy", .method = "GET", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy: subscribe, health, files"},
	{.name = "ntfy", .method = "HEAD", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy: reachability, files"},
	{.name = "ntfy", .method = "PUT", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy: publish"},
	{.name = "ntfy", .method = "POST", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy: publish"},
	{.name = "ntfy", .method = "OPTIONS", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy: CORS preflight"},
	{.name = "ntfy", .method = "PATCH", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy"},
	{.name = "ntfy", .method = "DELETE", .path = "/", .prefix = true,
	 .fn = dispatch, .help = "ntfy"},
};

int notify_api_register(struct notify_room *r)
{
	return http_server_add_routes(r->http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
