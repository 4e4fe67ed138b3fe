/* SPDX-License-Identifier: MIT */
/* Markdown to HTML for targets that want HTML (Apprise's markdown_to_html), a safe subset: everything else is escaped. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "proto/notify/apprise_build_priv.h"

/*
 * Apprise hands markdown to Python-Markdown (no extensions). This writes
 * what it writes for the common constructs: ATX and setext headings,
 * paragraphs (lines joined by "\n", two trailing spaces a <br />),
 * "* - +" and "1." lists, "> " quotes, indented code, rules, `code`
 * (``` spans too: no fenced blocks without its extension), **strong**,
 * *em*, links, images and <autolinks>.
 * Unlike Python-Markdown, raw HTML is not passed through: every other
 * "<", ">", "&" and quote is escaped, and a link or image keeps its URL
 * only for http(s), mailto and relative URLs, so the result is safe to
 * put in an HTML mail. Blocks are joined with "\n" as Python-Markdown
 * joins them. Nesting (quotes, emphasis) is bounded.
 */

#define MD_DEPTH 8

static void esc(struct buf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': buf_puts(o, "&amp;"); break;
		case '<': buf_puts(o, "&lt;"); break;
		case '>': buf_puts(o, "&gt;"); break;
		case '"': buf_puts(o, "&quot;"); break;
		default: buf_append(o, s + i, 1);
		}
	}
}

/* A URL a link may keep: http(s), mailto, or relative (no scheme). */
static bool safe_url(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return false;
	if ((n >= 7 && !strncasecmp(s, "http://", 7)) || (n >= 8 && !strncasecmp(s, "https://", 8)) ||
	    (n >= 7 && !strncasecmp(s, "mailto:", 7)))
		return n > 7;
	size_t k = 0;
	while (k < n && s[k] != ':' && s[k] != '/' && s[k] != '?' && s[k] != '#')
		k++;
	return k == n || s[k] != ':';
}

static void inl(struct buf *o, const char *s, size_t n, int depth);

/* [text](url "title") at s[0] == '['; returns the bytes used or 0. */
static size_t link(struct buf *o, const char *s, size_t n, bool image, int depth)
{
	size_t i = 1;
	int nest = 1;
	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '[')
			nest++;
		else if (s[i] == ']' && --nest == 0)
			break;
	}
	if (i >= n || i + 1 >= n || s[i + 1] != '(')
		return 0;
	size_t te = i, u = i + 2;
	while (u < n && s[u] == ' ')
		u++;
	size_t ue = u;
	while (ue < n && s[ue] != ' ' && s[ue] != ')')
		ue++;
	size_t p = ue, ts = 0, tl = 0;
	while (p < n && s[p] == ' ')
		p++;
	if (p < n && (s[p] == '"' || s[p] == '\'')) {
		char qc = s[p];
		const char *q = memchr(s + p + 1, qc, n - p - 1);
		if (!q)
			return 0;
		ts = p + 1;
		tl = (size_t)(q - s) - ts;
		p = (size_t)(q - s) + 1;
		while (p < n && s[p] == ' ')
			p++;
	}
	if (p >= n || s[p] != ')')
		return 0;
	bool ok = safe_url(s + u, ue - u) && (!image || !strncasecmp(s + u, "http", 4));
	if (image) {
		if (ok) {
			buf_puts(o, "<img alt=\"");
			esc(o, s + 1, te - 1);
			buf_puts(o, "\" src=\"");
			esc(o, s + u, ue - u);
			if (tl) {
				buf_puts(o, "\" title=\"");
				esc(o, s + ts, tl);
			}
			buf_puts(o, "\" />");
		} else {
			esc(o, s + 1, te - 1);
		}
		return p + 1;
	}
	if (ok) {
		buf_puts(o, "<a href=\"");
		esc(o, s + u, ue - u);
		if (tl) {
			buf_puts(o, "\" title=\"");
			esc(o, s + ts, tl);
		}
		buf_puts(o, "\">");
	}
	inl(o, s + 1, te - 1, depth + 1);
	if (ok)
		buf_puts(o, "</a>");
	return p + 1;
}

