/* SPDX-License-Identifier: MIT */
/* Maintenance windows through the REST API: list, create, replace, delete; kept in the store, the config's read-only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "watch/internal.h"
#include "watch/spec.h"
#include "watch/store.h"

#define MAINT "/api/v1/watch/maintenance"
#define FIRST_ID 10001 /* API windows' ids; the config's are 1, 2, ... */

/* A window the API made: its body, the snapshot its rule lives in, and
 * its monitors' names (pointing into the body). */
struct watch_api_win {
	int64_t id;
	json_t *spec;
	struct config *snap;
	struct cfg_watch_maint mw;
	const char **mons;
};

static void win_free(struct watch_api_win *w)
{
	if (!w)
		return;
	json_decref(w->spec);
	config_unref(w->snap);
	free(w->mons);
	free(w);
}

static size_t n_config(const struct watch_room *r)
{
	return watch_config(r->cfg)->n_maintenance;
}

const struct cfg_watch_maint *watch_window_nth(const struct watch_room *r,
					       size_t k, int64_t *id)
{
	const struct cfg_watch *w = watch_config(r->cfg);
	if (k < w->n_maintenance) {
		*id = (int64_t)k + 1;
		return &w->maintenance[k];
	}
	k -= w->n_maintenance;
	if (k >= r->n_wins)
		return NULL;
	*id = r->wins[k]->id;
	return &r->wins[k]->mw;
}

/* @spec read into a new window @id: 0, or -EINVAL naming the field. */
static int win_build(struct watch_room *r, json_t *spec, int64_t id,
		     struct watch_api_win **out, char *why, size_t n)
{
	const struct cfg_watch_maint *mw;
	struct watch_api_win *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->id = id;
	w->spec = json_incref(spec);
	int rc = watch_window_spec_parse(r->cfg->schema, spec, &w->snap, &mw,
					 why, n);
	if (rc) {
		win_free(w);
		return rc;
	}
	w->mw = *mw;
	json_t *mons = json_object_get(spec, "monitors");
	size_t k = json_is_array(mons) ? json_array_size(mons) : 0;
	if (!(w->mons = calloc(k + 1, sizeof(*w->mons)))) {
		win_free(w);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k; i++) {
		const char *name = json_string_value(json_array_get(mons, i));
		size_t j = 0;
		while (j < r->n_mons && strcmp(r->mons[j]->cfg->name, name))
			j++;
		if (j == r->n_mons) {
			snprintf(why, n, "monitors: no monitor named '%.80s'", name);
			win_free(w);
			return -EINVAL;
		}
		w->mons[i] = name;
	}
	w->mw.monitors = w->mons;
	w->mw.n_monitors = k;
	*out = w;
	return 0;
}

