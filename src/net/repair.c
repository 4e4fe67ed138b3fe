/* SPDX-License-Identifier: MIT */
/* Pacing of drift checks: debounce, a per-minute repair limit and backoff after failures. */
#include "net/repair.h"

#include <string.h>

#define MINUTE_MS 60000u

void net_repair_init(struct net_repair *r)
{
	memset(r, 0, sizeof(*r));
}

void net_repair_event(struct net_repair *r, uint64_t now)
{
	r->pending = true;
	r->due = now + NET_REPAIR_DEBOUNCE_MS;
}

void net_repair_poke(struct net_repair *r, uint64_t now)
{
	if (!r->pending || r->due > now)
		r->due = now;
	r->pending = true;
}

uint64_t net_repair_next(struct net_repair *r, uint64_t now)
{
	r->limited = false;
	if (!r->pending || r->running)
		return 0;
	uint64_t at = r->due > now ? r->due : now;
	if (r->not_before > at)
		at = r->not_before;
	if (r->n_repaired == NET_REPAIR_PER_MIN) {
		/* The oldest of the last NET_REPAIR_PER_MIN repairs. */
		uint64_t free_at = r->repaired[r->next_slot] + MINUTE_MS;
		if (free_at > at) {
			at = free_at;
			r->limited = true;
		}
	}
	return at;
}

void net_repair_begin(struct net_repair *r)
{
	r->pending = false;
	r->running = true;
}

uint64_t net_repair_backoff_ms(const struct net_repair *r)
{
	uint64_t ms = NET_REPAIR_BACKOFF_MIN_MS;
	for (unsigned i = 0; i < r->failures && ms < NET_REPAIR_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms < NET_REPAIR_BACKOFF_MAX_MS ? ms : NET_REPAIR_BACKOFF_MAX_MS;
}

void net_repair_end(struct net_repair *r, uint64_t now, bool repaired,
		    bool failed)
{
	r->running = false;
	if (failed) {
		r->not_before = now + net_repair_backoff_ms(r);
		r->failures++;
		/* What failed is checked again once the backoff has passed. */
		r->pending = true;
		if (r->due < r->not_before)
			r->due = r->not_before;
		return;
	}
	r->failures = 0;
	r->not_before = 0;
	if (!repaired)
		return;
	r->repaired[r->next_slot] = now;
	r->next_slot = (r->next_slot + 1) % NET_REPAIR_PER_MIN;
	if (r->n_repaired < NET_REPAIR_PER_MIN)
		r->n_repaired++;
}
