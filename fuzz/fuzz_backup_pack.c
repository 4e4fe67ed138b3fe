/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a restic pack's trailer and decrypted header (hostile repositories must not crash hearth). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is a decrypted header; its first byte picks the format
 * version, the next four the end of the blobs. Every accepted entry
 * lies within the blobs and is rebuilt to the same bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	int version = (data[0] & 1) + 1;
	uint64_t end = (uint64_t)data[1] | (uint64_t)data[2] << 8 |
		       (uint64_t)data[3] << 16 | (uint64_t)data[4] << 24;
	uint32_t hl;
	(void)backup_pack_trailer(end, data + 1, &hl);
	struct backup_pack_entry *e = NULL;
	size_t n = 0;
	if (backup_pack_header_parse(data + 5, size - 5, end, version, &e, &n) ==
	    0) {
		size_t want = backup_pack_header_size(e, n);
		if (want != size - 5)
			abort();
		uint8_t *back = malloc(want ? want : 1);
		backup_pack_header_build(e, n, back);
		if (memcmp(back, data + 5, want))
			abort();
		for (size_t i = 0; i < n; i++)
			if ((uint64_t)e[i].offset + e[i].length > end)
				abort();
		free(back);
	}
	free(e);
	return 0;
}
