/* SPDX-License-Identifier: MIT */
/* /status/<slug>: the status page as server-rendered HTML (inline CSS and SVG, no JavaScript), and /status/<slug>/rss, its incidents and status changes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/sql.h"
#include "proto/watch/markdown.h"
#include "watch/internal.h"

#define STATUS "/status/"
#define DAYS 90
#define RSS_ITEMS 50

static void text(struct buf *b, const char *s)
{
	if (s)
		watch_html_escape(b, s, strlen(s));
}

static const char *status_class(const struct watch_mon *m)
{
	static const char *const c[] = {"down", "up", "pending", "maint"};
	return m->st.has_beat ? c[m->st.status] : "none";
}

/* The last beats as a row of bars, oldest left. */
static void beat_bars(struct buf *b, struct watch_room *r,
		      const struct watch_mon *m)
{
	static const char *const fill[] = {"#c2290a", "#66c20a", "#f8a306",
					   "#1747f5"};
	json_t *list = watch_public_beats(r, m, 50);
	size_t n = list ? json_array_size(list) : 0;
	buf_printf(b, "<svg class=\"bars\" viewBox=\"0 0 300 20\" role=\"img\" "
		      "aria-label=\"last %zu beats\">", n);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		json_int_t s = json_integer_value(json_object_get(e, "status"));
		buf_printf(b, "<rect class=\"beat\" x=\"%zu\" width=\"4\" "
			      "height=\"20\" rx=\"1\" fill=\"%s\"><title>",
			   (50 - n + i) * 6, fill[s >= 0 && s < 4 ? s : 0]);
		text(b, json_string_value(json_object_get(e, "time")));
		buf_puts(b, "</title></rect>");
	}
	buf_puts(b, "</svg>");
	json_decref(list);
}

/* Gzips the answer when the client takes it (a page of 50 monitors with
 * their charts is about 1 MiB of HTML, 25 KiB gzipped). */
static void maybe_gzip(const struct http_request *req,
		       struct http_response *resp)
{
	http_reply_header(resp, "Vary", "Accept-Encoding");
	const char *ae = http_request_header(req, "Accept-Encoding");
	if (!ae || !strstr(ae, "gzip") || strstr(ae, "gzip;q=0") ||
	    resp->body.len < 1024)
		return;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return;
	uLong cap = deflateBound(&z, (uLong)resp->body.len);
	unsigned char *out = malloc(cap);
	int rc = Z_MEM_ERROR;
	if (out) {
		z.next_in = (unsigned char *)resp->body.data;
		z.avail_in = (uInt)resp->body.len;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		rc = deflate(&z, Z_FINISH);
	}
	deflateEnd(&z);
	if (rc == Z_STREAM_END) {
		resp->body.len = 0;
		if (!buf_append(&resp->body, out, z.total_out))
			http_reply_header(resp, "Content-Encoding", "gzip");
	}
	free(out);
}

