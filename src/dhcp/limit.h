/* SPDX-License-Identifier: MIT */
/* Token buckets by key (a MAC, a relay's address) for the DHCP engine's DISCOVER limits. */
#ifndef HEARTH_DHCP_LIMIT_H
#define HEARTH_DHCP_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A fixed table of token buckets: no allocation, bounded memory whatever
 * the number of keys a flood brings. A key hashes to a few slots; when
 * all are taken, the bucket that is full again (it would let the next
 * packet through anyway) or else the one idle longest is replaced, so an
 * attacker with many keys can only make the limit more lenient for
 * others, never stricter. Time is the caller's (milliseconds on the
 * engine's monotonic clock). A zeroed struct is an empty table. Loop
 * thread only.
 */
#define DHCP_LIMIT_SLOTS 512 /* power of two */
#define DHCP_LIMIT_WAYS 4

struct dhcp_limit_slot {
	uint64_t key; /* 0: empty */
	uint64_t last_ms;
	uint64_t milli; /* tokens * 1000 at last_ms */
};

struct dhcp_limiter {
	struct dhcp_limit_slot slots[DHCP_LIMIT_SLOTS];
};

/* Takes one token from @key's bucket (@rate tokens a second, at most
 * @burst banked; a new key starts full). True when there was one; @rate
 * 0 means no limit (always true). @key must not be 0. */
bool dhcp_limit_take(struct dhcp_limiter *l, uint64_t key, uint64_t now_ms,
		     int64_t rate, int64_t burst);

#endif
