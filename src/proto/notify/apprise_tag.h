/* SPDX-License-Identifier: MIT */
/* Apprise tag expressions ("a, b" = a OR b, "a b" = a AND b, JSON [["a","b"],"c"]) and matching them to URL tags. */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_TAG_H
#define HEARTH_PROTO_NOTIFY_APPRISE_TAG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "base/arena.h"

/*
 * An expression is an OR of ANDs of tag names (lowercased). No
 * expression (nor == 0) selects only URLs without tags and URLs tagged
 * "always"; the name "all" is met by every URL. Arena-owned; pure.
 */
struct apprise_tag_and {
	char **names;
	size_t n;
};

struct apprise_tagexpr {
	struct apprise_tag_and *ors;
	size_t nor;
};

#define APPRISE_TAG_MAX 64 /* names in one expression */

/* Apprise API's string form: ',' and '|' separate alternatives; blanks,
 * '&' and '+' join the names of one. Only [a-z0-9 |,_:+&-] are allowed
 * (-EINVAL otherwise, as the server answers 400). NULL/"" gives none. */
int apprise_tag_parse(const char *s, struct arena *a, struct apprise_tagexpr *out);

/* The JSON form: a string (as above), or a list whose items OR and whose
 * nested lists AND. -EINVAL for other shapes. */
int apprise_tag_parse_json(const json_t *j, struct arena *a,
			   struct apprise_tagexpr *out);

/* Whether a URL with @tags (lowercase) is selected by @e. */
bool apprise_tag_match(const struct apprise_tagexpr *e, char *const *tags,
		       size_t ntags);

#endif
