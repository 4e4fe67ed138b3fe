/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as a DHCPv4 message; a reply to it must parse back to what was built. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dhcp/msg.h"

/*
 * The parser faces every host on the LAN. Besides not crashing it must
 * keep its promises: option values lie inside the packet or the joined
 * buffer, the helpers agree with the lengths, a hostname is a valid DNS
 * label. A reply built for the message (echoing option 82 and the client
 * id, as the server does, and encoding a search list and routes derived
 * from the input) must parse and give back every option that was written.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base,
		   size_t len)
{
	return p >= base && p <= base + len && n <= (size_t)(base + len - p);
}

static void check_parse(const struct dhcp_msg *m, const uint8_t *pkt,
			size_t len)
{
	check(m->joined_len <= sizeof(m->joined));
	check(!m->opt[DHCP_OPT_PAD].present && !m->opt[DHCP_OPT_END].present);
	for (int c = 0; c < 256; c++) {
		const struct dhcp_optval *o = &m->opt[c];
		uint8_t u8;
		uint16_t u16;
		uint32_t u32, ip;
		if (!o->present) {
			check(o->len == 0 && !o->data);
			check(dhcp_opt_u8(m, (uint8_t)c, &u8) == -ENOENT);
			check(dhcp_opt_ip(m, (uint8_t)c, &ip) == -ENOENT);
			continue;
		}
		check(o->data != NULL);
		check(inside(o->data, o->len, pkt, len) ||
		      inside(o->data, o->len, m->joined, m->joined_len));
		int r8 = dhcp_opt_u8(m, (uint8_t)c, &u8);
		int r16 = dhcp_opt_u16(m, (uint8_t)c, &u16);
		int r32 = dhcp_opt_u32(m, (uint8_t)c, &u32);
		int rip = dhcp_opt_ip(m, (uint8_t)c, &ip);
		check(r8 == (o->len == 1 ? 0 : -EBADMSG));
		check(r16 == (o->len == 2 ? 0 : -EBADMSG));
		check(r32 == (o->len == 4 ? 0 : -EBADMSG));
		check(rip == r32);
		if (!r8)
			check(u8 == o->data[0]);
		if (!r16)
			check(u16 == (o->data[0] << 8 | o->data[1]));
		if (!r32)
			check(u32 == ((uint32_t)o->data[0] << 24 |
				      (uint32_t)o->data[1] << 16 |
				      (uint32_t)o->data[2] << 8 | o->data[3]) &&
			      memcmp(&ip, o->data, 4) == 0);
	}
	const struct dhcp_optval *t = &m->opt[DHCP_OPT_MSG_TYPE];
	check(m->type == (t->present && t->len == 1 ? t->data[0] : 0));
}

static void check_hostname(const struct dhcp_msg *m, char host[64])
{
	int rc = dhcp_msg_hostname(m, host);
	size_t n = strlen(host);
	if (rc) {
		check(rc == -ENOENT && n == 0);
		return;
	}
	check(n >= 1 && n <= 63 && host[0] != '-' && host[n - 1] != '-');
	for (size_t i = 0; i < n; i++)
		check((host[i] >= 'a' && host[i] <= 'z') ||
		      (host[i] >= '0' && host[i] <= '9') || host[i] == '-');
}

static void check_client_id(const struct dhcp_msg *m)
{
	uint8_t id[300], small[3];
	size_t n = dhcp_msg_client_id(m, id, sizeof(id));
	const struct dhcp_optval *o = &m->opt[DHCP_OPT_CLIENT_ID];
	if (o->present && o->len > 0) {
		check(n == (o->len < sizeof(id) ? o->len : sizeof(id)));
		check(memcmp(id, o->data, n) == 0);
	} else {
		size_t hlen = m->hlen < 16 ? m->hlen : 16;
		check(n == 1 + hlen && id[0] == m->htype &&
		      memcmp(id + 1, m->chaddr, hlen) == 0);
	}
	size_t k = dhcp_msg_client_id(m, small, sizeof(small));
	check(k == (n < sizeof(small) ? n : sizeof(small)));
	check(memcmp(small, id, k) == 0);
	check(dhcp_msg_client_id(m, NULL, 0) == 0);
}

/* Decompresses name @i of an option 119 value into dotted text. */
static bool search_name(const uint8_t *p, size_t len, size_t *off,
			char *out, size_t cap)
{
	size_t pos = *off, o = 0, hops = 0;
	bool jumped = false;
	while (pos < len) {
		uint8_t l = p[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > 128)
				return false;
			size_t to = (size_t)(l & 0x3f) << 8 | p[pos + 1];
			if (to >= pos)
				return false; /* our encoder points backwards */
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			pos = to;
			continue;
		}
		if (l > 63)
			return false;
		if (l == 0) {
			if (!jumped)
				*off = pos + 1;
			if (o == 0 || o >= cap)
				return false;
			out[o - 1] = '\0'; /* the last dot */
			return true;
		}
		if (pos + 1 + l > len || o + l + 1 > cap)
			return false;
		memcpy(out + o, p + pos + 1, l);
		o += l;
		out[o++] = '.';
		pos += 1 + (size_t)l;
	}
	return false;
}

