/* SPDX-License-Identifier: MIT */
/* The watch room's public pages: /status/<slug> (HTML, no JavaScript), Kuma's status-page JSON and SVG badges. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sql.h"
#include "watch/internal.h"

#define PAGE_JSON "/api/status-page/"
#define PAGE_BEATS "/api/status-page/heartbeat/"
#define BADGE "/api/badge/"
#define STATUS "/status/"

static const struct cfg_watch_page *find_page(struct watch_room *r,
					      const char *slug)
{
	const struct cfg_watch *w = watch_config(r->cfg);
	for (size_t i = 0; i < w->n_pages; i++)
		if (w->pages[i].published && !strcasecmp(w->pages[i].slug, slug))
			return &w->pages[i];
	return NULL;
}

static struct watch_mon *group_mon(struct watch_room *r,
				   const struct cfg_watch_page_group *g,
				   size_t i)
{
	int k = g->index[i];
	return k >= 0 && (size_t)k < r->n_mons ? r->mons[k] : NULL;
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

/* GET /api/status-page/<slug>: Kuma's shape. */
static void page_json(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	const char *slug = slug_of(req, PAGE_JSON);
	const struct cfg_watch_page *p = slug ? find_page(r, slug) : NULL;
	if (!p) {
		fail(resp, 404, "Status Page Not Found");
		return;
	}
	json_t *groups = json_array();
	for (size_t g = 0; groups && g < p->n_groups; g++) {
		const struct cfg_watch_page_group *gr = &p->groups[g];
		json_t *list = json_array();
		for (size_t i = 0; list && i < gr->n_monitors; i++) {
			struct watch_mon *m = group_mon(r, gr, i);
			if (m)
				json_array_append_new(
					list, json_pack("{s:I, s:s, s:s, s:b}", "id",
							(json_int_t)m->id, "name",
							m->cfg->name, "type",
							watch_type_name(m->cfg->type),
							"sendUrl", 0));
		}
		json_array_append_new(groups,
				      json_pack("{s:I, s:s, s:I, s:o}", "id",
						(json_int_t)g + 1, "name",
						gr->name, "weight",
						(json_int_t)g + 1, "monitorList",
						list));
	}
	json_t *cfg = json_pack(
		"{s:s, s:s, s:s?, s:s, s:s, s:b, s:b, s:s, s:s?, s:b, s:b, s:I}",
		"slug", p->slug, "title", p->title, "description", p->description,
		"icon", "/icon.svg", "theme", p->theme, "published", 1,
		"showTags", 0, "customCSS", "", "footerText", p->footer_text,
		"showPoweredBy", p->show_powered_by, "showCertificateExpiry", 0,
		"autoRefreshInterval", (json_int_t)p->auto_refresh);
	http_reply_json(resp, 200,
			json_pack("{s:o, s:n, s:o, s:[]}", "config", cfg,
				  "incident", "publicGroupList", groups,
				  "maintenanceList"));
}

/* The last @limit beats of @m, oldest first, as Kuma's public JSON. */
static json_t *public_beats(struct watch_room *r, const struct watch_mon *m,
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

static double uptime_of(struct watch_room *r, const struct watch_mon *m,
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
	const struct cfg_watch_page *p = slug ? find_page(r, slug) : NULL;
	if (!p) {
		fail(resp, 404, "Status Page Not Found");
		return;
	}
	json_t *beats = json_object(), *up = json_object();
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			struct watch_mon *m = group_mon(r, &p->groups[g], i);
			char key[32];
			if (!m)
				continue;
			json_t *list = public_beats(r, m, 100);
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
					    json_real(uptime_of(r, m, 86400)));
		}
	http_reply_json(resp, 200,
			json_pack("{s:o, s:o}", "heartbeatList", beats,
				  "uptimeList", up));
}

/* ---- badges ---- */

/* True when @m shows on a published page (badges are only for those). */
static bool on_public_page(struct watch_room *r, const struct watch_mon *m)
{
	const struct cfg_watch *w = watch_config(r->cfg);
	for (size_t j = 0; j < w->n_pages; j++)
		for (size_t g = 0; w->pages[j].published && g < w->pages[j].n_groups;
		     g++)
			for (size_t i = 0; i < w->pages[j].groups[g].n_monitors; i++)
				if (group_mon(r, &w->pages[j].groups[g], i) == m)
					return true;
	return false;
}

