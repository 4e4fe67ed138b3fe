/* SPDX-License-Identifier: MIT */
/* libFuzzer target: restic index JSON into the in-memory index; every blob added must be found again. */
#include <stdint.h>
#include <stdlib.h>

#include "proto/backup/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const uint8_t id[32], const struct backup_blob_loc *loc,
		 void *ud)
{
	struct backup_blob_loc again;
	if (backup_index_find(ud, id, loc->type, &again) ||
	    again.offset != loc->offset || again.length != loc->length)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_index *idx = backup_index_new();
	const char *why = NULL;
	int rc = backup_index_parse(idx, (const char *)data, size, &why);
	if (rc == -22 && !why)
		abort(); /* a refusal says why */
	backup_index_each(idx, check, idx);
	backup_index_free(idx);
	return 0;
}
