/* SPDX-License-Identifier: MIT */
/* The watch room's HTTP: Kuma's push URL (/api/push/<token>, any method) and GET /api/v1/watch/monitors[/<id>[/heartbeats]]. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "core/sql.h"
#include "watch/internal.h"
#include "watch/spec.h"

#define PUSH "/api/push/"
#define MONITORS "/api/v1/watch/monitors"

void watch_push_answer(struct http_response *resp, int status,
		       const char *msg)
{
	if (msg)
		http_reply_json(resp, status,
				json_pack("{s:b, s:s}", "ok", 0, "msg", msg));
	else
		http_reply_json(resp, status, json_pack("{s:b}", "ok", 1));
}

/* /api/push/<token>?status=up&msg=OK&ping= (Kuma 5.1). */
static void push(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	struct watch_room *r = ud;
	const char *token = req->path + strlen(PUSH);
	struct watch_mon *m = *token ? watch_find_token(r, token) : NULL;
	if (!m || m->paused) {
		watch_push_answer(resp, 404, "Monitor not found or not active.");
		return;
	}
	const char *status = http_request_arg(req, "status");
	const char *msg = http_request_arg(req, "msg");
	const char *ping_text = http_request_arg(req, "ping");
	double ping = -1;
	if (ping_text && *ping_text) {
		char *end;
		ping = strtod(ping_text, &end);
		if (*end || !isfinite(ping) || ping < 0 || ping > 1e11) {
			watch_push_answer(resp, 404,
					  "Invalid ping value: 0 to 100000000000");
			return;
		}
	}
	bool up = !status || strcmp(status, "up") == 0;
	char text[WATCH_MSG_MAX];
	snprintf(text, sizeof(text), "%s", msg ? msg : "OK");
	struct http_pending *p = http_defer(req, resp, NULL, NULL);
	if (!p)
		return; /* resp holds a 500 */
	watch_mon_push(m, up, text, ping, p);
}

void watch_kuma_time(int64_t ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03d", (int)(ms % 1000));
}

json_t *watch_tags_json(const struct cfg_watch_monitor *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_tags; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s}", "name", c->tags[i].name,
				     "value", c->tags[i].value ? c->tags[i].value : "",
				     "color", c->tags[i].color));
	return a;
}

static json_t *monitor_json(const struct watch_mon *m)
{
	struct watch_room *r = m->room;
	const struct cfg_watch_monitor *c = m->cfg;
	json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:b, s:I}",
			      "id", (json_int_t)m->id, "name", c->name, "type",
			      watch_type_name(c->type), "active", !m->paused,
			      "interval", (json_int_t)c->interval,
			      "retries", (json_int_t)c->retries,
			      "retry_interval", (json_int_t)c->retry_interval,
			      "timeout_ms", (json_int_t)c->timeout_ms,
			      "resend_interval", (json_int_t)c->resend_interval,
			      "upside_down", c->upside_down,
			      "up_retries", (json_int_t)c->up_retries);
	if (!o)
		return NULL;
	if (c->description)
		json_object_set_new(o, "description", json_string(c->description));
	json_object_set_new(o, "tags", watch_tags_json(c));
	json_object_set_new(o, "notifications", watch_mon_notifs_json(r, m));
	json_object_set_new(o, "source",
			    json_string(c->from_lab	 ? "lab"
					: m->target ? m->target->owner
						    : "config"));
	if (c->service)
		json_object_set_new(o, "service", json_string(c->service->name));
	if (c->url)
		json_object_set_new(o, "url", json_string(c->url));
	if (c->hostname) {
		json_object_set_new(o, "hostname", json_string(c->hostname));
		json_object_set_new(o, "port", json_integer(c->port));
	}
	if (c->depends_on)
		json_object_set_new(o, "depends_on", json_string(c->depends_on));
	if (c->type == WATCH_PUSH)
		json_object_set_new(o, "pushes", json_integer(m->pushes));
	if (m->cert_expires) {
		json_object_set_new(o, "cert_days_remaining",
				    json_integer(watch_cert_days(m)));
		json_object_set_new(o, "cert_valid", json_boolean(m->cert_valid));
	}
	if (!m->st.has_beat) {
		json_object_set_new(o, "status", json_null());
		json_object_set_new(o, "status_text", json_string("NONE"));
		return o;
	}
	char when[32];
	watch_kuma_time(m->time_ms, when);
	json_object_set_new(o, "status", json_integer(m->st.status));
	json_object_set_new(o, "status_text",
			    json_string(watch_status_name(m->st.status)));
	json_object_set_new(o, "msg", json_string(m->msg));
	json_object_set_new(o, "ping", m->ping_ms >= 0 ? json_real(m->ping_ms)
						       : json_null());
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "time_ms", json_integer(m->time_ms));
	json_object_set_new(o, "current_retries", json_integer(m->st.retries));
	json_object_set_new(o, "by_dependency", json_boolean(m->st.by_dependency));
	return o;
}

