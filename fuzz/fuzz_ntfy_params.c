/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ntfy's publish options from header/query lines, JSON publish bodies, since= and delays. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/notify/ntfy_pub.h"
#include "proto/notify/ntfy_topic.h"

/*
 * The input is lines: "Name: value" is a header, "?name=value" a query
 * argument. The same bytes are also tried whole as a JSON publish body,
 * a since= value, a delay and MIME words. Whatever parses must hold
 * together: valid UTF-8 where JSON needs it, priorities in range, at most
 * three actions, a delay inside the limits.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ITEMS 32

struct req {
	char *name[MAX_ITEMS], *value[MAX_ITEMS];
	bool header[MAX_ITEMS];
	size_t n;
};

static const char *get(void *ud, const char *name, bool header)
{
	struct req *r = ud;
	for (size_t i = 0; i < r->n; i++)
		if (r->header[i] == header &&
		    (header ? strcasecmp(r->name[i], name)
			    : strcmp(r->name[i], name)) == 0)
			return r->value[i];
	return NULL;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ntfy_params: %s\n", what);
		abort();
	}
}

static void ids(char out[NTFY_ACTION_ID_LEN + 1], void *ud)
{
	(void)ud;
	memcpy(out, "0123456789", NTFY_ACTION_ID_LEN + 1);
}

static void check_pub(const struct ntfy_pub *p, const struct ntfy_pub_env *env)
{
	check(p->priority >= 0 && p->priority <= 5, "priority in range");
	check(json_array_size(p->actions) <= NTFY_ACTIONS_MAX, "three actions");
	if (p->delay_at)
		check(p->delay_at >= env->now + env->delay_min &&
			      p->delay_at <= env->now + env->delay_max,
		      "delay within the limits");
	if (p->tags) {
		char *s = json_dumps(p->tags, JSON_COMPACT);
		free(s); /* may be NULL for invalid UTF-8: the room refuses it */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct ntfy_pub_env env = {
		.now = 1796169600, .tz_off = 3600, .delay_min = 10,
		.delay_max = 3 * 86400, .cache_enabled = true, .make_id = ids,
	};

	struct req r = {.n = 0};
	char *save = NULL;
	char *copy = strdup(text);
	for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL;
	     line && r.n < MAX_ITEMS; line = strtok_r(NULL, "\n", &save)) {
		char *sep = line[0] == '?' ? strchr(line, '=') : strchr(line, ':');
		if (!sep)
			continue;
		*sep = '\0';
		r.header[r.n] = line[0] != '?';
		r.name[r.n] = line[0] == '?' ? line + 1 : line;
		r.value[r.n] = sep + 1;
		r.n++;
	}
	struct ntfy_pub p;
	struct ntfy_err e;
	if (ntfy_pub_parse(get, &r, get(&r, "Content-Type", true),
			   get(&r, "Content-Encoding", true), &env, &p, &e) == 0)
		check_pub(&p, &env);
	else
		check(e.http >= 400 && e.http < 600 && e.code >= 40000, "error shape");
	ntfy_pub_free(&p);

	char topic[65];
	if (ntfy_pub_parse_json(text, size, get, &r, &env, topic, &p, &e) == 0) {
		check(ntfy_topic_valid(topic, strlen(topic)), "JSON topic valid");
		check_pub(&p, &env);
	}
	ntfy_pub_free(&p);

	struct ntfy_since since;
	if (ntfy_parse_since(text, size, env.now, &since) == 0 &&
	    since.kind == NTFY_SINCE_ID)
		check(ntfy_is_message_id(since.id, strlen(since.id)), "since id");
	int64_t at, d;
	(void)ntfy_parse_delay(text, size, env.now, env.tz_off, &at);
	if (ntfy_parse_duration(text, size, &d) == 0)
		check(d >= 0 && d <= INT64_C(100) * 365 * 86400, "duration range");
	char out[256];
	int n = ntfy_mime_decode(text, size, out, sizeof(out));
	check(n < (int)sizeof(out), "decoded within the buffer");
	(void)ntfy_utf8_valid(text, size);
	free(copy);
	free(text);
	return 0;
}
