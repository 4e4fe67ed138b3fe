/* SPDX-License-Identifier: MIT */
/* Building frozen zones (sort, group, empty non-terminals, cuts) and lookups. */
#include "proto/dns/zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/dns.h"
#include "proto/dns/zone_priv.h"

uint32_t dns_zone_hash(const uint8_t *w, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= dns_zone_lower(w[i]);
		h *= 16777619u;
	}
	return h;
}

int dns_zone_wire_compare(const uint8_t *a, size_t alen, const uint8_t *b,
			  size_t blen)
{
	uint8_t oa[128], ob[128];
	unsigned na = 0, nb = 0;
	for (size_t i = 0; i < alen && a[i] && na < 128; i += (size_t)a[i] + 1)
		oa[na++] = (uint8_t)i;
	for (size_t i = 0; i < blen && b[i] && nb < 128; i += (size_t)b[i] + 1)
		ob[nb++] = (uint8_t)i;
	while (na > 0 && nb > 0) {
		const uint8_t *la = a + oa[--na], *lb = b + ob[--nb];
		unsigned m = la[0] < lb[0] ? la[0] : lb[0];
		int d = memcmp(la + 1, lb + 1, m);
		if (d)
			return d;
		if (la[0] != lb[0])
			return (int)la[0] - (int)lb[0];
	}
	return (int)na - (int)nb;
}

struct dns_zone_mem *dns_zone_mem_new(struct dns_zone_mem *next)
{
	struct dns_zone_mem *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	atomic_init(&m->refs, 1);
	arena_init(&m->arena);
	m->next = next;
	return m;
}

void dns_zone_mem_unref(struct dns_zone_mem *m)
{
	while (m && atomic_fetch_sub(&m->refs, 1) == 1) {
		struct dns_zone_mem *next = m->next;
		arena_deinit(&m->arena);
		free(m->block);
		free(m);
		m = next;
	}
}

struct dns_zone_builder *dns_zone_builder_new(const struct dns_name *apex)
{
	struct dns_zone_builder *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->apex = *apex;
	dns_name_lower(&b->apex);
	arena_init(&b->arena);
	return b;
}

void dns_zone_builder_free(struct dns_zone_builder *b)
{
	if (!b)
		return;
	free(b->recs);
	arena_deinit(&b->arena);
	free(b);
}

int dns_zone_builder_add(struct dns_zone_builder *b, const struct dns_name *owner,
			 uint16_t type, uint32_t ttl, const uint8_t *rdata,
			 uint16_t rdlen, char why[128])
{
	if (!dns_name_is_subdomain(owner, &b->apex)) {
		char text[DNS_NAME_TEXT_MAX];
		dns_name_to_text(owner, text, sizeof(text));
		snprintf(why, 128, "%.100s is outside the zone", text);
		return -EINVAL;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct brec *r = realloc(b->recs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->recs = r;
		b->cap = cap;
	}
	uint8_t *o = arena_alloc(&b->arena, owner->len);
	uint8_t *d = arena_alloc(&b->arena, rdlen ? rdlen : 1);
	if (!o || !d)
		return -ENOMEM;
	for (size_t i = 0; i < owner->len; i++)
		o[i] = dns_zone_lower(owner->wire[i]);
	if (rdlen)
		memcpy(d, rdata, rdlen);
	b->recs[b->n++] = (struct brec){.owner = o, .owner_len = owner->len,
					.type = type, .ttl = ttl,
					.rdlen = rdlen, .rdata = d};
	return 0;
}

bool dns_zone_builder_has(const struct dns_zone_builder *b,
			  const struct dns_name *owner, uint16_t type)
{
	struct dns_name low = *owner;
	dns_name_lower(&low);
	for (size_t i = 0; i < b->n; i++)
		if (b->recs[i].type == type && b->recs[i].owner_len == low.len &&
		    memcmp(b->recs[i].owner, low.wire, low.len) == 0)
			return true;
	return false;
}

int dns_zone_brec_compare(const void *x, const void *y)
{
	const struct brec *a = x, *b = y;
	int d = dns_zone_wire_compare(a->owner, a->owner_len, b->owner, b->owner_len);
	if (d)
		return d;
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	if (a->mark != b->mark)
		return a->mark ? -1 : 1;
	size_t m = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	d = memcmp(a->rdata, b->rdata, m);
	if (d)
		return d;
	return (int)a->rdlen - (int)b->rdlen;
}

static int node_compare(const void *x, const void *y)
{
	const struct dns_node *a = *(struct dns_node *const *)x,
			      *b = *(struct dns_node *const *)y;
	return dns_zone_wire_compare(a->name, a->name_len, b->name, b->name_len);
}

struct dns_node **dns_zone_slot(struct dns_node **index, size_t mask,
				const uint8_t *wire, size_t len, uint32_t h)
{
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct dns_node *n = index[i];
		if (!n || (n->hash == h && n->name_len == len &&
			   memcmp(n->name, wire, len) == 0))
			return &index[i];
	}
}

