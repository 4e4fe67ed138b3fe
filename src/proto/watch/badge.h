/* SPDX-License-Identifier: MIT */
/* Shields-style SVG badges as Uptime Kuma draws them (badge-maker's flat, flat-square, plastic, for-the-badge, social): a pure builder. */
#ifndef HEARTH_PROTO_WATCH_BADGE_H
#define HEARTH_PROTO_WATCH_BADGE_H

#include <stddef.h>

#include "base/buf.h"

/* Kuma's badge colours (server/routers/api-router.js badgeConstants). */
#define WATCH_BADGE_NA "#999"
#define WATCH_BADGE_UP "#66c20a"
#define WATCH_BADGE_WARN "#eed202"
#define WATCH_BADGE_DOWN "#c2290a"
#define WATCH_BADGE_PENDING "#f8a306"
#define WATCH_BADGE_MAINTENANCE "#1747f5"
#define WATCH_BADGE_LABEL "#555" /* badge-maker's label colour */

/* One badge. Strings are borrowed for the call; UTF-8 (invalid bytes and
 * control characters are drawn as '?'). An empty or NULL label draws the
 * message alone, as badge-maker does. Colours are what
 * watch_badge_color made of the query (NULL: the default). */
struct watch_badge {
	const char *label;
	const char *message;
	const char *color;	 /* message side; NULL: #4c1 */
	const char *label_color; /* NULL: #555 */
	const char *style;	 /* flat (NULL, unknown), flat-square,
				  * plastic, for-the-badge, social */
};

/* Appends the SVG document of @b to @out; 0 or -ENOMEM. */
int watch_badge_svg(struct buf *out, const struct watch_badge *b);

/* The width in pixels of @text in Verdana 11 px (bold: for-the-badge's
 * 10 px bold caps are about the same), estimated per character. */
double watch_badge_text_width(const char *text, int bold);

/* A colour from a query value: #rgb..#rrggbbaa (the # optional) or one of
 * shields' names (brightgreen, green, yellow, ..., success, critical);
 * written to @out (8+ bytes) and returned, or NULL when it is none of
 * these. */
const char *watch_badge_color(const char *value, char *out, size_t n);

/* Kuma's colour for an uptime ratio 0..1: hsl(10 + 80 * ratio, 90 %,
 * 40 %) as "#rrggbb" in @out (8+ bytes). */
const char *watch_badge_uptime_color(double ratio, char *out, size_t n);

/* JavaScript's Number.prototype.toPrecision(@digits) for a finite @v
 * in 1e-6..1e21 (what Kuma's badges print): "99.87", "100.0". */
void watch_badge_precision(double v, int digits, char *out, size_t n);

#endif
