/* SPDX-License-Identifier: MIT */
/* PowerDNS API zone endpoints: list, create, get, put, patch, delete, notify, export. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "core/clock.h"
#include "dns/store.h"
#include "dns/api_priv.h"
#include "dns/internal.h"
#include "dns/soa.h"
#include "proto/dns/dns.h"
#include "proto/dns/zone.h"

/* Store and memory failures become 500 (the client's data was fine), a
 * full disk 503. */
static void reply_code(struct api_call *c, int rc)
{
	if (rc == -ENOENT)
		http_reply_error(c->resp, 404, "Not Found");
	else if (rc == -EEXIST)
		http_reply_error(c->resp, 409, "Conflict");
	else
		http_reply_failure(c->resp, rc);
}

static void reply_fail(struct api_call *c, int rc, const struct api_err *e)
{
	if (rc == -EINVAL && e->status)
		dns_api_reply_err(c, e);
	else
		reply_code(c, rc);
}

static void no_content(struct api_call *c)
{
	c->resp->status = 204;
	c->resp->content_type = NULL;
	buf_deinit(&c->resp->body);
}

/* The serial the DNS side serves for @name (0 when not served). */
static uint32_t served_serial(struct dns_room *r, const char *name)
{
	struct dns_name apex;
	if (!r || dns_name_from_text(name, strlen(name), NULL, &apex))
		return 0;
	const struct dns_snapshot *s = dns_room_snapshot(r);
	const struct dns_zone *z = s ? dns_zoneset_find(&s->zs, &apex) : NULL;
	return z && dns_name_equal(&z->apex, &apex) ? z->serial : 0;
}

struct lister {
	struct api_call *c;
	json_t *arr;
	const char *only;
	bool dnssec;
};

static int list_one(struct api_zone *z, void *ud)
{
	struct lister *l = ud;
	if (l->only && strcmp(l->only, z->name) != 0)
		return 0;
	json_t *j = dns_api_zone_summary(z, l->dnssec);
	if (!j)
		return -ENOMEM;
	json_int_t serial = served_serial(l->c->room, z->name);
	json_object_set_new(j, "serial", json_integer(serial));
	if (l->dnssec)
		json_object_set_new(j, "edited_serial", json_integer(serial));
	return json_array_append_new(l->arr, j) ? -ENOMEM : 0;
}

/* A derived zone the store does not hold joins the list. */
static int list_derived(const char *zone, void *ud)
{
	struct lister *l = ud;
	struct api_zone z = {0};
	if (dns_store_zone_get(l->c->room->store, zone, NULL, NULL) == 0)
		return 0; /* stored, and derived too: listed once, above */
	int rc = dns_api_derived_zone_load(l->c->room, zone, &z);
	if (!rc)
		rc = list_one(&z, l);
	dns_api_zone_deinit(&z);
	return rc == -ENOENT ? 0 : rc;
}

void dns_api_zones_list(struct api_call *c)
{
	char only[DNS_NAME_TEXT_MAX];
	const char *zone = http_request_arg(c->req, "zone");
	const char *dnssec = http_request_arg(c->req, "dnssec");
	struct lister l = {c, json_array(), NULL, true};
	if (zone) {
		if (dns_api_zone_name_from_id(zone, strlen(zone), only,
					  sizeof(only))) {
			http_reply_json(c->resp, 200, l.arr);
			return;
		}
		l.only = only;
	}
	if (dnssec && strcmp(dnssec, "false") == 0)
		l.dnssec = false;
	int rc = l.arr ? dns_api_zones_each(c->room->store, list_one, &l) : -ENOMEM;
	if (!rc)
		rc = dns_api_derived_each(c->room, list_derived, &l);
	if (rc) {
		json_decref(l.arr);
		reply_code(c, rc);
		return;
	}
	http_reply_json(c->resp, 200, l.arr);
}

/*
 * The writes: each is a job on the room's write strand (write.c). The
 * handler checks the request and copies what the job needs; the job
 * loads, changes and saves the zone on a pool thread; its completion
 * answers, once the change is durable and published.
 */
