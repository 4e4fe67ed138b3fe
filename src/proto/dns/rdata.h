/* SPDX-License-Identifier: MIT */
/* RDATA of each record type: presentation text <-> wire, and unpacking. */
#ifndef HEARTH_PROTO_DNS_RDATA_H
#define HEARTH_PROTO_DNS_RDATA_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dns/name.h"

/*
 * Known types: A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, CAA (also
 * HINFO, DNAME, DS if cheap). Any type, known or not, also accepts the
 * RFC 3597 generic form "\# <len> <hex...>". Names inside RDATA are held
 * uncompressed in wire form; in text they may be relative to @origin.
 * Pure functions, thread-safe.
 */

/* Largest RDATA held. */
#define DNS_RDATA_MAX 65535

/*
 * Parses presentation text (one record's RDATA, parentheses and comments
 * already removed by the caller, tokens separated by blanks; quoted
 * strings keep their quotes and escapes) into wire RDATA. TXT strings
 * longer than 255 bytes are split into several character-strings.
 * Returns 0, or -EINVAL with a short reason in @why (may be NULL; at
 * least 128 bytes), or -EMSGSIZE when the result exceeds @cap.
 */
int dns_rdata_from_text(uint16_t type, const char *text, size_t text_len,
			const struct dns_name *origin, uint8_t *out, size_t cap,
			size_t *out_len, char *why);

/*
 * Writes canonical presentation text (absolute names with trailing dot,
 * lower-case where the type is case-insensitive, IPv6 compressed, TXT
 * strings quoted and escaped, unknown types in "\# len hex" form).
 * Returns the text length, -EBADMSG when the RDATA is malformed for its
 * type, or -ENOSPC when @cap is too small.
 */
int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t len,
		      char *out, size_t cap);

/*
 * Copies the RDATA of @rdlength bytes at @off in a received message into
 * @out, decompressing names for the types whose RDATA may hold
 * compressed names (NS, CNAME, SOA, PTR, MX; RFC 3597 §4). Checks the
 * RDATA is well-formed for known types. Returns 0 or -EBADMSG/-EMSGSIZE.
 */
int dns_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msg_len,
		     size_t off, uint16_t rdlength, uint8_t *out, size_t cap,
		     size_t *out_len);

/*
 * For types whose RDATA holds names that an answer's additional section
 * follows (NS, MX, SRV: the target host), the offset of that name in
 * @rdata; -1 for other types or malformed data.
 */
int dns_rdata_target(uint16_t type, const uint8_t *rdata, size_t len);

#endif