const struct dns_node *dns_zone_find(const struct dns_zone *z,
				     const uint8_t *wire, size_t len)
{
	uint8_t low[DNS_NAME_MAX];
	if (len > DNS_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++)
		low[i] = dns_zone_lower(wire[i]);
	return *dns_zone_slot(z->index, z->index_mask, low, len,
			      dns_zone_hash(low, len));
}

int dns_zone_index(struct dns_zone *z)
{
	size_t size = 16;
	while (size < z->n_nodes * 2)
		size *= 2;
	free(z->index);
	z->index = calloc(size, sizeof(*z->index));
	if (!z->index)
		return -ENOMEM;
	z->index_mask = size - 1;
	for (size_t i = 0; i < z->n_nodes; i++) {
		struct dns_node *n = z->nodes[i];
		*dns_zone_slot(z->index, z->index_mask, n->name, n->name_len,
			       n->hash) = n;
	}
	return 0;
}

/* Groups sorted records into nodes and RRsets in @z's arena. */
static int group(struct dns_zone_builder *b, struct dns_zone *z,
		 size_t *n_nodes, size_t extra)
{
	size_t nodes = 0;
	for (size_t i = 0; i < b->n; i++)
		if (i == 0 || b->recs[i].owner_len != b->recs[i - 1].owner_len ||
		    memcmp(b->recs[i].owner, b->recs[i - 1].owner,
			   b->recs[i].owner_len))
			nodes++;
	/* Room for empty non-terminals too: at most one per label of each
	 * node, bounded by @extra. */
	z->mem->block = calloc(nodes + extra + 1, sizeof(*z->mem->block));
	z->nodes = malloc((nodes + extra + 1) * sizeof(*z->nodes));
	if (!z->mem->block || !z->nodes)
		return -ENOMEM;
	for (size_t i = 0; i < nodes + extra + 1; i++)
		z->nodes[i] = &z->mem->block[i];
	size_t i = 0, k = 0;
	while (i < b->n) {
		size_t j = i;
		while (j < b->n && b->recs[j].owner_len == b->recs[i].owner_len &&
		       memcmp(b->recs[j].owner, b->recs[i].owner,
			      b->recs[i].owner_len) == 0)
			j++;
		struct dns_node *n = z->nodes[k++];
		uint8_t *name = arena_alloc(&z->mem->arena, b->recs[i].owner_len);
		if (!name)
			return -ENOMEM;
		memcpy(name, b->recs[i].owner, b->recs[i].owner_len);
		n->name = name;
		n->name_len = b->recs[i].owner_len;
		n->hash = dns_zone_hash(name, n->name_len);
		size_t sets = 0;
		for (size_t r = i; r < j; r++)
			if (r == i || b->recs[r].type != b->recs[r - 1].type)
				sets++;
		n->sets = arena_alloc(&z->mem->arena, sets * sizeof(*n->sets));
		if (!n->sets)
			return -ENOMEM;
		size_t r = i;
		while (r < j) {
			size_t e = r, bytes = 0;
			uint32_t ttl = b->recs[r].ttl;
			while (e < j && b->recs[e].type == b->recs[r].type) {
				bytes += 2u + b->recs[e].rdlen;
				if (b->recs[e].ttl < ttl)
					ttl = b->recs[e].ttl;
				e++;
			}
			uint8_t *rd = arena_alloc(&z->mem->arena, bytes ? bytes : 1);
			if (!rd)
				return -ENOMEM;
			struct dns_rrset *rs = &n->sets[n->nsets++];
			rs->type = b->recs[r].type;
			rs->ttl = ttl;
			rs->rdata = rd;
			size_t w = 0;
			for (size_t q = r; q < e; q++) {
				dns_put16(rd + w, b->recs[q].rdlen);
				memcpy(rd + w + 2, b->recs[q].rdata,
				       b->recs[q].rdlen);
				w += 2u + b->recs[q].rdlen;
				rs->count++;
			}
			rs->rdata_len = (uint32_t)w;
			z->n_records += rs->count;
			r = e;
		}
		i = j;
	}
	*n_nodes = k;
	return 0;
}

