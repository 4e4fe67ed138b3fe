/* SPDX-License-Identifier: MIT */
/* PowerDNS API zones to and from the store: load a whole zone, save what changed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/store.h"
#include "dns/api_priv.h"
#include "proto/dns/rdata.h"

struct loader {
	struct api_zone *z;
	int err;
	char text[4 * DNS_RDATA_MAX + 64];
};

static int load_settings(const struct dns_store_zone *sz, void *ud)
{
	struct api_zone *z = ud;
	int rc = dns_api_zone_init(z, sz->name);
	if (rc)
		return rc;
	struct arena *a = &z->arena;
	z->set.kind = arena_strdup(a, dns_api_kind_normalise(sz->kind));
	z->set.source = arena_strdup(a, sz->source);
	z->set.account = arena_strdup(a, sz->account);
	z->set.soa_edit_api = arena_strdup(a, sz->soa_edit_api);
	z->set.soa_edit = arena_strdup(a, sz->soa_edit);
	z->set.catalog = arena_strdup(a, sz->catalog);
	z->set.nsec3param = arena_strdup(a, sz->nsec3param);
	z->set.notified_serial = sz->notified_serial;
	z->set.api_rectify = sz->api_rectify;
	z->set.nsec3narrow = sz->nsec3narrow;
	json_t *m = json_loads(sz->masters, 0, NULL);
	if (json_is_array(m)) {
		json_decref(z->set.masters);
		z->set.masters = m;
	} else {
		json_decref(m);
	}
	if (!z->set.kind || !z->set.source || !z->set.account ||
	    !z->set.soa_edit_api || !z->set.soa_edit || !z->set.catalog ||
	    !z->set.nsec3param)
		return -ENOMEM;
	return 0;
}

/* Appends to an arena array whose capacity is the next power of two. */
static void *grow(struct arena *a, void *arr, size_t n, size_t size)
{
	if (n && (n & (n - 1)))
		return arr; /* room left */
	void *p = arena_alloc(a, (n ? n * 2 : 1) * size);
	if (p && n)
		memcpy(p, arr, n * size);
	return p;
}

static int load_record(const struct dns_store_rr *rr, void *ud)
{
	struct loader *l = ud;
	struct api_zone *z = l->z;
	struct api_rrset *s = z->n ? &z->sets[z->n - 1] : NULL;
	if (!s || s->type != rr->type || strcmp(s->name, rr->name) != 0) {
		/* Records come ordered by (name, type): a new RRset. */
		s = dns_api_zone_rrset_new(z, rr->name, rr->type);
		if (!s)
			return -ENOMEM;
		s->ttl = rr->ttl;
	}
	struct api_record *recs = grow(&z->arena, s->recs, s->n, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	s->recs = recs;
	int n = dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, l->text,
				  sizeof(l->text));
	if (n < 0) {
		/* Malformed for its type: show it in the generic form. */
		size_t o = (size_t)snprintf(l->text, sizeof(l->text), "\\# %zu ",
					    rr->rdlen);
		for (size_t i = 0; i < rr->rdlen && o + 3 < sizeof(l->text); i++)
			o += (size_t)snprintf(l->text + o, 3, "%02x",
					      ((const uint8_t *)rr->rdata)[i]);
		n = (int)o;
	} else {
		n = dns_api_unescape_at(l->text, (size_t)n);
	}
	uint8_t *rd = arena_alloc(&z->arena, rr->rdlen ? rr->rdlen : 1);
	/* The spelling the client sent, where PowerDNS keeps it. */
	const char *content =
		rr->content ? arena_strdup(&z->arena, rr->content)
			    : arena_strndup(&z->arena, l->text, (size_t)n);
	if (!rd || !content || rr->rdlen > 65535)
		return -ENOMEM;
	if (rr->rdlen)
		memcpy(rd, rr->rdata, rr->rdlen);
	recs[s->n++] = (struct api_record){.content = content,
					   .as_sent = rr->content != NULL,
					   .disabled = rr->disabled,
					   .rdata = rd,
					   .rdlen = (uint16_t)rr->rdlen};
	if (rr->ttl < s->ttl)
		s->ttl = rr->ttl; /* an RRset's TTL is its lowest */
	return 0;
}

