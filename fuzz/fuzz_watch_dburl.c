/* SPDX-License-Identifier: MIT */
/* libFuzzer target: database connection strings (mysql://, redis[s]://) read into their parts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/dburl.h"

/*
 * Whatever the parser accepts has a host, a port in range and parts
 * that are NUL-terminated inside the caller's buffer; a refusal says
 * why.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *part, const char *buf, size_t cap)
{
	if (!part)
		return;
	if (part < buf || part >= buf + cap ||
	    !memchr(part, '\0', cap - (size_t)(part - buf))) {
		fprintf(stderr, "fuzz_watch_dburl: a part outside the buffer\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size_t cap = strlen(text) + 5;
	char *buf = malloc(cap);
	struct watch_dburl u;
	char why[64] = "";
	if (buf && watch_dburl_parse(text, &u, buf, cap, why, sizeof(why)) == 0) {
		if (!u.host || !*u.host || u.port < 0 || u.port > 65535) {
			fprintf(stderr, "fuzz_watch_dburl: bad host or port\n");
			abort();
		}
		const char *parts[] = {u.user, u.password, u.host, u.path, u.query};
		for (size_t i = 0; i < 5; i++)
			inside(parts[i], buf, cap);
	} else if (buf && !why[0]) {
		fprintf(stderr, "fuzz_watch_dburl: refusal without a reason\n");
		abort();
	}
	free(buf);
	free(text);
	return 0;
}
