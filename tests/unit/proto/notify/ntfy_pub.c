/* SPDX-License-Identifier: MIT */
/* Unit tests of ntfy's publish options: aliases and their order, validation codes, JSON publish. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "proto/notify/ntfy_pub.h"

/* A request: "H:Name=value" headers and "Q:name=value" query items. */
struct req {
	const char *const *items;
};

static const char *get(void *ud, const char *name, bool header)
{
	const struct req *r = ud;
	for (size_t i = 0; r->items[i]; i++) {
		const char *it = r->items[i];
		if ((it[0] == 'H') != header)
			continue;
		const char *eq = strchr(it + 2, '=');
		size_t n = (size_t)(eq - (it + 2));
		if (strlen(name) == n && strncasecmp(it + 2, name, n) == 0)
			return eq + 1;
	}
	return NULL;
}

static void ids(char out[NTFY_ACTION_ID_LEN + 1], void *ud)
{
	(void)ud;
	memcpy(out, "abcdefghij", NTFY_ACTION_ID_LEN + 1);
}

static const struct ntfy_pub_env env = {
	.now = 1000000, .tz_off = 0, .delay_min = 10, .delay_max = 3 * 86400,
	.cache_enabled = true, .make_id = ids,
};

static int run(const char *const *items, struct ntfy_pub *p, struct ntfy_err *e)
{
	struct req r = {items};
	return ntfy_pub_parse(get, &r, NULL, NULL, &env, p, e);
}

static void test_aliases_and_order(void **state)
{
	(void)state;
	struct ntfy_pub p;
	struct ntfy_err e;
	const char *const a[] = {"Q:title=query", "H:t=short", "H:X-Title= long ",
				 "Q:p=5", "H:Tags=a, ,b", "Q:m=hi\\nthere",
				 "H:X-Cache=no", "Q:md=true", NULL};
	assert_int_equal(run(a, &p, &e), 0);
	assert_string_equal(p.title, "long"); /* headers first, X- first */
	assert_int_equal(p.priority, 5);
	assert_int_equal(json_array_size(p.tags), 2);
	assert_string_equal(p.message, "hi\nthere");
	assert_false(p.cache);
	assert_true(p.markdown);
	assert_true(p.firebase);
	ntfy_pub_free(&p);
	const char *const b[] = {"H:Priority=u=3, i", "Q:sid=seq-1", NULL};
	assert_int_equal(run(b, &p, &e), 0);
	assert_int_equal(p.priority, 0); /* RFC 9218's header ignored */
	assert_string_equal(p.sequence_id, "seq-1");
	ntfy_pub_free(&p);
}

static void test_codes(void **state)
{
	(void)state;
	static const struct {
		const char *item;
		int code;
	} cases[] = {
		{"H:Priority=7", 40007},       {"H:Icon=ftp://x", 40021},
		{"Q:attach=nope", 40013},      {"H:Actions=view, x", 40018},
		{"H:Email=a@b", 40001},	       {"H:Call=yes", 40032},
		{"H:Delay=whenever", 40004},   {"H:Delay=5s", 40005},
		{"H:In=4d", 40006},	       {"H:At=999999", 40005},
		{"H:X-Sequence-ID=a/b", 40049}, {"H:Tags=ok,\xc3", 40011},
		{"Q:tags=\xff\xfe", 40011},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const items[] = {cases[i].item, NULL};
		struct ntfy_pub p;
		struct ntfy_err e;
		assert_int_equal(run(items, &p, &e), -EINVAL);
		if (e.code != cases[i].code)
			fail_msg("%s: %d, want %d", cases[i].item, e.code,
				 cases[i].code);
		assert_int_equal(e.http, 400);
		ntfy_pub_free(&p);
	}
	const char *const nc[] = {"H:Delay=1m", "H:Cache=no", NULL};
	struct ntfy_pub p;
	struct ntfy_err e;
	assert_int_equal(run(nc, &p, &e), -EINVAL);
	assert_int_equal(e.code, 40002);
	ntfy_pub_free(&p);
	const char *const ok[] = {"H:Delay=1m", NULL};
	assert_int_equal(run(ok, &p, &e), 0);
	assert_int_equal(p.delay_at, 1000060);
	ntfy_pub_free(&p);
}

static void test_json_publish(void **state)
{
	(void)state;
	struct ntfy_pub p;
	struct ntfy_err e;
	char topic[65];
	const char *body = "{\"topic\":\"t\",\"message\":\"m\",\"priority\":4,"
			   "\"tags\":[\"a,b\",\"c\"],\"markdown\":true,"
			   "\"actions\":[{\"action\":\"view\",\"label\":\"l\",\"url\":\"u\"}]}";
	const char *const hdr[] = {"H:X-Click=https://c", "H:X-Priority=1", NULL};
	struct req r = {hdr};
	assert_int_equal(ntfy_pub_parse_json(body, strlen(body), get, &r, &env,
					     topic, &p, &e), 0);
	assert_string_equal(topic, "t");
	assert_int_equal(p.priority, 4); /* the body wins */
	assert_string_equal(p.click, "https://c"); /* the header fills in */
	assert_string_equal(json_string_value(json_array_get(p.tags, 0)), "a,b");
	assert_true(p.markdown);
	assert_int_equal(json_array_size(p.actions), 1);
	ntfy_pub_free(&p);
	static const struct {
		const char *body;
		int code;
	} bad[] = {
		{"{\"topic\":\"t\",\"priority\":\"4\"}", 40024},
		{"{\"topic\":\"t\",\"tags\":\"a\"}", 40024},
		{"{\"topic\":\"t\",\"tags\":[1]}", 40024},
		{"{\"topic\":\"t\",\"markdown\":1}", 40024},
		{"{\"topic\":\"t\",\"title\":[]}", 40024},
		{"{\"topic\":5}", 40024},
		{"{\"topic\":\"t\",\"topic\":\"u\"}", 40024},
		{"[]", 40024},
		{"{", 40024},
		{"{\"message\":\"m\"}", 40009},
		{"{\"topic\":\"a b\"}", 40009},
		{"{\"topic\":\"t\",\"actions\":[{\"action\":\"x\"}]}", 40018},
		{"{\"topic\":\"t\",\"priority\":9}", 40007},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ntfy_pub_parse_json(bad[i].body, strlen(bad[i].body), NULL,
					     NULL, &env, topic, &p, &e);
		assert_int_equal(rc, -EINVAL);
		if (e.code != bad[i].code)
			fail_msg("%s: %d, want %d", bad[i].body, e.code, bad[i].code);
		ntfy_pub_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aliases_and_order),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_json_publish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
