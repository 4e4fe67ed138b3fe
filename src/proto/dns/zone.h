/* SPDX-License-Identifier: MIT */
/* Immutable zone snapshots: built once from records, then read lock-free. */
#ifndef HEARTH_PROTO_DNS_ZONE_H
#define HEARTH_PROTO_DNS_ZONE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "proto/dns/name.h"

/*
 * A zone is built from a list of records (dns_zone_builder), then frozen:
 * nodes sorted in canonical order (for transfers and export) and indexed
 * by a hash of their lower-cased name (for answers). Empty non-terminals
 * get nodes of their own, so "exists but has no data" is a lookup, not a
 * search. Nodes, names and RDATA live in the zone's storage, which
 * later versions made by dns_zone_patch share; once built, a zone is
 * read-only and safe to read from any number of threads.
 */

/* RDATA of an RRset: @count entries, each a 16-bit length then bytes. */
struct dns_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	const uint8_t *rdata;
	uint32_t rdata_len;
};

enum {
	DNS_NODE_CUT = 1,	/* NS below the apex: a delegation */
	DNS_NODE_OCCLUDED = 2,	/* below a cut: glue, never answered */
	DNS_NODE_WILDCARD = 4,	/* its name starts with "*" */
	DNS_NODE_HAS_WILD = 8,	/* "*.<this name>" exists */
};

struct dns_node {
	const uint8_t *name; /* lower-case wire form */
	uint8_t name_len;
	uint8_t flags;
	uint16_t nsets;
	uint32_t hash;
	struct dns_rrset *sets; /* sorted by type */
};

struct dns_zone_mem;

struct dns_zone {
	atomic_uint refs;     /* snapshots sharing it; see dns_zone_ref */
	struct dns_name apex; /* lower case */
	uint32_t serial;
	const struct dns_rrset *soa;
	const struct dns_node *apex_node;
	struct dns_node **nodes; /* canonical order; nodes[0] is the apex */
	size_t n_nodes;
	size_t n_records;
	struct dns_node **index; /* open addressing, power of two */
	size_t index_mask;
	struct dns_zone_mem *mem; /* what nodes point into (zone_priv.h) */
	unsigned patches;	  /* dns_zone_patch versions since a build */
};

struct dns_zone_builder;

/* Starts a zone at @apex. Returns NULL when out of memory. */
struct dns_zone_builder *dns_zone_builder_new(const struct dns_name *apex);
void dns_zone_builder_free(struct dns_zone_builder *b);

/*
 * Adds one record; @owner must be at or below the apex. Duplicate
 * records (same owner, type and RDATA) are merged. Returns 0, -EINVAL
 * (out of zone: @why says so), or -ENOMEM.
 */
int dns_zone_builder_add(struct dns_zone_builder *b, const struct dns_name *owner,
			 uint16_t type, uint32_t ttl, const uint8_t *rdata,
			 uint16_t rdlen, char why[128]);

/* True when a record of @type at @owner was added. */
bool dns_zone_builder_has(const struct dns_zone_builder *b,
			  const struct dns_name *owner, uint16_t type);

/*
 * Freezes the records into a zone (the builder is consumed either way).
 * Refuses a zone without exactly one SOA at the apex, a CNAME beside
 * other data, or a CNAME at the apex: -EINVAL with @why.
 */
int dns_zone_build(struct dns_zone_builder *b, struct dns_zone **out,
		   char why[128]);

/*
 * A new version of a built zone with some RRsets replaced, in time
 * proportional to the change (plus a copy of two pointer arrays of the
 * zone's size), sharing every node and RDATA it does not change. The
 * result is what dns_zone_build would make of the base's records with
 * those RRsets replaced. @base is only read (it may be served meanwhile)
 * and referenced by the patch. One thread at a time per patch.
 */
struct dns_zone_patch;

/* NULL when out of memory. */
struct dns_zone_patch *dns_zone_patch_new(struct dns_zone *base);
void dns_zone_patch_free(struct dns_zone_patch *p);

/* The RRset (@owner, @type) is replaced by the records added for it
 * (none: it goes). Owners outside the zone are ignored. 0 or -ENOMEM. */
int dns_zone_patch_set(struct dns_zone_patch *p, const struct dns_name *owner,
		       uint16_t type);

/* A record of a replaced RRset (marks it replaced too). As
 * dns_zone_builder_add. */
int dns_zone_patch_add(struct dns_zone_patch *p, const struct dns_name *owner,
		       uint16_t type, uint32_t ttl, const uint8_t *rdata,
		       uint16_t rdlen, char why[128]);

/*
 * Makes the new version (one reference in *out); consumes @p either way.
 * -EINVAL with @why when the result would not build (as dns_zone_build
 * refuses it), -E2BIG when @base is itself the end of a long chain of
 * patches (build the zone afresh: storage is shared along the chain),
 * -ENOMEM.
 */
int dns_zone_patch_apply(struct dns_zone_patch *p, struct dns_zone **out,
			 char why[128]);

/* Zones are shared by the snapshots that serve them: a rebuild reuses
 * the zones that did not change. dns_zone_build returns one reference;
 * dns_zone_free drops one and frees the zone with the last. NULL-safe,
 * thread-safe. */
struct dns_zone *dns_zone_ref(struct dns_zone *z);
void dns_zone_free(struct dns_zone *z);

/* The node named @wire (any case), or NULL. */
const struct dns_node *dns_zone_find(const struct dns_zone *z,
				     const uint8_t *wire, size_t len);

/* The RRset of @type at @n, or NULL. */
const struct dns_rrset *dns_node_rrset(const struct dns_node *n, uint16_t type);

/* Iterates RDATA entries: *pos starts at 0; returns false at the end. */
bool dns_rrset_next(const struct dns_rrset *rs, uint32_t *pos,
		    const uint8_t **rdata, uint16_t *len);

/* A set of zones served together; the longest matching apex wins. */
struct dns_zoneset {
	struct dns_zone **zones;
	size_t n;
};

/* The zone that holds @name, or NULL. */
const struct dns_zone *dns_zoneset_find(const struct dns_zoneset *zs,
					const struct dns_name *name);

#endif
