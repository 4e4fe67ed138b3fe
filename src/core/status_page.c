/* SPDX-License-Identifier: MIT */
/* The status page (`/`): rooms, the rooms' summaries, the last reload and recent warnings, as one server-rendered HTML page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "core/cli.h"
#include "core/daemon_priv.h"
#include "core/room.h"

/* Phone first: one column, text that wraps anywhere rather than
 * scrolling sideways, no external resource (the CSP says so too). */
static const char page_head[] =
	"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width, "
	"initial-scale=1\"><title>hearth</title><style>"
	"*{box-sizing:border-box}"
	"body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:.8rem;"
	"max-width:52rem;color:#222;background:#fff;overflow-wrap:anywhere}"
	"h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;"
	"margin:1.2rem 0 .3rem;border-bottom:2px solid #ddd}"
	"h3{font-size:1rem;margin:.8rem 0 .2rem}"
	"table{border-collapse:collapse;width:100%;table-layout:auto}"
	"td,th{padding:.25rem .4rem;border-bottom:1px solid #e4e4e4;"
	"text-align:left;vertical-align:top;overflow-wrap:anywhere;"
	"word-break:break-word}th{font-weight:600;color:#555;"
	"overflow-wrap:normal;word-break:normal}td.n{white-space:nowrap}"
	"table.t td{overflow-wrap:break-word;word-break:normal}"
	"table.kv th{width:40%}p{margin:.3rem 0}.muted{color:#777}"
	".running,.loaded,.ok{color:#176f2c}.degraded,.warn{color:#8a5a00}"
	".failed,.error,.refused{color:#b00020}.disabled{color:#777}"
	"time{white-space:nowrap}"
	"@media (max-width:30rem){body{font-size:14px;padding:.5rem}"
	"td,th{padding:.2rem .25rem}time{white-space:normal}}"
	"</style></head><body>\n";

static void esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_append(b, s, 1);
		}
	}
}

/* For table cells: a long name may break after a dot or a colon
 * (zone names, addresses), not within a label. */
static void esc_breakable(struct buf *b, const char *s)
{
	for (; *s; s++) {
		char one[2] = {*s, '\0'};
		esc(b, one);
		if ((*s == '.' || *s == ':') && s[1])
			buf_puts(b, "<wbr>");
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "2026-12-02 01:15:07 UTC" in a <time> element. */
static void put_time(struct buf *b, int64_t unix_s, int ms)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	char iso[32], text[40];
	if (!gmtime_r(&t, &tm)) {
		buf_puts(b, "?");
		return;
	}
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
	buf_printf(b, "<time datetime=\"%s\">%s", iso, text);
	if (ms >= 0)
		buf_printf(b, ".%03d", ms);
	buf_puts(b, " UTC</time>");
}

/* "changed_time" -> "changed", "queries_per_second" -> "queries per second". */
static void put_label(struct buf *b, const char *key)
{
	size_t n = strlen(key);
	if (ends_with(key, "_time") && n > 5)
		n -= 5;
	for (size_t i = 0; i < n; i++)
		buf_append(b, key[i] == '_' ? " " : &key[i], 1);
}

static void put_value(struct buf *b, const char *key, const json_t *v,
		      bool cell)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (cell)
			esc_breakable(b, json_string_value(v));
		else
			esc(b, json_string_value(v));
		break;
	case JSON_INTEGER:
		if (ends_with(key, "_time")) {
			if (json_integer_value(v) > 0)
				put_time(b, json_integer_value(v), -1);
			else
				buf_puts(b, "never");
		} else {
			buf_printf(b, "%lld", (long long)json_integer_value(v));
		}
		break;
	case JSON_REAL:
		if (ends_with(key, "_ratio"))
			buf_printf(b, "%.1f %%", json_real_value(v) * 100.0);
		else if (ends_with(key, "_per_second"))
			buf_printf(b, "%.2f/s", json_real_value(v));
		else
			buf_printf(b, "%g", json_real_value(v));
		break;
	case JSON_TRUE: buf_puts(b, "yes"); break;
	case JSON_FALSE: buf_puts(b, "no"); break;
	case JSON_NULL: buf_puts(b, "-"); break;
	default: {
		char *text = json_dumps(v, JSON_COMPACT);
		esc(b, text ? text : "?");
		free(text);
	}
	}
}

