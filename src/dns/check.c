/* SPDX-License-Identifier: MIT */
/* `hearthd --check` for the dns room: each configured zone file must import. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "dns/config.h"
#include "dns/internal.h"

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
	return 0;
}
