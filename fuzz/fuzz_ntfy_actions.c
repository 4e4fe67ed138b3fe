/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ntfy action buttons in JSON and simple format, and what comes out of them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/notify/ntfy_actions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ntfy_actions: %s\n", what);
		abort();
	}
}

static void ids(char out[NTFY_ACTION_ID_LEN + 1], void *ud)
{
	(void)ud;
	memcpy(out, "abcdefghij", NTFY_ACTION_ID_LEN + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *out = NULL;
	char why[120];
	if (ntfy_actions_parse((const char *)data, size, ids, NULL, &out, why,
			       sizeof(why)))
		return 0;
	check(json_is_array(out) && json_array_size(out) <= NTFY_ACTIONS_MAX,
	      "at most three actions");
	size_t i;
	json_t *a;
	json_array_foreach(out, i, a) {
		const char *t = json_string_value(json_object_get(a, "action"));
		check(t && (!strcmp(t, "view") || !strcmp(t, "http") ||
			    !strcmp(t, "broadcast") || !strcmp(t, "copy")),
		      "known action");
		const char *l = json_string_value(json_object_get(a, "label"));
		check(l && *l, "a label");
		if (!strcmp(t, "view") || !strcmp(t, "http")) {
			const char *u = json_string_value(json_object_get(a, "url"));
			check(u && *u, "a url");
		}
	}
	free(json_dumps(out, JSON_COMPACT));
	json_decref(out);
	return 0;
}
