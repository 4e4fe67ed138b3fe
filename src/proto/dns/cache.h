/* SPDX-License-Identifier: MIT */
/* A bounded response cache keyed by (name, type, class), LRU eviction. */
#ifndef HEARTH_PROTO_DNS_CACHE_H
#define HEARTH_PROTO_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dns/name.h"

/*
 * Entries hold a whole response as the upstream sent it (OPT removed)
 * and expire after the TTL they were stored with. The caller passes the
 * time (seconds) so the cache itself reads no clock. Not thread-safe:
 * one owner.
 */
struct dns_cache;

struct dns_cache_stats {
	uint64_t hits, misses, inserts, evictions, expired;
	size_t entries, bytes;
};

struct dns_cache *dns_cache_new(size_t max_entries);
void dns_cache_free(struct dns_cache *c);

/*
 * Looks up an unexpired entry. On a hit *data points at the stored bytes
 * (valid until the next put/flush), *age is the seconds since it was
 * stored. Returns 0 or -ENOENT.
 */
int dns_cache_get(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now,
		  const uint8_t **data, size_t *len, uint32_t *age);

/*
 * The same without changing anything (no LRU move, no counters, expired
 * entries left for the next put): safe for many readers at once under a
 * read lock. A hit marks the entry referenced, so eviction gives it a
 * second chance (CLOCK). The caller counts hits and misses itself.
 */
int dns_cache_lookup(const struct dns_cache *c, const struct dns_name *name,
		     uint16_t type, uint16_t cls, uint64_t now,
		     const uint8_t **data, size_t *len, uint32_t *age);

/* Stores a copy for @ttl seconds (0: nothing stored). 0 or -ENOMEM. */
int dns_cache_put(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now, uint32_t ttl,
		  const uint8_t *data, size_t len);

void dns_cache_flush(struct dns_cache *c);
void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *out);

#endif
