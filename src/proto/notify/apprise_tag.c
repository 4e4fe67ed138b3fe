/* SPDX-License-Identifier: MIT */
/* Apprise's tag logic: parsing the API's tag expressions and is_exclusive_match(). */
#include "proto/notify/apprise_tag.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

static int add_or(struct arena *a, struct apprise_tagexpr *e, size_t *cap)
{
	if (e->nor == *cap) {
		size_t c = *cap ? 2 * *cap : 4;
		struct apprise_tag_and *g = arena_alloc(a, c * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (e->nor)
			memcpy(g, e->ors, e->nor * sizeof(*g));
		e->ors = g;
		*cap = c;
	}
	memset(&e->ors[e->nor++], 0, sizeof(e->ors[0]));
	return 0;
}

static int add_name(struct arena *a, struct apprise_tag_and *t, const char *s,
		    size_t n, size_t *total)
{
	if (++*total > APPRISE_TAG_MAX)
		return -EINVAL;
	char *name = arena_strndup(a, s, n);
	if (!name)
		return -ENOMEM;
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->names[i], name))
			return 0;
	if (t->n % 8 == 0) {
		char **g = arena_alloc(a, (t->n + 8) * sizeof(*g));
		if (!g)
			return -ENOMEM;
		if (t->n)
			memcpy(g, t->names, t->n * sizeof(*g));
		t->names = g;
	}
	t->names[t->n++] = name;
	return 0;
}

/* Adds the alternatives of string @s (top-level ORs) to @e; with
 * @one_and every name of @s joins the single AND group @into. */
static int parse_str(const char *s, struct arena *a, struct apprise_tagexpr *e,
		     size_t *cap, size_t *total, struct apprise_tag_and *into)
{
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(" \t|,_:+&-", *c))
			return -EINVAL;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ",|");
		struct apprise_tag_and *grp = into;
		size_t before = e->nor;
		for (size_t i = 0; i < n;) {
			while (i < n && strchr(" \t&+", p[i]))
				i++;
			size_t b = i;
			while (i < n && !strchr(" \t&+", p[i]))
				i++;
			if (i == b)
				continue;
			if (!grp) {
				int rc = add_or(a, e, cap);
				if (rc)
					return rc;
				grp = &e->ors[e->nor - 1];
			}
			int rc = add_name(a, grp, p + b, i - b, total);
			if (rc)
				return rc;
		}
		(void)before;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

int apprise_tag_parse(const char *s, struct arena *a, struct apprise_tagexpr *out)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0, total = 0;
	return s ? parse_str(s, a, out, &cap, &total, NULL) : 0;
}

int apprise_tag_parse_json(const json_t *j, struct arena *a,
			   struct apprise_tagexpr *out)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0, total = 0;
	if (!j || json_is_null(j))
		return 0;
	if (json_is_string(j))
		return parse_str(json_string_value(j), a, out, &cap, &total, NULL);
	if (!json_is_array(j))
		return -EINVAL;
	size_t i;
	const json_t *v;
	json_array_foreach(j, i, v) {
		if (json_is_string(v)) {
			int rc = parse_str(json_string_value(v), a, out, &cap, &total, NULL);
			if (rc)
				return rc;
			continue;
		}
		if (!json_is_array(v))
			return -EINVAL;
		int rc = add_or(a, out, &cap);
		if (rc)
			return rc;
		size_t grp = out->nor - 1;
		size_t k;
		const json_t *w;
		json_array_foreach(v, k, w) {
			if (!json_is_string(w))
				return -EINVAL;
			/* inside an AND list, every name joins the group */
			struct apprise_tagexpr tmp = {0};
			size_t tcap = 0;
			rc = parse_str(json_string_value(w), a, &tmp, &tcap, &total, NULL);
			if (rc)
				return rc;
			for (size_t o = 0; o < tmp.nor; o++)
				for (size_t m = 0; m < tmp.ors[o].n; m++) {
					const char *nm = tmp.ors[o].names[m];
					rc = add_name(a, &out->ors[grp], nm, strlen(nm), &total);
					if (rc)
						return rc;
				}
		}
		if (!out->ors[grp].n)
			out->nor--;
	}
	return 0;
}

static bool has(char *const *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(tags[i], name))
			return true;
	return false;
}

bool apprise_tag_match(const struct apprise_tagexpr *e, char *const *tags,
		       size_t ntags)
{
	if (has(tags, ntags, "always"))
		return true;
	if (!e || !e->nor)
		return ntags == 0;
	for (size_t o = 0; o < e->nor; o++) {
		bool all = true;
		for (size_t i = 0; i < e->ors[o].n && all; i++)
			all = !strcmp(e->ors[o].names[i], "all") ||
			      has(tags, ntags, e->ors[o].names[i]);
		if (all && e->ors[o].n)
			return true;
	}
	return false;
}
