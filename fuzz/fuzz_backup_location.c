/* SPDX-License-Identifier: MIT */
/* libFuzzer target: repository locations, REST request paths and Range headers; a path accepted names only safe folders. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/location.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	const char *why = NULL;
	struct backup_location *l = malloc(sizeof(*l));
	if (l && backup_location_parse(s, l, &why) && !why)
		abort(); /* a refusal says why */
	free(l);
	struct backup_rest_path p;
	why = NULL;
	if (backup_rest_path_parse(s, &p, &why)) {
		if (!why)
			abort();
	} else {
		/* what is accepted never climbs out of the served folder */
		if (strstr(p.repo, "..") == p.repo || strstr(p.repo, "/.") ||
		    strstr(p.repo, "//") || p.repo[0] == '/' || p.repo[0] == '.')
			abort();
		if (p.what == BACKUP_REST_FILE && strlen(p.name) != 64)
			abort();
		char owner[65];
		backup_rest_path_owner(&p, owner);
	}
	uint64_t off = 0, len = 0, fsize = size * 7;
	int r = backup_rest_range_parse(s, fsize, &off, &len);
	if (r == 0 && (len == 0 || off + len > fsize))
		abort();
	free(s);
	return 0;
}
