/* SPDX-License-Identifier: MIT */
/* The table of DNS-over-TCP connections: per-client counts, states, and which one to evict. */
#ifndef HEARTH_PROTO_DNS_TCPCONN_H
#define HEARTH_PROTO_DNS_TCPCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/*
 * Pure bookkeeping, no sockets and no clock: the caller passes the time.
 * When the connection cap is reached, a new connection takes the place of
 * the one that has waited longest in the cheapest state to lose (as Knot
 * and Unbound close their oldest idle connection rather than refuse a new
 * one): first an idle one, then one that has been sending a partial query
 * the longest (a slow or dribbling client), then one whose answers have
 * gone unread the longest. A connection being answered is never evicted.
 * Each state keeps its connections in a list ordered by entry time, so the
 * choice is O(1); per-client counts walk one hash chain.
 *
 * Not thread-safe: one table per thread (the loop's).
 */

enum dns_tcpconn_state {
	DNS_TCPCONN_IDLE,    /* nothing buffered, queued or pending */
	DNS_TCPCONN_READING, /* part of a message has arrived */
	DNS_TCPCONN_BLOCKED, /* reading stopped: its answers are not read */
	DNS_TCPCONN_BUSY,    /* being answered (forwarding, writing) */
	DNS_TCPCONN_NSTATES
};

/* One connection; embedded in the caller's struct, which owns it. */
struct dns_tcpconn {
	struct ipaddr client;
	struct dns_tcpconn *hnext;       /* same hash bucket */
	struct dns_tcpconn *prev, *next; /* its state's list, oldest first */
	uint64_t since;                  /* when it entered its state */
	enum dns_tcpconn_state state;
};

#define DNS_TCPCONN_BUCKETS 1024

struct dns_tcpconn_table {
	struct dns_tcpconn *buckets[DNS_TCPCONN_BUCKETS];
	struct {
		struct dns_tcpconn *head, *tail;
	} lists[DNS_TCPCONN_NSTATES];
	size_t n;
	uint64_t seed; /* keys the bucket hash against chosen collisions */
};

enum dns_tcpconn_admit {
	DNS_TCPCONN_ACCEPT,     /* room for it */
	DNS_TCPCONN_EVICT,      /* close *victim first, then ask again */
	DNS_TCPCONN_FULL,       /* at the cap and nothing may be evicted */
	DNS_TCPCONN_CLIENT_CAP, /* its address has max_per_client already */
};

/* Caller-allocated; @seed should be random. Nothing to deinit. */
void dns_tcpconn_table_init(struct dns_tcpconn_table *t, uint64_t seed);

/* Connections open from @a (IPv4 address or IPv6 /128). */
size_t dns_tcpconn_count_client(const struct dns_tcpconn_table *t,
				const struct ipaddr *a);

/*
 * What to do with a new connection from @a, with at most @max_total
 * connections and @max_per_client from one address (0: no per-client
 * cap). On DNS_TCPCONN_EVICT, *victim is set; the caller removes it and
 * asks again (a lowered cap may need several evictions).
 */
enum dns_tcpconn_admit dns_tcpconn_admit(const struct dns_tcpconn_table *t,
					 const struct ipaddr *a,
					 size_t max_total,
					 size_t max_per_client,
					 struct dns_tcpconn **victim);

/* Adds @c from @a, idle since @now. @c stays the caller's. */
void dns_tcpconn_add(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
		     const struct ipaddr *a, uint64_t now);

/* Removes @c (added before). */
void dns_tcpconn_remove(struct dns_tcpconn_table *t, struct dns_tcpconn *c);

/* Moves @c to @s as of @now; nothing changes (not even the time) when it
 * is in @s already. */
void dns_tcpconn_set_state(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
			   enum dns_tcpconn_state s, uint64_t now);

/* Moves @c to the end of its state's list as of @now (it has started
 * its state anew: another partial query after a whole one). */
void dns_tcpconn_touch(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
		       uint64_t now);

#endif
