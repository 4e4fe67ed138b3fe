/* SPDX-License-Identifier: MIT */
/* Unit tests of the json-query path parser, its evaluation and Kuma's operators; and the status-code ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "proto/watch/codes.h"
#include "proto/watch/jsonq.h"

static const char *DOC =
	"{\"status\": \"ok\", \"count\": 42, \"load\": 0.5, \"up\": true,"
	" \"none\": null, \"list\": [1, 2, {\"name\": \"db\"}],"
	" \"tags\": [\"prod\", \"eu-west\"], \"odd key\": {\"x\": \"7\"},"
	" \"a\": {\"b\": {\"c\": [10, 20, 30]}}}";

/* The text of @path's value in DOC ("undefined" when it leads nowhere). */
static void path_is(const char *path, const char *text)
{
	char why[128], actual[256];
	struct watch_jsonq *q = NULL;
	json_t *doc = json_loads(DOC, 0, NULL);
	assert_non_null(doc);
	if (watch_jsonq_parse(path, &q, why, sizeof(why)))
		fail_msg("'%s' refused: %s", path, why);
	json_t *v = watch_jsonq_eval(q, doc);
	watch_jsonq_compare(v, WATCH_OP_EQ, "", actual, sizeof(actual));
	if (strcmp(actual, text))
		fail_msg("%s: '%s', not '%s'", path, actual, text);
	watch_jsonq_free(q);
	json_decref(doc);
}

static void test_paths(void **state)
{
	(void)state;
	path_is("$.status", "ok");
	path_is("status", "ok");
	path_is("$.count", "42");
	path_is("$.load", "0.5");
	path_is("$.up", "true");
	path_is("$.none", "null");
	path_is("$.list[1]", "2");
	path_is("$.list[-1].name", "db");
	path_is("list[2].name", "db");
	path_is("$['odd key'].x", "7");
	path_is("$[\"odd key\"][\"x\"]", "7");
	path_is("$.a.b.c[0]", "10");
	path_is("a.b.c", "[10,20,30]");
	path_is(" $.a.b.c[2] ", "30");
	path_is("$", "{\"status\":\"ok\",\"count\":42,\"load\":0.5,"
			  "\"up\":true,\"none\":null,\"list\":[1,2,{\"name\":"
			  "\"db\"}],\"tags\":[\"prod\",\"eu-west\"],\"odd key\":"
			  "{\"x\":\"7\"},\"a\":{\"b\":{\"c\":[10,20,30]}}}");
	/* Nowhere: missing keys, indexes out of range, wrong kinds. */
	path_is("$.missing", "undefined");
	path_is("$.list[3]", "undefined");
	path_is("$.list[-4]", "undefined");
	path_is("$.status.x", "undefined");
	path_is("$.status[0]", "undefined");
	path_is("$.a['b'].c.d", "undefined");
}

static void refused(const char *path, const char *why_part)
{
	char why[128] = "";
	struct watch_jsonq *q = (struct watch_jsonq *)1;
	assert_int_equal(watch_jsonq_parse(path, &q, why, sizeof(why)), -1);
	assert_null(q);
	if (!strstr(why, why_part))
		fail_msg("%s: '%s' lacks '%s'", path, why, why_part);
}

