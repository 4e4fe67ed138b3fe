/* SPDX-License-Identifier: MIT */
/* The watch room's tables: monitors, heartbeats and Kuma 2.x's minutely/hourly/daily aggregates. */
#ifndef HEARTH_WATCH_STORE_H
#define HEARTH_WATCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/* One heartbeat to record (strings borrowed for the call). */
struct watch_store_beat {
	int64_t monitor;
	int64_t time_ms; /* wall clock, unix ms */
	int status;	 /* enum watch_status */
	const char *msg;
	double ping_ms; /* < 0: none */
	int important;
	int64_t duration_ms;
	int retries;
	int down_count;
};

/* The monitor's row id for @name (or the config's @id when non-zero),
 * creating the row when there is none; *out the id. Loop thread
 * (a short write on the loop's connection, at open and reload). */
int watch_store_monitor_id(struct store *s, const char *name, int64_t id,
			   const char *type, int64_t *out);

/* Whether monitor @id runs (not paused); a missing row runs. Loop. */
int watch_store_active(struct store *s, int64_t id, bool *active);
/* Pauses (false) or resumes (true) @id. On the write strand. */
int watch_store_set_active(struct store *s, int64_t id, bool active);

/* Monitors created through the API: kept (put, on the strand), removed
 * (del, on the strand), read back at open (each, on the loop). */
int watch_store_api_put(struct store *s, const char *name, const char *spec);
int watch_store_api_del(struct store *s, const char *name);
/* An update: @old_name's spec replaced by @name's @spec, and monitor row
 * @id renamed to @name (its history kept). On the strand. */
int watch_store_api_replace(struct store *s, const char *old_name,
			    const char *name, int64_t id, const char *type,
			    const char *spec);
int watch_store_api_each(struct store *s,
			 int (*fn)(const char *name, const char *spec, void *ud),
			 void *ud);

/* Writes @n beats and their minutely/hourly/daily aggregates in one
 * transaction. Any thread that owns @s (the room's write strand). */
int watch_store_beats(struct store *s, const struct watch_store_beat *b,
		      size_t n);

/* Deletes what is older than the retention (seconds, 0: keep) before
 * @now_s: heartbeats, minutely, hourly, daily. As watch_store_beats. */
int watch_store_prune(struct store *s, int64_t now_s, int64_t beats,
		      int64_t minutely, int64_t hourly, int64_t daily);

/* Kuma 2.x's clearHeartbeatData: deletes the beats that are not
 * important and older than @keep_s (0: keeps them) before @now_s, but
 * never a monitor's @keep_last newest. As watch_store_beats. */
int watch_store_prune_detail(struct store *s, int64_t now_s, int64_t keep_s,
			     int64_t keep_last);

/* Maintenance windows made through the API, by id: their JSON bodies
 * (put and del on the strand; each on the loop's connection). */
int watch_store_window_put(struct store *s, int64_t id, const char *spec);
int watch_store_window_del(struct store *s, int64_t id);
int watch_store_window_each(struct store *s,
			    int (*fn)(int64_t id, const char *spec, void *ud),
			    void *ud);

/* Status pages ("page", by slug) and notifications ("notification", by
 * name) made through the API: their JSON bodies. put writes @spec under
 * @key (NULL @spec: deletes it), dropping @old_key (a rename; may be
 * NULL) in the same transaction, on the strand; each reads them back in
 * creation order, on the loop's connection. */
int watch_store_obj_put(struct store *s, const char *kind, const char *old_key,
			const char *key, const char *spec);
int watch_store_obj_each(struct store *s, const char *kind,
			 int (*fn)(const char *key, const char *spec, void *ud),
			 void *ud);

#endif
