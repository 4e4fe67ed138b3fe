/* SPDX-License-Identifier: MIT */
/* Database monitors' connection strings read into scheme, credentials, host, port, path and query. Pure. */
#include "proto/watch/dburl.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int fail(char *why, size_t n, const char *text)
{
	if (n)
		snprintf(why, n, "%s", text);
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Copies [@s, @s + @len) into *@out of @buf, percent-decoded when
 * @decode; the copy's start, or NULL for a bad escape or a NUL. */
static const char *take(const char *s, size_t len, char **out, bool decode)
{
	char *start = *out, *o = *out;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (decode && c == '%') {
			int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		*o++ = c;
	}
	*o++ = '\0';
	*out = o;
	return start;
}

int watch_dburl_parse(const char *s, struct watch_dburl *u, char *buf,
		      size_t cap, char *why, size_t n)
{
	memset(u, 0, sizeof(*u));
	size_t len = strlen(s);
	if (len > WATCH_DBURL_MAX)
		return fail(why, n, "too long");
	if (cap < len + 5)
		return fail(why, n, "no room");
	const char *sep = strstr(s, "://");
	size_t sl = sep ? (size_t)(sep - s) : 0;
	if (!sep || sl == 0 || sl >= sizeof(u->scheme))
		return fail(why, n, "not scheme://...");
	for (size_t i = 0; i < sl; i++) {
		char c = (char)tolower((unsigned char)s[i]);
		if (!isalnum((unsigned char)c) && c != '+' && c != '-' && c != '.')
			return fail(why, n, "not scheme://...");
		u->scheme[i] = c;
	}
	char *out = buf;
	const char *p = sep + 3;
	/* The authority ends at the first '/', '?' or '#'; its last '@'
	 * ends the credentials (a password may hold '@' when escaped). */
	size_t al = strcspn(p, "/?#");
	const char *at = NULL;
	for (size_t i = 0; i < al; i++)
		if (p[i] == '@')
			at = p + i;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		size_t ul = colon ? (size_t)(colon - p) : (size_t)(at - p);
		if (ul) {
			u->user = take(p, ul, &out, true);
			if (!u->user)
				return fail(why, n, "bad escape in the user");
		}
		if (colon) {
			u->password = take(colon + 1, (size_t)(at - colon - 1),
					   &out, true);
			if (!u->password)
				return fail(why, n, "bad escape in the password");
		}
		al -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	const char *hend;
	if (*p == '[') {
		const char *close = memchr(p, ']', al);
		if (!close || close == p + 1)
			return fail(why, n, "bad [IPv6] host");
		u->host = take(p + 1, (size_t)(close - p - 1), &out, false);
		hend = close + 1;
		if (hend < p + al && *hend != ':')
			return fail(why, n, "bad [IPv6] host");
	} else {
		size_t hl = strcspn(p, ":/?#");
		if (hl > al)
			hl = al;
		if (hl) {
			u->host = take(p, hl, &out, true);
			if (!u->host)
				return fail(why, n, "bad escape in the host");
		}
		hend = p + hl;
	}
	if (!u->host || !*u->host)
		return fail(why, n, "no host");
	if (strpbrk(u->host, " \t\r\n@[]"))
		return fail(why, n, "bad host");
	if (hend < p + al && *hend == ':') {
		const char *d = hend + 1;
		long v = 0;
		size_t k = 0;
		while (d + k < p + al && isdigit((unsigned char)d[k]) && k < 6)
			v = v * 10 + (d[k++] - '0');
		if (k == 0 || d + k != p + al || v < 1 || v > 65535)
			return fail(why, n, "bad port");
		u->port = (int)v;
	}
	p += al;
	if (*p == '/') {
		size_t pl = strcspn(p + 1, "?#");
		if (pl) {
			u->path = take(p + 1, pl, &out, true);
			if (!u->path)
				return fail(why, n, "bad escape in the path");
		}
		p += 1 + pl;
	}
	if (*p == '?') {
		size_t ql = strcspn(p + 1, "#");
		if (ql)
			u->query = take(p + 1, ql, &out, false);
		p += 1 + ql;
	}
	if (*p == '#')
		return fail(why, n, "a fragment (#...) is not allowed");
	return 0;
}
