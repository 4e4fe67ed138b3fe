/* SPDX-License-Identifier: MIT */
/* What the dhcp room's files share: leases, interfaces, the pending batch. */
#ifndef HEARTH_DHCP_INTERNAL_H
#define HEARTH_DHCP_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "core/room.h"
#include "dhcp/config.h"
#include "dhcp/store.h"
#include "proto/dhcp/msg.h"

enum dhcp_lease_state {
	DHCP_LEASE_OFFERED,  /* in memory only, short-lived */
	DHCP_LEASE_BOUND,    /* acknowledged: durable */
	DHCP_LEASE_DECLINED, /* a client said the address is in use */
};

struct dhcp_lease {
	uint32_t ip; /* host byte order */
	uint8_t mac[6];
	uint8_t cid[64];
	uint8_t cid_len;
	char hostname[64]; /* "" when none */
	int64_t expires;   /* unix seconds */
	enum dhcp_lease_state state;
	bool registered; /* its name is in DNS */
	char domain[256]; /* where it is registered */
};

/*
 * Leases in an open-addressing table keyed by address, with a second
 * index from the client id's hash to the address. Pointers returned stay
 * valid until the next put or del. Loop thread only.
 */
struct dhcp_cid_slot {
	uint32_t hash;
	uint32_t ip; /* 0: empty */
};

struct dhcp_leases {
	struct dhcp_lease *slots; /* ip 0: empty; see used[] */
	uint8_t *used;		  /* 0 empty, 1 live, 2 deleted */
	struct dhcp_cid_slot *cids;
	size_t cap;		  /* power of two (both tables) */
	size_t n, tombs;
};

/* Iterates live leases: *pos starts at 0; NULL at the end. */
struct dhcp_lease *dhcp_leases_next(struct dhcp_leases *t, size_t *pos);

struct dhcp_lease *dhcp_leases_by_ip(struct dhcp_leases *t, uint32_t ip);
struct dhcp_lease *dhcp_leases_by_client(struct dhcp_leases *t,
					 const uint8_t *cid, size_t cid_len);
/* Adds (or returns the existing) lease for @ip; NULL when out of memory. */
struct dhcp_lease *dhcp_leases_put(struct dhcp_leases *t, uint32_t ip);
void dhcp_leases_del(struct dhcp_leases *t, uint32_t ip);
/* Call after setting a lease's client id. */
void dhcp_leases_reindex(struct dhcp_leases *t, const struct dhcp_lease *l);
void dhcp_leases_free(struct dhcp_leases *t);

struct dhcp_iface {
	char name[IF_NAMESIZE];
	int index;
	uint32_t addr; /* network byte order; 0 when it has none */
	uint32_t mask;
	int fd;
	uv_poll_t poll;
	bool polling;
	struct dhcp_room *room;
};

/* A reply waiting for its lease to be durable (batched commit). */
struct dhcp_out {
	struct dhcp_iface *ifc;
	struct sockaddr_in to;
	bool arp; /* install an ARP entry for to -> chaddr first */
	uint8_t chaddr[6];
	size_t len;
	uint8_t buf[DHCP_MAX_LEN];
};

/* A DNS registration change to make once the batch is durable. */
struct dhcp_dnsop {
	bool add;
	char name[64];
	char domain[256];
	uint32_t ip; /* network order */
};

#define DHCP_BATCH 64

struct dhcp_stats {
	uint64_t rx[9];	    /* by message type; [0] unparsable */
	uint64_t tx[9];	    /* by message type */
	uint64_t exhausted; /* DISCOVERs with no address to offer */
	uint64_t dropped;
};

struct dhcp_ping;

struct dhcp_room {
	uv_loop_t *loop;
	struct store *store;
	struct config *cfg;
	struct room_services *svc;
	struct dhcp_iface *ifs;
	size_t n_ifs;
	struct dhcp_leases leases;
	uint32_t next_free; /* where the search for a new address resumes */
	struct dhcp_ping *ping; /* NULL without dhcp.ping_check */
	uv_timer_t *sweep; /* own allocation: freed in its close callback */
	/* The batch being built while a burst of packets is read. */
	struct dhcp_store_change *changes;
	struct dhcp_store_lease *change_leases;
	struct dhcp_lease *change_copies;
	size_t n_changes;
	struct dhcp_out *outs;
	size_t n_outs;
	struct dhcp_dnsop dnsops[DHCP_BATCH * 2];
	size_t n_dnsops;
	struct dhcp_stats stats;
	int closing;
};

/* The seam for the clock (tests of the engine could replace it). */
int64_t dhcp_now(void);

/* Handles one request that arrived on @ifc; replies go to the batch or
 * out at once. (engine.c) */
void dhcp_handle(struct dhcp_room *r, struct dhcp_iface *ifc,
		 const uint8_t *pkt, size_t len);

/* Ends a lease (RELEASE, DELETE through the API, expiry): durable
 * removal in the batch, and its name leaves DNS. */
void dhcp_lease_end(struct dhcp_room *r, uint32_t ip);

/* Queues a lease write (put) or delete for the batch. */
void dhcp_batch_put(struct dhcp_room *r, const struct dhcp_lease *l);
void dhcp_batch_del(struct dhcp_room *r, uint32_t ip);
void dhcp_batch_dns(struct dhcp_room *r, bool add, const char *name,
		    const char *domain, uint32_t ip_host);
/* Sends @o now (no durability needed), or queues it after the commit. */
void dhcp_send(struct dhcp_room *r, const struct dhcp_out *o, bool after_commit);
/* Commits the batch, then sends its replies and applies its DNS changes.
 * On a failed commit the replies are dropped (clients retry). (io.c) */
void dhcp_flush(struct dhcp_room *r);

int dhcp_io_open(struct dhcp_room *r);
int dhcp_io_start(struct dhcp_room *r);
void dhcp_io_close(struct dhcp_room *r);

/* Marks @ip (host order) in use by an unknown host, for a while. */
void dhcp_quarantine(struct dhcp_room *r, uint32_t ip, int64_t now);

/* Ping check (ping.c). dhcp_ping_defer sends an echo to @ip and keeps the
 * DISCOVER to handle again later; false when it cannot (then offer). */
int dhcp_ping_open(struct dhcp_room *r, struct dhcp_ping **out);
int dhcp_ping_start(struct dhcp_ping *p);
bool dhcp_ping_checked(struct dhcp_ping *p, uint32_t ip, int64_t now);
bool dhcp_ping_defer(struct dhcp_ping *p, struct dhcp_iface *ifc, uint32_t ip,
		     const uint8_t *pkt, size_t len);
void dhcp_ping_close(struct dhcp_ping *p);

/* GET/DELETE /api/v1/dhcp/leases (api.c). */
int dhcp_api_register(struct dhcp_room *r, struct http_server *http);

#endif
