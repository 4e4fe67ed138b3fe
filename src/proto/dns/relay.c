/* SPDX-License-Identifier: MIT */
/* Walking, checking and rewriting forwarded DNS messages in place. */
#include "proto/dns/relay.h"

#include <errno.h>
#include <string.h>

#include "proto/dns/dns.h"

/* Skips a possibly compressed name; 0 or -EBADMSG. */
static int skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t p = *off;
	for (int labels = 0; labels < 128; labels++) {
		if (p >= len)
			return -EBADMSG;
		uint8_t l = m[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return -EBADMSG;
			*off = p + 2;
			return 0;
		}
		if (l & 0xc0)
			return -EBADMSG;
		p += (size_t)l + 1;
		if (l == 0) {
			*off = p;
			return 0;
		}
	}
	return -EBADMSG;
}

struct rr {
	int section; /* 0 answer, 1 authority, 2 additional */
	size_t start;	  /* owner name */
	size_t fixed;	  /* type, class, ttl, rdlength */
	size_t rdata;
	uint16_t type, rdlen;
};

/* Calls @fn for each RR after the question; stops when it returns
 * non-zero. Returns 0, the callback's value, or -EBADMSG. */
static int walk(const uint8_t *m, size_t len,
		int (*fn)(const struct rr *, void *), void *ud)
{
	if (len < DNS_HEADER_LEN)
		return -EBADMSG;
	size_t off = DNS_HEADER_LEN;
	unsigned qd = dns_get16(m + 4);
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(m, len, &off) || off + 4 > len)
			return -EBADMSG;
		off += 4;
	}
	for (int sec = 0; sec < 3; sec++) {
		unsigned n = dns_get16(m + 6 + 2 * sec);
		for (unsigned i = 0; i < n; i++) {
			struct rr r = {.section = sec, .start = off};
			if (skip_name(m, len, &off) || off + 10 > len)
				return -EBADMSG;
			r.fixed = off;
			r.type = dns_get16(m + off);
			r.rdlen = dns_get16(m + off + 8);
			r.rdata = off + 10;
			off = r.rdata + r.rdlen;
			if (off > len)
				return -EBADMSG;
			if (fn) {
				int rc = fn(&r, ud);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

size_t dns_relay_query(uint8_t *out, size_t cap, uint16_t id,
		       const struct dns_query *q)
{
	size_t need = DNS_HEADER_LEN + q->qname.len + 4 + 11;
	if (cap < need)
		return 0;
	memset(out, 0, DNS_HEADER_LEN);
	dns_put16(out, id);
	dns_put16(out + 2, DNS_F_RD);
	dns_put16(out + 4, 1);
	dns_put16(out + 10, 1);
	size_t off = DNS_HEADER_LEN;
	memcpy(out + off, q->qname.wire, q->qname.len);
	off += q->qname.len;
	dns_put16(out + off, q->qtype);
	dns_put16(out + off + 2, q->qclass);
	off += 4;
	out[off] = 0;
	dns_put16(out + off + 1, DNS_T_OPT);
	dns_put16(out + off + 3, 1232);
	memset(out + off + 5, 0, 6);
	return off + 11;
}

int dns_relay_check(const uint8_t *resp, size_t len, uint16_t id,
		    const struct dns_query *q)
{
	if (len < DNS_HEADER_LEN || dns_get16(resp) != id ||
	    !(dns_get16(resp + 2) & DNS_F_QR) || dns_get16(resp + 4) != 1)
		return -EBADMSG;
	size_t off = DNS_HEADER_LEN;
	struct dns_name n;
	if (dns_name_unpack(resp, len, &off, &n) || off + 4 > len ||
	    off != (size_t)DNS_HEADER_LEN + q->qname.len ||
	    !dns_name_equal(&n, &q->qname) ||
	    dns_get16(resp + off) != q->qtype ||
	    dns_get16(resp + off + 2) != q->qclass)
		return -EBADMSG;
	return walk(resp, len, NULL, NULL);
}

struct opt_find {
	size_t start;
	size_t end;
	int count;
};

static int find_opt(const struct rr *r, void *ud)
{
	struct opt_find *f = ud;
	if (r->type == DNS_T_OPT && r->section == 2) {
		f->start = r->start;
		f->end = r->rdata + r->rdlen;
		f->count++;
	}
	return 0;
}

size_t dns_relay_strip_opt(uint8_t *m, size_t len, bool *opt_inside)
{
	struct opt_find f = {0};
	*opt_inside = false;
	if (walk(m, len, find_opt, &f) || f.count == 0)
		return len;
	if (f.count > 1 || f.end != len) {
		*opt_inside = true;
		return len;
	}
	dns_put16(m + 10, (uint16_t)(dns_get16(m + 10) - 1));
	return f.start;
}

struct ttl_acc {
	uint32_t min;
	bool any_answer;
	uint32_t soa_ttl;
	bool soa;
	const uint8_t *m;
	size_t len;
};

static int ttl_rr(const struct rr *r, void *ud)
{
	struct ttl_acc *a = ud;
	uint32_t ttl = dns_get32(a->m + r->fixed + 4);
	if (r->type == DNS_T_OPT)
		return 0;
	if (r->section == 0) {
		a->any_answer = true;
		if (ttl < a->min)
			a->min = ttl;
	} else if (r->section == 1 && r->type == DNS_T_SOA && r->rdlen >= 20) {
		uint32_t minimum = dns_get32(a->m + r->rdata + r->rdlen - 4);
		a->soa_ttl = ttl < minimum ? ttl : minimum;
		a->soa = true;
	}
	return 0;
}

uint32_t dns_relay_ttl(const uint8_t *m, size_t len)
{
	if (len < DNS_HEADER_LEN)
		return 0;
	uint16_t f = dns_get16(m + 2);
	unsigned rcode = DNS_RCODE(f);
	if ((f & DNS_F_TC) || (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN))
		return 0;
	struct ttl_acc a = {.min = UINT32_MAX, .m = m, .len = len};
	if (walk(m, len, ttl_rr, &a))
		return 0;
	if (a.any_answer && rcode == DNS_R_NOERROR)
		return a.min;
	return a.soa ? a.soa_ttl : 0; /* negative: only with an SOA */
}

struct age {
	uint8_t *m;
	uint32_t elapsed;
};

static int age_rr(const struct rr *r, void *ud)
{
	struct age *a = ud;
	if (r->type == DNS_T_OPT)
		return 0;
	uint32_t ttl = dns_get32(a->m + r->fixed + 4);
	dns_put32(a->m + r->fixed + 4, ttl > a->elapsed ? ttl - a->elapsed : 0);
	return 0;
}

void dns_relay_age(uint8_t *m, size_t len, uint32_t elapsed)
{
	struct age a = {m, elapsed};
	if (elapsed)
		walk(m, len, age_rr, &a);
}

struct alias_ctx {
	uint8_t *m;
	const struct dns_alias *rules;
	size_t n;
};

static int alias_rr(const struct rr *r, void *ud)
{
	struct alias_ctx *c = ud;
	if (r->section != 0 || r->type != DNS_T_A || r->rdlen != 4)
		return 0;
	struct ipaddr a = {.family = AF_INET};
	memcpy(a.u.bytes, c->m + r->rdata, 4);
	for (size_t i = 0; i < c->n; i++) {
		const struct dns_alias *al = &c->rules[i];
		if (!ipprefix_contains(&al->from, &a))
			continue;
		/* dnsmasq: new = to's network bits | the address's host bits
		 * (host bits of the narrower of the two prefixes). */
		unsigned keep = al->to.len > al->from.len ? al->to.len
							  : al->from.len;
		uint32_t mask = keep >= 32 ? 0xffffffffu
					   : ~(0xffffffffu >> keep);
		uint32_t old = dns_get32(a.u.bytes);
		uint32_t to = dns_get32(al->to.addr.u.bytes);
		dns_put32(c->m + r->rdata, (to & mask) | (old & ~mask));
		break;
	}
	return 0;
}

void dns_relay_alias(uint8_t *m, size_t len, const struct dns_alias *rules,
		     size_t n)
{
	struct alias_ctx c = {m, rules, n};
	if (n)
		walk(m, len, alias_rr, &c);
}

static void client_header(uint8_t *out, const uint8_t *query,
			  const struct dns_query *q, uint16_t rflags)
{
	dns_put16(out, q->id);
	uint16_t f = (uint16_t)(DNS_F_QR | DNS_F_RA | (q->flags & (0xfu << 11)) |
				(q->flags & (DNS_F_RD | DNS_F_CD)) |
				(rflags & (DNS_F_AD | 0xf)));
	dns_put16(out + 2, f);
	(void)query;
}

size_t dns_relay_error(uint8_t *out, size_t cap, const uint8_t *query,
		       const struct dns_query *q, uint8_t rcode,
		       uint16_t payload)
{
	struct dns_writer w;
	if (dns_writer_init(&w, out, cap, query, q))
		return 0;
	dns_writer_flags(&w, DNS_F_RA);
	if (q->has_edns)
		dns_writer_opt(&w, payload, 0, false);
	dns_writer_rcode(&w, rcode);
	dns_writer_finish(&w);
	return w.len;
}

size_t dns_relay_to_client(uint8_t *out, size_t cap, size_t limit,
			   const uint8_t *resp, size_t len,
			   const uint8_t *query, const struct dns_query *q,
			   uint16_t payload)
{
	/* The upstream's question is ours: the name uncompressed. */
	size_t qend = DNS_HEADER_LEN + q->qname.len + 4;
	size_t opt = q->has_edns ? 11 : 0;
	if (len < qend || cap < qend + opt)
		return 0;
	if (len + opt > limit || len + opt > cap) {
		/* Too big for the client's UDP: TC, and it asks over TCP. */
		struct dns_writer w;
		if (dns_writer_init(&w, out, cap, query, q))
			return 0;
		dns_writer_flags(&w, DNS_F_RA | DNS_F_TC);
		if (q->has_edns)
			dns_writer_opt(&w, payload, 0, false);
		dns_writer_rcode(&w, (uint8_t)DNS_RCODE(dns_get16(resp + 2)));
		dns_writer_finish(&w);
		return w.len;
	}
	memcpy(out, resp, len);
	client_header(out, query, q, dns_get16(resp + 2));
	/* The client's question (its case kept), the same length as ours. */
	memcpy(out + DNS_HEADER_LEN, q->qname.wire, q->qname.len);
	size_t n = len;
	if (q->has_edns) {
		out[n] = 0;
		dns_put16(out + n + 1, DNS_T_OPT);
		dns_put16(out + n + 3, payload);
		memset(out + n + 5, 0, 6);
		n += 11;
		dns_put16(out + 10, (uint16_t)(dns_get16(out + 10) + 1));
	}
	return n;
}
