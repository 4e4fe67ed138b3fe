/* SPDX-License-Identifier: MIT */
/* Token buckets in a fixed table, replaced full-first then least recently used. */
#include "dhcp/limit.h"

#include <stddef.h>

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* The bucket's tokens (x1000) at @now_ms, capped at the burst. */
static uint64_t refill(const struct dhcp_limit_slot *s, uint64_t now_ms,
		       uint64_t rate, uint64_t cap)
{
	uint64_t dt = now_ms > s->last_ms ? now_ms - s->last_ms : 0;
	/* rate tokens/s = rate milli-tokens/ms */
	if (dt >= cap / (rate ? rate : 1) + 1)
		return cap;
	uint64_t m = s->milli + dt * rate;
	return m < cap ? m : cap;
}

bool dhcp_limit_take(struct dhcp_limiter *l, uint64_t key, uint64_t now_ms,
		     int64_t rate, int64_t burst)
{
	if (rate <= 0)
		return true;
	uint64_t r = (uint64_t)rate, cap = (uint64_t)(burst > 0 ? burst : 1) * 1000;
	size_t mask = DHCP_LIMIT_SLOTS - 1, base = (size_t)mix(key) & mask;
	struct dhcp_limit_slot *s = NULL, *victim = NULL;
	bool victim_full = false;
	for (size_t i = 0; i < DHCP_LIMIT_WAYS; i++) {
		struct dhcp_limit_slot *c = &l->slots[(base + i) & mask];
		if (c->key == key) {
			s = c;
			break;
		}
		bool full = !c->key || refill(c, now_ms, r, cap) >= cap;
		if (!victim || (full && !victim_full) ||
		    (full == victim_full && c->last_ms < victim->last_ms)) {
			victim = c;
			victim_full = full;
		}
	}
	if (!s) {
		s = victim;
		s->key = key;
		s->milli = cap;
		s->last_ms = now_ms;
	}
	s->milli = refill(s, now_ms, r, cap);
	s->last_ms = now_ms > s->last_ms ? now_ms : s->last_ms;
	if (s->milli < 1000)
		return false;
	s->milli -= 1000;
	return true;
}
