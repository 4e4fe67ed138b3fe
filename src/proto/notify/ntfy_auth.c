/* SPDX-License-Identifier: MIT */
/* ntfy access control, pure: credentials (Basic, Bearer, ?auth=), topic patterns, permission resolution. */
#include "proto/notify/ntfy_auth.h"

#include <string.h>
#include <strings.h>

static int b64_value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

long ntfy_base64_decode(const char *in, size_t len, bool url, unsigned char *out,
			size_t cap)
{
	/* Padding only at the end, and only what completes a quad. */
	size_t pad = 0;
	while (len && in[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (pad && (len + pad) % 4)
		return -1;
	if (len % 4 == 1)
		return -1;
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i], url);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Left-over bits must be zero (canonical encoding). */
	if (acc)
		return -1;
	return (long)n;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* @s without leading and trailing blanks, copied into @out (cap bytes
 * with the NUL); false when it does not fit. */
static bool copy_trimmed(const char *s, size_t len, char *out, size_t cap)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= cap)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static enum ntfy_cred_kind invalid(struct ntfy_cred *out)
{
	out->kind = NTFY_CRED_INVALID;
	out->user[0] = out->secret[0] = '\0';
	return out->kind;
}

static enum ntfy_cred_kind parse_token(const char *s, size_t len,
				       struct ntfy_cred *out)
{
	if (!copy_trimmed(s, len, out->secret, sizeof(out->secret)) ||
	    !out->secret[0] || memchr(s, '\0', len))
		return invalid(out);
	out->user[0] = '\0';
	out->kind = NTFY_CRED_TOKEN;
	return out->kind;
}

static enum ntfy_cred_kind parse_basic(const char *b64, struct ntfy_cred *out)
{
	unsigned char raw[NTFY_USER_MAX + NTFY_SECRET_MAX + 2];
	b64 = skip_space(b64);
	size_t len = strlen(b64);
	while (len && (b64[len - 1] == ' ' || b64[len - 1] == '\t'))
		len--;
	long n = ntfy_base64_decode(b64, len, false, raw, sizeof(raw));
	if (n < 0 || memchr(raw, '\0', (size_t)n))
		return invalid(out);
	unsigned char *colon = memchr(raw, ':', (size_t)n);
	if (!colon)
		return invalid(out);
	size_t ulen = (size_t)(colon - raw);
	size_t plen = (size_t)n - ulen - 1;
	if (ulen == 0)
		return parse_token((const char *)colon + 1, plen, out);
	if (ulen > NTFY_USER_MAX || plen > NTFY_SECRET_MAX)
		return invalid(out);
	memcpy(out->user, raw, ulen);
	out->user[ulen] = '\0';
	memcpy(out->secret, colon + 1, plen);
	out->secret[plen] = '\0';
	out->kind = NTFY_CRED_BASIC;
	return out->kind;
}

static enum ntfy_cred_kind parse_value(const char *v, struct ntfy_cred *out)
{
	v = skip_space(v);
	out->user[0] = out->secret[0] = '\0';
	if (strncasecmp(v, "basic ", 6) == 0)
		return parse_basic(v + 6, out);
	if (strncasecmp(v, "bearer ", 7) == 0)
		return parse_token(v + 7, strlen(v + 7), out);
	out->kind = NTFY_CRED_NONE; /* none, or WebPush/vapid/...: ignored */
	return out->kind;
}

enum ntfy_cred_kind ntfy_cred_parse(const char *header, const char *query,
				    struct ntfy_cred *out)
{
	if (query && *query) {
		/* A header value, base64url: long enough for Basic of the
		 * longest user and secret. */
		char v[8 + (NTFY_USER_MAX + NTFY_SECRET_MAX + 2) * 4 / 3 + 8];
		long n = ntfy_base64_decode(query, strlen(query), true,
					    (unsigned char *)v, sizeof(v) - 1);
		if (n < 0 || memchr(v, '\0', (size_t)n))
			return invalid(out);
		v[n] = '\0';
		return parse_value(v, out);
	}
	return parse_value(header ? header : "", out);
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool ntfy_token_valid(const char *s)
{
	if (strlen(s) != NTFY_TOKEN_LEN || strncmp(s, "tk_", 3) != 0)
		return false;
	for (const char *p = s + 3; *p; p++)
		if (!alnum(*p))
			return false;
	return true;
}

static bool all_of(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!alnum(*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool ntfy_user_valid(const char *s)
{
	return all_of(s, NTFY_USER_MAX, "-_.+@");
}

bool ntfy_pattern_valid(const char *s)
{
	return all_of(s, NTFY_PATTERN_MAX, "-_*");
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Iterative glob with one backtrack point: linear in practice, never
 * exponential. */
bool ntfy_pattern_match(const char *p, const char *t)
{
	const char *star = NULL, *resume = NULL;
	while (*t) {
		if (*p == '*') {
			star = p++;
			resume = t;
		} else if (*p && lower(*p) == lower(*t)) {
			p++;
			t++;
		} else if (star) {
			p = star + 1;
			t = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int ntfy_perm_parse(const char *s)
{
	static const struct {
		const char *name;
		int perm;
	} names[] = {
		{"read-write", NTFY_PERM_RW},	{"rw", NTFY_PERM_RW},
		{"read-only", NTFY_PERM_READ},	{"read", NTFY_PERM_READ},
		{"ro", NTFY_PERM_READ},		{"write-only", NTFY_PERM_WRITE},
		{"write", NTFY_PERM_WRITE},	{"wo", NTFY_PERM_WRITE},
		{"deny-all", NTFY_PERM_NONE},	{"deny", NTFY_PERM_NONE},
		{"none", NTFY_PERM_NONE},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].perm;
	return -1;
}

const char *ntfy_perm_name(unsigned perm)
{
	static const char *const names[] = {"deny-all", "read-only",
					    "write-only", "read-write"};
	return names[perm & 3];
}

/* Whether entry @a comes before @b (the first decides). */
static bool before(const struct ntfy_acl_entry *a, const struct ntfy_acl_entry *b)
{
	bool au = strcmp(a->user, "*") != 0, bu = strcmp(b->user, "*") != 0;
	if (au != bu)
		return au;
	size_t al = strlen(a->pattern), bl = strlen(b->pattern);
	if (al != bl)
		return al > bl;
	bool aw = a->perm & NTFY_PERM_WRITE, bw = b->perm & NTFY_PERM_WRITE;
	if (aw != bw)
		return aw;
	return (a->perm & NTFY_PERM_READ) && !(b->perm & NTFY_PERM_READ);
}

unsigned ntfy_acl_resolve(bool admin, const char *user,
			  const struct ntfy_acl_entry *e, size_t n,
			  const char *topic, unsigned default_perm)
{
	if (admin)
		return NTFY_PERM_RW;
	const struct ntfy_acl_entry *best = NULL;
	for (size_t i = 0; i < n; i++) {
		bool everyone = strcmp(e[i].user, "*") == 0;
		if (!everyone && (!user || strcmp(e[i].user, user) != 0))
			continue;
		if (!ntfy_pattern_match(e[i].pattern, topic))
			continue;
		if (!best || before(&e[i], best))
			best = &e[i];
	}
	return best ? best->perm & NTFY_PERM_RW : default_perm & NTFY_PERM_RW;
}