static void xml_escaped(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': buf_append(b, "&amp;", 5); break;
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '"': buf_append(b, "&quot;", 6); break;
		case '\'': buf_append(b, "&#39;", 5); break;
		default: buf_append(b, s, 1);
		}
}

/* A colour from the query: hex (3-8 digits, # optional) or a shields name;
 * anything else is @dflt. */
static const char *color(const struct http_request *req, const char *arg,
			 const char *dflt, char *out, size_t n)
{
	static const struct {
		const char *name, *hex;
	} named[] = {{"brightgreen", "#4c1"}, {"green", "#97ca00"},
		     {"yellowgreen", "#a4a61d"}, {"yellow", "#dfb317"},
		     {"orange", "#fe7d37"}, {"red", "#e05d44"},
		     {"blue", "#007ec6"}, {"grey", "#555"}, {"gray", "#555"},
		     {"lightgrey", "#9f9f9f"}};
	const char *v = http_request_arg(req, arg);
	if (!v)
		return dflt;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(v, named[i].name))
			return named[i].hex;
	const char *h = *v == '#' ? v + 1 : v;
	size_t len = strlen(h);
	if (len < 3 || len > 8 || strspn(h, "0123456789abcdefABCDEF") != len)
		return dflt;
	snprintf(out, n, "#%s", h);
	return out;
}

/* A shields-style flat badge (Verdana 11 px, about 7 px a character). */
static void badge(struct http_response *resp, const struct http_request *req,
		  const char *label, const char *msg, const char *fill)
{
	char lc[16];
	const char *label_fill = color(req, "labelColor", "#555", lc, sizeof(lc));
	const char *style = http_request_arg(req, "style");
	int rx = style && !strcmp(style, "flat-square") ? 0 : 3;
	int lw = (int)strlen(label) * 7 + 10, mw = (int)strlen(msg) * 7 + 10;
	int w = lw + mw;
	struct buf *b = &resp->body;
	char head[1024];
	snprintf(head, sizeof(head),
		 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		 "height=\"20\" role=\"img\">", w);
	buf_append(b, head, strlen(head));
	buf_append(b, "<title>", 7);
	xml_escaped(b, label);
	buf_append(b, ": ", 2);
	xml_escaped(b, msg);
	snprintf(head, sizeof(head),
		 "</title><linearGradient id=\"s\" x2=\"0\" y2=\"100%%\"><stop "
		 "offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop "
		 "offset=\"1\" stop-opacity=\".1\"/></linearGradient><clipPath "
		 "id=\"r\"><rect width=\"%d\" height=\"20\" rx=\"%d\" "
		 "fill=\"#fff\"/></clipPath><g clip-path=\"url(#r)\"><rect "
		 "width=\"%d\" height=\"20\" fill=\"%s\"/><rect x=\"%d\" "
		 "width=\"%d\" height=\"20\" fill=\"%s\"/><rect width=\"%d\" "
		 "height=\"20\" fill=\"url(#s)\"/></g><g fill=\"#fff\" "
		 "text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu "
		 "Sans,sans-serif\" font-size=\"11\"><text x=\"%d\" y=\"14\">",
		 w, rx, lw, label_fill, lw, mw, fill, w, lw / 2);
	buf_append(b, head, strlen(head));
	xml_escaped(b, label);
	snprintf(head, sizeof(head), "</text><text x=\"%d\" y=\"14\">",
		 lw + mw / 2);
	buf_append(b, head, strlen(head));
	xml_escaped(b, msg);
	buf_append(b, "</text></g></svg>", 17);
	resp->status = 200;
	resp->content_type = "image/svg+xml";
	http_reply_header(resp, "Access-Control-Allow-Origin", "*");
}

static const char *arg_or(const struct http_request *req, const char *k,
			  const char *d)
{
	const char *v = http_request_arg(req, k);
	return v ? v : d;
}

