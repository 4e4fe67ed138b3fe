/* SPDX-License-Identifier: MIT */
/* Zone transfer: SOA, all records, SOA; as many records per message as fit. */
#include "proto/dns/axfr.h"

#include <string.h>

#include "proto/dns/dns.h"

void dns_axfr_init(struct dns_axfr *x, const struct dns_zone *z)
{
	memset(x, 0, sizeof(*x));
	x->z = z;
}

static int put_soa(struct dns_writer *w, const struct dns_zone *z)
{
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	dns_rrset_next(z->soa, &pos, &rd, &len);
	return dns_writer_rr(w, DNS_SEC_AN, &z->apex, DNS_T_SOA, DNS_C_IN,
			     z->soa->ttl, rd, len);
}

long dns_axfr_next(struct dns_axfr *x, const uint8_t *query,
		   const struct dns_query *q, uint8_t *buf, size_t cap)
{
	struct dns_writer w;
	if (x->stage == 3)
		return 0;
	if (dns_writer_init(&w, buf, cap, query, q))
		return -1;
	dns_writer_flags(&w, DNS_F_AA);
	if (x->stage == 0) {
		if (put_soa(&w, x->z))
			return -1;
		x->stage = 1;
	}
	while (x->stage == 1 && x->node < x->z->n_nodes) {
		const struct dns_node *n = x->z->nodes[x->node];
		if (x->set >= n->nsets) {
			x->node++;
			x->set = 0;
			x->pos = 0;
			continue;
		}
		const struct dns_rrset *rs = &n->sets[x->set];
		if (rs->type == DNS_T_SOA && x->node == 0) {
			x->set++;
			continue;
		}
		struct dns_name owner;
		owner.len = n->name_len;
		memcpy(owner.wire, n->name, n->name_len);
		uint32_t pos = x->pos;
		const uint8_t *rd;
		uint16_t len;
		if (!dns_rrset_next(rs, &pos, &rd, &len)) {
			x->set++;
			x->pos = 0;
			continue;
		}
		if (dns_writer_rr(&w, DNS_SEC_AN, &owner, rs->type, DNS_C_IN,
				  rs->ttl, rd, len)) {
			if (w.count[DNS_SEC_AN] == 0)
				return -1;
			goto done; /* this message is full */
		}
		x->pos = pos;
	}
	if (x->stage == 1)
		x->stage = 2;
	if (x->stage == 2) {
		if (put_soa(&w, x->z)) {
			if (w.count[DNS_SEC_AN] == 0)
				return -1;
			goto done;
		}
		x->stage = 3;
	}
done:
	dns_writer_finish(&w);
	return (long)w.len;
}
