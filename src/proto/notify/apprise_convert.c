/* SPDX-License-Identifier: MIT */
/* Apprise's body conversions: escape_html, text to HTML, HTML to text, and Telegram's HTML clean-up. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "proto/notify/apprise_build_priv.h"

/* Telegram's HTML clean-up of what escape_html and the title made. */
char *apprise_tgram_html(struct arena *a, const char *s)
{
	struct buf x;
	buf_init(&x, 64u << 20);
	const char *p = s ? s : "";
	while (*p) {
		/* a <br/>, <hr>, <ol> or <ul> and the blanks around it: CRLF */
		const char *q = p;
		while (isspace((unsigned char)*q))
			q++;
		if (*q == '<') {
			const char *t = q + 1;
			while (isspace((unsigned char)*t))
				t++;
			if (*t == '/')
				t++;
			while (isspace((unsigned char)*t))
				t++;
			if (!strncasecmp(t, "br", 2) || !strncasecmp(t, "hr", 2) ||
			    !strncasecmp(t, "ol", 2) || !strncasecmp(t, "ul", 2)) {
				t += 2;
				while (isspace((unsigned char)*t))
					t++;
				if (*t == '/')
					t++;
				if (*t == '>') {
					t++;
					while (isspace((unsigned char)*t))
						t++;
					buf_puts(&x, "\r\n");
					p = t;
					continue;
				}
			}
		}
		static const struct {
			const char *ent, *rep;
		} ents[] = {{"&nbsp", " "}, {"&emsp", "   "}, {"&apos", "'"}, {"&quot", "\""}};
		bool done = false;
		for (size_t i = 0; i < 4 && !done; i++) {
			size_t l = strlen(ents[i].ent);
			if (!strncasecmp(p, ents[i].ent, l)) {
				buf_puts(&x, ents[i].rep);
				p += l + (p[l] == ';');
				done = true;
			}
		}
		if (!done)
			buf_append(&x, p++, 1);
	}
	/* \r*\n[\r\n]+  ->  \r\n */
	char *out = x.err ? NULL : arena_strdup(a, x.data ? x.data : "");
	buf_deinit(&x);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; out[i];) {
		size_t j = i;
		while (out[j] == '\r')
			j++;
		if (out[j] == '\n' && (out[j + 1] == '\r' || out[j + 1] == '\n')) {
			j++;
			while (out[j] == '\r' || out[j] == '\n')
				j++;
			out[o++] = '\r';
			out[o++] = '\n';
			i = j;
		} else {
			out[o++] = out[i++];
		}
	}
	out[o] = '\0';
	return out;
}

char *apprise_escape_html(struct arena *a, const char *s, bool whitespace,
			  bool newlines)
{
	struct buf x;
	buf_init(&x, 64u << 20);
	buf_puts(&x, "");
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(&x, "&amp;"); break;
		case '<': buf_puts(&x, "&lt;"); break;
		case '>': buf_puts(&x, "&gt;"); break;
		case '\'': buf_puts(&x, "&apos;"); break;
		case '"': buf_puts(&x, "&quot;"); break;
		case '\t': buf_puts(&x, whitespace ? "&emsp;" : "\t"); break;
		case ' ': buf_puts(&x, whitespace ? "&nbsp;" : " "); break;
		case '\n': buf_puts(&x, newlines ? "<br/>" : "\n"); break;
		default: buf_append(&x, s, 1);
		}
	}
	char *r = x.err ? NULL : arena_strdup(a, x.data);
	buf_deinit(&x);
	return r;
}

/* html_to_text: tags dropped, block tags end lines, whitespace runs
 * folded, entities &amp; &lt; &gt; &quot; &apos; &nbsp; decoded. */
static char *html_to_text(struct arena *a, const char *s)
{
	static const char *const blocks[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6",
					     "div", "td", "th", "code", "pre", "label", "li"};
	struct buf x;
	buf_init(&x, 64u << 20);
	buf_puts(&x, "");
	bool space = false;
	while (*s) {
		if (*s == '<') {
			const char *e = strchr(s, '>');
			if (!e)
				break;
			const char *n = s + 1 + (s[1] == '/');
			size_t nl = 0;
			while (isalnum((unsigned char)n[nl]))
				nl++;
			bool block = false;
			for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
				block = block || (strlen(blocks[i]) == nl && !strncasecmp(n, blocks[i], nl));
			if (block || (nl == 2 && !strncasecmp(n, "br", 2))) {
				while (x.len && x.data[x.len - 1] == ' ')
					x.data[--x.len] = '\0';
				if (x.len && x.data[x.len - 1] != '\n')
					buf_puts(&x, "\n");
				space = false;
			}
			s = e + 1;
			continue;
		}
		if (isspace((unsigned char)*s)) {
			if (!space && x.len && x.data[x.len - 1] != '\n')
				buf_puts(&x, " ");
			space = true;
			s++;
			continue;
		}
		space = false;
		static const struct {
			const char *e, *r;
		} ents[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
			    {"&apos;", "'"}, {"&nbsp;", " "}};
		bool done = false;
		for (size_t i = 0; i < 6 && !done; i++)
			if (!strncmp(s, ents[i].e, strlen(ents[i].e))) {
				buf_puts(&x, ents[i].r);
				s += strlen(ents[i].e);
				done = true;
			}
		if (!done)
			buf_append(&x, s++, 1);
	}
	char *r = x.err ? NULL : arena_strdup(a, x.data);
	buf_deinit(&x);
	if (r) { /* strip() */
		size_t l = strlen(r);
		while (l && isspace((unsigned char)r[l - 1]))
			r[--l] = '\0';
		while (isspace((unsigned char)*r))
			r++;
	}
	return r;
}

char *apprise_convert(struct arena *a, const char *s, enum apprise_format from,
		      enum apprise_format to)
{
	if (from == APPRISE_TEXT && to == APPRISE_HTML)
		return apprise_escape_html(a, s, true, true);
	if (from == APPRISE_HTML && to != APPRISE_HTML)
		return html_to_text(a, s);
	if (from == APPRISE_MARKDOWN && to == APPRISE_HTML)
		return apprise_markdown_html(a, s ? s : "");
	return arena_strdup(a, s ? s : "");
}
