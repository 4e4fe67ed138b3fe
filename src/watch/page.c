/* SPDX-License-Identifier: MIT */
/* The watch room's public routes: Kuma's status-page JSON (config, incident, groups, maintenance; heartbeats and 24 h uptime), the helpers the HTML page and the badges share, and the route table. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/sql.h"
#include "watch/internal.h"

#define PAGE_JSON "/api/status-page/"
#define PAGE_BEATS "/api/status-page/heartbeat/"
#define BADGE "/api/badge/"
#define STATUS "/status/"

const struct cfg_watch_page *watch_page_find(struct watch_room *r,
					    const char *slug)
{
	const struct cfg_watch_page *p;
	for (size_t k = 0; (p = watch_page_nth(r, k)); k++)
		if (p->published && !strcasecmp(p->slug, slug))
			return p;
	return NULL;
}

/* Whether @m is the @i-th monitor of @g (by id on an API page that names
 * it so, else by name). */
static bool mon_is(const struct watch_mon *m,
		   const struct cfg_watch_page_group *g, size_t i)
{
	return g->ids && g->ids[i] ? m->id == g->ids[i]
				   : !strcmp(m->cfg->name, g->monitors[i]);
}

/* The index found at load (the config's) or last time is checked, and
 * looked up again when the monitors changed (API monitors come and go;
 * an API page names monitors that may be made later). */
struct watch_mon *watch_page_mon(struct watch_room *r,
				 const struct cfg_watch_page_group *g, size_t i)
{
	int k = g->index[i];
	if (k >= 0 && (size_t)k < r->n_mons && mon_is(r->mons[k], g, i))
		return r->mons[k];
	g->index[i] = -1;
	for (size_t j = 0; j < r->n_mons; j++)
		if (mon_is(r->mons[j], g, i)) {
			g->index[i] = (int)j;
			return r->mons[j];
		}
	return NULL;
}

static void fail(struct http_response *resp, int status, const char *msg)
{
	http_reply_json(resp, status,
			json_pack("{s:s, s:s}", "status", "fail", "msg", msg));
}

/* The slug after @prefix (no further '/'), or NULL. */
static const char *slug_of(const struct http_request *req, const char *prefix)
{
	const char *s = req->path + strlen(prefix);
	return *s && !strchr(s, '/') ? s : NULL;
}

bool watch_page_shows_cert(const struct watch_mon *m)
{
	return m->cfg->type == WATCH_TLS ||
	       (m->cfg->type == WATCH_HTTP && m->cfg->url &&
		!strncasecmp(m->cfg->url, "https://", 8));
}

bool watch_incident_shown(const struct cfg_watch_incident *i)
{
	return i && ((i->title && *i->title) || (i->content && *i->content));
}

/* Kuma's "YYYY-MM-DD HH:mm:ss" of unix seconds @s (UTC). */
static void kuma_date(int64_t s, char out[32])
{
	char ms[32];
	watch_kuma_time(s * 1000, ms);
	snprintf(out, 32, "%.19s", ms);
}

/* Kuma's incident.toPublicJSON(), or null. */
static json_t *incident_json(struct watch_room *r,
			     const struct cfg_watch_page *p)
{
	const struct cfg_watch_incident *i = watch_page_incident(r, p);
	if (!i)
		return json_null();
	char when[32];
	if (i->created_s)
		kuma_date(i->created_s, when);
	return json_pack("{s:i, s:s, s:s, s:s, s:b, s:s?, s:n}", "id", 1,
			 "style", i->style, "title", i->title ? i->title : "",
			 "content", i->content ? i->content : "", "pin", 1,
			 "createdDate", i->created_s ? when : NULL,
			 "lastUpdatedDate");
}

/* True when @mw covers a monitor of page @p. */
static bool window_on_page(struct watch_room *r, const struct cfg_watch_page *p,
			   const struct cfg_watch_maint *mw)
{
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, &p->groups[g], i);
			if (m && watch_window_covers(mw, m->cfg->name))
				return true;
		}
	return false;
}

size_t watch_page_maintenance(struct watch_room *r,
			      const struct cfg_watch_page *p,
			      const struct cfg_watch_maint **out, size_t max)
{
	const struct cfg_watch_maint *mw;
	int64_t id;
	size_t n = 0;
	for (size_t k = 0; n < max && (mw = watch_window_nth(r, k, &id)); k++)
		if (watch_window_on(mw, clock_wall_s(r->clock)) &&
		    window_on_page(r, p, mw))
			out[n++] = mw;
	return n;
}

