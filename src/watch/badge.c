/* SPDX-License-Identifier: MIT */
/* Kuma's badge routes /api/badge/<id>/{status,uptime,ping,avg-response,cert-exp,response}: its parameters, defaults and colours, drawn by proto/watch/badge. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/badge.h"
#include "watch/internal.h"

#define BADGE "/api/badge/"

static const char *arg(const struct http_request *req, const char *k,
		       const char *d)
{
	const char *v = http_request_arg(req, k);
	return v ? v : d;
}

/* A colour parameter, or @d when absent or not a colour. */
static const char *color_arg(const struct http_request *req, const char *k,
			     const char *d, char *out, size_t n)
{
	const char *c = watch_badge_color(http_request_arg(req, k), out, n);
	return c ? c : d;
}

/* Kuma's filterAndJoin: the parts that are set, joined. */
static void join3(char *out, size_t n, const char *a, const char *b,
		  const char *c)
{
	snprintf(out, n, "%s%s%s", a ? a : "", b ? b : "", c ? c : "");
}

static void reply(struct http_response *resp, const struct http_request *req,
		 const char *label, const char *message, const char *color,
		 const char *label_color)
{
	struct watch_badge b = {.label = label, .message = message,
				.color = color, .label_color = label_color,
				.style = arg(req, "style", "flat")};
	if (watch_badge_svg(&resp->body, &b)) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	resp->status = 200;
	resp->content_type = "image/svg+xml";
	/* Kuma: cache("5 minutes") and allowAllOrigin. */
	http_reply_header(resp, "Cache-Control", "public, max-age=300");
	http_reply_header(resp, "Access-Control-Allow-Origin", "*");
}

/* Kuma's grey N/A: the message alone. */
static void na(struct http_response *resp, const struct http_request *req)
{
	reply(resp, req, NULL, "N/A", WATCH_BADGE_NA, NULL);
}

static void status_badge(struct http_response *resp,
			 const struct http_request *req,
			 const struct watch_mon *m)
{
	static const char *const lab[] = {"downLabel", "upLabel",
					  "pendingLabel", "maintenanceLabel"};
	static const char *const def[] = {"Down", "Up", "Pending",
					  "Maintenance"};
	static const char *const col[] = {"downColor", "upColor",
					  "pendingColor", "maintenanceColor"};
	static const char *const dcol[] = {WATCH_BADGE_DOWN, WATCH_BADGE_UP,
					   WATCH_BADGE_PENDING,
					   WATCH_BADGE_MAINTENANCE};
	char c[16];
	const char *label = arg(req, "label", "Status");
	if (!m->st.has_beat) {
		reply(resp, req, label, "N/A", WATCH_BADGE_NA, NULL);
		return;
	}
	int s = (int)m->st.status;
	reply(resp, req, label, arg(req, lab[s], def[s]),
	      color_arg(req, col[s], dcol[s], c, sizeof(c)), NULL);
}

/* "24" -> "24" + suffix; "30d" -> "30" + (suffix or "d"). */
static void duration_label(char *out, size_t n, const char *dur,
			   const char *suffix)
{
	size_t digits = strspn(dur, "0123456789");
	if (!dur[digits])
		snprintf(out, n, "%s%s", dur, suffix ? suffix : "h");
	else
		snprintf(out, n, "%.*s%s", (int)digits, dur,
			 suffix ? suffix : dur + digits);
}

