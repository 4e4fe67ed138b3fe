/* SPDX-License-Identifier: MIT */
/* The dhcp room's lease table: open addressing by address, plus a client-id index. */
#ifndef HEARTH_DHCP_LEASES_H
#define HEARTH_DHCP_LEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * valid until the next put or del. A zeroed struct is an empty table;
 * dhcp_leases_free empties it again. Loop thread only.
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

/* Iterates live leases: *pos starts at 0; NULL at the end. Deleting the
 * lease just returned leaves a tombstone, so iteration may go on. */
struct dhcp_lease *dhcp_leases_next(struct dhcp_leases *t, size_t *pos);

struct dhcp_lease *dhcp_leases_by_ip(struct dhcp_leases *t, uint32_t ip);
/* The live, not declined lease with this client id, or NULL. */
struct dhcp_lease *dhcp_leases_by_client(struct dhcp_leases *t,
					 const uint8_t *cid, size_t cid_len);
/* Adds (or returns the existing) lease for @ip; NULL when out of memory. */
struct dhcp_lease *dhcp_leases_put(struct dhcp_leases *t, uint32_t ip);
void dhcp_leases_del(struct dhcp_leases *t, uint32_t ip);
/* Call after setting a lease's client id. */
void dhcp_leases_reindex(struct dhcp_leases *t, const struct dhcp_lease *l);
void dhcp_leases_free(struct dhcp_leases *t);

#endif
