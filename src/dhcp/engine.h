/* SPDX-License-Identifier: MIT */
/* The DHCP engine: message in -> decisions, lease changes, replies out, through a seam. */
#ifndef HEARTH_DHCP_ENGINE_H
#define HEARTH_DHCP_ENGINE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/room.h"
#include "dhcp/config.h"
#include "dhcp/store.h"
#include "dhcp/leases.h"
#include "dhcp/limit.h"
#include "proto/dhcp/msg.h"

/*
 * The engine makes the RFC 2131 decisions and keeps the lease table. It
 * owns no socket and no timer of its own: the time comes from a struct
 * clock, replies leave through dhcp_engine_io.send, and lease changes are
 * gathered in a batch that dhcp_engine_io.commit makes durable (the room
 * does that on a work queue strand; a unit test may do it at once, later
 * or never). The ACKs of a batch wait in the batch and go out only when
 * the committer reports success through dhcp_engine_committed: nothing
 * is acknowledged before it is durable. While one batch is being
 * committed the next one keeps filling (group commit: one fsync for all
 * the packets that arrived meanwhile). Loop thread only.
 */

/* An interface the engine serves. The engine reads name and addr; the
 * rest belongs to the room's socket code. */
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

/* A reply: where it goes and its bytes. */
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

/* Called once a batch, and every batch before it, came back from the
 * committer: @status 0 when durable. */
struct dhcp_waiter {
	void (*fn)(void *ud, int status);
	void *ud;
};

/* Lease changes with the replies and DNS changes that wait for them. */
struct dhcp_batch {
	struct dhcp_batch *next; /* the engine's spare list */
	struct dhcp_engine *engine;
	struct dhcp_store_change changes[DHCP_BATCH * 2];
	struct dhcp_store_lease leases[DHCP_BATCH * 2]; /* changes' puts */
	struct dhcp_lease copies[DHCP_BATCH * 2];	/* what they point at */
	size_t n_changes;
	struct dhcp_out outs[DHCP_BATCH];
	size_t n_outs;
	struct dhcp_dnsop dnsops[DHCP_BATCH * 2];
	size_t n_dnsops;
	struct dhcp_waiter waiters[DHCP_BATCH];
	size_t n_waiters;
	int status; /* free for the committer's use */
};

struct dhcp_stats {
	uint64_t rx[9];	    /* by message type; [0] unparsable */
	uint64_t tx[9];	    /* by message type */
	uint64_t exhausted; /* DISCOVERs with no address to offer */
	uint64_t dropped;
	uint64_t commit_failed; /* batches whose commit failed */
	uint64_t limited_mac;	/* DISCOVERs over discover_rate_mac */
	uint64_t limited_relay; /* DISCOVERs over discover_rate_relay */
	uint64_t reoffered;	/* held offers given to another client */
};

/* An address offered to a client and then, the pool being full, to
 * another: the earlier client may still take it with its REQUEST until
 * its hold ends (the first REQUEST wins). */
struct dhcp_prior_offer {
	uint32_t ip; /* host order; 0: empty */
	uint32_t cid_hash;
	int64_t until;
};
#define DHCP_PRIOR_OFFERS 256

/* An exhausted pool is published once per subnet in this long. */
#define DHCP_ALERT_EVERY_MS (10 * 60 * 1000)
#define DHCP_ALERT_SLOTS 16

/* What the engine needs from its room (or from a test). */
struct dhcp_engine_io {
	void *ud;
	/* Sends @o now (the engine keeps ownership of @o). */
	void (*send)(void *ud, const struct dhcp_out *o);
	/* Makes @b->changes durable (n_changes may be 0: then there is
	 * nothing to write), then calls dhcp_engine_committed(@b) with the
	 * result, from the loop thread, at once or later. The batch is the
	 * committer's until then. Batches are handed over in order and
	 * must be committed in that order. */
	void (*commit)(void *ud, struct dhcp_batch *b);
	/* Optional ping check (NULL: none). checked: @ip (host order) may
	 * be offered without a ping. defer: a ping was sent and the
	 * DISCOVER kept, to be handled again later; false when it cannot. */
	bool (*ping_checked)(void *ud, uint32_t ip, int64_t now);
	bool (*ping_defer)(void *ud, struct dhcp_iface *ifc, uint32_t ip,
			   const uint8_t *pkt, size_t len);
};