static void list(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	struct watch_room *r = ud;
	(void)req;
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_mons; i++)
		json_array_append_new(a, monitor_json(r->mons[i]));
	http_reply_json(resp, 200, a);
}

static void heartbeats(struct watch_room *r, const struct watch_mon *m,
		       const struct http_request *req,
		       struct http_response *resp)
{
	int64_t limit = 100, before = INT64_MAX;
	const char *t = http_request_arg(req, "limit");
	char *end;
	if (t) {
		limit = strtoll(t, &end, 10);
		if (*end || limit < 1 || limit > 10000) {
			http_reply_error(resp, 400, "limit: 1 to 10000");
			return;
		}
	}
	if ((t = http_request_arg(req, "before"))) {
		before = strtoll(t, &end, 10);
		if (*end || !*t) {
			http_reply_error(resp, 400,
					 "before: a time in unix milliseconds");
			return;
		}
	}
	json_t *a = json_array();
	struct sql_rows q;
	sql_query(r->store, &q,
		  "SELECT time, status, msg, ping, important, duration, "
		  "retries, down_count FROM watch_heartbeats WHERE monitor = ? "
		  "AND time < ? ORDER BY time DESC, id DESC LIMIT ?",
		  "iii", m->id, before, limit);
	while (sql_next(&q)) {
		char when[32];
		int64_t ms = sql_col_int(&q, 0);
		watch_kuma_time(ms, when);
		json_t *ping = sqlite3_column_type(q.st, 3) == SQLITE_NULL
				       ? json_null()
				       : json_real(sqlite3_column_double(q.st, 3));
		json_array_append_new(
			a, json_pack("{s:s, s:I, s:I, s:s, s:o, s:b, s:I, s:I, s:I}",
				     "time", when, "time_ms", (json_int_t)ms,
				     "status", (json_int_t)sql_col_int(&q, 1),
				     "msg", sql_col_text(&q, 2), "ping", ping,
				     "important", (int)sql_col_int(&q, 4),
				     "duration_ms", (json_int_t)sql_col_int(&q, 5),
				     "retries", (json_int_t)sql_col_int(&q, 6),
				     "down_count", (json_int_t)sql_col_int(&q, 7)));
	}
	int rc = sql_end(&q);
	if (rc) {
		json_decref(a);
		http_reply_failure(resp, rc);
		return;
	}
	http_reply_json(resp, 200,
			json_pack("{s:I, s:s, s:o}", "monitor", (json_int_t)m->id,
				  "name", m->cfg->name, "heartbeats", a));
}

/* A window: "24h", "7d", "30d", "1y", "90m", "2w", "6M"; bare digits
 * are hours (Kuma's badges). Seconds, or -1. */
int64_t watch_parse_window(const char *t)
{
	char *end;
	long long n = strtoll(t, &end, 10);
	if (end == t || n <= 0 || n > 100000)
		return -1;
	int64_t unit = !*end		 ? 3600
		       : !strcmp(end, "m") ? 60
		       : !strcmp(end, "h") ? 3600
		       : !strcmp(end, "d") ? 86400
		       : !strcmp(end, "w") ? 7 * 86400
		       : !strcmp(end, "M") ? 30 * 86400
		       : !strcmp(end, "y") ? 365 * 86400
					   : -1;
	return unit < 0 || n * unit > 10LL * 365 * 86400 ? -1 : n * unit;
}