/* Kuma's colour for an uptime ratio. */
static const char *uptime_color(double u)
{
	return u >= 0.999 ? "#4c1" : u >= 0.99 ? "#97ca00" : u >= 0.95 ? "#a4a61d"
	       : u >= 0.9 ? "#dfb317" : u >= 0.7 ? "#fe7d37" : "#e05d44";
}

/* GET /api/badge/<id>/{status,uptime[/D],ping[/D],avg-response[/D],response} */
static void badge_route(const struct http_request *req,
			struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	const char *p = req->path + strlen(BADGE);
	char *end, kind[16] = "", dur[16] = "24h", text[96], c1[16];
	long long id = strtoll(p, &end, 10);
	if (end != p && *end == '/') {
		const char *k = end + 1, *slash = strchr(k, '/');
		size_t kl = slash ? (size_t)(slash - k) : strlen(k);
		if (kl < sizeof(kind))
			snprintf(kind, sizeof(kind), "%.*s", (int)kl, k);
		if (slash && strlen(slash + 1) < sizeof(dur) && slash[1])
			snprintf(dur, sizeof(dur), "%s", slash + 1);
	}
	struct watch_mon *m = NULL;
	for (size_t i = 0; i < r->n_mons && !m; i++)
		if (r->mons[i]->id == id)
			m = r->mons[i];
	int64_t secs = watch_parse_window(dur);
	bool known = !strcmp(kind, "status") || !strcmp(kind, "uptime") ||
		     !strcmp(kind, "ping") || !strcmp(kind, "avg-response") ||
		     !strcmp(kind, "response") || !strcmp(kind, "cert-exp");
	if (!m || !known || secs < 0 || !on_public_page(r, m)) {
		badge(resp, req, arg_or(req, "label", kind[0] ? kind : "badge"),
		      "N/A", "#9f9f9f");
		return;
	}
	const char *lp = arg_or(req, "labelPrefix", ""),
		   *ls = arg_or(req, "labelSuffix", "");
	char label[96];
	if (!strcmp(kind, "status")) {
		static const char *const lab[] = {"downLabel", "upLabel",
						  "pendingLabel",
						  "maintenanceLabel"};
		static const char *const dl[] = {"Down", "Up", "Pending",
						 "Maintenance"};
		static const char *const col[] = {"downColor", "upColor",
						  "pendingColor",
						  "maintenanceColor"};
		static const char *const dc[] = {"#e05d44", "#4c1", "#f8a306",
						 "#1747f5"};
		snprintf(label, sizeof(label), "%s", arg_or(req, "label", "Status"));
		if (!m->st.has_beat) {
			badge(resp, req, label, "N/A", "#9f9f9f");
			return;
		}
		int s = (int)m->st.status;
		badge(resp, req, label, arg_or(req, lab[s], dl[s]),
		      color(req, col[s], dc[s], c1, sizeof(c1)));
		return;
	}
	if (!strcmp(kind, "cert-exp")) {
		int64_t days = watch_cert_days(m);
		const char *lab = arg_or(req, "label", "Cert Exp.");
		if (days == INT64_MIN) {
			badge(resp, req, lab, "N/A", "#9f9f9f");
			return;
		}
		long warn = strtol(arg_or(req, "warnDays", "14"), NULL, 10);
		long down = strtol(arg_or(req, "downDays", "7"), NULL, 10);
		snprintf(text, sizeof(text), "%s%lld%s", arg_or(req, "prefix", ""),
			 (long long)days, arg_or(req, "suffix", " days"));
		badge(resp, req, lab, text,
		      days <= down ? color(req, "downColor", "#e05d44", c1, sizeof(c1))
		      : days <= warn
			      ? color(req, "warnColor", "#dfb317", c1, sizeof(c1))
			      : color(req, "upColor", "#4c1", c1, sizeof(c1)));
		return;
	}
	const char *pre = arg_or(req, "prefix", "");
	if (!strcmp(kind, "response")) {
		snprintf(label, sizeof(label), "%s%s%s", lp,
			 arg_or(req, "label", "Response"), ls);
		if (m->ping_ms < 0) {
			badge(resp, req, label, "N/A", "#9f9f9f");
			return;
		}
		snprintf(text, sizeof(text), "%s%.0f%s", pre, m->ping_ms,
			 arg_or(req, "suffix", "ms"));
		badge(resp, req, label, text,
		      color(req, "color", "#4c1", c1, sizeof(c1)));
		return;
	}
	json_t *u = watch_uptime(r, m, secs);
	if (!strcmp(kind, "uptime")) {
		snprintf(label, sizeof(label), "%s%s%s", lp,
			 arg_or(req, "label", "Uptime"), ls);
		char deflabel[64];
		snprintf(deflabel, sizeof(deflabel), "Uptime (%s)", dur);
		if (!http_request_arg(req, "label"))
			snprintf(label, sizeof(label), "%s%s%s", lp, deflabel, ls);
		double v = u ? json_real_value(json_object_get(u, "uptime")) : 0;
		snprintf(text, sizeof(text), "%s%.2f%s", pre, v * 100,
			 arg_or(req, "suffix", "%"));
		badge(resp, req, label, text,
		      color(req, "color", uptime_color(v), c1, sizeof(c1)));
	} else {
		snprintf(label, sizeof(label), "%s%s (%s)%s", lp,
			 arg_or(req, "label", !strcmp(kind, "ping")
						      ? "Avg. Ping"
						      : "Avg. Response"),
			 dur, ls);
		json_t *avg = u ? json_object_get(u, "ping_avg") : NULL;
		if (json_is_number(avg)) {
			snprintf(text, sizeof(text), "%s%.0f%s", pre,
				 json_number_value(avg),
				 arg_or(req, "suffix", "ms"));
			badge(resp, req, label, text,
			      color(req, "color", "#4c1", c1, sizeof(c1)));
		} else {
			badge(resp, req, label, "N/A", "#9f9f9f");
		}
	}
	json_decref(u);
}

