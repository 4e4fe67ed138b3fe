/* SPDX-License-Identifier: MIT */
/* ntfy topic names: the allowed shape and the reserved names. */
#include "proto/notify/ntfy_topic.h"

#include <string.h>

bool ntfy_topic_valid(const char *s, size_t len)
{
	if (len == 0 || len > NTFY_TOPIC_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

bool ntfy_topic_reserved(const char *s, size_t len)
{
	static const char *const names[] = {
		"docs", "static", "file", "app", "metrics", "account",
		"settings", "signup", "login", "v1",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return true;
	return false;
}
