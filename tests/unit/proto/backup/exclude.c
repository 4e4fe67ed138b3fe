/* SPDX-License-Identifier: MIT */
/* Unit tests of restic-style exclude patterns: relative and absolute, globs within a component, "**", exclude files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "proto/backup/exclude.h"

static bool m(const char *pattern, const char *path)
{
	struct bk_excludes e = {0};
	bool r;

	assert_int_equal(bk_excludes_add(&e, pattern), 0);
	r = bk_excludes_match(&e, path);
	bk_excludes_deinit(&e);
	return r;
}

static void test_patterns(void **state)
{
	(void)state;
	assert_true(m("*.tmp", "/home/a/x.tmp"));
	assert_true(m("*.tmp", "/home/a.tmp/inside"));	/* a parent matches */
	assert_false(m("*.tmp", "/home/a/x.tmpx"));
	assert_true(m("cache", "/var/cache"));
	assert_true(m("cache", "/var/cache/apt/x"));
	assert_false(m("cache", "/var/caches"));
	assert_true(m("var/cache", "/srv/var/cache/x"));	/* relative: at any depth */
	assert_false(m("/var/cache", "/srv/var/cache/x"));	/* absolute: from the root */
	assert_true(m("/var/cache", "/var/cache/x"));
	assert_true(m("/var/cache/", "/var/cache"));		/* trailing slash cleaned */
	assert_true(m("/home/*/.cache", "/home/bob/.cache/y"));
	assert_false(m("/home/*/.cache", "/home/bob/x/.cache"));	/* '*' stays in a component */
	assert_true(m("/home/**/.cache", "/home/bob/x/.cache"));
	assert_true(m("/home/**/.cache", "/home/.cache"));	/* "**" may be empty */
	assert_true(m("foo?", "/a/foo1"));
	assert_true(m("[ab]x", "/q/bx"));
	assert_false(m("[ab]x", "/q/cx"));
	struct bk_excludes e = {0};
	assert_int_equal(bk_excludes_add(&e, ""), 0);
	assert_int_equal(e.n, 0);
	assert_false(bk_excludes_match(&e, "/anything"));
}

static void test_lines(void **state)
{
	(void)state;
	struct bk_excludes e = {0};
	const char text[] = "# comment\n\n  *.log  \r\n/srv/tmp\n\t# also a comment\nlast";

	assert_int_equal(bk_excludes_add_lines(&e, text, strlen(text)), 0);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.pat[0], "*.log");
	assert_string_equal(e.pat[1], "/srv/tmp");
	assert_string_equal(e.pat[2], "last");
	assert_true(bk_excludes_match(&e, "/x/y.log"));
	assert_true(bk_excludes_match(&e, "/srv/tmp/a"));
	assert_false(bk_excludes_match(&e, "/srv/tmpa"));
	bk_excludes_deinit(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
