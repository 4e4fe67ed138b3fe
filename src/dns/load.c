/* SPDX-License-Identifier: MIT */
/* Configured zone files into the store (import.c), and the store (plus lab
 * records) into a snapshot. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/store.h"
#include "dns/internal.h"
#include "dns/soa.h"
#include "proto/dns/answer.h"
#include "proto/dns/dns.h"
#include "proto/dns/zone.h"
#include "proto/dns/zonefile.h"

static int count_one(const struct dns_store_rr *rr, void *ud)
{
	(void)rr;
	(*(size_t *)ud)++;
	return 1; /* one is enough */
}

/* True when the store holds zone @name (no trailing dot) with records. */
static bool zone_stored(struct store *store, const char *name)
{
	char apex[DNS_NAME_TEXT_MAX];
	size_t n = 0;
	snprintf(apex, sizeof(apex), "%s.", name);
	return dns_store_records(store, apex, count_one, &n) >= 0 && n > 0;
}

/*
 * Imports a configured zone's file when its content differs from what
 * was imported last (a hash kept in the store), so edits made through the
 * API since are not overwritten by an unchanged file at every restart.
 * Problems are logged and the stored zone stays as it was.
 */
static void refused_add(struct dns_refusals *rf, const char *zone,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void refused_add(struct dns_refusals *rf, const char *zone,
			const char *fmt, ...)
{
	if (!rf)
		return;
	if (rf->n == DNS_REFUSALS_MAX) {
		rf->dropped++;
		return;
	}
	snprintf(rf->at[rf->n].zone, sizeof(rf->at[0].zone), "%s", zone);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rf->at[rf->n].why, sizeof(rf->at[0].why), fmt, ap);
	va_end(ap);
	rf->n++;
}

void dns_refusals_publish(struct dns_refusals *rf,
			  struct room_notify_publisher *n)
{
	static const char *const tags[] = {"warning", "dns", NULL};
	for (size_t i = 0; n && i < rf->n; i++) {
		char title[300], msg[900];
		snprintf(title, sizeof(title), "Zone %s refused",
			 rf->at[i].zone);
		snprintf(msg, sizeof(msg),
			 "%s. The zone is served as it was before.%s",
			 rf->at[i].why,
			 i + 1 == rf->n && rf->dropped
				 ? " More zone files were refused: see the log."
				 : "");
		struct room_notify_msg m = {.event = "dns.zone_refused",
					    .title = title,
					    .message = msg,
					    .priority = 4,
					    .tags = tags};
		if (n->publish(n->ud, &m) < 0)
			log_debug("dns", "zone=%s: refusal not published",
				  rf->at[i].zone);
	}
	memset(rf, 0, sizeof(*rf));
}

static int import_file(struct store *store, const struct cfg_dns_zone *z,
		       struct dns_refusals *refused)
{
	char *data = NULL, why[512], key[DNS_NAME_TEXT_MAX + 32], hash[32];
	char *old = NULL;
	size_t len = 0, n = 0;
	int rc = dns_read_zone_file(z->file, &data, &len);
	if (rc) {
		log_error("dns", "zone=%s file=%s: %s; the stored zone stays",
			  z->name, z->file, hearth_strerror(rc));
		refused_add(refused, z->name, "%s: %s", z->file,
			    hearth_strerror(rc));
		return rc;
	}
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)data[i];
		h *= 1099511628211ull;
	}
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)h);
	snprintf(key, sizeof(key), "dns.file_hash.%s", z->name);
	bool same = store_meta_get(store, key, &old) == 0 &&
		    strcmp(old, hash) == 0;
	free(old);
	if (same && zone_stored(store, z->name)) {
		free(data);
		log_debug("dns", "zone=%s file=%s unchanged since its import",
			  z->name, z->file);
		return 0;
	}
	rc = dns_import_text(store, z->name, data, len, z->file, true, why,
			     sizeof(why), &n);
	free(data);
	if (!rc && store_meta_set(store, key, hash))
		log_warn("dns", "zone=%s: import not remembered", z->name);
	if (rc) {
		log_error("dns", "zone=%s %s; the stored zone stays", z->name,
			  why);
		refused_add(refused, z->name, "%s", why);
	} else
		log_info("dns", "zone=%s imported %zu records from %s", z->name,
			 n, z->file);
	return rc;
}

/* A zone the config names with no file and the store lacks gets a
 * minimal SOA and NS, as PowerDNS does for a zone created empty. */