int dns_zone_fail(char why[128], const struct dns_node *n, const char *what)
{
	struct dns_name name;
	char text[DNS_NAME_TEXT_MAX];
	name.len = n->name_len;
	memcpy(name.wire, n->name, n->name_len);
	dns_name_to_text(&name, text, sizeof(text));
	snprintf(why, 128, "%.80s: %s", text, what);
	return -EINVAL;
}

int dns_zone_apex(struct dns_zone *z, char why[128])
{
	z->apex_node = z->nodes[0];
	z->soa = dns_node_rrset(z->apex_node, DNS_T_SOA);
	if (!z->soa) {
		snprintf(why, 128, "no SOA record at the zone apex");
		return -EINVAL;
	}
	if (z->soa->count != 1)
		return dns_zone_fail(why, z->apex_node, "more than one SOA record");
	const uint8_t *rd;
	uint16_t len;
	uint32_t pos = 0;
	dns_rrset_next(z->soa, &pos, &rd, &len);
	/* The serial follows two uncompressed names. */
	size_t off = 0;
	for (int k = 0; k < 2 && off < len; k++) {
		while (off < len && rd[off])
			off += (size_t)rd[off] + 1;
		off++; /* the root label */
	}
	z->serial = off + 20 <= len ? dns_get32(rd + off) : 0;
	return 0;
}