struct dhcp_engine {
	const struct clock *clock;
	struct dhcp_engine_io io;
	struct room_dns_registrar *dns; /* NULL: no registration */
	struct room_notify_publisher *notify; /* NULL: no alerts */
	struct config *cfg;		/* a reference */
	struct dhcp_leases leases;
	uint32_t next_free; /* where the search for a new address resumes */
	struct dhcp_stats stats;
	struct dhcp_batch *batch; /* being filled; NULL when empty */
	struct dhcp_batch *spare;
	size_t n_inflight; /* batches handed to io.commit, not yet back */
	struct clock_timer *sweep;
	struct dhcp_limiter by_mac, by_relay;
	struct dhcp_prior_offer prior[DHCP_PRIOR_OFFERS]; /* a ring */
	size_t next_prior;
	/* When "dhcp.pool_exhausted" was last published, per subnet (by
	 * its network address; a small table, the oldest slot reused). */
	struct dhcp_alerted {
		uint32_t net;
		bool used;
		uint64_t at; /* on the clock, ms */
	} alerted[DHCP_ALERT_SLOTS];
};

/* Sets up @e (caller-allocated) for @cfg (a reference is taken). @dns may
 * be NULL. 0 or -ENOMEM. */
int dhcp_engine_init(struct dhcp_engine *e, const struct config *cfg,
		     const struct clock *clock, const struct dhcp_engine_io *io,
		     struct room_dns_registrar *dns);
/* Frees the table, the batches and the sweep timer. No batch may be in
 * flight (n_inflight == 0). NULL ok. */
void dhcp_engine_deinit(struct dhcp_engine *e);

/* Registers the loaded leases' names in DNS and starts the expiry sweep
 * (every DHCP_SWEEP_MS on the clock). */
#define DHCP_SWEEP_MS 2000
int dhcp_engine_start(struct dhcp_engine *e);

/* Takes the new config (for the next message on). */
void dhcp_engine_set_config(struct dhcp_engine *e, const struct config *cfg);

/* Unix seconds from the engine's clock. */
int64_t dhcp_engine_now(const struct dhcp_engine *e);

/* Handles one request that arrived on @ifc. Immediate replies go to
 * io.send; ACKs and lease changes go to the batch. DISCOVERs over the
 * per-MAC or per-relay rate are dropped (counted in stats). */
void dhcp_engine_handle(struct dhcp_engine *e, struct dhcp_iface *ifc,
			const uint8_t *pkt, size_t len);
/* The same for a request handled before and kept (the ping check): not
 * rate limited again. */
void dhcp_engine_handle_again(struct dhcp_engine *e, struct dhcp_iface *ifc,
			      const uint8_t *pkt, size_t len);

/* Offers held now (OFFERED, not expired). */
size_t dhcp_engine_offers_held(struct dhcp_engine *e);

/* Calls @fn(@ud, status) once every change queued so far is durable
 * (status 0) or its commit failed (status < 0), after the replies and
 * DNS changes of that batch; -ECANCELED when the engine is deinited
 * first. Call dhcp_engine_flush after. 0, or -ENOMEM (then @fn is never
 * called). */
int dhcp_engine_when_committed(struct dhcp_engine *e,
			       void (*fn)(void *ud, int status), void *ud);

/* Hands the batch to io.commit: when no batch is in flight (or @now,
 * e.g. at shutdown), else it keeps filling until the one in flight is
 * back. Call after each burst of packets. */
void dhcp_engine_flush(struct dhcp_engine *e, bool now);

/* The committer's answer for @b: on @status 0 the DNS changes are made
 * and the replies sent; otherwise they are dropped (logged; clients
 * retry). Then @b returns to the engine, and a batch that filled
 * meanwhile is handed over. */
void dhcp_engine_committed(struct dhcp_engine *e, struct dhcp_batch *b,
			   int status);

/* Ends leases that expired (what the sweep timer does). */
void dhcp_engine_sweep(struct dhcp_engine *e);

/* Ends a lease (RELEASE, DELETE through the API, expiry): durable
 * removal in the batch, and its name leaves DNS. */
void dhcp_engine_lease_end(struct dhcp_engine *e, uint32_t ip);

/* Marks @ip (host order) in use by an unknown host, for a while. */
void dhcp_engine_quarantine(struct dhcp_engine *e, uint32_t ip, int64_t now);
#define DHCP_DECLINE_HOLD 600 /* seconds a declined address is quarantined */
#define DHCP_OFFER_HOLD 60    /* dhcp.offer_hold's default */

/* Queues a durable delete of @ip's row (e.g. a lease found expired at
 * load). */
void dhcp_engine_forget(struct dhcp_engine *e, uint32_t ip);

/* Between engine.c and batch.c: queue a change, a DNS change or an ACK
 * in the batch being filled (which is handed over first when full). */
void dhcp_engine_batch_put(struct dhcp_engine *e, const struct dhcp_lease *l);
void dhcp_engine_batch_del(struct dhcp_engine *e, uint32_t ip);
void dhcp_engine_batch_dns(struct dhcp_engine *e, bool add, const char *name,
			   const char *domain, uint32_t ip_host);
void dhcp_engine_batch_out(struct dhcp_engine *e, const struct dhcp_out *o);

#endif