static int synth_soa_ns(struct dns_zone_builder *b,
			const struct dns_soa_made *m,
			const struct dns_name *apex, uint32_t serial,
			char why[128]);
static int create_empty(struct store *store, const struct config *cfg,
			const char *name);

struct build {
	struct dns_zone_builder *b;
	char why[128];
	int err;
	size_t records;
};

static int add_stored(const struct dns_store_rr *rr, void *ud)
{
	struct build *bd = ud;
	struct dns_name owner;
	if (rr->disabled)
		return 0;
	if (dns_name_from_text(rr->name, strlen(rr->name), NULL, &owner) ||
	    rr->rdlen > 65535) {
		snprintf(bd->why, sizeof(bd->why), "bad stored name %.80s",
			 rr->name);
		return -EINVAL;
	}
	bd->records++;
	return dns_zone_builder_add(bd->b, &owner, rr->type, rr->ttl,
				    rr->rdata, (uint16_t)rr->rdlen, bd->why);
}

struct zlist {
	char **names;
	bool *secondary; /* kind Slave: empty until transferred */
	int64_t *version;
	size_t n, cap;
};

static int list_zone(const struct dns_store_zone *z, void *ud)
{
	struct zlist *l = ud;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **p = realloc(l->names, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->names = p;
		bool *sec = realloc(l->secondary, cap * sizeof(*sec));
		if (!sec)
			return -ENOMEM;
		l->secondary = sec;
		int64_t *ver = realloc(l->version, cap * sizeof(*ver));
		if (!ver)
			return -ENOMEM;
		l->version = ver;
		l->cap = cap;
	}
	l->secondary[l->n] = strcmp(z->kind, "Slave") == 0;
	l->version[l->n] = z->version;
	l->names[l->n] = strdup(z->name);
	return l->names[l->n++] ? 0 : -ENOMEM;
}

