/* SPDX-License-Identifier: MIT */
/* Who a request is (Basic, Bearer, ?auth=) and whether it may read or write its topics: ntfy's rules, 401/403/429. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notify/api.h"
#include "notify/auth.h"
#include "notify/internal.h"

/* The Authorization value: the header, or ?auth= (base64url of such a
 * header, for browsers' WebSockets) decoded into @buf. NULL: none. */
static const char *authorization(const struct http_request *req, char *buf,
				 size_t cap)
{
	const char *a = http_request_header(req, "Authorization");
	if (a)
		return a;
	const char *q = http_request_arg(req, "auth");
	if (!q)
		q = http_request_arg(req, "authorization");
	if (!q || !*q)
		return NULL;
	size_t n = 0;
	static const int variants[] = {sodium_base64_VARIANT_URLSAFE_NO_PADDING,
				       sodium_base64_VARIANT_URLSAFE,
				       sodium_base64_VARIANT_ORIGINAL,
				       sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (sodium_base642bin((unsigned char *)buf, cap - 1, q, strlen(q),
				      NULL, &n, NULL, variants[i]) == 0) {
			buf[n] = '\0';
			return buf;
		}
	return "Basic !"; /* present but undecodable: wrong credentials */
}

static struct notify_user *by_token(struct notify_auth *a, const char *tok)
{
	for (size_t i = 0; i < a->n_tokens; i++)
		if (strcmp(a->tokens[i].token, tok) == 0)
			return notify_auth_user(a, a->tokens[i].user);
	return NULL;
}

/* The password check: argon2id once, then a keyed digest of what
 * matched (so a client that sends its password with every request costs
 * one hash, not one per request). */
static bool password_ok(struct notify_auth *a, struct notify_user *u,
			const char *pass)
{
	unsigned char d[32];
	crypto_generichash(d, sizeof(d), (const unsigned char *)pass,
			   strlen(pass), a->key, sizeof(a->key));
	if (u->verified && sodium_memcmp(d, u->ok, sizeof(d)) == 0)
		return true;
	if (crypto_pwhash_str_verify(u->hash, pass, strlen(pass)) != 0)
		return false;
	memcpy(u->ok, d, sizeof(d));
	u->verified = true;
	return true;
}

/* 0 and *user (NULL: anonymous), or 401/429 with @resp filled. */
static int identify(struct notify_room *r, const struct http_request *req,
		    struct http_response *resp, struct notify_user **user)
{
	char buf[1024], dec[1024];
	*user = NULL;
	const char *a = authorization(req, buf, sizeof(buf));
	if (!a)
		return 0;
	struct notify_user *u = NULL;
	if (strncasecmp(a, "Bearer ", 7) == 0) {
		u = by_token(r->auth, a + 7);
	} else if (strncasecmp(a, "Basic ", 6) == 0) {
		size_t n = 0;
		const char *b = a + 6;
		while (*b == ' ')
			b++;
		if (sodium_base642bin((unsigned char *)dec, sizeof(dec) - 1, b,
				      strlen(b), NULL, &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0) {
			dec[n] = '\0';
			char *colon = memchr(dec, ':', n);
			if (colon && strlen(dec) == n) {
				*colon = '\0';
				if (!dec[0])
					u = by_token(r->auth, colon + 1);
				else if ((u = notify_auth_user(r->auth, dec)) &&
					 !password_ok(r->auth, u, colon + 1))
					u = NULL;
			}
		}
		sodium_memzero(dec, sizeof(dec));
	} else {
		return 0; /* WebPush, vapid, ...: anonymous, as in ntfy */
	}
	if (u) {
		*user = u;
		return 0;
	}
	struct sockaddr_any c = http_request_client(req);
	struct ipaddr ip = {0};
	if (c.u.sa.sa_family == AF_INET) {
		ip.family = AF_INET;
		ip.u.v4 = c.u.in.sin_addr;
	} else if (c.u.sa.sa_family == AF_INET6) {
		ip.family = AF_INET6;
		ip.u.v6 = c.u.in6.sin6_addr;
	}
	if (!notify_auth_fail_ok(r->auth, &ip, clock_now_ms(r->clock))) {
		notify_reply_error(resp, 429, 42909, "limit reached: too many "
				   "auth failures");
		return 429;
	}
	notify_reply_error(resp, 401, 40101, "unauthorized");
	http_reply_header(resp, "WWW-Authenticate", "Basic realm=\"ntfy\"");
	return 401;
}

int notify_access_check(struct notify_room *r, const struct http_request *req,
			struct http_response *resp, enum notify_op op,
			const char *topics)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	struct notify_user *u;
	int rc = identify(r, req, resp, &u);
	if (rc)
		return rc;
	bool dr = n->default_access == NOTIFY_ACCESS_READ_WRITE ||
		  n->default_access == NOTIFY_ACCESS_READ_ONLY;
	bool dw = n->default_access == NOTIFY_ACCESS_READ_WRITE ||
		  n->default_access == NOTIFY_ACCESS_WRITE_ONLY;
	/* Every topic of the list must allow it. */
	const char *p = topics;
	while (*p) {
		char t[65];
		size_t len = strcspn(p, ",");
		snprintf(t, sizeof(t), "%.*s", (int)(len < 64 ? len : 64), p);
		bool rd, wr;
		notify_auth_allowed(r->auth, u, t, dr, dw, &rd, &wr);
		if (!(op == NOTIFY_READ ? rd : wr)) {
			notify_reply_error(resp, 403, 40301, "forbidden");
			return 403;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}
