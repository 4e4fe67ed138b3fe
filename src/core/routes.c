/* SPDX-License-Identifier: MIT */
/* The core's HTTP routes: /healthz, /metrics, the status page, /api/v1/status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "core/daemon_priv.h"

struct rooms_acc {
	struct daemon *d;
	json_t *obj;
	bool ok, degraded;
	struct buf *why; /* "dns degraded; ..." or NULL */
};

static void add_room(const char *name, const char *state, void *ud)
{
	struct rooms_acc *a = ud;
	bool failed = strcmp(state, "failed") == 0;
	bool degraded = strcmp(state, "degraded") == 0;
	a->ok = a->ok && !failed;
	a->degraded = a->degraded || degraded;
	if ((failed || degraded) && a->why) {
		/* The store degrades only read-only: its disk is full. */
		const char *more = NULL;
		if (strcmp(name, "store") != 0)
			more = daemon_room_reason(a->d, name);
		else if (degraded)
			more = hearth_strerror(HEARTH_EFULL);
		buf_printf(a->why, "%sroom %s is %s%s%s",
			   a->why->len ? "; " : "", name, state,
			   more ? ": " : "", more ? more : "");
	}
	json_object_set_new(a->obj, name, json_string(state));
}

static json_t *rooms_json(struct daemon *d, bool *all_ok, bool *degraded,
			  struct buf *why)
{
	struct rooms_acc a = {d, json_object(), true, false, why};
	daemon_each_room(d, add_room, &a);
	*all_ok = a.ok;
	if (degraded)
		*degraded = a.degraded;
	return a.obj;
}

/* 200 only while every part serves all it should. 503 when a part failed
 * ("failed") or serves with less ("degraded", e.g. a read-only store: no
 * writes), with "reason" naming the rooms and their states: a load
 * balancer or an uptime checker must see it. */
static void healthz(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	struct daemon *d = ud;
	bool ok, degraded;
	struct buf why = {0};
	(void)req;
	json_t *rooms = rooms_json(d, &ok, &degraded, &why);
	bool store_full = d->store &&
			  strcmp(store_state(d->store), "degraded") == 0;
	const char *status = !ok ? "failed" : degraded ? "degraded" : "ok";
	json_t *j = json_pack("{s:s, s:s, s:f, s:o}", "status", status,
			      "version", HEARTH_VERSION, "uptime_seconds",
			      daemon_uptime(d), "rooms", rooms);
	if (j && why.len && !why.err)
		json_object_set_new(j, "reason",
				    json_stringn(why.data, why.len));
	if (j && store_full)
		json_object_set_new(
			j, "store",
			json_pack("{s:b, s:s}", "writable",
				  !store_readonly(d->store), "error",
				  hearth_strerror(HEARTH_EFULL)));
	buf_deinit(&why);
	http_reply_json(resp, ok && !degraded ? 200 : 503, j);
}

static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

static void room_up(const char *name, const char *state, void *ud)
{
	bool up = strcmp(state, "running") == 0 || strcmp(state, "loaded") == 0;
	metrics_sample(ud, "hearth_room_up", up ? 1 : 0, 1, "room", name);
}

/* Every state a room or core part reports, so a dashboard sees 0 for the
 * states a room is not in. */
static const char *const room_states[] = {"running", "loaded", "degraded",
					  "failed", "disabled"};

static void room_state(const char *name, const char *state, void *ud)
{
	bool known = false;
	for (size_t i = 0; i < sizeof(room_states) / sizeof(room_states[0]); i++) {
		bool now = strcmp(state, room_states[i]) == 0;
		known = known || now;
		metrics_sample(ud, "hearth_room_state", now ? 1 : 0, 2, "room",
			       name, "state", room_states[i]);
	}
	if (!known)
		metrics_sample(ud, "hearth_room_state", 1, 2, "room", name,
			       "state", state);
}

void core_collect(struct buf *out, void *ud)
{
	struct daemon *d = ud;
	metrics_family(out, "hearth_build_info", "gauge",
		       "always 1; the version is a label");
	metrics_sample(out, "hearth_build_info", 1, 1, "version",
		       HEARTH_VERSION);
	metrics_value(out, "hearth_uptime_seconds", "gauge",
		      "seconds since hearthd started",
		      daemon_uptime(d));
	metrics_value(out, "hearth_start_time_seconds", "gauge",
		      "unix time hearthd started",
		      (double)d->start_unix);
	metrics_family(out, "hearth_config_reloads_total", "counter",
		       "config reloads by result");
	metrics_sample(out, "hearth_config_reloads_total",
		       (double)d->reloads_ok, 1, "result", "ok");
	metrics_sample(out, "hearth_config_reloads_total",
		       (double)d->reloads_failed, 1, "result", "error");
	metrics_value(out, "hearth_config_last_reload_success", "gauge",
		      "1 when the last config reload was applied (or none was "
		      "tried since start), 0 when it was refused",
		      d->last_reload_failed ? 0 : 1);
	metrics_value(out, "hearth_config_last_reload_timestamp_seconds",
		      "gauge",
		      "unix time of the last config reload tried (the start "
		      "before one)",
		      (double)d->last_reload_unix);
	metrics_family(out, "hearth_room_up", "gauge",
		       "1 when the room is running or loaded");
	daemon_each_room(d, room_up, out);
	metrics_family(out, "hearth_room_state", "gauge",
		       "1 for the state each room is in now, 0 for the others");
	daemon_each_room(d, room_state, out);
	metrics_value(out, "hearth_lab_hosts", "gauge",
		      "hosts described in lab.hosts",
		      (double)d->cfg->lab.n_hosts);
	metrics_value(out, "process_resident_memory_bytes", "gauge",
		      "resident set size",
		      (double)rss_bytes());
}

