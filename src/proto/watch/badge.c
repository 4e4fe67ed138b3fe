/* SPDX-License-Identifier: MIT */
/* Shields-style SVG badges (the five styles of badge-maker that Kuma passes through), text widths estimated from Verdana's advances. */
#include "proto/watch/badge.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Verdana's advance widths in 1/2048 em for ' ' .. '~'. */
static const unsigned short verdana[95] = {
	720,  822,  940,  1716, 1303, 2222, 1493, 550,	930,  930,  1303, 1716,
	745,  930,  745,  1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303,
	1303, 1303, 930,  930,	1716, 1716, 1716, 1110, 2048, 1401, 1405, 1430,
	1577, 1294, 1178, 1587, 1540, 862,  941,  1422, 1142, 1726, 1532, 1612,
	1234, 1612, 1425, 1403, 1250, 1499, 1401, 2026, 1403, 1250, 1404, 930,
	1303, 930,  1716, 1303, 1303, 1226, 1276, 1065, 1276, 1216, 720,  1276,
	1296, 562,  705,  1198, 562,  1992, 1296, 1243, 1276, 1276, 874,  1063,
	807,  1296, 1198, 1665, 1198, 1198, 1051, 1300, 930,  1300, 1716,
};

/* The next code point of @*s (advanced), or '?' for an invalid byte, a
 * control character or an overlong/surrogate sequence. */
static long next_cp(const unsigned char **s, int *len)
{
	const unsigned char *p = *s;
	long cp;
	int n;
	if (p[0] < 0x80) {
		*s = p + 1;
		*len = 1;
		return p[0] < 0x20 || p[0] == 0x7f ? '?' : p[0];
	}
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07;
	else
		goto bad;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000) ||
	    cp == 0xfffe || cp == 0xffff || (cp >= 0x80 && cp < 0xa0))
		goto bad;
	*s = p + n;
	*len = n;
	return cp;
bad:
	*s = p + 1;
	*len = 1;
	return '?';
}

double watch_badge_text_width(const char *text, int bold)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	double units = 0;
	while (*s) {
		int len;
		long cp = next_cp(&s, &len);
		if (cp >= 32 && cp < 127)
			units += verdana[cp - 32];
		else /* wide scripts and emoji take an em, the rest a digit */
			units += cp >= 0x1100 ? 2048 : 1303;
	}
	return units * 11.0 / 2048.0 * (bold ? 1.05 : 1.0);
}

/* @s escaped for XML text and attributes; ASCII upper-cased if @upper. */
static int put_text(struct buf *out, const char *text, int upper)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	int rc = 0;
	while (*s && !rc) {
		const unsigned char *start = s;
		int len;
		long cp = next_cp(&s, &len);
		switch (cp) {
		case '&': rc = buf_puts(out, "&amp;"); break;
		case '<': rc = buf_puts(out, "&lt;"); break;
		case '>': rc = buf_puts(out, "&gt;"); break;
		case '"': rc = buf_puts(out, "&quot;"); break;
		case '\'': rc = buf_puts(out, "&#39;"); break;
		default:
			if (cp < 128) {
				char c = (char)(upper ? toupper((int)cp) : cp);
				rc = buf_append(out, &c, 1);
			} else if (cp == '?' && len == 1) {
				rc = buf_append(out, "?", 1);
			} else {
				rc = buf_append(out, start, (size_t)len);
			}
		}
	}
	return rc;
}

static const struct {
	const char *name, *hex;
} named[] = {
	{"brightgreen", "#4c1"}, {"success", "#4c1"}, {"green", "#97ca00"},
	{"yellowgreen", "#a4a61d"}, {"yellow", "#dfb317"},
	{"orange", "#fe7d37"}, {"important", "#fe7d37"}, {"red", "#e05d44"},
	{"critical", "#e05d44"}, {"blue", "#007ec6"},
	{"informational", "#007ec6"}, {"grey", "#555"}, {"gray", "#555"},
	{"lightgrey", "#9f9f9f"}, {"lightgray", "#9f9f9f"},
	{"inactive", "#9f9f9f"},
};

