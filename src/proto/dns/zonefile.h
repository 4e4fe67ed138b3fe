/* SPDX-License-Identifier: MIT */
/* RFC 1035 master-file ("zone file") parser. */
#ifndef HEARTH_PROTO_DNS_ZONEFILE_H
#define HEARTH_PROTO_DNS_ZONEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/dns/name.h"

/*
 * Handles $ORIGIN, $TTL, $INCLUDE (through a callback, so the parser
 * itself never touches the file system), "@", relative owner names,
 * a blank owner meaning the previous owner, optional TTL and class in
 * either order, parentheses spanning lines, ';' comments, quoted strings
 * with escapes, \DDD and \X escapes in names, and TTL units (1h30m, 1d,
 * 1w). Class must be IN (or absent). Records are handed to a callback
 * one by one in file order. Bounded: line length, nesting of includes
 * (8), record count (caller's limit). Thread-safe, no globals.
 */

struct dns_zf_record {
	struct dns_name owner; /* absolute */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	const uint8_t *rdata; /* valid during the callback */
	const char *file;     /* where it was read: valid during the parse */
	int line;	      /* 1-based */
};

struct dns_zf_error {
	char file[256];
	int line; /* 1-based */
	char msg[256];
};

struct dns_zf_ops {
	/* Called per record; non-zero stops the parse and is returned. */
	int (*record)(const struct dns_zf_record *rr, void *ud);
	/* $INCLUDE: loads @path (relative to the including file's directory,
	 * the callback decides) into a malloc'd buffer the parser frees.
	 * NULL: $INCLUDE is refused. Returns 0 or a negative errno. */
	int (*include)(const char *from_file, const char *path, char **data,
		       size_t *len, char *resolved, size_t resolved_cap,
		       void *ud);
	void *ud;
};

/*
 * Parses @len bytes named @file. @origin is the initial $ORIGIN (the
 * zone's apex); @default_ttl applies until a $TTL (RFC 2308: a file
 * without $TTL uses the SOA minimum... callers pass 3600). Returns 0,
 * the callback's non-zero value, or -EINVAL with @err filled
 * (file:line: message).
 */
int dns_zonefile_parse(const char *data, size_t len, const char *file,
		       const struct dns_name *origin, uint32_t default_ttl,
		       const struct dns_zf_ops *ops, struct dns_zf_error *err);

#endif
