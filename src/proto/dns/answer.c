/* SPDX-License-Identifier: MIT */
/* The authoritative lookup algorithm and the shape of each kind of answer. */
#include "proto/dns/answer.h"

#include <errno.h>
#include <string.h>

#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"

#define MAX_CHAIN 8   /* CNAME hops followed inside a zone */
#define MAX_EXTRA 16  /* targets given additional records */

struct ctx {
	const struct dns_query *q;
	struct dns_writer *w;
	const struct dns_zone *zone;
	bool truncated;
	uint8_t rcode;
	/* Targets whose addresses are already in the additional section. */
	struct dns_name extra[MAX_EXTRA];
	unsigned n_extra;
	/* Queued additional work, done after answer and authority. */
	struct dns_name pending[MAX_EXTRA];
	unsigned n_pending;
};

/* Writes a whole RRset or nothing; sets TC when it does not fit in the
 * answer or authority section. */
static int put_rrset(struct ctx *c, enum dns_section sec,
		     const struct dns_name *owner, const struct dns_rrset *rs)
{
	struct dns_writer_mark m;
	dns_writer_save(c->w, &m);
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (dns_rrset_next(rs, &pos, &rd, &len)) {
		if (dns_writer_rr(c->w, sec, owner, rs->type, DNS_C_IN, rs->ttl,
				  rd, len)) {
			dns_writer_restore(c->w, &m);
			if (sec != DNS_SEC_AR)
				c->truncated = true;
			return -ENOSPC;
		}
	}
	return 0;
}

static void node_name(const struct dns_node *n, struct dns_name *out)
{
	out->len = n->name_len;
	memcpy(out->wire, n->name, n->name_len);
}

/* Remembers the target name inside an NS/MX/SRV record for the
 * additional section. */
static void queue_targets(struct ctx *c, const struct dns_rrset *rs)
{
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (dns_rrset_next(rs, &pos, &rd, &len) && c->n_pending < MAX_EXTRA) {
		int off = dns_rdata_target(rs->type, rd, len);
		if (off < 0)
			continue;
		size_t o = (size_t)off;
		struct dns_name *t = &c->pending[c->n_pending];
		/* The target is an uncompressed name inside the RDATA. */
		size_t i = o;
		while (i < len && rd[i])
			i += (size_t)rd[i] + 1;
		if (i >= len || i + 1 - o > DNS_NAME_MAX)
			continue;
		t->len = (uint8_t)(i + 1 - o);
		memcpy(t->wire, rd + o, t->len);
		c->n_pending++;
	}
}

static void put_additional(struct ctx *c)
{
	for (unsigned i = 0; i < c->n_pending; i++) {
		const struct dns_name *t = &c->pending[i];
		bool seen = false;
		for (unsigned k = 0; k < c->n_extra; k++)
			if (dns_name_equal(&c->extra[k], t))
				seen = true;
		if (seen || c->n_extra >= MAX_EXTRA ||
		    !dns_name_is_subdomain(t, &c->zone->apex))
			continue;
		c->extra[c->n_extra++] = *t;
		const struct dns_node *n = dns_zone_find(c->zone, t->wire, t->len);
		if (!n)
			continue;
		const struct dns_rrset *a = dns_node_rrset(n, DNS_T_A);
		const struct dns_rrset *aaaa = dns_node_rrset(n, DNS_T_AAAA);
		if (a && put_rrset(c, DNS_SEC_AR, t, a))
			return;
		if (aaaa && put_rrset(c, DNS_SEC_AR, t, aaaa))
			return;
	}
}

static void put_soa(struct ctx *c)
{
	/* RFC 2308 §3: the SOA's TTL in a negative answer is the lesser of
	 * its own TTL and its MINIMUM field. */
	struct dns_rrset soa = *c->zone->soa;
	const uint8_t *rd;
	uint16_t len;
	uint32_t pos = 0;
	if (dns_rrset_next(&soa, &pos, &rd, &len) && len >= 4) {
		uint32_t min = dns_get32(rd + len - 4);
		if (min < soa.ttl)
			soa.ttl = min;
	}
	put_rrset(c, DNS_SEC_NS, &c->zone->apex, &soa);
}

static void referral(struct ctx *c, const struct dns_node *cut)
{
	struct dns_name owner;
	node_name(cut, &owner);
	const struct dns_rrset *ns = dns_node_rrset(cut, DNS_T_NS);
	if (put_rrset(c, DNS_SEC_NS, &owner, ns))
		return;
	queue_targets(c, ns);
}

static void answer_name(struct ctx *c, const struct dns_name *qname,
			uint16_t qtype, int depth);

/* Answers from node @n for @owner (the query name, or the name a
 * wildcard stands for). */
