/* SPDX-License-Identifier: MIT */
/* libFuzzer target: restic key files (JSON with scrypt parameters) and the unpacked file decoder (JSON or 0x02 + zstd). */
#include <stdint.h>
#include <stdlib.h>

#include "proto/backup/keyfile.h"
#include "proto/backup/unpacked.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backup_keyfile kf;
	const char *why = NULL;
	if (backup_keyfile_parse((const char *)data, size, &kf, &why) == 0) {
		if (kf.data_len <= 32 || kf.data_len > sizeof(kf.data))
			abort();
	} else if (!why) {
		abort();
	}
	uint8_t *out = NULL;
	size_t len = 0;
	if (backup_unpacked_decode(data, size, 1u << 20, &out, &len) == 0 &&
	    (len > (1u << 20) || out[len] != '\0'))
		abort();
	free(out);
	return 0;
}
