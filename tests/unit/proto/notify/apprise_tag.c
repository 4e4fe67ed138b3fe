/* SPDX-License-Identifier: MIT */
/* Unit tests of Apprise tag expressions: OR (", " "|"), AND (blank "&" "+"), JSON lists, "all", "always", refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/apprise_tag.h"

static void test_tags(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	char *none[] = {NULL};
	char *dev[] = {"devops"};
	char *lead_a[] = {"leaders", "teama"};
	char *always[] = {"always"};
	struct apprise_tagexpr e;
	/* no tag: untagged URLs and "always" only */
	assert_int_equal(apprise_tag_parse(NULL, &a, &e), 0);
	assert_true(apprise_tag_match(&e, none, 0));
	assert_false(apprise_tag_match(&e, dev, 1));
	assert_true(apprise_tag_match(&e, always, 1));
	assert_int_equal(apprise_tag_parse("devops, qa", &a, &e), 0);
	assert_int_equal(e.nor, 2);
	assert_true(apprise_tag_match(&e, dev, 1));
	assert_false(apprise_tag_match(&e, none, 0));
	assert_int_equal(apprise_tag_parse("Leaders teamA | leaders+teamB", &a, &e), 0);
	assert_int_equal(e.nor, 2);
	assert_true(apprise_tag_match(&e, lead_a, 2));
	assert_false(apprise_tag_match(&e, dev, 1));
	assert_int_equal(apprise_tag_parse("all", &a, &e), 0);
	assert_true(apprise_tag_match(&e, dev, 1));
	assert_true(apprise_tag_match(&e, none, 0));
	assert_int_equal(apprise_tag_parse("bad;tag", &a, &e), -EINVAL);
	assert_int_equal(apprise_tag_parse("a/b", &a, &e), -EINVAL);
	json_t *j = json_loads("[[\"leaders\", \"teamA\"], \"devops\"]", 0, NULL);
	assert_int_equal(apprise_tag_parse_json(j, &a, &e), 0);
	json_decref(j);
	assert_int_equal(e.nor, 2);
	assert_true(apprise_tag_match(&e, lead_a, 2));
	assert_true(apprise_tag_match(&e, dev, 1));
	j = json_loads("[{\"x\": 1}]", 0, NULL);
	assert_int_equal(apprise_tag_parse_json(j, &a, &e), -EINVAL);
	json_decref(j);
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
