/* SPDX-License-Identifier: MIT */
/* Daemon internals shared by daemon.c and the core routes; not for rooms. */
#ifndef HEARTH_CORE_DAEMON_PRIV_H
#define HEARTH_CORE_DAEMON_PRIV_H

#include <stdint.h>
#include <uv.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/daemon.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/store.h"
#include "core/workq.h"

/* A core part as /healthz and the web UI show it. */
struct daemon_room {
	const char *name;
	const char *(*state)(struct daemon *d); /* "running", "disabled", ... */
};

/* A room from daemon_opts.rooms and its state. */
struct daemon_room_inst {
	const struct room_def *def;
	void *room;   /* NULL when disabled */
	void *staged; /* between reload_prepare and commit/abort */
};

#define DAEMON_MAX_ROOMS CONFIG_MAX_ROOMS

struct daemon {
	uv_loop_t loop;
	struct daemon_opts opts;
	struct config *cfg; /* current snapshot; swapped on reload */
	struct store *store;
	struct http_server *http;
	struct http_client *http_client; /* for the rooms */
	struct metrics *metrics;
	struct workq *workq; /* the rooms' blocking work */
	struct clock *clock; /* the rooms' time and timers */
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t store_retry; /* while the store is read-only */
	bool start_uncounted;	/* "starts" waits for a writable store */
	uint64_t start_ms;  /* uv_now at start, for uptime */
	int64_t start_unix; /* wall clock at start */
	int64_t starts;	    /* times this state_dir has been started */
	uint64_t reloads_ok, reloads_failed;
	bool last_reload_failed;     /* the last SIGHUP/API reload refused */
	int64_t last_reload_unix;    /* its wall time; start_unix before one */
	char last_reload_error[560]; /* why it was refused ("" when applied) */
	bool stopping;
	bool loop_closed; /* by daemon_run, after a clean stop */
	struct daemon_room_inst rooms[DAEMON_MAX_ROOMS];
	struct room_services services;
	size_t n_rooms;
};

/* Calls @fn with each room's name and state: core parts first, then the
 * rooms ("disabled" for those the config leaves out). */
void daemon_each_room(struct daemon *d,
		      void (*fn)(const char *name, const char *state, void *ud),
		      void *ud);

/* The room's own account of its state (room_ops.reason), or NULL: for the
 * core parts, for a disabled room and for one with nothing to add. */
const char *daemon_room_reason(struct daemon *d, const char *name);

extern const struct daemon_room daemon_rooms[];
extern const size_t daemon_n_rooms;

/*
 * Re-reads the config file and swaps it in. On refusal the running config
 * stays and @err says why. Keys that need a restart are logged and, when
 * @restart is a JSON array, appended to it.
 */
int daemon_reload(struct daemon *d, struct cfg_error *err, json_t *restart);

/* Seconds since start. */
double daemon_uptime(struct daemon *d);

/* Routes served by the core (/healthz, /metrics, /, /api/v1/status). */
extern const struct http_route core_routes[];
extern const size_t core_n_routes;

/* True when @req carries the management key (http.api_key, not empty):
 * as X-API-Key, or as the password of Basic auth (what Prometheus and
 * browsers send; the user name is ignored). Constant-time. */
bool core_key_given(const struct daemon *d, const struct http_request *req);

/* Fills @resp with the status page (status_page.c); the client names
 * and log lines only when @req carries the management key. */
void core_status_page(struct daemon *d, const struct http_request *req,
		      struct http_response *resp);

/* The core's metrics collector. */
void core_collect(struct buf *out, void *daemon);

#endif
