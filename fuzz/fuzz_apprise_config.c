/* SPDX-License-Identifier: MIT */
/* libFuzzer target: input as an Apprise config (auto-detected TEXT or YAML), every URL in it parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/notify/apprise_config.h"
#include "proto/notify/apprise_tag.h"
#include "proto/notify/apprise_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a);
	struct apprise_config c;
	char err[200];
	int rc = apprise_config_parse((const char *)data, size, APPRISE_CONFIG_AUTO, &a, &c,
				      err, sizeof(err));
	if (rc == 0) {
		if (c.n > APPRISE_CONFIG_MAX_URLS)
			abort();
		for (size_t i = 0; i < c.n; i++) {
			char *u = apprise_config_url_text(&a, &c.urls[i]);
			struct apprise_target t;
			if (u)
				(void)apprise_target_parse(u, &a, &t, NULL);
		}
	} else if (rc == -22 && !err[0]) {
		abort(); /* a refusal always says why */
	}
	/* the same bytes as a tag expression */
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		struct apprise_tagexpr e;
		if (apprise_tag_parse(s, &a, &e) == 0 && e.nor > APPRISE_TAG_MAX)
			abort();
		free(s);
	}
	arena_deinit(&a);
	return 0;
}
