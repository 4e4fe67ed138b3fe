/* SPDX-License-Identifier: MIT */
/* `hearthd --check` for the dns room: each configured zone file must import. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "dns/config.h"
#include "dns/internal.h"

static bool zone_configured(const struct cfg_dns *d,
			    const struct dns_name *zone)
{
	for (size_t i = 0; d && i < d->n_zones; i++) {
		struct dns_name z;
		const char *t = d->zones[i].name;
		if (dns_name_from_text(t, strlen(t), &(struct dns_name){.len = 1},
				       &z))
			continue;
		dns_name_lower(&z);
		if (dns_name_equal(&z, zone))
			return true;
	}
	return false;
}

/*
 * Counts what lab: adds: its A/AAAA and PTR records, and the zones they
 * live in that no `dns.zones` entry names (served all the same).
 */
static int dns_check_lab(const struct config *cfg, const struct cfg_dns *d,
			 struct room_check_summary *sum)
{
	struct dns_lab_rr *rrs;
	size_t n;
	int rc = dns_lab_records(cfg, &rrs, &n);
	if (rc == -EINVAL)
		return 0; /* lab.domain was refused at load already */
	if (rc)
		return rc;
	/* The distinct zones are few (lab.domain and one reverse zone a
	 * network): each new one is kept at the front of the array. */
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		sum->records++;
		bool seen = false;
		for (size_t j = 0; j < distinct && !seen; j++)
			seen = dns_name_equal(&rrs[j].zone, &rrs[i].zone);
		if (seen)
			continue;
		if (!zone_configured(d, &rrs[i].zone))
			sum->zones++;
		rrs[distinct++].zone = rrs[i].zone;
	}
	free(rrs);
	return 0;
}

/*
 * Reads and validates every zone file with dns_import_check (no store):
 * the same parser and the same checks as the import at start, so --check
 * refuses exactly the files start would not load. The error stands at
 * the zone's `file:` key; its message carries the zone file's FILE:LINE.
 */
int dns_check_zones(const struct config *cfg, struct cfg_error *err,
		    struct room_check_summary *sum)
{
	const struct cfg_dns *d = dns_config(cfg);
	for (size_t i = 0; d && i < d->n_zones; i++) {
		const struct cfg_dns_zone *z = &d->zones[i];
		char *data = NULL, why[512];
		size_t len = 0, n = 0;
		sum->zones++;
		if (!z->file)
			continue;
		int rc = dns_read_zone_file(z->file, &data, &len);
		if (rc)
			return cfg_fail(err, &z->file_pos,
					"zone '%s': cannot read %s: %s", z->name,
					z->file, hearth_strerror(rc));
		rc = dns_import_check(z->name, data, len, z->file, true, why,
				     sizeof(why), &n);
		free(data);
		if (rc == -ENOMEM)
			return rc;
		if (rc)
			return cfg_fail(err, &z->file_pos, "zone '%s': %s",
					z->name, why);
		sum->records += n;
	}
	return dns_check_lab(cfg, d, sum);
}
