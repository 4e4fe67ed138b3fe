/* SPDX-License-Identifier: MIT */
/* Apprise configuration files in TEXT ("[tags=]url" lines) and YAML (urls: with per-URL tag: and options) form. */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_CONFIG_H
#define HEARTH_PROTO_NOTIFY_APPRISE_CONFIG_H

#include <stddef.h>

#include "base/arena.h"
#include "proto/notify/apprise_url.h"

/*
 * What Apprise's ConfigBase.config_parse_text/_yaml read, bounded: at
 * most APPRISE_CONFIG_MAX_BYTES of text and APPRISE_CONFIG_MAX_URLS
 * entries. URLs are kept as text (the caller parses each with
 * apprise_target_parse and skips the ones Apprise would skip). `include`
 * lines are counted, never followed. Arena-owned; pure.
 */

enum apprise_config_format {
	APPRISE_CONFIG_AUTO,
	APPRISE_CONFIG_TEXT,
	APPRISE_CONFIG_YAML,
};

#define APPRISE_CONFIG_MAX_BYTES (512 * 1024)
#define APPRISE_CONFIG_MAX_URLS 256

struct apprise_config_url {
	const char *url;
	char **tags; /* lowercased, sorted, unique */
	size_t ntags;
	/* YAML: the entry's options (tag excluded), appended to the URL's
	 * query by apprise_config_url_text() */
	struct apprise_kv *opts;
	size_t nopts;
	int line;
};

struct apprise_config {
	enum apprise_config_format format; /* TEXT or YAML once parsed */
	struct apprise_config_url *urls;
	size_t n;
	size_t includes; /* include lines seen (not followed) */
};

/* Apprise's detect_config_format: TEXT, YAML, or AUTO when undetectable. */
enum apprise_config_format apprise_config_detect(const char *text, size_t len);

/*
 * Parses @len bytes in @fmt (AUTO: detect). Returns 0, -EINVAL (@err:
 * "line N: why"), -E2BIG (too large / too many URLs) or -ENOMEM.
 */
int apprise_config_parse(const char *text, size_t len,
			 enum apprise_config_format fmt, struct arena *a,
			 struct apprise_config *out, char *err, size_t errlen);

/* The entry's URL with its YAML options added as query arguments. */
char *apprise_config_url_text(struct arena *a, const struct apprise_config_url *u);

#endif
