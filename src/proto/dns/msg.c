/* SPDX-License-Identifier: MIT */
/* Query parsing and response writing (with name compression). */
#include "proto/dns/msg.h"

#include <errno.h>
#include <string.h>

static int skip_rr(const uint8_t *msg, size_t len, size_t *off,
		   uint16_t *type, uint32_t *ttl, uint16_t *rdlen,
		   size_t *rdoff, struct dns_name *owner)
{
	if (dns_name_unpack(msg, len, off, owner))
		return -EBADMSG;
	if (*off + 10 > len)
		return -EBADMSG;
	*type = dns_get16(msg + *off);
	*ttl = dns_get32(msg + *off + 4);
	*rdlen = dns_get16(msg + *off + 8);
	*off += 10;
	if (*off + *rdlen > len)
		return -EBADMSG;
	*rdoff = *off;
	*off += *rdlen;
	return 0;
}

int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	/* Every field but the name's bytes (written up to its length): this
	 * runs once per query. */
	q->id = q->flags = 0;
	q->qdcount = q->ancount = q->nscount = q->arcount = 0;
	q->qname.len = 0;
	q->qtype = q->qclass = 0;
	q->question_end = 0;
	q->has_edns = q->edns_bad = q->edns_do = false;
	q->edns_version = 0;
	q->edns_payload = 0;
	if (len < DNS_HEADER_LEN)
		return -EBADMSG;
	q->id = dns_get16(msg);
	q->flags = dns_get16(msg + 2);
	q->qdcount = dns_get16(msg + 4);
	q->ancount = dns_get16(msg + 6);
	q->nscount = dns_get16(msg + 8);
	q->arcount = dns_get16(msg + 10);
	if (q->flags & DNS_F_QR)
		return -EBADMSG; /* a response: never answer it */
	if (q->qdcount != 1)
		return -EPROTO;
	size_t off = DNS_HEADER_LEN;
	if (dns_name_unpack(msg, len, &off, &q->qname) || off + 4 > len)
		return -EPROTO;
	q->qtype = dns_get16(msg + off);
	q->qclass = dns_get16(msg + off + 2);
	off += 4;
	q->question_end = off;

	/* Skip answer and authority (NOTIFY/UPDATE may carry some), then
	 * look for OPT in the additional section. */
	unsigned skip = (unsigned)q->ancount + q->nscount;
	for (unsigned i = 0; i < skip + q->arcount; i++) {
		struct dns_name owner;
		uint16_t type, rdlen;
		uint32_t ttl;
		size_t rdoff;
		if (skip_rr(msg, len, &off, &type, &ttl, &rdlen, &rdoff,
			    &owner))
			return -EPROTO;
		if (i < skip || type != DNS_T_OPT)
			continue;
		if (q->has_edns || owner.len != 1) {
			q->edns_bad = true; /* two OPTs, or not at root */
			continue;
		}
		q->has_edns = true;
		q->edns_payload = dns_get16(msg + off - rdlen - 10 + 2);
		q->edns_version = (uint8_t)(ttl >> 16);
		q->edns_do = (ttl & 0x8000u) != 0;
		/* Options are not used; check they are well-formed. */
		size_t p = rdoff, end = rdoff + rdlen;
		while (p < end) {
			if (p + 4 > end) {
				q->edns_bad = true;
				break;
			}
			p += 4 + dns_get16(msg + p + 2);
		}
		if (p != end)
			q->edns_bad = true;
	}
	return 0;
}

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* True when the name written at @off in the message (following
 * pointers) equals the uncompressed @wire of @len bytes. */
static bool equal_at(const struct dns_writer *w, size_t off,
		     const uint8_t *wire, size_t len, bool exact)
{
	size_t i = 0;
	for (int hops = 0; hops < 64;) {
		if (off >= w->len || i >= len)
			return false;
		uint8_t l = w->buf[off];
		if ((l & 0xc0) == 0xc0) {
			off = (size_t)(l & 0x3f) << 8 | w->buf[off + 1];
			hops++;
			continue;
		}
		if (l != wire[i])
			return false;
		if (l == 0)
			return i + 1 == len;
		if (off + 1 + l > w->len || i + 1 + l > len)
			return false;
		for (size_t k = 1; k <= l; k++) {
			uint8_t a = w->buf[off + k], b = wire[i + k];
			if (a != b && (exact || lower(a) != lower(b)))
				return false;
		}
		off += (size_t)l + 1;
		i += (size_t)l + 1;
	}
	return false;
}