static int add_zone(struct dns_snapshot *s, struct dns_zone *z,
		    const struct dns_zone_key *key)
{
	struct dns_zone **zs = realloc(s->zs.zones, (s->zs.n + 1) * sizeof(*zs));
	if (!zs)
		return -ENOMEM;
	s->zs.zones = zs;
	struct dns_zone_key *k = realloc(s->keys, (s->zs.n + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	s->keys = k;
	k[s->zs.n] = key ? *key : (struct dns_zone_key){0};
	zs[s->zs.n++] = z;
	return 0;
}

/*
 * The serial of a lab-derived zone: kept in the store with a hash of the
 * zone's records; when the hash changes, the serial moves to the larger
 * of old + 1 and today's YYYYMMDD00, so secondaries see an increase.
 */
static uint32_t lab_serial(struct store *store, const struct dns_lab_rr *lab,
			   size_t n, size_t first, uint32_t soa_hash)
{
	uint32_t h = 2166136261u ^ soa_hash;
	for (size_t j = first; j < n; j++) {
		if (!dns_name_equal(&lab[j].zone, &lab[first].zone))
			continue;
		const uint8_t *parts[2] = {lab[j].owner.wire, lab[j].rdata};
		size_t lens[2] = {lab[j].owner.len, lab[j].rdlen};
		for (int p = 0; p < 2; p++)
			for (size_t i = 0; i < lens[p]; i++) {
				h ^= parts[p][i];
				h *= 16777619u;
			}
		h ^= lab[j].type;
		h *= 16777619u;
	}
	char key[DNS_NAME_TEXT_MAX + 32], apex[DNS_NAME_TEXT_MAX];
	dns_name_to_text(&lab[first].zone, apex, sizeof(apex));
	snprintf(key, sizeof(key), "dns.lab_serial.%s", apex);
	char *old = NULL;
	unsigned long old_hash = 0, old_serial = 0;
	if (store_meta_get(store, key, &old) == 0)
		sscanf(old, "%lu %lu", &old_hash, &old_serial);
	free(old);
	if (old_serial && old_hash == h)
		return (uint32_t)old_serial;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	uint32_t today = (uint32_t)((tm.tm_year + 1900) * 1000000 +
				    (tm.tm_mon + 1) * 10000 + tm.tm_mday * 100);
	uint32_t serial = (uint32_t)old_serial + 1;
	if (serial < today)
		serial = today;
	char val[64];
	snprintf(val, sizeof(val), "%lu %lu", (unsigned long)h,
		 (unsigned long)serial);
	if (store_meta_set(store, key, val))
		log_warn("dns", "zone=%s: serial not saved", apex);
	return serial;
}

void dns_snapshot_free(struct dns_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->zs.n; i++)
		dns_zone_free(s->zs.zones[i]);
	free(s->zs.zones);
	free(s->keys);
	free(s);
}

struct dns_snapshot *dns_snapshot_dup(const struct dns_snapshot *s)
{
	struct dns_snapshot *d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	*d = *s;
	d->zs.zones = malloc((s->zs.n ? s->zs.n : 1) * sizeof(*d->zs.zones));
	d->keys = malloc((s->zs.n ? s->zs.n : 1) * sizeof(*d->keys));
	if (!d->zs.zones || !d->keys) {
		free(d->zs.zones);
		free(d->keys);
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < s->zs.n; i++) {
		d->zs.zones[i] = dns_zone_ref(s->zs.zones[i]);
		d->keys[i] = s->keys[i];
	}
	d->opts.version = d->version;
	d->opts.id = d->id;
	return d;
}

/* Where a build may take zones from instead of rebuilding them. */
struct reuse {
	const struct dns_snapshot *prev[2];
	bool any_version; /* stored zones: whatever their version */
};

static int build(struct store *store, const struct config *cfg,
		 const struct dns_lab_rr *extra, size_t n_extra,
		 const struct reuse *reuse, struct dns_snapshot **out,
		 bool *degraded, bool import, struct dns_refusals *refused);

int dns_load(struct store *store, const struct config *cfg,
	     const struct dns_lab_rr *extra, size_t n_extra,
	     const struct dns_snapshot *prev, struct dns_snapshot **out,
	     bool *degraded, struct dns_refusals *refused)
{
	struct reuse ru = {.prev = {prev, NULL}};
	return build(store, cfg, extra, n_extra, &ru, out, degraded, true,
		     refused);
}

int dns_build(struct store *store, const struct config *cfg,
	      const struct dns_lab_rr *extra, size_t n_extra,
	      const struct dns_snapshot *prev, const struct dns_snapshot *prev2,
	      bool any_version, struct dns_snapshot **out, bool *degraded)
{
	struct reuse ru = {.prev = {prev, prev2}, .any_version = any_version};
	return build(store, cfg, extra, n_extra, &ru, out, degraded, false,
		     NULL);
}

/* Hash of the lab/lease records that belong in zone @apex; marks them used. */
static uint64_t extras_for(const struct dns_lab_rr *lab, size_t n, bool *used,
			   const struct dns_name *apex)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t k = 0; k < n; k++) {
		if (!dns_name_equal(&lab[k].zone, apex))
			continue;
		used[k] = true;
		const uint8_t *parts[2] = {lab[k].owner.wire, lab[k].rdata};
		size_t lens[2] = {lab[k].owner.len, lab[k].rdlen};
		for (int p = 0; p < 2; p++)
			for (size_t i = 0; i < lens[p]; i++) {
				h ^= parts[p][i];
				h *= 1099511628211ull;
			}
		h ^= (uint64_t)lab[k].type << 1 | lab[k].dynamic;
		h *= 1099511628211ull;
	}
	return h;
}

/* A zone of @ru built from exactly @key (stored zones of any version
 * with @ru->any_version), or NULL; *@key becomes the one it was built
 * from. */
static struct dns_zone *reusable(const struct reuse *ru,
				 const struct dns_name *apex,
				 struct dns_zone_key *key)
{
	for (int p = 0; p < 2; p++) {
		const struct dns_snapshot *prev = ru->prev[p];
		for (size_t i = 0; prev && i < prev->zs.n; i++) {
			const struct dns_zone_key *k = &prev->keys[i];
			bool version = k->version == key->version ||
				       (ru->any_version && key->stored);
			if (k->stored == key->stored && version &&
			    k->extra == key->extra &&
			    dns_name_equal(&prev->zs.zones[i]->apex, apex)) {
				*key = *k;
				return prev->zs.zones[i];
			}
		}
	}
	return NULL;
}

#define NO_EXTRAS 1469598103934665603ull /* extras_for of no record */

