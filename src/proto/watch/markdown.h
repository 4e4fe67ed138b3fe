/* SPDX-License-Identifier: MIT */
/* A tiny, safe Markdown subset for status-page incidents: paragraphs, *emphasis*, **strong**, `code`, [links](https://...); everything else escaped. */
#ifndef HEARTH_PROTO_WATCH_MARKDOWN_H
#define HEARTH_PROTO_WATCH_MARKDOWN_H

#include <stddef.h>

#include "base/buf.h"

/* Appends @text (@len bytes) as HTML to @out: blank lines separate <p>
 * paragraphs, single newlines become <br>; links only to http:, https:,
 * mailto:, / or #, with rel="nofollow noopener"; every other character
 * of the text is escaped (&<>"'), so no markup of the author's passes.
 * 0 or -ENOMEM. Pure; any thread. */
int watch_markdown_html(struct buf *out, const char *text, size_t len);

/* Appends @s (@len bytes) escaped for HTML text or a quoted attribute. */
int watch_html_escape(struct buf *out, const char *s, size_t len);

#endif
