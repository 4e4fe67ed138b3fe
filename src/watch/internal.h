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
struct watch_ping_probe;
struct watch_icmp;
struct watch_dns_probe;
struct watch_db_probe;

/*
 * One monitor, heap-allocated on its own: a check in flight holds it
 * (busy), so a monitor a reload removed, or the room closing, is freed
 * by the check's completion instead (removed). Loop thread only.
 */
/* A monitor another room registered (room_watch_registry): its own
 * settings, owned by it (not in a config snapshot). */
struct watch_target {
	struct cfg_watch_monitor c;
	struct watch_code_range code;
	char *owner, *name; /* as registered */
	char *label;	    /* "owner:name", the monitor's name */
	char *where;	    /* its URL or host */
	json_t *spec;	    /* API monitors: their body */
	struct config *snap; /* API monitors: c's strings live in it */
	const char **notif;  /* API monitors: c.notifications (in spec) */
};

struct watch_mon {
	struct watch_room *room;
	const struct cfg_watch_monitor *cfg; /* in room->cfg, or &target->c */
	struct watch_target *target;	     /* registered by a room, or NULL */
	int64_t id;
	struct watch_cycle_cfg cc;
	struct watch_cycle st;
	struct watch_jsonq *jq; /* json-query */
	char **headers;		/* request headers, NULL-terminated */
	struct clock_timer *timer; /* next check, or the push watchdog */
	bool busy;		   /* a check in flight */
	bool paused;		   /* no checks; pushes refused */
	bool removed;		   /* freed when the check comes back */
	struct watch_probe *probe; /* port: the probe in flight */
	struct watch_ping_probe *ping_probe; /* ping: likewise */
	struct watch_dns_probe *dns_probe;   /* dns: likewise */
	struct watch_db_probe *db_probe;     /* postgres, mysql: likewise */
	uint64_t started_ms;	   /* of the check in flight */
	/* The last beat, for the API. */
	char msg[WATCH_MSG_MAX];
	double ping_ms; /* < 0: none */
	int64_t time_ms; /* wall clock */
	int64_t pushes;	 /* push: received since start */
	/* https: the last certificate seen (0: none), whether it verified,
	 * and the lowest expiry threshold already alerted (0: none). */
	int64_t cert_expires;
	bool cert_valid;
	int64_t cert_alerted;
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
	struct workq *workq; /* database checks */
	struct room_notify_publisher *notify; /* NULL: notify room off */
	struct config *cfg;		      /* a reference */
	struct watch_icmp *icmp;	      /* ping monitors' socket, or NULL */
	struct watch_icmp *icmp6;	      /* likewise, ICMPv6 */
	struct room_dns_resolvers *resolvers; /* NULL: dns room off */
	struct room_watch_registry registry;  /* what this room offers */
	struct room_services *services;	      /* where it is offered */
	struct watch_mon **mons;
	size_t n_mons;
	struct watch_api_win **wins; /* maintenance windows the API made */
	size_t n_wins;
	struct watch_api_page **pages; /* status pages the API made */
	size_t n_pages;
	struct watch_page_inc **incs; /* incidents the API posted on the
					 config's pages */
	size_t n_incs;
	struct watch_api_notif **notifs; /* notifications the API made */
	size_t n_notifs;
	/* Beats made this loop tick, written by the next flush. */
	struct watch_queued_beat *queue;
	size_t n_queue, cap_queue;
	struct watch_queued_beat *batch; /* on the strand */
	size_t n_batch;
	struct clock_timer *flush_timer;
	struct clock_timer *prune_timer;
	int jobs;	   /* strand jobs in flight */
	int inflight;	   /* checks in flight */
	/* Database checks on the pool (a timed-out one too, till it ends),
	 * and those waiting for a turn (dbmon.c). */
	int db_running;
	struct watch_db_probe *db_waiting, *db_waiting_tail;
	bool closing;
	bool started;
	uint64_t beats_written, write_errors;
	uint64_t batches_written; /* transactions of beats_written */
};

/* check.c: starts @m's check; its result comes to watch_mon_result. */
void watch_check_start(struct watch_mon *m);
/* Ends @m's check in flight, if any (its result is dropped, @m released
 * at once). */
void watch_check_cancel(struct watch_mon *m);
/* Ends a port probe at close: its result is dropped. */
void watch_probe_cancel(struct watch_probe *p);