/* Owner names match earlier names whatever their case (so owners equal
 * to the question keep the asker's case); names inside RDATA only match
 * exactly, so their case reaches the client as stored. */
static int write_name(struct dns_writer *w, const struct dns_name *n,
		      bool exact)
{
	/* The longest suffix of @n already in the message. */
	size_t off = 0;
	int hit = -1;
	while (off < n->len && n->wire[off] && hit < 0) {
		for (unsigned i = 0; i < w->n_names; i++) {
			if (w->buf[w->names[i]] == n->wire[off] &&
			    equal_at(w, w->names[i], n->wire + off,
				     n->len - off, exact)) {
				hit = (int)i;
				break;
			}
		}
		if (hit < 0)
			off += (size_t)n->wire[off] + 1;
	}
	size_t literal = hit >= 0 ? off : n->len;
	if (w->len + literal + (hit >= 0 ? 2 : 0) > w->cap)
		return -ENOSPC;
	size_t at = w->len;
	memcpy(w->buf + w->len, n->wire, literal);
	w->len += literal;
	if (hit >= 0) {
		dns_put16(w->buf + w->len,
			  (uint16_t)(0xc000u | w->names[hit]));
		w->len += 2;
	}
	/* Each label written literally starts a suffix later names can
	 * point at. */
	for (size_t from = 0; from < literal && n->wire[from] &&
			      at + from < 0x3fff && w->n_names < DNS_COMPRESS_MAX;
	     from += (size_t)n->wire[from] + 1)
		w->names[w->n_names++] = (uint16_t)(at + from);
	return 0;
}

int dns_writer_name(struct dns_writer *w, const struct dns_name *n)
{
	return write_name(w, n, false);
}

int dns_writer_init_header(struct dns_writer *w, uint8_t *buf, size_t cap,
			   const uint8_t *query, size_t query_len)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (cap < DNS_HEADER_LEN || query_len < 4)
		return -ENOSPC;
	memset(buf, 0, DNS_HEADER_LEN);
	buf[0] = query[0];
	buf[1] = query[1];
	uint16_t qf = dns_get16(query + 2);
	uint16_t f = (uint16_t)(DNS_F_QR | (qf & (0xf << 11)) | (qf & DNS_F_RD) |
				(qf & DNS_F_CD));
	dns_put16(buf + 2, f);
	w->len = DNS_HEADER_LEN;
	return 0;
}

int dns_writer_init(struct dns_writer *w, uint8_t *buf, size_t cap,
		    const uint8_t *query, const struct dns_query *q)
{
	int rc = dns_writer_init_header(w, buf, cap, query, q->question_end);
	if (rc)
		return rc;
	/* The question as received: a compressed qname in a query is
	 * legal but rare; write it from the parsed copy in that case. */
	size_t qlen = q->question_end - DNS_HEADER_LEN;
	if (w->len + q->qname.len + 4 > cap)
		return -ENOSPC;
	if (qlen == (size_t)q->qname.len + 4) {
		memcpy(buf + w->len, query + DNS_HEADER_LEN, qlen);
	} else {
		memcpy(buf + w->len, q->qname.wire, q->qname.len);
		dns_put16(buf + w->len + q->qname.len, q->qtype);
		dns_put16(buf + w->len + q->qname.len + 2, q->qclass);
		qlen = (size_t)q->qname.len + 4;
	}
	/* The question's name (in the message, case as sent) is the first
	 * compression target: owners equal to it keep the asker's case. */
	for (size_t from = 0; q->qname.wire[from] && w->n_names < DNS_COMPRESS_MAX;
	     from += (size_t)q->qname.wire[from] + 1)
		w->names[w->n_names++] = (uint16_t)(w->len + from);
	w->len += qlen;
	dns_put16(buf + 4, 1);
	return 0;
}

/* Writes an uncompressed name found in RDATA with compression. */
static int rdata_name(struct dns_writer *w, const uint8_t *rd, size_t len,
		      size_t *off)
{
	struct dns_name n;
	size_t i = *off;
	while (i < len && rd[i] && i - *off < DNS_NAME_MAX)
		i += (size_t)rd[i] + 1;
	if (i >= len || i + 1 - *off > DNS_NAME_MAX)
		return -EINVAL;
	n.len = (uint8_t)(i + 1 - *off);
	memcpy(n.wire, rd + *off, n.len);
	*off = i + 1;
	return write_name(w, &n, true);
}