/* ---- /status/<slug>: server-rendered HTML, no JavaScript ---- */

static void html(struct buf *b, const char *s)
{
	xml_escaped(b, s ? s : "");
}

static void put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n
							  : sizeof(tmp) - 1);
}

static const char *status_class(const struct watch_mon *m)
{
	if (!m->st.has_beat)
		return "none";
	static const char *const c[] = {"down", "up", "pending", "maint"};
	return c[m->st.status];
}

/* The last beats as a row of bars (inline SVG), oldest left. */
static void beat_bars(struct buf *b, struct watch_room *r,
		      const struct watch_mon *m)
{
	static const char *const fill[] = {"#e05d44", "#4c1", "#f8a306",
					   "#1747f5"};
	json_t *list = public_beats(r, m, 50);
	size_t n = list ? json_array_size(list) : 0;
	put(b, "<svg class=\"bars\" viewBox=\"0 0 300 20\" role=\"img\" "
	       "aria-label=\"last %zu beats\">", n);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		long long s = json_integer_value(json_object_get(e, "status"));
		put(b, "<rect x=\"%zu\" width=\"4\" height=\"20\" rx=\"1\" "
		       "fill=\"%s\"><title>", (50 - n + i) * 6,
		    fill[s >= 0 && s < 4 ? s : 0]);
		html(b, json_string_value(json_object_get(e, "time")));
		put(b, "</title></rect>");
	}
	put(b, "</svg>");
	json_decref(list);
}