/* ping.c: the room's ICMP socket (opened at open when a ping monitor is
 * configured, before privileges drop), a check, its cancellation. */
int watch_ping_open(struct watch_room *r, const struct config *cfg);
void watch_ping_start(struct watch_mon *m);
void watch_ping_cancel(struct watch_ping_probe *p);
void watch_ping_close(struct watch_room *r);

/* dnsmon.c: a dns check; its cancellation (the result is dropped). */
void watch_dns_start(struct watch_mon *m);
/* A name lookup for @m's check (a ping by name): one UDP query for
 * @qtype to @server within @m's timeout; @cb gets the records' text
 * (", "-joined), or NULL and why. Cancelled as a dns check. */
typedef void (*watch_dns_lookup_fn)(struct watch_mon *m, uint16_t qtype,
				    const char *records, const char *why);
void watch_dns_lookup(struct watch_mon *m, const char *name, uint16_t qtype,
		      const struct sockaddr_storage *server,
		      watch_dns_lookup_fn cb);
void watch_dns_cancel(struct watch_dns_probe *p);

/* dbmon.c: a postgres or mysql check on the work queue (the timeout
 * on the loop); its cancellation (the result is dropped). */
void watch_db_start(struct watch_mon *m);
void watch_db_cancel(struct watch_db_probe *p);

/* room.c: a check's verdict (@up), with its message and time (ms, < 0:
 * none). Records the beat, alerts, schedules the next check. */
void watch_mon_result(struct watch_mon *m, bool up, const char *msg,
		      double ping_ms);
/* Publishes @msg through the notify room: each ntfy:TOPIC of @to (NULL-
 * terminated, may be NULL; its other targets are compacted in place)
 * straight to its topic, the rest as @msg's .to besides the routes of
 * its event. 0 when something took it, -ENOSYS without the notify room,
 * or the publisher's error. */
int watch_notify_send(struct watch_room *r, const struct room_notify_msg *msg,
		      const char **to);
/* A push arrived for @m (the push route); @p (may be NULL) is answered
 * {"ok":true} once the beat is durable. */
void watch_mon_push(struct watch_mon *m, bool up, const char *msg,
		    double ping_ms, struct http_pending *p);
/* Pauses or resumes @m at once (the store is the caller's business). */
void watch_mon_set_paused(struct watch_mon *m, bool paused);
/* A monitor from an API body (owner "api"): made and started, or
 * -EINVAL with "field: reason" in @why, -EEXIST when the name is taken. */
int watch_api_monitor_add(struct watch_room *r, json_t *spec, char *why,
			  size_t n, struct watch_mon **out);
/* Drops the monitor @owner registered as @name (none: nothing). */
void watch_registry_drop(struct watch_room *r, const char *owner,
			 const char *name);

/* A certificate seen by @m's check: alerts when its days left cross a
 * threshold (expiry_notification). */
void watch_mon_cert(struct watch_mon *m, int64_t expires, bool valid);
/* Days left of @m's certificate (negative: expired), or INT64_MIN. */
int64_t watch_cert_days(const struct watch_mon *m);
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
/* Runs @work(wstore, @ud) on the write strand, then @done(@ud, rc) on
 * the loop (rc: @work's result, or -ECANCELED). 0 or a negative code
 * (@done is not called then). */
int watch_write_submit(struct watch_room *r, int (*work)(struct store *, void *),
		       void (*done)(void *, int), void *ud);
/* Writes what is queued now (closing: the last batch). */
void watch_beats_flush(struct watch_room *r);
void watch_beats_close(struct watch_room *r);

/* webhook.c: Kuma's webhook body for an alert of @m's beat @b: the
 * heartbeat (its message @text), the monitor, and @msg (the alert's
 * text, "[name] [🔴 Down] ..."), as a malloc'd JSON string (NULL: out
 * of memory). */
char *watch_webhook_json(const struct watch_mon *m, const struct watch_beat *b,
			 const char *text, const char *msg);

/* metrics.c: Kuma's monitor_* families and the writer's counters. */
int watch_metrics_register(struct watch_room *r, struct metrics *m);

