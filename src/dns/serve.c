/* SPDX-License-Identifier: MIT */
/* One query in, one answer out, counted: shared by the UDP and TCP paths. */
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"
#include "proto/dns/dns.h"

const char *const dns_stat_type_names[DNS_STAT_TYPES] = {
	"A", "AAAA", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "SRV", "CAA",
	"ANY", "other",
};

unsigned dns_stat_type(uint16_t type)
{
	switch (type) {
	case DNS_T_A: return 0;
	case DNS_T_AAAA: return 1;
	case DNS_T_NS: return 2;
	case DNS_T_CNAME: return 3;
	case DNS_T_SOA: return 4;
	case DNS_T_PTR: return 5;
	case DNS_T_MX: return 6;
	case DNS_T_TXT: return 7;
	case DNS_T_SRV: return 8;
	case DNS_T_CAA: return 9;
	case DNS_T_ANY: return 10;
	default: return 11;
	}
}

size_t dns_serve(const struct dns_snapshot *snap, struct dns_stats *st,
		 const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
		 bool tcp, bool *forward, struct dns_query *parsed)
{
	struct dns_answer_info info;
	int rc = dns_query_parse(q, qlen, parsed);
	size_t n = dns_answer_parsed(&snap->zs, rc, parsed, q, qlen, out, cap,
				     tcp, &snap->opts, &info);
	const memory_order r = memory_order_relaxed;
	atomic_fetch_add_explicit(&st->queries[tcp ? 1 : 0], 1, r);
	if (forward)
		*forward = info.forwardable;
	if (info.forwardable && forward)
		return 0; /* counted when the forwarder answers */
	if (n == 0) {
		atomic_fetch_add_explicit(&st->dropped, 1, r);
		return 0;
	}
	atomic_fetch_add_explicit(&st->rcode[info.rcode & 0xf], 1, r);
	if (qlen >= DNS_HEADER_LEN && dns_get16(q + 4) == 1 && n > DNS_HEADER_LEN) {
		/* The question is echoed: read its type from the answer. */
		size_t off = DNS_HEADER_LEN;
		while (off < n && out[off] && !(out[off] & 0xc0))
			off += (size_t)out[off] + 1;
		if (off + 3 <= n)
			atomic_fetch_add_explicit(
				&st->qtype[dns_stat_type(dns_get16(out + off + 1))],
				1, r);
	}
	if (n >= 4 && (dns_get16(out + 2) & DNS_F_TC))
		atomic_fetch_add_explicit(&st->truncated, 1, r);
	return n;
}

static void add_stats(struct dns_stats *st, void *ud)
{
	struct dns_stats_sum *s = ud;
	const memory_order r = memory_order_relaxed;
	for (int i = 0; i < 2; i++)
		s->queries[i] += atomic_load_explicit(&st->queries[i], r);
	for (int i = 0; i < 16; i++)
		s->rcode[i] += atomic_load_explicit(&st->rcode[i], r);
	for (int i = 0; i < DNS_STAT_TYPES; i++)
		s->qtype[i] += atomic_load_explicit(&st->qtype[i], r);
	s->dropped += atomic_load_explicit(&st->dropped, r);
	s->truncated += atomic_load_explicit(&st->truncated, r);
	for (int i = 0; i < 2; i++)
		metrics_hist_add(&s->answer[i], &st->answer[i]);
}

void dns_stats_total(struct dns_room *r, struct dns_stats_sum *out)
{
	memset(out, 0, sizeof(*out));
	dns_udp_stats(r->udp, add_stats, out);
	add_stats(&r->tcp_stats, out);
}