static bool same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na && a[na - 1] == '.')
		na--;
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		char x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

/* Names from option 15 of the input (comma-separated), plus the
 * hostname under a fixed domain: encodes them and decodes them back. */
static int make_search(const struct dhcp_msg *m, const char *host,
		       uint8_t *out, size_t cap)
{
	static char text[8][300];
	const char *names[8 + 3];
	size_t n = 0;
	const struct dhcp_optval *d = &m->opt[DHCP_OPT_DOMAIN];
	size_t start = 0;
	for (size_t i = 0; d->present && i <= d->len && n < 8; i++) {
		if (i < d->len && d->data[i] != ',')
			continue;
		size_t l = i - start;
		if (l >= sizeof(text[0]))
			l = sizeof(text[0]) - 1;
		memcpy(text[n], d->data + start, l);
		text[n][l] = '\0';
		names[n] = text[n];
		n++;
		start = i + 1;
	}
	static char fq[100];
	if (host[0]) {
		strcpy(fq, host);
		strcat(fq, ".lab.home");
		names[n++] = fq;
		names[n++] = host;
	}
	names[n++] = "lab.home";

	int len = dhcp_encode_search(names, n, out, cap);
	if (len == -EINVAL || len == -ENOSPC)
		return 0;
	check(len >= 0 && (size_t)len <= cap);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		char back[300];
		check(search_name(out, (size_t)len, &off, back, sizeof(back)));
		check(same_name(names[i], back));
	}
	check(off == (size_t)len);
	/* The same names with no room must fail cleanly. */
	check(dhcp_encode_search(names, n, out, (size_t)len / 2) ==
	      (len / 2 == len ? len : -ENOSPC));
	return len;
}

/* Routes from option 33's bytes, 9 at a time: encodes and decodes. */
static int make_routes(const struct dhcp_msg *m, uint8_t *out, size_t cap)
{
	struct dhcp_route r[16];
	size_t n = 0;
	const struct dhcp_optval *o = &m->opt[33];
	for (size_t i = 0; o->present && i + 9 <= o->len && n < 16; i += 9) {
		const uint8_t *p = o->data + i;
		uint8_t prefix = p[0] % 33;
		uint32_t dest = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
				(uint32_t)p[3] << 8 | p[4];
		dest &= prefix ? 0xffffffffu << (32 - prefix) : 0;
		uint8_t b[4] = {(uint8_t)(dest >> 24), (uint8_t)(dest >> 16),
				(uint8_t)(dest >> 8), (uint8_t)dest};
		r[n].prefix = prefix;
		memcpy(&r[n].dest_be, b, 4);
		memcpy(&r[n].via_be, p + 5, 4);
		n++;
	}
	int len = dhcp_encode_routes(r, n, out, cap);
	check(len >= 0 && (size_t)len <= cap);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		check(off < (size_t)len);
		uint8_t prefix = out[off++];
		size_t sig = (prefix + 7u) / 8u;
		uint8_t dest[4] = {0};
		check(prefix == r[i].prefix && off + sig + 4 <= (size_t)len);
		memcpy(dest, out + off, sig);
		off += sig;
		check(memcmp(dest, &r[i].dest_be, 4) == 0 &&
		      memcmp(out + off, &r[i].via_be, 4) == 0);
		off += 4;
	}
	check(off == (size_t)len);
	return len;
}

struct written {
	uint8_t code;
	const uint8_t *data;
	size_t len;
	bool in;
};

