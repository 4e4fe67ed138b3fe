/* SPDX-License-Identifier: MIT */
/* libFuzzer target: OpenSSH KRLs; what parses is written again and must read back the same. */
#include <stdint.h>
#include <stdlib.h>

#include "proto/ssh/krl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssh_krl k, again;
	struct buf b;
	const char *why = NULL;
	if (ssh_krl_parse(data, size, &k, &why)) {
		if (!why)
			abort();
		return 0;
	}
	buf_init(&b, 0);
	if (ssh_krl_write(&k, &b))
		abort();
	if (ssh_krl_parse((const uint8_t *)b.data, b.len, &again, &why) ||
	    again.n_keys != k.n_keys || again.n_ids != k.n_ids ||
	    again.n_serials > k.n_serials || again.version != k.version)
		abort();
	for (size_t i = 0; i < k.n_serials; i++)
		if (!ssh_krl_revokes_cert(&again, k.cas[k.serials[i].ca].p,
					  k.cas[k.serials[i].ca].len,
					  k.serials[i].lo, NULL))
			abort();
	ssh_krl_deinit(&again);
	ssh_krl_deinit(&k);
	buf_deinit(&b);
	return 0;
}