/* The closing run of @k @c's for an opener at s[0..k); its offset or 0. */
static size_t closer(const char *s, size_t n, char c, size_t k)
{
	if (k >= n || s[k] == ' ')
		return 0;
	for (size_t j = k + 1; j + k <= n; j++) {
		if (s[j] == '\\') {
			j++;
			continue;
		}
		bool run = true;
		for (size_t q = 0; q < k && run; q++)
			run = s[j + q] == c;
		if (!run || s[j - 1] == ' ')
			continue;
		/* exactly k: not part of a longer run */
		if (j + k < n && s[j + k] == c)
			continue;
		if (c == '_' && j + k < n && isalnum((unsigned char)s[j + k]))
			continue;
		return j;
	}
	return 0;
}

static void inl(struct buf *o, const char *s, size_t n, int depth)
{
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
			esc(o, s + i + 1, 1);
			i += 2;
			continue;
		}
		if (c == '`') {
			size_t k = 0;
			while (i + k < n && s[i + k] == '`')
				k++;
			size_t j = i + k;
			for (; j + k <= n; j++) {
				size_t r = 0;
				while (r < k && s[j + r] == '`')
					r++;
				if (r == k && (j + k == n || s[j + k] != '`'))
					break;
			}
			if (j + k <= n && j > i + k) {
				size_t a = i + k, e = j;
				while (a < e && isspace((unsigned char)s[a]))
					a++;
				while (e > a && isspace((unsigned char)s[e - 1]))
					e--;
				buf_puts(o, "<code>");
				esc(o, s + a, e - a);
				buf_puts(o, "</code>");
				i = j + k;
			} else {
				esc(o, s + i, k);
				i += k;
			}
			continue;
		}
		if (depth < MD_DEPTH && (c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '['))) {
			bool image = c == '!';
			size_t used = link(o, s + i + image, n - i - image, image, depth);
			if (used) {
				i += used + image;
				continue;
			}
		}
		if (c == '<') {
			const char *e = memchr(s + i, '>', n - i);
			size_t l = e ? (size_t)(e - s) - i - 1 : 0;
			if (e && l > 7 && safe_url(s + i + 1, l) && strchr(s + i + 1, ':') < e &&
			    !memchr(s + i + 1, ' ', l)) {
				buf_puts(o, "<a href=\"");
				esc(o, s + i + 1, l);
				buf_puts(o, "\">");
				esc(o, s + i + 1, l);
				buf_puts(o, "</a>");
				i += l + 2;
				continue;
			}
		}
		if ((c == '*' || c == '_') && depth < MD_DEPTH &&
		    (c == '*' || i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			size_t k = 0;
			while (i + k < n && s[i + k] == c)
				k++;
			static const char *const open[] = {"", "<em>", "<strong>", "<strong><em>"};
			static const char *const close[] = {"", "</em>", "</strong>", "</em></strong>"};
			size_t j = k <= 3 ? closer(s + i, n - i, c, k) : 0;
			if (j) {
				buf_puts(o, open[k]);
				inl(o, s + i + k, j - k, depth + 1);
				buf_puts(o, close[k]);
				i += j + k;
				continue;
			}
			esc(o, s + i, k);
			i += k;
			continue;
		}
		if (c == '\x01')
			buf_puts(o, "<br />\n");
		else
			esc(o, s + i, 1);
		i++;
	}
}

/* ---- blocks ---- */

struct line {
	const char *s;
	size_t n;
};

static bool blank(struct line l)
{
	for (size_t i = 0; i < l.n; i++)
		if (!isspace((unsigned char)l.s[i]))
			return false;
	return true;
}

static size_t indent(struct line l)
{
	size_t i = 0, w = 0;
	for (; i < l.n && (l.s[i] == ' ' || l.s[i] == '\t'); i++)
		w += l.s[i] == '\t' ? 4 - w % 4 : 1;
	return w;
}

