/* SPDX-License-Identifier: MIT */
/* Status pages through the REST API: list, show, create, replace, delete, post and unpin the incident; kept in the store, the config's read-only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "watch/internal.h"
#include "watch/spec.h"

#define PAGES "/api/v1/watch/pages"
#define KIND "page"
#define INC_KIND "incident"

/* A page the API made: its body, the snapshot its settings live in, and
 * its groups with their monitors (names point into the body). */
struct watch_api_page {
	json_t *spec;
	struct config *snap;
	struct cfg_watch_page pg;
	struct cfg_watch_page_group *groups;
	const char **names;
	int64_t *ids;
	int *index;
};

static void page_free(void *obj)
{
	struct watch_api_page *p = obj;
	if (!p)
		return;
	json_decref(p->spec);
	config_unref(p->snap);
	free(p->groups);
	free(p->names);
	free(p->ids);
	free(p->index);
	free(p);
}

/* An incident the API posted on a page of the config file (kind
 * "incident" in the store, by slug): it replaces the file's until
 * unpinned. */
struct watch_page_inc {
	char *slug;
	json_t *spec; /* {title, content, style, date} */
	struct config *snap;
	const struct cfg_watch_incident *inc;
};

static void inc_free(void *obj)
{
	struct watch_page_inc *i = obj;
	if (!i)
		return;
	free(i->slug);
	json_decref(i->spec);
	config_unref(i->snap);
	free(i);
}

const struct cfg_watch_page *watch_page_nth(const struct watch_room *r,
					    size_t k)
{
	const struct cfg_watch *w = watch_config(r->cfg);
	if (k < w->n_pages)
		return &w->pages[k];
	k -= w->n_pages;
	return k < r->n_pages ? &r->pages[k]->pg : NULL;
}

/* The API's record of page @p, or NULL (a config page). */
static struct watch_api_page *api_of(const struct watch_room *r,
				     const struct cfg_watch_page *p)
{
	for (size_t i = 0; i < r->n_pages; i++)
		if (&r->pages[i]->pg == p)
			return r->pages[i];
	return NULL;
}

const struct cfg_watch_incident *watch_page_incident(const struct watch_room *r,
						     const struct cfg_watch_page *p)
{
	const struct cfg_watch_incident *i = &p->incident;
	if (!api_of(r, p))
		for (size_t k = 0; k < r->n_incs; k++)
			if (!strcmp(r->incs[k]->slug, p->slug))
				i = r->incs[k]->inc;
	return watch_incident_shown(i) ? i : NULL;
}

/* @body read as the incident of page @slug (the config's rules). */
static int inc_build(struct watch_room *r, const char *slug, json_t *body,
		     struct watch_page_inc **out, char *why, size_t n)
{
	const struct cfg_watch_page *pg;
	struct watch_page_inc *i = calloc(1, sizeof(*i));
	json_t *o = json_pack("{s:s, s:O}", "slug", slug, "incident", body);
	if (!i || !o || !(i->slug = strdup(slug))) {
		json_decref(o);
		inc_free(i);
		return -ENOMEM;
	}
	i->spec = json_incref(body);
	int rc = watch_page_spec_parse(r->cfg->schema, o, &i->snap, &pg, why, n);
	json_decref(o);
	if (rc) {
		inc_free(i);
		return rc;
	}
	i->inc = &pg->incident;
	*out = i;
	return 0;
}

