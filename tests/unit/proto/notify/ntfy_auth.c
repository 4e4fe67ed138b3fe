/* SPDX-License-Identifier: MIT */
/* Unit tests of ntfy credentials (Basic, Bearer, ?auth=), topic patterns and permission resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/notify/ntfy_auth.h"

static void test_basic(void **state)
{
	(void)state;
	struct ntfy_cred c;
	/* "phil:mypass" */
	assert_int_equal(ntfy_cred_parse("Basic cGhpbDpteXBhc3M=", NULL, &c),
			 NTFY_CRED_BASIC);
	assert_string_equal(c.user, "phil");
	assert_string_equal(c.secret, "mypass");
	/* scheme case-insensitive, padding optional, password with ':' */
	/* "a:b:c" */
	assert_int_equal(ntfy_cred_parse("basic YTpiOmM", NULL, &c),
			 NTFY_CRED_BASIC);
	assert_string_equal(c.user, "a");
	assert_string_equal(c.secret, "b:c");
	/* ":tk_..." is a token */
	assert_int_equal(ntfy_cred_parse(
				 "Basic OnRrX0FnUWRxN21WQm9GRDM3elFWTjI5Umh1TXpOSXo=",
				 NULL, &c),
			 NTFY_CRED_TOKEN);
	assert_string_equal(c.secret, "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz");
	/* no colon, not base64, NUL inside: invalid */
	assert_int_equal(ntfy_cred_parse("Basic cGhpbA==", NULL, &c),
			 NTFY_CRED_INVALID);
	assert_int_equal(ntfy_cred_parse("Basic !!!", NULL, &c),
			 NTFY_CRED_INVALID);
	assert_int_equal(ntfy_cred_parse("Basic YQBiOmM=", NULL, &c),
			 NTFY_CRED_INVALID);
	assert_int_equal(ntfy_cred_parse("Basic ", NULL, &c), NTFY_CRED_INVALID);
}

static void test_bearer_and_others(void **state)
{
	(void)state;
	struct ntfy_cred c;
	assert_int_equal(ntfy_cred_parse("Bearer  tk_x ", NULL, &c),
			 NTFY_CRED_TOKEN);
	assert_string_equal(c.secret, "tk_x");
	assert_int_equal(ntfy_cred_parse("Bearer ", NULL, &c), NTFY_CRED_INVALID);
	assert_int_equal(ntfy_cred_parse(NULL, NULL, &c), NTFY_CRED_NONE);
	assert_int_equal(ntfy_cred_parse("", "", &c), NTFY_CRED_NONE);
	assert_int_equal(ntfy_cred_parse("WebPush abc", NULL, &c), NTFY_CRED_NONE);
	assert_int_equal(ntfy_cred_parse("vapid t=1", NULL, &c), NTFY_CRED_NONE);
}

static void test_query(void **state)
{
	(void)state;
	struct ntfy_cred c;
	/* base64url("Basic cGhpbDpteXBhc3M=") without padding; it wins
	 * over the header. */
	assert_int_equal(ntfy_cred_parse("Bearer tk_other",
					 "QmFzaWMgY0docGJEcHRlWEJoYzNNPQ", &c),
			 NTFY_CRED_BASIC);
	assert_string_equal(c.user, "phil");
	/* base64url("Bearer tk_x") */
	assert_int_equal(ntfy_cred_parse(NULL, "QmVhcmVyIHRrX3g", &c),
			 NTFY_CRED_TOKEN);
	assert_string_equal(c.secret, "tk_x");
	/* not base64url: invalid (the std alphabet's '+' and '/' too) */
	assert_int_equal(ntfy_cred_parse(NULL, "Qm+/", &c), NTFY_CRED_INVALID);
	assert_int_equal(ntfy_cred_parse(NULL, "%%%", &c), NTFY_CRED_INVALID);
}

