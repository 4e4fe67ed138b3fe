/* SPDX-License-Identifier: MIT */
/* Domain names: wire form, text form, decompression and comparisons. */
#ifndef HEARTH_PROTO_DNS_NAME_H
#define HEARTH_PROTO_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/dns/dns.h"

/*
 * A name in uncompressed wire form: length-prefixed labels ending with
 * the root label (a zero byte). The root name is {len 1, "\0"}. Case is
 * kept as given; comparisons are case-insensitive (ASCII only).
 * Caller-allocated value; no heap.
 */
struct dns_name {
	uint8_t len; /* bytes in wire[], 1..255 */
	uint8_t wire[DNS_NAME_MAX];
};

/* Longest text form with escapes (\DDD for every byte) and NUL. */
#define DNS_NAME_TEXT_MAX 1024

/* The root name ".". */
void dns_name_root(struct dns_name *out);

/*
 * Parses presentation form: "www.example.com." (absolute), "www" (relative
 * to @origin, which may be NULL: then relative names are refused), "@"
 * (the origin), escapes "\." and "\DDD". Returns 0 or -EINVAL (empty
 * label, label > 63, name > 255, bad escape, relative without origin).
 */
int dns_name_from_text(const char *text, size_t len,
		       const struct dns_name *origin, struct dns_name *out);

/* Writes presentation form with a trailing dot ("." for the root);
 * printable bytes other than '.', '\\', '"', ';', '(', ')', '@', '$'
 * and space are written as they are, others as \DDD. Returns the length,
 * or -ENOSPC when @cap is too small (DNS_NAME_TEXT_MAX always fits). */
int dns_name_to_text(const struct dns_name *n, char *out, size_t cap);

/*
 * Reads a possibly compressed name from a message at *off, leaving *off
 * after the name as it is stored in place (after the first pointer, if
 * any). Pointers must point strictly backwards (which also bounds loops).
 * Returns 0 or -EBADMSG.
 */
int dns_name_unpack(const uint8_t *msg, size_t msg_len, size_t *off,
		    struct dns_name *out);

/* Number of labels, not counting the root ("www.example.com." is 3). */
unsigned dns_name_labels(const struct dns_name *n);

/* Case-insensitive equality. */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);

/* True when @n equals @parent or lies below it. */
bool dns_name_is_subdomain(const struct dns_name *n,
			   const struct dns_name *parent);

/* Lower-cases ASCII letters in place. */
void dns_name_lower(struct dns_name *n);

/* Removes the leftmost @k labels (k <= labels): "a.b.c." minus 1 is "b.c." */
void dns_name_strip(const struct dns_name *n, unsigned k, struct dns_name *out);

/* Offset in n->wire of the suffix that has @labels labels (0 = root). */
size_t dns_name_suffix_offset(const struct dns_name *n, unsigned labels);

/* Prepends one label ("*" for wildcards). 0 or -EINVAL when too long. */
int dns_name_prepend(const struct dns_name *n, const char *label, size_t len,
		     struct dns_name *out);

/* Canonical DNS ordering (RFC 4034 §6.1): <0, 0, >0. */
int dns_name_compare(const struct dns_name *a, const struct dns_name *b);

/* Hash of the lower-cased wire form. */
uint32_t dns_name_hash(const struct dns_name *n);

#endif
