/* SPDX-License-Identifier: MIT */
/* Unit tests of ntfy's visitor limits with scripted time: bucket burst and refill, keys, the bounded table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proto/notify/ntfy_limit.h"

static void test_request_bucket(void **state)
{
	(void)state;
	struct ntfy_limits l;
	ntfy_limits_default(&l);
	struct ntfy_bucket b = {0};
	int64_t t = 1000000;
	/* burst 60 at once, the 61st refused */
	for (int i = 0; i < 60; i++)
		assert_true(ntfy_bucket_take(&b, &l.requests, t, 1));
	assert_false(ntfy_bucket_take(&b, &l.requests, t, 1));
	assert_int_equal(ntfy_bucket_tokens(&b, &l.requests, t), 0);
	/* +1 every 5 s: not at 4.999 s, yes at 5 s, once */
	assert_false(ntfy_bucket_take(&b, &l.requests, t + 4999, 1));
	assert_true(ntfy_bucket_take(&b, &l.requests, t + 5000, 1));
	assert_false(ntfy_bucket_take(&b, &l.requests, t + 5000, 1));
	/* time going backwards gives nothing */
	assert_false(ntfy_bucket_take(&b, &l.requests, t, 1));
	/* after a long idle time: full again, never more than the burst */
	t += 86400000;
	assert_int_equal(ntfy_bucket_tokens(&b, &l.requests, t), 60);
	for (int i = 0; i < 60; i++)
		assert_true(ntfy_bucket_take(&b, &l.requests, t, 1));
	assert_false(ntfy_bucket_take(&b, &l.requests, t, 1));
}

static void test_bytes_and_unlimited(void **state)
{
	(void)state;
	struct ntfy_limits l;
	ntfy_limits_default(&l);
	struct ntfy_bucket b = {0};
	int64_t mib = 1024 * 1024;
	assert_true(ntfy_bucket_take(&b, &l.bandwidth, 0, 400 * mib));
	assert_false(ntfy_bucket_take(&b, &l.bandwidth, 0, 101 * mib));
	assert_true(ntfy_bucket_take(&b, &l.bandwidth, 0, 100 * mib));
	/* half a day brings back half of it */
	assert_true(ntfy_bucket_take(&b, &l.bandwidth, 43200000, 250 * mib));
	assert_false(ntfy_bucket_take(&b, &l.bandwidth, 43200000, 1));
	/* more than the burst is never granted; negative neither */
	struct ntfy_bucket c = {0};
	assert_false(ntfy_bucket_take(&c, &l.bandwidth, 0, 501 * mib));
	assert_false(ntfy_bucket_take(&c, &l.bandwidth, 0, -1));
	/* messages: unlimited by default */
	for (int i = 0; i < 10000; i++)
		assert_true(ntfy_bucket_take(&c, &l.messages, 0, 1));
	/* auth failures: 30, then one a minute */
	struct ntfy_bucket a = {0};
	for (int i = 0; i < 30; i++)
		assert_true(ntfy_bucket_take(&a, &l.auth_failures, 5, 1));
	assert_false(ntfy_bucket_take(&a, &l.auth_failures, 59999, 1));
	assert_true(ntfy_bucket_take(&a, &l.auth_failures, 60005, 1));
}

static void test_keys(void **state)
{
	(void)state;
	uint8_t v4[4] = {192, 0, 2, 1};
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			      192, 0, 2, 1};
	uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 1, 2, 3, 4, 5,
			  6, 7, 8};
	uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 9, 9, 9, 9, 9,
			  9, 9, 9};
	uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3};
	struct ntfy_vkey k1 = ntfy_vkey_addr(AF_INET, v4);
	struct ntfy_vkey k2 = ntfy_vkey_addr(AF_INET6, mapped);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	struct ntfy_vkey a = ntfy_vkey_addr(AF_INET6, a6);
	struct ntfy_vkey b = ntfy_vkey_addr(AF_INET6, b6);
	struct ntfy_vkey c = ntfy_vkey_addr(AF_INET6, c6);
	assert_memory_equal(&a, &b, sizeof(a)); /* same /64 */
	assert_memory_not_equal(&a, &c, sizeof(a));
	struct ntfy_vkey u = ntfy_vkey_user(7);
	assert_int_equal(u.kind, NTFY_V_USER);
	assert_memory_not_equal(&u, &k1, sizeof(u));
}

static struct ntfy_vkey ip(uint32_t n)
{
	uint8_t b[4] = {10, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	return ntfy_vkey_addr(AF_INET, b);
}

static void test_table_bounded(void **state)
{
	(void)state;
	struct ntfy_vtable t;
	assert_int_equal(ntfy_vtable_init(&t, 8), 0);
	struct ntfy_limits l;
	ntfy_limits_default(&l);
	/* 8 visitors; the first uses its whole burst, the second holds a
	 * subscription */
	for (uint32_t i = 0; i < 8; i++) {
		struct ntfy_vkey k = ip(i);
		struct ntfy_visitor *v = ntfy_vtable_get(&t, &k, 100 + i);
		assert_non_null(v);
		if (i == 0)
			while (ntfy_bucket_take(&v->requests, &l.requests, 100, 1))
				;
		if (i == 1)
			v->subs = 1;
	}
	struct ntfy_vkey k0 = ip(0), k1 = ip(1);
	assert_int_equal(ntfy_vtable_find(&t, &k0)->key.b[3], 0);
	/* visitor 0 comes back: same state, seen now */
	struct ntfy_visitor *v0 = ntfy_vtable_get(&t, &k0, 200);
	assert_false(ntfy_bucket_take(&v0->requests, &l.requests, 200, 1));
	/* a ninth evicts the one seen longest ago without subscriptions:
	 * visitor 2 (0 was seen again, 1 is pinned) */
	struct ntfy_vkey k8 = ip(8), k2 = ip(2);
	assert_non_null(ntfy_vtable_get(&t, &k8, 300));
	assert_null(ntfy_vtable_find(&t, &k2));
	assert_non_null(ntfy_vtable_find(&t, &k1));
	assert_non_null(ntfy_vtable_find(&t, &k0));
	assert_int_equal(t.n, 8);
	/* thousands of new visitors: the table never grows */
	for (uint32_t i = 100; i < 5000; i++) {
		struct ntfy_vkey k = ip(i);
		assert_non_null(ntfy_vtable_get(&t, &k, 1000 + i));
		assert_non_null(ntfy_vtable_find(&t, &k));
	}
	assert_int_equal(t.n, 8);
	assert_non_null(ntfy_vtable_find(&t, &k1)); /* pinned stayed */
	/* all pinned: a new visitor is refused */
	for (size_t i = 0; i < t.cap; i++)
		t.v[i].subs = 1;
	struct ntfy_vkey kx = ip(99999);
	assert_null(ntfy_vtable_get(&t, &kx, 9999999));
	ntfy_vtable_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_bucket),
		cmocka_unit_test(test_bytes_and_unlimited),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_table_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
