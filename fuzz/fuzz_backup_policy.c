/* SPDX-License-Identifier: MIT */
/* libFuzzer target: forget's --keep-within durations and the policy over fuzzed snapshot times and counts (bounded, never crashing). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input: a duration text up to the first NUL, then 8-byte records
 * (a signed time in seconds, whose low byte also picks a count).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tl = nul ? (size_t)(nul - data) : size;
	char *text = malloc(tl + 1);
	char why[128], out[128];
	struct bk_policy p = {0};
	struct bk_policy_snap s[32];
	struct bk_policy_verdict v[32];
	size_t n = 0;

	if (!text)
		return 0;
	memcpy(text, data, tl);
	text[tl] = '\0';
	for (int b = 0; b < BK_KEEP_N; b++)
		if (bk_duration_parse(text, &p.within[b], why, sizeof why) == 0) {
			bk_duration_format(&p.within[b], out, sizeof out);
			struct bk_duration again;
			if (bk_duration_parse(out, &again, why, sizeof why) != 0 ||
			    memcmp(&again, &p.within[b], sizeof again) != 0) {
				fprintf(stderr, "fuzz_backup_policy: format does not parse back\n");
				abort();
			}
		}
	for (size_t off = nul ? tl + 1 : size; off + 8 <= size && n < 32; off += 8, n++) {
		int64_t t;
		memcpy(&t, data + off, 8);
		memset(&s[n], 0, sizeof s[n]);
		/* Go's years 0..9999 */
		s[n].time.sec = BK_TIME_ZERO_SEC + (int64_t)((uint64_t)t % 315537897600ULL);
		s[n].time.off = (int32_t)(data[off] % 48) * 1800 - 43200;
		p.count[n % BK_KEEP_N] = (int8_t)data[off + 1];
	}
	bk_policy_describe(&p, out, sizeof out);
	bk_policy_apply(&p, s, n, 0, v);
	free(text);
	return 0;
}