int dns_build_patched(const struct config *cfg,
		      const struct dns_lab_rr *extra, size_t n_extra,
		      const struct dns_snapshot *prev, const char *zone,
		      int64_t v_before, int64_t v_after,
		      int (*fill)(void *ud, struct dns_zone_patch *p), void *ud,
		      struct dns_snapshot **out)
{
	struct dns_name apex;
	struct dns_lab_rr *lab = NULL;
	size_t n_lab = 0;
	*out = NULL;
	if (!prev || v_after < v_before || v_after > v_before + 1 ||
	    dns_name_from_text(zone, strlen(zone), NULL, &apex))
		return -EAGAIN;
	dns_name_lower(&apex);
	/* Lab and lease records merged into the zone: a full build. */
	int rc = dns_lab_records(cfg, &lab, &n_lab);
	bool *used = rc ? NULL : calloc(n_lab + n_extra + 1, sizeof(*used));
	uint64_t h = NO_EXTRAS;
	if (used) {
		h = extras_for(lab, n_lab, used, &apex);
		if (h == NO_EXTRAS)
			h = extras_for(extra, n_extra, used, &apex);
	}
	free(used);
	free(lab);
	if (rc || !used)
		return rc ? rc : -ENOMEM;
	if (h != NO_EXTRAS)
		return -EAGAIN;
	size_t i = 0;
	while (i < prev->zs.n &&
	       !(dns_name_equal(&prev->zs.zones[i]->apex, &apex) &&
		 prev->keys[i].stored && prev->keys[i].version == v_before &&
		 prev->keys[i].extra == NO_EXTRAS))
		i++;
	if (i == prev->zs.n)
		return -EAGAIN; /* not served as the store had it */
	struct dns_zone *z = dns_zone_ref(prev->zs.zones[i]);
	if (v_after != v_before) {
		struct dns_zone_patch *p = dns_zone_patch_new(z);
		char why[128];
		dns_zone_free(z);
		z = NULL;
		if (!p)
			return -ENOMEM;
		if ((rc = fill(ud, p))) {
			dns_zone_patch_free(p);
			return rc;
		}
		rc = dns_zone_patch_apply(p, &z, why);
		if (rc) {
			log_debug("dns", "zone=%s not patched (%s): rebuilt",
				  zone, why);
			return -EAGAIN;
		}
	}
	struct dns_snapshot *s = dns_snapshot_dup(prev);
	if (!s) {
		dns_zone_free(z);
		return -ENOMEM;
	}
	dns_zone_free(s->zs.zones[i]);
	s->zs.zones[i] = z;
	s->keys[i].version = v_after;
	*out = s;
	return 0;
}

