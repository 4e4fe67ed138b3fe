/* SPDX-License-Identifier: MIT */
/* Notifications (Kuma's word for named alert routes): the config's and the API's, their REST API, and the targets an alert goes to. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "watch/internal.h"
#include "watch/spec.h"

#define NOTIFS "/api/v1/watch/notifications"
#define KIND "notification"

/* A notification the API made: its body and the snapshot it lives in. */
struct watch_api_notif {
	json_t *spec;
	struct config *snap;
	const struct cfg_watch_notification *n;
};

static void notif_free(void *obj)
{
	struct watch_api_notif *a = obj;
	if (!a)
		return;
	json_decref(a->spec);
	config_unref(a->snap);
	free(a);
}

/* The @k-th notification (the config's, then the API's), *obj its API
 * record (NULL: the config's). NULL past the last. */
static const struct cfg_watch_notification *
notif_nth(const struct watch_room *r, size_t k, struct watch_api_notif **obj)
{
	const struct cfg_watch *w = watch_config(r->cfg);
	*obj = NULL;
	if (k < w->n_notifications)
		return &w->notifications[k];
	k -= w->n_notifications;
	if (k >= r->n_notifs)
		return NULL;
	*obj = r->notifs[k];
	return r->notifs[k]->n;
}

const struct cfg_watch_notification *
watch_notif_find(const struct watch_room *r, const char *name)
{
	const struct cfg_watch_notification *n;
	struct watch_api_notif *a;
	for (size_t k = 0; (n = notif_nth(r, k, &a)); k++)
		if (!strcmp(n->name, name))
			return n;
	return NULL;
}

/* Whether @m's alerts go through @n. */
static bool mon_uses(const struct watch_mon *m,
		     const struct cfg_watch_notification *n)
{
	const struct cfg_watch_monitor *c = m->cfg;
	if (!c->notifications_set)
		return n->is_default;
	for (size_t i = 0; i < c->n_notifications; i++)
		if (!strcmp(c->notifications[i], n->name))
			return true;
	return false;
}

static void add_target(const char **to, size_t *n, const char *t)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(to[i], t))
			return;
	to[(*n)++] = t;
}

const char **watch_alert_targets(struct watch_room *r,
				 const struct watch_mon *m, unsigned event)
{
	const struct cfg_watch *w = watch_config(r->cfg);
	const struct cfg_watch_notification *nt;
	struct watch_api_notif *a;
	size_t cap = w->alerts.n_to + 1, n = 0;
	for (size_t k = 0; (nt = notif_nth(r, k, &a)); k++)
		cap += nt->n_to;
	const char **to = calloc(cap, sizeof(*to));
	if (!to)
		return NULL;
	for (size_t i = 0; i < w->alerts.n_to; i++)
		add_target(to, &n, w->alerts.to[i]);
	for (size_t k = 0; (nt = notif_nth(r, k, &a)); k++)
		if ((nt->mask & event) && mon_uses(m, nt))
			for (size_t i = 0; i < nt->n_to; i++)
				add_target(to, &n, nt->to[i]);
	if (!n) {
		free(to);
		return NULL;
	}
	return to;
}

json_t *watch_mon_notifs_json(struct watch_room *r, const struct watch_mon *m)
{
	json_t *a = json_array();
	const struct cfg_watch_notification *nt;
	struct watch_api_notif *obj;
	for (size_t k = 0; a && (nt = notif_nth(r, k, &obj)); k++)
		if (mon_uses(m, nt))
			json_array_append_new(a, json_string(nt->name));
	return a;
}

static json_t *notif_json(const struct cfg_watch_notification *n,
			  const struct watch_api_notif *a)
{
	json_t *to = json_array(), *ev = json_array();
	for (size_t i = 0; to && i < n->n_to; i++)
		json_array_append_new(to, json_string(n->to[i]));
	for (unsigned bit = 1; ev && bit <= WATCH_NOTIFY_ALL; bit <<= 1)
		if (n->mask & bit)
			json_array_append_new(
				ev, json_string(watch_notify_event_name(bit)));
	json_t *o = json_pack("{s:s, s:o, s:o, s:b, s:s}", "name", n->name,
			      "to", to, "events", ev, "default", n->is_default,
			      "source", a ? "api" : "config");
	if (o && a)
		json_object_set(o, "spec", a->spec);
	return o;
}