static void from_node(struct ctx *c, const struct dns_node *n,
		      const struct dns_name *owner, uint16_t qtype, int depth)
{
	if (qtype == DNS_T_ANY) {
		/* RFC 8482: one RRset is a complete answer to ANY. */
		if (n->nsets > 0) {
			const struct dns_rrset *rs = &n->sets[0];
			for (uint16_t i = 0; i < n->nsets; i++)
				if (n->sets[i].type != DNS_T_SOA &&
				    n->sets[i].type != DNS_T_NS) {
					rs = &n->sets[i];
					break;
				}
			put_rrset(c, DNS_SEC_AN, owner, rs);
		} else {
			put_soa(c);
		}
		return;
	}
	const struct dns_rrset *rs = dns_node_rrset(n, qtype);
	if (rs) {
		if (put_rrset(c, DNS_SEC_AN, owner, rs) == 0 &&
		    (qtype == DNS_T_NS || qtype == DNS_T_MX ||
		     qtype == DNS_T_SRV))
			queue_targets(c, rs);
		return;
	}
	const struct dns_rrset *cname = dns_node_rrset(n, DNS_T_CNAME);
	if (cname) {
		if (put_rrset(c, DNS_SEC_AN, owner, cname))
			return;
		uint32_t pos = 0;
		const uint8_t *rd;
		uint16_t len;
		struct dns_name target;
		if (!dns_rrset_next(cname, &pos, &rd, &len) ||
		    len > DNS_NAME_MAX || len == 0)
			return;
		target.len = (uint8_t)len;
		memcpy(target.wire, rd, len);
		if (depth < MAX_CHAIN &&
		    dns_name_is_subdomain(&target, &c->zone->apex))
			answer_name(c, &target, qtype, depth + 1);
		return;
	}
	put_soa(c); /* NODATA */
}

static void answer_name(struct ctx *c, const struct dns_name *qname,
			uint16_t qtype, int depth)
{
	const struct dns_zone *z = c->zone;
	const struct dns_node *n = dns_zone_find(z, qname->wire, qname->len);
	if (n && !(n->flags & (DNS_NODE_CUT | DNS_NODE_OCCLUDED))) {
		from_node(c, n, qname, qtype, depth);
		return;
	}
	/* Walk down from the apex: a cut on the way is a referral; else the
	 * deepest existing name is the closest encloser. */
	unsigned ql = dns_name_labels(qname), al = dns_name_labels(&z->apex);
	const struct dns_node *ce = z->apex_node;
	for (unsigned k = al + 1; k <= ql; k++) {
		size_t off = dns_name_suffix_offset(qname, k);
		const struct dns_node *m =
			dns_zone_find(z, qname->wire + off, qname->len - off);
		if (!m)
			break;
		if (m->flags & DNS_NODE_CUT) {
			if (k == ql && qtype == DNS_T_DS) {
				/* DS lives in the parent: this zone answers */
				if (dns_node_rrset(m, DNS_T_DS))
					from_node(c, m, qname, qtype, depth);
				else
					put_soa(c);
				return;
			}
			referral(c, m);
			/* A referral is not authoritative (an answer that
			 * reached it through a CNAME still is). */
			if (depth == 0) {
				uint16_t f = dns_get16(c->w->buf + 2);
				dns_put16(c->w->buf + 2,
					  (uint16_t)(f & ~DNS_F_AA));
			}
			return;
		}
		ce = m;
	}
	if (ce->flags & DNS_NODE_HAS_WILD) {
		struct dns_name star, cen;
		node_name(ce, &cen);
		if (dns_name_prepend(&cen, "*", 1, &star) == 0) {
			const struct dns_node *wn =
				dns_zone_find(z, star.wire, star.len);
			if (wn) {
				from_node(c, wn, qname, qtype, depth);
				return;
			}
		}
	}
	c->rcode = DNS_R_NXDOMAIN;
	put_soa(c);
}

static bool chaos_name(const struct dns_name *n, const char *text)
{
	struct dns_name want;
	return dns_name_from_text(text, strlen(text), NULL, &want) == 0 &&
	       dns_name_equal(n, &want);
}

/* CHAOS TXT: version.bind and friends. */
static void chaos(struct ctx *c, const struct dns_answer_opts *o)
{
	const struct dns_name *qn = &c->q->qname;
	const char *text = NULL;
	if (chaos_name(qn, "version.bind.") || chaos_name(qn, "version.server."))
		text = o->version;
	else if (chaos_name(qn, "id.server.") || chaos_name(qn, "hostname.bind."))
		text = o->id;
	if (!text || !*text ||
	    (c->q->qtype != DNS_T_TXT && c->q->qtype != DNS_T_ANY)) {
		c->rcode = DNS_R_REFUSED;
		return;
	}
	uint8_t rd[256];
	size_t n = strlen(text);
	if (n > 255)
		n = 255;
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, text, n);
	if (dns_writer_rr(c->w, DNS_SEC_AN, qn, DNS_T_TXT, DNS_C_CH, 0, rd,
			  (uint16_t)(n + 1)))
		c->truncated = true;
}

