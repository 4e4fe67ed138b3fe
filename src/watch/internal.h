/* SPDX-License-Identifier: MIT */
/* What the watch room's files share: the room, its monitors, the checks and the heartbeat writer. */
#ifndef HEARTH_WATCH_INTERNAL_H
#define HEARTH_WATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/watch/cycle.h"
#include "proto/watch/jsonq.h"
#include "watch/config.h"
#include "watch/store.h"
#include "watch/watch_room.h"

#define WATCH_MSG_MAX 256

struct watch_probe;

/*
 * One monitor, heap-allocated on its own: a check in flight holds it
 * (busy), so a monitor a reload removed, or the room closing, is freed
 * by the check's completion instead (removed). Loop thread only.
 */
struct watch_mon {
	struct watch_room *room;
	const struct cfg_watch_monitor *cfg; /* in room->cfg */
	int64_t id;
	struct watch_cycle_cfg cc;
	struct watch_cycle st;
	struct watch_jsonq *jq; /* json-query */
	char **headers;		/* request headers, NULL-terminated */
	struct clock_timer *timer; /* next check, or the push watchdog */
	bool busy;		   /* a check in flight */
	bool removed;		   /* freed when the check comes back */
	struct watch_probe *probe; /* port: the probe in flight */
	uint64_t started_ms;	   /* of the check in flight */
	/* The last beat, for the API. */
	char msg[WATCH_MSG_MAX];
	double ping_ms; /* < 0: none */
	int64_t time_ms; /* wall clock */
	int64_t pushes;	 /* push: received since start */
};

/* A heartbeat waiting for the writer (msg owned). */
struct watch_queued_beat {
	struct watch_store_beat b;
	char *msg;
	struct http_pending *pending; /* a push answered once it is durable */
};

struct watch_room {
	uv_loop_t *loop;
	struct store *store;	/* the loop's connection: reads, ids */
	struct store *wstore;	/* the writer's, used on the strand only */
	struct workq_strand *strand;
	const struct clock *clock;
	struct http_client *http;
	struct room_notify_publisher *notify; /* NULL: notify room off */
	struct config *cfg;		      /* a reference */
	struct watch_mon **mons;
	size_t n_mons;
	/* Beats made this loop tick, written by the next flush. */
	struct watch_queued_beat *queue;
	size_t n_queue, cap_queue;
	struct watch_queued_beat *batch; /* on the strand */
	size_t n_batch;
	struct clock_timer *flush_timer;
	struct clock_timer *prune_timer;
	int jobs;	   /* strand jobs in flight */
	int inflight;	   /* checks in flight */
	bool closing;
	bool started;
	uint64_t beats_written, write_errors;
};

/* check.c: starts @m's check; its result comes to watch_mon_result. */
void watch_check_start(struct watch_mon *m);
/* Ends a port probe at close: its result is dropped. */
void watch_probe_cancel(struct watch_probe *p);

/* room.c: a check's verdict (@up), with its message and time (ms, < 0:
 * none). Records the beat, alerts, schedules the next check. */
void watch_mon_result(struct watch_mon *m, bool up, const char *msg,
		      double ping_ms);
/* A push arrived for @m (the push route); @p (may be NULL) is answered
 * {"ok":true} once the beat is durable. */
void watch_mon_push(struct watch_mon *m, bool up, const char *msg,
		    double ping_ms, struct http_pending *p);
/* The monitor with @token (push), or NULL. */
struct watch_mon *watch_find_token(struct watch_room *r, const char *token);
/* Frees the room once nothing holds it (closing, no jobs, no checks). */
void watch_room_maybe_free(struct watch_room *r);

/* beats.c: queues a beat for the next flush (one transaction); @p (may
 * be NULL) is answered after the commit. */
void watch_beats_queue(struct watch_room *r, const struct watch_store_beat *b,
		       struct http_pending *p);
/* Kuma's answer to a push: {"ok":true}, or {"ok":false,"msg":...}. */
void watch_push_answer(struct http_response *resp, int status,
		       const char *msg);
int watch_beats_open(struct watch_room *r, const struct room_ctx *ctx);
/* Writes what is queued now (closing: the last batch). */
void watch_beats_flush(struct watch_room *r);
void watch_beats_close(struct watch_room *r);

/* api.c: the push route, the REST API. */
int watch_api_register(struct watch_room *r, struct http_server *http);

#endif
