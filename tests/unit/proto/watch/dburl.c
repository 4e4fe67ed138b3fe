/* SPDX-License-Identifier: MIT */
/* Unit tests of database connection strings: every part, escapes, IPv6 hosts, and refusals with their reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "proto/watch/dburl.h"

static char buf[WATCH_DBURL_MAX + 8];

static struct watch_dburl ok(const char *s)
{
	struct watch_dburl u;
	char why[64] = "";
	if (watch_dburl_parse(s, &u, buf, sizeof(buf), why, sizeof(why)))
		fail_msg("%s refused: %s", s, why);
	return u;
}

static void refused(const char *s, const char *reason)
{
	struct watch_dburl u;
	char why[64] = "";
	assert_int_equal(watch_dburl_parse(s, &u, buf, sizeof(buf), why,
					   sizeof(why)), -1);
	if (!strstr(why, reason))
		fail_msg("%s: '%s' lacks '%s'", s, why, reason);
}

static void test_parts(void **state)
{
	(void)state;
	struct watch_dburl u = ok("MySQL://hearth:s3cret@db.lab:3307/app?ssl=1");
	assert_string_equal(u.scheme, "mysql");
	assert_string_equal(u.user, "hearth");
	assert_string_equal(u.password, "s3cret");
	assert_string_equal(u.host, "db.lab");
	assert_int_equal(u.port, 3307);
	assert_string_equal(u.path, "app");
	assert_string_equal(u.query, "ssl=1");
	u = ok("redis://10.0.0.5");
	assert_null(u.user);
	assert_null(u.password);
	assert_null(u.path);
	assert_null(u.query);
	assert_int_equal(u.port, 0);
	u = ok("redis://:pw@h/");
	assert_null(u.user);
	assert_string_equal(u.password, "pw");
	assert_null(u.path);
	u = ok("redis://user@h");
	assert_string_equal(u.user, "user");
	assert_null(u.password);
}

static void test_escapes_and_ipv6(void **state)
{
	(void)state;
	/* The last '@' of the authority ends the credentials. */
	struct watch_dburl u = ok("rediss://u:p@w@cache:6380/3");
	assert_string_equal(u.password, "p@w");
	assert_string_equal(u.host, "cache");
	u = ok("mysql://u%20x:p%2Fq%3a@h/d%62");
	assert_string_equal(u.user, "u x");
	assert_string_equal(u.password, "p/q:");
	assert_string_equal(u.path, "db");
	u = ok("redis://[::1]:6379");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 6379);
	u = ok("redis://:x@[fd00::5]/2");
	assert_string_equal(u.host, "fd00::5");
	assert_string_equal(u.path, "2");
}

static void test_refusals(void **state)
{
	(void)state;
	refused("db.lab:3306", "scheme://");
	refused("://h", "scheme://");
	refused("my sql://h", "scheme://");
	refused("mysql://", "no host");
	refused("mysql://u:p@/x", "no host");
	refused("mysql://u:p@:3306/x", "no host");
	refused("mysql://h:0", "bad port");
	refused("mysql://h:65536", "bad port");
	refused("mysql://h:12a", "bad port");
	refused("mysql://h:", "bad port");
	refused("mysql://[::1", "IPv6");
	refused("mysql://[]:1", "IPv6");
	refused("mysql://[::1]x", "IPv6");
	refused("mysql://u:p%zz@h", "escape");
	refused("mysql://u:p%00@h", "escape");
	refused("mysql://u:p%4@h", "escape");
	refused("mysql://h/db#frag", "fragment");
	char big[WATCH_DBURL_MAX + 16];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "redis://", 8);
	refused(big, "too long");
	struct watch_dburl u;
	assert_int_equal(watch_dburl_parse("redis://h", &u, buf, 8, NULL, 0),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_escapes_and_ipv6),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