/* @spec read into a new notification: 0, or -EINVAL naming the field. */
static int notif_build(struct watch_room *r, json_t *spec,
		       struct watch_api_notif **out, char *why, size_t n)
{
	struct watch_api_notif *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->spec = json_incref(spec);
	int rc = watch_notif_spec_parse(r->cfg->schema, spec, &a->snap, &a->n,
					why, n);
	if (rc) {
		notif_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

/* Removes the API's notification @name (none: nothing). */
static void notif_remove(struct watch_room *r, const char *name)
{
	for (size_t i = 0; i < r->n_notifs; i++)
		if (!strcmp(r->notifs[i]->n->name, name)) {
			notif_free(r->notifs[i]);
			memmove(&r->notifs[i], &r->notifs[i + 1],
				(r->n_notifs - i - 1) * sizeof(*r->notifs));
			r->n_notifs--;
			return;
		}
}

/* Puts @a in place of the API's notification @old (NULL: its own
 * name), or at the end. */
static int notif_install(struct watch_room *r, struct watch_api_notif *a,
			 const char *old)
{
	for (size_t i = 0; i < r->n_notifs; i++)
		if (!strcmp(r->notifs[i]->n->name, old ? old : a->n->name)) {
			notif_free(r->notifs[i]);
			r->notifs[i] = a;
			return 0;
		}
	struct watch_api_notif **grown =
		realloc(r->notifs, (r->n_notifs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->notifs = grown;
	r->notifs[r->n_notifs++] = a;
	return 0;
}

static int load_one(const char *key, const char *text, void *ud)
{
	struct watch_room *r = ud;
	struct watch_api_notif *a = NULL;
	char why[160] = "not JSON";
	json_t *spec = json_loads(text, 0, NULL);
	int rc = spec ? notif_build(r, spec, &a, why, sizeof(why)) : -EINVAL;
	json_decref(spec);
	if (!rc && (rc = notif_install(r, a, NULL)))
		notif_free(a);
	if (rc)
		log_warn("watch", "notification '%s' from the API not loaded: %s",
			 key, rc == -EINVAL ? why : "no memory");
	return 0;
}

int watch_notifs_load(struct watch_room *r)
{
	return watch_store_obj_each(r->store, KIND, load_one, r);
}

void watch_notifs_free(struct watch_room *r)
{
	for (size_t i = 0; i < r->n_notifs; i++)
		notif_free(r->notifs[i]);
	free(r->notifs);
	r->notifs = NULL;
	r->n_notifs = 0;
}

static void list(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	(void)req;
	struct watch_room *r = ud;
	const struct cfg_watch_notification *n;
	struct watch_api_notif *a;
	json_t *out = json_array();
	for (size_t k = 0; out && (n = notif_nth(r, k, &a)); k++)
		json_array_append_new(out, notif_json(n, a));
	http_reply_json(resp, 200, out);
}

/* The notification the path names, *obj its API record (NULL: the
 * config's); NULL when answered 404. */
static const struct cfg_watch_notification *
path_notif(struct watch_room *r, const struct http_request *req,
	   struct http_response *resp, struct watch_api_notif **obj)
{
	char name[128];
	const char *rest;
	const struct cfg_watch_notification *n;
	*obj = NULL;
	if (watch_path_key(req, NOTIFS "/", name, sizeof(name), &rest) || *rest) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return NULL;
	}
	for (size_t k = 0; (n = notif_nth(r, k, obj)); k++)
		if (!strcmp(n->name, name))
			return n;
	http_reply_error(resp, 404, "no notification named '%s'", name);
	return NULL;
}

static void one(const struct http_request *req, struct http_response *resp,
		void *ud)
{
	struct watch_api_notif *a;
	const struct cfg_watch_notification *n = path_notif(ud, req, resp, &a);
	if (n)
		http_reply_json(resp, 200, notif_json(n, a));
}

static void apply_put(struct watch_obj_write *w, struct http_response *resp)
{
	struct watch_api_notif *a = w->obj;
	if (notif_install(w->r, a, w->old_key)) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->obj = NULL;
	log_info("watch", "notification '%s' %s through the API", a->n->name,
		 w->old_key ? "replaced" : "created");
	http_reply_json(resp, w->old_key ? 200 : 201, notif_json(a->n, a));
}

static void apply_delete(struct watch_obj_write *w, struct http_response *resp)
{
	notif_remove(w->r, w->key);
	log_info("watch", "notification '%s' deleted through the API", w->key);
	resp->status = 204;
}

/* POST (old NULL) or PUT of notification @old: the body read, its name
 * free, the write queued; or answered. */
static void put(struct watch_room *r, const struct http_request *req,
		struct http_response *resp, const char *old)
{
	char why[160];
	json_t *spec = watch_body_json(req, resp);
	struct watch_api_notif *a = NULL;
	if (!spec)
		return;
	if (old && !json_object_get(spec, "name"))
		json_object_set_new(spec, "name", json_string(old));
	int rc = notif_build(r, spec, &a, why, sizeof(why));
	json_decref(spec);
	if (rc) {
		http_reply_error(resp, rc == -EINVAL ? 400 : 500, "%s",
				 rc == -EINVAL ? why : "out of memory");
		return;
	}
	const struct cfg_watch_notification *have =
		watch_notif_find(r, a->n->name);
	const struct cfg_watch *w = watch_config(r->cfg);
	bool from_config = have && have >= w->notifications &&
			   have < w->notifications + w->n_notifications;
	if (have && (!old || strcmp(old, a->n->name))) {
		http_reply_error(resp, 409, "name: notification '%s' %s",
				 a->n->name,
				 from_config ? "comes from the config file"
					     : "exists");
		notif_free(a);
		return;
	}
	struct watch_obj_write *ow = watch_obj_write_new(r, KIND);
	if (!ow) {
		notif_free(a);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	ow->obj = a;
	ow->free_obj = notif_free;
	ow->apply = apply_put;
	ow->key = strdup(a->n->name);
	ow->text = json_dumps(a->spec, JSON_COMPACT | JSON_SORT_KEYS);
	if (!ow->text || (old && !(ow->old_key = strdup(old)))) {
		free(ow->key);
		ow->key = NULL; /* answered 500 by submit */
	}
	watch_obj_submit(ow, req, resp);
}

static void create(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	put(ud, req, resp, NULL);
}

/* The API's notification a PUT or DELETE names; NULL when answered
 * (404, 409 for the config's). */
static struct watch_api_notif *writable(struct watch_room *r,
					const struct http_request *req,
					struct http_response *resp)
{
	struct watch_api_notif *a;
	const struct cfg_watch_notification *n = path_notif(r, req, resp, &a);
	if (n && !a)
		http_reply_error(resp, 409, "notification '%s' comes from the "
					    "config file; change it there",
				 n->name);
	return a;
}

static void update(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_api_notif *a = writable(ud, req, resp);
	char old[128];
	if (!a)
		return;
	snprintf(old, sizeof(old), "%s", a->n->name);
	put(ud, req, resp, old);
}

static void delete(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_room *r = ud;
	struct watch_api_notif *a = writable(r, req, resp);
	if (!a)
		return;
	struct watch_obj_write *ow = watch_obj_write_new(r, KIND);
	if (!ow) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	ow->apply = apply_delete;
	ow->key = strdup(a->n->name);
	watch_obj_submit(ow, req, resp);
}

/* POST .../<name>/test: a test message to its targets (Kuma's Test). */
static void test_send(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	char name[128];
	const char *rest;
	if (watch_path_key(req, NOTIFS "/", name, sizeof(name), &rest) ||
	    strcmp(rest, "/test")) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return;
	}
	const struct cfg_watch_notification *n = watch_notif_find(r, name);
	if (!n) {
		http_reply_error(resp, 404, "no notification named '%s'", name);
		return;
	}
	const char **to = calloc(n->n_to + 1, sizeof(*to));
	if (!to) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	for (size_t i = 0; i < n->n_to; i++)
		to[i] = n->to[i];
	char text[200];
	snprintf(text, sizeof(text), "[%s] Test notification from hearth's "
				     "watch room", n->name);
	const char *tags[] = {"white_check_mark", NULL};
	struct room_notify_msg m = {.event = "watch.test", .title = "hearth",
				    .message = text, .priority = 3,
				    .tags = tags};
	int rc = watch_notify_send(r, &m, to);
	free(to);
	if (rc == -ENOSYS)
		http_reply_error(resp, 503, "the notify room is off");
	else if (rc)
		http_reply_error(resp, 502, "not sent: %s", hearth_strerror(rc));
	else
		http_reply_json(resp, 200, json_pack("{s:b, s:s}", "ok", 1, "msg",
						     "Sent Successfully."));
}

static const struct http_route routes[] = {
	{.name = "watch_notifications", .method = "GET", .path = NOTIFS,
	 .management = true, .fn = list,
	 .help = "the notifications (named alert routes), the config's and the "
		 "API's: {name, to, events, default, source}"},
	{.name = "watch_notification", .method = "GET", .path = NOTIFS "/",
	 .prefix = true, .management = true, .fn = one,
	 .help = "/<name>: one notification"},
	{.name = "watch_notification_create", .method = "POST", .path = NOTIFS,
	 .management = true, .fn = create,
	 .help = "creates a notification from a watch.notifications entry as "
		 "JSON {name, to, events, default}; kept across restarts"},
	{.name = "watch_notification_test", .method = "POST",
	 .path = NOTIFS "/", .prefix = true, .management = true,
	 .fn = test_send,
	 .help = "/<name>/test: sends a test message to its targets"},
	{.name = "watch_notification_update", .method = "PUT",
	 .path = NOTIFS "/", .prefix = true, .management = true, .fn = update,
	 .help = "/<name>: replaces a notification the API made (409 for the "
		 "config's)"},
	{.name = "watch_notification_delete", .method = "DELETE",
	 .path = NOTIFS "/", .prefix = true, .management = true, .fn = delete,
	 .help = "/<name>: deletes a notification the API made (409 for the "
		 "config's)"},
};

int watch_notif_api_register(struct watch_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