/* An array of objects: one row each, the first object's keys as columns. */
static void put_table(struct buf *b, const char *room, const char *key,
		      const json_t *rows)
{
	buf_puts(b, "<h3>");
	put_label(b, key);
	buf_puts(b, "</h3>\n");
	const json_t *first = json_array_get(rows, 0);
	if (!json_is_object(first)) {
		buf_puts(b, "<p class=\"muted\">none</p>\n");
		return;
	}
	buf_puts(b, "<table class=\"t\" id=\"");
	esc(b, room);
	buf_puts(b, "-");
	esc(b, key);
	buf_puts(b, "\"><tr>");
	const char *col;
	const json_t *v;
	json_object_foreach((json_t *)first, col, v) {
		buf_puts(b, "<th>");
		put_label(b, col);
		buf_puts(b, "</th>");
	}
	buf_puts(b, "</tr>\n");
	size_t i;
	const json_t *row;
	json_array_foreach(rows, i, row) {
		buf_puts(b, "<tr>");
		json_object_foreach((json_t *)first, col, v) {
			const json_t *cell = json_object_get(row, col);
			buf_puts(b, json_is_number(cell) ? "<td class=\"n\">"
							 : "<td>");
			put_value(b, col, cell ? cell : json_null(), true);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

/* A room's summary: its scalars in one key/value table, then its lists. */
static void put_summary(struct buf *b, const char *room, const json_t *sum)
{
	const char *key;
	const json_t *v;
	bool open = false;
	buf_puts(b, "<section id=\"room-");
	esc(b, room);
	buf_puts(b, "\"><h2>");
	esc(b, room);
	buf_puts(b, "</h2>\n");
	json_object_foreach((json_t *)sum, key, v) {
		if (json_is_array(v))
			continue;
		if (!open)
			buf_puts(b, "<table class=\"kv\">\n");
		open = true;
		buf_puts(b, "<tr><th>");
		put_label(b, key);
		buf_puts(b, "</th><td>");
		put_value(b, key, v, false);
		buf_puts(b, "</td></tr>\n");
	}
	if (open)
		buf_puts(b, "</table>\n");
	json_object_foreach((json_t *)sum, key, v)
		if (json_is_array(v))
			put_table(b, room, key, v);
	buf_puts(b, "</section>\n");
}

static void room_row(const char *name, const char *state, void *ud)
{
	struct buf *b = ud;
	buf_puts(b, "<tr><td>");
	esc(b, name);
	buf_puts(b, "</td><td class=\"");
	esc(b, state);
	buf_puts(b, "\">");
	esc(b, state);
	buf_puts(b, "</td></tr>\n");
}

struct reasons {
	struct daemon *d;
	struct buf *b;
};

/* Why a room is not serving all it should, under the rooms table. */
static void room_reason(const char *name, const char *state, void *ud)
{
	struct daemon *d = ((struct reasons *)ud)->d;
	struct buf *b = ((struct reasons *)ud)->b;
	const char *why = NULL;
	if (strcmp(name, "store") == 0 && strcmp(state, "degraded") == 0)
		why = hearth_strerror(HEARTH_EFULL); /* read-only: disk full */
	else if (strcmp(name, "store") != 0)
		why = daemon_room_reason(d, name);
	if (!why || !*why)
		return;
	buf_printf(b, "<p class=\"%s\">", strcmp(state, "failed") == 0
						   ? "failed" : "degraded");
	esc(b, name);
	buf_puts(b, ": ");
	esc(b, why);
	buf_puts(b, "</p>\n");
}

static void put_reload(struct buf *b, const struct daemon *d, bool details)
{
	buf_puts(b, "<h2>config</h2>\n<p id=\"reload\">last reload: ");
	if (d->reloads_ok + d->reloads_failed == 0) {
		buf_puts(b, "<span class=\"ok\">none</span> since the start at ");
		put_time(b, d->start_unix, -1);
	} else {
		const char *res = d->last_reload_failed ? "refused" : "ok";
		buf_printf(b, "<span class=\"%s\">%s</span> at ", res, res);
		put_time(b, d->last_reload_unix, -1);
	}
	buf_printf(b, " &middot; %llu applied, %llu refused since the start"
		      "</p>\n",
		   (unsigned long long)d->reloads_ok,
		   (unsigned long long)d->reloads_failed);
	if (details && d->last_reload_failed && d->last_reload_error[0]) {
		buf_puts(b, "<p id=\"reload-error\" class=\"refused\">");
		esc(b, d->last_reload_error);
		buf_puts(b, "</p>\n");
	}
}

static void put_log(struct buf *b, bool details)
{
	struct log_recent lines[LOG_RECENT_MAX];
	uint64_t total;
	size_t n = log_recent_copy(lines, LOG_RECENT_MAX, &total);
	buf_printf(b, "<h2>warnings and errors</h2>\n<p>%llu since the start",
		   (unsigned long long)total);
	if (!details) {
		buf_puts(b, "; <a href=\"/?details=1\">show them</a> (needs the "
			    "API key)</p>\n");
		return;
	}
	buf_printf(b, "; the last %zu:</p>\n", n);
	if (!n)
		return;
	buf_puts(b, "<table id=\"log\">\n");
	for (size_t i = 0; i < n; i++) {
		const char *level = log_level_name(lines[i].level);
		buf_puts(b, "<tr><td>");
		put_time(b, lines[i].unix_ms / 1000, (int)(lines[i].unix_ms % 1000));
		buf_printf(b, "</td><td class=\"%s\">%s</td><td>", level, level);
		esc(b, lines[i].text);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

void core_status_page(struct daemon *d, const struct http_request *req,
		      struct http_response *resp)
{
	struct buf *b = &resp->body;
	bool details = core_key_given(d, req);
	const char *want = http_request_arg(req, "details");
	http_reply_header(resp, "Content-Security-Policy",
			  "default-src 'none'; style-src 'unsafe-inline'; "
			  "form-action 'none'; frame-ancestors 'none'");
	/* nosniff and no-store: every answer carries them (http_server.c). */
	resp->content_type = "text/html; charset=utf-8";
	if (want && !details) {
		resp->status = 401;
		http_reply_header(resp, "WWW-Authenticate",
				  "Basic realm=\"hearth\", charset=\"UTF-8\"");
		buf_puts(b, page_head);
		buf_puts(b, "<h1>hearth</h1>\n<p>The details (client names and "
			    "addresses, log lines) need the API key: any user "
			    "name, the key as the password.</p>"
			    "<p><a href=\"/\">back</a></p></body></html>\n");
		return;
	}
	resp->status = 200;
	buf_puts(b, page_head);
	char up[48];
	cli_duration(daemon_uptime(d), up, sizeof(up));
	buf_printf(b, "<h1>hearth</h1>\n<p>version %s &middot; up %s",
		   HEARTH_VERSION, up);
	if (d->cfg->lab.enabled) {
		buf_puts(b, " &middot; lab ");
		esc(b, d->cfg->lab.domain);
	}
	buf_puts(b, "</p>\n<h2>rooms</h2>\n<table id=\"rooms\"><tr><th>room"
		    "</th><th>state</th></tr>\n");
	daemon_each_room(d, room_row, b);
	buf_puts(b, "</table>\n<div id=\"room-reasons\">");
	daemon_each_room(d, room_reason, &(struct reasons){d, b});
	buf_puts(b, "</div>\n");
	put_reload(b, d, details);
	/* The summaries name zones as /metrics does: shown to anyone when
	 * /metrics is public, else with the key. */
	if (details || d->cfg->http.metrics_public) {
		for (size_t i = 0; i < d->n_rooms; i++) {
			const struct daemon_room_inst *r = &d->rooms[i];
			if (!r->room || !r->def->ops->summary)
				continue;
			json_t *sum = r->def->ops->summary(r->room, details);
			if (json_is_object(sum))
				put_summary(b, r->def->name, sum);
			json_decref(sum);
		}
	}
	put_log(b, details);
	buf_puts(b, "<p class=\"muted\"><a href=\"/healthz\">/healthz</a> "
		    "&middot; <a href=\"/metrics\">/metrics</a>");
	if (!details)
		buf_puts(b, " &middot; <a href=\"/?details=1\">details</a>");
	buf_puts(b, "</p></body></html>\n");
}
