/* SPDX-License-Identifier: MIT */
/* POST /api/v1/notify/publish on http.listen (management key): an event through the routes, as other rooms send one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "notify/internal.h"

#define MAX_TAGS 16

/* {"event": "backup.failed", "title": ..., "message": ..., "priority": 1-5,
 * "tags": [...], "click": ...}: the cross-room publisher's call, so an
 * operator (or a script) can test the routes and alert from outside. */
static void publish_event(const struct http_request *req,
			  struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	json_error_t je;
	json_t *j = json_loadb(req->body, req->body_len, 0, &je);
	const char *tags[MAX_TAGS + 1] = {NULL};
	struct room_notify_msg m = {.priority = 3};
	if (!json_is_object(j)) {
		http_reply_error(resp, 400, "body: a JSON object, please");
		goto out;
	}
	m.event = json_string_value(json_object_get(j, "event"));
	m.title = json_string_value(json_object_get(j, "title"));
	m.message = json_string_value(json_object_get(j, "message"));
	m.click = json_string_value(json_object_get(j, "click"));
	json_t *p = json_object_get(j, "priority");
	json_t *t = json_object_get(j, "tags");
	if (!m.event || !*m.event) {
		http_reply_error(resp, 400, "event: a non-empty string, please");
		goto out;
	}
	if (p && (!json_is_integer(p) || json_integer_value(p) < 1 ||
		  json_integer_value(p) > 5)) {
		http_reply_error(resp, 400, "priority: an integer 1-5, please");
		goto out;
	}
	if (p)
		m.priority = (int)json_integer_value(p);
	if (t && (!json_is_array(t) || json_array_size(t) > MAX_TAGS)) {
		http_reply_error(resp, 400, "tags: at most %d strings, please",
				 MAX_TAGS);
		goto out;
	}
	for (size_t i = 0; t && i < json_array_size(t); i++)
		if (!(tags[i] = json_string_value(json_array_get(t, i)))) {
			http_reply_error(resp, 400, "tags: strings, please");
			goto out;
		}
	m.tags = tags;
	int rc = r->publisher.publish(r->publisher.ud, &m);
	if (rc == -ENOENT)
		http_reply_error(resp, 404, "no route for event '%s'", m.event);
	else if (rc == -ENOSYS)
		http_reply_error(resp, 501, "event '%s' routes only to Apprise "
				 "URLs, which this build does not send yet",
				 m.event);
	else if (rc == -EINVAL)
		http_reply_error(resp, 400, "the message was refused (a topic "
				 "or a string that is not UTF-8)");
	else if (rc)
		http_reply_failure(resp, rc);
	else
		http_reply_json(resp, 202, json_pack("{s:s, s:b}", "event",
						     m.event, "accepted", 1));
out:
	json_decref(j);
}

static const struct http_route routes[] = {
	{.name = "notify_publish", .method = "POST",
	 .path = "/api/v1/notify/publish", .management = true,
	 .fn = publish_event,
	 .help = "publish an event through notify.routes"},
};

int notify_mgmt_register(struct notify_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
