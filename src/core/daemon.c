/* SPDX-License-Identifier: MIT */
/* Daemon lifecycle: open store, bind, drop privileges, run, reload, stop. */
#include "core/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "core/daemon_priv.h"
#include "core/privs.h"

static const char *state_store(struct daemon *d)
{
	return d->store ? store_state(d->store) : "failed";
}

static const char *state_http(struct daemon *d)
{
	return d->http ? "running" : "disabled";
}

static const char *state_lab(struct daemon *d)
{
	return d->cfg->lab.enabled ? "loaded" : "disabled";
}

const struct daemon_room daemon_rooms[] = {
	{"store", state_store},
	{"http", state_http},
	{"lab", state_lab},
};
const size_t daemon_n_rooms = sizeof(daemon_rooms) / sizeof(daemon_rooms[0]);

void daemon_each_room(struct daemon *d,
		      void (*fn)(const char *name, const char *state, void *ud),
		      void *ud)
{
	for (size_t i = 0; i < daemon_n_rooms; i++)
		fn(daemon_rooms[i].name, daemon_rooms[i].state(d), ud);
	for (size_t i = 0; i < d->n_rooms; i++) {
		const struct daemon_room_inst *r = &d->rooms[i];
		/* A room with no daemon side (CLI only) has no state. */
		if (!r->def->ops)
			continue;
		fn(r->def->name, r->room ? r->def->ops->state(r->room)
					 : "disabled",
		   ud);
	}
}

const char *daemon_room_reason(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_rooms; i++) {
		const struct daemon_room_inst *r = &d->rooms[i];
		if (r->room && r->def->ops->reason &&
		    strcmp(r->def->name, name) == 0)
			return r->def->ops->reason(r->room);
	}
	return NULL;
}

double daemon_uptime(struct daemon *d)
{
	uv_update_time(&d->loop);
	return (double)(uv_now(&d->loop) - d->start_ms) / 1000.0;
}

static void apply_log_level(struct daemon *d)
{
	log_set_level(d->opts.verbose ? LOG_DEBUG : d->cfg->log.level);
}

static void warn_restart_key(const char *key, void *ud)
{
	json_t *list = ud;
	log_warn("core", "reload: %s changed; it takes effect at restart", key);
	if (list)
		json_array_append_new(list, json_string(key));
}

__attribute__((format(printf, 3, 4)))
static int refuse(const struct config *next, struct cfg_error *err,
		  const char *fmt, ...)
{
	va_list ap;
	snprintf(err->file, sizeof(err->file), "%s", next->path);
	err->line = err->col = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return HEARTH_ECONFIG;
}

/*
 * The core rule of reloads: a file may turn off what runs only by saying
 * so. A running room whose section is gone, a lab section that is gone,
 * or a management key that is gone is far more likely a truncated or
 * half-written file than a wish, so such a reload is refused; the
 * explicit forms are `ROOM: {enabled: false}`, `lab: {enabled: false}`
 * and `http: {api_key: ""}` (no key: the management API refuses all).
 */
static int reload_guard(struct daemon *d, const struct config *next,
			struct cfg_error *err)
{
	for (size_t i = 0; i < d->n_rooms; i++) {
		const struct room_def *def = d->rooms[i].def;
		if (d->rooms[i].room && !room_enabled(next, def) &&
		    !room_disabled(next, def))
			return refuse(next, err, "room %s is running and the "
				      "file has no '%s' section; to stop it "
				      "say so: '%s: {enabled: false}'",
				      def->name, def->name, def->name);
	}
	if (d->cfg->lab.enabled && !next->lab.enabled && !next->lab.disabled)
		return refuse(next, err, "the file has no 'lab' section, which "
			      "would drop the lab's hosts and records; to drop "
			      "it say so: 'lab: {enabled: false}'");
	const char *key = d->cfg->http.api_key;
	if (d->http && key && *key && !next->http.api_key)
		return refuse(next, err, "the file has no http.api_key, which "
			      "would lock the management API; to run without "
			      "a key say so: 'api_key: \"\"' in 'http'");
	return 0;
}