static int build(struct store *store, const struct config *cfg,
		 const struct dns_lab_rr *extra, size_t n_extra,
		 const struct reuse *reuse, struct dns_snapshot **out,
		 bool *degraded, bool import, struct dns_refusals *refused)
{
	struct dns_snapshot *s = calloc(1, sizeof(*s));
	struct zlist list = {0};
	struct dns_lab_rr *lab = NULL;
	size_t n_lab = 0;
	bool *used = NULL;
	int rc;

	*out = NULL;
	*degraded = false;
	if (!s)
		return -ENOMEM;
	snprintf(s->version, sizeof(s->version), "%s",
		 dns_config(cfg)->identity.version ? dns_config(cfg)->identity.version : "");
	snprintf(s->id, sizeof(s->id), "%s",
		 dns_config(cfg)->identity.id ? dns_config(cfg)->identity.id : "");
	s->opts.version = s->version;
	s->opts.id = s->id;
	s->opts.udp_payload = (uint16_t)dns_config(cfg)->udp_payload;

	for (size_t i = 0; i < dns_config(cfg)->n_zones; i++) {
		const struct cfg_dns_zone *z = &dns_config(cfg)->zones[i];
		if (import && z->file && import_file(store, z, refused))
			*degraded = true;
	}
	for (size_t i = 0; i < dns_config(cfg)->n_zones; i++) {
		const struct cfg_dns_zone *z = &dns_config(cfg)->zones[i];
		if (!z->file && !zone_stored(store, z->name) &&
		    create_empty(store, cfg, z->name))
			*degraded = true;
	}
	rc = dns_store_zones(store, list_zone, &list);
	if (rc)
		goto out;
	rc = dns_lab_records(cfg, &lab, &n_lab);
	if (rc)
		goto out;
	if (n_extra) {
		/* Names of leases join the lab's records. */
		struct dns_lab_rr *all = realloc(lab, (n_lab + n_extra) *
							      sizeof(*all));
		if (!all) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(all + n_lab, extra, n_extra * sizeof(*all));
		lab = all;
		n_lab += n_extra;
	}
	used = calloc(n_lab + 1, sizeof(*used));
	if (!used) {
		rc = -ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < list.n; i++) {
		struct dns_name apex;
		struct build bd = {0};
		struct dns_zone *z = NULL;
		if (dns_name_from_text(list.names[i], strlen(list.names[i]),
				       NULL, &apex))
			continue;
		struct dns_zone_key key = {
			.stored = true, .version = list.version[i],
			.extra = extras_for(lab, n_lab, used, &apex)};
		struct dns_zone *same = reusable(reuse, &apex, &key);
		if (same) {
			*degraded = *degraded || key.degraded;
			if ((rc = add_zone(s, dns_zone_ref(same), &key))) {
				dns_zone_free(same);
				goto out;
			}
			continue;
		}
		bool was_degraded = *degraded;
		*degraded = false;
		bd.b = dns_zone_builder_new(&apex);
		if (!bd.b) {
			rc = -ENOMEM;
			goto out;
		}
		rc = dns_store_records(store, list.names[i], add_stored, &bd);
		/* Lab records join a stored zone of the same name; one
		 * that would replace a stored RRset is refused, loudly. */
		for (size_t k = 0; rc == 0 && k < n_lab; k++) {
			if (!dns_name_equal(&lab[k].zone, &apex))
				continue;
			if (dns_zone_builder_has(bd.b, &lab[k].owner,
						 lab[k].type)) {
				char o[DNS_NAME_TEXT_MAX], t[16];
				dns_name_to_text(&lab[k].owner, o, sizeof(o));
				if (lab[k].dynamic) {
					/* A lease's name never displaces a
					 * static record. */
					log_warn("dns", "lease name %s %s is "
							"taken by a stored "
							"record",
						 o, dns_type_name(lab[k].type,
								  t));
					continue;
				}
				log_error("dns", "lab record %s %s conflicts "
						 "with a stored record; the "
						 "stored one is served",
					  o, dns_type_name(lab[k].type, t));
				*degraded = true;
				continue;
			}
			rc = dns_zone_builder_add(bd.b, &lab[k].owner,
						  lab[k].type, DNS_LAB_TTL,
						  lab[k].rdata, lab[k].rdlen,
						  bd.why);
		}
		key.degraded = *degraded;
		*degraded = *degraded || was_degraded;
		if (rc) {
			log_error("dns", "zone=%s: %s", list.names[i],
				  rc == -EINVAL ? bd.why : hearth_strerror(rc));
			dns_zone_builder_free(bd.b);
			*degraded = true;
			rc = 0;
			continue;
		}
		size_t records = bd.records;
		rc = dns_zone_build(bd.b, &z, bd.why);
		if (rc && list.secondary[i] && records == 0) {
			/* A secondary zone waits for its first transfer. */
			log_debug("dns", "zone=%s: secondary, no data yet",
				  list.names[i]);
			rc = 0;
			continue;
		}
		if (rc) {
			log_error("dns", "zone=%s not served: %s",
				  list.names[i], bd.why);
			*degraded = true;
			rc = 0;
			continue;
		}
		if ((rc = add_zone(s, z, &key))) {
			dns_zone_free(z);
			goto out;
		}
	}
	/* Lab zones with no stored zone: built from the lab alone, with a
	 * serial that moves only when their content does. */
	for (size_t k = 0; k < n_lab; k++) {
		if (used[k])
			continue;
		struct dns_zone_builder *b = dns_zone_builder_new(&lab[k].zone);
		struct dns_zone *z = NULL;
		char why[128];
		if (!b) {
			rc = -ENOMEM;
			goto out;
		}
		struct dns_soa_made made;
		if (dns_soa_make(cfg, &lab[k].zone, &made)) {
			log_error("dns", "lab zone not served: its SOA names "
					 "are too long");
			dns_zone_builder_free(b);
			*degraded = true;
			used[k] = true;
			continue;
		}
		uint32_t serial = lab_serial(store, lab, n_lab, k,
					     dns_soa_hash(&made));
		bool *scratch = calloc(n_lab + 1, sizeof(*scratch));
		if (!scratch) {
			dns_zone_builder_free(b);
			rc = -ENOMEM;
			goto out;
		}
		struct dns_zone_key key = {
			.stored = false, .version = serial,
			.extra = extras_for(lab, n_lab, scratch, &lab[k].zone)};
		free(scratch);
		struct dns_zone *same = reusable(reuse, &lab[k].zone, &key);
		if (same) {
			dns_zone_builder_free(b);
			for (size_t j = k; j < n_lab; j++)
				if (dns_name_equal(&lab[j].zone, &lab[k].zone))
					used[j] = true;
			if ((rc = add_zone(s, dns_zone_ref(same), &key))) {
				dns_zone_free(same);
				goto out;
			}
			continue;
		}
		rc = 0;
		for (size_t j = k; rc == 0 && j < n_lab; j++) {
			if (used[j] || !dns_name_equal(&lab[j].zone, &lab[k].zone))
				continue;
			used[j] = true;
			rc = dns_zone_builder_add(b, &lab[j].owner, lab[j].type,
						  DNS_LAB_TTL, lab[j].rdata,
						  lab[j].rdlen, why);
		}
		if (!rc)
			rc = synth_soa_ns(b, &made, &lab[k].zone, serial, why);
		if (rc) {
			dns_zone_builder_free(b);
		} else {
			rc = dns_zone_build(b, &z, why);
		}
		if (rc) {
			log_error("dns", "lab zone not served: %s", why);
			*degraded = true;
			rc = 0;
			continue;
		}
		if ((rc = add_zone(s, z, &key))) {
			dns_zone_free(z);
			goto out;
		}
	}
	*out = s;
	s = NULL;
out:
	for (size_t i = 0; i < list.n; i++)
		free(list.names[i]);
	free(list.names);
	free(list.secondary);
	free(list.version);
	free(used);
	free(lab);
	dns_snapshot_free(s);
	return rc;
}