static const char CSS[] =
	":root{--bg:#fff;--fg:#1d2125;--card:#f3f4f6;--muted:#5f6670;"
	"--line:#7c8794;--band:#66c20a33}"
	"@media(prefers-color-scheme:dark){html[data-theme=auto]{--bg:#0d1117;"
	"--fg:#e6e8eb;--card:#181d24;--muted:#9aa3ad;--line:#aab4bf}}"
	"html[data-theme=dark]{--bg:#0d1117;--fg:#e6e8eb;--card:#181d24;"
	"--muted:#9aa3ad;--line:#aab4bf}"
	"*{box-sizing:border-box}"
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;"
	"background:var(--bg);color:var(--fg);max-width:56rem;margin:0 auto;"
	"padding:1rem;line-height:1.4}"
	"h1{margin:.2rem 0 .4rem;font-size:1.6rem}h2{font-size:1.15rem;"
	"margin:.3rem 0}a{color:inherit}"
	".banner p{margin:.3rem 0 0;font-weight:400}"
	".banner,.incident{padding:.9rem 1rem;border-radius:.5rem;margin:1rem 0}"
	".banner{color:#fff;font-weight:600}.ok{background:#2e8b3e}"
	".partial{background:#b86e00}.major{background:#b3261e}"
	".maintenance{background:#1747f5}"
	".incident-info{background:#0dcaf0;color:#05262d}"
	".incident-warning{background:#ffc107;color:#2b2100}"
	".incident-danger{background:#dc3545;color:#fff}"
	".incident-primary{background:#5cdd8b;color:#062b14}"
	".incident-light{background:#f8f9fa;color:#212529;border:1px solid #ccc}"
	".incident-dark{background:#212529;color:#f8f9fa}"
	".incident p{margin:.4rem 0}.incident-title{font-size:1.1rem}"
	".incident code{background:#0002;padding:0 .2rem;border-radius:.2rem}"
	"section{background:var(--card);border-radius:.5rem;padding:.5rem 1rem;"
	"margin:1rem 0}"
	".mon{padding:.6rem 0;border-top:1px solid #8883}"
	".mon:first-of-type{border-top:0}"
	".row{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}"
	".name{flex:1 1 8rem;font-weight:600}"
	".tag{border-radius:.3rem;padding:0 .4rem;color:#fff;font-size:.75rem}"
	".pill{border-radius:1rem;padding:.1rem .6rem;color:#fff;"
	"font-size:.8rem;font-weight:600}.up{background:#2e8b3e}"
	".down{background:#b3261e}.pending{background:#b86e00}"
	".maint{background:#1747f5}.none{background:#6b7280}"
	"svg{display:block;width:100%;max-width:100%}"
	".bars{height:1.2rem;margin:.3rem 0}.days{height:1.6rem;margin-top:.4rem}"
	".ping{height:4.5rem;margin-top:.4rem}"
	".ping .grid{stroke:#8884;stroke-dasharray:3 3}"
	".ping .band{fill:var(--band);stroke:none}"
	".ping .avg{fill:none;stroke:#66c20a;stroke-width:1.5;"
	"vector-effect:non-scaling-stroke}"
	".axis{display:flex;justify-content:space-between;color:var(--muted);"
	"font-size:.75rem}"
	".muted{color:var(--muted);font-size:.85rem}"
	"footer{margin:2rem 0 1rem;text-align:center}";

/* The overall banner: Kuma's four texts. */
static void banner(struct buf *b, struct watch_room *r,
		   const struct cfg_watch_page *p)
{
	size_t n = 0, down = 0, maint = 0, bad = 0;
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, &p->groups[g], i);
			if (!m)
				continue;
			n++;
			down += m->st.has_beat && m->st.status == WATCH_DOWN;
			maint += m->st.has_beat &&
				 m->st.status == WATCH_MAINTENANCE;
			bad += m->st.has_beat && m->st.status != WATCH_UP;
		}
	const char *cls = "ok", *what = "All Systems Operational";
	if (bad && bad == maint)
		cls = "maintenance", what = "Maintenance";
	else if (bad && down == n)
		cls = "major", what = "Degraded Service";
	else if (bad)
		cls = "partial", what = "Partially Degraded Service";
	buf_printf(b, "<div class=\"banner %s\" id=\"overall\" role=\"status\">"
		      "%s</div>", cls, what);
}

static void incident(struct buf *b, struct watch_room *r,
		     const struct cfg_watch_page *p)
{
	const struct cfg_watch_incident *i = watch_page_incident(r, p);
	if (!i)
		return;
	buf_printf(b, "<div class=\"incident incident-%s\" id=\"incident\" "
		      "role=\"alert\">", i->style);
	if (i->title) {
		buf_puts(b, "<strong class=\"incident-title\">");
		text(b, i->title);
		buf_puts(b, "</strong>");
	}
	if (i->content) {
		buf_puts(b, "<div class=\"incident-body\">");
		watch_markdown_html(b, i->content, strlen(i->content));
		buf_puts(b, "</div>");
	}
	if (i->date) {
		buf_puts(b, "<p class=\"incident-date\">Since ");
		text(b, i->date);
		buf_puts(b, " UTC</p>");
	}
	buf_puts(b, "</div>");
}

/* A blue banner per maintenance window on now. */
static void maintenance(struct buf *b, struct watch_room *r,
			const struct cfg_watch_page *p)
{
	const struct cfg_watch_maint *on[32];
	size_t n = watch_page_maintenance(r, p, on, 32);
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, "<div class=\"banner maintenance maintenance-window\" "
			    "role=\"status\"><strong>Maintenance: ");
		text(b, on[i]->name);
		buf_puts(b, "</strong>");
		if (on[i]->description) {
			buf_puts(b, "<p>");
			text(b, on[i]->description);
			buf_puts(b, "</p>");
		}
		buf_puts(b, "</div>");
	}
}

