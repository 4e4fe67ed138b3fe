/* SPDX-License-Identifier: MIT */
/* What the dhcp room's files share: the room, its sockets, ping check and API. */
#ifndef HEARTH_DHCP_INTERNAL_H
#define HEARTH_DHCP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "core/room.h"
#include "core/workq.h"
#include "dhcp/config.h"
#include "dhcp/engine.h"
#include "dhcp/store.h"
#include "proto/dhcp/msg.h"

/* Batches handed to the strand before the sockets stop being read. */
#define DHCP_MAX_INFLIGHT 4

struct dhcp_ping;

struct dhcp_room {
	uv_loop_t *loop;
	/*
	 * Two connections to the one database: @store is the daemon's
	 * (loop thread; the dns room writes through it too) and is used
	 * here only to load the leases at open. Lease commits run on a
	 * work queue strand through @wstore, a connection of this room's
	 * own that no other thread touches: the strand runs one job at a
	 * time, so @wstore is never used concurrently, and commits land in
	 * the order the engine made them. The two connections are two
	 * writers of one WAL database: SQLite serialises them on its write
	 * lock (BEGIN IMMEDIATE waits up to busy_timeout), never corrupts.
	 */
	struct store *store;
	struct store *wstore;
	struct workq_strand *strand;
	struct dhcp_iface *ifs;
	size_t n_ifs;
	struct dhcp_engine eng;
	struct dhcp_ping *ping; /* NULL without dhcp.ping_check */
	bool paused; /* reading stopped: too many commits in flight */
	bool arp_warned; /* said once that ARP entries fail */
	int closing; /* handles and commits still to come back */
};

/* Sends @o now (the engine's io.send). (io.c) */
void dhcp_io_send(void *room, const struct dhcp_out *o);
/* Stops or resumes reading the sockets. */
void dhcp_io_pause(struct dhcp_room *r, bool pause);

int dhcp_io_open(struct dhcp_room *r);
int dhcp_io_start(struct dhcp_room *r);

/* Ping check (ping.c). dhcp_ping_defer sends an echo to @ip and keeps the
 * DISCOVER to handle again later; false when it cannot (then offer). */
int dhcp_ping_open(struct dhcp_room *r, struct dhcp_ping **out);
int dhcp_ping_start(struct dhcp_ping *p);
bool dhcp_ping_checked(void *room, uint32_t ip, int64_t now);
bool dhcp_ping_defer(void *room, struct dhcp_iface *ifc, uint32_t ip,
		     const uint8_t *pkt, size_t len);
void dhcp_ping_close(struct dhcp_ping *p);

/* The status page's summary (summary.c, room_ops.summary): leases per
 * subnet and the newest ones; their MACs and names only with @details. */
json_t *dhcp_summary(void *room, bool details);

/* GET/DELETE /api/v1/dhcp/leases (api.c). */
int dhcp_api_register(struct dhcp_room *r, struct http_server *http);

#endif