/* Installs @i (NULL: removes the one of @slug). */
static int inc_install(struct watch_room *r, const char *slug,
		       struct watch_page_inc *i)
{
	for (size_t k = 0; k < r->n_incs; k++)
		if (!strcmp(r->incs[k]->slug, slug)) {
			inc_free(r->incs[k]);
			if (i) {
				r->incs[k] = i;
			} else {
				memmove(&r->incs[k], &r->incs[k + 1],
					(r->n_incs - k - 1) * sizeof(*r->incs));
				r->n_incs--;
			}
			return 0;
		}
	if (!i)
		return 0;
	struct watch_page_inc **grown =
		realloc(r->incs, (r->n_incs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->incs = grown;
	r->incs[r->n_incs++] = i;
	return 0;
}

/* The page (published or not) with @slug, or NULL. */
static const struct cfg_watch_page *page_named(const struct watch_room *r,
					       const char *slug)
{
	const struct cfg_watch_page *p;
	for (size_t k = 0; (p = watch_page_nth(r, k)); k++)
		if (!strcasecmp(p->slug, slug))
			return p;
	return NULL;
}

/* @spec read into a new page; each group's monitors are found among
 * those running (@strict: one missing is refused, else skipped until it
 * appears). 0, or -EINVAL naming the field. */
static int page_build(struct watch_room *r, json_t *spec, bool strict,
		      struct watch_api_page **out, char *why, size_t n)
{
	const struct cfg_watch_page *pg;
	struct watch_api_page *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->spec = json_incref(spec);
	int rc = watch_page_spec_parse(r->cfg->schema, spec, &p->snap, &pg, why,
				       n);
	if (rc) {
		page_free(p);
		return rc;
	}
	p->pg = *pg;
	json_t *groups = json_object_get(spec, "groups");
	size_t total = 0;
	for (size_t g = 0; g < pg->n_groups; g++)
		total += json_array_size(
			json_object_get(json_array_get(groups, g), "monitors"));
	p->groups = calloc(pg->n_groups + 1, sizeof(*p->groups));
	p->names = calloc(total + 1, sizeof(*p->names));
	p->ids = calloc(total + 1, sizeof(*p->ids));
	p->index = calloc(total + 1, sizeof(*p->index));
	if (!p->groups || !p->names || !p->ids || !p->index) {
		page_free(p);
		return -ENOMEM;
	}
	size_t off = 0;
	for (size_t g = 0; g < pg->n_groups; g++) {
		struct cfg_watch_page_group *gr = &p->groups[g];
		json_t *mons = json_object_get(json_array_get(groups, g),
					       "monitors");
		*gr = pg->groups[g];
		gr->monitors = p->names + off;
		gr->ids = p->ids + off;
		gr->index = p->index + off;
		gr->n_monitors = json_array_size(mons);
		for (size_t i = 0; i < gr->n_monitors; i++) {
			json_t *e = json_array_get(mons, i);
			p->names[off + i] = json_is_string(e) ? json_string_value(e)
							      : "";
			p->ids[off + i] = json_is_integer(e) ? json_integer_value(e)
							     : 0;
			p->index[off + i] = -1;
			if (watch_page_mon(r, gr, i) || !strict)
				continue;
			if (json_is_string(e))
				snprintf(why, n, "groups: no monitor named '%.80s'",
					 json_string_value(e));
			else
				snprintf(why, n, "groups: no monitor with id %lld",
					 (long long)json_integer_value(e));
			page_free(p);
			return -EINVAL;
		}
		off += gr->n_monitors;
	}
	p->pg.groups = p->groups;
	*out = p;
	return 0;
}

/* Puts @p in place of the API's page @old (NULL: its own slug), or at
 * the end. */
static int page_install(struct watch_room *r, struct watch_api_page *p,
			const char *old)
{
	for (size_t i = 0; i < r->n_pages; i++)
		if (!strcmp(r->pages[i]->pg.slug, old ? old : p->pg.slug)) {
			page_free(r->pages[i]);
			r->pages[i] = p;
			return 0;
		}
	struct watch_api_page **grown =
		realloc(r->pages, (r->n_pages + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->pages = grown;
	r->pages[r->n_pages++] = p;
	return 0;
}

static void page_remove(struct watch_room *r, const char *slug)
{
	for (size_t i = 0; i < r->n_pages; i++)
		if (!strcmp(r->pages[i]->pg.slug, slug)) {
			page_free(r->pages[i]);
			memmove(&r->pages[i], &r->pages[i + 1],
				(r->n_pages - i - 1) * sizeof(*r->pages));
			r->n_pages--;
			return;
		}
}

static int load_one(const char *key, const char *text, void *ud)
{
	struct watch_room *r = ud;
	struct watch_api_page *p = NULL;
	char why[160] = "not JSON";
	json_t *spec = json_loads(text, 0, NULL);
	int rc = spec ? page_build(r, spec, false, &p, why, sizeof(why))
		      : -EINVAL;
	json_decref(spec);
	if (!rc && (rc = page_install(r, p, NULL)))
		page_free(p);
	if (rc)
		log_warn("watch", "status page '%s' from the API not loaded: %s",
			 key, rc == -EINVAL ? why : "no memory");
	return 0;
}

static int load_inc(const char *key, const char *text, void *ud)
{
	struct watch_room *r = ud;
	struct watch_page_inc *i = NULL;
	char why[160] = "not JSON";
	json_t *spec = json_loads(text, 0, NULL);
	int rc = spec ? inc_build(r, key, spec, &i, why, sizeof(why)) : -EINVAL;
	json_decref(spec);
	if (!rc && (rc = inc_install(r, key, i)))
		inc_free(i);
	if (rc)
		log_warn("watch", "incident of status page '%s' from the API not "
				  "loaded: %s", key,
			 rc == -EINVAL ? why : "no memory");
	return 0;
}

int watch_pages_load(struct watch_room *r)
{
	int rc = watch_store_obj_each(r->store, KIND, load_one, r);
	return rc ? rc : watch_store_obj_each(r->store, INC_KIND, load_inc, r);
}

void watch_pages_free(struct watch_room *r)
{
	for (size_t i = 0; i < r->n_pages; i++)
		page_free(r->pages[i]);
	free(r->pages);
	r->pages = NULL;
	r->n_pages = 0;
	for (size_t i = 0; i < r->n_incs; i++)
		inc_free(r->incs[i]);
	free(r->incs);
	r->incs = NULL;
	r->n_incs = 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Page @p as the API shows it: its settings, its groups with the
 * monitors found (id, name), where it comes from. */
static json_t *page_json(struct watch_room *r, const struct cfg_watch_page *p)
{
	const struct cfg_watch_incident *inc = watch_page_incident(r, p);
	json_t *groups = json_array();
	for (size_t g = 0; groups && g < p->n_groups; g++) {
		const struct cfg_watch_page_group *gr = &p->groups[g];
		json_t *mons = json_array();
		for (size_t i = 0; mons && i < gr->n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, gr, i);
			if (m)
				json_array_append_new(
					mons, json_pack("{s:I, s:s}", "id",
							(json_int_t)m->id, "name",
							m->cfg->name));
		}
		json_array_append_new(groups, json_pack("{s:s, s:o}", "name",
							gr->name, "monitors",
							mons));
	}
	json_t *incident = inc
		? json_pack("{s:o, s:o, s:s, s:o}", "title",
			    str_or_null(inc->title), "content",
			    str_or_null(inc->content), "style", inc->style,
			    "date", str_or_null(inc->date))
		: json_null();
	struct watch_api_page *a = api_of(r, p);
	char url[160];
	snprintf(url, sizeof(url), "/status/%s", p->slug);
	json_t *o = json_pack(
		"{s:s, s:s, s:o, s:o, s:s, s:b, s:b, s:b, s:b, s:I, s:o, s:o, "
		"s:s, s:s}",
		"slug", p->slug, "title", p->title, "description",
		str_or_null(p->description), "footer_text",
		str_or_null(p->footer_text), "theme", p->theme, "published",
		p->published, "show_tags", p->show_tags,
		"show_certificate_expiry", p->show_certificate_expiry,
		"show_powered_by", p->show_powered_by, "auto_refresh",
		(json_int_t)p->auto_refresh, "incident", incident, "groups",
		groups, "source", a ? "api" : "config", "url", url);
	if (o && a)
		json_object_set(o, "spec", a->spec);
	return o;
}

static void list(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	(void)req;
	struct watch_room *r = ud;
	const struct cfg_watch_page *p;
	json_t *a = json_array();
	for (size_t k = 0; a && (p = watch_page_nth(r, k)); k++)
		json_array_append_new(a, page_json(r, p));
	http_reply_json(resp, 200, a);
}

/* The page the path names, *rest at what follows its slug; NULL when
 * answered 404. */
static const struct cfg_watch_page *path_page(struct watch_room *r,
					      const struct http_request *req,
					      struct http_response *resp,
					      const char **rest)
{
	char slug[128];
	const struct cfg_watch_page *p = NULL;
	if (watch_path_key(req, PAGES "/", slug, sizeof(slug), rest)) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return NULL;
	}
	if (!(p = page_named(r, slug)))
		http_reply_error(resp, 404, "no status page '%s'", slug);
	return p;
}

static void one(const struct http_request *req, struct http_response *resp,
		void *ud)
{
	const char *rest;
	const struct cfg_watch_page *p = path_page(ud, req, resp, &rest);
	if (p && *rest)
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
	else if (p)
		http_reply_json(resp, 200, page_json(ud, p));
}

static void apply_put(struct watch_obj_write *w, struct http_response *resp)
{
	struct watch_api_page *p = w->obj;
	if (page_install(w->r, p, w->old_key)) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->obj = NULL;
	log_info("watch", "status page '%s' %s through the API", p->pg.slug,
		 w->old_key ? "replaced" : "created");
	http_reply_json(resp, w->old_key ? 200 : 201, page_json(w->r, &p->pg));
}

static void apply_delete(struct watch_obj_write *w, struct http_response *resp)
{
	page_remove(w->r, w->key);
	log_info("watch", "status page '%s' deleted through the API", w->key);
	resp->status = 204;
}

/* POST (@old NULL) or PUT of page @old with @spec (taken): read, its
 * slug free, the write queued; or answered. */
static void put(struct watch_room *r, const struct http_request *req,
		struct http_response *resp, const char *old, json_t *spec)
{
	char why[160];
	struct watch_api_page *p = NULL;
	if (old && !json_object_get(spec, "slug"))
		json_object_set_new(spec, "slug", json_string(old));
	int rc = page_build(r, spec, true, &p, why, sizeof(why));
	json_decref(spec);
	if (rc) {
		http_reply_error(resp, rc == -EINVAL ? 400 : 500, "%s",
				 rc == -EINVAL ? why : "out of memory");
		return;
	}
	const struct cfg_watch_page *have = page_named(r, p->pg.slug);
	if (have && (!old || strcmp(old, p->pg.slug))) {
		http_reply_error(resp, 409, "slug: page '%s' %s", p->pg.slug,
				 api_of(r, have) ? "exists"
						 : "comes from the config file");
		page_free(p);
		return;
	}
	struct watch_obj_write *w = watch_obj_write_new(r, KIND);
	if (!w) {
		page_free(p);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->obj = p;
	w->free_obj = page_free;
	w->apply = apply_put;
	w->key = strdup(p->pg.slug);
	w->text = json_dumps(p->spec, JSON_COMPACT | JSON_SORT_KEYS);
	if (!w->text || (old && !(w->old_key = strdup(old)))) {
		free(w->key);
		w->key = NULL; /* answered 500 by submit */
	}
	watch_obj_submit(w, req, resp);
}

static void create(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	json_t *spec = watch_body_json(req, resp);
	if (spec)
		put(ud, req, resp, NULL, spec);
}

/* The API's page a PUT or DELETE names; NULL when answered (404, 409
 * for the config's). */
static struct watch_api_page *writable(struct watch_room *r,
				       const struct http_request *req,
				       struct http_response *resp,
				       const char **rest)
{
	const struct cfg_watch_page *p = path_page(r, req, resp, rest);
	if (!p)
		return NULL;
	struct watch_api_page *a = api_of(r, p);
	if (!a)
		http_reply_error(resp, 409, "status page '%s' comes from the "
					    "config file; change it there",
				 p->slug);
	return a;
}

static void update(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	const char *rest;
	char old[128];
	struct watch_api_page *a = writable(ud, req, resp, &rest);
	if (!a)
		return;
	if (*rest) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return;
	}
	json_t *spec = watch_body_json(req, resp);
	snprintf(old, sizeof(old), "%s", a->pg.slug);
	if (spec)
		put(ud, req, resp, old, spec);
}

static void apply_inc(struct watch_obj_write *w, struct http_response *resp)
{
	struct watch_page_inc *i = w->obj;
	if (inc_install(w->r, w->key, i)) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->obj = NULL;
	log_info("watch", "status page '%s': incident %s through the API",
		 w->key, i ? "posted" : "unpinned");
	const struct cfg_watch_page *p = page_named(w->r, w->key);
	if (p)
		http_reply_json(resp, 200, page_json(w->r, p));
	else
		resp->status = 204;
}

/* The incident of config page @p posted (@body, taken) or unpinned
 * (NULL): kept in the store, shown instead of the file's. */
static void config_incident(struct watch_room *r, const struct http_request *req,
			    struct http_response *resp,
			    const struct cfg_watch_page *p, json_t *body)
{
	struct watch_page_inc *i = NULL;
	char why[160];
	int rc = body ? inc_build(r, p->slug, body, &i, why, sizeof(why)) : 0;
	json_decref(body);
	if (rc) {
		http_reply_error(resp, rc == -EINVAL ? 400 : 500, "%s",
				 rc == -EINVAL ? why : "out of memory");
		return;
	}
	struct watch_obj_write *w = watch_obj_write_new(r, INC_KIND);
	if (!w) {
		inc_free(i);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->obj = i;
	w->free_obj = inc_free;
	w->apply = apply_inc;
	w->key = strdup(p->slug);
	if (i && !(w->text = json_dumps(i->spec, JSON_COMPACT | JSON_SORT_KEYS))) {
		free(w->key);
		w->key = NULL; /* answered 500 by submit */
	}
	watch_obj_submit(w, req, resp);
}

/* The page a .../<slug>/incident path names; NULL when answered 404. */
static const struct cfg_watch_page *incident_page(struct watch_room *r,
						  const struct http_request *req,
						  struct http_response *resp)
{
	const char *rest;
	const struct cfg_watch_page *p = path_page(r, req, resp, &rest);
	if (p && strcmp(rest, "/incident")) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return NULL;
	}
	return p;
}

/* POST .../<slug>/incident {title, content, style, date}: the page's
 * incident set (date: now when absent); an API page's as a PUT of the
 * page would, a config page's kept apart. */
static void post_incident(const struct http_request *req,
			  struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	char old[128], now[32];
	const struct cfg_watch_page *p = incident_page(r, req, resp);
	if (!p)
		return;
	json_t *inc = watch_body_json(req, resp);
	if (!inc)
		return;
	if (!json_object_get(inc, "date")) {
		watch_kuma_time(clock_wall_ms(r->clock), now);
		now[19] = '\0'; /* "YYYY-MM-DD HH:MM:SS" */
		json_object_set_new(inc, "date", json_string(now));
	}
	struct watch_api_page *a = api_of(r, p);
	if (!a) {
		config_incident(r, req, resp, p, inc);
		return;
	}
	json_t *spec = json_deep_copy(a->spec);
	if (!spec || json_object_set_new(spec, "incident", inc)) {
		json_decref(spec);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	snprintf(old, sizeof(old), "%s", a->pg.slug);
	put(r, req, resp, old, spec);
}

/* DELETE .../<slug>/incident: the incident unpinned. */
static void unpin(struct watch_room *r, const struct http_request *req,
		  struct http_response *resp)
{
	char old[128];
	const struct cfg_watch_page *p = incident_page(r, req, resp);
	if (!p)
		return;
	struct watch_api_page *a = api_of(r, p);
	if (!a) {
		config_incident(r, req, resp, p, NULL);
		return;
	}
	json_t *spec = json_deep_copy(a->spec);
	if (!spec) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	json_object_del(spec, "incident");
	snprintf(old, sizeof(old), "%s", a->pg.slug);
	put(r, req, resp, old, spec);
}

/* DELETE .../<slug>: the page (the API's); .../<slug>/incident: its
 * incident unpinned. */
static void delete(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_room *r = ud;
	const char *rest;
	const char *slash = strchr(req->path + strlen(PAGES "/"), '/');
	if (slash && !strcmp(slash, "/incident")) {
		unpin(r, req, resp);
		return;
	}
	struct watch_api_page *a = writable(r, req, resp, &rest);
	if (!a)
		return;
	if (*rest) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return;
	}
	struct watch_obj_write *w = watch_obj_write_new(r, KIND);
	if (!w) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->apply = apply_delete;
	w->key = strdup(a->pg.slug);
	watch_obj_submit(w, req, resp);
}

static const struct http_route routes[] = {
	{.name = "watch_pages", .method = "GET", .path = PAGES,
	 .management = true, .fn = list,
	 .help = "the status pages, the config's and the API's, with their "
		 "groups' monitors (id, name)"},
	{.name = "watch_page_get", .method = "GET", .path = PAGES "/",
	 .prefix = true, .management = true, .fn = one,
	 .help = "/<slug>: one status page"},
	{.name = "watch_page_create", .method = "POST", .path = PAGES,
	 .management = true, .fn = create,
	 .help = "creates a status page from a watch.status_pages entry as "
		 "JSON (groups' monitors by name or id); kept across restarts, "
		 "served at /status/<slug> and /api/status-page/<slug>"},
	{.name = "watch_page_update", .method = "PUT", .path = PAGES "/",
	 .prefix = true, .management = true, .fn = update,
	 .help = "/<slug>: replaces a status page the API made (409 for the "
		 "config's)"},
	{.name = "watch_page_incident", .method = "POST", .path = PAGES "/",
	 .prefix = true, .management = true, .fn = post_incident,
	 .help = "/<slug>/incident {title, content, style, date}: posts the "
		 "page's pinned incident (date: now when absent; on a page of "
		 "the config file it replaces the file's until unpinned)"},
	{.name = "watch_page_delete", .method = "DELETE", .path = PAGES "/",
	 .prefix = true, .management = true, .fn = delete,
	 .help = "/<slug>: deletes a status page the API made; "
		 "/<slug>/incident: unpins its incident"},
};

int watch_page_api_register(struct watch_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