static void monitor(struct buf *b, struct watch_room *r,
		    const struct cfg_watch_page *p, const struct watch_mon *m)
{
	buf_printf(b, "<div class=\"mon\" data-monitor=\"%lld\"><div "
		      "class=\"row\"><span class=\"name\">", (long long)m->id);
	text(b, m->cfg->name);
	buf_printf(b, "</span><span class=\"muted uptime\">%.2f %% (24h)"
		      "</span>", 100 * watch_uptime_ratio(r, m, 86400));
	for (size_t i = 0; p->show_tags && i < m->cfg->n_tags; i++) {
		const struct cfg_watch_tag *t = &m->cfg->tags[i];
		/* the colour is #rrggbb (checked at load) */
		buf_printf(b, "<span class=\"tag\" style=\"background:%s\">",
			   t->color);
		text(b, t->name);
		if (t->value && *t->value) {
			buf_puts(b, ":");
			text(b, t->value);
		}
		buf_puts(b, "</span>");
	}
	if (p->show_certificate_expiry && watch_page_shows_cert(m)) {
		int64_t days = watch_cert_days(m);
		if (days != INT64_MIN && m->cert_valid)
			buf_printf(b, "<span class=\"muted cert\">cert %lld "
				      "days</span>", (long long)days);
		else
			buf_puts(b, "<span class=\"muted cert\">no valid "
				    "cert</span>");
	}
	buf_printf(b, "<span class=\"pill %s\">%s</span></div>",
		   status_class(m),
		   m->st.has_beat ? watch_status_name(m->st.status) : "NO DATA");
	beat_bars(b, r, m);
	watch_chart_days(b, r, m, DAYS);
	watch_chart_ping(b, r, m, 86400);
	watch_chart_ping(b, r, m, 30 * 86400);
	buf_puts(b, "</div>");
}

static void page(struct http_response *resp, struct watch_room *r,
		 const struct cfg_watch_page *p)
{
	struct buf *b = &resp->body;
	buf_printf(b, "<!doctype html>\n<html lang=\"en\" data-theme=\"%s\">"
		      "<head><meta charset=\"utf-8\"><meta name=\"viewport\" "
		      "content=\"width=device-width, initial-scale=1\">"
		      "<meta name=\"color-scheme\" content=\"%s\">",
		   p->theme, !strcmp(p->theme, "auto") ? "light dark" : p->theme);
	if (p->auto_refresh)
		buf_printf(b, "<meta http-equiv=\"refresh\" content=\"%lld\">",
			   (long long)p->auto_refresh);
	buf_puts(b, "<title>");
	text(b, p->title);
	buf_printf(b, "</title><link rel=\"alternate\" "
		      "type=\"application/rss+xml\" href=\"%s%s/rss\">"
		      "<style>%s</style></head><body><header><h1>",
		   STATUS, p->slug, CSS);
	text(b, p->title);
	buf_puts(b, "</h1>");
	if (p->description) {
		buf_puts(b, "<p class=\"description\">");
		text(b, p->description);
		buf_puts(b, "</p>");
	}
	buf_puts(b, "</header>");
	incident(b, r, p);
	maintenance(b, r, p);
	banner(b, r, p);
	for (size_t g = 0; g < p->n_groups; g++) {
		const struct cfg_watch_page_group *gr = &p->groups[g];
		buf_puts(b, "<section class=\"group\"><h2>");
		text(b, gr->name);
		buf_puts(b, "</h2>");
		for (size_t i = 0; i < gr->n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, gr, i);
			if (m)
				monitor(b, r, p, m);
		}
		buf_puts(b, "</section>");
	}
	char now[32];
	watch_kuma_time(clock_wall_s(r->clock) * 1000, now);
	buf_puts(b, "<footer class=\"muted\">");
	if (p->footer_text) {
		buf_puts(b, "<p class=\"footer-text\">");
		text(b, p->footer_text);
		buf_puts(b, "</p>");
	}
	buf_printf(b, "<p>Updated %.19s UTC &middot; <a href=\"%s%s/rss\">RSS"
		      "</a>%s</p></footer></body></html>\n",
		   now, STATUS, p->slug,
		   p->show_powered_by ? " &middot; Powered by hearth" : "");
	if (b->err) {
		buf_deinit(b);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	http_reply_header(resp, "Cache-Control", "no-cache");
}

/* ---- RSS 2.0 ---- */

struct rss_item {
	int64_t time_ms, id;
	int status;
	const struct watch_mon *m;
};