static void test_base64(void **state)
{
	(void)state;
	unsigned char out[8];
	assert_int_equal(ntfy_base64_decode("", 0, false, out, 8), 0);
	assert_int_equal(ntfy_base64_decode("YQ==", 4, false, out, 8), 1);
	assert_int_equal(ntfy_base64_decode("YQ", 2, false, out, 8), 1);
	assert_int_equal(ntfy_base64_decode("YR", 2, false, out, 8), -1);
	assert_int_equal(ntfy_base64_decode("Y", 1, false, out, 8), -1);
	assert_int_equal(ntfy_base64_decode("YQ=", 3, false, out, 8), -1);
	assert_int_equal(ntfy_base64_decode("YWJj", 4, false, out, 2), -1);
	assert_int_equal(ntfy_base64_decode("-_8", 3, true, out, 8), 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(out[1], 0xff);
}

static void test_shapes(void **state)
{
	(void)state;
	assert_true(ntfy_token_valid("tk_AgQdq7mVBoFD37zQVN29RhuMzNIzX"));
	assert_false(ntfy_token_valid("tk_AgQdq7mVBoFD37zQVN29RhuMzNIz"));
	assert_false(ntfy_token_valid("tk_AgQdq7mVBoFD37zQVN29RhuMzNI-X"));
	assert_false(ntfy_token_valid("tx_AgQdq7mVBoFD37zQVN29RhuMzNIzX"));
	assert_true(ntfy_user_valid("phil.e+x@home_lab-1"));
	assert_false(ntfy_user_valid(""));
	assert_false(ntfy_user_valid("*"));
	assert_false(ntfy_user_valid("a b"));
	assert_true(ntfy_pattern_valid("alerts_*"));
	assert_false(ntfy_pattern_valid("a/b"));
	assert_false(ntfy_pattern_valid(""));
}

static void test_match(void **state)
{
	(void)state;
	assert_true(ntfy_pattern_match("*", "x"));
	assert_true(ntfy_pattern_match("alerts", "alerts"));
	assert_true(ntfy_pattern_match("alerts", "ALERTS"));
	assert_false(ntfy_pattern_match("alerts", "alerts2"));
	assert_true(ntfy_pattern_match("up*", "up123"));
	assert_true(ntfy_pattern_match("up*", "up"));
	assert_true(ntfy_pattern_match("*-prod", "db-prod"));
	assert_true(ntfy_pattern_match("a*b*c", "axxbyyc"));
	assert_false(ntfy_pattern_match("a*b*c", "axxbyy"));
	assert_true(ntfy_pattern_match("a**", "a"));
	assert_false(ntfy_pattern_match("a_b", "axb")); /* '_' is literal */
	assert_true(ntfy_pattern_match("a_b", "a_b"));
}

static void test_perm_names(void **state)
{
	(void)state;
	assert_int_equal(ntfy_perm_parse("rw"), NTFY_PERM_RW);
	assert_int_equal(ntfy_perm_parse("read-write"), NTFY_PERM_RW);
	assert_int_equal(ntfy_perm_parse("RO"), NTFY_PERM_READ);
	assert_int_equal(ntfy_perm_parse("read"), NTFY_PERM_READ);
	assert_int_equal(ntfy_perm_parse("write-only"), NTFY_PERM_WRITE);
	assert_int_equal(ntfy_perm_parse("wo"), NTFY_PERM_WRITE);
	assert_int_equal(ntfy_perm_parse("deny"), NTFY_PERM_NONE);
	assert_int_equal(ntfy_perm_parse("none"), NTFY_PERM_NONE);
	assert_int_equal(ntfy_perm_parse("deny-all"), NTFY_PERM_NONE);
	assert_int_equal(ntfy_perm_parse("all"), -1);
	assert_string_equal(ntfy_perm_name(NTFY_PERM_WRITE), "write-only");
	assert_string_equal(ntfy_perm_name(NTFY_PERM_NONE), "deny-all");
}

static void test_resolve(void **state)
{
	(void)state;
	const struct ntfy_acl_entry e[] = {
		{"*", "up*", NTFY_PERM_WRITE},
		{"*", "public", NTFY_PERM_READ},
		{"phil", "*", NTFY_PERM_READ},
		{"phil", "phil_*", NTFY_PERM_RW},
		{"phil", "secret", NTFY_PERM_NONE},
		{"ben", "alerts", NTFY_PERM_READ},
		{"ben", "alerts", NTFY_PERM_WRITE},
	};
	size_t n = sizeof(e) / sizeof(e[0]);
	/* admin: all, whatever the entries and default */
	assert_int_equal(ntfy_acl_resolve(true, "root", e, n, "secret", 0),
			 NTFY_PERM_RW);
	/* anonymous: only everyone's entries, else the default */
	assert_int_equal(ntfy_acl_resolve(false, NULL, e, n, "up1234", 0),
			 NTFY_PERM_WRITE);
	assert_int_equal(ntfy_acl_resolve(false, NULL, e, n, "public", 0),
			 NTFY_PERM_READ);
	assert_int_equal(ntfy_acl_resolve(false, NULL, e, n, "other", 0),
			 NTFY_PERM_NONE);
	assert_int_equal(ntfy_acl_resolve(false, NULL, e, n, "other",
					  NTFY_PERM_RW),
			 NTFY_PERM_RW);
	/* the user's entries beat everyone's, even shorter ones */
	assert_int_equal(ntfy_acl_resolve(false, "phil", e, n, "public", 0),
			 NTFY_PERM_READ);
	assert_int_equal(ntfy_acl_resolve(false, "phil", e, n, "up1234", 0),
			 NTFY_PERM_READ);
	/* the longer pattern wins; deny is an answer */
	assert_int_equal(ntfy_acl_resolve(false, "phil", e, n, "phil_x", 0),
			 NTFY_PERM_RW);
	assert_int_equal(ntfy_acl_resolve(false, "phil", e, n, "secret",
					  NTFY_PERM_RW),
			 NTFY_PERM_NONE);
	/* same length: the write-enabled entry decides */
	assert_int_equal(ntfy_acl_resolve(false, "ben", e, n, "alerts", 0),
			 NTFY_PERM_WRITE);
	/* another user's entries do not apply */
	assert_int_equal(ntfy_acl_resolve(false, "ben", e, n, "phil_x", 0),
			 NTFY_PERM_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_bearer_and_others),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_perm_names),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