#define UPTIME_SQL(table)                                                      \
	"SELECT coalesce(sum(up), 0), coalesce(sum(down), 0), "               \
	"coalesce(sum(maintenance), 0), "                                     \
	"sum(ping * up) / nullif(sum(CASE WHEN ping IS NOT NULL THEN up END), " \
	"0), min(ping_min), max(ping_max) FROM " table                        \
	" WHERE monitor = ? AND timestamp >= ?"

/* Kuma 2.x's uptime over the last @secs: up / (up + down) from the finest
 * aggregate that covers it (PENDING is down, MAINTENANCE apart; no data:
 * 0), with the response time of the UP beats. NULL on a store error. */
json_t *watch_uptime(struct watch_room *r, const struct watch_mon *m,
		     int64_t secs)
{
	int64_t since = clock_wall_s(r->clock) - secs;
	struct sql_rows q;
	if (secs <= 86400)
		sql_query(r->store, &q, UPTIME_SQL("watch_stat_minutely"), "ii",
			  m->id, since - since % 60);
	else if (secs <= 30 * 86400)
		sql_query(r->store, &q, UPTIME_SQL("watch_stat_hourly"), "ii",
			  m->id, since - since % 3600);
	else
		sql_query(r->store, &q, UPTIME_SQL("watch_stat_daily"), "ii",
			  m->id, since - since % 86400);
	json_t *o = NULL;
	if (sql_next(&q)) {
		int64_t up = sql_col_int(&q, 0), down = sql_col_int(&q, 1);
		o = json_pack("{s:I, s:f, s:I, s:I, s:I}", "seconds",
			      (json_int_t)secs, "uptime",
			      up + down ? (double)up / (double)(up + down) : 0.0,
			      "up", (json_int_t)up, "down", (json_int_t)down,
			      "maintenance", (json_int_t)sql_col_int(&q, 2));
		static const char *const names[] = {"ping_avg", "ping_min",
						    "ping_max"};
		for (int k = 0; o && k < 3; k++)
			json_object_set_new(
				o, names[k],
				sqlite3_column_type(q.st, 3 + k) == SQLITE_NULL
					? json_null()
					: json_real(sqlite3_column_double(q.st,
									  3 + k)));
	}
	if (sql_end(&q)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ?window= (default 24h) in seconds; -1 after a 400 naming the field. */
static int64_t window_arg(const struct http_request *req,
			  struct http_response *resp, const char **w)
{
	*w = http_request_arg(req, "window");
	if (!*w)
		*w = "24h";
	int64_t secs = watch_parse_window(*w);
	if (secs < 0)
		http_reply_error(resp, 400,
				 "window: N with m, h, d, w, M or y (24h, 30d, "
				 "1y), up to 10 years");
	return secs;
}

static void uptime_route(struct watch_room *r, const struct watch_mon *m,
			 const struct http_request *req,
			 struct http_response *resp)
{
	const char *w;
	int64_t secs = window_arg(req, resp, &w);
	if (secs < 0)
		return;
	json_t *o = watch_uptime(r, m, secs);
	if (!o) {
		http_reply_error(resp, 503, "the history cannot be read now");
		return;
	}
	json_object_set_new(o, "monitor", json_integer(m->id));
	json_object_set_new(o, "window", json_string(w));
	http_reply_json(resp, 200, o);
}

static json_t *real_or_null(bool have, double v)
{
	return have ? json_real(v) : json_null();
}

/* /series?window=: uptime and response time per bucket, from the finest
 * aggregate that holds the window. */
static void series_route(struct watch_room *r, const struct watch_mon *m,
			 const struct http_request *req,
			 struct http_response *resp)
{
	const char *w;
	int64_t secs = window_arg(req, resp, &w);
	if (secs < 0)
		return;
	struct watch_series sr;
	if (watch_series(r, m, secs, &sr)) {
		http_reply_error(resp, 503, "the history cannot be read now");
		return;
	}
	json_t *pts = json_array();
	for (size_t k = 0; k < sr.n; k++) {
		const struct watch_point *p = &sr.p[k];
		int64_t n = p->up + p->down;
		json_array_append_new(
			pts, json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
				       "time", (json_int_t)p->start, "up",
				       (json_int_t)p->up, "down",
				       (json_int_t)p->down, "maintenance",
				       (json_int_t)p->maint, "uptime",
				       real_or_null(n > 0, n ? (double)p->up /
								       (double)n
							     : 0),
				       "ping_avg", real_or_null(p->has_ping, p->avg),
				       "ping_min", real_or_null(p->has_ping, p->lo),
				       "ping_max", real_or_null(p->has_ping, p->hi),
				       "ping_p95", real_or_null(p->has_ping, p->p95)));
	}
	http_reply_json(resp, 200,
			json_pack("{s:I, s:s, s:I, s:s, s:I, s:o}", "monitor",
				  (json_int_t)m->id, "window", w,
				  "seconds", (json_int_t)secs, "aggregate",
				  sr.table, "bucket", (json_int_t)sr.bucket,
				  "points", pts));
	free(sr.p);
}

/* The monitor with its uptime over Kuma's windows. */
static json_t *monitor_full(struct watch_room *r, const struct watch_mon *m)
{
	static const struct {
		const char *name;
		int64_t secs;
	} win[] = {{"24h", 86400}, {"7d", 7 * 86400}, {"30d", 30 * 86400},
		   {"1y", 365 * 86400}};
	json_t *o = monitor_json(m), *u = json_object();
	for (size_t i = 0; o && u && i < sizeof(win) / sizeof(win[0]); i++) {
		json_t *x = watch_uptime(r, m, win[i].secs);
		json_object_set_new(u, win[i].name,
				    x ? json_real(json_real_value(
						json_object_get(x, "uptime")))
				      : json_null());
		json_decref(x);
	}
	json_object_set_new(o, "uptime", u);
	if (m->target && m->target->spec) /* made through the API: its body */
		json_object_set(o, "spec", m->target->spec);
	return o;
}

/* The monitor a /api/v1/watch/monitors/<id>[/SUFFIX] path names, with
 * *suffix at what follows the id (""). NULL when the id is not a number
 * or no monitor has it; *id is what was read. */
static struct watch_mon *path_monitor(struct watch_room *r,
				      const struct http_request *req,
				      long long *id, const char **suffix)
{
	const char *p = req->path + strlen(MONITORS "/");
	char *end;
	*id = strtoll(p, &end, 10);
	*suffix = end;
	if (end == p)
		return NULL;
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i]->id == *id)
			return r->mons[i];
	return NULL;
}

