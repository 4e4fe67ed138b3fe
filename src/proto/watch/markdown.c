/* SPDX-License-Identifier: MIT */
/* The incident Markdown subset: inline spans found by their closing marks, nested a few levels, everything else escaped. */
#include "proto/watch/markdown.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 4

int watch_html_escape(struct buf *out, const char *s, size_t len)
{
	int rc = 0;
	size_t run = 0;
	for (size_t i = 0; i < len && !rc; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		case '\0': e = "\xef\xbf\xbd"; break;
		}
		if (!e)
			continue;
		rc = buf_append(out, s + run, i - run);
		if (!rc)
			rc = buf_puts(out, e);
		run = i + 1;
	}
	if (!rc)
		rc = buf_append(out, s + run, len - run);
	return rc ? -ENOMEM : 0;
}

/* The first @mark (@mlen bytes) in s[from, n) after a non-blank, or n. */
static size_t find_close(const char *s, size_t from, size_t n,
			 const char *mark, size_t mlen)
{
	for (size_t i = from + 1; i + mlen <= n; i++) {
		if (memcmp(s + i, mark, mlen) || isspace((unsigned char)s[i - 1]))
			continue;
		if (mlen == 2) { /* "***": the closing pair is the last two */
			while (i + 2 < n && s[i + 2] == mark[0])
				i++;
			return i;
		}
		/* a single mark is not part of a double one */
		if (mark[0] == '*' && ((i + 1 < n && s[i + 1] == '*') ||
				       s[i - 1] == '*'))
			continue;
		return i;
	}
	return n;
}

static int safe_url(const char *u, size_t n)
{
	static const char *const ok[] = {"http://", "https://", "mailto:", "/",
					 "#"};
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)u[i]) || u[i] == '<' || u[i] == '>' ||
		    u[i] == '"' || u[i] == '\'' || u[i] == '`' ||
		    (unsigned char)u[i] < 0x20)
			return 0;
	if (n >= 2 && u[0] == '/' && u[1] == '/') /* another host, scheme-less */
		return 0;
	for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		size_t l = strlen(ok[k]);
		if (n >= l && !strncasecmp(u, ok[k], l))
			return 1;
	}
	return 0;
}

static int inline_html(struct buf *o, const char *s, size_t n, int depth);

/* A span: <tag> inline(inner) </tag>. */
static int span(struct buf *o, const char *tag, const char *s, size_t n,
		int depth)
{
	int rc = buf_printf(o, "<%s>", tag);
	rc |= inline_html(o, s, n, depth + 1);
	rc |= buf_printf(o, "</%s>", tag);
	return rc;
}

static int inline_html(struct buf *o, const char *s, size_t n, int depth)
{
	size_t i = 0, run = 0;
	int rc = 0;
#define FLUSH() (rc |= watch_html_escape(o, s + run, i - run))
	while (i < n && !rc) {
		char c = s[i];
		size_t close;
		if (c == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
			FLUSH();
			rc |= watch_html_escape(o, s + i + 1, 1);
			i += 2;
			run = i;
			continue;
		}
		if (c == '`' && (close = find_close(s, i, n, "`", 1)) < n) {
			FLUSH();
			rc |= buf_puts(o, "<code>");
			rc |= watch_html_escape(o, s + i + 1, close - i - 1);
			rc |= buf_puts(o, "</code>");
			i = run = close + 1;
			continue;
		}
		if (depth < MAX_DEPTH && c == '*' && i + 2 < n && s[i + 1] == '*' &&
		    !isspace((unsigned char)s[i + 2]) &&
		    (close = find_close(s, i + 1, n, "**", 2)) < n) {
			FLUSH();
			rc |= span(o, "strong", s + i + 2, close - i - 2, depth);
			i = run = close + 2;
			continue;
		}
		if (depth < MAX_DEPTH && (c == '*' || c == '_') && i + 1 < n &&
		    !isspace((unsigned char)s[i + 1]) && s[i + 1] != c &&
		    (c == '*' || i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			char m[2] = {c, 0};
			close = find_close(s, i, n, m, 1);
			if (close < n && (c == '*' || close + 1 >= n ||
					  !isalnum((unsigned char)s[close + 1]))) {
				FLUSH();
				rc |= span(o, "em", s + i + 1, close - i - 1, depth);
				i = run = close + 1;
				continue;
			}
		}
		if (depth < MAX_DEPTH && c == '[') {
			const char *mid = memchr(s + i, ']', n - i);
			size_t t_end = mid ? (size_t)(mid - s) : n;
			if (t_end + 1 < n && s[t_end + 1] == '(') {
				const char *rp = memchr(s + t_end + 2, ')',
							n - t_end - 2);
				size_t u0 = t_end + 2,
				       u1 = rp ? (size_t)(rp - s) : n;
				if (rp && safe_url(s + u0, u1 - u0)) {
					FLUSH();
					rc |= buf_puts(o, "<a href=\"");
					rc |= watch_html_escape(o, s + u0, u1 - u0);
					rc |= buf_puts(o, "\" rel=\"nofollow noopener\">");
					rc |= inline_html(o, s + i + 1, t_end - i - 1,
							  depth + 1);
					rc |= buf_puts(o, "</a>");
					i = run = u1 + 1;
					continue;
				}
			}
		}
		if (c == '\n') {
			FLUSH();
			rc |= buf_puts(o, "<br>");
			i = run = i + 1;
			continue;
		}
		i++;
	}
	FLUSH();
#undef FLUSH
	return rc;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Emits text[p0, p1) as one paragraph, without its trailing blanks. */
static int paragraph(struct buf *out, const char *text, size_t p0, size_t p1)
{
	while (p1 > p0 && isspace((unsigned char)text[p1 - 1]))
		p1--;
	int rc = buf_puts(out, "<p>");
	rc |= inline_html(out, text + p0, p1 - p0, 0);
	rc |= buf_puts(out, "</p>");
	return rc;
}

int watch_markdown_html(struct buf *out, const char *text, size_t len)
{
	size_t i = 0, p0 = 0;
	int in_par = 0, rc = 0;
	while (i < len && !rc) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - text) : len;
		if (blank(text + i, eol - i)) {
			if (in_par)
				rc |= paragraph(out, text, p0, i);
			in_par = 0;
		} else if (!in_par) {
			in_par = 1;
			p0 = i;
		}
		i = eol + 1;
	}
	if (in_par && !rc)
		rc |= paragraph(out, text, p0, len);
	return rc ? -ENOMEM : 0;
}
