/* SPDX-License-Identifier: MIT */
/* RDATA text <-> wire for the less common types (LOC, SVCB, DNSKEY...). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"
#include "proto/dns/rdata_priv.h"

/*
 * Presentation formats follow the RFCs and what PowerDNS 4.7 writes:
 * hex in lower case, base64 in one run, LOC as "d m s.sss N d m s.sss E
 * alt size hp vp" with metres to two decimals, SVCB parameters by name.
 */

bool rdx_known(uint16_t type)
{
	switch (type) {
	case DNS_T_MB:
	case DNS_T_MG:
	case DNS_T_MR:
	case DNS_T_ALIAS:
	case DNS_T_RP:
	case DNS_T_AFSDB:
	case DNS_T_LOC:
	case DNS_T_NAPTR:
	case DNS_T_SSHFP:
	case DNS_T_TLSA:
	case DNS_T_DNSKEY:
	case DNS_T_CDNSKEY:
	case DNS_T_OPENPGPKEY:
	case DNS_T_SVCB:
	case DNS_T_HTTPS:
	case DNS_T_EUI48:
	case DNS_T_EUI64:
	case DNS_T_URI:
		return true;
	default:
		return false;
	}
}

/* ---- base64 ---- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void w_base64(struct wr *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && !w->over; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63],
			     i + 1 < n ? b64[v >> 6 & 63] : '=',
			     i + 2 < n ? b64[v & 63] : '='};
		w_mem(w, q, 4);
	}
}

/* The remaining tokens as base64, blanks between them allowed. */
static int put_base64(struct ob *o, struct lexer *lx, const char *what,
		      char *why)
{
	struct tok t;
	uint32_t acc = 0;
	int rc, bits = 0, pad = 0;
	size_t start = o->n;

	while ((rc = rd_lex(lx, &t, why)) == 1) {
		for (size_t i = 0; i < t.len; i++) {
			const char *d = t.quoted ? NULL : strchr(b64, t.p[i]);
			if (!t.quoted && t.p[i] == '=' && bits >= 2) {
				pad++;
				continue;
			}
			if (!d || !*d || pad) {
				set_why(why, "bad base64 in %s '%.*s'", what,
					SHOW(&t));
				return -EINVAL;
			}
			acc = acc << 6 | (uint32_t)(d - b64);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if ((rc = ob_u8(o, acc >> bits & 0xff)))
					return rc;
			}
		}
	}
	if (rc < 0)
		return rc;
	if (o->n == start || bits >= 6 || (acc & ((1u << bits) - 1))) {
		set_why(why, o->n == start ? "missing %s" : "bad base64 in %s",
			what);
		return -EINVAL;
	}
	return 0;
}

/* ---- LOC (RFC 1876) ---- */

/* A size/precision byte: mantissa and power of ten, in centimetres. */
static uint64_t loc_cm(uint8_t b)
{
	uint64_t v = b >> 4;
	for (int e = b & 15; e > 0; e--)
		v *= 10;
	return v;
}

static bool loc_size_ok(uint8_t b)
{
	return (b >> 4) <= 9 && (b & 15) <= 9;
}

static void w_loc_coord(struct wr *w, uint32_t v, char pos, char neg)
{
	int64_t d = (int64_t)v - ((int64_t)1 << 31);
	char hemi = d < 0 ? neg : pos;
	uint64_t ms = (uint64_t)(d < 0 ? -d : d);
	w_fmt(w, "%llu %llu %llu.%03llu %c",
	      (unsigned long long)(ms / 3600000),
	      (unsigned long long)(ms / 60000 % 60),
	      (unsigned long long)(ms / 1000 % 60),
	      (unsigned long long)(ms % 1000), hemi);
}

static void w_loc_m(struct wr *w, uint64_t cm)
{
	w_fmt(w, "%llu.%02llum", (unsigned long long)(cm / 100),
	      (unsigned long long)(cm % 100));
}

