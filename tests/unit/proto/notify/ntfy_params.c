/* SPDX-License-Identifier: MIT */
/* Unit tests of ntfy's parameter values: booleans, priorities, durations, delays, since=, MIME words, UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/ntfy_params.h"
#include "proto/notify/ntfy_topic.h"

#define S(x) x, strlen(x)

static void test_bool_priority(void **state)
{
	(void)state;
	bool b;
	assert_int_equal(ntfy_parse_bool(S(" Yes "), &b), 0);
	assert_true(b);
	assert_int_equal(ntfy_parse_bool(S("0"), &b), 0);
	assert_false(b);
	assert_int_equal(ntfy_parse_bool(S("maybe"), &b), -EINVAL);
	int p;
	static const struct {
		const char *s;
		int p;
	} ok[] = {{"1", 1}, {"min", 1}, {"LOW", 2}, {"default", 3},
		  {"high", 4}, {"max", 5}, {"urgent", 5}, {"", 0}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ntfy_parse_priority(S(ok[i].s), &p), 0);
		assert_int_equal(p, ok[i].p);
	}
	assert_int_equal(ntfy_parse_priority(S("6"), &p), -EINVAL);
	assert_int_equal(ntfy_parse_priority(S("0"), &p), -EINVAL);
	assert_int_equal(ntfy_parse_priority(S("highest"), &p), -EINVAL);
}

static void test_durations(void **state)
{
	(void)state;
	int64_t d;
	static const struct {
		const char *s;
		int64_t d;
	} ok[] = {{"30s", 30}, {"10m", 600}, {"1h30m", 5400}, {"1.5h", 5400},
		  {"2d", 172800}, {"1 week", 604800}, {"3 days", 259200},
		  {"500ms", 0}, {"1500ms", 1}, {"2 hours 5 minutes", 7500}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ntfy_parse_duration(S(ok[i].s), &d), 0);
		assert_int_equal(d, ok[i].d);
	}
	static const char *const bad[] = {"", "s", "10", "10x", "-5m", "1h-",
					  "99999999999999999999h",
					  "999999999999d"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ntfy_parse_duration(S(bad[i]), &d), -EINVAL);
}

/* 2026-12-02 00:00:00 UTC is a Wednesday. */
#define MIDNIGHT INT64_C(1796169600)