const char *watch_badge_color(const char *v, char *out, size_t n)
{
	if (!v || !*v || n < 10)
		return NULL;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcasecmp(v, named[i].name)) {
			snprintf(out, n, "%s", named[i].hex);
			return out;
		}
	const char *h = *v == '#' ? v + 1 : v;
	size_t len = strlen(h);
	if ((len != 3 && len != 4 && len != 6 && len != 8) ||
	    strspn(h, "0123456789abcdefABCDEF") != len)
		return NULL;
	snprintf(out, n, "#%s", h);
	return out;
}

const char *watch_badge_uptime_color(double ratio, char *out, size_t n)
{
	if (!(ratio >= 0))
		ratio = 0;
	if (ratio > 1)
		ratio = 1;
	double h = 10 + 80 * ratio, s = 0.9, l = 0.4;
	double c = (1 - fabs(2 * l - 1)) * s;
	double x = c * (1 - fabs(fmod(h / 60, 2) - 1)), m = l - c / 2;
	double r = h < 60 ? c : x, g = h < 60 ? x : c, b = 0;
	snprintf(out, n, "#%02x%02x%02x", (int)lround((r + m) * 255),
		 (int)lround((g + m) * 255), (int)lround((b + m) * 255));
	return out;
}

void watch_badge_precision(double v, int digits, char *out, size_t n)
{
	if (digits < 1 || digits > 20)
		digits = 4;
	if (v == 0) {
		snprintf(out, n, "%.*f", digits - 1, 0.0);
		return;
	}
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, v);
	int e = atoi(strchr(tmp, 'e') + 1); /* after rounding */
	if (e < -6 || e >= digits) {	    /* JavaScript's exponent form */
		char *ep = strchr(tmp, 'e');
		*ep = 0;
		snprintf(out, n, "%se%c%d", tmp, e < 0 ? '-' : '+', abs(e));
		return;
	}
	int dec = digits - 1 - e;
	snprintf(out, n, "%.*f", dec < 0 ? 0 : dec > 30 ? 30 : dec, v);
}

/* 0..1 brightness of "#rgb" / "#rrggbb[aa]" (0.5 when unreadable). */
static double brightness(const char *c)
{
	unsigned v[3];
	size_t len = strlen(c + 1);
	if (len == 3 || len == 4) {
		for (int i = 0; i < 3; i++) {
			char d[2] = {c[1 + i], 0};
			v[i] = (unsigned)strtoul(d, NULL, 16) * 17;
		}
	} else if (len == 6 || len == 8) {
		for (int i = 0; i < 3; i++) {
			char d[3] = {c[1 + 2 * i], c[2 + 2 * i], 0};
			v[i] = (unsigned)strtoul(d, NULL, 16);
		}
	} else {
		return 0.5;
	}
	return (0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2]) / 255;
}

/* The text of one side, centred at @x: white, or dark on a light colour. */
static int side_text(struct buf *o, const char *text, double x, int y,
		     const char *bg, int upper)
{
	int rc = buf_printf(o, "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">", x, y,
			    brightness(bg) > 0.69 ? "#333" : "#fff");
	rc |= put_text(o, text, upper);
	rc |= buf_puts(o, "</text>");
	return rc;
}

