/* SPDX-License-Identifier: MIT */
/* The interface every room (dns, dhcp, ...) offers the daemon's lifecycle. */
#ifndef HEARTH_CORE_ROOM_H
#define HEARTH_CORE_ROOM_H

#include <stdbool.h>
#include <uv.h>

#include "core/config.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/store.h"

/*
 * The daemon lives in core, below the rooms; hearthd's main() hands it a
 * table of rooms, so core never includes a room's headers. Each call runs
 * on the loop thread.
 */

/* What a room may use; all owned by the daemon and outliving the room. */
struct room_ctx {
	uv_loop_t *loop;
	struct store *store;
	struct metrics *metrics;
	struct http_server *http; /* NULL when http is disabled */
};

struct room_ops {
	const char *name;
	/* True when the config enables the room. */
	bool (*enabled)(const struct config *cfg);
	/* Loads state and binds sockets (still privileged). */
	int (*open)(const struct room_ctx *ctx, const struct config *cfg,
		    void **room);
	/* Starts serving (after privileges are dropped). */
	int (*start)(void *room);
	/* Applies a new config; on failure the room keeps its old state and
	 * logs why. */
	int (*reload)(void *room, const struct config *cfg);
	/* Stops serving and frees everything (handles closed on the loop). */
	void (*close)(void *room);
	/* "running", "failed", ... for /healthz. */
	const char *(*state)(void *room);
};

#endif
