/* SPDX-License-Identifier: MIT */
/* A bounded, sharded response cache keyed by (name, type, class), CLOCK eviction. */
#ifndef HEARTH_PROTO_DNS_CACHE_H
#define HEARTH_PROTO_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dns/name.h"

/*
 * Entries hold a whole response as the upstream sent it (OPT removed)
 * and expire after the TTL they were stored with; negative answers are
 * entries like any other (their TTL comes from the caller, e.g.
 * dns_relay_ttl's RFC 2308 rule). The caller passes the time (seconds),
 * so the cache itself reads no clock.
 *
 * Thread-safe: the keys are spread over shards by hash, each with its
 * own lock, so threads looking up different names rarely meet. Lookups
 * take a shard's read lock and copy the answer out; puts take its write
 * lock. Eviction is per shard: second chance (CLOCK) from the cold end,
 * where an entry read since it was stored or last spared moves back to
 * the front once.
 */
struct dns_cache;

struct dns_cache_stats {
	uint64_t hits, misses, inserts, evictions, expired;
	size_t entries, bytes;
};

/*
 * A cache of at most @max_entries answers (at least 1) in @shards
 * shards (0: chosen from the size; rounded down to a power of two and
 * lowered so each shard holds at least 64 entries, which keeps small
 * caches exact). The shards' capacities add up to @max_entries. NULL
 * when out of memory. Freed by dns_cache_free (NULL-safe), with no
 * other thread using it.
 */
struct dns_cache *dns_cache_new(size_t max_entries, unsigned shards);
void dns_cache_free(struct dns_cache *c);

/* The number of shards, and the shard a key falls in (for tests and
 * metrics). */
unsigned dns_cache_shards(const struct dns_cache *c);
unsigned dns_cache_shard_of(const struct dns_cache *c,
			    const struct dns_name *name, uint16_t type,
			    uint16_t cls);

/*
 * Copies the unexpired answer for the key into @buf (@cap bytes): *len
 * is its length, *age the seconds since it was stored. Counts a hit or
 * a miss. Returns 0, -ENOENT (none, or expired: the entry stays until a
 * put needs its room) or -ENOBUFS (@cap too small; counted as a miss).
 */
int dns_cache_get(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now, uint8_t *buf,
		  size_t cap, size_t *len, uint32_t *age);

/* Stores a copy for @ttl seconds (0: nothing stored), replacing an
 * entry for the same key. 0 or -ENOMEM. */
int dns_cache_put(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now, uint32_t ttl,
		  const uint8_t *data, size_t len);

/* Drops every entry (the counters stay). */
void dns_cache_flush(struct dns_cache *c);
/* Drops the entries for @name and every name below it (any type);
 * returns how many. Any thread. */
size_t dns_cache_flush_name(struct dns_cache *c, const struct dns_name *name);
/* The counters and sizes summed over the shards. */
void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *out);

#endif
