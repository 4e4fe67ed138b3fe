/* SPDX-License-Identifier: MIT */
/* Zones derived from lab: and DHCP leases, seen through the API: listed, read, guarded from writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/api_priv.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"

/* Loop thread: the lab's records then the leases' (malloc'd, caller
 * frees *out). */
static int derived_rrs(struct dns_room *r, struct dns_lab_rr **out,
		       size_t *n)
{
	struct dns_lab_rr *lab = NULL;
	size_t n_lab = 0;
	int rc = dns_lab_records(r->cfg, &lab, &n_lab);
	if (rc)
		return rc;
	struct dns_lab_rr *all =
		realloc(lab, (n_lab + r->n_dyn + 1) * sizeof(*all));
	if (!all) {
		free(lab);
		return -ENOMEM;
	}
	if (r->n_dyn)
		memcpy(all + n_lab, r->dyn, r->n_dyn * sizeof(*all));
	*out = all;
	*n = n_lab + r->n_dyn;
	return 0;
}

static void why_text(const struct config *cfg, const struct dns_lab_rr *rr,
		     char *out, size_t len)
{
	if (rr->host)
		snprintf(out, len, "derived from lab.hosts.%s (config %s:%d)",
			 rr->host->name, cfg->path ? cfg->path : "-",
			 rr->host->pos.line);
	else
		snprintf(out, len, "derived from a DHCP lease");
}

bool dns_api_derived_conflict(struct dns_room *r, const char *zone,
			      const char *name, int type, char *why,
			      size_t len)
{
	struct dns_name apex, owner;
	struct dns_lab_rr *rrs = NULL;
	size_t n = 0;
	bool hit = false;
	if (dns_name_from_text(zone, strlen(zone), NULL, &apex) ||
	    (name && dns_name_from_text(name, strlen(name), NULL, &owner)) ||
	    derived_rrs(r, &rrs, &n))
		return false;
	for (size_t i = 0; i < n && !hit; i++) {
		if (!dns_name_equal(&rrs[i].zone, &apex))
			continue;
		if (name && (!dns_name_equal(&rrs[i].owner, &owner) ||
			     (type >= 0 && rrs[i].type != type)))
			continue;
		hit = true;
		why_text(r->cfg, &rrs[i], why, len);
	}
	free(rrs);
	return hit;
}

/* Adds the served RRset (@owner, @type) of @zone to @z, which does not
 * hold it yet; *out is the new RRset, or NULL when none is served. */
static int add_served(struct api_zone *z, const struct dns_zone *zone,
		      const struct dns_name *owner, uint16_t type,
		      const char *name, char *text, size_t len,
		      struct api_rrset **out)
{
	const struct dns_node *node =
		zone ? dns_zone_find(zone, owner->wire, owner->len) : NULL;
	const struct dns_rrset *rs = node ? dns_node_rrset(node, type) : NULL;
	*out = NULL;
	if (!rs)
		return 0;
	struct api_rrset *s = dns_api_zone_rrset_new(z, name, type);
	if (!s)
		return -ENOMEM;
	*out = s;
	s->ttl = rs->ttl;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	size_t count = 0;
	while (dns_rrset_next(rs, &pos, &rd, &rdlen))
		count++;
	s->recs = arena_alloc(&z->arena, (count ? count : 1) * sizeof(*s->recs));
	if (!s->recs)
		return -ENOMEM;
	pos = 0;
	while (dns_rrset_next(rs, &pos, &rd, &rdlen)) {
		int k = dns_rdata_to_text(type, rd, rdlen, text, len);
		const char *content =
			arena_strndup(&z->arena, text, k < 0 ? 0 : (size_t)k);
		uint8_t *copy = arena_alloc(&z->arena, rdlen ? rdlen : 1);
		if (!content || !copy)
			return -ENOMEM;
		memcpy(copy, rd, rdlen);
		s->recs[s->n++] = (struct api_record){
			.content = content, .rdata = copy, .rdlen = rdlen};
	}
	return 0;
}

/* Marks @s (of @z) as derived from @rr (one comment). */
static int mark(struct api_zone *z, struct api_rrset *s,
		const struct config *cfg, const struct dns_lab_rr *rr)
{
	char why[512];
	why_text(cfg, rr, why, sizeof(why));
	s->comments = arena_alloc(&z->arena, sizeof(*s->comments));
	if (!s->comments)
		return -ENOMEM;
	s->comments[0] = (struct api_comment){
		.content = arena_strdup(&z->arena, why),
		.account = "hearth",
	};
	if (!s->comments[0].content)
		return -ENOMEM;
	s->n_comments = 1;
	return 0;
}

#define TEXT_CAP (4 * DNS_RDATA_MAX + 64)

/* The served zone whose apex is @z's, or NULL. */
static const struct dns_zone *served_zone(struct dns_room *r,
					  const struct api_zone *z)
{
	const struct dns_snapshot *snap = dns_room_snapshot(r);
	const struct dns_zone *zone =
		snap ? dns_zoneset_find(&snap->zs, &z->apex) : NULL;
	return zone && dns_name_equal(&zone->apex, &z->apex) ? zone : NULL;
}

