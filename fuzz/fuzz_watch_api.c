/* SPDX-License-Identifier: MIT */
/* libFuzzer target: POST /api/v1/watch/monitors bodies through the JSON parser and the monitor spec reader. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/spec.h"

/*
 * Whatever the body, the reader either fills a monitor whose settings
 * are in range, or refuses with "field: reason"; it never crashes.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = json_loadb((const char *)data, size, 0, NULL);
	if (!o)
		return 0;
	struct cfg_watch_monitor c;
	char why[160] = "";
	int rc = watch_spec_parse(o, &c, why, sizeof(why));
	if (rc && !strchr(why, ':')) {
		fprintf(stderr, "fuzz_watch_api: refusal without a field\n");
		abort();
	}
	if (!rc && (!c.name || c.interval < 1 || c.timeout_ms <= 0 ||
		    c.port < 0 || c.port > 65535)) {
		fprintf(stderr, "fuzz_watch_api: accepted out of range\n");
		abort();
	}
	json_decref(o);
	return 0;
}