/* /api/v1/watch/monitors/<id> and /<id>/heartbeats */
static void one(const struct http_request *req, struct http_response *resp,
		void *ud)
{
	struct watch_room *r = ud;
	long long id;
	const char *end;
	struct watch_mon *m = path_monitor(r, req, &id, &end);
	if (end == req->path + strlen(MONITORS "/") ||
	    (*end && strcmp(end, "/heartbeats") != 0 &&
	     strcmp(end, "/uptime") != 0 && strcmp(end, "/series") != 0)) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return;
	}
	if (!m) {
		http_reply_error(resp, 404, "no monitor with id %lld", id);
		return;
	}
	if (!strcmp(end, "/heartbeats"))
		heartbeats(r, m, req, resp);
	else if (!strcmp(end, "/series"))
		series_route(r, m, req, resp);
	else if (*end)
		uptime_route(r, m, req, resp);
	else
		http_reply_json(resp, 200, monitor_full(r, m));
}

/* A pause or resume on its way to the store. */
struct active_write {
	struct watch_room *r;
	struct http_pending *p;
	int64_t id;
	bool active;
};

static int active_work(struct store *s, void *ud)
{
	struct active_write *w = ud;
	return watch_store_set_active(s, w->id, w->active);
}

static void active_done(void *ud, int rc)
{
	struct active_write *w = ud;
	struct http_response *resp = http_pending_response(w->p);
	struct watch_mon *m = NULL;
	for (size_t i = 0; i < w->r->n_mons && !m; i++)
		if (w->r->mons[i]->id == w->id)
			m = w->r->mons[i];
	if (rc) {
		http_reply_error(resp, 503, "not saved: %s", hearth_strerror(rc));
	} else {
		if (m && !w->r->closing)
			watch_mon_set_paused(m, !w->active);
		http_reply_json(resp, 200,
				json_pack("{s:b, s:I, s:b}", "ok", 1, "id",
					  (json_int_t)w->id, "active", w->active));
	}
	http_pending_finish(w->p);
	free(w);
}