int watch_badge_svg(struct buf *o, const struct watch_badge *b)
{
	const char *style = b->style ? b->style : "flat";
	const char *label = b->label && *b->label ? b->label : NULL;
	const char *msg = b->message ? b->message : "";
	const char *color = b->color ? b->color : "#4c1";
	const char *lcolor = b->label_color ? b->label_color : WATCH_BADGE_LABEL;
	int square = !strcmp(style, "flat-square"),
	    plastic = !strcmp(style, "plastic"),
	    big = !strcmp(style, "for-the-badge"),
	    social = !strcmp(style, "social");
	int h = big ? 28 : plastic ? 18 : 20;
	int rx = square || big ? 0 : plastic ? 4 : social ? 2 : 3;
	int pad = big ? 24 : 10, ty = big ? 18 : plastic ? 13 : 14;
	double spacing = big ? 1.25 : 0;
	int lw = label ? (int)lround(watch_badge_text_width(label, big || social) +
				      spacing * (double)strlen(label)) + pad
		       : 0;
	int mw = (int)lround(watch_badge_text_width(msg, big) +
			     spacing * (double)strlen(msg)) + pad;
	int gap = social && label ? 6 : 0;
	int w = lw + gap + mw;
	int rc = 0;

	rc |= buf_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
			    "width=\"%d\" height=\"%d\" role=\"img\" "
			    "aria-label=\"", w, h);
	if (label) {
		rc |= put_text(o, label, 0);
		rc |= buf_puts(o, ": ");
	}
	rc |= put_text(o, msg, 0);
	rc |= buf_puts(o, "\"><title>");
	if (label) {
		rc |= put_text(o, label, 0);
		rc |= buf_puts(o, ": ");
	}
	rc |= put_text(o, msg, 0);
	rc |= buf_puts(o, "</title>");
	if (social) {
		/* Two light boxes with a border, the label bold. */
		rc |= buf_printf(o, "<g stroke=\"#d5d5d5\">");
		if (label)
			rc |= buf_printf(o, "<rect x=\".5\" y=\".5\" width=\"%d\" "
					    "height=\"19\" rx=\"2\" fill=\"#fcfcfc\"/>",
					 lw - 1);
		rc |= buf_printf(o, "<rect x=\"%d.5\" y=\".5\" width=\"%d\" "
				    "height=\"19\" rx=\"2\" fill=\"#fafafa\"/></g>"
				    "<g text-anchor=\"middle\" font-family=\"Helvetica "
				    "Neue,Helvetica,Arial,sans-serif\" font-size=\"11\">",
				 lw + gap, mw - 1);
		if (label) {
			rc |= buf_printf(o, "<text x=\"%.1f\" y=\"14\" "
					    "fill=\"#333\" font-weight=\"700\">",
					 lw / 2.0);
			rc |= put_text(o, label, 0);
			rc |= buf_puts(o, "</text>");
		}
		rc |= buf_printf(o, "<text x=\"%.1f\" y=\"14\" fill=\"#333\">",
				 lw + gap + mw / 2.0);
		rc |= put_text(o, msg, 0);
		rc |= buf_puts(o, "</text></g></svg>");
		return rc ? -ENOMEM : 0;
	}
	if (!square && !big) {
		if (plastic)
			rc |= buf_puts(o, "<linearGradient id=\"s\" x2=\"0\" "
					  "y2=\"100%\"><stop offset=\"0\" "
					  "stop-color=\"#fff\" stop-opacity=\".7\"/>"
					  "<stop offset=\".1\" stop-color=\"#aaa\" "
					  "stop-opacity=\".1\"/><stop offset=\".9\" "
					  "stop-opacity=\".3\"/><stop offset=\"1\" "
					  "stop-opacity=\".5\"/></linearGradient>");
		else
			rc |= buf_puts(o, "<linearGradient id=\"s\" x2=\"0\" "
					  "y2=\"100%\"><stop offset=\"0\" "
					  "stop-color=\"#bbb\" stop-opacity=\".1\"/>"
					  "<stop offset=\"1\" stop-opacity=\".1\"/>"
					  "</linearGradient>");
	}
	rc |= buf_printf(o, "<clipPath id=\"r\"><rect width=\"%d\" height=\"%d\" "
			    "rx=\"%d\" fill=\"#fff\"/></clipPath>"
			    "<g clip-path=\"url(#r)\">", w, h, rx);
	if (label)
		rc |= buf_printf(o, "<rect width=\"%d\" height=\"%d\" "
				    "fill=\"%s\"/>", lw, h, lcolor);
	rc |= buf_printf(o, "<rect x=\"%d\" width=\"%d\" height=\"%d\" "
			    "fill=\"%s\"/>", lw, mw, h, color);
	if (!square && !big)
		rc |= buf_printf(o, "<rect width=\"%d\" height=\"%d\" "
				    "fill=\"url(#s)\"/>", w, h);
	rc |= buf_printf(o, "</g><g text-anchor=\"middle\" font-family=\""
			    "Verdana,Geneva,DejaVu Sans,sans-serif\" "
			    "text-rendering=\"geometricPrecision\" "
			    "font-size=\"%d\"%s>", big ? 10 : 11,
			 big ? " font-weight=\"bold\" letter-spacing=\"1.25\""
			     : "");
	if (label)
		rc |= side_text(o, label, lw / 2.0, ty, lcolor, big);
	rc |= side_text(o, msg, lw + mw / 2.0, ty, color, big);
	rc |= buf_puts(o, "</g></svg>");
	return rc ? -ENOMEM : 0;
}