static void loc_to_text(const uint8_t *p, struct wr *w)
{
	w_loc_coord(w, dns_get32(p + 4), 'N', 'S');
	w_mem(w, " ", 1);
	w_loc_coord(w, dns_get32(p + 8), 'E', 'W');
	int64_t alt = (int64_t)dns_get32(p + 12) - 10000000;
	uint64_t a = (uint64_t)(alt < 0 ? -alt : alt);
	w_fmt(w, " %s", alt < 0 ? "-" : "");
	w_loc_m(w, a);
	for (int i = 1; i <= 3; i++) {
		w_mem(w, " ", 1);
		w_loc_m(w, loc_cm(p[i]));
	}
}

/* "[-]digits[.digits]" scaled by 10^@frac (extra digits refused), with
 * an optional trailing @unit. */
static int p_decimal(const struct tok *t, int frac, char unit, bool sign,
		     int64_t *out)
{
	size_t n = t->len, i = 0;
	bool neg = false, dot = false, any = false;
	int64_t v = 0;
	int f = 0;

	if (t->quoted)
		return -EINVAL;
	if (unit && n && (t->p[n - 1] | 0x20) == unit)
		n--;
	if (sign && i < n && t->p[i] == '-') {
		neg = true;
		i++;
	}
	for (; i < n; i++) {
		char c = t->p[i];
		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9' || (dot && f == frac) ||
		    v > INT64_MAX / 100)
			return -EINVAL;
		v = v * 10 + (c - '0');
		any = true;
		if (dot)
			f++;
	}
	if (!any)
		return -EINVAL;
	for (; f < frac; f++)
		v *= 10;
	*out = neg ? -v : v;
	return 0;
}

/* One coordinate: "d [m [s.sss]] H". */
static int loc_coord(struct lexer *lx, unsigned maxdeg, char pos, char neg,
		     uint32_t *out, char *why)
{
	struct tok t;
	int64_t part[3] = {0, 0, 0}, v;
	int k = 0, rc;
	for (;;) {
		if ((rc = rd_need(lx, &t, "LOC coordinate", why)))
			return rc;
		if (t.len == 1 && !t.quoted &&
		    ((t.p[0] & ~0x20) == pos || (t.p[0] & ~0x20) == neg))
			break;
		if (k == 3 || p_decimal(&t, k == 2 ? 3 : 0, 0, false, &v) ||
		    (k > 0 && v >= (k == 2 ? 60000 : 60)) ||
		    (k == 0 && v > maxdeg))
			goto bad;
		part[k++] = v;
	}
	if (k == 0)
		goto bad;
	int64_t ms = ((part[0] * 60 + part[1]) * 60) * 1000 + part[2];
	if (ms > (int64_t)maxdeg * 3600000)
		goto bad;
	if ((t.p[0] & ~0x20) == neg)
		ms = -ms;
	*out = (uint32_t)(((int64_t)1 << 31) + ms);
	return 0;
bad:
	set_why(why, "bad LOC coordinate at '%.*s'", SHOW(&t));
	return -EINVAL;
}

