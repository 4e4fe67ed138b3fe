/* SPDX-License-Identifier: MIT */
/* Unit tests of ntfy's action buttons: JSON and simple format, validation, limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/ntfy_actions.h"

static void fixed_id(char out[NTFY_ACTION_ID_LEN + 1], void *ud)
{
	int *n = ud;
	snprintf(out, NTFY_ACTION_ID_LEN + 1, "id%08d", (*n)++);
}

static char *parse(const char *text, int *rc, char *why, size_t cap)
{
	int n = 0;
	json_t *out = NULL;
	*rc = ntfy_actions_parse(text, strlen(text), fixed_id, &n, &out, why, cap);
	char *s = out ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	return s;
}

static void test_simple(void **state)
{
	(void)state;
	char why[120];
	int rc;
	char *s = parse("view, Open portal, https://home.nest.com/, clear=true; "
			"http, Turn down, https://api.nest.com/, method=put, "
			"headers.Authorization=Bearer x, body='{\"temp\": 65}'",
			&rc, why, sizeof(why));
	assert_int_equal(rc, 0);
	assert_string_equal(s,
		"[{\"id\":\"id00000000\",\"action\":\"view\",\"label\":\"Open portal\","
		"\"clear\":true,\"url\":\"https://home.nest.com/\"},"
		"{\"id\":\"id00000001\",\"action\":\"http\",\"label\":\"Turn down\","
		"\"clear\":false,\"url\":\"https://api.nest.com/\",\"method\":\"PUT\","
		"\"headers\":{\"Authorization\":\"Bearer x\"},\"body\":\"{\\\"temp\\\": 65}\"}]");
	free(s);
	s = parse("action=broadcast, label=\"Say \\\"hi\\\", ok\", extras.cmd=pic, "
		  "intent=my.intent", &rc, why, sizeof(why));
	assert_int_equal(rc, 0);
	assert_string_equal(s,
		"[{\"id\":\"id00000000\",\"action\":\"broadcast\",\"label\":\"Say \\\"hi\\\", ok\","
		"\"clear\":false,\"intent\":\"my.intent\",\"extras\":{\"cmd\":\"pic\"}}]");
	free(s);
	s = parse("copy, Copy code, 123456;;", &rc, why, sizeof(why));
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"value\":\"123456\""));
	free(s);
}

static void test_json(void **state)
{
	(void)state;
	char why[120];
	int rc;
	char *s = parse("[{\"action\":\"HTTP\",\"label\":\"Go\",\"url\":\"https://x\","
			"\"headers\":{\"A\":\"b\"},\"clear\":true}]",
			&rc, why, sizeof(why));
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"action\":\"http\""));
	assert_non_null(strstr(s, "\"method\":\"POST\""));
	assert_non_null(strstr(s, "\"clear\":true"));
	free(s);
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"view, Open",			 /* no url */
		"dance, x, https://x",		 /* unknown action */
		"view, , https://x",		 /* no label */
		"view, a, https://x; view, b, https://x; view, c, https://x; view, d, https://x", /* four */
		"http, Get, https://x, method=GET, body=x",
		"view, \"unterminated, https://x",
		"view, a, https://x, what=ever",
		"broadcast, a, https://x",	 /* no url for broadcast */
		"view, a, https://x, clear=maybe",
		"[{\"action\":\"view\",\"label\":1,\"url\":\"u\"}]",
		"[{\"action\":\"view\",\"label\":\"l\",\"url\":\"u\",\"clear\":\"yes\"}]",
		"[{\"action\":\"http\",\"label\":\"l\",\"url\":\"u\",\"headers\":{\"a\":1}}]",
		"[1]", "[", "{}", "", ";;",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[120] = "";
		int rc;
		char *s = parse(bad[i], &rc, why, sizeof(why));
		if (rc != -EINVAL)
			fail_msg("'%s' was taken: %s", bad[i], s ? s : "");
		assert_true(why[0] != '\0');
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
