/* SPDX-License-Identifier: MIT */
/* Unit tests of markdown to HTML for HTML targets: Python-Markdown's output for the common constructs, and escaping of everything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/apprise_target.h"

static char *md(struct arena *a, const char *s)
{
	char *h = apprise_convert(a, s, APPRISE_MARKDOWN, APPRISE_HTML);
	assert_non_null(h);
	return h;
}

static void test_blocks(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"# Hi\nsome *text*", "<h1>Hi</h1>\n<p>some <em>text</em></p>"},
		{"### Three ###", "<h3>Three</h3>"},
		{"Title\n=====\nSub\n---", "<h1>Title</h1>\n<h2>Sub</h2>"},
		{"one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>"},
		{"a  \nb", "<p>a<br />\nb</p>"},
		{"* a\n* b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"},
		{"- a\n- b\n\ntext", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>text</p>"},
		{"1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"},
		{"    code <x>\n    & more\n\nafter",
		 "<pre><code>code &lt;x&gt;\n&amp; more\n</code></pre>\n<p>after</p>"},
		{"```\nfenced <b>\n```", "<p><code>fenced &lt;b&gt;</code></p>"}, /* no fences */
		{"Nightly run\n# Disk\nsda ok", "<p>Nightly run</p>\n<h1>Disk</h1>\n<p>sda ok</p>"},
		{"> quote\n> more", "<blockquote>\n<p>quote\nmore</p>\n</blockquote>"},
		{"---", "<hr />"},
		{"a\r\nb", "<p>a\nb</p>"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *h = md(&a, cases[i].in);
		if (strcmp(h, cases[i].out))
			fail_msg("%s:\n got %s\nwant %s", cases[i].in, h, cases[i].out);
	}
	arena_deinit(&a);
}

static void test_inline_and_escaping(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"**s** and __t__ and _e_ and ***se***",
		 "<p><strong>s</strong> and <strong>t</strong> and <em>e</em> and "
		 "<strong><em>se</em></strong></p>"},
		{"snake_case_name stays", "<p>snake_case_name stays</p>"},
		{"`c<d>` and ``a`b``", "<p><code>c&lt;d&gt;</code> and <code>a`b</code></p>"},
		{"[l](http://x/?a=1&b=2 \"t\")", "<p><a href=\"http://x/?a=1&amp;b=2\" title=\"t\">l</a></p>"},
		{"[rel](docs/x.html)", "<p><a href=\"docs/x.html\">rel</a></p>"},
		{"![pic](https://x/i.png)", "<p><img alt=\"pic\" src=\"https://x/i.png\" /></p>"},
		{"<https://x.example/>", "<p><a href=\"https://x.example/\">https://x.example/</a></p>"},
		{"\\*not em\\*", "<p>*not em*</p>"},
		/* raw HTML is escaped, not passed through */
		{"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
		{"<b onclick=\"x\">b</b> & c", "<p>&lt;b onclick=&quot;x&quot;&gt;b&lt;/b&gt; &amp; c</p>"},
		/* a link keeps its URL only when it is safe */
		{"[x](javascript:alert)", "<p>x</p>"},
		{"[x](data:text/html,hi)", "<p>x</p>"},
		{"![x](javascript:alert)", "<p>x</p>"},
		{"[x](http://a\"onmouseover=\"b)", "<p><a href=\"http://a&quot;onmouseover=&quot;b\">x</a></p>"},
		{"# <img src=x onerror=y>", "<h1>&lt;img src=x onerror=y&gt;</h1>"},
		{"* unclosed **strong", "<ul>\n<li>unclosed **strong</li>\n</ul>"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *h = md(&a, cases[i].in);
		if (strcmp(h, cases[i].out))
			fail_msg("%s:\n got %s\nwant %s", cases[i].in, h, cases[i].out);
	}
	arena_deinit(&a);
}

static void test_bounded_nesting(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	/* deep quotes and emphasis end in bounded output, no tag unbalanced */
	char in[4096];
	size_t n = 0;
	for (int i = 0; i < 1000; i++)
		in[n++] = '>';
	in[n++] = ' ';
	for (int i = 0; i < 500; i++)
		in[n++] = i % 2 ? '[' : '*';
	in[n] = '\0';
	char *h = md(&a, in);
	size_t open = 0, close = 0;
	for (const char *p = h; (p = strstr(p, "<blockquote>")); p++)
		open++;
	for (const char *p = h; (p = strstr(p, "</blockquote>")); p++)
		close++;
	assert_int_equal(open, close);
	assert_true(open <= 9);
	assert_null(strstr(h, "<script"));
	arena_deinit(&a);
}

static void test_text_to_html_escapes(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	char *h = apprise_convert(&a, "a <b> & \"c\"\n\td", APPRISE_TEXT, APPRISE_HTML);
	assert_string_equal(h, "a&nbsp;&lt;b&gt;&nbsp;&amp;&nbsp;&quot;c&quot;<br/>&emsp;d");
	/* markdown to markdown and text to text stay as they are */
	assert_string_equal(apprise_convert(&a, "**x**", APPRISE_MARKDOWN, APPRISE_MARKDOWN), "**x**");
	assert_string_equal(apprise_convert(&a, "<x>", APPRISE_TEXT, APPRISE_TEXT), "<x>");
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_inline_and_escaping),
		cmocka_unit_test(test_bounded_nesting),
		cmocka_unit_test(test_text_to_html_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