/* uptime, ping, avg-response over @dur. */
static void window_badge(struct http_response *resp,
			 const struct http_request *req, struct watch_room *r,
			 const struct watch_mon *m, const char *kind,
			 const char *dur, int64_t secs)
{
	char label[160], text[160], num[32], d[40], c[16], lc[16];
	const char *lcolor = color_arg(req, "labelColor", NULL, lc, sizeof(lc));
	json_t *u = watch_uptime(r, m, secs);
	if (!u) {
		na(resp, req);
		return;
	}
	bool uptime = !strcmp(kind, "uptime"), ping = !strcmp(kind, "ping");
	const char *ls = http_request_arg(req, "labelSuffix");
	if (uptime || ping) { /* the suffix goes inside the brackets */
		duration_label(d, sizeof(d), dur, ls);
		char def[64];
		snprintf(def, sizeof(def), "%s (%s)",
			 uptime ? "Uptime" : "Avg. Ping", d);
		join3(label, sizeof(label), http_request_arg(req, "labelPrefix"),
		      arg(req, "label", def), NULL);
	} else {
		duration_label(d, sizeof(d), dur, NULL);
		char def[64];
		snprintf(def, sizeof(def), "Avg. Response (%s)", d);
		join3(label, sizeof(label), http_request_arg(req, "labelPrefix"),
		      arg(req, "label", def), ls);
	}
	if (uptime) {
		double v = json_real_value(json_object_get(u, "uptime"));
		char auto_c[16];
		watch_badge_precision(v * 100, 4, num, sizeof(num));
		join3(text, sizeof(text), http_request_arg(req, "prefix"), num,
		      arg(req, "suffix", "%"));
		reply(resp, req, label, text,
		      color_arg(req, "color",
				watch_badge_uptime_color(v, auto_c, sizeof(auto_c)),
				c, sizeof(c)),
		      lcolor);
	} else {
		json_t *avg = json_object_get(u, "ping_avg");
		if (!json_is_number(avg)) {
			na(resp, req);
		} else {
			/* Kuma: parseInt(AVG(ping)). */
			snprintf(num, sizeof(num), "%lld",
				 (long long)json_number_value(avg));
			join3(text, sizeof(text), http_request_arg(req, "prefix"),
			      num, arg(req, "suffix", "ms"));
			reply(resp, req, label, text,
			      color_arg(req, "color", "#007ec6", c, sizeof(c)),
			      lcolor);
		}
	}
	json_decref(u);
}

static void response_badge(struct http_response *resp,
			   const struct http_request *req,
			   const struct watch_mon *m)
{
	char label[160], text[160], num[32], c[16], lc[16];
	if (!m->st.has_beat || m->ping_ms <= 0) { /* Kuma: !heartbeat.ping */
		na(resp, req);
		return;
	}
	join3(label, sizeof(label), http_request_arg(req, "labelPrefix"),
	      arg(req, "label", "Response"), http_request_arg(req, "labelSuffix"));
	snprintf(num, sizeof(num), "%.15g", m->ping_ms);
	join3(text, sizeof(text), http_request_arg(req, "prefix"), num,
	      arg(req, "suffix", "ms"));
	reply(resp, req, label, text,
	      color_arg(req, "color", "#007ec6", c, sizeof(c)),
	      color_arg(req, "labelColor", NULL, lc, sizeof(lc)));
}

/* cert-exp: days left on the monitor's TLS certificate, coloured by
 * warnDays (14) and downDays (7); Kuma's "No/Bad Cert" (grey) without a
 * certificate and "Bad Cert" (red) when it did not verify. */
static void cert_badge(struct http_response *resp,
		       const struct http_request *req, const struct watch_mon *m)
{
	char label[160], text[160], num[32], c[16], lc[16];
	int64_t days = watch_cert_days(m);
	if (days == INT64_MIN) {
		reply(resp, req, NULL, "No/Bad Cert", WATCH_BADGE_NA, NULL);
		return;
	}
	if (!m->cert_valid) {
		reply(resp, req, NULL, "Bad Cert",
		      color_arg(req, "downColor", WATCH_BADGE_DOWN, c, sizeof(c)),
		      NULL);
		return;
	}
	long long warn = strtoll(arg(req, "warnDays", "14"), NULL, 10),
		  down = strtoll(arg(req, "downDays", "7"), NULL, 10);
	const char *color =
		days > warn ? color_arg(req, "upColor", WATCH_BADGE_UP, c, sizeof(c))
		: days > down
			? color_arg(req, "warnColor", WATCH_BADGE_WARN, c, sizeof(c))
			: color_arg(req, "downColor", WATCH_BADGE_DOWN, c, sizeof(c));
	join3(label, sizeof(label), http_request_arg(req, "labelPrefix"),
	      arg(req, "label", "Cert Exp."), http_request_arg(req, "labelSuffix"));
	snprintf(num, sizeof(num), "%lld", (long long)days);
	join3(text, sizeof(text), http_request_arg(req, "prefix"), num,
	      arg(req, "suffix", " days"));
	reply(resp, req, label, text, color,
	      color_arg(req, "labelColor", NULL, lc, sizeof(lc)));
}

