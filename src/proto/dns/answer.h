/* SPDX-License-Identifier: MIT */
/* Authoritative answers: RFC 1034 §4.3.2 over a zone set, into a writer. */
#ifndef HEARTH_PROTO_DNS_ANSWER_H
#define HEARTH_PROTO_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dns/msg.h"
#include "proto/dns/zone.h"

struct dns_answer_opts {
	const char *version; /* CHAOS version.bind; NULL or "": REFUSED */
	const char *id;	     /* CHAOS id.server / hostname.bind */
	uint16_t udp_payload; /* ours, advertised in OPT */
};

/* What was answered, for the caller's counters. */
struct dns_answer_info {
	uint8_t rcode;
	bool authoritative; /* a zone held the name */
	bool forwardable;   /* no zone holds it, RD set: a resolver's job */
};

/*
 * Answers @q (parsed from @query of @len bytes) from @zs into @buf of
 * @cap bytes (the UDP limit or 65535 for TCP): EDNS handling, wildcard
 * synthesis, CNAME chasing inside the zone, referrals with glue,
 * NXDOMAIN/NODATA with the SOA, TC when the answer does not fit.
 * Returns the response length, or 0 when the query must be dropped.
 * Pure and thread-safe (reads @zs only).
 */
size_t dns_answer(const struct dns_zoneset *zs, const uint8_t *query,
		  size_t len, uint8_t *buf, size_t cap, bool tcp,
		  const struct dns_answer_opts *opts,
		  struct dns_answer_info *info);

/*
 * The same for a query already parsed: @parsed is what dns_query_parse
 * returned for @query and @q (read only when @parsed is 0). The caller
 * keeps @q, e.g. to forward the query without parsing it again.
 */
size_t dns_answer_parsed(const struct dns_zoneset *zs, int parsed,
			 const struct dns_query *q, const uint8_t *query,
			 size_t len, uint8_t *buf, size_t cap, bool tcp,
			 const struct dns_answer_opts *opts,
			 struct dns_answer_info *info);

/*
 * The size of the smallest response that carries a whole RRset of @count
 * records holding @rdata_bytes of RDATA in all, owned by a name of
 * @owner_len wire bytes and asked for by that name: header, question,
 * the records (owner compressed, RDATA as stored), our OPT. The RRset
 * can be served, even over TCP, only when this is at most DNS_MSG_MAX;
 * otherwise every answer carrying it would be an empty TC one. Pure.
 */
size_t dns_answer_rrset_size(size_t owner_len, size_t count,
			     size_t rdata_bytes);

#endif
