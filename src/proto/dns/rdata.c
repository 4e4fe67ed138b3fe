/* SPDX-License-Identifier: MIT */
/* RDATA of each record type: presentation text <-> wire, and unpacking. */
#include "proto/dns/rdata.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "proto/dns/rdata_priv.h"

/*
 * Every known type has one wire checker (check_wire) that decides what
 * RDATA is well-formed. The text writer, the unpacker and the generic
 * "\#" parser all go through it, so whatever from_text accepts, to_text
 * can print, and the printed text parses back to the same bytes.
 */


void set_why(char *why, const char *fmt, ...)
{
	if (!why)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, WHY_MAX, fmt, ap);
	va_end(ap);
}


/* ---- wire reading ---- */

/* Reads an uncompressed name inside RDATA; @out may be NULL. */
int rd_name(const uint8_t *p, size_t len, size_t *off,
		   struct dns_name *out)
{
	size_t pos = *off, w = 0;
	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t l = p[pos];
		if (l & 0xc0)
			return -EBADMSG;
		if (w + 1 + l > DNS_NAME_MAX || pos + 1 + l > len)
			return -EBADMSG;
		if (out)
			memcpy(out->wire + w, p + pos, (size_t)l + 1);
		w += (size_t)l + 1;
		pos += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (out)
		out->len = (uint8_t)w;
	*off = pos;
	return 0;
}