static void test_refusals(void **state)
{
	(void)state;
	refused("", "empty");
	refused("   ", "empty");
	refused("$.", "expected a name");
	refused("$..a", "expected a name");
	refused("$.a[", "expected an index");
	refused("$.a[1", "expected ']'");
	refused("$.a[x]", "expected an index");
	refused("$['a", "unterminated");
	refused("$['a\\q']", "bad escape");
	refused("$.a b", "unexpected 'b'");
	refused("$.a==1", "unexpected '='");
	refused("#", "unexpected '#'");
	refused("$.a[99999999999]", "too large");
	char big[WATCH_JSONQ_MAX_LEN + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	refused(big, "longer");
	char deep[4 * (WATCH_JSONQ_MAX_STEPS + 1) + 2] = "$";
	for (int i = 0; i <= WATCH_JSONQ_MAX_STEPS; i++)
		strcat(deep, "[0]");
	refused(deep, "steps");
}

/* @path OP @expected on DOC. */
static int cmp(const char *path, const char *op, const char *expected)
{
	char why[128];
	struct watch_jsonq *q = NULL;
	json_t *doc = json_loads(DOC, 0, NULL);
	assert_int_equal(watch_jsonq_parse(path, &q, why, sizeof(why)), 0);
	int o = watch_jsonq_op_parse(op);
	assert_true(o >= 0);
	int r = watch_jsonq_compare(watch_jsonq_eval(q, doc),
				    (enum watch_jsonq_op)o, expected, NULL, 0);
	watch_jsonq_free(q);
	json_decref(doc);
	return r;
}

static void test_operators(void **state)
{
	(void)state;
	assert_int_equal(cmp("$.status", "==", "ok"), 1);
	assert_int_equal(cmp("$.status", "==", "OK"), 0);
	assert_int_equal(cmp("$.status", "!=", "down"), 1);
	assert_int_equal(cmp("$.count", "==", "42"), 1);
	assert_int_equal(cmp("$.up", "==", "true"), 1);
	assert_int_equal(cmp("$.count", ">", "41"), 1);
	assert_int_equal(cmp("$.count", ">", "42"), 0);
	assert_int_equal(cmp("$.count", ">=", "42"), 1);
	assert_int_equal(cmp("$.count", "<", "42.5"), 1);
	assert_int_equal(cmp("$.count", "<=", "41"), 0);
	assert_int_equal(cmp("$.load", "<", "1"), 1);
	/* A numeric string compares as a number. */
	assert_int_equal(cmp("$['odd key'].x", ">", "6.5"), 1);
	/* Not comparable: text, a bad expected value, nothing there. */
	assert_int_equal(cmp("$.status", ">", "1"), -1);
	assert_int_equal(cmp("$.count", ">", "many"), -1);
	assert_int_equal(cmp("$.count", ">", ""), -1);
	assert_int_equal(cmp("$.missing", ">", "1"), -1);
	assert_int_equal(cmp("$.missing", "==", "x"), 0);
	assert_int_equal(cmp("$.missing", "!=", "x"), 1);
	/* contains: in a string, or an element of an array. */
	assert_int_equal(cmp("$.status", "contains", "k"), 1);
	assert_int_equal(cmp("$.tags", "contains", "prod"), 1);
	assert_int_equal(cmp("$.tags", "contains", "west"), 1);
	assert_int_equal(cmp("$.tags", "contains", "us"), 0);
	assert_int_equal(cmp("$.list", "contains", "2"), 1);
	assert_int_equal(cmp("$.a", "contains", "\"c\""), 1);
	assert_int_equal(watch_jsonq_op_parse(NULL), WATCH_OP_EQ);
	assert_int_equal(watch_jsonq_op_parse("=~"), -1);
	assert_int_equal(watch_jsonq_op_parse("contains"), WATCH_OP_CONTAINS);
}

static void test_codes(void **state)
{
	(void)state;
	int lo, hi;
	assert_int_equal(watch_code_range_parse("200-299", &lo, &hi), 0);
	assert_int_equal(lo, 200);
	assert_int_equal(hi, 299);
	assert_int_equal(watch_code_range_parse("404", &lo, &hi), 0);
	assert_int_equal(lo, 404);
	assert_int_equal(hi, 404);
	assert_int_equal(watch_code_range_parse("299-200", &lo, &hi), -1);
	assert_int_equal(watch_code_range_parse("2xx", &lo, &hi), -1);
	assert_int_equal(watch_code_range_parse("099", &lo, &hi), -1);
	assert_int_equal(watch_code_range_parse("2000", &lo, &hi), -1);
	assert_int_equal(watch_code_range_parse("200-", &lo, &hi), -1);
	assert_int_equal(watch_code_range_parse("", &lo, &hi), -1);
	assert_true(watch_body_contains("hello world", 11, "world"));
	assert_false(watch_body_contains("hello world", 11, "World"));
	assert_false(watch_body_contains("hello world", 5, "world"));
	assert_true(watch_body_contains("a\0b", 3, "b"));
	assert_true(watch_body_contains("", 0, ""));
	assert_false(watch_body_contains("ab", 2, "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
