/* SPDX-License-Identifier: MIT */
/* Unit tests of the dhcp lease table: put/get/del, tombstones, growth, client-id index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "dhcp/leases.h"

#define BASE 0x0a000000u /* 10.0.0.0 */

static void set_cid(struct dhcp_leases *t, struct dhcp_lease *l, uint32_t v)
{
	l->cid_len = 7;
	l->cid[0] = 1;
	memcpy(l->cid + 1, &v, 4);
	l->cid[5] = 0xab;
	l->cid[6] = 0xcd;
	dhcp_leases_reindex(t, l);
}

static struct dhcp_lease *by_cid(struct dhcp_leases *t, uint32_t v)
{
	uint8_t cid[7] = {1, 0, 0, 0, 0, 0xab, 0xcd};
	memcpy(cid + 1, &v, 4);
	return dhcp_leases_by_client(t, cid, sizeof(cid));
}

static void test_put_get_del(void **state)
{
	(void)state;
	struct dhcp_leases t = {0};
	assert_null(dhcp_leases_by_ip(&t, BASE + 1)); /* empty, no storage */
	struct dhcp_lease *l = dhcp_leases_put(&t, BASE + 1);
	assert_non_null(l);
	assert_int_equal(l->ip, BASE + 1);
	assert_int_equal(l->state, DHCP_LEASE_OFFERED);
	l->expires = 42;
	/* put of an existing address returns it unchanged */
	assert_ptr_equal(dhcp_leases_put(&t, BASE + 1), l);
	assert_int_equal(l->expires, 42);
	assert_ptr_equal(dhcp_leases_by_ip(&t, BASE + 1), l);
	assert_null(dhcp_leases_by_ip(&t, BASE + 2));
	assert_int_equal(t.n, 1);
	dhcp_leases_del(&t, BASE + 1);
	assert_null(dhcp_leases_by_ip(&t, BASE + 1));
	assert_int_equal(t.n, 0);
	dhcp_leases_del(&t, BASE + 1); /* absent: nothing */
	assert_int_equal(t.n, 0);
	dhcp_leases_free(&t);
	assert_int_equal(t.cap, 0);
}

static void test_tombstones(void **state)
{
	(void)state;
	struct dhcp_leases t = {0};
	for (uint32_t i = 0; i < 50; i++)
		assert_non_null(dhcp_leases_put(&t, BASE + i));
	for (uint32_t i = 0; i < 50; i += 2)
		dhcp_leases_del(&t, BASE + i);
	assert_int_equal(t.n, 25);
	assert_int_equal(t.tombs, 25);
	/* Lookups probe past the tombstones. */
	for (uint32_t i = 1; i < 50; i += 2)
		assert_non_null(dhcp_leases_by_ip(&t, BASE + i));
	for (uint32_t i = 0; i < 50; i += 2)
		assert_null(dhcp_leases_by_ip(&t, BASE + i));
	/* A put reuses a tombstone; a put of a live address finds it, not
	 * a tombstone before it. */
	size_t cap = t.cap;
	assert_non_null(dhcp_leases_put(&t, BASE + 0));
	assert_int_equal(t.tombs, 24);
	struct dhcp_lease *l = dhcp_leases_by_ip(&t, BASE + 7);
	assert_ptr_equal(dhcp_leases_put(&t, BASE + 7), l);
	assert_int_equal(t.n, 26);
	assert_int_equal(t.cap, cap);
	/* Deleting while iterating: iteration goes on over the rest. */
	size_t pos = 0, seen = 0;
	while ((l = dhcp_leases_next(&t, &pos))) {
		seen++;
		dhcp_leases_del(&t, l->ip);
	}
	assert_int_equal(seen, 26);
	assert_int_equal(t.n, 0);
	dhcp_leases_free(&t);
}

static void test_growth_keeps_every_lease(void **state)
{
	(void)state;
	struct dhcp_leases t = {0};
	const uint32_t n = 5000;
	for (uint32_t i = 0; i < n; i++) {
		struct dhcp_lease *l = dhcp_leases_put(&t, BASE + i * 3);
		assert_non_null(l);
		l->expires = i;
		set_cid(&t, l, i);
	}
	assert_int_equal(t.n, n);
	assert_true(t.cap >= 2 * n); /* at most half full */
	assert_int_equal(t.cap & (t.cap - 1), 0);
	for (uint32_t i = 0; i < n; i++) {
		struct dhcp_lease *l = dhcp_leases_by_ip(&t, BASE + i * 3);
		assert_non_null(l);
		assert_int_equal(l->expires, i);
		assert_ptr_equal(by_cid(&t, i), l); /* index rebuilt */
		assert_null(dhcp_leases_by_ip(&t, BASE + i * 3 + 1));
	}
	size_t pos = 0, count = 0;
	while (dhcp_leases_next(&t, &pos))
		count++;
	assert_int_equal(count, n);
	dhcp_leases_free(&t);
}

static void test_client_id_index(void **state)
{
	(void)state;
	struct dhcp_leases t = {0};
	struct dhcp_lease *a = dhcp_leases_put(&t, BASE + 10);
	set_cid(&t, a, 1);
	struct dhcp_lease *b = dhcp_leases_put(&t, BASE + 11);
	set_cid(&t, b, 2);
	a = dhcp_leases_by_ip(&t, BASE + 10);
	assert_ptr_equal(by_cid(&t, 1), a);
	assert_ptr_equal(by_cid(&t, 2), b);
	assert_null(by_cid(&t, 3));
	assert_null(dhcp_leases_by_client(&t, NULL, 0)); /* no client id */
	/* A declined address belongs to nobody. */
	b->state = DHCP_LEASE_DECLINED;
	assert_null(by_cid(&t, 2));
	b->state = DHCP_LEASE_BOUND;
	/* The client moves to another address: the stale entry is skipped. */
	dhcp_leases_del(&t, BASE + 10);
	assert_null(by_cid(&t, 1));
	struct dhcp_lease *c = dhcp_leases_put(&t, BASE + 20);
	set_cid(&t, c, 1);
	assert_ptr_equal(by_cid(&t, 1), c);
	/* The address gets another client: the old id no longer finds it. */
	set_cid(&t, c, 9);
	assert_null(by_cid(&t, 1));
	assert_ptr_equal(by_cid(&t, 9), c);
	dhcp_leases_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_tombstones),
		cmocka_unit_test(test_growth_keeps_every_lease),
		cmocka_unit_test(test_client_id_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