/* api.c: the push route, the REST API (and page.c's routes). */
int watch_api_register(struct watch_room *r, struct http_server *http);
/* Kuma's time text: "YYYY-MM-DD HH:mm:ss.SSS", UTC. */
void watch_kuma_time(int64_t ms, char out[32]);
/* "24h", "30d", "1y", "90m", "2w", "6M"; digits are hours: seconds, or -1. */
int64_t watch_parse_window(const char *t);
/* {seconds, uptime, up, down, maintenance, ping_avg, ping_min, ping_max}
 * of @m over the last @secs (new reference), or NULL on a store error. */
/* @c's tags as Kuma's [{name, value, color}] (value "" when none); a
 * new reference. api.c; loop thread. */
json_t *watch_tags_json(const struct cfg_watch_monitor *c);

json_t *watch_uptime(struct watch_room *r, const struct watch_mon *m,
		     int64_t secs);

/* window.c: whether maintenance window @mw is on at @now_s (UTC), in
 * its zone; whether it covers the monitor named @name. Loop thread. */
bool watch_window_on(const struct cfg_watch_maint *mw, int64_t now_s);

/* The @k-th maintenance window (the config's, then the API's), its id in
 * *id; NULL past the last. api_maint.c; loop thread. */
const struct cfg_watch_maint *watch_window_nth(const struct watch_room *r,
					       size_t k, int64_t *id);
/* Starts the API's windows kept in the store; frees them. */
int watch_windows_load(struct watch_room *r);
void watch_windows_free(struct watch_room *r);
/* GET/POST /api/v1/watch/maintenance, PUT/DELETE .../<id>. */
int watch_maint_api_register(struct watch_room *r, struct http_server *http);
bool watch_window_covers(const struct cfg_watch_maint *mw, const char *name);
/* Window @mw (the @index-th) as Kuma's maintenance JSON at @now_s: id,
 * title, description, strategy, active, cron, duration(Minutes),
 * timezone, timezoneOffset (now), status (inactive, scheduled,
 * under-maintenance, ended), monitors, timeslotList (a cron window's
 * running slot). New reference. */
json_t *watch_window_json(const struct cfg_watch_maint *mw, size_t index,
			  int64_t now_s);

/* api_obj.c: the write of a page or notification the API made. */
struct watch_obj_write {
	struct watch_room *r;
	struct http_pending *p;
	const char *kind;    /* "page", "notification" (store.h) */
	char *key, *old_key; /* old_key: a rename's, or NULL */
	char *text;	     /* the body stored; NULL: a delete */
	void *obj;	     /* what @apply installs (it takes it: NULL it) */
	/* On the loop once stored (not when the store failed or the room
	 * is closing: those are answered 503): installs, answers. */
	void (*apply)(struct watch_obj_write *w, struct http_response *resp);
	void (*free_obj)(void *obj);
};
/* A new write of @kind (calloc'd; NULL: out of memory). */
struct watch_obj_write *watch_obj_write_new(struct watch_room *r,
					    const char *kind);
void watch_obj_write_free(struct watch_obj_write *w);
/* Defers the answer and queues @w (taken: freed on every path). */
void watch_obj_submit(struct watch_obj_write *w, const struct http_request *req,
		      struct http_response *resp);
/* The body of @req as JSON, or NULL with a 400 ("body: ...") in @resp. */
json_t *watch_body_json(const struct http_request *req,
			struct http_response *resp);
/* The path segment after @prefix, up to '/' or the end, copied into
 * @out (at most @cap - 1 bytes); *rest at what follows. 0, or -ENOENT
 * when it is empty or too long. */
int watch_path_key(const struct http_request *req, const char *prefix,
		   char *out, size_t cap, const char **rest);

/* api_page.c: status pages the API made (kept in the store). */
int watch_pages_load(struct watch_room *r);
void watch_pages_free(struct watch_room *r);
int watch_page_api_register(struct watch_room *r, struct http_server *http);
/* The @k-th status page (the config's, then the API's), or NULL past
 * the last. Loop thread. */
const struct cfg_watch_page *watch_page_nth(const struct watch_room *r,
					    size_t k);

/* api_notif.c: notifications (alert routes), the config's and the
 * API's. */
int watch_notifs_load(struct watch_room *r);
void watch_notifs_free(struct watch_room *r);
int watch_notif_api_register(struct watch_room *r, struct http_server *http);
/* The notification named @name, or NULL. */
const struct cfg_watch_notification *
watch_notif_find(const struct watch_room *r, const char *name);
/* The targets an alert of @m for @event (WATCH_NOTIFY_*) goes to:
 * watch.alerts.to, then those of the notifications @m names (or of the
 * default ones when it names none) that take @event, each once; a
 * NULL-terminated malloc'd array of borrowed strings (NULL: none or no
 * memory). Loop thread. */
