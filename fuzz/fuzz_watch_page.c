/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the status page's untrusted text (badge query parameters, incident Markdown) through the SVG badge builder and the Markdown renderer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/badge.h"
#include "proto/watch/markdown.h"

/*
 * The input is "LABEL\nMESSAGE\nCOLOR\nSTYLE\n" and then Markdown. Whatever
 * it holds, the output's tags are only the builder's own: a '<' from the
 * input never opens a tag, and no quote of it ends an attribute.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int tag_ok(const char *p, const char *const *tags)
{
	for (; *tags; tags++) {
		size_t n = strlen(*tags);
		if (!strncmp(p, *tags, n) &&
		    (p[n] == '>' || p[n] == ' ' || p[n] == '/'))
			return 1;
	}
	return 0;
}

static void check(const struct buf *o, const char *const *tags,
		  const char *what)
{
	for (const char *p = o->data; p && (p = strchr(p, '<')); p++)
		if (!tag_ok(p + 1, tags)) {
			fprintf(stderr, "fuzz_watch_page: %s made a tag of "
					"its input: %.40s\n", what, p);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const svg_tags[] = {
		"svg", "/svg", "title", "/title", "linearGradient",
		"/linearGradient", "stop", "clipPath", "/clipPath", "rect", "g",
		"/g", "text", "/text", NULL};
	static const char *const md_tags[] = {
		"p", "/p", "br", "em", "/em", "strong", "/strong", "code",
		"/code", "a", "/a", NULL};
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char *field[4] = {NULL, NULL, NULL, NULL}, *rest = text;
	for (int i = 0; i < 4 && rest; i++) {
		field[i] = rest;
		rest = strchr(rest, '\n');
		if (rest)
			*rest++ = '\0';
	}
	char color[16];
	struct watch_badge b = {
		.label = field[0], .message = field[1],
		.color = watch_badge_color(field[2], color, sizeof(color)),
		.label_color = NULL, .style = field[3]};
	struct buf o;
	buf_init(&o, 0);
	if (!watch_badge_svg(&o, &b))
		check(&o, svg_tags, "the badge");
	if (watch_badge_text_width(field[0], 0) < 0)
		abort();
	buf_deinit(&o);
	if (rest) {
		buf_init(&o, 0);
		size_t n = size - (size_t)(rest - text);
		if (!watch_markdown_html(&o, rest, n))
			check(&o, md_tags, "the Markdown");
		buf_deinit(&o);
	}
	free(text);
	return 0;
}
