/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a cron expression (first line) parsed, then matched and windowed at an instant and duration taken from the rest. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/cron.h"

/*
 * The input is "EXPR\nNOW DURATION". A refusal must say why; whatever
 * is accepted must match some minute within eight years (every field
 * non-empty) and yield windows that started before now and are open
 * now, in a zone with a DST-like change every 97 days.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t zone(void *ud, int64_t t)
{
	(void)ud;
	return (t / (97 * 86400)) % 2 ? 7200 : 3600;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *rest = strchr(text, '\n');
	if (rest)
		*rest++ = '\0';
	struct watch_cron c;
	char why[160] = "";
	if (watch_cron_parse(text, &c, why, sizeof(why))) {
		if (!why[0]) {
			fprintf(stderr, "fuzz_watch_cron: refusal without a reason\n");
			abort();
		}
		free(text);
		return 0;
	}
	long long now = 1796205600, dur = 3600;
	if (rest)
		sscanf(rest, "%lld %lld", &now, &dur);
	if (now < 0 || now > 4102444800LL)
		now = 1796205600;
	if (dur < 0 || dur > 366LL * 86400)
		dur = 3600;
	int64_t s = watch_cron_window(&c, dur, now, zone, NULL);
	if (s != -1 && (s > now || now >= s + dur)) {
		fprintf(stderr, "fuzz_watch_cron: a window not open now\n");
		abort();
	}
	free(text);
	return 0;
}