static int loc_from_text(struct lexer *lx, struct ob *o, char *why)
{
	uint32_t lat, lon;
	int64_t alt;
	struct tok t;
	int rc;
	/* size 1 m, horizontal precision 10 km, vertical 10 m */
	uint8_t sz[3] = {0x12, 0x16, 0x13};

	if ((rc = loc_coord(lx, 90, 'N', 'S', &lat, why)) ||
	    (rc = loc_coord(lx, 180, 'E', 'W', &lon, why)) ||
	    (rc = rd_need(lx, &t, "LOC altitude", why)))
		return rc;
	if (p_decimal(&t, 2, 'm', true, &alt) || alt < -10000000 ||
	    alt > (int64_t)UINT32_MAX - 10000000) {
		set_why(why, "bad LOC altitude '%.*s'", SHOW(&t));
		return -EINVAL;
	}
	for (int i = 0; i < 3 && (rc = rd_lex(lx, &t, why)) == 1; i++) {
		int64_t cm;
		if (p_decimal(&t, 2, 'm', false, &cm) || cm > 9000000000LL) {
			set_why(why, "bad LOC size '%.*s'", SHOW(&t));
			return -EINVAL;
		}
		int e = 0;
		while (cm >= 10 && e < 9) {
			if (cm % 10) {
				set_why(why, "LOC size '%.*s' is not one digit "
					"times a power of ten", SHOW(&t));
				return -EINVAL;
			}
			cm /= 10;
			e++;
		}
		sz[i] = (uint8_t)(cm << 4 | e);
	}
	if (rc < 0 || (rc = rd_need_end(lx, why)))
		return rc;
	if ((rc = ob_u8(o, 0)) || (rc = ob_put(o, sz, 3)) ||
	    (rc = ob_u32(o, lat)) || (rc = ob_u32(o, lon)))
		return rc;
	return ob_u32(o, (uint32_t)(alt + 10000000));
}

/* ---- SVCB / HTTPS (RFC 9460) ---- */

static const char *const svc_keys[] = {
	"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech",
	"ipv6hint",
};
#define SVC_NKEYS (sizeof(svc_keys) / sizeof(svc_keys[0]))

static int svc_key_parse(const char *p, size_t n, uint16_t *out)
{
	for (size_t k = 0; k < SVC_NKEYS; k++)
		if (strlen(svc_keys[k]) == n && memcmp(svc_keys[k], p, n) == 0) {
			*out = (uint16_t)k;
			return 0;
		}
	if (n > 3 && n <= 8 && memcmp(p, "key", 3) == 0) {
		unsigned v = 0;
		for (size_t i = 3; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return -EINVAL;
			v = v * 10 + (unsigned)(p[i] - '0');
		}
		if (v > 65535)
			return -EINVAL;
		*out = (uint16_t)v;
		return 0;
	}
	return -EINVAL;
}

static void w_svc_key(struct wr *w, uint16_t key)
{
	if (key < SVC_NKEYS)
		w_str(w, svc_keys[key]);
	else
		w_fmt(w, "key%u", (unsigned)key);
}

/* Well-formed value for @key (RFC 9460 §7). */
static bool svc_value_ok(uint16_t key, const uint8_t *v, size_t n)
{
	size_t off = 0;
	switch (key) {
	case 0:
		return n && n % 2 == 0;
	case 1:
		if (!n)
			return false;
		while (off < n)
			if (v[off] == 0 || rd_cstr(v, n, &off))
				return false;
		return true;
	case 2:
		return n == 0;
	case 3:
		return n == 2;
	case 4:
		return n && n % 4 == 0;
	case 6:
		return n && n % 16 == 0;
	default:
		return true;
	}
}

static int svc_check(const uint8_t *p, size_t len)
{
	size_t off = 2;
	int last = -1;
	if (len < 3 || rd_name(p, len, &off, NULL))
		return -EBADMSG;
	while (off < len) {
		if (len - off < 4)
			return -EBADMSG;
		uint16_t key = dns_get16(p + off), n = dns_get16(p + off + 2);
		off += 4;
		if ((int)key <= last || n > len - off ||
		    !svc_value_ok(key, p + off, n))
			return -EBADMSG;
		last = key;
		off += n;
	}
	return 0;
}

/* A byte of a SVCB value: printable except the separators, else \DDD. */
static void w_svc_bytes(struct wr *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == '\\' ||
		    c == '"' || c == ';' || c == '(' || c == ')') {
			w_fmt(w, "\\%03u", c);
		} else {
			char ch = (char)c;
			w_mem(w, &ch, 1);
		}
	}
}