static int newest_first(const void *a, const void *b)
{
	const struct rss_item *x = a, *y = b;
	return x->time_ms < y->time_ms ? 1 : x->time_ms > y->time_ms ? -1
	       : x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static void rfc822(int64_t s, char out[40])
{
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

static void rss(const struct http_request *req, struct http_response *resp,
		struct watch_room *r, const struct cfg_watch_page *p)
{
	static const char *const verb[] = {"down", "up", "pending",
					   "under maintenance"};
	struct rss_item *items = NULL;
	size_t n = 0, cap = 0;
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			struct watch_mon *m = watch_page_mon(r, &p->groups[g], i);
			if (!m)
				continue;
			struct sql_rows q;
			sql_query(r->store, &q,
				  "SELECT id, time, status FROM watch_heartbeats "
				  "WHERE monitor = ? AND important = 1 ORDER BY "
				  "time DESC, id DESC LIMIT ?",
				  "ii", m->id, (int64_t)RSS_ITEMS);
			while (sql_next(&q)) {
				if (n == cap) {
					cap = cap ? 2 * cap : 64;
					struct rss_item *t =
						realloc(items, cap * sizeof(*t));
					if (!t)
						break;
					items = t;
				}
				int s = (int)sql_col_int(&q, 2);
				items[n++] = (struct rss_item){
					sql_col_int(&q, 1), sql_col_int(&q, 0),
					s >= 0 && s < 4 ? s : 0, m};
			}
			sql_end(&q);
		}
	if (n)
		qsort(items, n, sizeof(*items), newest_first);
	if (n > RSS_ITEMS)
		n = RSS_ITEMS;
	const char *host = http_request_header(req, "Host");
	char link[300], when[40];
	snprintf(link, sizeof(link), "http://%s%s%s",
		 host && strlen(host) < 200 ? host : "localhost", STATUS,
		 p->slug);
	struct buf *b = &resp->body;
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss "
		    "version=\"2.0\"><channel><title>");
	text(b, p->title);
	buf_puts(b, "</title><link>");
	text(b, link);
	buf_puts(b, "</link><description>");
	text(b, p->description ? p->description : p->title);
	rfc822(clock_wall_s(r->clock), when);
	buf_printf(b, "</description><language>en</language><lastBuildDate>%s"
		      "</lastBuildDate>", when);
	const struct cfg_watch_incident *inc = watch_page_incident(r, p);
	if (inc) {
		struct buf md;
		buf_init(&md, 0);
		if (inc->content)
			watch_markdown_html(&md, inc->content, strlen(inc->content));
		buf_puts(b, "<item><title>");
		text(b, inc->title ? inc->title : "Incident");
		buf_puts(b, "</title><link>");
		text(b, link);
		buf_puts(b, "</link><description>");
		if (md.data) /* the HTML, escaped once more for RSS */
			text(b, md.data);
		buf_deinit(&md);
		buf_printf(b, "</description><category>incident</category>"
			      "<guid isPermaLink=\"false\">%s-incident-%lld</guid>",
			   p->slug, (long long)inc->created_s);
		if (inc->created_s) {
			rfc822(inc->created_s, when);
			buf_printf(b, "<pubDate>%s</pubDate>", when);
		}
		buf_puts(b, "</item>");
	}
	for (size_t i = 0; i < n; i++) {
		char since[32];
		watch_kuma_time(items[i].time_ms, since);
		rfc822(items[i].time_ms / 1000, when);
		buf_puts(b, "<item><title>");
		text(b, items[i].m->cfg->name);
		buf_printf(b, " is %s</title><description>", verb[items[i].status]);
		text(b, items[i].m->cfg->name);
		buf_printf(b, " has been %s since %s UTC</description><link>",
			   verb[items[i].status], since);
		text(b, link);
		buf_printf(b, "</link><guid isPermaLink=\"false\">%s-beat-%lld</guid>"
			      "<pubDate>%s</pubDate></item>",
			   p->slug, (long long)items[i].id, when);
	}
	buf_puts(b, "</channel></rss>\n");
	free(items);
	if (b->err) {
		buf_deinit(b);
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/rss+xml; charset=utf-8";
	http_reply_header(resp, "Cache-Control", "public, max-age=60");
}

void watch_page_html(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	char slug[128];
	const char *s = req->path + strlen(STATUS);
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	bool feed = slash && !strcmp(slash, "/rss");
	const struct cfg_watch_page *p = NULL;
	if (len && len < sizeof(slug) && (!slash || feed)) {
		snprintf(slug, sizeof(slug), "%.*s", (int)len, s);
		p = watch_page_find(r, slug);
	}
	if (!p) {
		http_reply_text(resp, 404, "text/html; charset=utf-8",
				"<!doctype html><title>Not found</title>"
				"<p>No such status page.</p>\n");
		return;
	}
	if (feed)
		rss(req, resp, r, p);
	else
		page(resp, r, p);
	if (resp->status == 200)
		maybe_gzip(req, resp);
}
