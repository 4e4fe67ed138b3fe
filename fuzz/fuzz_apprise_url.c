/* SPDX-License-Identifier: MIT */
/* libFuzzer target: input as an Apprise URL, parsed per scheme and built into requests for a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/notify/apprise_target.h"

/*
 * Whatever the URL, parsing and building must end in 0 or a clean error;
 * a built request never carries CR or LF in a header (the URL's
 * +Header=value options come from users) and has a method and URL.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > APPRISE_URL_MAX + 64)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct arena a;
	arena_init(&a);
	struct apprise_target t;
	const char *why = NULL;
	if (apprise_target_parse(s, &a, &t, &why) == 0) {
		static const struct apprise_msg m = {
			.title = "T\r\nX-Evil: 1", .body = "b <i>&</i>\n", .type = APPRISE_FAILURE,
			.format = APPRISE_HTML, .now = 1e9};
		struct apprise_request *r = NULL;
		size_t n = 0;
		if (apprise_build(&t, &m, NULL, &a, &r, &n, &why) == 0) {
			for (size_t i = 0; i < n; i++) {
				if (!r[i].url)
					abort();
				for (size_t h = 0; h < r[i].nheaders; h++)
					if (strpbrk(r[i].headers[h], "\r\n"))
						abort();
			}
		} else if (!why) {
			abort();
		}
	} else if (!why) {
		abort();
	}
	arena_deinit(&a);
	free(s);
	return 0;
}
