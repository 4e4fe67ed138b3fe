/* SPDX-License-Identifier: MIT */
/* libFuzzer target: input as an Apprise URL, parsed per scheme and built into requests for a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/notify/apprise_matrix.h"
#include "proto/notify/apprise_target.h"

/*
 * Whatever the URL, parsing and building must end in 0 or a clean error;
 * a built request never carries CR or LF in a header (the URL's
 * +Header=value options come from users) and has a method and URL.
 * The input's first line is the URL; what follows is fed to Matrix server
 * mode as every answer, which must end the conversation in bounded steps.
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
	char *answer = strchr(s, '\n');
	if (answer)
		*answer++ = '\0';
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
		/* and once more with a file, which some schemes send too */
		static const struct apprise_attach f = {.name = "a b.png", .mimetype = "image/png",
							.data = "\x89PNG\r\n--", .len = 8};
		struct apprise_msg mf = m;
		mf.attach = &f;
		mf.nattach = 1;
		struct apprise_request *rf = NULL;
		size_t nf = 0;
		if (apprise_build(&t, &mf, NULL, &a, &rf, &nf, &why) == 0)
			for (size_t i = 0; i < nf; i++)
				for (size_t h = 0; h < rf[i].nheaders; h++)
					if (strpbrk(rf[i].headers[h], "\r\n"))
						abort();
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
		if (t.scheme == APPRISE_MATRIX && t.mode == 0) {
			struct apprise_matrix st = {0};
			struct apprise_request mr;
			const char *body = answer ? answer : "";
			int steps = 0, rc2;
			while ((rc2 = apprise_matrix_step(&st, &t, &m, steps ? 200 : 0, body,
							  strlen(body), &a, &mr)) == 1)
				if (++steps > 2 * APPRISE_MAX_TARGETS + 8 || !mr.url)
					abort();
			if (rc2 < 0 && rc2 != -12)
				abort();
		}
	} else if (!why) {
		abort();
	}
	arena_deinit(&a);
	free(s);
	return 0;
}
