/* SPDX-License-Identifier: MIT */
/* The notify room's messages: ids, the JSON ntfy sends, its framings, and subscription filters. */
#ifndef HEARTH_NOTIFY_MSG_H
#define HEARTH_NOTIFY_MSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/http_server.h"

/* One message (event "message" or "poll_request"). Owned by whoever
 * holds it; notify_msg_free. */
struct notify_msg {
	char id[13];
	char topic[65];
	int64_t time;	 /* unix s: delivery (scheduled) time */
	int64_t expires; /* unix s; 0: not cached */
	bool delayed;	 /* time is in the future: stored, not delivered */
	json_t *j;	 /* the object ntfy sends, fields in ntfy's order */
	char *text;	 /* its compact dump (notify_msg_seal) */
};

/* 12 random chars of [A-Za-z0-9] and a NUL (@len 12); any length. */
void notify_random_id(char *out, size_t len);
/* An action id (proto's ntfy_action_id_fn). */
void notify_action_id(char out[11], void *ud);

/* A new message for @topic at @time with a fresh id; j holds id, time,
 * (expires), event, topic; the caller adds the rest then seals. */
struct notify_msg *notify_msg_new(const char *topic, int64_t time,
				  int64_t expires, const char *event);
/* Dumps j into text (once all fields are in). 0 or -ENOMEM. */
int notify_msg_seal(struct notify_msg *m);
/* From a stored object (the cache's json column). NULL when it does not
 * parse. */
struct notify_msg *notify_msg_load(const char *text, size_t len);
void notify_msg_free(struct notify_msg *m);

/* The open / keepalive event of a subscription to @topics (raw path
 * segment): {"id","time","event","topic"} (a new JSON string). */
char *notify_event_text(const char *event, int64_t time, const char *topics);

/* What a subscription asked to see (message events only). */
struct notify_filter {
	char *id, *message, *title;
	unsigned prio_mask; /* bit p set: priority p wanted; 0: any */
	char **tags;	    /* all required */
	size_t n_tags;
};

void notify_filter_free(struct notify_filter *f);
/* True when @m passes @f. */
bool notify_filter_match(const struct notify_filter *f,
			 const struct notify_msg *m);

/* The subscription framings. */
enum notify_framing {
	NOTIFY_JSON,
	NOTIFY_SSE,
	NOTIFY_RAW,
	NOTIFY_WS,
};

/* The Content-Type of @f ("application/x-ndjson; charset=utf-8", ...). */
const char *notify_framing_type(enum notify_framing f);
/* Appends one event (@event "message", "open", ...; @text its JSON) as
 * @f frames it (WS: the JSON alone) to @out. For raw, message events
 * are their message with newlines as spaces; other events an empty
 * line. */
int notify_frame(struct buf *out, enum notify_framing f, const char *event,
		 const char *text, const json_t *j);

#endif