static void page_html(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	const char *slug = slug_of(req, STATUS);
	const struct cfg_watch_page *p = slug ? find_page(r, slug) : NULL;
	struct buf *b = &resp->body;
	if (!p) {
		http_reply_text(resp, 404, "text/html; charset=utf-8",
				"<!doctype html><title>Not found</title>"
				"<p>No such status page.</p>\n");
		return;
	}
	size_t n = 0, down = 0, bad = 0;
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			struct watch_mon *m = group_mon(r, &p->groups[g], i);
			if (!m)
				continue;
			n++;
			down += m->st.has_beat && m->st.status == WATCH_DOWN;
			bad += m->st.has_beat && m->st.status != WATCH_UP;
		}
	put(b, "<!doctype html>\n<html lang=\"en\" data-theme=\"%s\"><head>"
	       "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	       "content=\"width=device-width, initial-scale=1\">", p->theme);
	if (p->auto_refresh)
		put(b, "<meta http-equiv=\"refresh\" content=\"%lld\">",
		    (long long)p->auto_refresh);
	put(b, "<title>");
	html(b, p->title);
	put(b, "</title><style>"
	       ":root{--bg:#fff;--fg:#222;--card:#f4f5f7;--muted:#666}"
	       "@media(prefers-color-scheme:dark){html[data-theme=auto]{--bg:#111;"
	       "--fg:#eee;--card:#1d1f23;--muted:#aaa}}"
	       "html[data-theme=dark]{--bg:#111;--fg:#eee;--card:#1d1f23;"
	       "--muted:#aaa}"
	       "body{font-family:system-ui,sans-serif;background:var(--bg);"
	       "color:var(--fg);max-width:52rem;margin:0 auto;padding:1rem}"
	       ".banner{padding:1rem;border-radius:.5rem;color:#fff;"
	       "font-weight:600}.ok{background:#2e9b4f}.partial{background:"
	       "#d18a00}.major{background:#c8372d}"
	       "section{background:var(--card);border-radius:.5rem;padding:"
	       ".5rem 1rem;margin:1rem 0}"
	       ".mon{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;"
	       "padding:.4rem 0}.name{flex:1 1 10rem}"
	       ".pill{border-radius:1rem;padding:.1rem .6rem;color:#fff;"
	       "font-size:.85rem}.up{background:#2e9b4f}.down{background:"
	       "#c8372d}.pending{background:#d18a00}.maint{background:#1747f5}"
	       ".none{background:#888}.bars{width:18rem;max-width:100%%;"
	       "height:1.2rem}.muted{color:var(--muted);font-size:.85rem}"
	       "</style></head><body><h1>");
	html(b, p->title);
	put(b, "</h1>");
	if (p->description) {
		put(b, "<p>");
		html(b, p->description);
		put(b, "</p>");
	}
	put(b, "<div class=\"banner %s\" id=\"overall\">%s</div>",
	    !bad ? "ok" : down == n && n ? "major" : "partial",
	    !bad ? "All Systems Operational"
	    : down == n && n ? "Degraded Service" : "Partially Degraded Service");
	for (size_t g = 0; g < p->n_groups; g++) {
		const struct cfg_watch_page_group *gr = &p->groups[g];
		put(b, "<section><h2>");
		html(b, gr->name);
		put(b, "</h2>");
		for (size_t i = 0; i < gr->n_monitors; i++) {
			struct watch_mon *m = group_mon(r, gr, i);
			if (!m)
				continue;
			put(b, "<div class=\"mon\" data-monitor=\"%lld\"><span "
			       "class=\"name\">", (long long)m->id);
			html(b, m->cfg->name);
			put(b, "</span><span class=\"muted\">%.2f %% (24h)</span>",
			    100 * uptime_of(r, m, 86400));
			beat_bars(b, r, m);
			put(b, "<span class=\"pill %s\">%s</span></div>",
			    status_class(m),
			    m->st.has_beat ? watch_status_name(m->st.status)
					   : "NO DATA");
		}
		put(b, "</section>");
	}
	if (p->footer_text) {
		put(b, "<p class=\"muted\">");
		html(b, p->footer_text);
		put(b, "</p>");
	}
	if (p->show_powered_by)
		put(b, "<p class=\"muted\">Powered by hearth</p>");
	put(b, "</body></html>\n");
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
}

static const struct http_route routes[] = {
	{.name = "watch_status_page_beats", .method = "GET", .path = PAGE_BEATS,
	 .prefix = true, .fn = page_beats,
	 .help = "Kuma's status-page heartbeats: {heartbeatList, uptimeList}"},
	{.name = "watch_status_page", .method = "GET", .path = PAGE_JSON,
	 .prefix = true, .fn = page_json,
	 .help = "Kuma's status-page JSON: {config, incident, "
		 "publicGroupList, maintenanceList}"},
	{.name = "watch_badge", .method = "GET", .path = BADGE, .prefix = true,
	 .fn = badge_route,
	 .help = "Kuma's SVG badges: /<id>/status, uptime/<dur>, ping/<dur>, "
		 "avg-response/<dur>, response"},
	{.name = "watch_page", .method = "GET", .path = STATUS, .prefix = true,
	 .fn = page_html, .help = "a status page (HTML, no JavaScript)"},
};

int watch_page_register(struct watch_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
