/* SPDX-License-Identifier: MIT */
/* ntfy's publish options from headers and query (every alias of the spec) and its JSON publish. Pure. */
#ifndef HEARTH_PROTO_NOTIFY_NTFY_PUB_H
#define HEARTH_PROTO_NOTIFY_NTFY_PUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/notify/ntfy_actions.h"
#include "proto/notify/ntfy_params.h"

/* An error as ntfy answers it: HTTP status, ntfy code, text. */
struct ntfy_err {
	int http;
	int code;
	char error[160];
};

/* What the limits and the clock are for this parse. */
struct ntfy_pub_env {
	int64_t now;	   /* unix seconds */
	int64_t tz_off;	   /* local offset from UTC, seconds */
	int64_t delay_min; /* seconds */
	int64_t delay_max;
	bool cache_enabled; /* notify.cache_duration > 0 */
	ntfy_action_id_fn make_id;
	void *id_ud;
};

/* The options of one publish. Strings are malloc'd (NULL: not given);
 * ntfy_pub_free releases them. */
struct ntfy_pub {
	char *title, *message, *click, *icon, *attach, *filename;
	char *sequence_id, *poll_id;
	int priority;	  /* 0: not given (3) */
	json_t *tags;	  /* array of strings, or NULL */
	json_t *actions;  /* as ntfy_actions_parse, or NULL */
	int64_t delay_at; /* unix seconds; 0: now */
	bool markdown, cache, firebase, unifiedpush, template_;
	bool has_filename, has_message;
};

void ntfy_pub_free(struct ntfy_pub *p);

/*
 * Reads the publish options through @get (headers first, then query, as
 * ntfy_param). @content_type is the request's Content-Type (for
 * text/markdown) and @content_encoding its Content-Encoding (aes128gcm
 * means UnifiedPush); both may be NULL. Header values may be RFC 2047
 * encoded. Returns 0 and fills @p (ntfy_pub_free it either way), or
 * -EINVAL with @err filled as ntfy would answer.
 */
int ntfy_pub_parse(ntfy_get_fn get, void *ud, const char *content_type,
		   const char *content_encoding, const struct ntfy_pub_env *env,
		   struct ntfy_pub *p, struct ntfy_err *err);

/*
 * A JSON publish body (PUT/POST /): types checked strictly (priority an
 * integer, tags an array of strings, markdown a boolean, actions an
 * array, the others strings), then read as ntfy_pub_parse reads headers.
 * Options the body leaves out are read through @get (the request's own
 * headers and query, as ntfy sets the body's fields as headers on the
 * request; may be NULL). The topic into @topic (at most 64 chars and a
 * NUL). Returns 0, or -EINVAL with @err (40024 invalid JSON or types,
 * 40009 topic).
 */
int ntfy_pub_parse_json(const char *body, size_t len, ntfy_get_fn get,
			void *ud, const struct ntfy_pub_env *env, char topic[65],
			struct ntfy_pub *p, struct ntfy_err *err);

#endif
