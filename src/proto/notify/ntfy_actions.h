/* SPDX-License-Identifier: MIT */
/* ntfy action buttons: the JSON and the "simple" header format, validated into JSON. Pure. */
#ifndef HEARTH_PROTO_NOTIFY_NTFY_ACTIONS_H
#define HEARTH_PROTO_NOTIFY_NTFY_ACTIONS_H

#include <jansson.h>
#include <stddef.h>

#define NTFY_ACTIONS_MAX 3
#define NTFY_ACTION_ID_LEN 10

/* Writes a new action id (NTFY_ACTION_ID_LEN chars and a NUL). */
typedef void (*ntfy_action_id_fn)(char out[NTFY_ACTION_ID_LEN + 1], void *ud);

/*
 * Parses @text (@len bytes): a JSON array when it starts with '[', else
 * the simple format ("view, Open, https://x, clear=true; http, ...").
 * On success *out is a new JSON array (caller json_decrefs; "[]" gives
 * an empty one: no actions) of at most
 * NTFY_ACTIONS_MAX objects as ntfy sends them: id (from @make_id),
 * action (lower case: view, broadcast, http, copy), label, clear, url,
 * method (http, upper case, default POST), headers, body, intent
 * (broadcast, default io.heckel.ntfy.USER_ACTION), extras, value (copy).
 * Returns 0, or -EINVAL with the reason in @why (@why_cap bytes).
 */
int ntfy_actions_parse(const char *text, size_t len, ntfy_action_id_fn make_id,
		       void *ud, json_t **out, char *why, size_t why_cap);

/* The same for an already parsed JSON value (the JSON publish's
 * "actions" field). */
int ntfy_actions_from_json(const json_t *arr, ntfy_action_id_fn make_id,
			   void *ud, json_t **out, char *why, size_t why_cap);

#endif
