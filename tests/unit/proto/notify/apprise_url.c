/* SPDX-License-Identifier: MIT */
/* Unit tests of the Apprise URL parser: generic parts, query prefixes, and each scheme's tokens and targets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/apprise_target.h"
#include "proto/notify/apprise_url.h"

static void test_generic_parts(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_url u;
	const char *why = NULL;
	assert_int_equal(apprise_url_parse("JSONS://us%40er:p%3Ass@Example.com:8443//a//b%20c/?"
					   "+X-Token=abc&-apikey=1&:source=ci&Format=markdown;flag",
					   true, &a, &u, &why), 0);
	assert_string_equal(u.schema, "jsons");
	assert_true(u.secure);
	assert_string_equal(u.user, "us@er");
	assert_string_equal(u.password, "p:ss");
	assert_string_equal(u.host, "Example.com");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.fullpath, "/a/b%20c/");
	assert_int_equal(u.nsegs, 2);
	assert_string_equal(u.segs[1], "b c");
	assert_string_equal(apprise_url_arg(&u, "format"), "markdown");
	assert_string_equal(apprise_url_arg(&u, "flag"), "");
	assert_int_equal(u.nadd, 1);
	assert_string_equal(u.add[0].key, "X-Token");
	assert_string_equal(u.add[0].val, "abc");
	assert_int_equal(u.ndel, 1);
	assert_string_equal(u.del[0].key, "apikey");
	assert_int_equal(u.ncolon, 1);
	assert_string_equal(u.colon[0].key, "source");
	assert_string_equal(u.colon[0].val, "ci");
	/* '+' in a value stays '+' (tokens, passwords) */
	assert_int_equal(apprise_url_parse("json://h/?k=a+b", true, &a, &u, NULL), 0);
	assert_string_equal(apprise_url_arg(&u, "k"), "a+b");
	/* ?user= / ?pass= / ?port= override */
	assert_int_equal(apprise_url_parse("json://x:y@h:1?user=u&pass=p&port=99", true, &a, &u, NULL), 0);
	assert_string_equal(u.user, "u");
	assert_string_equal(u.password, "p");
	assert_int_equal(u.port, 99);
	/* no path: fullpath NULL */
	assert_int_equal(apprise_url_parse("json://localhost", true, &a, &u, NULL), 0);
	assert_null(u.fullpath);
	assert_int_equal(u.port, -1);
	/* IPv6 with port */
	assert_int_equal(apprise_url_parse("json://[::1]:9000/x", true, &a, &u, NULL), 0);
	assert_string_equal(u.host, "[::1]");
	assert_int_equal(u.port, 9000);
	arena_deinit(&a);
}

static void test_generic_refusals(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_url u;
	const char *why = NULL;
	const char *bad[] = {"", "json:/x", "j://h", "averylongschema://h", "json://bad_host_/",
			     "json://h:12x/", "json://h:99999/", "json://-h/", "json://",
			     "json://a..b/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(apprise_url_parse(bad[i], true, &a, &u, &why), -EINVAL);
		assert_non_null(why);
	}
	/* the same hosts are fine when the plugin does not verify them */
	assert_int_equal(apprise_url_parse("discord://bad_host_/tok", false, &a, &u, NULL), 0);
	char big[APPRISE_URL_MAX + 16];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "json://h/", 9);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(apprise_url_parse(big, true, &a, &u, &why), -EINVAL);
	arena_deinit(&a);
}

static void test_hostname_and_bool(void **state)
{
	(void)state;
	assert_true(apprise_is_hostname("localhost"));
	assert_true(apprise_is_hostname("a.b-c.example."));
	assert_true(apprise_is_hostname("127.0.0.1"));
	assert_true(apprise_is_hostname("[fe80::1]"));
	assert_false(apprise_is_hostname("300.1.1.1"));
	assert_false(apprise_is_hostname("a_"));
	assert_false(apprise_is_hostname("1"));
	assert_true(apprise_parse_bool("yes", false));
	assert_true(apprise_parse_bool("True", false));
	assert_false(apprise_parse_bool("no", true));
	assert_false(apprise_parse_bool("off", true));
	assert_true(apprise_parse_bool("maybe", true));
	assert_false(apprise_parse_bool(NULL, false));
}

