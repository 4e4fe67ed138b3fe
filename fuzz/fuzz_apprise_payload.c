/* SPDX-License-Identifier: MIT */
/* libFuzzer target: input as an Apprise API notify body (multipart parts, attachment fields) and as a markdown body for HTML and Discord targets. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/notify/apprise_attach.h"
#include "proto/notify/apprise_target.h"

/*
 * The input is split at its first NUL-free line: the first line is a
 * Content-Type (its boundary), the rest the multipart body. Parsing ends in
 * 0 or a clean error with a reason; parts never reach past the input and
 * file parts become bounded attachments. The whole input is also a JSON
 * attachment field and a markdown body: converted to HTML (no raw "<"
 * of the input's may survive outside the tags the converter writes) and
 * built into Discord's embeds with fields.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_html(const char *h)
{
	/* every "<" opens one of the converter's own tags */
	static const char *const tags[] = {"<p>", "</p>", "<h", "</h", "<ul>", "</ul>", "<ol>", "</ol>",
					   "<li>", "</li>", "<pre>", "</pre>", "<code>",
					   "</code>", "<blockquote>", "</blockquote>", "<hr />",
					   "<br />", "<em>", "</em>", "<strong>", "</strong>",
					   "<a href=\"", "</a>", "<img alt=\""};
	for (const char *p = h; (p = strchr(p, '<')); p++) {
		bool ok = false;
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]) && !ok; i++)
			ok = !strncmp(p, tags[i], strlen(tags[i]));
		if (!ok)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct arena a;
	arena_init(&a);
	const char *nl = memchr(s, '\n', size);
	char *ct = arena_strndup(&a, s, nl ? (size_t)(nl - s) : size);
	const char *body = nl ? nl + 1 : s + size;
	size_t blen = size - (size_t)(body - s);
	struct apprise_part *parts;
	size_t n;
	const char *why = NULL;
	int rc = apprise_multipart_parse(ct, body, blen, &a, &parts, &n, &why);
	if (rc == 0) {
		if (n > APPRISE_MAX_PARTS)
			abort();
		struct apprise_attach_ref refs[APPRISE_MAX_ATTACH];
		size_t nr = 0;
		for (size_t i = 0; i < n; i++) {
			if (parts[i].len > blen || !parts[i].name)
				abort();
			if (parts[i].filename &&
			    apprise_attach_part(&parts[i], &a, refs, &nr, &why) == 0 &&
			    strpbrk(refs[nr - 1].a.name, "\"\r\n/"))
				abort();
		}
	} else if (rc != -12 && !why) {
		abort();
	}
	/* the input as a JSON attachment field */
	json_t *j = json_loadb(s, size, JSON_DECODE_ANY, NULL);
	if (j) {
		struct apprise_attach_ref refs[APPRISE_MAX_ATTACH];
		size_t nr = 0;
		why = NULL;
		rc = apprise_attach_refs(j, &a, refs, &nr, &why);
		if ((rc && rc != -12 && !why) || nr > APPRISE_MAX_ATTACH)
			abort();
		json_decref(j);
	}
	/* the input as a markdown body */
	if (!memchr(data, '\0', size)) {
		char *h = apprise_convert(&a, s, APPRISE_MARKDOWN, APPRISE_HTML);
		if (h)
			check_html(h);
		struct apprise_target t;
		if (apprise_target_parse("discord://1/t?format=markdown&footer=yes", &a, &t, &why))
			abort();
		struct apprise_msg m = {.title = "t", .body = s, .format = APPRISE_MARKDOWN};
		struct apprise_request *r;
		size_t nreq;
		if (apprise_build(&t, &m, NULL, &a, &r, &nreq, &why) == 0)
			for (size_t i = 0; i < nreq; i++) {
				json_t *x = r[i].body ? json_loadb(r[i].body, r[i].body_len, 0, NULL) : NULL;
				if (!x)
					abort();
				json_decref(x);
			}
	}
	arena_deinit(&a);
	free(s);
	return 0;
}