/* Skips one <character-string>. */
int rd_cstr(const uint8_t *p, size_t len, size_t *off)
{
	if (*off >= len || *off + 1 + p[*off] > len)
		return -EBADMSG;
	*off += 1 + (size_t)p[*off];
	return 0;
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static bool is_known(uint16_t type)
{
	switch (type) {
	case DNS_T_A:
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_SOA:
	case DNS_T_PTR:
	case DNS_T_HINFO:
	case DNS_T_MX:
	case DNS_T_TXT:
	case DNS_T_AAAA:
	case DNS_T_SRV:
	case DNS_T_DNAME:
	case DNS_T_DS:
	case 99: /* SPF */
	case DNS_T_CAA:
	case DNS_T_CDS:
		return true;
	default:
		return rdx_known(type);
	}
}

/* 0 when @p is well-formed RDATA for @type (anything goes for unknown
 * types), -EBADMSG otherwise. */
static int check_wire(uint16_t type, const uint8_t *p, size_t len)
{
	size_t off = 0;

	switch (type) {
	case DNS_T_A:
		return len == 4 ? 0 : -EBADMSG;
	case DNS_T_AAAA:
		return len == 16 ? 0 : -EBADMSG;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_DNAME:
		if (rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_SOA:
		if (rd_name(p, len, &off, NULL) || rd_name(p, len, &off, NULL))
			return -EBADMSG;
		off += 20;
		break;
	case DNS_T_MX:
		off = 2;
		if (rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_SRV:
		off = 6;
		if (rd_name(p, len, &off, NULL))
			return -EBADMSG;
		break;
	case DNS_T_TXT:
	case 99:
		if (len == 0)
			return -EBADMSG;
		while (off < len)
			if (rd_cstr(p, len, &off))
				return -EBADMSG;
		break;
	case DNS_T_HINFO:
		if (rd_cstr(p, len, &off) || rd_cstr(p, len, &off))
			return -EBADMSG;
		break;
	case DNS_T_CAA:
		if (len < 3 || p[1] == 0 || 2 + (size_t)p[1] > len)
			return -EBADMSG;
		for (size_t i = 0; i < p[1]; i++)
			if (!is_alnum(p[2 + i]))
				return -EBADMSG;
		off = len;
		break;
	case DNS_T_DS:
	case DNS_T_CDS:
		if (len < 5) /* key tag, algorithm, digest type, digest */
			return -EBADMSG;
		off = len;
		break;
	default: {
		int rc = rdx_check(type, p, len);
		return rc == 1 ? 0 : rc;
	}
	}
	return off == len ? 0 : -EBADMSG;
}

/* ---- text writing ---- */

void w_mem(struct wr *w, const char *p, size_t n)
{
	if (w->over)
		return;
	if (n >= w->cap - w->n) { /* keep room for the NUL */
		w->over = true;
		return;
	}
	memcpy(w->out + w->n, p, n);
	w->n += n;
}

void w_str(struct wr *w, const char *s)
{
	w_mem(w, s, strlen(s));
}

void w_fmt(struct wr *w, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		w_mem(w, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void w_name(struct wr *w, const struct dns_name *n)
{
	char text[DNS_NAME_TEXT_MAX];
	int l = dns_name_to_text(n, text, sizeof(text));
	if (l < 0) {
		w->over = true; /* cannot happen: the buffer always fits */
		return;
	}
	w_mem(w, text, (size_t)l);
}

/* The length of the UTF-8 sequence at @p (at most @n bytes) when it is
 * well formed (no overlong form, no surrogate, at most U+10FFFF) and a
 * printable character past the C1 controls (U+00A0 on); else 0. */
static size_t utf8_printable(const uint8_t *p, size_t n)
{
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
	if (len == 0 || p[0] > 0xf4 || n < len)
		return 0;
	uint32_t cp = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t least[] = {0, 0, 0xa0, 0x800, 0x10000};
	if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A quoted string: '"' and '\\' escaped, UTF-8 characters as they are
 * (as PowerDNS keeps text it was given), other bytes outside printable
 * ASCII as \DDD. */
void w_quoted(struct wr *w, const uint8_t *p, size_t n)
{
	w_mem(w, "\"", 1);
	for (size_t i = 0; i < n && !w->over; i++) {
		uint8_t c = p[i];
		size_t u;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			w_mem(w, e, 2);
		} else if (c >= 0x80 && (u = utf8_printable(p + i, n - i))) {
			w_mem(w, (const char *)p + i, u);
			i += u - 1;
		} else if (c < 0x20 || c >= 0x7f) {
			w_fmt(w, "\\%03u", c);
		} else {
			char ch = (char)c;
			w_mem(w, &ch, 1);
		}
	}
	w_mem(w, "\"", 1);
}

void w_hex(struct wr *w, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n && !w->over; i++) {
		char h[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
		w_mem(w, h, 2);
	}
}

static void w_generic(struct wr *w, const uint8_t *p, size_t n)
{
	w_fmt(w, "\\# %zu", n);
	if (n) {
		w_mem(w, " ", 1);
		w_hex(w, p, n); /* lower case, as PowerDNS writes it */
	}
}

int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t len,
		      char *out, size_t cap)
{
	struct wr w = {out, cap, 0, cap == 0};
	struct dns_name n;
	size_t off = 0;

	if (len > DNS_RDATA_MAX)
		return -EBADMSG;
	if (!is_known(type)) {
		w_generic(&w, rdata, len);
		goto done;
	}
	if (check_wire(type, rdata, len))
		return -EBADMSG;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA: {
		char addr[INET6_ADDRSTRLEN];
		if (!inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, rdata, addr,
			       sizeof(addr)))
			return -EBADMSG;
		w_str(&w, addr);
		break;
	}
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_DNAME:
		rd_name(rdata, len, &off, &n);
		w_name(&w, &n);
		break;
	case DNS_T_SOA:
		rd_name(rdata, len, &off, &n);
		w_name(&w, &n);
		w_mem(&w, " ", 1);
		rd_name(rdata, len, &off, &n);
		w_name(&w, &n);
		for (int i = 0; i < 5; i++, off += 4)
			w_fmt(&w, " %u", (unsigned)dns_get32(rdata + off));
		break;
	case DNS_T_MX:
		off = 2;
		rd_name(rdata, len, &off, &n);
		w_fmt(&w, "%u ", (unsigned)dns_get16(rdata));
		w_name(&w, &n);
		break;
	case DNS_T_SRV:
		off = 6;
		rd_name(rdata, len, &off, &n);
		w_fmt(&w, "%u %u %u ", (unsigned)dns_get16(rdata),
		      (unsigned)dns_get16(rdata + 2),
		      (unsigned)dns_get16(rdata + 4));
		w_name(&w, &n);
		break;
	case DNS_T_TXT:
	case 99:
	case DNS_T_HINFO:
		while (off < len) {
			if (off)
				w_mem(&w, " ", 1);
			w_quoted(&w, rdata + off + 1, rdata[off]);
			off += 1 + (size_t)rdata[off];
		}
		break;
	case DNS_T_CAA:
		w_fmt(&w, "%u ", (unsigned)rdata[0]);
		w_mem(&w, (const char *)rdata + 2, rdata[1]);
		w_mem(&w, " ", 1);
		w_quoted(&w, rdata + 2 + rdata[1], len - 2 - rdata[1]);
		break;
	case DNS_T_DS:
	case DNS_T_CDS: /* hex in lower case, as PowerDNS writes it */
		w_fmt(&w, "%u %u %u ", (unsigned)dns_get16(rdata),
		      (unsigned)rdata[2], (unsigned)rdata[3]);
		w_hex(&w, rdata + 4, len - 4);
		break;
	default:
		rdx_to_text(type, rdata, len, &w);
		break;
	}
done:
	if (w.over)
		return -ENOSPC;
	out[w.n] = '\0';
	return (int)w.n;
}

/* ---- text reading ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 with a token, 0 at the end, -EINVAL on an unterminated string. */
int rd_lex(struct lexer *lx, struct tok *t, char *why)
{
	while (lx->pos < lx->len && is_blank(lx->s[lx->pos]))
		lx->pos++;
	if (lx->pos >= lx->len)
		return 0;
	if (lx->s[lx->pos] == '"') {
		size_t i = ++lx->pos;
		while (i < lx->len && lx->s[i] != '"')
			i += lx->s[i] == '\\' ? 2 : 1;
		if (i >= lx->len) {
			set_why(why, "unterminated quoted string");
			return -EINVAL;
		}
		t->p = lx->s + lx->pos;
		t->len = i - lx->pos;
		t->quoted = true;
		lx->pos = i + 1;
		return 1;
	}
	size_t i = lx->pos;
	while (i < lx->len && !is_blank(lx->s[i]) && lx->s[i] != '"')
		i += lx->s[i] == '\\' ? 2 : 1;
	if (i > lx->len)
		i = lx->len; /* a trailing backslash; the decoders refuse it */
	t->p = lx->s + lx->pos;
	t->len = i - lx->pos;
	t->quoted = false;
	lx->pos = i;
	return 1;
}

int rd_need(struct lexer *lx, struct tok *t, const char *what, char *why)
{
	int rc = rd_lex(lx, t, why);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		set_why(why, "missing %s", what);
		return -EINVAL;
	}
	return 0;
}

int rd_need_end(struct lexer *lx, char *why)
{
	struct tok t;
	int rc = rd_lex(lx, &t, why);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		set_why(why, "unexpected '%.*s' after the rdata", SHOW(&t));
		return -EINVAL;
	}
	return 0;
}