static void metrics(const struct http_request *req, struct http_response *resp,
		    void *ud)
{
	struct daemon *d = ud;
	(void)req;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	if (metrics_render(d->metrics, &resp->body))
		http_reply_error(resp, 500, "cannot render metrics");
}

bool core_key_given(const struct daemon *d, const struct http_request *req)
{
	const char *key = d->cfg->http.api_key;
	if (!key || !*key)
		return false;
	const char *h = http_request_header(req, "X-API-Key");
	if (h && mem_const_eq(h, strlen(h), key, strlen(key)))
		return true;
	char *user, *pass;
	if (http_request_basic_auth(req, &user, &pass))
		return false;
	bool ok = mem_const_eq(pass, strlen(pass), key, strlen(key));
	free(user);
	free(pass);
	return ok;
}

/* /metrics lists zone names and more: public unless http.metrics_public
 * is false; then the management key, as X-API-Key or as the password of
 * Basic auth (which Prometheus' basic_auth sends). */
static int metrics_auth(const struct http_request *req,
			struct http_response *resp, void *ud)
{
	struct daemon *d = ud;
	if (d->cfg->http.metrics_public || core_key_given(d, req))
		return 0;
	int status = http_auth_management(req, resp, NULL);
	if (status == 401)
		http_reply_header(resp, "WWW-Authenticate",
				  "Basic realm=\"hearth metrics\"");
	return status;
}

static void index_page(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	core_status_page(ud, req, resp);
}

static void add_version(const char *room, int version, void *ud)
{
	json_object_set_new(ud, room, json_integer(version));
}

static void status(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct daemon *d = ud;
	const struct cfg_lab *lab = &d->cfg->lab;
	bool ok;
	(void)req;
	json_t *j = json_pack(
		"{s:s, s:i, s:f, s:s, s:s, s:{s:s, s:i, s:I}, s:o, s:{s:I, s:I}}",
		"version", HEARTH_VERSION, "pid", (int)getpid(),
		"uptime_seconds", daemon_uptime(d), "config",
		d->opts.config_path, "state_dir", d->cfg->state_dir, "store",
		"path", store_path(d->store), "schema_version",
		store_schema_version(d->store), "starts", (json_int_t)d->starts,
		"rooms", rooms_json(d, &ok, NULL, NULL), "reloads", "ok",
		(json_int_t)d->reloads_ok, "failed",
		(json_int_t)d->reloads_failed);
	json_t *versions = json_object();
	store_room_versions(d->store, add_version, versions);
	json_object_set_new(json_object_get(j, "store"), "schema_versions",
			    versions);
	if (j && lab->enabled)
		json_object_set_new(
			j, "lab",
			json_pack("{s:s, s:I, s:I}", "domain", lab->domain,
				  "networks", (json_int_t)lab->n_networks,
				  "hosts", (json_int_t)lab->n_hosts));
	http_reply_json(resp, 200, j);
}

static void reload(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	struct daemon *d = ud;
	struct cfg_error err;
	(void)req;
	json_t *restart = json_array();
	if (daemon_reload(d, &err, restart)) {
		json_decref(restart);
		http_reply_error(resp, 422, "%s:%d:%d: %s", err.file,
				 err.line ? err.line : 1, err.col ? err.col : 1,
				 err.msg);
		return;
	}
	http_reply_json(resp, 200,
			json_pack("{s:s, s:o}", "result", "reloaded",
				  "restart_needed", restart));
}

const struct http_route core_routes[] = {
	{.name = "healthz", .method = "GET", .path = "/healthz", .fn = healthz,
	 .help = "200 and the state of each room"},
	{.name = "metrics", .method = "GET", .path = "/metrics", .fn = metrics,
	 .auth = metrics_auth,
	 .help = "Prometheus text format (X-API-Key or Basic auth when "
		 "http.metrics_public is false)"},
	{.name = "index", .method = "GET", .path = "/", .fn = index_page,
	 .help = "status page: rooms, zones, leases, rates, the last reload "
		 "(?details=1 with the key: client names, log lines)"},
	{.name = "status", .method = "GET", .path = "/api/v1/status",
	 .management = true, .fn = status,
	 .help = "daemon, store and lab details (X-API-Key)"},
	{.name = "reload", .method = "POST", .path = "/api/v1/reload",
	 .management = true, .fn = reload,
	 .help = "re-read the config file, like SIGHUP (X-API-Key)"},
};
const size_t core_n_routes = sizeof(core_routes) / sizeof(core_routes[0]);