static void svc_to_text(const uint8_t *p, size_t len, struct wr *w)
{
	struct dns_name target;
	char addr[INET6_ADDRSTRLEN];
	size_t off = 2;
	rd_name(p, len, &off, &target);
	w_fmt(w, "%u ", (unsigned)dns_get16(p));
	w_name(w, &target);
	while (off < len) {
		uint16_t key = dns_get16(p + off), n = dns_get16(p + off + 2);
		const uint8_t *v = p + off + 4;
		off += 4 + (size_t)n;
		w_mem(w, " ", 1);
		w_svc_key(w, key);
		if (key == 2 || (key >= SVC_NKEYS && n == 0))
			continue;
		w_mem(w, "=", 1);
		for (size_t i = 0; i < n;) {
			if (i)
				w_mem(w, ",", 1);
			switch (key) {
			case 0:
				w_svc_key(w, dns_get16(v + i));
				i += 2;
				break;
			case 1:
				w_svc_bytes(w, v + i + 1, v[i]);
				i += 1 + (size_t)v[i];
				break;
			case 3:
				w_fmt(w, "%u", (unsigned)dns_get16(v));
				i = n;
				break;
			case 4:
			case 6:
				inet_ntop(key == 4 ? AF_INET : AF_INET6, v + i,
					  addr, sizeof(addr));
				w_str(w, addr);
				i += key == 4 ? 4 : 16;
				break;
			case 5: /* quoted, as PowerDNS writes them */
				w_mem(w, "\"", 1);
				w_base64(w, v, n);
				w_mem(w, "\"", 1);
				i = n;
				break;
			default:
				w_mem(w, "\"", 1);
				w_svc_bytes(w, v, n);
				w_mem(w, "\"", 1);
				i = n;
				break;
			}
		}
	}
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)dns_get16(a) - (int)dns_get16(b); /* wire order */
}

/* One value of the comma-separated list of @key into @o. */
static int svc_item(uint16_t key, const struct tok *item, struct ob *o,
		    char *why)
{
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t bin[16];
	uint16_t k;
	uint32_t v;
	int rc;
	switch (key) {
	case 0:
		if (svc_key_parse(item->p, item->len, &k))
			goto bad;
		return ob_u16(o, k);
	case 1:
		if (item->len == 0)
			goto bad;
		return put_cstr(o, item, false, why);
	case 3:
		if ((rc = p_uint(item, 65535, "SVCB port", &v, why)))
			return rc;
		return ob_u16(o, v);
	case 4:
	case 6:
		if (item->len >= sizeof(buf))
			goto bad;
		memcpy(buf, item->p, item->len);
		buf[item->len] = '\0';
		if (inet_pton(key == 4 ? AF_INET : AF_INET6, buf, bin) != 1)
			goto bad;
		return ob_put(o, bin, key == 4 ? 4 : 16);
	default:
		return -EINVAL; /* not a list */
	}
bad:
	set_why(why, "bad SVCB value '%.*s'", SHOW(item));
	return -EINVAL;
}

/* The value of one parameter (text between '=' and the end, or the
 * quoted string after it) into @o. */
static int svc_value(uint16_t key, const struct tok *val, struct ob *o,
		     char *why)
{
	int rc;
	if (key == 5) {
		struct lexer lx = {val->p, val->len, 0};
		return put_base64(o, &lx, "SVCB ech", why);
	}
	if (key >= SVC_NKEYS || key == 2) {
		size_t i = 0;
		uint8_t c;
		while ((rc = dec_next(val, &i, &c)) == 1)
			if ((rc = ob_put(o, &c, 1)))
				return rc;
		return rc < 0 ? -EINVAL : 0;
	}
	for (size_t start = 0, i = 0;;) {
		if (i < val->len && val->p[i] == '\\') {
			i += 2;
			continue;
		}
		if (i < val->len && val->p[i] != ',') {
			i++;
			continue;
		}
		size_t end = i > val->len ? val->len : i;
		struct tok item = {val->p + start, end - start, false};
		if ((rc = svc_item(key, &item, o, why)))
			return rc;
		if (i >= val->len)
			break;
		start = ++i;
	}
	return 0;
}

struct svc_param {
	uint16_t key;
	size_t off, len; /* in the scratch buffer */
};

