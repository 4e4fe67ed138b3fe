/* SPDX-License-Identifier: MIT */
/* DHCPv4 message parsing and building, and the option 119/121 encoders. */
#include "proto/dhcp/msg.h"

#include <errno.h>
#include <string.h>

/*
 * Parsing makes two walks over the option areas so it never allocates:
 * the first checks every length against the end of its area, counts the
 * pieces of each code and remembers the first one; only when some code
 * came in more than one piece (RFC 3396) does a second walk copy the
 * pieces, in packet order, into m->joined. The areas are read in the
 * RFC 3396 order: options, then file (overload 1 or 3), then sname
 * (overload 2 or 3). Option 52 belongs in the options field only; one
 * inside file or sname is refused, so an overload cannot loop.
 */

#define OFF_XID 4
#define OFF_SECS 8
#define OFF_FLAGS 10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_SIADDR 20
#define OFF_GIADDR 24
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define SNAME_LEN 64
#define OFF_FILE 108
#define FILE_LEN 128
#define OFF_COOKIE DHCP_FIXED_LEN
#define OFF_OPTIONS (DHCP_FIXED_LEN + 4)

#define OVERLOAD_FILE 1
#define OVERLOAD_SNAME 2

#define FQDN_FLAG_E 0x04 /* RFC 4702: the name is in DNS wire format */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Per-parse bookkeeping, kept off struct dhcp_msg. */
struct scan {
	uint16_t pieces[256];
	uint32_t total[256];
	uint16_t fill[256]; /* second walk: where the next piece goes */
};

/*
 * Walks one option area. First walk (@copy false): bounds, counts, first
 * pieces. Second walk: copies the pieces of split options into
 * m->joined, where the first walk's totals reserved room.
 */
static int walk(const uint8_t *p, size_t n, bool main_area, bool copy,
		struct scan *s, struct dhcp_msg *m)
{
	size_t i = 0;

	while (i < n) {
		uint8_t code = p[i];
		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return 0;
		if (n - i < 2 || (size_t)p[i + 1] > n - i - 2)
			return -EBADMSG;
		uint8_t l = p[i + 1];
		const uint8_t *v = p + i + 2;
		i += 2 + (size_t)l;
		if (code == DHCP_OPT_OVERLOAD && !main_area)
			return -EBADMSG;
		if (copy) {
			if (s->pieces[code] > 1) {
				/* Room was reserved after the first walk. */
				memcpy(m->joined + s->fill[code], v, l);
				s->fill[code] = (uint16_t)(s->fill[code] + l);
			}
			continue;
		}
		if (s->pieces[code]++ == 0) {
			m->opt[code].data = v;
			m->opt[code].len = l;
			m->opt[code].present = true;
		}
		s->total[code] += l;
	}
	return 0;
}

static int walk_all(const uint8_t *pkt, size_t len, int overload, bool copy,
		    struct scan *s, struct dhcp_msg *m)
{
	int rc = walk(pkt + OFF_OPTIONS, len - OFF_OPTIONS, true, copy, s, m);
	if (rc == 0 && (overload & OVERLOAD_FILE))
		rc = walk(pkt + OFF_FILE, FILE_LEN, false, copy, s, m);
	if (rc == 0 && (overload & OVERLOAD_SNAME))
		rc = walk(pkt + OFF_SNAME, SNAME_LEN, false, copy, s, m);
	return rc;
}

