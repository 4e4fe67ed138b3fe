/* SPDX-License-Identifier: MIT */
/* The interface every room (dns, dhcp, ...) offers the daemon's lifecycle. */
#ifndef HEARTH_CORE_ROOM_H
#define HEARTH_CORE_ROOM_H

#include <stdbool.h>
#include <uv.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/http_server.h"
#include "core/metrics.h"
#include "core/store.h"
#include "core/workq.h"

/*
 * The daemon lives in core, below the rooms; hearthd's main() hands it a
 * table of rooms, so core never includes a room's headers. Each call runs
 * on the loop thread.
 */

/*
 * A host name for the dns room to serve while a lease lasts: what the
 * dhcp room calls on ACK (add) and on release or expiry (remove). The dns
 * room fills it in when it opens; rooms open in table order, so dns
 * comes before dhcp. @name is one label, @domain without a trailing dot,
 * @ip in network byte order. add() returns 0, or -EEXIST when a static
 * record holds the name (the lease still works; the clash is logged).
 */
struct room_dns_registrar {
	void *ud;
	int (*add)(void *ud, const char *name, const char *domain,
		   uint32_t ip);
	void (*remove)(void *ud, const char *name, const char *domain,
		       uint32_t ip);
	/* Serves the changes made so far at once (otherwise they are
	 * published after a short delay, batched). */
	void (*flush)(void *ud);
};

/* Services rooms offer each other, through the daemon (never by reaching
 * into another room's structs). NULL members are not offered. */
struct room_services {
	struct room_dns_registrar *dns;
};

/* What a room may use; all owned by the daemon and outliving the room. */
struct room_ctx {
	uv_loop_t *loop;
	struct store *store;
	struct metrics *metrics;
	struct http_server *http; /* NULL when http is disabled */
	struct room_services *services;
	/* Blocking work off the loop (core/workq.h). A room that writes
	 * from the pool opens its own connection (store_open_peer) and
	 * keeps those writes on one strand. */
	struct workq *workq;
	/* Time and timers (core/clock.h); engines take it so unit tests can
	 * script time. */
	const struct clock *clock;
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