/* Next byte of a token with escapes decoded: 1, 0 at the end, or
 * -EINVAL on a bad escape. */
int dec_next(const struct tok *t, size_t *i, uint8_t *c)
{
	if (*i >= t->len)
		return 0;
	uint8_t ch = (uint8_t)t->p[(*i)++];
	if (ch != '\\') {
		*c = ch;
		return 1;
	}
	if (*i >= t->len)
		return -EINVAL;
	ch = (uint8_t)t->p[*i];
	if (ch < '0' || ch > '9') {
		(*i)++;
		*c = ch;
		return 1;
	}
	if (*i + 3 > t->len)
		return -EINVAL;
	unsigned v = 0;
	for (int k = 0; k < 3; k++) {
		uint8_t d = (uint8_t)t->p[*i + (size_t)k];
		if (d < '0' || d > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(d - '0');
	}
	if (v > 255)
		return -EINVAL;
	*i += 3;
	*c = (uint8_t)v;
	return 1;
}

int ob_put(struct ob *o, const void *p, size_t n)
{
	if (n > o->cap - o->n)
		return -EMSGSIZE;
	memcpy(o->p + o->n, p, n);
	o->n += n;
	return 0;
}

int ob_u8(struct ob *o, uint32_t v)
{
	uint8_t b = (uint8_t)v;
	return ob_put(o, &b, 1);
}

int ob_u16(struct ob *o, uint32_t v)
{
	uint8_t b[2];
	dns_put16(b, (uint16_t)v);
	return ob_put(o, b, 2);
}

int ob_u32(struct ob *o, uint32_t v)
{
	uint8_t b[4];
	dns_put32(b, v);
	return ob_put(o, b, 4);
}

/* Unsigned decimal, at most @max. */
int p_uint(const struct tok *t, uint32_t max, const char *what,
		  uint32_t *out, char *why)
{
	uint64_t v = 0;
	if (t->quoted || t->len == 0)
		goto bad;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];
		if (c < '0' || c > '9')
			goto bad;
		v = v * 10 + (uint64_t)(c - '0');
		if (v > max) {
			set_why(why, "%s '%.*s' out of range (max %u)", what,
				SHOW(t), (unsigned)max);
			return -EINVAL;
		}
	}
	*out = (uint32_t)v;
	return 0;
