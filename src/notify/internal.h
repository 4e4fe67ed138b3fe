/* SPDX-License-Identifier: MIT */
/* What the notify room's files share: the room struct, its HTTP side and the Apprise hooks. */
#ifndef HEARTH_NOTIFY_INTERNAL_H
#define HEARTH_NOTIFY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "core/room.h"
#include "core/services.h"
#include "core/workq.h"
#include "notify/config.h"
#include "notify/store.h"

/* The Apprise side of the room (apprise*.c): its own server on
 * notify.apprise.listen, its keys and targets. Opaque here. */
struct notify_apprise;

struct notify_room {
	uv_loop_t *loop;
	const struct clock *clock;
	struct metrics *metrics;
	struct http_client *http_client;
	struct config *cfg; /* a reference; swapped on reload */
	/*
	 * @store is the daemon's connection (loop thread): cache reads.
	 * Writes (publish, delivery of delayed messages, expiry) run on
	 * @strand through @wstore, the room's own connection, so the fsync
	 * never blocks the loop and commits land in order; the answer to a
	 * publish goes out after its commit (http_defer).
	 */
	struct store *store;
	struct store *wstore;
	struct workq_strand *strand;
	struct http_server *http; /* notify.listen */
	/* What the room offers the others (services->notify). */
	struct room_notify_publisher publisher;
	/* The Apprise side; NULL while it is not configured or built. */
	struct notify_apprise *apprise;
	/* Handles and strand jobs still to come back before the room can
	 * be freed (close). */
	int pending;
	bool closing;
};

/* ---- HTTP (api.c) ---- */

/* Adds the ntfy-compatible routes to @r->http. */
int notify_api_register(struct notify_room *r);

/* ---- the Apprise side (apprise_hook.c until it is built) ---- */

/* Opens the Apprise API on notify.apprise.listen when configured (binds
 * its socket: called from the room's open). 0 or a hearth code. */
int notify_apprise_open(struct notify_room *r, const struct room_ctx *ctx);
/* Starts serving it (the room's start). */
int notify_apprise_start(struct notify_room *r);
/* Takes a new config on reload (cannot fail). */
void notify_apprise_reload(struct notify_room *r, const struct config *cfg);
/* Closes it; the room's free waits until @done(@r) ran once. */
void notify_apprise_close(struct notify_room *r, void (*done)(void *ud));
/*
 * Sends @m to the Apprise URL @url of a route (asynchronously; the
 * outcome is logged and counted, never reported back). 0 when queued,
 * -ENOSYS while the Apprise side is not built, or a negative code.
 */
int notify_apprise_route(struct notify_room *r, const char *url,
			 const struct room_notify_msg *m);

#endif