static struct apprise_target parse_ok(struct arena *a, const char *url)
{
	struct apprise_target t;
	const char *why = NULL;
	int rc = apprise_target_parse(url, a, &t, &why);
	if (rc)
		fail_msg("%s: %s", url, why ? why : "?");
	return t;
}

static void test_schemes(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct apprise_target t = parse_ok(&a, "ntfy://user:pass@localhost:8080/t2/t1?priority=high");
	assert_int_equal(t.scheme, APPRISE_NTFY);
	assert_int_equal(t.mode, 0);
	assert_int_equal(t.ntargets, 2);
	assert_string_equal(t.targets[0], "t1"); /* sorted, as parse_list */
	t = parse_ok(&a, "ntfy://mytopic");
	assert_int_equal(t.mode, 1); /* cloud: the host is the topic */
	assert_string_equal(t.targets[0], "mytopic");
	t = parse_ok(&a, "gotifys://g.example/sub/path/AbCtoken?priority=8");
	assert_int_equal(t.scheme, APPRISE_GOTIFY);
	assert_string_equal(t.a, "AbCtoken");
	assert_string_equal(t.prefix, "/sub/path/");
	t = parse_ok(&a, "discord://1234/abcd-efg");
	assert_string_equal(t.a, "1234");
	assert_string_equal(t.b, "abcd-efg");
	t = parse_ok(&a, "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general/@user");
	assert_int_equal(t.mode, 0);
	assert_string_equal(t.c, "TIiajkdnlazkcOXrIdevi7FQ");
	assert_int_equal(t.ntargets, 2);
	t = parse_ok(&a, "slack://xoxb-1234-abcd/#chan");
	assert_int_equal(t.mode, 1);
	t = parse_ok(&a, "tgram://123456789:AABBccdd_ee/-1001234/@channel?silent=yes");
	assert_string_equal(t.a, "123456789:AABBccdd_ee");
	assert_int_equal(t.ntargets, 2);
	t = parse_ok(&a, "pover://userkey@apptoken/phone/tablet");
	assert_string_equal(t.a, "apptoken");
	assert_string_equal(t.b, "userkey");
	assert_int_equal(t.ntargets, 2);
	t = parse_ok(&a, "apprise://h:8000/path/KEY1?tags=a,b");
	assert_string_equal(t.a, "KEY1");
	assert_string_equal(t.prefix, "/path");
	t = parse_ok(&a, "apprises://h/?to=other");
	assert_string_equal(t.a, "other");
	t = parse_ok(&a, "mailtos://user:pw@mail.example:465?to=a@b.example&mode=ssl");
	assert_int_equal(t.scheme, APPRISE_MAILTO);
	assert_int_equal(t.ntargets, 1);
	t = parse_ok(&a, "matrix://user:token@hs.example/?mode=matrix");
	assert_int_equal(t.mode, 1);
	t = parse_ok(&a, "hearth://alerts/backup");
	assert_int_equal(t.ntargets, 2);
	t = parse_ok(&a, "json://localhost/?format=markdown");
	assert_int_equal(t.format, APPRISE_MARKDOWN);
	t = parse_ok(&a, "mailto://u:p@h.example");
	assert_int_equal(t.format, APPRISE_HTML);

	const char *bad[] = {"foo://x", "gotify://host", "discord://1234", "slack://a/b",
			     "json://h/?method=PATCH", "tgram://notatoken/1", "apprise://h/",
			     "apprise://h/bad.key", "pover://token", "hearth://",
			     "matrix://?mode=t2bot", "matrix://short?mode=t2bot",
			     "slack://xoxz-bad/#c", "ntfy://bad_host_:8080/topic?mode=private"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct apprise_target x;
		const char *why = NULL;
		int rc = apprise_target_parse(bad[i], &a, &x, &why);
		if (rc != -EINVAL)
			fail_msg("%s parsed (rc %d)", bad[i], rc);
		assert_non_null(why);
	}
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generic_parts),
		cmocka_unit_test(test_generic_refusals),
		cmocka_unit_test(test_hostname_and_bool),
		cmocka_unit_test(test_schemes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
