/* SPDX-License-Identifier: MIT */
/* Upstream health for the forwarder as a pure state machine: try results and time in, whether to use a server out. */
#ifndef HEARTH_PROTO_DNS_HEALTH_H
#define HEARTH_PROTO_DNS_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One upstream's health. A server is UP until @down_after tries in a
 * row fail (time out, or fail at once); it is DOWN then, and skipped,
 * for @backoff_ms. When that has passed, the next query that could use
 * it is its probe (PROBING): one query at a time, the others still skip
 * it. The probe's answer (or any answer) brings it UP again; a failed
 * probe sends it DOWN again for twice as long, up to @backoff_max_ms.
 * A probe that reports nothing within @probe_lost_ms is taken as
 * failed. Results of tries sent before it went down do not move a DOWN
 * server (a flood's late timeouts do not lengthen its backoff).
 *
 * Times are milliseconds on any monotonic clock. No I/O, no clock, no
 * allocation; the caller (src/dns/forward.c, on its loop thread) keeps
 * one per server and is the only one to touch it.
 */
struct dns_health_params {
	unsigned down_after;	 /* consecutive failures; at least 1 */
	uint64_t backoff_ms;	 /* first DOWN period */
	uint64_t backoff_max_ms; /* longest DOWN period */
	uint64_t probe_lost_ms;	 /* a silent probe counts as failed */
};

enum dns_health_state {
	DNS_HEALTH_UP,
	DNS_HEALTH_DOWN,
	DNS_HEALTH_PROBING,
};

struct dns_health {
	enum dns_health_state state;
	unsigned fails;	  /* consecutive, while UP */
	uint64_t until;	  /* DOWN: skipped until then */
	uint64_t backoff; /* the current DOWN period */
	uint64_t probe_since;
	uint64_t downs;	  /* times it went DOWN (a metric) */
};

/* What a query may do with the server. */
enum dns_health_use {
	DNS_HEALTH_SKIP,  /* down: leave it out */
	DNS_HEALTH_USE,	  /* up */
	DNS_HEALTH_PROBE, /* down and due: this query is its probe */
};

void dns_health_init(struct dns_health *h);

/* Whether a query at @now may use the server, without changing
 * anything (a PROBE answer means one would be due). */
enum dns_health_use dns_health_peek(const struct dns_health *h,
				    const struct dns_health_params *p,
				    uint64_t now);

/* As dns_health_peek, and a PROBE is taken: the server is PROBING from
 * then on, and the caller must report the probe's result. */
enum dns_health_use dns_health_pick(struct dns_health *h,
				    const struct dns_health_params *p,
				    uint64_t now);

/* A try to the server ended at @now: @ok when it answered (any
 * answer: the server is alive), else it timed out or failed; @probe
 * when the try was the probe dns_health_pick handed out. */
void dns_health_result(struct dns_health *h, const struct dns_health_params *p,
		       uint64_t now, bool ok, bool probe);

#endif