/* Kuma's maintenanceList: the windows on now that cover the page. */
static json_t *maintenance_json(struct watch_room *r,
				const struct cfg_watch_page *p)
{
	const struct cfg_watch_maint *on[32];
	size_t n = watch_page_maintenance(r, p, on, 32);
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		int64_t id = 0;
		const struct cfg_watch_maint *mw;
		for (size_t k = 0; (mw = watch_window_nth(r, k, &id)) && mw != on[i];
		     k++)
			;
		json_array_append_new(
			a, json_pack("{s:I, s:s, s:s, s:s, s:b, s:s}", "id",
				     (json_int_t)id,
				     "title", on[i]->name, "description",
				     on[i]->description ? on[i]->description : "",
				     "strategy", on[i]->strategy_text, "active", 1,
				     "status", "under-maintenance"));
	}
	return a;
}

/* GET /api/status-page/<slug>: Kuma's shape. */
static void page_json(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	const char *s = req->path + strlen(PAGE_JSON),
		   *slash = strchr(s, '/');
	if (slash && !strcmp(slash, "/badge")) { /* /<slug>/badge */
		char slug[128];
		size_t n = (size_t)(slash - s);
		const struct cfg_watch_page *p = NULL;
		if (n && n < sizeof(slug)) {
			memcpy(slug, s, n);
			slug[n] = '\0';
			p = watch_page_find(r, slug);
		}
		watch_page_badge(req, resp, r, p);
		return;
	}
	const char *slug = slug_of(req, PAGE_JSON);
	const struct cfg_watch_page *p = slug ? watch_page_find(r, slug) : NULL;
	if (!p) {
		fail(resp, 404, "Status Page Not Found");
		return;
	}
	json_t *groups = json_array();
	for (size_t g = 0; groups && g < p->n_groups; g++) {
		const struct cfg_watch_page_group *gr = &p->groups[g];
		json_t *list = json_array();
		for (size_t i = 0; list && i < gr->n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, gr, i);
			if (!m)
				continue;
			json_t *o = json_pack("{s:I, s:s, s:b, s:s}", "id",
					      (json_int_t)m->id, "name",
					      m->cfg->name, "sendUrl", 0, "type",
					      watch_type_name(m->cfg->type));
			if (o && p->show_tags)
				json_object_set_new(o, "tags",
						    watch_tags_json(m->cfg));
			if (o && p->show_certificate_expiry &&
			    watch_page_shows_cert(m)) {
				/* Kuma's getCertExpiry: "" and false unless
				 * a verified certificate was seen. */
				int64_t days = watch_cert_days(m);
				bool ok = days != INT64_MIN && m->cert_valid;
				json_object_set_new(o, "certExpiryDaysRemaining",
						    ok ? json_integer(days)
						       : json_string(""));
				json_object_set_new(o, "validCert",
						    json_boolean(ok));
			}
			json_array_append_new(list, o);
		}
		json_array_append_new(groups,
				      json_pack("{s:I, s:s, s:I, s:o}", "id",
						(json_int_t)g + 1, "name",
						gr->name, "weight",
						(json_int_t)g + 1, "monitorList",
						list));
	}
	json_t *cfg = json_pack(
		"{s:s, s:s, s:s?, s:s, s:s, s:b, s:b, s:s, s:s?, s:b, s:n, s:b, "
		"s:I}",
		"slug", p->slug, "title", p->title, "description", p->description,
		"icon", "/icon.svg", "theme", p->theme, "published", 1,
		"showTags", p->show_tags, "customCSS", "", "footerText", p->footer_text,
		"showPoweredBy", p->show_powered_by, "googleAnalyticsId",
		"showCertificateExpiry", p->show_certificate_expiry,
		"autoRefreshInterval",
		(json_int_t)p->auto_refresh);
	http_reply_json(resp, 200,
			json_pack("{s:o, s:o, s:o, s:o}", "config", cfg,
				  "incident", incident_json(r, p), "publicGroupList",
				  groups, "maintenanceList", maintenance_json(r, p)));
	/* Kuma: cache("5 minutes"). */
	http_reply_header(resp, "Cache-Control", "public, max-age=300");
}