bad:
	set_why(why, "bad %s '%.*s'", what, SHOW(t));
	return -EINVAL;
}

/* A 32-bit number that may use TTL units: "3600", "1h", "1w2d3h4m5s". */
static int p_ttl(const struct tok *t, const char *what, uint32_t *out,
		 char *why)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, unit = false;

	if (t->quoted || t->len == 0)
		goto bad;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];
		uint64_t mul;
		if (c >= '0' && c <= '9') {
			cur = cur * 10 + (uint64_t)(c - '0');
			digits = true;
			if (cur > UINT32_MAX)
				goto range;
			continue;
		}
		switch (c | 0x20) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		default: goto bad;
		}
		if (!digits)
			goto bad;
		total += cur * mul;
		if (total > UINT32_MAX)
			goto range;
		cur = 0;
		digits = false;
		unit = true;
	}
	if (digits) {
		if (unit)
			goto bad; /* "1h30": a bare number only stands alone */
		total = cur;
	}
	if (total > UINT32_MAX)
		goto range;
	*out = (uint32_t)total;
	return 0;
range:
	set_why(why, "%s '%.*s' out of range (max %u)", what, SHOW(t),
		(unsigned)UINT32_MAX);
	return -EINVAL;
bad:
	set_why(why, "bad %s '%.*s'", what, SHOW(t));
	return -EINVAL;
}

/* Explains why dns_name_from_text refused @t. */
static void name_why(const struct tok *t, const struct dns_name *origin,
		     char *why)
{
	size_t i = 0, label = 0, total = 1;
	uint8_t c;
	int rc;
	bool dot = false;

	for (;;) {
		bool esc = i < t->len && t->p[i] == '\\';
		if ((rc = dec_next(t, &i, &c)) != 1)
			break;
		dot = !esc && c == '.';
		if (dot) {
			if (label == 0) {
				set_why(why, "empty label in name '%.*s'", SHOW(t));
				return;
			}
			total += label + 1;
			label = 0;
		} else if (++label > DNS_LABEL_MAX) {
			set_why(why, "label longer than 63 in name '%.*s'",
				SHOW(t));
			return;
		}
	}
	if (rc < 0) {
		set_why(why, "bad escape in name '%.*s'", SHOW(t));
		return;
	}
	if (label)
		total += label + 1;
	if (!dot && origin)
		total += origin->len - 1u;
	if (total > DNS_NAME_MAX) {
		set_why(why, "name too long '%.*s'", SHOW(t));
		return;
	}
	if (!dot && !origin) {
		set_why(why, "relative name '%.*s' without an origin", SHOW(t));
		return;
	}
	set_why(why, "bad name '%.*s'", SHOW(t));
}

int p_name(const struct tok *t, const struct dns_name *origin,
		  struct dns_name *out, char *why)
{
	if (t->quoted) {
		set_why(why, "a name cannot be a quoted string");
		return -EINVAL;
	}
	if (dns_name_from_text(t->p, t->len, origin, out) == 0)
		return 0;
	name_why(t, origin, why);
	return -EINVAL;
}

