/* SPDX-License-Identifier: MIT */
/* The JSON body of POST /api/v1/watch/monitors read into a monitor's settings. */
#ifndef HEARTH_WATCH_SPEC_H
#define HEARTH_WATCH_SPEC_H

#include <jansson.h>
#include <stddef.h>

#include "watch/config.h"

/*
 * Fills @c from @o: name and type (http, keyword, json-query, port,
 * ping) required, the rest with Kuma's defaults; unknown fields refused.
 * The strings in @c point into @o (keep @o while @c is used); codes are
 * left to the caller (200-299). 0, or -EINVAL with "field: reason" in
 * @why. Pure; any thread.
 */
int watch_spec_parse(json_t *o, struct cfg_watch_monitor *c, char *why,
		     size_t n);

#endif