/* POST /api/v1/watch/monitors/<id>/pause and /resume: durable, then
 * applied and answered. */
static void pause_resume(const struct http_request *req,
			 struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	long long id;
	const char *end;
	struct watch_mon *m = path_monitor(r, req, &id, &end);
	bool pause = !strcmp(end, "/pause");
	if (end == req->path + strlen(MONITORS "/") ||
	    (!pause && strcmp(end, "/resume"))) {
		http_reply_error(resp, 404, "no such resource: %.80s", req->path);
		return;
	}
	if (!m) {
		http_reply_error(resp, 404, "no monitor with id %lld", id);
		return;
	}
	struct active_write *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	*w = (struct active_write){.r = r, .id = id, .active = !pause};
	w->p = http_defer(req, resp, NULL, NULL);
	if (!w->p) {
		free(w);
		return;
	}
	int rc = watch_write_submit(r, active_work, active_done, w);
	if (rc) {
		http_reply_error(http_pending_response(w->p), 503,
				 "cannot queue the write: %s", hearth_strerror(rc));
		http_pending_finish(w->p);
		free(w);
	}
}

/* A create or delete on its way to the store. */
struct api_write {
	struct watch_room *r;
	struct http_pending *p;
	json_t *spec; /* create */
	char *text;   /* create, update: the spec as stored */
	char name[256];
	char old[256];	 /* update: the name before */
	char type[32];	 /* create, update */
	int64_t id;   /* update, delete */
};

static void api_write_free(struct api_write *w)
{
	json_decref(w->spec);
	free(w->text);
	free(w);
}

static int create_work(struct store *s, void *ud)
{
	struct api_write *w = ud;
	return watch_store_api_put(s, w->name, w->text);
}

static void create_done(void *ud, int rc)
{
	struct api_write *w = ud;
	struct http_response *resp = http_pending_response(w->p);
	char why[160];
	struct watch_mon *m = NULL;
	if (rc)
		http_reply_error(resp, 503, "not saved: %s", hearth_strerror(rc));
	else if (w->r->closing)
		http_reply_error(resp, 503, "the watch room is shutting down");
	else if ((rc = watch_api_monitor_add(w->r, w->spec, why, sizeof(why),
					     &m)))
		http_reply_error(resp, rc == -EEXIST ? 409 : 500, "%s",
				 rc == -EEXIST ? why : hearth_strerror(rc));
	else
		http_reply_json(resp, 201, monitor_json(m));
	http_pending_finish(w->p);
	api_write_free(w);
}

/* Reads the body of a create or an update into @w (spec, text, name):
 * 0, or answered (400 naming the field, 409 for a name another monitor
 * than @self holds, 500). */
