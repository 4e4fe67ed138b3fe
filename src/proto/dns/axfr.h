/* SPDX-License-Identifier: MIT */
/* Zone transfer (RFC 5936): a zone as a sequence of TCP messages. */
#ifndef HEARTH_PROTO_DNS_AXFR_H
#define HEARTH_PROTO_DNS_AXFR_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dns/msg.h"
#include "proto/dns/zone.h"

/* Where a transfer stands; caller-allocated, no resources. The zone must
 * outlive it. */
struct dns_axfr {
	const struct dns_zone *z;
	size_t node;
	uint16_t set;
	uint32_t pos;
	int stage; /* 0: opening SOA, 1: records, 2: closing SOA, 3: done */
};

void dns_axfr_init(struct dns_axfr *x, const struct dns_zone *z);

/*
 * Writes the next message answering @q (parsed from @query): the SOA,
 * every other record in canonical order, the SOA again, packed into as
 * few messages as fit @cap. Returns the length, 0 when the transfer is
 * complete, or -1 when a single record cannot fit (cannot happen with
 * cap 65535).
 */
long dns_axfr_next(struct dns_axfr *x, const uint8_t *query,
		   const struct dns_query *q, uint8_t *buf, size_t cap);

#endif
