/* SPDX-License-Identifier: MIT */
/* Unit tests of the notify room's access rules: patterns, ACL precedence, admins, defaults, the failure limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify/auth.h"
#include "notify/limit.h"

static void test_patterns(void **state)
{
	(void)state;
	assert_true(notify_pattern_match("alerts", "alerts"));
	assert_false(notify_pattern_match("alerts", "alerts2"));
	assert_true(notify_pattern_match("alerts*", "alerts"));
	assert_true(notify_pattern_match("alerts*", "alerts-nas"));
	assert_true(notify_pattern_match("*", "x"));
	assert_true(notify_pattern_match("a*b*c", "aXXbYYc"));
	assert_false(notify_pattern_match("a*b*c", "aXXbYY"));
	assert_true(notify_pattern_match("up*", "upAbCdEf123456"));
	assert_false(notify_pattern_match("*x", "abc"));
}

static void add_acl(struct notify_auth *a, const char *user,
		    const char *pattern, const char *perm)
{
	a->acl = realloc(a->acl, (a->n_acl + 1) * sizeof(*a->acl));
	struct notify_acl *e = &a->acl[a->n_acl++];
	e->user = strdup(user);
	e->pattern = strdup(pattern);
	assert_int_equal(notify_perm_parse(perm, &e->read, &e->write), 0);
}

static void test_precedence(void **state)
{
	(void)state;
	struct notify_auth *a;
	assert_int_equal(notify_auth_new(&a), 0);
	struct notify_user phil = {.name = "phil"}, boss = {.name = "boss", .admin = true};
	add_acl(a, "phil", "alerts*", "read-write");
	add_acl(a, "phil", "alerts-secret", "ro");
	add_acl(a, "*", "alerts-secret", "deny");
	add_acl(a, "*", "public", "read-only");
	add_acl(a, "*", "drop*", "write-only");
	add_acl(a, "*", "drop*", "read"); /* same length: the writer wins */
	bool r, w;
	notify_auth_allowed(a, &phil, "alerts-x", false, false, &r, &w);
	assert_true(r && w);
	notify_auth_allowed(a, &phil, "alerts-secret", false, false, &r, &w);
	assert_true(r && !w); /* the user's own, longer entry */
	notify_auth_allowed(a, NULL, "alerts-secret", true, true, &r, &w);
	assert_true(!r && !w); /* everyone's entry beats the default */
	notify_auth_allowed(a, NULL, "public", false, false, &r, &w);
	assert_true(r && !w);
	notify_auth_allowed(a, &phil, "public", false, false, &r, &w);
	assert_true(r && !w); /* everyone's applies to users too */
	notify_auth_allowed(a, NULL, "dropbox", false, false, &r, &w);
	assert_true(!r && w);
	notify_auth_allowed(a, NULL, "elsewhere", true, false, &r, &w);
	assert_true(r && !w); /* no entry: the default */
	notify_auth_allowed(a, &boss, "alerts-secret", false, false, &r, &w);
	assert_true(r && w); /* admins */
	bool x, y;
	assert_int_equal(notify_perm_parse("bogus", &x, &y), -EINVAL);
	notify_auth_free(a);
}

static void test_limits(void **state)
{
	(void)state;
	struct notify_auth *a;
	assert_int_equal(notify_auth_new(&a), 0);
	struct ipaddr ip = {.family = AF_INET};
	ip.u.bytes[0] = 192;
	int ok = 0;
	for (int i = 0; i < 40; i++)
		ok += notify_auth_fail_ok(a, &ip, 1000);
	assert_int_equal(ok, 30);
	assert_false(notify_auth_fail_ok(a, &ip, 1000 + 59000));
	assert_true(notify_auth_fail_ok(a, &ip, 1000 + 61000));
	notify_auth_free(a);

	struct notify_limits *l = calloc(1, sizeof(*l));
	struct ipaddr v6 = {.family = AF_INET6};
	v6.u.bytes[0] = 0x20;
	v6.u.bytes[15] = 1;
	struct notify_visitor *v = notify_visitor_of(l, &v6, 60, 0);
	v6.u.bytes[15] = 2; /* the same /64: the same visitor */
	assert_ptr_equal(notify_visitor_of(l, &v6, 60, 0), v);
	ok = 0;
	for (int i = 0; i < 70; i++)
		ok += notify_visitor_request(v, 60, 5000, 0);
	assert_int_equal(ok, 60);
	assert_false(notify_visitor_request(v, 60, 5000, 4999));
	assert_true(notify_visitor_request(v, 60, 5000, 5001));
	assert_true(notify_visitor_request(v, 60, 0, 5001)); /* no limit */
	v->messages = 5;
	notify_visitor_today(v, 7);
	assert_int_equal(v->messages, 0);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
