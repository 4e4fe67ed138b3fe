/* SPDX-License-Identifier: MIT */
/* Unit tests of the Apprise TEXT/YAML config parser: lines, tags, YAML entries and options, format detection, bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/apprise_config.h"

static void test_text(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	const char *t = "# comment\r\n; also\n\njson://localhost/a\n"
			"devops, Admin = gotify://h/tok\n"
			"  =form://h/x\n"
			"include http://elsewhere/cfg\n";
	struct apprise_config c;
	char err[128];
	assert_int_equal(apprise_config_detect(t, strlen(t)), APPRISE_CONFIG_TEXT);
	assert_int_equal(apprise_config_parse(t, strlen(t), APPRISE_CONFIG_AUTO, &a, &c, err, sizeof(err)), 0);
	assert_int_equal(c.format, APPRISE_CONFIG_TEXT);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.urls[0].url, "json://localhost/a");
	assert_int_equal(c.urls[0].ntags, 0);
	assert_string_equal(c.urls[1].url, "gotify://h/tok");
	assert_int_equal(c.urls[1].ntags, 2);
	assert_string_equal(c.urls[1].tags[0], "admin");
	assert_string_equal(c.urls[1].tags[1], "devops");
	assert_int_equal(c.urls[1].line, 5);
	assert_int_equal(c.includes, 1);
	/* a line that is no URL spoils the whole file, as in Apprise */
	const char *bad = "json://h/\nthis is not a url\n";
	assert_int_equal(apprise_config_parse(bad, strlen(bad), APPRISE_CONFIG_TEXT, &a, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	const char *nul = "json://h/\0x";
	assert_int_equal(apprise_config_parse(nul, 11, APPRISE_CONFIG_TEXT, &a, &c, err, sizeof(err)), -EINVAL);
	arena_deinit(&a);
}

static void test_yaml(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	const char *y = "version: 1\n"
			"tag: global\n"
			"urls:\n"
			"  - json://localhost/plain\n"
			"  - gotify://h/tok:\n"
			"     - tag: ops, Admin\n"
			"       priority: high\n"
			"     - tag: [qa]\n"
			"  - form://h/x:\n"
			"       tag: web\n"
			"  - not-a-url\n";
	struct apprise_config c;
	char err[128];
	assert_int_equal(apprise_config_detect(y, strlen(y)), APPRISE_CONFIG_YAML);
	assert_int_equal(apprise_config_parse(y, strlen(y), APPRISE_CONFIG_AUTO, &a, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.urls[0].tags[0], "global");
	assert_int_equal(c.urls[1].ntags, 3);
	assert_string_equal(c.urls[1].tags[0], "admin");
	assert_int_equal(c.urls[1].nopts, 1);
	assert_string_equal(apprise_config_url_text(&a, &c.urls[1]), "gotify://h/tok?priority=high");
	assert_string_equal(c.urls[2].tags[1], "qa");
	assert_string_equal(c.urls[3].url, "form://h/x");
	assert_string_equal(c.urls[3].tags[1], "web");
	const char *v2 = "version: 2\nurls: []\n";
	assert_int_equal(apprise_config_parse(v2, strlen(v2), APPRISE_CONFIG_YAML, &a, &c, err, sizeof(err)), -EINVAL);
	const char *laughs = "a: &a [x, x]\nb: [*a, *a]\n";
	assert_int_equal(apprise_config_parse(laughs, strlen(laughs), APPRISE_CONFIG_YAML, &a, &c, err, sizeof(err)), -EINVAL);
	const char *junk = "!!!\n";
	assert_int_equal(apprise_config_detect(junk, strlen(junk)), APPRISE_CONFIG_AUTO);
	assert_int_equal(apprise_config_parse(junk, strlen(junk), APPRISE_CONFIG_AUTO, &a, &c, err, sizeof(err)), -EINVAL);
	arena_deinit(&a);
}

static void test_bounds(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_config c;
	char err[128];
	size_t n = APPRISE_CONFIG_MAX_URLS + 1;
	char *t = malloc(n * 20 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(t + o, "json://h/%zu\n", i);
	assert_int_equal(apprise_config_parse(t, o, APPRISE_CONFIG_TEXT, &a, &c, err, sizeof(err)), -E2BIG);
	free(t);
	char *big = malloc(APPRISE_CONFIG_MAX_BYTES + 2);
	memset(big, '#', APPRISE_CONFIG_MAX_BYTES + 1);
	assert_int_equal(apprise_config_parse(big, APPRISE_CONFIG_MAX_BYTES + 1, APPRISE_CONFIG_TEXT, &a, &c, err, sizeof(err)), -E2BIG);
	free(big);
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_yaml),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
