/* SPDX-License-Identifier: MIT */
/* The query log (dns.log_queries, hearthd -v): one line per answer, rate-bounded by an atomic token bucket. */
#include <stdio.h>
#include <time.h>

#include "base/log.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"

#define NS 1000000000ull
/* Lines per second, and how many may come at once after a quiet spell. */
#define QLOG_RATE 50
#define QLOG_BURST 100
#define QLOG_COST (NS / QLOG_RATE)

uint64_t dns_qlog_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

void dns_qlog_configure(struct dns_qlog *l, bool on)
{
	atomic_store_explicit(&l->on, on || log_threshold >= LOG_DEBUG,
			      memory_order_relaxed);
}

/*
 * GCRA: @tat is when the bucket is full again; a line may go when it is
 * at most a burst ahead of now, and moves it one line's cost on. One CAS
 * loop, so workers never wait on each other.
 */
static bool take(struct dns_qlog *l, uint64_t now)
{
	uint64_t tat = atomic_load_explicit(&l->tat, memory_order_relaxed);
	for (;;) {
		uint64_t base = tat > now ? tat : now;
		if (base - now > (QLOG_BURST - 1) * QLOG_COST)
			return false;
		if (atomic_compare_exchange_weak_explicit(
			    &l->tat, &tat, base + QLOG_COST,
			    memory_order_relaxed, memory_order_relaxed))
			return true;
	}
}

static const char *rcode_name(unsigned rc)
{
	static const char *const names[16] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE", "RCODE11", "RCODE12", "RCODE13", "RCODE14",
		"RCODE15"};
	return names[rc & 0xf];
}

void dns_qlog_write(struct dns_qlog *l, const struct ipaddr *client,
		    bool tcp, const struct dns_query *q, const uint8_t *answer,
		    size_t len, const char *source, uint64_t start)
{
	uint64_t now = dns_qlog_now();
	if (!take(l, now)) {
		atomic_fetch_add_explicit(&l->suppressed, 1,
					  memory_order_relaxed);
		return;
	}
	uint64_t dropped = atomic_exchange_explicit(&l->suppressed, 0,
						    memory_order_relaxed);
	if (dropped)
		log_write(LOG_INFO, "dns",
			  "query log: suppressed %llu lines (over %u per "
			  "second)",
			  (unsigned long long)dropped, QLOG_RATE);
	char who[ADDR_TEXT_MAX], name[DNS_NAME_TEXT_MAX] = "-", type[16];
	ipaddr_format(client, who);
	if (q->qname.len)
		dns_name_to_text(&q->qname, name, sizeof(name));
	const char *rcode = len >= 4 ? rcode_name(answer[3] & 0xf) : "none";
	double ms = (double)(now - start) / 1e6;
	log_write(LOG_INFO, "dns",
		  "query client=%s proto=%s name=%s type=%s rcode=%s "
		  "source=%s latency_ms=%.3f",
		  who, tcp ? "tcp" : "udp", name,
		  dns_type_name(q->qtype, type), rcode, source, ms);
}
