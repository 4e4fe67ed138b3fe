/* SPDX-License-Identifier: MIT */
/* Forwarded answers: checking, caching TTLs, alias rewriting, client copies. */
#ifndef HEARTH_PROTO_DNS_RELAY_H
#define HEARTH_PROTO_DNS_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "proto/dns/msg.h"

/*
 * An upstream's response is kept as it came (compression pointers and
 * all): the question we send upstream has the same length as the
 * client's, so every offset stays valid when the client's header and
 * question are put back in front. Pure functions, thread-safe.
 */

/* An alias= rule: A records inside @from become @to (host bits kept). */
struct dns_alias {
	struct ipprefix from; /* a /32 for a single address */
	struct ipprefix to;   /* a /32 maps everything to one address */
};

/* Builds the query we send upstream: id, RD, EDNS payload 1232, the
 * client's question. Returns the length or 0 when @cap is too small. */
size_t dns_relay_query(uint8_t *out, size_t cap, uint16_t id,
		       const struct dns_query *q);

/* 0 when @resp answers our query (QR, id, the same question), else
 * -EBADMSG: such answers are dropped, not trusted. */
int dns_relay_check(const uint8_t *resp, size_t len, uint16_t id,
		    const struct dns_query *q);

/* Removes a trailing OPT record; returns the new length. *opt_inside is
 * set when an OPT sits elsewhere (then nothing is removed). */
size_t dns_relay_strip_opt(uint8_t *m, size_t len, bool *opt_inside);

/* How long a response may be cached (RFC 2308 for negative answers: the
 * SOA's TTL capped by its MINIMUM); 0 for "do not cache" (SERVFAIL,
 * truncated, negative without SOA). */
uint32_t dns_relay_ttl(const uint8_t *m, size_t len);

/* Lowers every TTL by @elapsed seconds (not below 0). */
void dns_relay_age(uint8_t *m, size_t len, uint32_t elapsed);

/* Rewrites A records in the answer section per @rules (first match). */
void dns_relay_alias(uint8_t *m, size_t len, const struct dns_alias *rules,
		     size_t n);

/*
 * Writes the client's answer into @out: @resp (an upstream response or a
 * cached copy, OPT stripped) under the client's id, flags and question
 * bytes, with RA set, our OPT appended when the client used EDNS. When
 * the result exceeds @limit, a truncated answer (TC, no records) is
 * written instead. Returns the length, or 0 on malformed input.
 */
size_t dns_relay_to_client(uint8_t *out, size_t cap, size_t limit,
			   const uint8_t *resp, size_t len,
			   const uint8_t *query, const struct dns_query *q,
			   uint16_t payload);

/* SERVFAIL (or another rcode) for @q, with RA. */
size_t dns_relay_error(uint8_t *out, size_t cap, const uint8_t *query,
		       const struct dns_query *q, uint8_t rcode,
		       uint16_t payload);

#endif
