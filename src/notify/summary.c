/* SPDX-License-Identifier: MIT */
/* The notify room's part of the status page: subscribers, topics, the last messages and the targets that failed. */
#include <stdlib.h>
#include <string.h>

#include "core/sql.h"
#include "notify/apprise.h"
#include "notify/internal.h"

#define LAST_MESSAGES 5
#define TOPICS_SHOWN 10

/* The newest delivered messages from the cache: topic, time, title. */
static json_t *last_messages(struct notify_room *r)
{
	json_t *list = json_array();
	struct sql_rows rows;
	sql_query(r->store, &rows,
		  "SELECT topic, time, json FROM notify_messages "
		  "WHERE published = 1 ORDER BY seq DESC LIMIT ?",
		  "i", (int64_t)LAST_MESSAGES);
	while (list && sql_next(&rows)) {
		size_t len;
		const char *text = sql_col_blob(&rows, 2, &len);
		json_t *m = text ? json_loadb(text, len, 0, NULL) : NULL;
		const char *title = json_string_value(json_object_get(m, "title"));
		const char *body = json_string_value(json_object_get(m, "message"));
		json_array_append_new(
			list, json_pack("{s:s, s:I, s:s}", "topic",
					sql_col_text(&rows, 0), "sent_time",
					(json_int_t)sql_col_int(&rows, 1), "title",
					title ? title : body ? body : ""));
		json_decref(m);
	}
	if (sql_end(&rows)) {
		json_decref(list);
		return json_array();
	}
	return list;
}

/* The targets that failed last, newest first. */
static json_t *failed_targets(const struct notify_apprise *ap)
{
	json_t *list = json_array();
	for (size_t k = 1; ap && list && k <= AP_FAILED_KEPT; k++) {
		const struct ap_failure *f =
			&ap->failed[(ap->failed_next + AP_FAILED_KEPT - k) %
				    AP_FAILED_KEPT];
		if (!f->url)
			continue;
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:I}", "target", f->url,
						"reason", f->reason, "failed_time",
						(json_int_t)f->at));
	}
	return list;
}

json_t *notify_summary(void *room, bool details)
{
	struct notify_room *r = room;
	const struct notify_stats *st = &r->stats;
	json_t *o = json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "messages published",
		(json_int_t)notify_sum(st->published, 2), "messages delivered",
		(json_int_t)notify_sum(st->delivered, 4), "subscribers (json)",
		(json_int_t)st->subs[NOTIFY_JSON], "subscribers (sse)",
		(json_int_t)st->subs[NOTIFY_SSE], "subscribers (raw)",
		(json_int_t)st->subs[NOTIFY_RAW], "subscribers (websocket)",
		(json_int_t)st->subs[NOTIFY_WS], "slow subscribers dropped",
		(json_int_t)st->dropped);
	if (!o)
		return NULL;
	if (r->apprise) {
		uint64_t failed = 0;
		for (size_t i = 0; i < APPRISE_SCHEME_COUNT; i++)
			failed += r->apprise->deliveries[i][1];
		json_object_set_new(o, "apprise targets failed",
				    json_integer((json_int_t)failed));
	}
	/* Topic names and message titles may say more than counts do: only
	 * with the management key, like the dhcp room's client names. */
	if (details) {
		json_object_set_new(o, "topics", notify_sub_topics(r, TOPICS_SHOWN));
		json_object_set_new(o, "last messages", last_messages(r));
		json_object_set_new(o, "failing targets", failed_targets(r->apprise));
	}
	return o;
}
