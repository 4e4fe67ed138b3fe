/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a snapshot file's JSON from a hostile repository, decoded, re-encoded, and the encoding stable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/snapshot.h"

/*
 * Whatever the decoder accepts must encode, and decoding that encoding must
 * give the same bytes again (what hearth writes, it reads back unchanged).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bk_snapshot a, b;
	struct buf e1, e2;

	buf_init(&e1, 0);
	buf_init(&e2, 0);
	if (bk_snapshot_decode((const char *)data, size, &a) == 0 && bk_snapshot_encode(&e1, &a) == 0) {
		if (bk_snapshot_decode(e1.data, e1.len, &b) != 0 || bk_snapshot_encode(&e2, &b) != 0 ||
		    e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0) {
			fprintf(stderr, "fuzz_backup_snapshot: re-encoding is not stable\n");
			abort();
		}
		bk_snapshot_deinit(&b);
	}
	bk_snapshot_deinit(&a);
	buf_deinit(&e1);
	buf_deinit(&e2);
	return 0;
}