/*
 * Offers @next to every running room (phase 1). When one refuses, the
 * ones that prepared abort, and nothing changes anywhere; @err names the
 * room and its reason. Otherwise each commits (phase 2).
 */
static int reload_rooms(struct daemon *d, const struct config *next,
			struct cfg_error *err)
{
	size_t i;
	int rc = 0;
	struct room_refusal why = {""};
	for (i = 0; i < d->n_rooms; i++) {
		struct daemon_room_inst *r = &d->rooms[i];
		r->staged = NULL;
		/* A room the file turns off keeps its config until restart. */
		if (!r->room || !r->def->ops->reload_prepare ||
		    !room_enabled(next, r->def))
			continue;
		rc = r->def->ops->reload_prepare(r->room, next, &r->staged,
						 &why);
		if (rc)
			break;
	}
	if (rc) {
		const char *name = d->rooms[i].def->name;
		while (i-- > 0) {
			struct daemon_room_inst *r = &d->rooms[i];
			if (r->room && r->def->ops->reload_prepare &&
			    room_enabled(next, r->def) &&
			    r->def->ops->reload_abort)
				r->def->ops->reload_abort(r->room, r->staged);
			r->staged = NULL;
		}
		snprintf(err->file, sizeof(err->file), "%s", next->path);
		err->line = err->col = 0;
		snprintf(err->msg, sizeof(err->msg), "room %s refused it: %s",
			 name, why.msg[0] ? why.msg : hearth_strerror(rc));
		return rc;
	}
	for (i = 0; i < d->n_rooms; i++) {
		struct daemon_room_inst *r = &d->rooms[i];
		if (r->room && !room_enabled(next, r->def))
			log_warn("core", "reload: room %s was disabled; it "
					 "stops at restart", r->def->name);
		else if (r->room && r->def->ops->reload_commit)
			r->def->ops->reload_commit(r->room, next, r->staged);
		else if (!r->room && room_enabled(next, r->def))
			log_warn("core", "reload: room %s was enabled; it "
					 "starts at restart", r->def->name);
		r->staged = NULL;
	}
	return 0;
}

int daemon_reload(struct daemon *d, struct cfg_error *err, json_t *restart)
{
	struct config *next = NULL;
	int rc = config_load_file(d->opts.schema, d->opts.config_path, &next,
				  err);
	if (!rc)
		rc = reload_guard(d, next, err);
	if (!rc)
		rc = reload_rooms(d, next, err);
	d->last_reload_unix = (int64_t)time(NULL);
	d->last_reload_failed = rc != 0;
	d->last_reload_error[0] = '\0';
	if (rc) {
		d->reloads_failed++;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error),
			 "%s:%d:%d: %s", err->file, err->line ? err->line : 1,
			 err->col ? err->col : 1, err->msg);
		log_error("core", "reload refused, running config stays: "
				  "%s:%d:%d: %s",
			  err->file, err->line ? err->line : 1,
			  err->col ? err->col : 1, err->msg);
		config_unref(next);
		return rc;
	}
	config_restart_keys(d->cfg, next, warn_restart_key, restart);
	struct config *old = d->cfg;
	d->cfg = next;
	config_unref(old);
	apply_log_level(d);
	if (d->http) {
		rc = http_server_set_api_key(d->http, d->cfg->http.api_key);
		if (rc)
			log_error("core", "reload: api key: %s",
				  hearth_strerror(rc));
		http_server_set_max_body(d->http, d->cfg->http.max_body_bytes);
	}
	d->reloads_ok++;
	log_info("core", "reloaded config=%s", d->opts.config_path);
	return 0;
}

/* Counts this start in the store; on a disk with no room for that write,
 * the store goes read-only and the count waits for space. */
