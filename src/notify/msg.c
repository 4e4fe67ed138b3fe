/* SPDX-License-Identifier: MIT */
/* The notify room's messages: ids, the JSON ntfy sends, its framings, and subscription filters. */
#include "notify/msg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char alnum[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

void notify_random_id(char *out, size_t len)
{
	size_t w = 0;
	while (w < len) {
		unsigned char b[32];
		if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
			abort(); /* no entropy: nothing sensible to do */
		for (size_t i = 0; i < sizeof(b) && w < len; i++)
			if (b[i] < 248) /* 4 * 62: no modulo bias */
				out[w++] = alnum[b[i] % 62];
	}
	out[len] = '\0';
}

void notify_action_id(char out[11], void *ud)
{
	(void)ud;
	notify_random_id(out, 10);
}

struct notify_msg *notify_msg_new(const char *topic, int64_t time,
				  int64_t expires, const char *event)
{
	struct notify_msg *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	notify_random_id(m->id, 12);
	snprintf(m->topic, sizeof(m->topic), "%s", topic);
	m->time = time;
	m->expires = expires;
	m->j = json_object();
	if (!m->j) {
		free(m);
		return NULL;
	}
	json_object_set_new(m->j, "id", json_string(m->id));
	json_object_set_new(m->j, "time", json_integer(time));
	if (expires)
		json_object_set_new(m->j, "expires", json_integer(expires));
	json_object_set_new(m->j, "event", json_string(event));
	json_object_set_new(m->j, "topic", json_string(m->topic));
	return m;
}

int notify_msg_seal(struct notify_msg *m)
{
	free(m->text);
	m->text = json_dumps(m->j, JSON_COMPACT);
	return m->text ? 0 : -ENOMEM;
}

struct notify_msg *notify_msg_load(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *topic = json_string_value(json_object_get(j, "topic"));
	struct notify_msg *m = j && id && topic ? calloc(1, sizeof(*m)) : NULL;
	if (!m) {
		json_decref(j);
		return NULL;
	}
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->topic, sizeof(m->topic), "%s", topic);
	m->time = json_integer_value(json_object_get(j, "time"));
	m->expires = json_integer_value(json_object_get(j, "expires"));
	m->j = j;
	m->text = strndup(text, len);
	if (!m->text) {
		notify_msg_free(m);
		return NULL;
	}
	return m;
}

void notify_msg_free(struct notify_msg *m)
{
	if (!m)
		return;
	json_decref(m->j);
	free(m->text);
	free(m);
}

char *notify_event_text(const char *event, int64_t time, const char *topics)
{
	char id[13];
	notify_random_id(id, 12);
	json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "id", id, "time",
			      (json_int_t)time, "event", event, "topic",
			      topics);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

void notify_filter_free(struct notify_filter *f)
{
	free(f->id);
	free(f->message);
	free(f->title);
	for (size_t i = 0; i < f->n_tags; i++)
		free(f->tags[i]);
	free(f->tags);
	memset(f, 0, sizeof(*f));
}

static bool str_is(const json_t *j, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(j, key));
	return strcmp(v ? v : "", want) == 0;
}

bool notify_filter_match(const struct notify_filter *f,
			 const struct notify_msg *m)
{
	if (f->id && strcmp(m->id, f->id) != 0)
		return false;
	if (f->message && !str_is(m->j, "message", f->message))
		return false;
	if (f->title && !str_is(m->j, "title", f->title))
		return false;
	if (f->prio_mask) {
		json_int_t p = json_integer_value(json_object_get(m->j, "priority"));
		if (p < 1 || p > 5)
			p = 3;
		if (!(f->prio_mask & (1u << p)))
			return false;
	}
	const json_t *tags = json_object_get(m->j, "tags");
	for (size_t i = 0; i < f->n_tags; i++) {
		bool found = false;
		size_t k;
		const json_t *t;
		json_array_foreach(tags, k, t) {
			const char *s = json_string_value(t);
			if (s && strcmp(s, f->tags[i]) == 0)
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

const char *notify_framing_type(enum notify_framing f)
{
	switch (f) {
	case NOTIFY_SSE:
		return "text/event-stream; charset=utf-8";
	case NOTIFY_RAW:
		return "text/plain; charset=utf-8";
	default:
		return "application/x-ndjson; charset=utf-8";
	}
}

int notify_frame(struct buf *out, enum notify_framing f, const char *event,
		 const char *text, const json_t *j)
{
	bool is_msg = strcmp(event, "message") == 0;
	switch (f) {
	case NOTIFY_JSON:
	case NOTIFY_WS:
		if (buf_append(out, text, strlen(text)))
			return -ENOMEM;
		return f == NOTIFY_JSON ? buf_append(out, "\n", 1) : 0;
	case NOTIFY_SSE:
		if (!is_msg && buf_printf(out, "event: %s\n", event))
			return -ENOMEM;
		return buf_printf(out, "data: %s\n\n", text);
	case NOTIFY_RAW: {
		const char *msg = is_msg ? json_string_value(json_object_get(j, "message")) : NULL;
		for (const char *p = msg ? msg : ""; *p; p++)
			if (buf_append(out, *p == '\n' || *p == '\r' ? " " : p, 1))
				return -ENOMEM;
		return buf_append(out, "\n", 1);
	}
	}
	return -EINVAL;
}