int put_name(struct ob *o, struct lexer *lx, const char *what,
		    const struct dns_name *origin, char *why)
{
	struct tok t;
	struct dns_name n;
	int rc = rd_need(lx, &t, what, why);
	if (rc == 0)
		rc = p_name(&t, origin, &n, why);
	if (rc == 0)
		rc = ob_put(o, n.wire, n.len);
	return rc;
}

int put_uint(struct ob *o, struct lexer *lx, const char *what,
		    unsigned bytes, char *why)
{
	struct tok t;
	uint32_t v;
	uint32_t max = bytes == 1 ? 0xff : bytes == 2 ? 0xffff : UINT32_MAX;
	int rc = rd_need(lx, &t, what, why);
	if (rc == 0)
		rc = p_uint(&t, max, what, &v, why);
	if (rc)
		return rc;
	return bytes == 1 ? ob_u8(o, v) : bytes == 2 ? ob_u16(o, v) : ob_u32(o, v);
}

static int put_ttl(struct ob *o, struct lexer *lx, const char *what,
		   char *why)
{
	struct tok t;
	uint32_t v;
	int rc = rd_need(lx, &t, what, why);
	if (rc == 0)
		rc = p_ttl(&t, what, &v, why);
	return rc ? rc : ob_u32(o, v);
}

/* One token as character-strings: split every 255 bytes when @split,
 * refused past 255 otherwise. */
int put_cstr(struct ob *o, const struct tok *t, bool split, char *why)
{
	size_t i = 0, lenpos = o->n, n = 0;
	uint8_t c;
	int rc;

	if ((rc = ob_u8(o, 0)))
		return rc;
	while ((rc = dec_next(t, &i, &c)) == 1) {
		if (n == 255) {
			if (!split) {
				set_why(why, "string longer than 255 bytes");
				return -EINVAL;
			}
			o->p[lenpos] = 255;
			lenpos = o->n;
			n = 0;
			if ((rc = ob_u8(o, 0)))
				return rc;
		}
		if ((rc = ob_put(o, &c, 1)))
			return rc;
		n++;
	}
	if (rc < 0) {
		set_why(why, "bad escape in '%.*s'", SHOW(t));
		return -EINVAL;
	}
	o->p[lenpos] = (uint8_t)n;
	return 0;
}

/* The remaining tokens as hex digits, blanks between them allowed. */
int put_hex(struct ob *o, struct lexer *lx, char *why)
{
	struct tok t;
	int rc, hi = -1;

	while ((rc = rd_lex(lx, &t, why)) == 1) {
		for (size_t i = 0; i < t.len; i++) {
			int v = t.quoted ? -1 : hex_digit(t.p[i]);
			if (v < 0) {
				set_why(why, "bad hex '%.*s'", SHOW(&t));
				return -EINVAL;
			}
			if (hi < 0) {
				hi = v;
				continue;
			}
			if ((rc = ob_u8(o, (uint32_t)(hi << 4 | v))))
				return rc;
			hi = -1;
		}
	}
	if (rc < 0)
		return rc;
	if (hi >= 0) {
		set_why(why, "odd number of hex digits");
		return -EINVAL;
	}
	return 0;
}

/* RFC 3597: "\# <length> <hex>...", the "\#" already read. */
static int from_generic(uint16_t type, struct lexer *lx, struct ob *o,
			char *why)
{
	struct tok t;
	uint32_t n;
	int rc = rd_need(lx, &t, "length after \\#", why);
	if (rc == 0)
		rc = p_uint(&t, DNS_RDATA_MAX, "length", &n, why);
	if (rc == 0)
		rc = put_hex(o, lx, why);
	if (rc)
		return rc;
	if (o->n != n) {
		set_why(why, "\\# length %u but %zu bytes of data", (unsigned)n,
			o->n);
		return -EINVAL;
	}
	if (check_wire(type, o->p, o->n)) {
		char tb[16];
		set_why(why, "\\# data is not valid %s rdata",
			dns_type_name(type, tb));
		return -EINVAL;
	}
	return 0;
}

