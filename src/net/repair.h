/* SPDX-License-Identifier: MIT */
/* When hearthd checks lab:'s links for drift: debounced after rtnetlink events, a bounded number of repairs a minute, backoff after a failure. Pure (times are arguments). */
#ifndef HEARTH_NET_REPAIR_H
#define HEARTH_NET_REPAIR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Why its own module: drift repair must never loop (hearth's own apply
 * makes rtnetlink events too, and something else may fight it), so the
 * pacing is a small state machine the unit tests drive with scripted
 * times: a check is due NET_REPAIR_DEBOUNCE_MS after the last event (at
 * once for a periodic recheck), never while a pass runs, not before a
 * failure's backoff has passed (2 s, doubling to 5 min), and once
 * NET_REPAIR_PER_MIN checks in the last minute repaired something, not
 * before the oldest of them is a minute old.
 */

#define NET_REPAIR_DEBOUNCE_MS 1000
#define NET_REPAIR_PER_MIN 6
#define NET_REPAIR_BACKOFF_MIN_MS 2000
#define NET_REPAIR_BACKOFF_MAX_MS (5 * 60 * 1000)

struct net_repair {
	bool pending;	     /* a check is wanted */
	uint64_t due;	     /* ... not before this (debounce) */
	bool running;	     /* a pass is running */
	uint64_t not_before; /* backoff after a failure */
	unsigned failures;   /* failed checks in a row */
	uint64_t repaired[NET_REPAIR_PER_MIN]; /* when (a ring) */
	unsigned n_repaired, next_slot;
	bool limited; /* the last net_repair_next was held by the limit */
};

/* Zeroes @r: nothing pending. */
void net_repair_init(struct net_repair *r);

/* An rtnetlink event about a link of ours at @now: a check is due
 * debounce after the last such event. */
void net_repair_event(struct net_repair *r, uint64_t now);

/* A periodic recheck at @now: a check is due now (no debounce). */
void net_repair_poke(struct net_repair *r, uint64_t now);

/* When the pending check may run (>= @now), or 0 when none is pending
 * or a pass is running. Sets r->limited when the repair limit is what
 * holds it back. */
uint64_t net_repair_next(struct net_repair *r, uint64_t now);

/* A pass starts (the pending check, or any other pass): nothing is
 * pending until the next event. */
void net_repair_begin(struct net_repair *r);

/* The pass ended at @now: @failed (backoff doubles), else @repaired
 * (it changed links: counted against the limit). */
void net_repair_end(struct net_repair *r, uint64_t now, bool repaired,
		    bool failed);

/* The backoff the next failure would start with, in ms (for the log). */
uint64_t net_repair_backoff_ms(const struct net_repair *r);

#endif