enum zone_op { OP_CREATE, OP_PUT, OP_PATCH, OP_DELETE };

struct zone_write {
	struct dns_write w;
	enum zone_op op;
	char zone[DNS_NAME_TEXT_MAX];
	json_t *body;
	int64_t now;
	struct api_zone z;
	struct api_err e;
	struct api_soa_default soa; /* CREATE: dns.soa for this zone */
	uint32_t before, after; /* PATCH: the serial moved? */
	bool records;		/* PUT: the records were replaced */
	size_t *changed;	/* PATCH: the RRsets saved (indexes in z) */
	size_t n_changed;
};

static int get_version(const struct dns_store_zone *z, void *ud)
{
	*(int64_t *)ud = z->version;
	return 0;
}

/* dns_build_patched's @fill: the RRsets the PATCH saved, as saved. */
static int patch_fill(void *ud, struct dns_zone_patch *p)
{
	struct zone_write *j = ud;
	for (size_t i = 0; i < j->n_changed; i++) {
		const struct api_rrset *s = &j->z.sets[j->changed[i]];
		struct dns_name owner;
		char why[128];
		if (dns_name_from_text(s->name, strlen(s->name), NULL, &owner))
			return -EINVAL;
		int rc = dns_zone_patch_set(p, &owner, s->type);
		for (size_t k = 0; !rc && k < s->n; k++)
			if (!s->recs[k].disabled)
				rc = dns_zone_patch_add(p, &owner, s->type,
							s->ttl, s->recs[k].rdata,
							s->recs[k].rdlen, why);
		if (rc)
			return rc;
	}
	return 0;
}

/* Saves a patched zone and tells the strand which RRsets changed, so
 * the served zone is patched rather than rebuilt. */
static int save_patch(struct store *s, struct zone_write *j)
{
	int64_t before = -1, after = -1;
	j->changed = calloc(j->z.n ? j->z.n : 1, sizeof(*j->changed));
	if (!j->changed)
		return -ENOMEM;
	for (size_t i = 0; i < j->z.n; i++)
		if (j->z.sets[i].dirty_records)
			j->changed[j->n_changed++] = i;
	int rc = dns_store_zone_get(s, j->zone, get_version, &before);
	if (!rc)
		rc = dns_api_zone_save(s, &j->z, false, false, false);
	if (!rc && !dns_store_zone_get(s, j->zone, get_version, &after) &&
	    before >= 0) {
		j->w.zone = j->zone;
		j->w.v_before = before;
		j->w.v_after = after;
		j->w.patch = patch_fill;
	}
	return rc;
}

/*
 * A PATCH reads only the names it edits (and the apex, for the serial):
 * every check it makes is about the RRsets at one name. Names that are
 * not strings or not canonical are left out; parsing refuses them.
 */
