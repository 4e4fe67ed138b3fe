/* SPDX-License-Identifier: MIT */
/* The ntfy-compatible HTTP API on notify.listen: one dispatcher for every path, ntfy's error shape. */
#include <string.h>

#include "notify/api.h"
#include "notify/internal.h"

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

static void reply_json(struct http_response *resp, json_t *j)
{
	http_reply_json(resp, 200, j);
	buf_append(&resp->body, "\n", 1);
	notify_cors(resp);
}

static void dispatch(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	(void)r;
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
	if (strcmp(p, "/") == 0 && strcmp(m, "HEAD") == 0) {
		http_reply_text(resp, 200, "text/html; charset=utf-8", "");
		notify_cors(resp);
		return;
	}
	notify_reply_error(resp, 404, 40401, "page not found");
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
