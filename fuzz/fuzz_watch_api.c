/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the watch API's JSON bodies (monitors, maintenance windows, status pages, notifications) through the JSON parser and their readers. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/rooms.h"
#include "core/config_schema.h"
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
	static struct config_schema schema;
	static int ready;
	if (!ready++)
		config_schema_init(&schema, hearth_rooms);
	const struct cfg_watch_monitor *m = NULL;
	struct config *snap = NULL;
	char why[160] = "";
	int rc = watch_spec_parse(&schema, o, &snap, &m, why, sizeof(why));
	if (rc == -EINVAL && !strchr(why, ':')) {
		fprintf(stderr, "fuzz_watch_api: refusal without a field: %s\n", why);
		abort();
	}
	if (!rc && (!m->name || m->interval < 1 || m->timeout_ms <= 0 ||
		    m->port < 0 || m->port > 65535)) {
		fprintf(stderr, "fuzz_watch_api: accepted out of range\n");
		abort();
	}
	config_unref(snap);
	/* The same body as a maintenance window's. */
	const struct cfg_watch_maint *mw = NULL;
	rc = watch_window_spec_parse(&schema, o, &snap, &mw, why, sizeof(why));
	if (rc == -EINVAL && !strchr(why, ':')) {
		fprintf(stderr, "fuzz_watch_api: window refused without a field: %s\n", why);
		abort();
	}
	if (!rc && (!mw || !mw->name)) {
		fprintf(stderr, "fuzz_watch_api: window without a name\n");
		abort();
	}
	config_unref(snap);
	/* ... a status page's (groups' monitors by name or id) ... */
	const struct cfg_watch_page *pg = NULL;
	rc = watch_page_spec_parse(&schema, o, &snap, &pg, why, sizeof(why));
	if (rc == -EINVAL && !strchr(why, ':')) {
		fprintf(stderr, "fuzz_watch_api: page refused without a field: %s\n", why);
		abort();
	}
	if (!rc && (!pg || !pg->slug || !*pg->slug || !pg->title ||
		    pg->auto_refresh < 0)) {
		fprintf(stderr, "fuzz_watch_api: page accepted out of range\n");
		abort();
	}
	config_unref(snap);
	/* ... and a notification's. */
	const struct cfg_watch_notification *nt = NULL;
	rc = watch_notif_spec_parse(&schema, o, &snap, &nt, why, sizeof(why));
	if (rc == -EINVAL && !strchr(why, ':')) {
		fprintf(stderr, "fuzz_watch_api: notification refused without a field: %s\n", why);
		abort();
	}
	if (!rc && (!nt || !nt->n_to || !nt->mask ||
		    (nt->mask & ~(unsigned)WATCH_NOTIFY_ALL))) {
		fprintf(stderr, "fuzz_watch_api: notification accepted out of range\n");
		abort();
	}
	config_unref(snap);
	json_decref(o);
	return 0;
}