static int load_patched(struct store *s, struct zone_write *j)
{
	json_t *arr = json_object_get(j->body, "rrsets");
	size_t n = json_array_size(arr), k = 0;
	char **names = calloc(n ? n : 1, sizeof(*names));
	int rc = names ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		const char *name = json_string_value(
			json_object_get(json_array_get(arr, i), "name"));
		if (!name || strlen(name) >= DNS_NAME_TEXT_MAX)
			continue;
		if (!(names[k] = strdup(name))) {
			rc = -ENOMEM;
			break;
		}
		for (char *p = names[k]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		k++;
	}
	if (!rc)
		rc = dns_api_zone_load_at(s, j->zone, (const char *const *)names,
					  k, &j->z);
	for (size_t i = 0; names && i < k; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * A zone about to be created is built in memory by the code that serves
 * it first, as a zone file import is (import.c): whatever would keep it
 * from being served is refused with 422 before the store is touched. A
 * secondary without records waits for its first transfer: not built.
 */
static int check_builds(const struct api_zone *z, struct api_err *e)
{
	size_t records = 0;
	for (size_t i = 0; i < z->n; i++)
		records += z->sets[i].n;
	if (dns_api_zone_is_secondary(z) && records == 0)
		return 0;
	struct dns_zone_builder *b = dns_zone_builder_new(&z->apex);
	char why[128] = "";
	int rc = b ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < z->n; i++) {
		const struct api_rrset *s = &z->sets[i];
		struct dns_name owner;
		if (dns_name_from_text(s->name, strlen(s->name), NULL, &owner))
			rc = dns_api_fail(e, 422, "bad owner name %s", s->name);
		for (size_t k = 0; !rc && k < s->n; k++)
			if (!s->recs[k].disabled)
				rc = dns_zone_builder_add(b, &owner, s->type,
							  s->ttl,
							  s->recs[k].rdata,
							  s->recs[k].rdlen, why);
	}
	struct dns_zone *built = NULL;
	if (!rc) {
		rc = dns_zone_build(b, &built, why);
		b = NULL;
	}
	dns_zone_builder_free(b);
	dns_zone_free(built);
	if (rc == -EINVAL && !e->status)
		dns_api_fail(e, 422, "Zone '%s' cannot be served: %s", z->name,
			     why);
	return rc;
}

static int zone_work(struct dns_write *w, struct store *s)
{
	struct zone_write *j = (struct zone_write *)w;
	int rc;
	switch (j->op) {
	case OP_CREATE:
		rc = dns_store_zone_get(s, j->zone, NULL, NULL);
		if (rc != -ENOENT)
			return rc ? rc : -EEXIST;
		rc = dns_api_zone_from_create(&j->z, j->body, j->now, &j->soa,
					      &j->e);
		if (!rc)
			rc = check_builds(&j->z, &j->e);
		return rc ? rc : dns_api_zone_save(s, &j->z, true, true, false);
	case OP_PUT:
		rc = dns_api_zone_load(s, j->zone, &j->z);
		if (!rc)
			rc = dns_api_zone_apply_put(&j->z, j->body, j->now,
						    &j->records, &j->e);
		return rc ? rc : dns_api_zone_save(s, &j->z, false, true,
						   j->records);
	case OP_PATCH:
		rc = load_patched(s, j);
		if (rc)
			return rc;
		dns_api_zone_serial(&j->z, &j->before);
		rc = dns_api_zone_apply_patch(&j->z, j->body, j->now, &j->e);
		if (!rc)
			rc = save_patch(s, j);
		dns_api_zone_serial(&j->z, &j->after);
		return rc;
	case OP_DELETE:
		return dns_store_zone_delete(s, j->zone);
	}
	return -EINVAL;
}

static void zone_done(struct dns_write *w, struct http_response *resp)
{
	struct zone_write *j = (struct zone_write *)w;
	struct api_call c = {.room = w->room, .resp = resp};
	if (w->rc) {
		reply_fail(&c, w->rc, &j->e);
		return;
	}
	switch (j->op) {
	case OP_CREATE: {
		log_info("dns", "api: zone=%s created kind=%s", j->z.name,
			 j->z.set.kind);
		dns_api_zone_sort(&j->z);
		struct api_rrset_filter f = {.rrsets = true, .type = -1,
					     .include_disabled = true};
		http_reply_json(resp, 201, dns_api_zone_detail(&j->z, &f));
		break;
	}
	case OP_PUT:
		log_info("dns", "api: zone=%s settings changed kind=%s%s",
			 j->z.name, j->z.set.kind,
			 j->records ? ", records replaced" : "");
		no_content(&c);
		break;
	case OP_PATCH:
		log_info("dns", "api: zone=%s patched serial=%u->%u", j->z.name,
			 (unsigned)j->before, (unsigned)j->after);
		no_content(&c);
		if (j->after != j->before) {
			/* As PowerDNS does when SOA-EDIT-API moved the serial. */
			http_reply_header(resp, "X-PDNS-Old-Serial", "%u",
					  (unsigned)j->before);
			http_reply_header(resp, "X-PDNS-New-Serial", "%u",
					  (unsigned)j->after);
		}
		break;
	case OP_DELETE:
		log_info("dns", "api: zone=%s deleted", j->zone);
		no_content(&c);
		break;
	}
}

static void zone_free(struct dns_write *w)
{
	struct zone_write *j = (struct zone_write *)w;
	dns_api_zone_deinit(&j->z);
	json_decref(j->body);
	free(j->changed);
	free(j);
}

/* dns.soa for a zone @zone created without a SOA (soa.c). */
static int soa_default(struct api_call *c, const char *zone,
		       struct api_soa_default *out)
{
	struct dns_name apex;
	struct dns_soa_made m;
	if (dns_name_from_text(zone, strlen(zone), NULL, &apex) ||
	    dns_soa_make(c->room->cfg, &apex, &m) ||
	    dns_name_to_text(&m.mname, out->mname, sizeof(out->mname)) < 0 ||
	    dns_name_to_text(&m.rname, out->rname, sizeof(out->rname)) < 0)
		return -EINVAL;
	dns_api_unescape_at(out->rname, strlen(out->rname));
	out->refresh = m.refresh;
	out->retry = m.retry;
	out->expire = m.expire;
	out->minimum = m.minimum;
	out->ttl = m.ttl;
	return 0;
}

/* Queues @op on @zone with @body (reference stolen; may be NULL). */
static void submit(struct api_call *c, enum zone_op op, const char *zone,
		   json_t *body)
{
	struct zone_write *j = calloc(1, sizeof(*j));
	if (!j) {
		json_decref(body);
		reply_code(c, -ENOMEM);
		return;
	}
	j->w.work = zone_work;
	j->w.done = zone_done;
	j->w.free = zone_free;
	j->op = op;
	snprintf(j->zone, sizeof(j->zone), "%s", zone);
	j->body = body;
	j->now = clock_wall_s(c->room->clock);
	if (op == OP_CREATE && soa_default(c, zone, &j->soa)) {
		json_decref(body);
		free(j);
		http_reply_error(c->resp, 422, "Zone '%s': its SOA names would "
					       "be too long",
				 zone);
		return;
	}
	dns_write_submit(c->room, c->req, c->resp, &j->w);
}

void dns_api_zone_create(struct api_call *c)
{
	struct api_err e = {0};
	char name[DNS_NAME_TEXT_MAX];
	struct dns_name wire;
	json_t *body = dns_api_body(c);
	int rc;
	if (!body)
		return;
	json_t *jn = json_object_get(body, "name");
	if (!json_is_string(jn))
		rc = dns_api_fail(&e, 422, "Key 'name' not present or not a String");
	else
		rc = dns_api_check_name(json_string_value(jn), false, name,
					sizeof(name), &wire, &e);
	char why[512];
	if (!rc && dns_api_derived_conflict(c->room, name, NULL, -1, why,
					    sizeof(why)))
		rc = dns_api_fail(&e, 409,
				  "Conflict: zone '%s' is derived from the "
				  "config and would override it: %s",
				  name, why);
	if (rc) {
		reply_fail(c, rc, &e);
		json_decref(body);
		return;
	}
	submit(c, OP_CREATE, name, body);
}

/* The stored zone with the derived RRsets that join it, else the
 * derived zone alone (lab:, leases). */
static int load_any(struct api_call *c, struct api_zone *z)
{
	int rc = dns_api_zone_load(c->room->store, c->zone, z);
	if (!rc)
		rc = dns_api_derived_join(c->room, z);
	else if (rc == -ENOENT) {
		dns_api_zone_deinit(z);
		rc = dns_api_derived_zone_load(c->room, c->zone, z);
	}
	return rc;
}

static bool parse_bool_arg(const char *v, bool dflt, bool *out)
{
	if (!v) {
		*out = dflt;
		return true;
	}
	if (strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0)
		*out = false;
	else
		return false;
	return true;
}

void dns_api_zone_get(struct api_call *c)
{
	struct api_zone z = {0};
	struct api_err e = {0};
	struct api_rrset_filter f = {.type = -1};
	char name[DNS_NAME_TEXT_MAX];
	const char *v;
	int rc = 0;

	if (!parse_bool_arg(v = http_request_arg(c->req, "rrsets"), true,
			    &f.rrsets)) {
		rc = dns_api_fail(&e, 422,
			      "'rrsets' request parameter value '%.100s' is "
			      "not supported",
			      v);
		goto out;
	}
	if (!parse_bool_arg(v = http_request_arg(c->req, "include_disabled"),
			    true, &f.include_disabled)) {
		rc = dns_api_fail(&e, 422,
			      "'include_disabled' request parameter value "
			      "'%.100s' is not supported",
			      v);
		goto out;
	}
	if ((v = http_request_arg(c->req, "rrset_name"))) {
		struct dns_name w;
		if ((rc = dns_api_check_name(v, true, name, sizeof(name), &w, &e)))
			goto out;
		f.name = name;
	}
	if ((v = http_request_arg(c->req, "rrset_type"))) {
		uint16_t t;
		if (dns_type_parse(v, &t)) {
			rc = dns_api_fail(&e, 422, "Type '%.40s' is not known", v);
			goto out;
		}
		f.type = t;
	}
	rc = load_any(c, &z);
	if (rc)
		goto out;
	http_reply_json(c->resp, 200, dns_api_zone_detail(&z, &f));
out:
	if (rc)
		reply_fail(c, rc, &e);
	dns_api_zone_deinit(&z);
}

/* 0, or -EINVAL with @e when an RRset of @body would replace or delete
 * a record derived from the config. A PUT's RRsets (@put: no changetype)
 * all replace. */
static int derived_guard(struct api_call *c, json_t *body, bool put,
			 struct api_err *e)
{
	json_t *arr = json_object_get(body, "rrsets");
	char why[400];
	/* Most zones have no derived record: one look, not one per RRset. */
	if (json_array_size(arr) &&
	    !dns_api_derived_conflict(c->room, c->zone, NULL, -1, why,
				      sizeof(why)))
		return 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *set = json_array_get(arr, i);
		const char *name =
			json_string_value(json_object_get(set, "name"));
		const char *ct =
			put ? "REPLACE"
			    : json_string_value(json_object_get(set, "changetype"));
		const char *type =
			json_string_value(json_object_get(set, "type"));
		uint16_t t;
		if (!name || !ct || !type || dns_type_parse(type, &t) ||
		    (strcasecmp(ct, "REPLACE") != 0 &&
		     strcasecmp(ct, "DELETE") != 0))
			continue;
		if (dns_api_derived_conflict(c->room, c->zone, name, t, why,
					     sizeof(why)))
			return dns_api_fail(e, 409,
					    "Conflict: RRset %.255s IN %.16s is "
					    "%s; change the config instead",
					    name, type, why);
	}
	return 0;
}

