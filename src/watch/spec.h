/* SPDX-License-Identifier: MIT */
/* The JSON body of POST /api/v1/watch/monitors read into a monitor's settings. */
#ifndef HEARTH_WATCH_SPEC_H
#define HEARTH_WATCH_SPEC_H

#include <jansson.h>
#include <stddef.h>

#include "watch/config.h"

/*
 * Reads @o, a `watch.monitors` entry as JSON, with the config loader and
 * @schema (so every type and rule of the config file holds, defaults
 * too): whole numbers for durations (seconds), null as absent; `id`,
 * `depends_on` and `parent` refused (config only). On success *snap is
 * a new snapshot (one reference, the caller's to config_unref) and *out
 * the monitor inside it; else -EINVAL with "field: reason" in @why, or
 * -ENOMEM. Any thread. `notifications` (a list of names) is checked for
 * its shape only and left out: the caller checks the names against the
 * notifications it has (the body keeps them).
 */
int watch_spec_parse(const struct config_schema *schema, json_t *o,
		     struct config **snap, const struct cfg_watch_monitor **out,
		     char *why, size_t n);

/*
 * Likewise a `watch.maintenance` entry (Kuma's strategies): the config's
 * rules, its `monitors` left out (the caller checks them against the
 * monitors it runs and points the window at the body's strings).
 */
int watch_window_spec_parse(const struct config_schema *schema, json_t *o,
			    struct config **snap,
			    const struct cfg_watch_maint **out, char *why,
			    size_t n);

/*
 * Likewise a `watch.status_pages` entry: each group's `monitors` (names
 * or ids) is checked for its shape and left out of the page (the caller
 * resolves them against the monitors it runs).
 */
int watch_page_spec_parse(const struct config_schema *schema, json_t *o,
			  struct config **snap,
			  const struct cfg_watch_page **out, char *why,
			  size_t n);

/* Likewise a `watch.notifications` entry (an alert route). */
int watch_notif_spec_parse(const struct config_schema *schema, json_t *o,
			   struct config **snap,
			   const struct cfg_watch_notification **out,
			   char *why, size_t n);

#endif