int from_addr(int af, struct lexer *lx, struct ob *o, char *why)
{
	struct tok t;
	char buf[INET6_ADDRSTRLEN + 1];
	uint8_t bin[16];
	int rc = rd_need(lx, &t, "address", why);
	if (rc)
		return rc;
	if (t.quoted || t.len >= sizeof(buf))
		goto bad;
	memcpy(buf, t.p, t.len);
	buf[t.len] = '\0';
	if (inet_pton(af, buf, bin) != 1)
		goto bad;
	return ob_put(o, bin, af == AF_INET ? 4 : 16);
bad:
	set_why(why, "bad %s address '%.*s'", af == AF_INET ? "IPv4" : "IPv6",
		SHOW(&t));
	return -EINVAL;
}

static int from_caa(struct lexer *lx, struct ob *o, char *why)
{
	struct tok t;
	int rc = put_uint(o, lx, "CAA flags", 1, why);
	if (rc)
		return rc;
	if ((rc = rd_need(lx, &t, "CAA tag", why)))
		return rc;
	if (t.quoted || t.len == 0 || t.len > 255)
		goto badtag;
	for (size_t i = 0; i < t.len; i++)
		if (!is_alnum((uint8_t)t.p[i]))
			goto badtag;
	if ((rc = ob_u8(o, (uint32_t)t.len)) || (rc = ob_put(o, t.p, t.len)))
		return rc;
	if ((rc = rd_need(lx, &t, "CAA value", why)))
		return rc;
	size_t i = 0;
	uint8_t c;
	while ((rc = dec_next(&t, &i, &c)) == 1)
		if ((rc = ob_put(o, &c, 1)))
			return rc;
	if (rc < 0) {
		set_why(why, "bad escape in '%.*s'", SHOW(&t));
		return -EINVAL;
	}
	return rd_need_end(lx, why);
badtag:
	set_why(why, "bad CAA tag '%.*s' (letters and digits only)", SHOW(&t));
	return -EINVAL;
}

int dns_rdata_from_text(uint16_t type, const char *text, size_t text_len,
			const struct dns_name *origin, uint8_t *out, size_t cap,
			size_t *out_len, char *why)
{
	struct lexer lx = {text, text_len, 0};
	struct ob o = {out, cap > DNS_RDATA_MAX ? DNS_RDATA_MAX : cap, 0};
	struct tok t;
	char tb[16];
	int rc;

	if (why)
		why[0] = '\0';
	/* Peek: the generic form works for every type. */
	rc = rd_lex(&lx, &t, why);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		set_why(why, "missing rdata");
		return -EINVAL;
	}
	if (!t.quoted && t.len == 2 && t.p[0] == '\\' && t.p[1] == '#') {
		rc = from_generic(type, &lx, &o, why);
		goto out;
	}
	lx.pos = 0;
	rc = 0;

	switch (type) {
	case DNS_T_A:
		rc = from_addr(AF_INET, &lx, &o, why);
		break;
	case DNS_T_AAAA:
		rc = from_addr(AF_INET6, &lx, &o, why);
		break;
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_DNAME:
		rc = put_name(&o, &lx, "name", origin, why);
		break;
	case DNS_T_SOA:
		if ((rc = put_name(&o, &lx, "SOA mname", origin, why)) ||
		    (rc = put_name(&o, &lx, "SOA rname", origin, why)) ||
		    (rc = put_uint(&o, &lx, "SOA serial", 4, why)) ||
		    (rc = put_ttl(&o, &lx, "SOA refresh", why)) ||
		    (rc = put_ttl(&o, &lx, "SOA retry", why)) ||
		    (rc = put_ttl(&o, &lx, "SOA expire", why)))
			break;
		rc = put_ttl(&o, &lx, "SOA minimum", why);
		break;
	case DNS_T_MX:
		if ((rc = put_uint(&o, &lx, "MX preference", 2, why)))
			break;
		rc = put_name(&o, &lx, "MX exchange", origin, why);
		break;
	case DNS_T_SRV:
		if ((rc = put_uint(&o, &lx, "SRV priority", 2, why)) ||
		    (rc = put_uint(&o, &lx, "SRV weight", 2, why)) ||
		    (rc = put_uint(&o, &lx, "SRV port", 2, why)))
			break;
		rc = put_name(&o, &lx, "SRV target", origin, why);
		break;
	case DNS_T_TXT:
	case 99:
		while ((rc = rd_lex(&lx, &t, why)) == 1)
			if ((rc = put_cstr(&o, &t, true, why)))
				break;
		break;
	case DNS_T_HINFO:
		for (int i = 0; i < 2 && rc == 0; i++) {
			rc = rd_need(&lx, &t, i ? "HINFO os" : "HINFO cpu", why);
			if (rc == 0)
				rc = put_cstr(&o, &t, false, why);
		}
		break;
	case DNS_T_CAA:
		rc = from_caa(&lx, &o, why);
		goto out;
	case DNS_T_DS:
	case DNS_T_CDS:
		if ((rc = put_uint(&o, &lx, "DS key tag", 2, why)) ||
		    (rc = put_uint(&o, &lx, "DS algorithm", 1, why)) ||
		    (rc = put_uint(&o, &lx, "DS digest type", 1, why)) ||
		    (rc = put_hex(&o, &lx, why)))
			break;
		if (o.n == 4) {
			set_why(why, "missing DS digest");
			rc = -EINVAL;
		}
		goto out;
	default:
		if (rdx_known(type)) {
			rc = rdx_from_text(type, &lx, &o, origin, why);
			goto out;
		}
		set_why(why, "type %s has no text form here; use \\# <len> <hex>",
			dns_type_name(type, tb));
		return -EINVAL;
	}
	if (rc == 0)
		rc = rd_need_end(&lx, why);
