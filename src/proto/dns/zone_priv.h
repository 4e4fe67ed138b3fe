/* SPDX-License-Identifier: MIT */
/* What zone.c and zone_patch.c share: builder records, zone storage, name order, the index. */
#ifndef HEARTH_PROTO_DNS_ZONE_PRIV_H
#define HEARTH_PROTO_DNS_ZONE_PRIV_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/arena.h"
#include "proto/dns/zone.h"

/* One record added to a builder (or to a patch). */
struct brec {
	const uint8_t *owner; /* lower-case wire, in the builder's arena */
	uint8_t owner_len;
	bool mark;	      /* a patch's "this RRset is replaced", no data */
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata;
};

struct dns_zone_builder {
	struct dns_name apex;
	struct brec *recs;
	size_t n, cap;
	struct arena arena; /* owners and rdata until build */
};

/*
 * Where a zone's nodes, names, RRset arrays and RDATA live: a full build
 * makes one; each dns_zone_patch version adds one for what it changed,
 * linked to the one it was made from, so versions share everything they
 * did not change. Reference-counted (a version holds its own; each
 * holds the next); freed with the last version that uses it.
 */
struct dns_zone_mem {
	atomic_uint refs;
	struct arena arena;
	struct dns_node *block; /* a full build's nodes (malloc'd), or NULL */
	struct dns_zone_mem *next;
};

struct dns_zone_mem *dns_zone_mem_new(struct dns_zone_mem *next);
void dns_zone_mem_unref(struct dns_zone_mem *m);

static inline uint8_t dns_zone_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

uint32_t dns_zone_hash(const uint8_t *w, size_t len);

/* Canonical order (RFC 4034 §6.1) of two lower-case wire names. */
int dns_zone_wire_compare(const uint8_t *a, size_t alen, const uint8_t *b,
			  size_t blen);

/* The (name, type, RDATA) order of builder records. */
int dns_zone_brec_compare(const void *x, const void *y);

/* The index slot that holds @wire (lower case) or the empty one where it
 * would go. */
struct dns_node **dns_zone_slot(struct dns_node **index, size_t mask,
				const uint8_t *wire, size_t len, uint32_t h);

/* (Re)builds @z's index from its nodes, sized for them. 0 or -ENOMEM. */
int dns_zone_index(struct dns_zone *z);

/* Sets z->apex_node, z->soa and z->serial from nodes[0]; -EINVAL with
 * @why when the apex has no single SOA. */
int dns_zone_apex(struct dns_zone *z, char why[128]);

/* "name: what" into @why; returns -EINVAL. */
int dns_zone_fail(char why[128], const struct dns_node *n, const char *what);

#endif