/* Puts @w in place of the window of its id, or at the end. */
static int win_install(struct watch_room *r, struct watch_api_win *w)
{
	for (size_t i = 0; i < r->n_wins; i++)
		if (r->wins[i]->id == w->id) {
			win_free(r->wins[i]);
			r->wins[i] = w;
			return 0;
		}
	struct watch_api_win **grown =
		realloc(r->wins, (r->n_wins + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->wins = grown;
	r->wins[r->n_wins++] = w;
	return 0;
}

static int load_one(int64_t id, const char *text, void *ud)
{
	struct watch_room *r = ud;
	struct watch_api_win *w = NULL;
	char why[160] = "not JSON";
	json_t *spec = json_loads(text, 0, NULL);
	int rc = spec ? win_build(r, spec, id, &w, why, sizeof(why)) : -EINVAL;
	json_decref(spec);
	if (!rc && (rc = win_install(r, w)))
		win_free(w);
	if (rc)
		log_warn("watch", "maintenance window %lld from the API not "
				  "started: %s", (long long)id,
			 rc == -EINVAL ? why : "no memory");
	return 0;
}

int watch_windows_load(struct watch_room *r)
{
	return watch_store_window_each(r->store, load_one, r);
}

void watch_windows_free(struct watch_room *r)
{
	for (size_t i = 0; i < r->n_wins; i++)
		win_free(r->wins[i]);
	free(r->wins);
	r->wins = NULL;
	r->n_wins = 0;
}

/* A create, update or delete on its way to the store. */
struct win_write {
	struct watch_room *r;
	struct http_pending *p;
	struct watch_api_win *w; /* create, update: installed once stored */
	char *text;
	int64_t id;
	int status; /* the answer's */
};

static void win_write_free(struct win_write *ww)
{
	win_free(ww->w);
	free(ww->text);
	free(ww);
}

static int put_work(struct store *s, void *ud)
{
	struct win_write *ww = ud;
	return ww->text ? watch_store_window_put(s, ww->id, ww->text)
			: watch_store_window_del(s, ww->id);
}

static void put_done(void *ud, int rc)
{
	struct win_write *ww = ud;
	struct watch_room *r = ww->r;
	struct http_response *resp = http_pending_response(ww->p);
	if (rc)
		http_reply_error(resp, 503, "not saved: %s", hearth_strerror(rc));
	else if (r->closing)
		http_reply_error(resp, 503, "the watch room is shutting down");
	else if (!ww->w) { /* delete */
		for (size_t i = 0; i < r->n_wins; i++)
			if (r->wins[i]->id == ww->id) {
				win_free(r->wins[i]);
				memmove(&r->wins[i], &r->wins[i + 1],
					(r->n_wins - i - 1) * sizeof(*r->wins));
				r->n_wins--;
				break;
			}
		resp->status = 204;
	} else if ((rc = win_install(r, ww->w)))
		http_reply_error(resp, 500, "out of memory");
	else {
		const struct cfg_watch_maint *mw = &ww->w->mw;
		ww->w = NULL;
		http_reply_json(resp, ww->status,
				watch_window_json(mw, ww->id - 1,
						  clock_wall_s(r->clock)));
	}
	http_pending_finish(ww->p);
	win_write_free(ww);
}

static void submit(struct watch_room *r, const struct http_request *req,
		   struct http_response *resp, struct win_write *ww)
{
	if (!(ww->p = http_defer(req, resp, NULL, NULL))) {
		win_write_free(ww);
		return;
	}
	int rc = watch_write_submit(r, put_work, put_done, ww);
	if (rc) {
		http_reply_error(http_pending_response(ww->p), 503,
				 "cannot queue the write: %s", hearth_strerror(rc));
		http_pending_finish(ww->p);
		win_write_free(ww);
	}
}

/* The body read into @ww->w (id @ww->id): 0, or answered. */
static int read_body(struct watch_room *r, const struct http_request *req,
		     struct http_response *resp, struct win_write *ww)
{
	json_error_t jerr;
	char why[160];
	json_t *spec = json_loadb(req->body, req->body_len, 0, &jerr);
	if (!spec) {
		http_reply_error(resp, 400, "body: not JSON: %s", jerr.text);
		return -EINVAL;
	}
	int rc = win_build(r, spec, ww->id, &ww->w, why, sizeof(why));
	if (!rc && !(ww->text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS)))
		rc = -ENOMEM;
	json_decref(spec);
	if (rc)
		http_reply_error(resp, rc == -EINVAL ? 400 : 500, "%s",
				 rc == -EINVAL ? why : "out of memory");
	return rc;
}

static void list(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	(void)req;
	struct watch_room *r = ud;
	int64_t now = clock_wall_s(r->clock), id;
	const struct cfg_watch_maint *mw;
	json_t *a = json_array();
	for (size_t k = 0; a && (mw = watch_window_nth(r, k, &id)); k++) {
		json_t *o = watch_window_json(mw, id - 1, now);
		json_object_set_new(o, "source", json_string(k < n_config(r)
								     ? "config"
								     : "api"));
		json_array_append_new(a, o);
	}
	http_reply_json(resp, 200, a);
}

/* A write of @r answering @status, or NULL after a 500. */
static struct win_write *win_write_new(struct watch_room *r,
				       struct http_response *resp, int status)
{
	struct win_write *ww = calloc(1, sizeof(*ww));
	if (!ww) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	ww->r = r;
	ww->status = status;
	return ww;
}

static void create(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_room *r = ud;
	struct win_write *ww = win_write_new(r, resp, 201);
	if (!ww)
		return;
	ww->id = FIRST_ID;
	for (size_t i = 0; i < r->n_wins; i++)
		if (r->wins[i]->id >= ww->id)
			ww->id = r->wins[i]->id + 1;
	if (read_body(r, req, resp, ww)) {
		win_write_free(ww);
		return;
	}
	submit(r, req, resp, ww);
}

/* The API window of the path's id: 0, or answered (404, 409). */
static int path_window(struct watch_room *r, const struct http_request *req,
		       struct http_response *resp, int64_t *id)
{
	char *end;
	const char *s = req->path + strlen(MAINT "/");
	long long v = strtoll(s, &end, 10);
	*id = v;
	if (end == s || *end || v < 1) {
		http_reply_error(resp, 404, "no window at %.80s", req->path);
		return -ENOENT;
	}
	if ((size_t)v <= n_config(r)) {
		http_reply_error(resp, 409, "id: window %lld comes from the "
					    "config file; change it there", v);
		return -EPERM;
	}
	for (size_t i = 0; i < r->n_wins; i++)
		if (r->wins[i]->id == v)
			return 0;
	http_reply_error(resp, 404, "no window with id %lld", v);
	return -ENOENT;
}

static void update(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_room *r = ud;
	struct win_write *ww = win_write_new(r, resp, 200);
	if (!ww)
		return;
	if (path_window(r, req, resp, &ww->id) || read_body(r, req, resp, ww)) {
		win_write_free(ww);
		return;
	}
	submit(r, req, resp, ww);
}

static void delete(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_room *r = ud;
	struct win_write *ww = win_write_new(r, resp, 0);
	if (!ww)
		return;
	if (path_window(r, req, resp, &ww->id)) {
		win_write_free(ww);
		return;
	}
	submit(r, req, resp, ww);
}

static const struct http_route routes[] = {
	{.name = "watch_maintenance", .method = "GET", .path = MAINT,
	 .management = true, .fn = list,
	 .help = "the maintenance windows (config and API), as Kuma's JSON "
		 "with their status now, zone offset and a cron window's "
		 "running slot"},
	{.name = "watch_maintenance_create", .method = "POST", .path = MAINT,
	 .management = true, .fn = create,
	 .help = "creates a window from a watch.maintenance entry as JSON; "
		 "kept across restarts"},
	{.name = "watch_maintenance_update", .method = "PUT",
	 .path = MAINT "/", .prefix = true, .management = true, .fn = update,
	 .help = "/<id>: replaces a window the API made (409 for the "
		 "config's)"},
	{.name = "watch_maintenance_delete", .method = "DELETE",
	 .path = MAINT "/", .prefix = true, .management = true, .fn = delete,
	 .help = "/<id>: deletes a window the API made (409 for the config's)"},
};

int watch_maint_api_register(struct watch_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