static int count_start(struct daemon *d)
{
	if (!store_readonly(d->store)) {
		int rc = store_meta_add(d->store, "starts", 1, &d->starts);
		if (rc != HEARTH_EFULL && rc != HEARTH_ESTORE)
			return rc;
		if ((rc = store_degrade(d->store)))
			return rc;
	}
	d->start_uncounted = true;
	char *v = NULL;
	if (store_meta_get(d->store, "starts", &v) == 0)
		d->starts = strtoll(v, NULL, 10) + 1;
	free(v);
	return 0;
}

/* Read-only (degraded) store: is there room again? */
static void on_store_retry(uv_timer_t *t)
{
	struct daemon *d = t->data;
	if (store_retry_writable(d->store))
		return;
	uv_timer_stop(t);
	if (d->start_uncounted &&
	    !store_meta_add(d->store, "starts", 1, &d->starts))
		d->start_uncounted = false;
}

static void on_http_closed(void *ud)
{
	(void)ud;
}

static void stop(struct daemon *d, const char *why)
{
	if (d->stopping)
		return;
	d->stopping = true;
	log_info("core", "stopping (%s)", why);
	privs_sd_notify("STOPPING=1");
	for (size_t i = d->n_rooms; i-- > 0;) {
		if (d->rooms[i].room)
			d->rooms[i].def->ops->close(d->rooms[i].room);
		d->rooms[i].room = NULL;
	}
	/* What the rooms submitted while closing still runs; the loop
	 * ends after its completions. */
	workq_shutdown(d->workq, false);
	http_server_close(d->http, on_http_closed, d);
	d->http = NULL;
	http_client_close(d->http_client);
	d->http_client = NULL;
	uv_close((uv_handle_t *)&d->store_retry, NULL);
	uv_close((uv_handle_t *)&d->sig_term, NULL);
	uv_close((uv_handle_t *)&d->sig_int, NULL);
	uv_close((uv_handle_t *)&d->sig_hup, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	struct cfg_error err;
	if (signum == SIGHUP)
		daemon_reload(d, &err, NULL);
	else
		stop(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int start_signal(struct daemon *d, uv_signal_t *h, int signum)
{
	int rc = uv_signal_init(&d->loop, h);
	if (rc)
		return rc;
	h->data = d;
	return uv_signal_start(h, on_signal, signum);
}

static int open_http(struct daemon *d)
{
	const struct cfg_http *h = &d->cfg->http;
	struct http_server_opts o = {
		.listen = h->listen,
		.max_header_bytes = h->max_header_bytes,
		.max_body_bytes = h->max_body_bytes,
		.max_connections = h->max_connections,
		.idle_timeout = h->idle_timeout,
		.api_key = h->api_key,
		.max_streams = h->max_streams,
		.max_streams_per_client = h->max_streams_per_client,
		.max_connections_per_client = h->max_connections_per_client,
		.header_timeout = h->header_timeout,
		.reserved_connections = h->reserved_connections,
		.reserved_clients = h->reserved_clients,
		.n_reserved_clients = h->n_reserved_clients,
	};
	struct ipprefix loopback[2];
	if (!h->has_reserved_clients) {
		ipprefix_parse("127.0.0.0/8", &loopback[0]);
		ipprefix_parse("::1/128", &loopback[1]);
		o.reserved_clients = loopback;
		o.n_reserved_clients = 2;
	}
	int rc = http_server_new(&d->loop, &o, &d->http);
	if (rc)
		return rc;
	rc = http_server_add_routes(d->http, core_routes, core_n_routes, d);
	if (rc)
		return rc;
	return metrics_register(d->metrics, http_server_collect, d->http);
}

/*
 * Every room's tables are migrated (enabled or not, so a room turned on
 * later finds its tables), then the enabled rooms open in table order,
 * then each binds the services the others offered.
 */
static int open_rooms(struct daemon *d)
{
	struct room_ctx ctx = {
		.loop = &d->loop, .store = d->store, .metrics = d->metrics,
		.http = d->http, .http_client = d->http_client,
		.services = &d->services, .workq = d->workq, .clock = d->clock,
	};
	int rc;
	for (const struct room_def *const *r = d->opts.rooms; r && *r; r++) {
		if (d->n_rooms == DAEMON_MAX_ROOMS)
			return -E2BIG;
		d->rooms[d->n_rooms++].def = *r;
		if ((*r)->migrations &&
		    (rc = store_migrate(d->store, (*r)->name, (*r)->migrations)))
			return rc;
	}
	for (size_t i = 0; i < d->n_rooms; i++) {
		struct daemon_room_inst *ri = &d->rooms[i];
		if (!ri->def->ops || !room_enabled(d->cfg, ri->def))
			continue;
		rc = ri->def->ops->open(&ctx, d->cfg, &ri->room);
		if (rc) {
			log_error(ri->def->name, "cannot start: %s",
				  hearth_strerror(rc));
			return rc;
		}
	}
	for (size_t i = 0; i < d->n_rooms; i++) {
		struct daemon_room_inst *ri = &d->rooms[i];
		if (ri->room && ri->def->ops->bind &&
		    (rc = ri->def->ops->bind(ri->room, &d->services))) {
			log_error(ri->def->name, "cannot start: %s",
				  hearth_strerror(rc));
			return rc;
		}
	}
	return 0;
}

int daemon_new(struct config *cfg, const struct daemon_opts *opts,
	       struct daemon **out)
{
	struct daemon *d = calloc(1, sizeof(*d));
	int rc;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->opts = *opts;
	d->cfg = config_ref(cfg);
	apply_log_level(d);
	rc = uv_loop_init(&d->loop);
	if (rc) {
		config_unref(d->cfg);
		free(d);
		return rc;
	}
	d->start_ms = uv_now(&d->loop);
	d->start_unix = (int64_t)time(NULL);
	d->last_reload_unix = d->start_unix;
	*out = d; /* daemon_free can undo a partial start from here on */

	rc = metrics_new(&d->metrics);
	if (!rc)
		rc = metrics_register(d->metrics, core_collect, d);
	if (!rc)
		rc = workq_new(&d->loop, &d->workq);
	if (!rc)
		rc = metrics_register(d->metrics, workq_collect, d->workq);
	if (!rc)
		rc = clock_uv_new(&d->loop, &d->clock);
	if (rc)
		return rc;
	rc = store_open(cfg->state_dir, &d->store);
	if (rc)
		return rc;
	rc = count_start(d);
	if (rc)
		return rc;
	rc = uv_timer_init(&d->loop, &d->store_retry);
	if (rc)
		return rc;
	d->store_retry.data = d;
	if (store_readonly(d->store) &&
	    (rc = uv_timer_start(&d->store_retry, on_store_retry,
				 STORE_RETRY_SECONDS * 1000,
				 STORE_RETRY_SECONDS * 1000)))
		return rc;
	if (cfg->http.enabled) {
		rc = open_http(d);
		if (rc)
			return rc;
	}
	rc = http_client_new(&d->loop, &d->http_client);
	if (rc)
		return rc;
	/* A peer that resets a TCP connection with answers still queued
	 * (DNS over TCP, the HTTP client) must cost an EPIPE, not the
	 * process: libuv writes with write(2), which raises SIGPIPE. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -errno;
	rc = open_rooms(d);
	if (rc)
		return rc;
	rc = start_signal(d, &d->sig_term, SIGTERM);
	if (!rc)
		rc = start_signal(d, &d->sig_int, SIGINT);
	if (!rc)
		rc = start_signal(d, &d->sig_hup, SIGHUP);
	return rc;
}

/* What the running rooms need to keep across the drop. */
static uint64_t rooms_capabilities(struct daemon *d)
{
	uint64_t caps = 0;
	for (size_t i = 0; i < d->n_rooms; i++) {
		struct daemon_room_inst *r = &d->rooms[i];
		if (r->room && r->def->ops->capabilities)
			caps |= r->def->ops->capabilities(r->room);
	}
	return caps;
}

int daemon_drop_privileges(struct daemon *d)
{
	const char *user = d->cfg->user;
	uid_t uid;
	gid_t gid;
	if (!user)
		return 0;
	int rc = privs_lookup(user, &uid, &gid);
	if (rc) {
		log_error("core", "user '%s' does not exist", user);
		return rc;
	}
	uint64_t keep = rooms_capabilities(d);
	if (getuid() != 0) {
		if (getuid() == uid) {
			/* Started as the user (e.g. with ambient
			 * capabilities): keep only what the rooms need. */
			rc = privs_limit(keep);
			if (rc)
				log_error("core", "limiting capabilities: %s",
					  hearth_strerror(rc));
			return rc;
		}
		log_error("core", "cannot switch to user '%s': not root", user);
		return -EPERM;
	}
	rc = store_chown(d->store, d->cfg->state_dir, uid, gid);
	if (!rc)
		rc = privs_drop(uid, gid, keep);
	if (rc) {
		log_error("core", "dropping privileges to '%s': %s", user,
			  hearth_strerror(rc));
		return rc;
	}
	log_info("core", "running as user=%s uid=%u gid=%u caps=%#llx", user,
		 (unsigned)uid, (unsigned)gid,
		 (unsigned long long)privs_effective());
	return 0;
}

static void log_leaked(uv_handle_t *h, void *ud)
{
	(void)ud;
	log_error("core", "leaked handle type=%s active=%d closing=%d",
		  uv_handle_type_name(uv_handle_get_type(h)), uv_is_active(h),
		  uv_is_closing(h));
}

int daemon_run(struct daemon *d)
{
	int rc = 0;
	if (d->http) {
		rc = http_server_start(d->http);
		if (rc) {
			log_error("http", "cannot start: %s", hearth_strerror(rc));
			return rc;
		}
		char addr[ADDR_TEXT_MAX];
		struct sockaddr_any a = http_server_address(d->http);
		sockaddr_format(&a, addr);
		log_info("http", "listening on %s", addr);
	}
	for (size_t i = 0; i < d->n_rooms; i++) {
		struct daemon_room_inst *r = &d->rooms[i];
		if (r->room && (rc = r->def->ops->start(r->room))) {
			log_error(r->def->name, "cannot start: %s",
				  hearth_strerror(rc));
			return rc;
		}
	}
	log_info("core", "hearthd %s started config=%s state_dir=%s",
		 HEARTH_VERSION, d->opts.config_path, d->cfg->state_dir);
	privs_sd_notify("READY=1");
	uv_run(&d->loop, UV_RUN_DEFAULT);
	/* Every room and the core closed what they opened: a handle left in
	 * the loop is a leak, and the exit status says so. */
	int lrc = uv_loop_close(&d->loop);
	if (lrc) {
		uv_walk(&d->loop, log_leaked, NULL);
		log_error("core", "handles left open at shutdown: %s",
			  uv_strerror(lrc));
		return lrc;
	}
	d->loop_closed = true;
	log_info("core", "stopped");
	return rc;
}

static void close_any(uv_handle_t *h, void *ud)
{
	(void)ud;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	if (!d->stopping) {
		/* A start that failed half-way: close whatever was opened. */
		d->stopping = true;
		for (size_t i = d->n_rooms; i-- > 0;)
			if (d->rooms[i].room)
				d->rooms[i].def->ops->close(d->rooms[i].room);
		if (d->workq)
			workq_shutdown(d->workq, false);
		http_server_close(d->http, NULL, NULL);
		d->http = NULL;
		http_client_close(d->http_client);
		d->http_client = NULL;
	}
	if (!d->loop_closed) {
		uv_walk(&d->loop, close_any, NULL);
		uv_run(&d->loop, UV_RUN_DEFAULT);
		uv_loop_close(&d->loop);
	}
	workq_free(d->workq);
	clock_uv_free(d->clock);
	store_free(d->store);
	metrics_free(d->metrics);
	config_unref(d->cfg);
	free(d);
}