static void add(struct dhcp_builder *b, struct written *w, size_t *n,
		uint8_t code, const void *data, size_t len)
{
	size_t before = b->len;
	bool was = b->overflow;
	dhcp_build_opt(b, code, data, len);
	bool in = b->len != before;
	check(b->len <= b->cap);
	check(in ? b->overflow == was : b->overflow);
	if (in)
		check(b->len - before == len + 2 * (len ? (len + 254) / 255 : 1));
	w[*n] = (struct written){code, data, len, in};
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m, r;
	static uint8_t buf[DHCP_MAX_LEN + 64];
	static uint8_t s119[1024], r121[200];
	char host[64];

	if (dhcp_msg_parse(data, size, &m)) {
		check(m.type == 0 && !m.opt[DHCP_OPT_MSG_TYPE].present);
		return 0;
	}
	check_parse(&m, data, size);
	check_hostname(&m, host);
	check_client_id(&m);
	int n119 = make_search(&m, host, s119, sizeof(s119));
	int n121 = make_routes(&m, r121, sizeof(r121));

	/* The client's limit when it gives one, however odd. */
	size_t cap = DHCP_MAX_LEN;
	uint16_t maxsz;
	if (dhcp_opt_u16(&m, DHCP_OPT_MAX_SIZE, &maxsz) == 0)
		cap = maxsz;
	uint8_t type = m.type == DHCP_INFORM || m.type == DHCP_REQUEST
			       ? DHCP_ACK
			       : DHCP_OFFER;
	static const uint8_t yi[4] = {192, 168, 7, 20}, si[4] = {192, 168, 7, 1};
	uint32_t yiaddr, siaddr;
	memcpy(&yiaddr, yi, 4);
	memcpy(&siaddr, si, 4);

	memset(buf, 0xa5, sizeof(buf));
	struct dhcp_builder b;
	dhcp_build_reply(&b, buf, cap, &m, type, yiaddr, siaddr);
	check(b.cap <= DHCP_MAX_LEN && b.cap <= cap);
	struct written w[16];
	size_t nw = 0;
	static const uint8_t lease[4] = {0, 0, 0x0e, 0x10};
	static const uint8_t mask[4] = {255, 255, 255, 0};
	static const uint8_t dns[8] = {192, 168, 7, 1, 9, 9, 9, 9};
	add(&b, w, &nw, DHCP_OPT_SERVER_ID, si, 4);
	add(&b, w, &nw, DHCP_OPT_LEASE_TIME, lease, 4);
	add(&b, w, &nw, DHCP_OPT_SUBNET_MASK, mask, 4);
	add(&b, w, &nw, DHCP_OPT_DNS, dns, 8);
	add(&b, w, &nw, DHCP_OPT_DOMAIN, "lab.home", 8);
	if (host[0])
		add(&b, w, &nw, DHCP_OPT_HOSTNAME, host, strlen(host));
	add(&b, w, &nw, DHCP_OPT_DOMAIN_SEARCH, s119, (size_t)n119);
	add(&b, w, &nw, DHCP_OPT_CLASSLESS_ROUTES, r121, (size_t)n121);
	const struct dhcp_optval *echo[] = {&m.opt[DHCP_OPT_CLIENT_ID],
					    &m.opt[DHCP_OPT_VENDOR_CLASS],
					    &m.opt[DHCP_OPT_RELAY_AGENT]};
	const uint8_t codes[] = {DHCP_OPT_CLIENT_ID, 43, DHCP_OPT_RELAY_AGENT};
	for (size_t i = 0; i < 3; i++)
		if (echo[i]->present)
			add(&b, w, &nw, codes[i], echo[i]->data, echo[i]->len);
	size_t before = b.len;
	dhcp_build_u32(&b, DHCP_OPT_T1, 1800);
	bool t1 = b.len != before;

	size_t len = dhcp_build_finish(&b);
	check(len == b.len && len <= b.cap);
	for (size_t i = len; i < sizeof(buf); i++)
		check(buf[i] == 0xa5);
	if (b.cap == 0) {
		check(len == 0 && b.overflow);
		return 0;
	}
	check(len >= (b.cap < DHCP_MIN_LEN ? b.cap : DHCP_MIN_LEN));

	check(dhcp_msg_parse(buf, len, &r) == 0);
	check_parse(&r, buf, len);
	check(r.op == DHCP_BOOTREPLY && r.htype == m.htype &&
	      r.hlen == m.hlen && r.hops == 0 && r.xid == m.xid &&
	      r.secs == 0 && r.flags == m.flags && r.giaddr == m.giaddr &&
	      r.yiaddr == yiaddr && r.siaddr == siaddr &&
	      r.ciaddr == (type == DHCP_ACK ? m.ciaddr : 0) &&
	      memcmp(r.chaddr, m.chaddr, 16) == 0 && r.type == type);
	for (size_t i = 0; i < nw; i++) {
		const struct dhcp_optval *o = &r.opt[w[i].code];
		check(o->present == w[i].in);
		if (w[i].in)
			check(o->len == w[i].len &&
			      (w[i].len == 0 ||
			       memcmp(o->data, w[i].data, w[i].len) == 0));
	}
	uint32_t v;
	check(t1 == (dhcp_opt_u32(&r, DHCP_OPT_T1, &v) == 0 && v == 1800));
	char host2[64];
	check_hostname(&r, host2);
	if (host[0] && r.opt[DHCP_OPT_HOSTNAME].present)
		check(strcmp(host, host2) == 0);
	return 0;
}