/* GET /api/badge/<id>/<kind>[/<duration>] */
void watch_badge_route(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	const char *p = req->path + strlen(BADGE);
	char kind[16] = "", dur[16] = "24";
	char *end;
	long long id = strtoll(p, &end, 10);
	bool ok = end != p && *end == '/';
	if (ok) {
		const char *k = end + 1, *slash = strchr(k, '/');
		size_t kl = slash ? (size_t)(slash - k) : strlen(k);
		ok = kl < sizeof(kind);
		if (ok)
			snprintf(kind, sizeof(kind), "%.*s", (int)kl, k);
		if (slash && slash[1]) {
			ok = ok && strlen(slash + 1) < sizeof(dur);
			if (ok)
				snprintf(dur, sizeof(dur), "%s", slash + 1);
		}
	}
	struct watch_mon *m = NULL;
	for (size_t i = 0; ok && i < r->n_mons && !m; i++)
		if (r->mons[i]->id == id)
			m = r->mons[i];
	if (!m || !watch_page_public(r, m)) {
		na(resp, req);
		return;
	}
	if (!strcmp(kind, "status")) {
		status_badge(resp, req, m);
	} else if (!strcmp(kind, "response")) {
		response_badge(resp, req, m);
	} else if (!strcmp(kind, "cert-exp")) {
		cert_badge(resp, req, m);
	} else if (!strcmp(kind, "uptime") || !strcmp(kind, "ping") ||
		   !strcmp(kind, "avg-response")) {
		int64_t secs = watch_parse_window(dur);
		if (secs < 0)
			na(resp, req);
		else
			window_badge(resp, req, r, m, kind, dur, secs);
	} else {
		na(resp, req);
	}
}

/* GET /api/status-page/<slug>/badge (Kuma 2.x): the page's overall state
 * from its monitors' last beats — Maintenance when one is in maintenance,
 * else Up (all up), Degraded (some down), Down; PENDING and monitors
 * without beats do not count; N/A for none, or a page not published. */
void watch_page_badge(const struct http_request *req,
		      struct http_response *resp, struct watch_room *r,
		      const struct cfg_watch_page *p)
{
	bool up = false, down = false, maint = false;
	for (size_t g = 0; p && g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g].n_monitors; i++) {
			const struct watch_mon *m =
				watch_page_mon(r, &p->groups[g], i);
			if (!m || !m->st.has_beat)
				continue;
			maint |= m->st.status == WATCH_MAINTENANCE;
			up |= m->st.status == WATCH_UP;
			down |= m->st.status == WATCH_DOWN;
		}
	if (!up && !down && !maint) {
		na(resp, req);
		return;
	}
	char c[16];
	const char *label = arg(req, "label", "");
	if (maint)
		reply(resp, req, label, "Maintenance",
		      color_arg(req, "maintenanceColor", "#808080", c, sizeof(c)),
		      NULL);
	else if (up && !down)
		reply(resp, req, label, "Up",
		      color_arg(req, "upColor", WATCH_BADGE_UP, c, sizeof(c)), NULL);
	else if (up)
		reply(resp, req, label, "Degraded",
		      color_arg(req, "partialColor", "#F6BE00", c, sizeof(c)),
		      NULL);
	else
		reply(resp, req, label, "Down",
		      color_arg(req, "downColor", WATCH_BADGE_DOWN, c, sizeof(c)),
		      NULL);
}