void dns_api_zone_put(struct api_call *c)
{
	struct api_err e = {0};
	char why[400];
	int rc = 0;
	json_t *body = dns_api_body(c);
	if (!body)
		return;
	if (!json_is_object(body))
		rc = dns_api_fail(&e, 400, "Bad Request: the body must be a "
					   "JSON object");
	else if (dns_store_zone_get(c->room->store, c->zone, NULL, NULL) ==
			 -ENOENT &&
		 dns_api_derived_conflict(c->room, c->zone, NULL, -1, why,
					  sizeof(why)))
		rc = dns_api_fail(&e, 409,
				  "Conflict: zone '%s' is derived from the "
				  "config and would override it: %s",
				  c->zone, why);
	else
		rc = derived_guard(c, body, true, &e);
	if (rc) {
		reply_fail(c, rc, &e);
		json_decref(body);
		return;
	}
	submit(c, OP_PUT, c->zone, body);
}

void dns_api_zone_patch(struct api_call *c)
{
	struct api_err e = {0};
	json_t *body = dns_api_body(c);
	if (!body)
		return;
	if (derived_guard(c, body, false, &e)) {
		reply_fail(c, -EINVAL, &e);
		json_decref(body);
		return;
	}
	submit(c, OP_PATCH, c->zone, body);
}