static void test_delays(void **state)
{
	(void)state;
	int64_t now = MIDNIGHT + 10 * 3600; /* 10:00 UTC */
	int64_t at;
	assert_int_equal(ntfy_parse_delay(S("30m"), now, 0, &at), 0);
	assert_int_equal(at, now + 1800);
	assert_int_equal(ntfy_parse_delay(S("1796200000"), now, 0, &at), 0);
	assert_int_equal(at, 1796200000);
	assert_int_equal(ntfy_parse_delay(S("tomorrow 9am"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 86400 + 9 * 3600);
	assert_int_equal(ntfy_parse_delay(S("tomorrow"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 86400 + 9 * 3600);
	assert_int_equal(ntfy_parse_delay(S("5pm"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 17 * 3600);
	/* Already past today: tomorrow. */
	assert_int_equal(ntfy_parse_delay(S("9:30am"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 86400 + 9 * 3600 + 1800);
	assert_int_equal(ntfy_parse_delay(S("17:45"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 17 * 3600 + 45 * 60);
	assert_int_equal(ntfy_parse_delay(S("today at 5 pm"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 17 * 3600);
	assert_int_equal(ntfy_parse_delay(S("noon"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 12 * 3600);
	assert_int_equal(ntfy_parse_delay(S("in 30 minutes"), now, 0, &at), 0);
	assert_int_equal(at, now + 1800);
	assert_int_equal(ntfy_parse_delay(S("2 hours from now"), now, 0, &at), 0);
	assert_int_equal(at, now + 7200);
	/* Wednesday -> next Friday 10am is two days on. */
	assert_int_equal(ntfy_parse_delay(S("friday 10am"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 2 * 86400 + 10 * 3600);
	assert_int_equal(ntfy_parse_delay(S("wednesday"), now, 0, &at), 0);
	assert_int_equal(at, MIDNIGHT + 7 * 86400 + 9 * 3600);
	/* Local time: UTC+2, so 9am local is 7am UTC. */
	assert_int_equal(ntfy_parse_delay(S("tomorrow, 9am"), now, 7200, &at), 0);
	assert_int_equal(at, MIDNIGHT + 86400 + 7 * 3600);
	static const char *const bad[] = {"", "soon", "13pm", "25:00",
					  "tomorrow tomorrow", "in",
					  "a b c d e f g h i j"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ntfy_parse_delay(S(bad[i]), now, 0, &at), -EINVAL);
}

static void test_since(void **state)
{
	(void)state;
	struct ntfy_since s;
	assert_int_equal(ntfy_parse_since(S("all"), 1000, &s), 0);
	assert_int_equal(s.kind, NTFY_SINCE_ALL);
	assert_int_equal(ntfy_parse_since(S("latest"), 1000, &s), 0);
	assert_int_equal(s.kind, NTFY_SINCE_LATEST);
	assert_int_equal(ntfy_parse_since(S("none"), 1000, &s), 0);
	assert_int_equal(s.kind, NTFY_SINCE_NONE);
	assert_int_equal(ntfy_parse_since(S("aBcDeF123456"), 1000, &s), 0);
	assert_int_equal(s.kind, NTFY_SINCE_ID);
	assert_string_equal(s.id, "aBcDeF123456");
	assert_int_equal(ntfy_parse_since(S("1700000000"), 1000, &s), 0);
	assert_int_equal(s.kind, NTFY_SINCE_TIME);
	assert_int_equal(s.time, 1700000000);
	assert_int_equal(ntfy_parse_since(S("10m"), 100000, &s), 0);
	assert_int_equal(s.time, 100000 - 600);
	assert_int_equal(ntfy_parse_since(S(""), 1000, &s), 0);
	assert_int_equal(s.kind, NTFY_SINCE_DEFAULT);
	assert_int_equal(ntfy_parse_since(S("later"), 1000, &s), -EINVAL);
	assert_int_equal(ntfy_parse_since(S("1111111111111111111111111"), 1000, &s),
			 -EINVAL);
}

static void test_mime_utf8_topics(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(ntfy_mime_decode(S("=?UTF-8?B?w6l0w6k=?="), out, sizeof(out)), 5);
	assert_string_equal(out, "été");
	assert_true(ntfy_mime_decode(S("=?utf-8?Q?a_b=3Dc?= =?UTF-8?Q?d?= x"), out,
				     sizeof(out)) > 0);
	assert_string_equal(out, "a b=cd x");
	assert_true(ntfy_mime_decode(S("=?ISO-8859-1?Q?caf=E9?="), out, sizeof(out)) > 0);
	assert_string_equal(out, "café");
	assert_true(ntfy_mime_decode(S("plain =? not a word"), out, sizeof(out)) > 0);
	assert_string_equal(out, "plain =? not a word");
	assert_int_equal(ntfy_mime_decode(S("=?UTF-8?B?@@@?="), out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "=?UTF-8?B?@@@?=");
	assert_true(ntfy_utf8_valid(S("h\xc3\xa9llo \xf0\x9f\x98\x80")));
	assert_false(ntfy_utf8_valid(S("\xc3\x28")));
	assert_false(ntfy_utf8_valid(S("\xc0\xaf")));	      /* overlong */
	assert_false(ntfy_utf8_valid(S("\xed\xa0\x80")));     /* surrogate */
	assert_false(ntfy_utf8_valid(S("\xf4\x90\x80\x80"))); /* > U+10FFFF */
	assert_false(ntfy_utf8_valid(S("\xe2\x82")));	      /* cut short */
	assert_true(ntfy_topic_valid(S("my-topic_1")));
	assert_false(ntfy_topic_valid(S("")));
	assert_false(ntfy_topic_valid(S("a/b")));
	char t65[66];
	memset(t65, 'a', 65);
	t65[65] = '\0';
	assert_false(ntfy_topic_valid(t65, 65));
	assert_true(ntfy_topic_valid(t65, 64));
	assert_true(ntfy_topic_reserved(S("v1")));
	assert_false(ntfy_topic_reserved(S("v2")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool_priority),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_delays),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_mime_utf8_topics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
