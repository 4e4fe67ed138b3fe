/* SPDX-License-Identifier: MIT */
/* Database monitors' connection strings (mysql://, redis://, rediss://) read into their parts. Pure. */
#ifndef HEARTH_PROTO_WATCH_DBURL_H
#define HEARTH_PROTO_WATCH_DBURL_H

#include <stddef.h>

/* Longest connection string read. */
#define WATCH_DBURL_MAX 1024

/*
 * scheme://[user[:password]@]host[:port][/path][?query]: the parts,
 * percent-decoded (but the query), each NUL-terminated in @buf; NULL
 * when the string has none. host may be a bracketed IPv6 address
 * (given without the brackets). port is 0 when none is written.
 */
struct watch_dburl {
	char scheme[16]; /* lower case */
	const char *user, *password, *host, *path, *query;
	int port;
};

/*
 * Reads @s into @u; the strings live in @buf (@cap bytes, at least
 * strlen(@s) + 5). 0, or -1 with the reason in @why ("no host", "bad
 * port"). Any thread; no allocation.
 */
int watch_dburl_parse(const char *s, struct watch_dburl *u, char *buf,
		      size_t cap, char *why, size_t n);

#endif
