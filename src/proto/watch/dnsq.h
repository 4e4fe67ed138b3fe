/* SPDX-License-Identifier: MIT */
/* dns monitors: one query written and its answer read with hearth's own DNS codec. Pure. */
#ifndef HEARTH_PROTO_WATCH_DNSQ_H
#define HEARTH_PROTO_WATCH_DNSQ_H

#include <stddef.h>
#include <stdint.h>

#define WATCH_DNS_QUERY_MAX 512

/* Writes a recursive query for @name (presentation form) of @qtype with
 * @id into @out (WATCH_DNS_QUERY_MAX bytes): its length, or -1 for a bad
 * name. */
int watch_dns_query(uint8_t *out, uint16_t id, const char *name,
		    uint16_t qtype);

/*
 * Reads the answer to query @id: the rcode, and the presentation text of
 * each answer record of @qtype joined by ", " into @out (truncated to
 * @cap; "" when none), their number in *count. -1 when @msg is not a
 * well-formed response to @id.
 */
int watch_dns_answer(const uint8_t *msg, size_t len, uint16_t id,
		     uint16_t qtype, char *out, size_t cap, int *count);

#endif