static int svc_from_text(struct lexer *lx, struct ob *o,
			 const struct dns_name *origin, char *why)
{
	struct svc_param ps[64];
	size_t np = 0;
	uint8_t *scratch = malloc(DNS_RDATA_MAX);
	struct ob s = {scratch, DNS_RDATA_MAX, 0};
	struct tok t;
	int rc;

	if (!scratch)
		return -ENOMEM;
	if ((rc = put_uint(o, lx, "SVCB priority", 2, why)) ||
	    (rc = put_name(o, lx, "SVCB target", origin, why)))
		goto out;
	while ((rc = rd_lex(lx, &t, why)) == 1) {
		const char *eq = t.quoted ? NULL : memchr(t.p, '=', t.len);
		size_t kn = eq ? (size_t)(eq - t.p) : t.len;
		struct tok val = {eq ? eq + 1 : t.p + t.len,
				  eq ? t.len - kn - 1 : 0, false};
		if (t.quoted || np == sizeof(ps) / sizeof(ps[0]) ||
		    svc_key_parse(t.p, kn, &ps[np].key)) {
			set_why(why, "bad SVCB parameter '%.*s'", SHOW(&t));
			rc = -EINVAL;
			goto out;
		}
		if (eq && val.len == 0) { /* key="quoted value" */
			size_t save = lx->pos;
			if (rd_lex(lx, &val, why) != 1 || !val.quoted) {
				lx->pos = save;
				val = (struct tok){eq + 1, 0, false};
			}
		}
		if (!eq && ps[np].key < SVC_NKEYS && ps[np].key != 2) {
			set_why(why, "SVCB parameter '%.*s' needs a value",
				SHOW(&t));
			rc = -EINVAL;
			goto out;
		}
		ps[np].off = s.n;
		if ((rc = svc_value(ps[np].key, &val, &s, why))) {
			if (rc == -EINVAL && why && !why[0])
				set_why(why, "bad SVCB value '%.*s'", SHOW(&t));
			goto out;
		}
		ps[np].len = s.n - ps[np].off;
		if (ps[np].key == 0) /* mandatory keys go in order */
			qsort(scratch + ps[np].off, ps[np].len / 2, 2, cmp_u16);
		np++;
	}
	if (rc < 0)
		goto out;
	/* parameters go in key order, each once */
	for (size_t i = 1; i < np; i++)
		for (size_t j = i; j > 0 && ps[j - 1].key > ps[j].key; j--) {
			struct svc_param x = ps[j];
			ps[j] = ps[j - 1];
			ps[j - 1] = x;
		}
	for (size_t i = 0; i < np && !rc; i++) {
		if (i && ps[i].key == ps[i - 1].key) {
			set_why(why, "SVCB parameter given twice");
			rc = -EINVAL;
			break;
		}
		if ((rc = ob_u16(o, ps[i].key)) ||
		    (rc = ob_u16(o, (uint32_t)ps[i].len)))
			break;
		rc = ob_put(o, scratch + ps[i].off, ps[i].len);
	}
	if (!rc && svc_check(o->p, o->n)) {
		set_why(why, "bad SVCB parameters");
		rc = -EINVAL;
	}
out:
	free(scratch);
	return rc;
}

/* ---- the rest ---- */

