/* SPDX-License-Identifier: MIT */
/* New versions of a frozen zone with some RRsets replaced, sharing everything else. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/dns.h"
#include "proto/dns/zone_priv.h"

/*
 * A patch copies the base zone's two pointer arrays (canonical order and
 * index: memcpy, no per-node work), makes new nodes only for the names
 * it changes (and the names whose flags those changes move: the parent
 * of an added or removed wildcard, the names below a cut that appears or
 * goes), and keeps its new nodes and RDATA in storage of its own linked
 * to the base's. Nothing of the base is written: it keeps being served
 * while the patch is made, on any thread.
 */

#define PATCHES_MAX 256 /* versions chained before a full build is due */

struct dns_zone_patch {
	struct dns_zone *base;
	struct dns_zone_builder *b; /* the records and marks given */
};

/* A name whose node the new version changes: @node is the new node, or
 * NULL when the name goes. Kept in canonical order. */
struct change {
	const uint8_t *name;
	uint8_t len;
	struct dns_node *node;
	const struct dns_node *old; /* the base's node, or NULL */
};

struct ctx {
	const struct dns_zone *base;
	struct dns_zone_mem *mem;
	struct change *ch;
	size_t n, cap;
	char *why;
};

struct dns_zone_patch *dns_zone_patch_new(struct dns_zone *base)
{
	struct dns_zone_patch *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->b = dns_zone_builder_new(&base->apex);
	if (!p->b) {
		free(p);
		return NULL;
	}
	p->base = dns_zone_ref(base);
	return p;
}

void dns_zone_patch_free(struct dns_zone_patch *p)
{
	if (!p)
		return;
	dns_zone_builder_free(p->b);
	dns_zone_free(p->base);
	free(p);
}

int dns_zone_patch_add(struct dns_zone_patch *p, const struct dns_name *owner,
		       uint16_t type, uint32_t ttl, const uint8_t *rdata,
		       uint16_t rdlen, char why[128])
{
	return dns_zone_builder_add(p->b, owner, type, ttl, rdata, rdlen, why);
}

int dns_zone_patch_set(struct dns_zone_patch *p, const struct dns_name *owner,
		       uint16_t type)
{
	char why[128];
	if (!dns_name_is_subdomain(owner, &p->base->apex))
		return 0; /* nothing of the zone */
	int rc = dns_zone_builder_add(p->b, owner, type, 0, NULL, 0, why);
	if (!rc)
		p->b->recs[p->b->n - 1].mark = true;
	return rc;
}

/* Index of the first change not before @name; *found when it is @name. */
static size_t ch_pos(const struct ctx *c, const uint8_t *name, size_t len,
		     bool *found)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (dns_zone_wire_compare(c->ch[mid].name, c->ch[mid].len, name,
					  len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->n && c->ch[lo].len == len &&
		 memcmp(c->ch[lo].name, name, len) == 0;
	return lo;
}

/* The change of @name, created (as "unchanged": the base's node) when
 * @create. NULL when absent, or out of memory when creating. */
static struct change *ch_get(struct ctx *c, const uint8_t *name, size_t len,
			     bool create)
{
	bool found;
	size_t i = ch_pos(c, name, len, &found);
	if (found || !create)
		return found ? &c->ch[i] : NULL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct change *p = realloc(c->ch, cap * sizeof(*p));
		if (!p)
			return NULL;
		c->ch = p;
		c->cap = cap;
	}
	memmove(c->ch + i + 1, c->ch + i, (c->n - i) * sizeof(*c->ch));
	c->n++;
	const struct dns_node *old = dns_zone_find(c->base, name, len);
	c->ch[i] = (struct change){.name = old ? old->name : name,
				   .len = (uint8_t)len,
				   .node = (struct dns_node *)old,
				   .old = old};
	return &c->ch[i];
}

/* The node @name has in the new version, or NULL. */
static const struct dns_node *lookup(const struct ctx *c, const uint8_t *name,
				     size_t len)
{
	bool found;
	size_t i = ch_pos(c, name, len, &found);
	return found ? c->ch[i].node : dns_zone_find(c->base, name, len);
}