/* The last @limit beats of @m, oldest first, as Kuma's public JSON. */
json_t *watch_public_beats(struct watch_room *r, const struct watch_mon *m,
			  int64_t limit)
{
	json_t *a = json_array();
	struct sql_rows q;
	sql_query(r->store, &q,
		  "SELECT time, status, ping FROM (SELECT id, time, status, ping "
		  "FROM watch_heartbeats WHERE monitor = ? ORDER BY time DESC, "
		  "id DESC LIMIT ?) ORDER BY time, id",
		  "ii", m->id, limit);
	while (sql_next(&q)) {
		char when[32];
		watch_kuma_time(sql_col_int(&q, 0), when);
		json_t *ping = sqlite3_column_type(q.st, 2) == SQLITE_NULL
				       ? json_null()
				       : json_real(sqlite3_column_double(q.st, 2));
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:o}",
						   "status",
						   (json_int_t)sql_col_int(&q, 1),
						   "time", when, "msg", "", "ping",
						   ping));
	}
	if (sql_end(&q)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

double watch_uptime_ratio(struct watch_room *r, const struct watch_mon *m,
			  int64_t secs)
{
	json_t *u = watch_uptime(r, m, secs);
	double v = u ? json_real_value(json_object_get(u, "uptime")) : 0;
	json_decref(u);
	return v;
}

/* GET /api/status-page/heartbeat/<slug> */
static void page_beats(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	const char *slug = slug_of(req, PAGE_BEATS);
	const struct cfg_watch_page *p = slug ? watch_page_find(r, slug) : NULL;
	if (!p) {
		fail(resp, 404, "Status Page Not Found");
		return;
	}
	json_t *beats = json_object(), *up = json_object();
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, &p->groups[g], i);
			char key[32];
			if (!m)
				continue;
			json_t *list = watch_public_beats(r, m, 100);
			if (!list) {
				json_decref(beats);
				json_decref(up);
				fail(resp, 503, "the history cannot be read now");
				return;
			}
			snprintf(key, sizeof(key), "%lld", (long long)m->id);
			json_object_set_new(beats, key, list);
			snprintf(key, sizeof(key), "%lld_24", (long long)m->id);
			json_object_set_new(up, key,
					    json_real(watch_uptime_ratio(r, m, 86400)));
		}
	http_reply_json(resp, 200,
			json_pack("{s:o, s:o}", "heartbeatList", beats,
				  "uptimeList", up));
	/* Kuma: cache("1 minutes"). */
	http_reply_header(resp, "Cache-Control", "public, max-age=60");
}

/* True when @m shows on a published page (badges are only for those). */
bool watch_page_public(struct watch_room *r, const struct watch_mon *m)
{
	const struct cfg_watch_page *p;
	for (size_t k = 0; (p = watch_page_nth(r, k)); k++)
		for (size_t g = 0; p->published && g < p->n_groups; g++)
			for (size_t i = 0; i < p->groups[g].n_monitors; i++)
				if (watch_page_mon(r, &p->groups[g], i) == m)
					return true;
	return false;
}

static const struct http_route routes[] = {
	{.name = "watch_status_page_beats", .method = "GET", .path = PAGE_BEATS,
	 .prefix = true, .fn = page_beats,
	 .help = "Kuma's status-page heartbeats: {heartbeatList, uptimeList}"},
	{.name = "watch_status_page", .method = "GET", .path = PAGE_JSON,
	 .prefix = true, .fn = page_json,
	 .help = "Kuma's status-page JSON: {config, incident, "
		 "publicGroupList, maintenanceList}; /<slug>/badge: the page's "
		 "overall SVG badge (Up, Degraded, Down, Maintenance)"},
	{.name = "watch_badge", .method = "GET", .path = BADGE, .prefix = true,
	 .fn = watch_badge_route,
	 .help = "Kuma's SVG badges: /<id>/status, uptime/<dur>, ping/<dur>, "
		 "avg-response/<dur>, cert-exp, response"},
	{.name = "watch_page", .method = "GET", .path = STATUS, .prefix = true,
	 .fn = watch_page_html,
	 .help = "a status page (HTML, no JavaScript); /status/<slug>/rss: its "
		 "incidents and status changes as RSS 2.0"},
};

int watch_page_register(struct watch_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
