/* SPDX-License-Identifier: MIT */
/* Apprise URLs taken apart the way Apprise's parse_url() does: schema, user, password, host, port, path, ?options. */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_URL_H
#define HEARTH_PROTO_NOTIFY_APPRISE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

/*
 * The generic layer every Apprise plugin starts from (utils.parse_url +
 * URLBase/NotifyBase.parse_url of Apprise 1.2.0): `schema://[user[:pass]@]
 * host[:port][/path][?k=v&k2=v2;k3]`. Query keys are lowercased into qsd;
 * keys starting with '+' (or ' '), '-' and ':' also land in add/del/colon
 * with the prefix removed and case kept (extra headers, query parameters
 * and payload fields of json://, form://, xml://). Values are
 * percent-decoded and trimmed; '+' stays '+' (Apprise keeps it: tokens
 * and passwords use it). ?user=, ?password=/?pass= and ?port= override
 * the parts in front.
 *
 * Everything lives in the caller's arena. Pure; thread-safe.
 */

#define APPRISE_URL_MAX 8192 /* longer URLs are refused */
#define APPRISE_URL_MAX_ARGS 64
#define APPRISE_URL_MAX_SEGS 64

struct apprise_kv {
	const char *key, *val;
};

struct apprise_url {
	const char *schema; /* lowercased, e.g. "jsons" */
	bool secure;	    /* schema ends in 's' */
	const char *user, *password; /* decoded; NULL when absent */
	const char *host;	     /* decoded; "" when empty */
	int port;		     /* -1: none given */
	const char *fullpath; /* percent-encoded path with its leading '/'
				 (slashes collapsed), NULL when empty */
	char **segs;	      /* the path's non-empty segments, decoded */
	size_t nsegs;
	struct apprise_kv *qsd, *add, *del, *colon;
	size_t nqsd, nadd, ndel, ncolon;
};

/*
 * Parses @text (NUL-terminated). @verify_host: the host must be a valid
 * host name or address (Apprise's verify_host; plugins whose "host" is a
 * token pass false). Returns 0, -EINVAL (@why says why, when non-NULL)
 * or -ENOMEM.
 */
int apprise_url_parse(const char *text, bool verify_host, struct arena *a,
		      struct apprise_url *out, const char **why);

/* The last value given for the (lowercase) query key @key, or NULL. */
const char *apprise_url_arg(const struct apprise_url *u, const char *key);

/* Like apprise_url_arg but NULL also for an empty value. */
const char *apprise_url_arg_nonempty(const struct apprise_url *u,
				     const char *key);

/* Apprise's parse_bool: yes/true/on/1/enable... true, no/false/off/0/
 * never/disable... false, anything else @dflt. NULL gives @dflt. */
bool apprise_parse_bool(const char *s, bool dflt);

/* True when @host is a host name, IPv4 address or [IPv6] as Apprise's
 * is_hostname() accepts it. */
bool apprise_is_hostname(const char *host);

/* Percent-decodes @n bytes of @s into a new arena string ("+" kept). */
char *apprise_unquote(struct arena *a, const char *s, size_t n);

/* Percent-encodes @s (RFC 3986 unreserved and the bytes of @safe kept). */
char *apprise_quote(struct arena *a, const char *s, const char *safe);

/*
 * Apprise's parse_list: splits @s on runs of whitespace, ',', ';', '[' and
 * ']' (@more adds delimiter bytes, e.g. "/\\#"), drops empty items.
 * Apprise sorts and deduplicates (@sorted true) for tags; target lists
 * keep their order. Returns the count; *out is an arena array, or
 * -ENOMEM. At most @max items are kept.
 */
int apprise_split_list(struct arena *a, const char *s, const char *more,
		       bool sorted, size_t max, char ***out);

#endif
