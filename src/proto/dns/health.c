/* SPDX-License-Identifier: MIT */
/* Upstream health: consecutive failures, DOWN with a doubling backoff, one probe at a time. */
#include "proto/dns/health.h"

void dns_health_init(struct dns_health *h)
{
	*h = (struct dns_health){.state = DNS_HEALTH_UP};
}

static void go_down(struct dns_health *h, const struct dns_health_params *p,
		    uint64_t now, uint64_t backoff)
{
	if (backoff > p->backoff_max_ms)
		backoff = p->backoff_max_ms;
	if (backoff == 0)
		backoff = 1;
	h->state = DNS_HEALTH_DOWN;
	h->backoff = backoff;
	h->until = now + backoff;
	h->fails = 0;
	h->downs++;
}

enum dns_health_use dns_health_peek(const struct dns_health *h,
				    const struct dns_health_params *p,
				    uint64_t now)
{
	switch (h->state) {
	case DNS_HEALTH_UP:
		return DNS_HEALTH_USE;
	case DNS_HEALTH_DOWN:
		return now >= h->until ? DNS_HEALTH_PROBE : DNS_HEALTH_SKIP;
	case DNS_HEALTH_PROBING:
		/* A probe nobody reported on is lost: a new one is due. */
		return now >= h->probe_since + p->probe_lost_ms
			       ? DNS_HEALTH_PROBE
			       : DNS_HEALTH_SKIP;
	}
	return DNS_HEALTH_SKIP;
}

enum dns_health_use dns_health_pick(struct dns_health *h,
				    const struct dns_health_params *p,
				    uint64_t now)
{
	enum dns_health_use u = dns_health_peek(h, p, now);
	if (u != DNS_HEALTH_PROBE)
		return u;
	if (h->state == DNS_HEALTH_PROBING) {
		/* The lost probe failed: the backoff doubles as for any
		 * failed probe, and this query probes at once. */
		uint64_t b = h->backoff * 2;
		h->backoff = b > p->backoff_max_ms ? p->backoff_max_ms : b;
	}
	h->state = DNS_HEALTH_PROBING;
	h->probe_since = now;
	return DNS_HEALTH_PROBE;
}

void dns_health_result(struct dns_health *h, const struct dns_health_params *p,
		       uint64_t now, bool ok, bool probe)
{
	if (ok) {
		h->state = DNS_HEALTH_UP;
		h->fails = 0;
		h->backoff = 0;
		return;
	}
	switch (h->state) {
	case DNS_HEALTH_UP:
		if (++h->fails >= (p->down_after ? p->down_after : 1))
			go_down(h, p, now, p->backoff_ms);
		break;
	case DNS_HEALTH_PROBING:
		if (probe)
			go_down(h, p, now, h->backoff * 2);
		break;
	case DNS_HEALTH_DOWN:
		break; /* a try sent before it went down */
	}
}