out:
	if (rc == -EMSGSIZE)
		set_why(why, "rdata too long");
	if (rc == 0 && out_len)
		*out_len = o.n;
	return rc;
}

/* ---- wire ---- */

/* A possibly compressed name at *pos inside the RDATA window. */
static int unpack_name(struct ob *o, const uint8_t *msg, size_t end,
		       size_t *pos)
{
	struct dns_name n;
	if (dns_name_unpack(msg, end, pos, &n))
		return -EBADMSG;
	return ob_put(o, n.wire, n.len);
}

int dns_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msg_len,
		     size_t off, uint16_t rdlength, uint8_t *out, size_t cap,
		     size_t *out_len)
{
	struct ob o = {out, cap, 0};
	size_t end = off + rdlength, pos = off;
	int rc = 0;

	if (off > msg_len || rdlength > msg_len - off)
		return -EBADMSG;

	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_MB:
	case DNS_T_MG:
	case DNS_T_MR:
		rc = unpack_name(&o, msg, end, &pos);
		break;
	case DNS_T_RP:
		if ((rc = unpack_name(&o, msg, end, &pos)) == 0)
			rc = unpack_name(&o, msg, end, &pos);
		break;
	case DNS_T_AFSDB:
	case DNS_T_MX:
		if (end - pos < 2)
			return -EBADMSG;
		if ((rc = ob_put(&o, msg + pos, 2)))
			break;
		pos += 2;
		rc = unpack_name(&o, msg, end, &pos);
		break;
	case DNS_T_SOA:
		if ((rc = unpack_name(&o, msg, end, &pos)) ||
		    (rc = unpack_name(&o, msg, end, &pos)))
			break;
		if (end - pos < 20)
			return -EBADMSG;
		rc = ob_put(&o, msg + pos, 20);
		pos += 20;
		break;
	default:
		if ((rc = ob_put(&o, msg + off, rdlength)))
			break;
		if (check_wire(type, o.p, o.n))
			return -EBADMSG;
		pos = end;
		break;
	}
	if (rc)
		return rc;
	if (pos != end)
		return -EBADMSG; /* overlong */
	if (out_len)
		*out_len = o.n;
	return 0;
}

int dns_rdata_target(uint16_t type, const uint8_t *rdata, size_t len)
{
	int off;
	switch (type) {
	case DNS_T_NS:
		off = 0;
		break;
	case DNS_T_MX:
		off = 2;
		break;
	case DNS_T_SRV:
		off = 6;
		break;
	default:
		return -1;
	}
	return check_wire(type, rdata, len) ? -1 : off;
}