static int load_comment(const struct dns_store_comment *c, void *ud)
{
	struct loader *l = ud;
	struct api_zone *z = l->z;
	struct api_rrset *s = dns_api_zone_rrset(z, c->name, c->type, true);
	if (!s)
		return -ENOMEM;
	struct api_comment *cs =
		arena_alloc(&z->arena, (s->n_comments + 1) * sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	if (s->n_comments)
		memcpy(cs, s->comments, s->n_comments * sizeof(*cs));
	cs[s->n_comments] = (struct api_comment){
		.content = arena_strdup(&z->arena, c->content),
		.account = arena_strdup(&z->arena, c->account),
		.modified_at = c->modified_at,
	};
	if (!cs[s->n_comments].content || !cs[s->n_comments].account)
		return -ENOMEM;
	s->comments = cs;
	s->n_comments++;
	return 0;
}

int dns_api_zone_load(struct store *s, const char *name, struct api_zone *z)
{
	struct loader *l = malloc(sizeof(*l));
	int rc;
	if (!l)
		return -ENOMEM;
	l->z = z;
	l->err = 0;
	rc = dns_store_zone_get(s, name, load_settings, z);
	if (!rc)
		rc = dns_store_records(s, name, load_record, l);
	if (!rc)
		rc = dns_store_comments(s, name, load_comment, l);
	free(l);
	if (!rc)
		dns_api_zone_sort(z);
	return rc;
}

int dns_api_zone_load_at(struct store *s, const char *name,
			 const char *const *owners, size_t n,
			 struct api_zone *z)
{
	struct loader *l = malloc(sizeof(*l));
	int rc;
	if (!l)
		return -ENOMEM;
	l->z = z;
	l->err = 0;
	rc = dns_store_zone_get(s, name, load_settings, z);
	if (!rc)
		rc = dns_store_records_at(s, name, name, load_record, l);
	for (size_t i = 0; !rc && i < n; i++) {
		bool seen = strcmp(owners[i], name) == 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(owners[k], owners[i]) == 0;
		if (!seen)
			rc = dns_store_records_at(s, name, owners[i],
						  load_record, l);
	}
	free(l);
	if (!rc)
		dns_api_zone_sort(z);
	return rc;
}

struct each {
	int (*fn)(struct api_zone *z, void *ud);
	void *ud;
};

static int each_zone(const struct dns_store_zone *sz, void *ud)
{
	struct each *e = ud;
	struct api_zone z = {0};
	int rc = load_settings(sz, &z);
	if (!rc)
		rc = e->fn(&z, e->ud);
	dns_api_zone_deinit(&z);
	return rc;
}

int dns_api_zones_each(struct store *s, int (*fn)(struct api_zone *z, void *ud),
		   void *ud)
{
	struct each e = {fn, ud};
	return dns_store_zones(s, each_zone, &e);
}

int dns_api_zone_save(struct store *s, struct api_zone *z, bool create,
		  bool settings, bool replace_all)
{
	struct dns_store_rrset_change *ch = NULL;
	char *masters = NULL;
	size_t n = 0;
	bool all = create || replace_all;
	int rc = 0;

	ch = calloc(z->n ? z->n : 1, sizeof(*ch));
	if (!ch) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < z->n; i++) {
		struct api_rrset *set = &z->sets[i];
		bool recs = all ? set->n > 0 : set->dirty_records;
		bool comments = all ? set->n_comments > 0 : set->dirty_comments;
		if (!recs && !comments)
			continue;
		struct dns_store_rr *rrs = arena_alloc(
			&z->arena, (set->n ? set->n : 1) * sizeof(*rrs));
		if (!rrs) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < set->n; k++)
			rrs[k] = (struct dns_store_rr){
				.name = set->name,
				.type = set->type,
				.ttl = set->ttl,
				.rdata = set->recs[k].rdata,
				.rdlen = set->recs[k].rdlen,
				.disabled = set->recs[k].disabled,
				.content = set->recs[k].as_sent
						   ? set->recs[k].content
						   : NULL,
			};
		struct dns_store_comment *cs = arena_alloc(
			&z->arena,
			(set->n_comments ? set->n_comments : 1) * sizeof(*cs));
		if (!cs) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < set->n_comments; k++)
			cs[k] = (struct dns_store_comment){
				.name = set->name,
				.type = set->type,
				.content = set->comments[k].content,
				.account = set->comments[k].account,
				.modified_at = set->comments[k].modified_at,
			};
		ch[n++] = (struct dns_store_rrset_change){
			.name = set->name,
			.type = set->type,
			.set_records = recs,
			.rrs = rrs,
			.n = set->n,
			.set_comments = comments,
			.comments = cs,
			.n_comments = set->n_comments,
		};
	}
	masters = json_dumps(z->set.masters, JSON_COMPACT);
	if (!masters) {
		rc = -ENOMEM;
		goto out;
	}
	struct dns_store_zone sz = {
		.name = z->name,
		.kind = z->set.kind,
		.source = z->set.source,
		.account = z->set.account,
		.soa_edit_api = z->set.soa_edit_api,
		.masters = masters,
		.notified_serial = z->set.notified_serial,
		.soa_edit = z->set.soa_edit,
		.catalog = z->set.catalog,
		.api_rectify = z->set.api_rectify,
		.nsec3param = z->set.nsec3param,
		.nsec3narrow = z->set.nsec3narrow,
	};
	struct dns_store_zone_update u = {
		.create = create,
		.settings = (create || settings) ? &sz : NULL,
		.replace_all = replace_all,
		.changes = ch,
		.n_changes = n,
	};
	rc = dns_store_zone_update(s, z->name, &u);
	if (!rc)
		for (size_t i = 0; i < z->n; i++)
			z->sets[i].dirty_records = z->sets[i].dirty_comments =
				false;
out:
	free(masters);
	free(ch);
	return rc;
}