/* The SOA and NS of dns.soa (soa.c), and the NS's address when it lies
 * in the zone and nothing added gives it one (the lab records come
 * first). */
static int synth_soa_ns(struct dns_zone_builder *b,
			const struct dns_soa_made *m,
			const struct dns_name *apex, uint32_t serial,
			char why[128])
{
	uint8_t rd[DNS_NAME_MAX * 2 + 20];
	size_t len = dns_soa_rdata(m, serial, rd);
	int rc = dns_zone_builder_add(b, apex, DNS_T_SOA, m->ttl, rd,
				      (uint16_t)len, why);
	if (!rc)
		rc = dns_zone_builder_add(b, apex, DNS_T_NS, m->ttl,
					  m->mname.wire, m->mname.len, why);
	if (!rc && m->glue && !dns_zone_builder_has(b, &m->mname, DNS_T_A) &&
	    !dns_zone_builder_has(b, &m->mname, DNS_T_AAAA)) {
		bool v4 = m->addr.family == AF_INET;
		rc = dns_zone_builder_add(b, &m->mname,
					  v4 ? DNS_T_A : DNS_T_AAAA, m->ttl,
					  m->addr.u.bytes, v4 ? 4 : 16, why);
	}
	return rc;
}

/* A zone the config names without a file starts life in the store with
 * the SOA and NS of dns.soa (and the NS's address when it lies in the
 * zone), so the API can edit it. */
static int create_empty(struct store *store, const struct config *cfg,
			const char *name)
{
	char apex[DNS_NAME_TEXT_MAX], ns_text[DNS_NAME_TEXT_MAX];
	uint8_t rd[DNS_NAME_MAX * 2 + 20];
	struct dns_name a;
	struct dns_soa_made m;
	snprintf(apex, sizeof(apex), "%s.", name);
	if (dns_name_from_text(apex, strlen(apex), NULL, &a) ||
	    dns_soa_make(cfg, &a, &m))
		return -EINVAL;
	size_t len = dns_soa_rdata(&m, 1, rd);
	dns_name_to_text(&m.mname, ns_text, sizeof(ns_text));
	bool v4 = m.addr.family == AF_INET;
	struct dns_store_rr rrs[3] = {
		{.name = apex, .type = DNS_T_SOA, .ttl = m.ttl, .rdata = rd,
		 .rdlen = len},
		{.name = apex, .type = DNS_T_NS, .ttl = m.ttl,
		 .rdata = m.mname.wire, .rdlen = m.mname.len},
		{.name = ns_text, .type = v4 ? DNS_T_A : DNS_T_AAAA,
		 .ttl = m.ttl, .rdata = m.addr.u.bytes, .rdlen = v4 ? 4 : 16},
	};
	int rc = dns_store_zone_replace(store, apex, "api", rrs,
					m.glue ? 3 : 2);
	if (!rc)
		log_info("dns", "zone=%s created (SOA and NS %s%s)", apex,
			 ns_text, m.glue ? " with its address" : "");
	return rc;
}
