/* SPDX-License-Identifier: MIT */
/* The dns room's tables in the store: zones and their records. */
#ifndef HEARTH_CORE_STORE_DNS_H
#define HEARTH_CORE_STORE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/* Names are presentation text, lower case, with the trailing dot. RDATA
 * is wire form. Not thread-safe (the store's owner thread). */
struct store_dns_rr {
	const char *name;
	uint16_t type;
	uint32_t ttl;
	const void *rdata;
	size_t rdlen;
	bool disabled;
};

struct store_dns_zone {
	int64_t id;
	const char *name;
	const char *kind;   /* Native | Master | Slave */
	const char *source; /* api | file */
	const char *account;
	const char *soa_edit_api;
};

/*
 * Creates the zone if needed and replaces all its records with @rrs, in
 * one transaction: on any error nothing changes. @source is recorded.
 */
int store_dns_zone_replace(struct store *s, const char *zone,
			   const char *source, const struct store_dns_rr *rrs,
			   size_t n);

/* Calls @fn for each zone (name order). A non-zero return stops and is
 * returned. Strings are valid during the call. */
int store_dns_zones(struct store *s,
		    int (*fn)(const struct store_dns_zone *z, void *ud),
		    void *ud);

/* Calls @fn for each record of @zone (name, type order). -ENOENT when
 * the zone does not exist. */
int store_dns_records(struct store *s, const char *zone,
		      int (*fn)(const struct store_dns_rr *rr, void *ud),
		      void *ud);

/* Deletes a zone and its records. -ENOENT when absent. */
int store_dns_zone_delete(struct store *s, const char *zone);

#endif