static bool is_rule(struct line l)
{
	char c = 0;
	int k = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.s[i] == ' ')
			continue;
		if (!c && (l.s[i] == '*' || l.s[i] == '-' || l.s[i] == '_'))
			c = l.s[i];
		if (l.s[i] != c)
			return false;
		k++;
	}
	return k >= 3 && indent(l) < 4;
}

static int heading(struct line l, size_t *ts, size_t *tl)
{
	size_t i = 0;
	while (i < l.n && l.s[i] == '#')
		i++;
	if (!i || i > 6)
		return 0;
	size_t a = i, e = l.n;
	while (a < e && (l.s[a] == ' ' || l.s[a] == '\t'))
		a++;
	while (e > a && (l.s[e - 1] == '#' || l.s[e - 1] == ' ' || l.s[e - 1] == '\t'))
		e--;
	*ts = a;
	*tl = e - a;
	return (int)i;
}

/* A list item's marker: its width, or 0. */
static size_t item(struct line l, bool *ordered)
{
	size_t i = 0;
	while (i < l.n && i < 3 && l.s[i] == ' ')
		i++;
	if (i < l.n && (l.s[i] == '*' || l.s[i] == '-' || l.s[i] == '+') && i + 1 < l.n &&
	    (l.s[i + 1] == ' ' || l.s[i + 1] == '\t')) {
		*ordered = false;
		return i + 2;
	}
	size_t d = i;
	while (d < l.n && isdigit((unsigned char)l.s[d]))
		d++;
	if (d > i && d + 1 < l.n && l.s[d] == '.' && (l.s[d + 1] == ' ' || l.s[d + 1] == '\t')) {
		*ordered = true;
		return d + 2;
	}
	return 0;
}

static void blocks(struct buf *o, struct line *L, size_t n, int depth);

static void sep(struct buf *o, bool *first)
{
	if (!*first)
		buf_puts(o, "\n");
	*first = false;
}

/* A paragraph's lines: joined by "\n", "  " at a line's end a <br />. */
static void para(struct buf *o, struct line *L, size_t n, int depth, const char *tag)
{
	struct buf t;
	buf_init(&t, o->max);
	buf_puts(&t, "");
	for (size_t k = 0; k < n; k++) {
		size_t a = 0, e = L[k].n;
		while (a < e && (L[k].s[a] == ' ' || L[k].s[a] == '\t'))
			a++;
		bool br = k + 1 < n && e >= 2 && L[k].s[e - 1] == ' ' && L[k].s[e - 2] == ' ';
		while (e > a && (L[k].s[e - 1] == ' ' || L[k].s[e - 1] == '\t'))
			e--;
		for (size_t c = a; c < e; c++) /* \x01 marks a <br /> below */
			buf_append(&t, L[k].s[c] == '\x01' ? " " : L[k].s + c, 1);
		if (k + 1 < n)
			buf_puts(&t, br ? "\x01" : "\n");
	}
	if (tag)
		buf_printf(o, "<%s>", tag);
	inl(o, t.data ? t.data : "", t.len, depth);
	buf_deinit(&t);
	if (tag)
		buf_printf(o, "</%s>", tag);
}

