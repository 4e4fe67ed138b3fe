/* SPDX-License-Identifier: MIT */
/* Unit tests of the incident Markdown subset: paragraphs, emphasis, code, links, and that every other mark-up is escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "proto/watch/markdown.h"

static void html_is(const char *md, const char *want)
{
	struct buf o;
	buf_init(&o, 1 << 16);
	assert_int_equal(watch_markdown_html(&o, md, strlen(md)), 0);
	buf_append(&o, "", 1);
	char *got = buf_steal(&o, NULL);
	if (strcmp(got, want))
		fail_msg("'%s'\n  gave '%s'\n  want '%s'", md, got, want);
	free(got);
}

static void test_paragraphs(void **state)
{
	(void)state;
	html_is("", "");
	html_is("\n \n", "");
	html_is("one", "<p>one</p>");
	html_is("one\ntwo", "<p>one<br>two</p>");
	html_is("one\n\n\ntwo\n", "<p>one</p><p>two</p>");
	html_is("a\r\n\r\nb", "<p>a</p><p>b</p>");
}

static void test_inline(void **state)
{
	(void)state;
	html_is("*em* and _em_ and **strong**",
		"<p><em>em</em> and <em>em</em> and <strong>strong</strong></p>");
	html_is("**bold *inner***", "<p><strong>bold <em>inner</em></strong></p>");
	html_is("`a <b> *c*`", "<p><code>a &lt;b&gt; *c*</code></p>");
	html_is("snake_case_name", "<p>snake_case_name</p>");
	html_is("2 * 3 * 4", "<p>2 * 3 * 4</p>");
	html_is("\\*not em\\*", "<p>*not em*</p>");
	html_is("**open", "<p>**open</p>");
	html_is("`open", "<p>`open</p>");
}

static void test_links(void **state)
{
	(void)state;
	html_is("see [the *post*](https://x.example/a?b=1&c=2)",
		"<p>see <a href=\"https://x.example/a?b=1&amp;c=2\" "
		"rel=\"nofollow noopener\">the <em>post</em></a></p>");
	html_is("[home](/status/lab)",
		"<p><a href=\"/status/lab\" rel=\"nofollow noopener\">home</a></p>");
	/* Dangerous or odd targets stay text. */
	html_is("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>");
	html_is("[x](//evil.example)", "<p>[x](//evil.example)</p>");
	html_is("[x](https://a\" onmouseover=\"y)",
		"<p>[x](https://a&quot; onmouseover=&quot;y)</p>");
	html_is("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>");
	html_is("[no url]", "<p>[no url]</p>");
}

static void test_escaping(void **state)
{
	(void)state;
	html_is("<script>alert('x')</script> & \"q\"",
		"<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
		"&quot;q&quot;</p>");
	html_is("*<img src=x onerror=y>*",
		"<p><em>&lt;img src=x onerror=y&gt;</em></p>");
	html_is("*a **b `c`** d*",
		"<p><em>a <strong>b <code>c</code></strong> d</em></p>");
	/* Deep or endless nesting ends, and stays escaped. */
	size_t n = 20000;
	char *deep = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		deep[i] = "*[_`"[i % 4];
	deep[n] = 0;
	struct buf d;
	buf_init(&d, 1 << 22);
	assert_int_equal(watch_markdown_html(&d, deep, n), 0);
	assert_true(strncmp(d.data, "<p>", 3) == 0);
	assert_null(strstr(d.data, "<a"));
	buf_deinit(&d);
	free(deep);
	/* A NUL in the text is replaced, not cut. */
	struct buf o;
	buf_init(&o, 1024);
	assert_int_equal(watch_markdown_html(&o, "a\0b", 3), 0);
	assert_int_equal(o.len, strlen("<p>a\xef\xbf\xbd" "b</p>"));
	assert_memory_equal(o.data, "<p>a\xef\xbf\xbd" "b</p>", o.len);
	buf_deinit(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paragraphs),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