void dns_api_zone_delete(struct api_call *c)
{
	submit(c, OP_DELETE, c->zone, NULL);
}

static int exists(struct api_call *c)
{
	int rc = dns_store_zone_get(c->room->store, c->zone, NULL, NULL);
	if (rc)
		reply_code(c, rc);
	return rc;
}

void dns_api_zone_notify(struct api_call *c)
{
	/* To every dns.secondaries address now; PowerDNS's answer. */
	if (exists(c))
		return;
	struct dns_name apex, root;
	dns_name_root(&root);
	if (c->room->snap && c->room->notify &&
	    dns_name_from_text(c->zone, strlen(c->zone), &root, &apex) == 0)
		dns_notify_zone(c->room->notify, c->room->snap,
				dns_config(c->room->cfg), &apex);
	http_reply_json(c->resp, 200, json_pack("{s:s}", "result",
						"Notification queued"));
}

void dns_api_zone_rectify(struct api_call *c)
{
	/* Without DNSSEC there is nothing to rectify. */
	if (exists(c))
		return;
	http_reply_json(c->resp, 200, json_pack("{s:s}", "result", "Rectified"));
}

void dns_api_zone_axfr_retrieve(struct api_call *c)
{
	struct api_zone z = {0};
	int rc = dns_api_zone_load(c->room->store, c->zone, &z);
	if (rc) {
		reply_code(c, rc);
		goto out;
	}
	json_t *first = json_array_get(z.set.masters, 0);
	if (!dns_api_zone_is_secondary(&z) || !json_is_string(first)) {
		http_reply_error(c->resp, 422,
				 "Domain '%s' is not a slave domain (or has no "
				 "master defined)",
				 z.name);
		goto out;
	}
	log_warn("dns", "api: zone=%s axfr-retrieve from %s: zone transfers "
			"are not implemented; nothing retrieved",
		 z.name, json_string_value(first));
	char result[2 * DNS_NAME_TEXT_MAX];
	snprintf(result, sizeof(result),
		 "Added retrieval request for '%s' from master %s", z.name,
		 json_string_value(first));
	http_reply_json(c->resp, 200, json_pack("{s:s}", "result", result));
out:
	dns_api_zone_deinit(&z);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dns_api_zone_export(struct api_call *c)
{
	struct api_zone z = {0};
	char **lines = NULL;
	size_t n = 0, cap = 0;
	struct buf out;
	int rc;

	buf_init(&out, 0);
	rc = load_any(c, &z);
	for (size_t i = 0; !rc && i < z.n; i++) {
		const struct api_rrset *s = &z.sets[i];
		char tb[16];
		for (size_t k = 0; k < s->n; k++) {
			if (s->recs[k].disabled)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				char **p = realloc(lines, cap * sizeof(*p));
				if (!p) {
					rc = -ENOMEM;
					break;
				}
				lines = p;
			}
			struct buf l;
			buf_init(&l, 0);
			buf_printf(&l, "%s\t%u\tIN\t%s\t%s\n", s->name,
				   (unsigned)s->ttl, dns_type_name(s->type, tb),
				   s->recs[k].content);
			if (l.err) {
				buf_deinit(&l);
				rc = -ENOMEM;
				break;
			}
			lines[n++] = buf_steal(&l, NULL);
		}
	}
	if (rc) {
		reply_code(c, rc);
		goto out;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_lines);
	for (size_t i = 0; i < n; i++)
		buf_puts(&out, lines[i]);
	const char *accept = http_request_header(c->req, "Accept");
	if (accept && strstr(accept, "application/json")) {
		/* PowerDNS wraps the text for a client that asks for JSON. */
		http_reply_json(c->resp, 200,
				json_pack("{s:s}", "zone",
					  out.data ? out.data : ""));
	} else {
		http_reply_text(c->resp, 200, "text/plain; charset=utf-8",
				out.data ? out.data : "");
	}
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	buf_deinit(&out);
	dns_api_zone_deinit(&z);
}