static int read_spec(struct watch_room *r, const struct http_request *req,
		     struct http_response *resp, const struct watch_mon *self,
		     struct api_write *w)
{
	json_error_t jerr;
	char why[160];
	const struct cfg_watch_monitor *probe;
	struct config *snap;
	json_t *spec = json_loadb(req->body, req->body_len, 0, &jerr);
	if (!spec) {
		http_reply_error(resp, 400, "body: not JSON: %s", jerr.text);
		return -EINVAL;
	}
	w->spec = spec;
	int rc = watch_spec_parse(r->cfg->schema, spec, &snap, &probe, why,
				  sizeof(why));
	if (rc) {
		http_reply_error(resp, rc == -ENOMEM ? 500 : 400, "%s",
				 rc == -ENOMEM ? "out of memory" : why);
		return rc;
	}
	rc = 0;
	for (size_t i = 0; i < r->n_mons && !rc; i++) {
		const struct cfg_watch_monitor *o = r->mons[i]->cfg;
		if (r->mons[i] == self)
			continue;
		if (!strcmp(o->name, probe->name)) {
			http_reply_error(resp, 409, "name: monitor '%s' exists",
					 probe->name);
			rc = -EEXIST;
		} else if (probe->token && o->token &&
			   !strcmp(o->token, probe->token)) {
			http_reply_error(resp, 409, "token: also monitor '%s''s",
					 o->name);
			rc = -EEXIST;
		}
	}
	json_t *names = json_object_get(spec, "notifications"), *e;
	size_t k;
	json_array_foreach(names, k, e)
		if (!rc && !watch_notif_find(r, json_string_value(e))) {
			http_reply_error(resp, 400, "notifications: no "
					 "notification named '%.80s'",
					 json_string_value(e));
			rc = -EINVAL;
		}
	if (!rc && strlen(probe->name) >= sizeof(w->name)) {
		http_reply_error(resp, 400, "name: at most 255 bytes");
		rc = -EINVAL;
	}
	if (!rc) {
		snprintf(w->name, sizeof(w->name), "%s", probe->name);
		snprintf(w->type, sizeof(w->type), "%s",
			 watch_type_name(probe->type));
	}
	config_unref(snap);
	if (rc)
		return rc;
	w->text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS);
	if (!w->text) {
		http_reply_error(resp, 500, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Defers the answer and queues @w's write: 0, or answered. */
static void submit(struct watch_room *r, const struct http_request *req,
		   struct http_response *resp, struct api_write *w,
		   int (*work)(struct store *, void *), void (*done)(void *, int))
{
	if (!(w->p = http_defer(req, resp, NULL, NULL))) {
		api_write_free(w);
		return;
	}
	int rc = watch_write_submit(r, work, done, w);
	if (rc) {
		http_reply_error(http_pending_response(w->p), 503,
				 "cannot queue the write: %s", hearth_strerror(rc));
		http_pending_finish(w->p);
		api_write_free(w);
	}
}

/* POST /api/v1/watch/monitors {name, type, ...}: stored, then started,
 * then answered 201 with the monitor. */
static void create(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct watch_room *r = ud;
	struct api_write *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	w->r = r;
	if (read_spec(r, req, resp, NULL, w)) {
		api_write_free(w);
		return;
	}
	submit(r, req, resp, w, create_work, create_done);
}

/* The monitor a PUT or DELETE of /monitors/<id> names, when the API made
 * it; else answered (404, or 409 naming where it comes from). */
static struct watch_mon *api_monitor(struct watch_room *r,
				     const struct http_request *req,
				     struct http_response *resp, long long *id)
{
	const char *end;
	struct watch_mon *m = path_monitor(r, req, id, &end);
	if (*end)
		m = NULL;
	if (!m) {
		http_reply_error(resp, 404, "no monitor at %.80s", req->path);
		return NULL;
	}
	if (!m->target || strcmp(m->target->owner, "api")) {
		http_reply_error(resp, 409,
				 "monitor '%s' comes from %s; change it there",
				 m->cfg->name,
				 m->cfg->from_lab ? "lab (watch.from_lab)"
				 : m->target	  ? "another room"
						  : "the config file");
		return NULL;
	}
	return m;
}

static int update_work(struct store *s, void *ud)
{
	struct api_write *w = ud;
	return watch_store_api_replace(s, w->old, w->name, w->id, w->type,
				       w->text);
}

static void update_done(void *ud, int rc)
{
	struct api_write *w = ud;
	struct http_response *resp = http_pending_response(w->p);
	char why[160];
	struct watch_mon *m = NULL;
	if (rc) {
		http_reply_error(resp, 503, "not saved: %s", hearth_strerror(rc));
	} else if (w->r->closing) {
		http_reply_error(resp, 503, "the watch room is shutting down");
	} else {
		watch_registry_drop(w->r, "api", w->old);
		if ((rc = watch_api_monitor_add(w->r, w->spec, why, sizeof(why),
						&m)))
			http_reply_error(resp, rc == -EEXIST ? 409 : 500, "%s",
					 rc == -EEXIST ? why : hearth_strerror(rc));
		else
			http_reply_json(resp, 200, monitor_json(m));
	}
	http_pending_finish(w->p);
	api_write_free(w);
}

/* The API-made monitor a PUT or DELETE names (into *m) and a write for
 * it; NULL when the answer (404, 409, 500) is already in @resp. */
static struct api_write *api_write_for(struct watch_room *r,
				       const struct http_request *req,
				       struct http_response *resp,
				       struct watch_mon **m)
{
	long long id;
	*m = api_monitor(r, req, resp, &id);
	if (!*m)
		return NULL;
	struct api_write *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	*w = (struct api_write){.r = r, .id = id};
	return w;
}

/* PUT /api/v1/watch/monitors/<id> {name, type, ...}: the whole spec of a
 * monitor the API made, replaced (a new name keeps the id and history),
 * stored, restarted, answered 200 with the monitor. */
static void update_monitor(const struct http_request *req,
			   struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	struct watch_mon *m;
	struct api_write *w = api_write_for(r, req, resp, &m);
	if (!w)
		return;
	snprintf(w->old, sizeof(w->old), "%s", m->target->name);
	if (read_spec(r, req, resp, m, w)) {
		api_write_free(w);
		return;
	}
	submit(r, req, resp, w, update_work, update_done);
}

static int delete_work(struct store *s, void *ud)
{
	struct api_write *w = ud;
	return watch_store_api_del(s, w->name);
}

static void delete_done(void *ud, int rc)
{
	struct api_write *w = ud;
	struct http_response *resp = http_pending_response(w->p);
	if (rc) {
		http_reply_error(resp, 503, "not saved: %s", hearth_strerror(rc));
	} else {
		if (!w->r->closing)
			watch_registry_drop(w->r, "api", w->name);
		resp->status = 204;
	}
	http_pending_finish(w->p);
	api_write_free(w);
}

/* DELETE /api/v1/watch/monitors/<id>: monitors created through the API. */
static void delete_monitor(const struct http_request *req,
			   struct http_response *resp, void *ud)
{
	struct watch_room *r = ud;
	struct watch_mon *m;
	struct api_write *w = api_write_for(r, req, resp, &m);
	if (!w)
		return;
	snprintf(w->name, sizeof(w->name), "%s", m->target->name);
	submit(r, req, resp, w, delete_work, delete_done);
}

#define PUSH_ROUTE(m)                                                          \
	{.name = "watch_push", .method = m, .path = PUSH, .prefix = true,      \
	 .fn = push, .help = "Uptime Kuma's push URL: ?status=up&msg=&ping="}

static const struct http_route routes[] = {
	PUSH_ROUTE("GET"), PUSH_ROUTE("POST"), PUSH_ROUTE("PUT"),
	PUSH_ROUTE("PATCH"), PUSH_ROUTE("DELETE"), PUSH_ROUTE("HEAD"),
	{.name = "watch_monitors", .method = "GET", .path = MONITORS,
	 .management = true, .fn = list,
	 .help = "the monitors and their last beat"},
	{.name = "watch_monitor_create", .method = "POST", .path = MONITORS,
	 .management = true, .fn = create,
	 .help = "creates a monitor from a watch.monitors entry as JSON "
		 "(every type the config takes; durations in seconds); kept "
		 "across restarts"},
	{.name = "watch_monitor_update", .method = "PUT",
	 .path = MONITORS "/", .prefix = true, .management = true,
	 .fn = update_monitor,
	 .help = "/<id> {name, type, ...}: replaces a monitor created through "
		 "the API (the whole body, as for POST; kept across restarts; a "
		 "new name keeps its history)"},
	{.name = "watch_monitor_delete", .method = "DELETE",
	 .path = MONITORS "/", .prefix = true, .management = true,
	 .fn = delete_monitor,
	 .help = "/<id>: deletes a monitor created through the API"},
	{.name = "watch_monitor_state", .method = "POST", .path = MONITORS "/",
	 .prefix = true, .management = true, .fn = pause_resume,
	 .help = "/<id>/pause, /<id>/resume: stops or restarts its checks "
		 "(kept across restarts)"},
	{.name = "watch_monitor", .method = "GET", .path = MONITORS "/",
	 .prefix = true, .management = true, .fn = one,
	 .help = "one monitor with its uptime; /heartbeats?limit=&before= its "
		 "beats, newest first; /uptime?window=24h|7d|30d|1y|...; "
		 "/series?window=...: per bucket uptime and response time "
		 "(minutely aggregates up to 24h, hourly to 30d, daily beyond)"},
};

int watch_api_register(struct watch_room *r, struct http_server *http)
{
	int rc = http_server_add_routes(http, routes,
					sizeof(routes) / sizeof(routes[0]), r);
	if (!rc)
		rc = watch_maint_api_register(r, http);
	if (!rc)
		rc = watch_page_api_register(r, http);
	if (!rc)
		rc = watch_notif_api_register(r, http);
	return rc ? rc : watch_page_register(r, http);
}