int dns_zone_build(struct dns_zone_builder *b, struct dns_zone **out,
		   char why[128])
{
	struct dns_zone *z = NULL;
	int rc = -ENOMEM;
	size_t n = 0;

	*out = NULL;
	snprintf(why, 128, "out of memory");
	z = calloc(1, sizeof(*z));
	if (!z)
		goto fail;
	atomic_init(&z->refs, 1);
	z->apex = b->apex;
	z->mem = dns_zone_mem_new(NULL);
	if (!z->mem)
		goto fail;
	if (b->n > 1) /* recs is NULL for a zone without records */
		qsort(b->recs, b->n, sizeof(*b->recs), dns_zone_brec_compare);
	/* Identical records are one record. */
	size_t w = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (w > 0 && dns_zone_brec_compare(&b->recs[w - 1], &b->recs[i]) == 0) {
			if (b->recs[i].ttl < b->recs[w - 1].ttl)
				b->recs[w - 1].ttl = b->recs[i].ttl;
			continue;
		}
		b->recs[w++] = b->recs[i];
	}
	b->n = w;
	unsigned apex_labels = dns_name_labels(&b->apex);
	size_t extra = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct dns_name o = {.len = b->recs[i].owner_len};
		memcpy(o.wire, b->recs[i].owner, o.len);
		extra += dns_name_labels(&o) - apex_labels;
	}
	rc = group(b, z, &n, extra);
	if (rc)
		goto fail;
	z->n_nodes = n;
	rc = dns_zone_index(z);
	if (rc)
		goto fail;
	/* Empty non-terminals: every name between a node and the apex. */
	size_t real = n;
	for (size_t i = 0; i < real; i++) {
		const uint8_t *name = z->nodes[i]->name;
		size_t len = z->nodes[i]->name_len;
		while (len > b->apex.len) {
			size_t l = (size_t)name[0] + 1;
			name += l;
			len -= l;
			uint32_t h = dns_zone_hash(name, len);
			struct dns_node **s = dns_zone_slot(
				z->index, z->index_mask, name, len, h);
			if (*s)
				break; /* it and its ancestors exist */
			struct dns_node *e = z->nodes[n++];
			e->name = name; /* a suffix of a stored name */
			e->name_len = (uint8_t)len;
			e->hash = h;
			*s = e;
			if (n * 2 > z->index_mask + 1) {
				z->n_nodes = n;
				rc = dns_zone_index(z);
				if (rc)
					goto fail;
			}
		}
	}
	z->n_nodes = n;
	qsort(z->nodes, n, sizeof(*z->nodes), node_compare);
	rc = dns_zone_index(z);
	if (rc)
		goto fail;
	if (n == 0 || z->nodes[0]->name_len != b->apex.len ||
	    memcmp(z->nodes[0]->name, b->apex.wire, b->apex.len) != 0) {
		snprintf(why, 128, "no SOA record at the zone apex");
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = dns_zone_apex(z, why)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct dns_node *nd = z->nodes[i];
		bool apex = i == 0;
		const struct dns_rrset *cname = dns_node_rrset(nd, DNS_T_CNAME);
		if (cname && (apex || nd->nsets > 1)) {
			rc = dns_zone_fail(why, nd, apex ? "CNAME at the zone apex"
						: "CNAME and other data");
			goto fail;
		}
		if (!apex && dns_node_rrset(nd, DNS_T_SOA)) {
			rc = dns_zone_fail(why, nd, "SOA below the zone apex");
			goto fail;
		}
		if (!apex && dns_node_rrset(nd, DNS_T_NS))
			nd->flags |= DNS_NODE_CUT;
		if (nd->name[0] == 1 && nd->name[1] == '*') {
			nd->flags |= DNS_NODE_WILDCARD;
			const uint8_t *parent = nd->name + 2;
			size_t plen = (size_t)nd->name_len - 2;
			struct dns_node *p = (struct dns_node *)dns_zone_find(
				z, parent, plen);
			if (p)
				p->flags |= DNS_NODE_HAS_WILD;
		}
	}
	/* Names below a cut are glue or occluded: never answered from. */
	for (size_t i = 1; i < n; i++) {
		struct dns_node *nd = z->nodes[i];
		const uint8_t *name = nd->name;
		size_t len = nd->name_len;
		while (len > b->apex.len) {
			size_t l = (size_t)name[0] + 1;
			name += l;
			len -= l;
			const struct dns_node *anc = dns_zone_find(z, name, len);
			if (anc && (anc->flags & DNS_NODE_CUT)) {
				nd->flags |= DNS_NODE_OCCLUDED;
				break;
			}
		}
	}
	dns_zone_builder_free(b);
	*out = z;
	return 0;
fail:
	dns_zone_builder_free(b);
	dns_zone_free(z);
	return rc;
}

struct dns_zone *dns_zone_ref(struct dns_zone *z)
{
	if (z)
		atomic_fetch_add(&z->refs, 1);
	return z;
}

void dns_zone_free(struct dns_zone *z)
{
	if (!z || atomic_fetch_sub(&z->refs, 1) != 1)
		return;
	free(z->nodes);
	free(z->index);
	dns_zone_mem_unref(z->mem);
	free(z);
}

const struct dns_rrset *dns_node_rrset(const struct dns_node *n, uint16_t type)
{
	for (uint16_t i = 0; i < n->nsets; i++)
		if (n->sets[i].type == type)
			return &n->sets[i];
	return NULL;
}

bool dns_rrset_next(const struct dns_rrset *rs, uint32_t *pos,
		    const uint8_t **rdata, uint16_t *len)
{
	if (*pos + 2 > rs->rdata_len)
		return false;
	*len = dns_get16(rs->rdata + *pos);
	*rdata = rs->rdata + *pos + 2;
	*pos += 2u + *len;
	return true;
}

const struct dns_zone *dns_zoneset_find(const struct dns_zoneset *zs,
					const struct dns_name *name)
{
	const struct dns_zone *best = NULL;
	for (size_t i = 0; i < zs->n; i++) {
		const struct dns_zone *z = zs->zones[i];
		if ((!best || z->apex.len > best->apex.len) &&
		    dns_name_is_subdomain(name, &z->apex))
			best = z;
	}
	return best;
}
