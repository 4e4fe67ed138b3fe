/* SPDX-License-Identifier: MIT */
/* DNS messages: parsing a query, and writing a response with compression. */
#ifndef HEARTH_PROTO_DNS_MSG_H
#define HEARTH_PROTO_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/dns/name.h"

/* A parsed query: header, the one question, and EDNS when present. */
struct dns_query {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
	struct dns_name qname; /* as sent (case kept) */
	uint16_t qtype, qclass;
	size_t question_end; /* offset just after the question */
	bool has_edns;
	bool edns_bad;	    /* OPT present but malformed/duplicated */
	uint8_t edns_version;
	uint16_t edns_payload; /* advertised UDP payload size */
	bool edns_do;
};

/*
 * Parses a query. Returns 0; -EBADMSG when the message cannot be
 * answered at all (shorter than a header, or QR set: drop it); or
 * -EPROTO when it has a header but no usable single question
 * (answer FORMERR with the header echoed).
 */
int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q);

enum dns_section { DNS_SEC_AN = 0, DNS_SEC_NS = 1, DNS_SEC_AR = 2 };

#define DNS_COMPRESS_MAX 64

/* A response being written into a caller-owned buffer. */
struct dns_writer {
	uint8_t *buf;
	size_t cap; /* may be lowered to the UDP limit */
	size_t len;
	uint16_t count[3];
	/* Offsets in buf where a name (suffix) was written: compression
	 * targets, compared by reading the message itself. */
	uint16_t names[DNS_COMPRESS_MAX];
	unsigned n_names;
};

/*
 * Starts a response to @q: copies id, opcode, RD and CD, sets QR, and
 * writes the question exactly as received (its case kept), so owner names
 * equal to the question can point at it. @buf must hold @cap bytes.
 */
int dns_writer_init(struct dns_writer *w, uint8_t *buf, size_t cap,
		    const uint8_t *query, const struct dns_query *q);

/* Header-only response (FORMERR for an unparsable question). */
int dns_writer_init_header(struct dns_writer *w, uint8_t *buf, size_t cap,
			   const uint8_t *query, size_t query_len);

/* Writes a name with compression. 0 or -ENOSPC. */
int dns_writer_name(struct dns_writer *w, const struct dns_name *n);

/*
 * Appends one RR. Names in RDATA are written uncompressed (always
 * correct; RFC 3597 allows compression only for old types anyway).
 * Returns 0 or -ENOSPC, in which case nothing was added.
 */
int dns_writer_rr(struct dns_writer *w, enum dns_section sec,
		  const struct dns_name *owner, uint16_t type, uint16_t cls,
		  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/* Appends an OPT RR (EDNS0) with @payload, extended rcode bits and DO. */
int dns_writer_opt(struct dns_writer *w, uint16_t payload, uint8_t ext_rcode,
		   bool do_bit);

/* Sets flag bits / the rcode, and writes the section counts. */
void dns_writer_flags(struct dns_writer *w, uint16_t set);
void dns_writer_rcode(struct dns_writer *w, uint8_t rcode);
void dns_writer_finish(struct dns_writer *w);

/* Marks where the writer stands, to roll back a partly written RRset. */
struct dns_writer_mark {
	size_t len;
	uint16_t count[3];
	unsigned n_names;
};
void dns_writer_save(const struct dns_writer *w, struct dns_writer_mark *m);
void dns_writer_restore(struct dns_writer *w, const struct dns_writer_mark *m);

#endif