/* RFC 1035 types may have their RDATA names compressed (RFC 3597 §4);
 * writes the RDATA so, or returns -EINVAL to fall back to a copy. */
static int rdata_compressed(struct dns_writer *w, uint16_t type,
			    const uint8_t *rd, size_t len)
{
	size_t off = 0;
	int rc;
	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		rc = rdata_name(w, rd, len, &off);
		break;
	case DNS_T_MX:
		if (len < 3 || w->len + 2 > w->cap)
			return len < 3 ? -EINVAL : -ENOSPC;
		memcpy(w->buf + w->len, rd, 2);
		w->len += 2;
		off = 2;
		rc = rdata_name(w, rd, len, &off);
		break;
	case DNS_T_SOA:
		rc = rdata_name(w, rd, len, &off);
		if (!rc)
			rc = rdata_name(w, rd, len, &off);
		if (!rc && len - off != 20)
			rc = -EINVAL;
		if (!rc && w->len + 20 > w->cap)
			rc = -ENOSPC;
		if (!rc) {
			memcpy(w->buf + w->len, rd + off, 20);
			w->len += 20;
			off += 20;
		}
		break;
	default:
		return -EINVAL;
	}
	if (!rc && off != len)
		rc = -EINVAL;
	return rc;
}

int dns_writer_rr(struct dns_writer *w, enum dns_section sec,
		  const struct dns_name *owner, uint16_t type, uint16_t cls,
		  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	struct dns_writer_mark m;
	dns_writer_save(w, &m);
	if (dns_writer_name(w, owner))
		goto nospace;
	if (w->len + 10 > w->cap)
		goto nospace;
	uint8_t *p = w->buf + w->len;
	dns_put16(p, type);
	dns_put16(p + 2, cls);
	dns_put32(p + 4, ttl);
	w->len += 10;
	size_t start = w->len;
	struct dns_writer_mark rm;
	dns_writer_save(w, &rm);
	int rc = rdata_compressed(w, type, rdata, rdlen);
	if (rc == -ENOSPC)
		goto nospace;
	if (rc) {
		dns_writer_restore(w, &rm);
		if (w->len + rdlen > w->cap)
			goto nospace;
		memcpy(w->buf + w->len, rdata, rdlen);
		w->len += rdlen;
	}
	dns_put16(p + 8, (uint16_t)(w->len - start));
	w->count[sec]++;
	return 0;
nospace:
	dns_writer_restore(w, &m);
	return -ENOSPC;
}

int dns_writer_opt(struct dns_writer *w, uint16_t payload, uint8_t ext_rcode,
		   bool do_bit)
{
	if (w->len + 11 > w->cap)
		return -ENOSPC;
	uint8_t *p = w->buf + w->len;
	p[0] = 0; /* root */
	dns_put16(p + 1, DNS_T_OPT);
	dns_put16(p + 3, payload);
	p[5] = ext_rcode;
	p[6] = 0; /* version 0 */
	dns_put16(p + 7, do_bit ? 0x8000u : 0);
	dns_put16(p + 9, 0);
	w->len += 11;
	w->count[DNS_SEC_AR]++;
	return 0;
}

void dns_writer_flags(struct dns_writer *w, uint16_t set)
{
	dns_put16(w->buf + 2, (uint16_t)(dns_get16(w->buf + 2) | set));
}

void dns_writer_rcode(struct dns_writer *w, uint8_t rcode)
{
	uint16_t f = dns_get16(w->buf + 2);
	dns_put16(w->buf + 2, (uint16_t)((f & ~0xfu) | (rcode & 0xfu)));
}

void dns_writer_finish(struct dns_writer *w)
{
	dns_put16(w->buf + 6, w->count[DNS_SEC_AN]);
	dns_put16(w->buf + 8, w->count[DNS_SEC_NS]);
	dns_put16(w->buf + 10, w->count[DNS_SEC_AR]);
}

void dns_writer_save(const struct dns_writer *w, struct dns_writer_mark *m)
{
	m->len = w->len;
	memcpy(m->count, w->count, sizeof(m->count));
	m->n_names = w->n_names;
}

void dns_writer_restore(struct dns_writer *w, const struct dns_writer_mark *m)
{
	w->len = m->len;
	memcpy(w->count, m->count, sizeof(w->count));
	w->n_names = m->n_names;
}