static void blocks(struct buf *o, struct line *L, size_t n, int depth)
{
	bool first = true;
	for (size_t i = 0; i < n && !o->err;) {
		struct line l = L[i];
		size_t ts, tl;
		bool ordered;
		if (blank(l)) {
			i++;
			continue;
		}
		if (indent(l) >= 4) {
			size_t j = i;
			sep(o, &first);
			buf_puts(o, "<pre><code>");
			size_t last = j; /* trailing blank lines dropped */
			for (size_t k = j; k < n && (blank(L[k]) || indent(L[k]) >= 4); k++)
				if (!blank(L[k]))
					last = k + 1;
			for (; j < last; j++) {
				size_t skip = 0, w = 0;
				while (skip < L[j].n && w < 4 && (L[j].s[skip] == ' ' || L[j].s[skip] == '\t'))
					w += L[j].s[skip++] == '\t' ? 4 : 1;
				esc(o, L[j].s + skip, L[j].n - skip);
				buf_puts(o, "\n");
			}
			buf_puts(o, "</code></pre>");
			i = last;
			continue;
		}
		int h = heading(l, &ts, &tl);
		if (h) {
			sep(o, &first);
			buf_printf(o, "<h%d>", h);
			inl(o, l.s + ts, tl, depth);
			buf_printf(o, "</h%d>", h);
			i++;
			continue;
		}
		if (is_rule(l)) {
			sep(o, &first);
			buf_puts(o, "<hr />");
			i++;
			continue;
		}
		if (l.n && l.s[0] == '>' && depth < MD_DEPTH) {
			size_t j = i;
			struct line *q = L + i; /* the quote's lines, "> " cut (in place) */
			for (; j < n && !blank(L[j]); j++) {
				if (L[j].n && L[j].s[0] == '>') {
					size_t c = L[j].n > 1 && L[j].s[1] == ' ' ? 2 : 1;
					L[j].s += c;
					L[j].n -= c;
				}
			}
			sep(o, &first);
			buf_puts(o, "<blockquote>\n");
			blocks(o, q, j - i, depth + 1);
			buf_puts(o, "\n</blockquote>");
			i = j;
			continue;
		}
		if (item(l, &ordered)) {
			sep(o, &first);
			buf_puts(o, ordered ? "<ol>\n" : "<ul>\n");
			size_t j = i;
			while (j < n) {
				bool o2;
				size_t w = item(L[j], &o2);
				if (!w || o2 != ordered)
					break;
				size_t k = j + 1; /* continuation lines of the item */
				while (k < n && !blank(L[k]) && !item(L[k], &o2))
					k++;
				struct line first_line = {L[j].s + w, L[j].n - w};
				struct line *saved = &L[j];
				struct line keep = *saved;
				*saved = first_line;
				para(o, saved, k - j, depth + 1, "li");
				*saved = keep;
				buf_puts(o, "\n");
				j = k;
				while (j < n && blank(L[j]) && j + 1 < n && item(L[j + 1], &o2))
					j++;
			}
			buf_puts(o, ordered ? "</ol>" : "</ul>");
			i = j;
			continue;
		}
		/* a paragraph: up to a blank line or another block's start */
		size_t j = i + 1;
		int setext = 0;
		for (; j < n; j++) {
			struct line m = L[j];
			bool o2;
			if (blank(m) || heading(m, &ts, &tl) || (m.n && m.s[0] == '>') ||
			    item(m, &o2))
				break;
			size_t a = 0;
			while (a < m.n && m.s[a] == ' ')
				a++;
			size_t e = m.n;
			while (e > a && m.s[e - 1] == ' ')
				e--;
			bool eqs = e > a, dashes = e > a;
			for (size_t k = a; k < e; k++) {
				eqs = eqs && m.s[k] == '=';
				dashes = dashes && m.s[k] == '-';
			}
			if (eqs || dashes) {
				setext = eqs ? 1 : 2;
				break;
			}
			if (is_rule(m))
				break;
		}
		sep(o, &first);
		para(o, L + i, j - i, depth, setext == 1 ? "h1" : setext == 2 ? "h2" : "p");
		i = j + (setext != 0);
	}
}

char *apprise_markdown_html(struct arena *a, const char *md)
{
	size_t len = md ? strlen(md) : 0, nl = 1;
	for (size_t i = 0; i < len; i++)
		nl += md[i] == '\n';
	struct line *L = arena_alloc(a, nl * sizeof(*L));
	if (!L)
		return NULL;
	size_t n = 0;
	for (const char *p = md ? md : ""; n < nl;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		/* "\r\n" ends a line too; other control bytes stay (escaped) */
		L[n].s = p;
		L[n].n = l && p[l - 1] == '\r' ? l - 1 : l;
		n++;
		if (!e)
			break;
		p = e + 1;
	}
	struct buf o;
	buf_init(&o, 64u << 20);
	buf_puts(&o, "");
	blocks(&o, L, n, 0);
	char *r = o.err ? NULL : arena_strdup(a, o.data);
	buf_deinit(&o);
	return r;
}