int dhcp_msg_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m)
{
	struct scan s;
	int overload = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	memset(&s, 0, sizeof(s));
	if (!pkt || len < OFF_OPTIONS || get32(pkt + OFF_COOKIE) != DHCP_MAGIC)
		return -EBADMSG;

	m->op = pkt[0];
	m->htype = pkt[1];
	m->hlen = pkt[2];
	m->hops = pkt[3];
	m->xid = get32(pkt + OFF_XID);
	m->secs = get16(pkt + OFF_SECS);
	m->flags = get16(pkt + OFF_FLAGS);
	memcpy(&m->ciaddr, pkt + OFF_CIADDR, 4);
	memcpy(&m->yiaddr, pkt + OFF_YIADDR, 4);
	memcpy(&m->siaddr, pkt + OFF_SIADDR, 4);
	memcpy(&m->giaddr, pkt + OFF_GIADDR, 4);
	memcpy(m->chaddr, pkt + OFF_CHADDR, sizeof(m->chaddr));

	rc = walk(pkt + OFF_OPTIONS, len - OFF_OPTIONS, true, false, &s, m);
	if (rc)
		goto fail;
	if (m->opt[DHCP_OPT_OVERLOAD].present) {
		const struct dhcp_optval *o = &m->opt[DHCP_OPT_OVERLOAD];
		if (s.pieces[DHCP_OPT_OVERLOAD] != 1 || o->len != 1 ||
		    o->data[0] < 1 || o->data[0] > 3) {
			rc = -EBADMSG;
			goto fail;
		}
		overload = o->data[0];
		if (overload & OVERLOAD_FILE)
			rc = walk(pkt + OFF_FILE, FILE_LEN, false, false, &s, m);
		if (rc == 0 && (overload & OVERLOAD_SNAME))
			rc = walk(pkt + OFF_SNAME, SNAME_LEN, false, false, &s,
				  m);
		if (rc)
			goto fail;
	}

	/* RFC 3396: reserve room for every option that came in pieces. */
	bool split = false;
	for (int c = 1; c < DHCP_OPT_END; c++) {
		if (s.pieces[c] < 2)
			continue;
		if (s.total[c] > sizeof(m->joined) - m->joined_len) {
			rc = -EBADMSG;
			goto fail;
		}
		m->opt[c].data = m->joined + m->joined_len;
		s.fill[c] = (uint16_t)m->joined_len;
		m->opt[c].len = (uint16_t)s.total[c];
		m->joined_len += s.total[c];
		split = true;
	}
	if (split) {
		rc = walk_all(pkt, len, overload, true, &s, m);
		if (rc)
			goto fail;
	}

	if (m->opt[DHCP_OPT_MSG_TYPE].present &&
	    m->opt[DHCP_OPT_MSG_TYPE].len == 1)
		m->type = m->opt[DHCP_OPT_MSG_TYPE].data[0];
	return 0;
fail:
	memset(m, 0, sizeof(*m));
	return rc;
}

static const struct dhcp_optval *fixed(const struct dhcp_msg *m,
				       uint8_t code, uint16_t len, int *rc)
{
	const struct dhcp_optval *o = &m->opt[code];
	if (!o->present) {
		*rc = -ENOENT;
		return NULL;
	}
	if (o->len != len) {
		*rc = -EBADMSG;
		return NULL;
	}
	*rc = 0;
	return o;
}

int dhcp_opt_u8(const struct dhcp_msg *m, uint8_t code, uint8_t *out)
{
	int rc;
	const struct dhcp_optval *o = fixed(m, code, 1, &rc);
	if (o)
		*out = o->data[0];
	return rc;
}

int dhcp_opt_u16(const struct dhcp_msg *m, uint8_t code, uint16_t *out)
{
	int rc;
	const struct dhcp_optval *o = fixed(m, code, 2, &rc);
	if (o)
		*out = get16(o->data);
	return rc;
}

int dhcp_opt_u32(const struct dhcp_msg *m, uint8_t code, uint32_t *out)
{
	int rc;
	const struct dhcp_optval *o = fixed(m, code, 4, &rc);
	if (o)
		*out = get32(o->data);
	return rc;
}

int dhcp_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *out_be)
{
	int rc;
	const struct dhcp_optval *o = fixed(m, code, 4, &rc);
	if (o)
		memcpy(out_be, o->data, 4);
	return rc;
}

/*
 * Keeps [a-z0-9-] (upper case folded), drops every other byte, stops at
 * the end of the first label when @stop_at_dot, at 63 bytes, and trims
 * '-' from both ends. Returns the label's length, 0 when nothing is left.
 */
