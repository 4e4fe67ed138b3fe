/* SPDX-License-Identifier: MIT */
/* Apprise's generic URL parser (parse_url, parse_qsd, parse_list, parse_bool, is_hostname) in C. */
#include "proto/notify/apprise_url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

char *apprise_unquote(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n &&
		    (h = hex_digit(s[i + 1])) >= 0 &&
		    (l = hex_digit(s[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

char *apprise_quote(struct arena *a, const char *s, const char *safe)
{
	size_t n = strlen(s);
	char *out = arena_alloc(a, 3 * n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || strchr("_.-~", c) ||
		    (safe && c && strchr(safe, c))) {
			out[o++] = (char)c;
		} else {
			static const char hx[] = "0123456789ABCDEF";
			out[o++] = '%';
			out[o++] = hx[c >> 4];
			out[o++] = hx[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

bool apprise_parse_bool(const char *s, bool dflt)
{
	if (!s)
		return dflt;
	char p[3] = {0};
	for (int i = 0; i < 2 && s[i]; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	static const char *const no[] = {"de", "di", "ne", "f", "n", "no",
					 "of", "0", "fa"};
	static const char *const yes[] = {"en", "al", "t", "y", "ye",
					  "on", "1", "tr"};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (!strcmp(p, no[i]))
			return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!strcmp(p, yes[i]))
			return true;
	return dflt;
}

static bool is_ipv4(const char *s)
{
	struct in_addr a;
	/* inet_pton refuses leading zeros Apprise's regex allows: fine, a
	 * host like 010.0.0.1 is an accident anyway. */
	return inet_pton(AF_INET, s, &a) == 1;
}

static bool is_ipv6(const char *s)
{
	char tmp[64];
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *pct = strchr(tmp, '%'); /* fe80::1%eth0 */
	if (pct)
		*pct = '\0';
	struct in6_addr a;
	return inet_pton(AF_INET6, tmp, &a) == 1;
}

/* One label of is_hostname's regex: ^([a-z0-9][a-z0-9_-]{1,62}|[a-z_-])(?<![_-])$ */
static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	if (s[n - 1] == '_' || s[n - 1] == '-')
		return false;
	if (n == 1)
		return isalpha((unsigned char)s[0]);
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

bool apprise_is_hostname(const char *host)
{
	size_t n = strlen(host);
	if (n == 0 || n > 253)
		return false;
	if (host[n - 1] == '.')
		n--;
	size_t labels = 1;
	bool digits_dots = true;
	for (size_t i = 0; i < n; i++) {
		if (host[i] == '.')
			labels++;
		else if (!isdigit((unsigned char)host[i]))
			digits_dots = false;
	}
	if (labels == 4 && digits_dots && isdigit((unsigned char)host[0])) {
		char tmp[64];
		if (n >= sizeof(tmp))
			return false;
		memcpy(tmp, host, n);
		tmp[n] = '\0';
		return is_ipv4(tmp);
	}
	const char *p = host, *end = host + n;
	bool ok = n > 0;
	while (ok && p <= end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *e = dot ? dot : end;
		ok = label_ok(p, (size_t)(e - p));
		p = e + 1;
		if (!dot)
			break;
	}
	if (ok)
		return true;
	return is_ipv4(host) || is_ipv6(host);
}

static int push_kv(struct arena *a, struct apprise_kv **arr, size_t *n,
		   const char *key, const char *val)
{
	if (*n % 8 == 0) {
		struct apprise_kv *grown =
			arena_alloc(a, (*n + 8) * sizeof(**arr));
		if (!grown)
			return -ENOMEM;
		if (*n)
			memcpy(grown, *arr, *n * sizeof(**arr));
		*arr = grown;
	}
	(*arr)[*n].key = key;
	(*arr)[*n].val = val;
	(*n)++;
	return 0;
}

static char *trim_dup(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	return arena_strndup(a, s, n);
}

/* parse_qsd(): pairs split on '&' and ';'. */
static int parse_qsd(struct arena *a, const char *qs, struct apprise_url *u)
{
	const char *p = qs;
	size_t count = 0;
	while (*p) {
		size_t n = strcspn(p, "&;");
		if (++count > APPRISE_URL_MAX_ARGS)
			return -EINVAL;
		const char *eq = memchr(p, '=', n);
		size_t kn = eq ? (size_t)(eq - p) : n;
		/* The key's first byte is kept; in the rest '+' means ' '. */
		char *rawkey = arena_strndup(a, p, kn);
		if (!rawkey)
			return -ENOMEM;
		for (size_t i = 1; i < kn; i++)
			if (rawkey[i] == '+')
				rawkey[i] = ' ';
		char *key = apprise_unquote(a, rawkey, kn);
		const char *vs = eq ? eq + 1 : p + n;
		char *val0 = apprise_unquote(a, vs, (size_t)(p + n - vs));
		char *val = val0 ? trim_dup(a, val0) : NULL;
		if (!key || !val)
			return -ENOMEM;
		char *lk = trim_dup(a, key);
		if (!lk)
			return -ENOMEM;
		for (char *c = lk; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		int rc = push_kv(a, &u->qsd, &u->nqsd, lk, val);
		if (!rc && (key[0] == '+' || key[0] == ' '))
			rc = push_kv(a, &u->add, &u->nadd, key + 1, val);
		if (!rc && key[0] == '-')
			rc = push_kv(a, &u->del, &u->ndel, key + 1, val);
		if (!rc && key[0] == ':')
			rc = push_kv(a, &u->colon, &u->ncolon, key + 1, val);
		if (rc)
			return rc;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

const char *apprise_url_arg(const struct apprise_url *u, const char *key)
{
	for (size_t i = u->nqsd; i-- > 0;)
		if (!strcmp(u->qsd[i].key, key))
			return u->qsd[i].val;
	return NULL;
}

const char *apprise_url_arg_nonempty(const struct apprise_url *u,
				     const char *key)
{
	const char *v = apprise_url_arg(u, key);
	return v && *v ? v : NULL;
}

int apprise_split_list(struct arena *a, const char *s, const char *more,
		       bool sorted, size_t max, char ***out)
{
	size_t cap = 0, n = 0;
	char **items = NULL;
	const char *p = s ? s : "";
	for (;;) {
		while (*p && (isspace((unsigned char)*p) || strchr(",;[]", *p) ||
			      (more && strchr(more, *p))))
			p++;
		if (!*p)
			break;
		const char *b = p;
		while (*p && !(isspace((unsigned char)*p) || strchr(",;[]", *p) ||
			       (more && strchr(more, *p))))
			p++;
		if (n == max)
			break;
		char *item = arena_strndup(a, b, (size_t)(p - b));
		if (!item)
			return -ENOMEM;
		bool dup = false;
		for (size_t i = 0; sorted && i < n; i++)
			dup = dup || !strcmp(items[i], item);
		if (dup)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			char **g = arena_alloc(a, cap * sizeof(*g));
			if (!g)
				return -ENOMEM;
			if (n)
				memcpy(g, items, n * sizeof(*g));
			items = g;
		}
		items[n++] = item;
	}
	if (sorted) /* insertion sort: lists are short */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(items[j - 1], items[j]) > 0; j--) {
				char *t = items[j];
				items[j] = items[j - 1];
				items[j - 1] = t;
			}
	*out = items;
	return (int)n;
}

/* Collapses runs of '/' (tidy_path) and re-encodes (quote(unquote(p))). */
static int set_path(struct arena *a, const char *p, size_t n,
		    bool trailing_slash, struct apprise_url *u)
{
	char *raw = arena_alloc(a, n + 2);
	if (!raw)
		return -ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '/' && o && raw[o - 1] == '/')
			continue;
		raw[o++] = p[i];
	}
	/* tidy_path's trim of trailing blanks and backslashes */
	while (o > 1 && (raw[o - 1] == '\\' || isspace((unsigned char)raw[o - 1])))
		o--;
	if (trailing_slash && o && raw[o - 1] != '/')
		raw[o++] = '/';
	raw[o] = '\0';
	if (o == 0) {
		u->fullpath = NULL;
		return 0;
	}
	char *dec = apprise_unquote(a, raw, o);
	if (!dec)
		return -ENOMEM;
	u->fullpath = apprise_quote(a, dec, "/");
	if (!u->fullpath)
		return -ENOMEM;
	/* split_path(): segments of the (still encoded) path, decoded. */
	const char *s = raw;
	while (*s) {
		while (*s == '/' || *s == '\\')
			s++;
		if (!*s)
			break;
		const char *b = s;
		while (*s && *s != '/' && *s != '\\')
			s++;
		if (u->nsegs == APPRISE_URL_MAX_SEGS)
			return -EINVAL;
		if (u->nsegs % 8 == 0) {
			char **g = arena_alloc(a, (u->nsegs + 8) * sizeof(*g));
			if (!g)
				return -ENOMEM;
			if (u->nsegs)
				memcpy(g, u->segs, u->nsegs * sizeof(*g));
			u->segs = g;
		}
		u->segs[u->nsegs] = apprise_unquote(a, b, (size_t)(s - b));
		if (!u->segs[u->nsegs])
			return -ENOMEM;
		u->nsegs++;
	}
	return 0;
}

#define FAIL(msg)                  \
	do {                       \
		if (why)           \
			*why = msg; \
		return -EINVAL;    \
	} while (0)

int apprise_url_parse(const char *text, bool verify_host, struct arena *a,
		      struct apprise_url *u, const char **why)
{
	memset(u, 0, sizeof(*u));
	u->port = -1;
	size_t len = strlen(text);
	if (len > APPRISE_URL_MAX)
		FAIL("URL too long");
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	while (len && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	/* schema: 2-9 letters or digits, then "://" (GET_SCHEMA_RE) */
	size_t sl = 0;
	while (sl < len && isalnum((unsigned char)text[sl]))
		sl++;
	if (sl < 2 || sl > 9 || len - sl < 3 || memcmp(text + sl, "://", 3))
		FAIL("not an Apprise URL (schema://...)");
	char *schema = arena_strndup(a, text, sl);
	if (!schema)
		return -ENOMEM;
	for (char *c = schema; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	u->schema = schema;
	u->secure = schema[sl - 1] == 's';

	/* VALID_URL_RE: the schema's separator is every '/' or '\' after ':' */
	const char *p = text + sl + 1, *end = text + len;
	while (p < end && (*p == '/' || *p == '\\'))
		p++;
	const char *q = memchr(p, '?', (size_t)(end - p));
	const char *pe = q ? q : end;
	if (memchr(p, '\0', (size_t)(end - p)))
		FAIL("NUL in URL");
	/* url_to_dict turns "/#" into "/%23" so a '#' channel survives;
	 * any other '#' starts a fragment, which urlparse drops. */
	const char *host_end = p;
	while (host_end < pe && *host_end != '/' && *host_end != '#')
		host_end++;
	const char *path_b = host_end, *path_e = pe;
	struct buf pb;
	buf_init(&pb, APPRISE_URL_MAX * 2);
	for (const char *c = path_b; c < path_e; c++) {
		if (*c == '#' && c > path_b && c[-1] == '/') {
			buf_puts(&pb, "%23");
			continue;
		}
		if (*c == '#')
			break;
		buf_append(&pb, c, 1);
	}
	if (pb.err) {
		buf_deinit(&pb);
		return -ENOMEM;
	}
	bool trailing = len && (text[len - 1] == '/' || text[len - 1] == '\\');
	int rc = set_path(a, pb.data ? pb.data : "", pb.len, trailing, u);
	buf_deinit(&pb);
	if (rc == -EINVAL)
		FAIL("too many path segments");
	if (rc)
		return rc;
	if (q && q + 1 < end) {
		char *qs = arena_strndup(a, q + 1, (size_t)(end - q - 1));
		if (!qs)
			return -ENOMEM;
		rc = parse_qsd(a, qs, u);
		if (rc == -EINVAL)
			FAIL("too many query arguments");
		if (rc)
			return rc;
	}

	/* netloc: user[:password]@host[:port]; re.split('[@]+')[:2] */
	char *net = arena_strndup(a, p, (size_t)(host_end - p));
	if (!net)
		return -ENOMEM;
	char *hostpart = net, *userpart = NULL;
	char *at = strchr(net, '@');
	if (at) {
		userpart = net;
		*at = '\0';
		hostpart = at + 1;
		while (*hostpart == '@')
			hostpart++;
		char *at2 = strchr(hostpart, '@');
		if (at2)
			*at2 = '\0';
	}
	const char *pass = NULL;
	if (userpart) {
		char *colon = strchr(userpart, ':');
		if (colon) {
			*colon = '\0';
			char *pw = colon + 1;
			while (*pw == ':')
				pw++;
			char *c2 = strchr(pw, ':');
			if (c2)
				*c2 = '\0';
			pass = pw;
		}
	}
	/* ^(\[[0-9a-f:]+\]|[^:]+):([^:]*)$ */
	char *colon = NULL;
	if (hostpart[0] == '[') {
		char *rb = strchr(hostpart, ']');
		if (rb && rb[1] == ':' && !strchr(rb + 2, ':'))
			colon = rb + 1;
	} else {
		colon = strchr(hostpart, ':');
		if (colon && (colon == hostpart || strchr(colon + 1, ':')))
			colon = NULL;
	}
	if (colon) {
		const char *ps = colon + 1;
		char *e;
		long port = -1;
		bool digits = *ps != '\0';
		for (const char *c = ps; *c; c++)
			digits = digits && isdigit((unsigned char)*c);
		if (digits) {
			errno = 0;
			port = strtol(ps, &e, 10);
			if (errno || port > 65535)
				digits = false;
		}
		if (!digits && verify_host)
			FAIL("invalid port");
		if (digits) {
			*colon = '\0';
			u->port = (int)port;
		}
	}
	char *host = apprise_unquote(a, hostpart, strlen(hostpart));
	if (!host)
		return -ENOMEM;
	if (verify_host && !apprise_is_hostname(host))
		FAIL("invalid host name");
	size_t hl = strlen(host);
	if (verify_host && hl && host[hl - 1] == '.')
		host[hl - 1] = '\0';
	u->host = host;
	if (userpart) {
		u->user = apprise_unquote(a, userpart, strlen(userpart));
		if (!u->user)
			return -ENOMEM;
	}
	if (pass) {
		u->password = apprise_unquote(a, pass, strlen(pass));
		if (!u->password)
			return -ENOMEM;
	}
	/* URLBase.parse_url: arguments that override the parts in front */
	const char *v;
	if ((v = apprise_url_arg(u, "password")))
		u->password = v;
	if ((v = apprise_url_arg(u, "pass")))
		u->password = v;
	if ((v = apprise_url_arg(u, "user")))
		u->user = v;
	if ((v = apprise_url_arg(u, "port"))) {
		char *e;
		long port = strtol(v, &e, 10);
		u->port = (*v && !*e && port >= 0 && port <= 65535) ? (int)port : -1;
	}
	if (u->user && !*u->user)
		u->user = NULL;
	if (u->password && !*u->password)
		u->password = NULL;
	return 0;
}