/* A node of our own for @ch (a copy of the base's, or an empty one). */
static struct dns_node *own(struct ctx *c, struct change *ch)
{
	if (ch->node && ch->node != ch->old)
		return ch->node;
	struct dns_node *n = arena_alloc(&c->mem->arena, sizeof(*n));
	if (!n)
		return NULL;
	if (ch->old) {
		*n = *ch->old;
	} else {
		uint8_t *name = arena_alloc(&c->mem->arena, ch->len);
		if (!name)
			return NULL;
		memcpy(name, ch->name, ch->len);
		n->name = name;
		n->name_len = ch->len;
		n->hash = dns_zone_hash(name, ch->len);
		if (name[0] == 1 && name[1] == '*')
			n->flags |= DNS_NODE_WILDCARD;
		ch->name = name;
	}
	ch->node = n;
	return n;
}

static bool below(const uint8_t *name, size_t len, const uint8_t *anc,
		  size_t alen)
{
	while (len > alen) {
		len -= (size_t)name[0] + 1;
		name += (size_t)name[0] + 1;
	}
	return len == alen && memcmp(name, anc, alen) == 0;
}

/* First index in the base's order not before @name. */
static size_t base_pos(const struct dns_zone *z, const uint8_t *name,
		       size_t len)
{
	size_t lo = 0, hi = z->n_nodes;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (dns_zone_wire_compare(z->nodes[mid]->name,
					  z->nodes[mid]->name_len, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* True when some name strictly below @name has a node in the new version. */
static bool has_below(const struct ctx *c, const uint8_t *name, size_t len)
{
	bool found;
	for (size_t i = ch_pos(c, name, len, &found) + found; i < c->n; i++) {
		if (!below(c->ch[i].name, c->ch[i].len, name, len))
			break;
		if (c->ch[i].node)
			return true;
	}
	const struct dns_zone *z = c->base;
	for (size_t i = base_pos(z, name, len); i < z->n_nodes; i++) {
		const struct dns_node *d = z->nodes[i];
		if (d->name_len == len && memcmp(d->name, name, len) == 0)
			continue;
		if (!below(d->name, d->name_len, name, len))
			break;
		if (lookup(c, d->name, d->name_len))
			return true; /* the base's, still there */
	}
	return false;
}

/* Replaces the RRsets of @ch's node with @recs[0..n) (sorted; marks
 * name RRsets that go), into new storage. *delta counts records. */
static int apply_sets(struct ctx *c, struct change *ch, const struct brec *recs,
		      size_t n, long *delta)
{
	const struct dns_node *old = ch->old;
	size_t max = (old ? old->nsets : 0) + n;
	struct dns_rrset *sets = arena_alloc(&c->mem->arena,
					     (max ? max : 1) * sizeof(*sets));
	struct dns_node *nd = own(c, ch);
	if (!sets || !nd)
		return -ENOMEM;
	size_t k = 0, o = 0, i = 0;
	while (i < n || (old && o < old->nsets)) {
		uint16_t t = i < n ? recs[i].type : UINT16_MAX;
		if (old && o < old->nsets && (i == n || old->sets[o].type < t)) {
			sets[k++] = old->sets[o++];
			continue;
		}
		if (old && o < old->nsets && old->sets[o].type == t) {
			*delta -= old->sets[o].count;
			o++;
		}
		size_t e = i, bytes = 0;
		uint32_t ttl = UINT32_MAX;
		for (; e < n && recs[e].type == t; e++) {
			if (!recs[e].mark && recs[e].ttl < ttl)
				ttl = recs[e].ttl; /* duplicates' too */
			if (recs[e].mark || (e > i && !recs[e - 1].mark &&
					     dns_zone_brec_compare(&recs[e - 1],
								   &recs[e]) == 0))
				continue;
			bytes += 2u + recs[e].rdlen;
		}
		if (bytes) {
			uint8_t *rd = arena_alloc(&c->mem->arena, bytes);
			if (!rd)
				return -ENOMEM;
			struct dns_rrset *rs = &sets[k++];
			*rs = (struct dns_rrset){.type = t, .ttl = ttl, .rdata = rd,
						 .rdata_len = (uint32_t)bytes};
			size_t w = 0;
			for (size_t q = i; q < e; q++) {
				if (recs[q].mark ||
				    (q > i && !recs[q - 1].mark &&
				     dns_zone_brec_compare(&recs[q - 1],
							   &recs[q]) == 0))
					continue;
				dns_put16(rd + w, recs[q].rdlen);
				memcpy(rd + w + 2, recs[q].rdata, recs[q].rdlen);
				w += 2u + recs[q].rdlen;
				rs->count++;
			}
			*delta += rs->count;
		}
		i = e;
	}
	nd->sets = sets;
	nd->nsets = (uint16_t)k;
	return 0;
}

static bool is_apex(const struct ctx *c, const uint8_t *name, size_t len)
{
	return len == c->base->apex.len &&
	       memcmp(name, c->base->apex.wire, len) == 0;
}

static bool occluded(const struct ctx *c, const uint8_t *name, size_t len)
{
	size_t apex = c->base->apex.len;
	while (len > apex) {
		len -= (size_t)name[0] + 1;
		name += (size_t)name[0] + 1;
		const struct dns_node *a = lookup(c, name, len);
		if (a && (a->flags & DNS_NODE_CUT))
			return true;
	}
	return false;
}

/* Names whose node changed: ENTs above new names, then those that went
 * empty without anything below (deepest first, their empty parents
 * after them). */
static int fix_tree(struct ctx *c)
{
	bool found;
	for (size_t i = 0; i < c->n; i++) {
		if (!c->ch[i].node || !c->ch[i].node->nsets)
			continue;
		/* Names are stable storage; the array moves as ENTs (which
		 * sort before) are inserted. */
		const uint8_t *self = c->ch[i].name, *name = self;
		size_t len = c->ch[i].len, self_len = len;
		while (len > c->base->apex.len) {
			len -= (size_t)name[0] + 1;
			name += (size_t)name[0] + 1;
			if (lookup(c, name, len))
				break;
			struct change *e = ch_get(c, name, len, true);
			if (!e || !own(c, e))
				return -ENOMEM;
		}
		i = ch_pos(c, self, self_len, &found);
	}
	for (size_t i = c->n; i-- > 0;) {
		const uint8_t *self = c->ch[i].name, *name = self;
		size_t len = c->ch[i].len, self_len = len;
		const struct dns_node *nd = c->ch[i].node;
		while (nd && nd->nsets == 0 && !is_apex(c, name, len) &&
		       !has_below(c, name, len)) {
			struct change *g = ch_get(c, name, len, true);
			if (!g)
				return -ENOMEM;
			g->node = NULL;
			len -= (size_t)name[0] + 1;
			name += (size_t)name[0] + 1;
			nd = lookup(c, name, len);
		}
		/* Parents inserted before it: go on from just before it. */
		i = ch_pos(c, self, self_len, &found);
	}
	return 0;
}

/* Flags: cuts of changed names, wildcards' parents, what a cut that came
 * or went occludes; then the checks dns_zone_build makes, for the
 * changed names. */
static int fix_flags(struct ctx *c)
{
	/* Parents of wildcards that came or went, gathered first: adding
	 * them moves the array. */
	const uint8_t **parents = malloc((c->n ? c->n : 1) * sizeof(*parents));
	size_t n_parents = 0;
	if (!parents)
		return -ENOMEM;
	for (size_t i = 0; i < c->n; i++) {
		struct change *ch = &c->ch[i];
		if (ch->node == ch->old)
			continue;
		if (ch->node) {
			bool cut = !is_apex(c, ch->name, ch->len) &&
				   dns_node_rrset(ch->node, DNS_T_NS);
			ch->node->flags =
				(uint8_t)((ch->node->flags & ~DNS_NODE_CUT) |
					  (cut ? DNS_NODE_CUT : 0));
		}
		if (ch->name[0] == 1 && ch->name[1] == '*' &&
		    (!ch->node != !ch->old))
			parents[n_parents++] = ch->name;
	}
	for (size_t i = 0; i < n_parents; i++) {
		/* A wildcard's name is a label then its parent's. */
		size_t len = 0;
		for (const uint8_t *q = parents[i] + 2; *q; q += *q + 1)
			len += (size_t)*q + 1;
		struct change *p = ch_get(c, parents[i] + 2, len + 1, true);
		if (!p || (p->node && !own(c, p))) {
			free(parents);
			return -ENOMEM;
		}
	}
	free(parents);
	/* Where a cut came or went, the names below may change. */
	for (size_t i = 0; i < c->n; i++) {
		bool was = c->ch[i].old && (c->ch[i].old->flags & DNS_NODE_CUT);
		bool is = c->ch[i].node && (c->ch[i].node->flags & DNS_NODE_CUT);
		if (was == is)
			continue;
		const uint8_t *name = c->ch[i].name;
		size_t len = c->ch[i].len;
		const struct dns_zone *z = c->base;
		for (size_t k = base_pos(z, name, len); k < z->n_nodes; k++) {
			const struct dns_node *d = z->nodes[k];
			if (d->name_len == len && memcmp(d->name, name, len) == 0)
				continue;
			if (!below(d->name, d->name_len, name, len))
				break;
			bool occ = occluded(c, d->name, d->name_len);
			if (occ != !!(d->flags & DNS_NODE_OCCLUDED)) {
				struct change *x = ch_get(c, d->name,
							  d->name_len, true);
				if (!x || (x->node && !own(c, x)))
					return -ENOMEM;
			}
			name = c->ch[i].name; /* ch may have moved */
		}
	}
	for (size_t i = 0; i < c->n; i++) {
		struct dns_node *nd = c->ch[i].node;
		if (!nd || nd == c->ch[i].old)
			continue;
		uint8_t wild[DNS_NAME_MAX];
		uint8_t f = nd->flags & (uint8_t)~(DNS_NODE_HAS_WILD |
						   DNS_NODE_OCCLUDED);
		if (nd->name_len + 2u <= DNS_NAME_MAX) {
			wild[0] = 1;
			wild[1] = '*';
			memcpy(wild + 2, nd->name, nd->name_len);
			if (lookup(c, wild, nd->name_len + 2u))
				f |= DNS_NODE_HAS_WILD;
		}
		bool apex = is_apex(c, nd->name, nd->name_len);
		if (!apex && occluded(c, nd->name, nd->name_len))
			f |= DNS_NODE_OCCLUDED;
		nd->flags = f;
		if (dns_node_rrset(nd, DNS_T_CNAME) && (apex || nd->nsets > 1))
			return dns_zone_fail(c->why, nd,
					     apex ? "CNAME at the zone apex"
						  : "CNAME and other data");
		if (!apex && dns_node_rrset(nd, DNS_T_SOA))
			return dns_zone_fail(c->why, nd, "SOA below the zone apex");
	}
	return 0;
}

/* The new version's order and index from the base's and the changes. */
static int assemble(struct ctx *c, struct dns_zone *z)
{
	const struct dns_zone *base = c->base;
	size_t n = base->n_nodes;
	for (size_t i = 0; i < c->n; i++)
		n += (size_t)(c->ch[i].node != NULL) - (c->ch[i].old != NULL);
	z->nodes = malloc((n ? n : 1) * sizeof(*z->nodes));
	if (!z->nodes)
		return -ENOMEM;
	size_t w = 0, from = 0;
	for (size_t i = 0; i < c->n; i++) {
		size_t at = base_pos(base, c->ch[i].name, c->ch[i].len);
		memcpy(z->nodes + w, base->nodes + from,
		       (at - from) * sizeof(*z->nodes));
		w += at - from;
		from = at + (c->ch[i].old != NULL);
		if (c->ch[i].node)
			z->nodes[w++] = c->ch[i].node;
	}
	memcpy(z->nodes + w, base->nodes + from,
	       (base->n_nodes - from) * sizeof(*z->nodes));
	z->n_nodes = w + base->n_nodes - from;
	if (z->n_nodes * 2 > base->index_mask + 1)
		return dns_zone_index(z);
	size_t size = base->index_mask + 1, mask = base->index_mask;
	z->index = malloc(size * sizeof(*z->index));
	if (!z->index)
		return -ENOMEM;
	memcpy(z->index, base->index, size * sizeof(*z->index));
	z->index_mask = mask;
	for (size_t i = 0; i < c->n; i++) {
		const struct change *ch = &c->ch[i];
		uint32_t h = dns_zone_hash(ch->name, ch->len);
		struct dns_node **s = dns_zone_slot(z->index, mask, ch->name,
						    ch->len, h);
		if (ch->node) {
			*s = ch->node;
			continue;
		}
		if (!*s)
			continue;
		/* Linear probing: close the gap behind the removed one. */
		size_t hole = (size_t)(s - z->index);
		*s = NULL;
		for (size_t j = (hole + 1) & mask; z->index[j];
		     j = (j + 1) & mask) {
			size_t home = z->index[j]->hash & mask;
			bool stays = hole <= j ? (home > hole && home <= j)
					       : (home > hole || home <= j);
			if (stays)
				continue;
			z->index[hole] = z->index[j];
			z->index[j] = NULL;
			hole = j;
		}
	}
	return 0;
}

int dns_zone_patch_apply(struct dns_zone_patch *p, struct dns_zone **out,
			 char why[128])
{
	struct dns_zone_builder *b = p->b;
	struct ctx c = {.base = p->base, .why = why};
	struct dns_zone *z = NULL;
	long delta = 0;
	int rc = -ENOMEM;

	*out = NULL;
	snprintf(why, 128, "out of memory");
	if (p->base->patches >= PATCHES_MAX) {
		snprintf(why, 128, "patched %u times: rebuild it",
			 p->base->patches);
		rc = -E2BIG;
		goto out;
	}
	c.mem = dns_zone_mem_new(p->base->mem);
	if (!c.mem)
		goto out;
	atomic_fetch_add(&p->base->mem->refs, 1);
	if (b->n > 1)
		qsort(b->recs, b->n, sizeof(*b->recs), dns_zone_brec_compare);
	for (size_t i = 0; i < b->n;) {
		size_t e = i;
		while (e < b->n && b->recs[e].owner_len == b->recs[i].owner_len &&
		       memcmp(b->recs[e].owner, b->recs[i].owner,
			      b->recs[i].owner_len) == 0)
			e++;
		struct change *ch = ch_get(&c, b->recs[i].owner,
					   b->recs[i].owner_len, true);
		if (!ch || (rc = apply_sets(&c, ch, b->recs + i, e - i, &delta)))
			goto out;
		rc = -ENOMEM;
		i = e;
	}
	if ((rc = fix_tree(&c)) || (rc = fix_flags(&c)))
		goto out;
	rc = -ENOMEM;
	z = calloc(1, sizeof(*z));
	if (!z)
		goto out;
	atomic_init(&z->refs, 1);
	z->apex = p->base->apex;
	z->mem = c.mem;
	c.mem = NULL;
	z->patches = p->base->patches + 1;
	z->n_records = (size_t)((long)p->base->n_records + delta);
	if ((rc = assemble(&c, z)))
		goto out;
	if (z->n_nodes == 0 || !is_apex(&c, z->nodes[0]->name,
					z->nodes[0]->name_len)) {
		snprintf(why, 128, "no SOA record at the zone apex");
		rc = -EINVAL;
		goto out;
	}
	if ((rc = dns_zone_apex(z, why)))
		goto out;
	*out = z;
	z = NULL;
out:
	dns_zone_free(z);
	dns_zone_mem_unref(c.mem);
	free(c.ch);
	dns_zone_patch_free(p);
	return rc;
}