/* A derived record of the zone asked for, by owner text and type. */
struct dkey {
	const char *owner;
	uint16_t type;
	size_t order; /* in the derived list: the first of equals wins */
	bool skip;    /* held by the zone already */
};

static int cmp_dkey(const void *pa, const void *pb)
{
	const struct dkey *a = pa, *b = pb;
	int c = strcmp(a->owner, b->owner);
	if (c == 0)
		c = (int)a->type - (int)b->type;
	return c ? c : (a->order > b->order) - (a->order < b->order);
}

/*
 * Adds to @z each derived RRset of its zone that @z does not hold yet,
 * as served, marked; *any says whether a derived record belongs to @z.
 * The derived keys are sorted once, so a big stored zone is walked once
 * (N log H), not once per derived record.
 */
static int add_derived(struct dns_room *r, struct api_zone *z,
		       const struct dns_zone *zone, char *text, bool *any)
{
	struct dns_lab_rr *rrs = NULL;
	size_t n = 0, k = 0;
	int rc = derived_rrs(r, &rrs, &n);
	struct dkey *keys = rc ? NULL : calloc(n ? n : 1, sizeof(*keys));
	if (!rc && !keys)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		char owner[DNS_NAME_TEXT_MAX];
		if (!dns_name_equal(&rrs[i].zone, &z->apex))
			continue;
		dns_name_to_text(&rrs[i].owner, owner, sizeof(owner));
		keys[k] = (struct dkey){.owner = arena_strdup(&z->arena, owner),
					.type = rrs[i].type,
					.order = i};
		if (!keys[k++].owner)
			rc = -ENOMEM;
	}
	*any = k > 0;
	if (!rc && k) {
		qsort(keys, k, sizeof(*keys), cmp_dkey);
		size_t u = 0; /* equal keys: the first only */
		for (size_t i = 0; i < k; i++)
			if (!u || strcmp(keys[i].owner, keys[u - 1].owner) ||
			    keys[i].type != keys[u - 1].type)
				keys[u++] = keys[i];
		k = u;
		for (size_t i = 0; i < z->n; i++) {
			struct dkey probe = {.owner = z->sets[i].name,
					     .type = z->sets[i].type};
			for (size_t lo = 0, hi = k; lo < hi;) {
				size_t mid = lo + (hi - lo) / 2;
				int c = strcmp(probe.owner, keys[mid].owner);
				if (c == 0)
					c = (int)probe.type - (int)keys[mid].type;
				if (c == 0) {
					keys[mid].skip = true;
					break;
				}
				if (c < 0)
					hi = mid;
				else
					lo = mid + 1;
			}
		}
	}
	for (size_t i = 0; !rc && i < k; i++) {
		if (keys[i].skip)
			continue; /* stored (and served instead) */
		const struct dns_lab_rr *rr = &rrs[keys[i].order];
		struct api_rrset *s;
		rc = add_served(z, zone, &rr->owner, rr->type, keys[i].owner,
				text, TEXT_CAP, &s);
		if (!rc && s)
			rc = mark(z, s, r->cfg, rr);
	}
	free(keys);
	free(rrs);
	return rc;
}

int dns_api_derived_zone_load(struct dns_room *r, const char *name,
			      struct api_zone *z)
{
	char *text = malloc(TEXT_CAP);
	bool any = false;
	int rc = text ? dns_api_zone_init(z, name) : -ENOMEM;
	if (rc) {
		free(text);
		return rc;
	}
	const struct dns_zone *zone = served_zone(r, z);
	z->set.source = "lab";
	z->set.account = "hearth";
	struct api_rrset *s;
	rc = add_served(z, zone, &z->apex, DNS_T_SOA, z->name, text, TEXT_CAP,
			&s);
	if (!rc)
		rc = add_served(z, zone, &z->apex, DNS_T_NS, z->name, text,
				TEXT_CAP, &s);
	if (!rc)
		rc = add_derived(r, z, zone, text, &any);
	free(text);
	if (!rc && !any)
		rc = -ENOENT;
	if (!rc)
		dns_api_zone_sort(z);
	return rc;
}

int dns_api_derived_join(struct dns_room *r, struct api_zone *z)
{
	char *text = malloc(TEXT_CAP);
	bool any = false;
	int rc = text ? add_derived(r, z, served_zone(r, z), text, &any)
		      : -ENOMEM;
	free(text);
	if (!rc && any)
		dns_api_zone_sort(z);
	return rc;
}

int dns_api_derived_each(struct dns_room *r,
			 int (*fn)(const char *zone, void *ud), void *ud)
{
	struct dns_lab_rr *rrs = NULL;
	size_t n = 0;
	int rc = derived_rrs(r, &rrs, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = dns_name_equal(&rrs[k].zone, &rrs[i].zone);
		if (seen)
			continue;
		char zone[DNS_NAME_TEXT_MAX];
		dns_name_to_text(&rrs[i].zone, zone, sizeof(zone));
		rc = fn(zone, ud);
	}
	free(rrs);
	return rc;
}