int rdx_check(uint16_t type, const uint8_t *p, size_t len)
{
	size_t off = 0;
	switch (type) {
	case DNS_T_MB:
	case DNS_T_MG:
	case DNS_T_MR:
	case DNS_T_ALIAS:
		if (rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_RP:
		if (rd_name(p, len, &off, NULL) || rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_AFSDB:
		off = 2;
		if (rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_LOC:
		if (len != 16 || p[0] != 0 || !loc_size_ok(p[1]) ||
		    !loc_size_ok(p[2]) || !loc_size_ok(p[3]))
			return -EBADMSG;
		off = len;
		break;
	case DNS_T_NAPTR:
		off = 4;
		for (int i = 0; i < 3; i++)
			if (rd_cstr(p, len, &off))
				return -EBADMSG;
		if (rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_SSHFP:
		return len >= 3 ? 0 : -EBADMSG;
	case DNS_T_TLSA:
		return len >= 4 ? 0 : -EBADMSG;
	case DNS_T_DNSKEY:
	case DNS_T_CDNSKEY:
		return len >= 5 ? 0 : -EBADMSG;
	case DNS_T_OPENPGPKEY:
		return len >= 1 ? 0 : -EBADMSG;
	case DNS_T_SVCB:
	case DNS_T_HTTPS:
		return svc_check(p, len);
	case DNS_T_EUI48:
		return len == 6 ? 0 : -EBADMSG;
	case DNS_T_EUI64:
		return len == 8 ? 0 : -EBADMSG;
	case DNS_T_URI:
		return len >= 5 ? 0 : -EBADMSG;
	default:
		return 1;
	}
	return off == len ? 0 : -EBADMSG;
}

void rdx_to_text(uint16_t type, const uint8_t *p, size_t len, struct wr *w)
{
	struct dns_name n;
	size_t off = 0;
	switch (type) {
	case DNS_T_MB:
	case DNS_T_MG:
	case DNS_T_MR:
	case DNS_T_ALIAS:
	case DNS_T_RP:
		rd_name(p, len, &off, &n);
		w_name(w, &n);
		if (type == DNS_T_RP) {
			rd_name(p, len, &off, &n);
			w_mem(w, " ", 1);
			w_name(w, &n);
		}
		break;
	case DNS_T_AFSDB:
		off = 2;
		rd_name(p, len, &off, &n);
		w_fmt(w, "%u ", (unsigned)dns_get16(p));
		w_name(w, &n);
		break;
	case DNS_T_LOC:
		loc_to_text(p, w);
		break;
	case DNS_T_NAPTR:
		w_fmt(w, "%u %u", (unsigned)dns_get16(p),
		      (unsigned)dns_get16(p + 2));
		off = 4;
		for (int i = 0; i < 3; i++) {
			w_mem(w, " ", 1);
			w_quoted(w, p + off + 1, p[off]);
			off += 1 + (size_t)p[off];
		}
		rd_name(p, len, &off, &n);
		w_mem(w, " ", 1);
		w_name(w, &n);
		break;
	case DNS_T_SSHFP:
		w_fmt(w, "%u %u ", p[0], p[1]);
		w_hex(w, p + 2, len - 2);
		break;
	case DNS_T_TLSA:
		w_fmt(w, "%u %u %u ", p[0], p[1], p[2]);
		w_hex(w, p + 3, len - 3);
		break;
	case DNS_T_DNSKEY:
	case DNS_T_CDNSKEY:
		w_fmt(w, "%u %u %u ", (unsigned)dns_get16(p), p[2], p[3]);
		w_base64(w, p + 4, len - 4);
		break;
	case DNS_T_OPENPGPKEY:
		w_base64(w, p, len);
		break;
	case DNS_T_SVCB:
	case DNS_T_HTTPS:
		svc_to_text(p, len, w);
		break;
	case DNS_T_EUI48:
	case DNS_T_EUI64:
		for (size_t i = 0; i < len; i++)
			w_fmt(w, i ? "-%02x" : "%02x", p[i]);
		break;
	case DNS_T_URI:
		w_fmt(w, "%u %u ", (unsigned)dns_get16(p),
		      (unsigned)dns_get16(p + 2));
		w_quoted(w, p + 4, len - 4);
		break;
	}
}

static int eui_from_text(struct lexer *lx, struct ob *o, size_t n,
			 char *why)
{
	struct tok t;
	int rc = rd_need(lx, &t, "EUI address", why);
	if (rc)
		return rc;
	if (t.quoted || t.len != n * 3 - 1)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(t.p[i * 3]), lo = hex_digit(t.p[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i + 1 < n && t.p[i * 3 + 2] != '-'))
			goto bad;
		if ((rc = ob_u8(o, (uint32_t)(hi << 4 | lo))))
			return rc;
	}
	return rd_need_end(lx, why);
bad:
	set_why(why, "bad EUI%zu address '%.*s' (xx-xx-...)", n * 8, SHOW(&t));
	return -EINVAL;
}

int rdx_from_text(uint16_t type, struct lexer *lx, struct ob *o,
		  const struct dns_name *origin, char *why)
{
	struct tok t;
	int rc = 0;
	char tb[16];
	const char *tn = dns_type_name(type, tb);
	size_t start = o->n;

	switch (type) {
	case DNS_T_MB:
	case DNS_T_MG:
	case DNS_T_MR:
	case DNS_T_ALIAS:
		rc = put_name(o, lx, "name", origin, why);
		break;
	case DNS_T_RP:
		if ((rc = put_name(o, lx, "RP mailbox", origin, why)) == 0)
			rc = put_name(o, lx, "RP txt name", origin, why);
		break;
	case DNS_T_AFSDB:
		if ((rc = put_uint(o, lx, "AFSDB subtype", 2, why)) == 0)
			rc = put_name(o, lx, "AFSDB hostname", origin, why);
		break;
	case DNS_T_LOC:
		return loc_from_text(lx, o, why);
	case DNS_T_NAPTR: {
		static const char *const what[] = {"NAPTR flags", "NAPTR service",
						   "NAPTR regexp"};
		if ((rc = put_uint(o, lx, "NAPTR order", 2, why)) ||
		    (rc = put_uint(o, lx, "NAPTR preference", 2, why)))
			break;
		for (int i = 0; i < 3 && !rc; i++)
			if ((rc = rd_need(lx, &t, what[i], why)) == 0)
				rc = put_cstr(o, &t, false, why);
		if (!rc)
			rc = put_name(o, lx, "NAPTR replacement", origin, why);
		break;
	}
	case DNS_T_SSHFP:
	case DNS_T_TLSA:
		for (int i = 0; i < (type == DNS_T_TLSA ? 3 : 2) && !rc; i++)
			rc = put_uint(o, lx, tn, 1, why);
		if (!rc)
			rc = put_hex(o, lx, why);
		if (!rc && o->n == start + (type == DNS_T_TLSA ? 3u : 2u)) {
			set_why(why, "missing %s data", tn);
			rc = -EINVAL;
		}
		return rc;
	case DNS_T_DNSKEY:
	case DNS_T_CDNSKEY:
		if ((rc = put_uint(o, lx, "DNSKEY flags", 2, why)) ||
		    (rc = put_uint(o, lx, "DNSKEY protocol", 1, why)) ||
		    (rc = put_uint(o, lx, "DNSKEY algorithm", 1, why)))
			return rc;
		return put_base64(o, lx, "DNSKEY key", why);
	case DNS_T_OPENPGPKEY:
		return put_base64(o, lx, "OPENPGPKEY key", why);
	case DNS_T_SVCB:
	case DNS_T_HTTPS:
		return svc_from_text(lx, o, origin, why);
	case DNS_T_EUI48:
		return eui_from_text(lx, o, 6, why);
	case DNS_T_EUI64:
		return eui_from_text(lx, o, 8, why);
	case DNS_T_URI: {
		if ((rc = put_uint(o, lx, "URI priority", 2, why)) ||
		    (rc = put_uint(o, lx, "URI weight", 2, why)) ||
		    (rc = rd_need(lx, &t, "URI target", why)))
			return rc;
		size_t i = 0;
		uint8_t c;
		while ((rc = dec_next(&t, &i, &c)) == 1)
			if ((rc = ob_put(o, &c, 1)))
				return rc;
		if (rc < 0 || o->n == start + 4) {
			set_why(why, "bad URI target '%.*s'", SHOW(&t));
			return -EINVAL;
		}
		break;
	}
	}
	if (rc)
		return rc;
	return rd_need_end(lx, why);
}