const char **watch_alert_targets(struct watch_room *r,
				 const struct watch_mon *m, unsigned event);
/* The names of the notifications @m alerts through (new reference). */
json_t *watch_mon_notifs_json(struct watch_room *r, const struct watch_mon *m);

/* page.c: status pages (HTML and Kuma's JSON) and badges. */
int watch_page_register(struct watch_room *r, struct http_server *http);
/* The published page @slug (case-insensitive), or NULL. */
const struct cfg_watch_page *watch_page_find(struct watch_room *r,
					    const char *slug);
/* The @i-th monitor of group @g, or NULL. */
struct watch_mon *watch_page_mon(struct watch_room *r,
				 const struct cfg_watch_page_group *g, size_t i);
/* The last @limit beats of @m, oldest first, as Kuma's public JSON
 * (new reference), or NULL on a store error. */
json_t *watch_public_beats(struct watch_room *r, const struct watch_mon *m,
			   int64_t limit);
/* up / (up + down) of @m over the last @secs (0 without data or on an
 * error). */
double watch_uptime_ratio(struct watch_room *r, const struct watch_mon *m,
			  int64_t secs);
/* page_html.c: GET /status/<slug> and /status/<slug>/rss. */
void watch_page_html(const struct http_request *req,
		     struct http_response *resp, void *ud);
/* The maintenance windows on now that cover a monitor of @p (at most
 * @max, in config order) into @out; their number. */
size_t watch_page_maintenance(struct watch_room *r,
			      const struct cfg_watch_page *p,
			      const struct cfg_watch_maint **out, size_t max);
/* True when Kuma shows @m's certificate on a page (an http monitor of an
 * https URL). */
bool watch_page_shows_cert(const struct watch_mon *m);
/* True when incident @i (may be NULL) has a title or content. */
bool watch_incident_shown(const struct cfg_watch_incident *i);
/* The incident page @p shows (api_page.c: one the API posted on a page
 * of the config file replaces the file's), or NULL when none. */
const struct cfg_watch_incident *watch_page_incident(const struct watch_room *r,
						     const struct cfg_watch_page *p);
/* True when @m shows on a published page (badges are only for those). */
bool watch_page_public(struct watch_room *r, const struct watch_mon *m);

/* One bucket of a series: its start (unix seconds), the beats, and the
 * UP beats' response time (avg, min, max, p95 from the histograms: the
 * upper edge of its √2-wide bin, within min..max) when some had one. */
struct watch_point {
	int64_t start;
	int64_t up, down, maint;
	bool has_ping;
	double avg, lo, hi, p95;
};
struct watch_series {
	const char *table; /* "minutely", "hourly" or "daily" */
	int64_t start, bucket;
	struct watch_point *p; /* n buckets, oldest first; free() it */
	size_t n;
};

/* charts.c: @m over the last @secs in about 100 buckets from the finest
 * aggregate that holds the span (Kuma 2.x: minutely up to 24 h, hourly
 * up to 30 days, daily beyond). 0, or the store's error / -ENOMEM. */
int watch_series(struct watch_room *r, const struct watch_mon *m,
		 int64_t secs, struct watch_series *out);
/* charts.c: inline SVG of @m for the HTML page, appended to @b: a bar
 * per day for the last @days days (daily aggregates) with their uptime,
 * and the response time over @secs (watch_series: average line, min-max
 * band). 0 or the store's error. */
int watch_chart_days(struct buf *b, struct watch_room *r,
		     const struct watch_mon *m, int days);
int watch_chart_ping(struct buf *b, struct watch_room *r,
		     const struct watch_mon *m, int64_t secs);

/* badge.c: GET /api/status-page/<slug>/badge for page @p (NULL: none,
 * a grey N/A), Kuma 2.x's overall badge. */
void watch_page_badge(const struct http_request *req,
		      struct http_response *resp, struct watch_room *r,
		      const struct cfg_watch_page *p);
/* badge.c: GET /api/badge/<id>/... (a route of page.c's table). */
void watch_badge_route(const struct http_request *req,
		       struct http_response *resp, void *ud);

#endif
