/* SPDX-License-Identifier: MIT */
/* The dns room's tables in the store: zones and their records. */
#ifndef HEARTH_DNS_STORE_H
#define HEARTH_DNS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/* Names are presentation text, lower case, with the trailing dot. RDATA
 * is wire form. Not thread-safe (the store's owner thread). */
struct dns_store_rr {
	const char *name;
	uint16_t type;
	uint32_t ttl;
	const void *rdata;
	size_t rdlen;
	bool disabled;
	const char *content; /* the API's spelling when it keeps one, or NULL */
};

struct dns_store_zone {
	int64_t id;
	int64_t version; /* moves on every change to the zone's records */
	const char *name;
	const char *kind;   /* Native | Master | Slave | Producer | Consumer */
	const char *source; /* api | file */
	const char *account;
	const char *soa_edit_api;
	const char *masters; /* JSON array of "ip" / "ip:port" strings */
	int64_t notified_serial;
	const char *soa_edit;
	const char *catalog;
	bool api_rectify;
	const char *nsec3param;
	bool nsec3narrow;
};

/* A comment on an RRset (PowerDNS API); strings as for records. */
struct dns_store_comment {
	const char *name;
	uint16_t type;
	const char *content;
	const char *account;
	int64_t modified_at; /* unix seconds */
};

/* What one RRset (name, type) becomes. */
struct dns_store_rrset_change {
	const char *name;
	uint16_t type;
	bool set_records; /* replace the records with rrs[0..n) (n = 0: none) */
	const struct dns_store_rr *rrs;
	size_t n;
	bool set_comments; /* replace the comments likewise */
	const struct dns_store_comment *comments;
	size_t n_comments;
};

/* A change to one zone, applied in one transaction by dns_store_zone_update. */
struct dns_store_zone_update {
	bool create;	/* insert the zone: -EEXIST when it exists */
	const struct dns_store_zone *settings; /* NULL: leave the settings
						  (kind..nsec3narrow, source) */
	bool replace_all; /* drop every record and comment first */
	const struct dns_store_rrset_change *changes;
	size_t n_changes;
};

/*
 * Creates the zone if needed and replaces all its records with @rrs, in
 * one transaction: on any error nothing changes. @source is recorded.
 */
int dns_store_zone_replace(struct store *s, const char *zone,
			   const char *source, const struct dns_store_rr *rrs,
			   size_t n);

/* Calls @fn for each zone (name order). A non-zero return stops and is
 * returned. Strings are valid during the call. */
int dns_store_zones(struct store *s,
		    int (*fn)(const struct dns_store_zone *z, void *ud),
		    void *ud);

/* Calls @fn for each record of @zone (name, type order). -ENOENT when
 * the zone does not exist. */
int dns_store_records(struct store *s, const char *zone,
		      int (*fn)(const struct dns_store_rr *rr, void *ud),
		      void *ud);

/* The same for the records owned by @name only (type order): what the
 * index on (zone, name, type) finds without reading the zone. */
int dns_store_records_at(struct store *s, const char *zone, const char *name,
			 int (*fn)(const struct dns_store_rr *rr, void *ud),
			 void *ud);

/* Deletes a zone and its records. -ENOENT when absent. */
int dns_store_zone_delete(struct store *s, const char *zone);

/* Calls @fn (may be NULL) once with the settings of @zone; -ENOENT when
 * absent. */
int dns_store_zone_get(struct store *s, const char *zone,
		       int (*fn)(const struct dns_store_zone *z, void *ud),
		       void *ud);

/* Calls @fn for each comment of @zone (name, type, insertion order).
 * -ENOENT when the zone does not exist. */
int dns_store_comments(struct store *s, const char *zone,
		       int (*fn)(const struct dns_store_comment *c, void *ud),
		       void *ud);

/*
 * Creates or changes @zone as @u says, in one transaction: on any error
 * nothing changes. -ENOENT when the zone is absent (and not created),
 * -EEXIST when created but present. Nothing is kept after the call.
 */
int dns_store_zone_update(struct store *s, const char *zone,
			  const struct dns_store_zone_update *u);

/* Zone metadata (PowerDNS API): @fn per (kind, value) of @zone, by kind
 * then insertion order; a non-zero return stops. -ENOENT without the
 * zone. Kinds kept as zone columns only (SOA-EDIT-API ...) are not here. */
int dns_store_meta_list(struct store *s, const char *zone,
			int (*fn)(const char *kind, const char *value, void *ud),
			void *ud);

/* Sets @kind of @zone to @values (replacing, or adding the values not yet
 * there when @append); n == 0 and !append deletes the kind. SOA-EDIT's
 * first value is also the zone's soa_edit. 0, -ENOENT or a store error. */
int dns_store_meta_set(struct store *s, const char *zone, const char *kind,
		       const char *const *values, size_t n, bool append);

/* PowerDNS autoprimaries (ip, nameserver, account), as sent, in the
 * order added: @fn per row (a non-zero return stops); add answers
 * -EEXIST when (ip, nameserver) is there already; delete of an absent
 * pair is 0. Any thread with its own connection. */
int dns_store_autoprimary_list(struct store *s,
			       int (*fn)(const char *ip, const char *nameserver,
					 const char *account, void *ud),
			       void *ud);
int dns_store_autoprimary_add(struct store *s, const char *ip,
			      const char *nameserver, const char *account);
int dns_store_autoprimary_delete(struct store *s, const char *ip,
				 const char *nameserver);

#endif