size_t dns_answer(const struct dns_zoneset *zs, const uint8_t *query,
		  size_t len, uint8_t *buf, size_t cap, bool tcp,
		  const struct dns_answer_opts *opts,
		  struct dns_answer_info *info)
{
	struct dns_query q;
	int rc = dns_query_parse(query, len, &q);
	return dns_answer_parsed(zs, rc, &q, query, len, buf, cap, tcp, opts,
				 info);
}

size_t dns_answer_parsed(const struct dns_zoneset *zs, int parsed,
			 const struct dns_query *q, const uint8_t *query,
			 size_t len, uint8_t *buf, size_t cap, bool tcp,
			 const struct dns_answer_opts *opts,
			 struct dns_answer_info *info)
{
	struct dns_writer w;
	memset(info, 0, sizeof(*info));
	if (parsed == -EBADMSG)
		return 0;
	if (parsed) {
		if (dns_writer_init_header(&w, buf, cap, query, len))
			return 0;
		dns_writer_rcode(&w, DNS_R_FORMERR);
		dns_writer_finish(&w);
		info->rcode = DNS_R_FORMERR;
		return w.len;
	}
	/* The size limit: 512 without EDNS, else the smaller of the two
	 * advertised payloads; TCP has only the message limit. */
	size_t limit = cap;
	if (!tcp) {
		size_t udp = DNS_UDP_MIN;
		if (q->has_edns && q->edns_payload > DNS_UDP_MIN)
			udp = q->edns_payload < opts->udp_payload
				      ? q->edns_payload
				      : opts->udp_payload;
		if (udp < limit)
			limit = udp;
	}
	if (dns_writer_init(&w, buf, limit, query, q))
		return 0;
	/* Only the counters are set: the name arrays behind them are
	 * kilobytes, and only the entries counted are ever read. */
	struct ctx c;
	c.q = q;
	c.w = &w;
	c.zone = NULL;
	c.truncated = false;
	c.rcode = 0;
	c.n_extra = 0;
	c.n_pending = 0;
	if (q->has_edns)
		w.cap -= 11; /* room for our OPT */

	if (q->edns_bad) {
		c.rcode = DNS_R_FORMERR;
	} else if (q->has_edns && q->edns_version > 0) {
		c.rcode = DNS_R_BADVERS; /* RFC 6891 §6.1.3 */
	} else if (DNS_OPCODE(q->flags) != DNS_OP_QUERY) {
		c.rcode = DNS_R_NOTIMP;
	} else if (q->qclass == DNS_C_CH) {
		chaos(&c, opts);
	} else if (q->qclass != DNS_C_IN && q->qclass != DNS_C_ANY) {
		c.rcode = DNS_R_REFUSED;
	} else if (q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR ||
		   q->qtype == DNS_T_OPT || q->qtype == DNS_T_TSIG) {
		c.rcode = q->qtype == DNS_T_OPT ? DNS_R_FORMERR : DNS_R_REFUSED;
	} else if (!(c.zone = dns_zoneset_find(zs, &q->qname))) {
		c.rcode = DNS_R_REFUSED;
		info->forwardable = (q->flags & DNS_F_RD) && q->qclass == DNS_C_IN;
	} else {
		info->authoritative = true;
		dns_writer_flags(&w, DNS_F_AA);
		answer_name(&c, &q->qname, q->qtype, 0);
		if (!c.truncated)
			put_additional(&c);
	}
	if (c.truncated)
		dns_writer_flags(&w, DNS_F_TC);
	if (q->has_edns) {
		w.cap += 11;
		dns_writer_opt(&w, opts->udp_payload,
			       (uint8_t)(c.rcode >> 4), false);
	}
	dns_writer_rcode(&w, (uint8_t)(c.rcode & 0xf));
	dns_writer_finish(&w);
	info->rcode = c.rcode;
	return w.len;
}

size_t dns_answer_rrset_size(size_t owner_len, size_t count,
			     size_t rdata_bytes)
{
	/* Header; question (name, type, class); per record a pointer to
	 * the owner, type, class, TTL and RDLENGTH; the OPT record. */
	return 12 + owner_len + 4 + count * (2 + 10) + rdata_bytes + 11;
}