static size_t sanitise(const uint8_t *p, size_t n, bool stop_at_dot,
		       char out[64])
{
	size_t o = 0;

	for (size_t i = 0; i < n && o < 63; i++) {
		uint8_t c = p[i];
		if (c == '.' && stop_at_dot)
			break;
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			continue;
		if (c == '-' && o == 0)
			continue;
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
	return o;
}

/* The first label of option 81's name (RFC 4702 §2.3), sanitised. */
static size_t fqdn_label(const struct dhcp_optval *o, char out[64])
{
	if (!o->present || o->len < 3)
		return 0;
	const uint8_t *name = o->data + 3;
	size_t n = o->len - 3u;
	if (!(o->data[0] & FQDN_FLAG_E))
		return sanitise(name, n, true, out);
	/* Wire format: a length byte, then the label; 0 is the root, and
	 * anything above 63 (a compression pointer) is not allowed here. */
	if (n < 1 || name[0] == 0 || name[0] > 63 || name[0] > n - 1)
		return 0;
	return sanitise(name + 1, name[0], false, out);
}

int dhcp_msg_hostname(const struct dhcp_msg *m, char out[64])
{
	const struct dhcp_optval *h = &m->opt[DHCP_OPT_HOSTNAME];

	if (fqdn_label(&m->opt[DHCP_OPT_CLIENT_FQDN], out))
		return 0;
	if (h->present && sanitise(h->data, h->len, true, out))
		return 0;
	out[0] = '\0';
	return -ENOENT;
}

size_t dhcp_msg_client_id(const struct dhcp_msg *m, uint8_t *out, size_t cap)
{
	const struct dhcp_optval *id = &m->opt[DHCP_OPT_CLIENT_ID];
	size_t n;

	if (id->present && id->len > 0) {
		n = id->len < cap ? id->len : cap;
		if (n)
			memcpy(out, id->data, n);
		return n;
	}
	if (cap == 0)
		return 0;
	size_t hlen = m->hlen < sizeof(m->chaddr) ? m->hlen : sizeof(m->chaddr);
	out[0] = m->htype;
	n = 1 + hlen < cap ? 1 + hlen : cap;
	memcpy(out + 1, m->chaddr, n - 1);
	return n;
}

/* Room for END, which dhcp_build_finish always writes. */
#define END_ROOM 1
#define REPLY_MIN (OFF_OPTIONS + 3 + END_ROOM)

void dhcp_build_reply(struct dhcp_builder *b, uint8_t *buf, size_t cap,
		      const struct dhcp_msg *req, uint8_t type, uint32_t yiaddr,
		      uint32_t siaddr)
{
	b->buf = buf;
	b->cap = cap < DHCP_MAX_LEN ? cap : DHCP_MAX_LEN;
	b->len = 0;
	b->overflow = false;
	if (!buf || b->cap < REPLY_MIN) {
		/* Not even a bare reply fits: every later call is a no-op. */
		b->cap = 0;
		b->overflow = true;
		return;
	}

	memset(buf, 0, OFF_OPTIONS);
	buf[0] = DHCP_BOOTREPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen;
	put32(buf + OFF_XID, req->xid);
	put16(buf + OFF_FLAGS, req->flags);
	/* RFC 2131 table 3: ciaddr is echoed only in an ACK. */
	if (type == DHCP_ACK)
		memcpy(buf + OFF_CIADDR, &req->ciaddr, 4);
	memcpy(buf + OFF_YIADDR, &yiaddr, 4);
	memcpy(buf + OFF_SIADDR, &siaddr, 4);
	memcpy(buf + OFF_GIADDR, &req->giaddr, 4);
	memcpy(buf + OFF_CHADDR, req->chaddr, sizeof(req->chaddr));
	put32(buf + OFF_COOKIE, DHCP_MAGIC);
	b->len = OFF_OPTIONS;
	dhcp_build_opt(b, DHCP_OPT_MSG_TYPE, &type, 1);
}

void dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data,
		    size_t len)
{
	const uint8_t *p = data;

	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END)
		return; /* not options: writing them would corrupt the list */
	size_t pieces = len ? (len + 254) / 255 : 1;
	if (b->len > b->cap || b->cap - b->len < END_ROOM ||
	    len > b->cap || 2 * pieces + len > b->cap - b->len - END_ROOM) {
		b->overflow = true;
		return;
	}
	do {
		size_t l = len < 255 ? len : 255;
		b->buf[b->len] = code;
		b->buf[b->len + 1] = (uint8_t)l;
		if (l)
			memcpy(b->buf + b->len + 2, p, l);
		b->len += 2 + l;
		p += l;
		len -= l;
	} while (len);
}

void dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v)
{
	uint8_t w[4];
	put32(w, v);
	dhcp_build_opt(b, code, w, 4);
}

void dhcp_build_ip(struct dhcp_builder *b, uint8_t code, uint32_t ip_be)
{
	dhcp_build_opt(b, code, &ip_be, 4);
}

size_t dhcp_build_finish(struct dhcp_builder *b)
{
	if (b->cap == 0 || b->len >= b->cap)
		return 0; /* never started (or not by dhcp_build_reply) */
	/* dhcp_build_opt kept this byte free. */
	b->buf[b->len++] = DHCP_OPT_END;
	size_t min = DHCP_MIN_LEN < b->cap ? DHCP_MIN_LEN : b->cap;
	if (b->len < min) {
		memset(b->buf + b->len, 0, min - b->len);
		b->len = min;
	}
	return b->len;
}

/*
 * Option 119. Every label start already written is remembered with the
 * text of the name from there on; a later name that ends in the same
 * text points at it (RFC 1035 §4.1.4, offsets from the start of the
 * option data, RFC 3397 §2). Names are dotted text, a final dot optional,
 * compared without regard to case.
 */
#define SEARCH_SUFFIXES 256

struct suffix {
	const char *text;
	size_t len;
	uint16_t off;
};

static bool same_text(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* Checks a dotted name: labels of 1..63 bytes, at most 255 in wire form. */
static int check_name(const char *s, size_t *len)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -EINVAL;
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63)
				return -EINVAL;
			label = 0;
		} else {
			label++;
		}
	}
	*len = n;
	return 0;
}

int dhcp_encode_search(const char *const *names, size_t n, uint8_t *out,
		       size_t cap)
{
	struct suffix seen[SEARCH_SUFFIXES];
	size_t nseen = 0, o = 0;

	if (n && !names)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (check_name(names[i], &len))
			return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = names[i];
		size_t len = 0;
		(void)check_name(s, &len);
		size_t pos = 0;
		int ptr = -1;
		while (pos < len) {
			const char *rest = s + pos;
			size_t rlen = len - pos;
			for (size_t k = 0; k < nseen && ptr < 0; k++)
				if (seen[k].len == rlen &&
				    same_text(seen[k].text, rest, rlen))
					ptr = seen[k].off;
			if (ptr >= 0)
				break;
			const char *dot = memchr(rest, '.', rlen);
			size_t l = dot ? (size_t)(dot - rest) : rlen;
			if (l + 1 > cap - o)
				return -ENOSPC;
			if (nseen < SEARCH_SUFFIXES && o < 0x4000)
				seen[nseen++] = (struct suffix){
					.text = rest, .len = rlen,
					.off = (uint16_t)o};
			out[o] = (uint8_t)l;
			memcpy(out + o + 1, rest, l);
			o += 1 + l;
			pos += l + (dot ? 1 : 0);
		}
		if (ptr >= 0) {
			if (cap - o < 2)
				return -ENOSPC;
			out[o++] = (uint8_t)(0xC0 | ptr >> 8);
			out[o++] = (uint8_t)ptr;
		} else {
			if (cap - o < 1)
				return -ENOSPC;
			out[o++] = 0;
		}
		if (o > 0x7fffffff)
			return -ENOSPC;
	}
	return (int)o;
}

int dhcp_encode_routes(const struct dhcp_route *r, size_t n, uint8_t *out,
		       size_t cap)
{
	size_t o = 0;

	if (n && !r)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (r[i].prefix > 32)
			return -EINVAL;
		uint8_t dest[4];
		memcpy(dest, &r[i].dest_be, 4);
		uint32_t host = get32(dest);
		uint32_t mask = r[i].prefix ? 0xffffffffu << (32 - r[i].prefix)
					    : 0;
		if (host & ~mask)
			return -EINVAL; /* host bits set: ambiguous */
		size_t sig = (r[i].prefix + 7u) / 8u;
		if (1 + sig + 4 > cap - o)
			return -ENOSPC;
		out[o++] = r[i].prefix;
		memcpy(out + o, dest, sig);
		o += sig;
		memcpy(out + o, &r[i].via_be, 4);
		o += 4;
		if (o > 0x7fffffff)
			return -ENOSPC;
	}
	return (int)o;
}
