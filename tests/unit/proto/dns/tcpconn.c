/* SPDX-License-Identifier: MIT */
/* Unit tests of the DNS TCP connection table: per-client counts, caps, eviction order, states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/dns/tcpconn.h"

static struct ipaddr ip(const char *text)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(text, &a), 0);
	return a;
}

static enum dns_tcpconn_admit admit(struct dns_tcpconn_table *t,
				    const char *addr, size_t max_total,
				    size_t per_client,
				    struct dns_tcpconn **victim)
{
	struct ipaddr a = ip(addr);
	return dns_tcpconn_admit(t, &a, max_total, per_client, victim);
}

static void add(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
		const char *addr, uint64_t now)
{
	struct ipaddr a = ip(addr);
	dns_tcpconn_add(t, c, &a, now);
}

static void test_counts_per_client(void **state)
{
	(void)state;
	struct dns_tcpconn_table t;
	struct dns_tcpconn c[5];
	struct dns_tcpconn *v;
	dns_tcpconn_table_init(&t, 42);
	add(&t, &c[0], "192.0.2.1", 1);
	add(&t, &c[1], "192.0.2.1", 2);
	add(&t, &c[2], "192.0.2.2", 3);
	add(&t, &c[3], "2001:db8::1", 4);
	add(&t, &c[4], "2001:db8::1", 5);
	struct ipaddr a = ip("192.0.2.1"), b = ip("2001:db8::1"),
		     z = ip("2001:db8::2");
	assert_int_equal(dns_tcpconn_count_client(&t, &a), 2);
	assert_int_equal(dns_tcpconn_count_client(&t, &b), 2);
	assert_int_equal(dns_tcpconn_count_client(&t, &z), 0);
	assert_int_equal(t.n, 5);
	/* The per-client cap comes before the total one. */
	assert_int_equal(admit(&t, "192.0.2.1", 100, 2, &v),
			 DNS_TCPCONN_CLIENT_CAP);
	assert_null(v);
	assert_int_equal(admit(&t, "192.0.2.2", 100, 2, &v),
			 DNS_TCPCONN_ACCEPT);
	assert_int_equal(admit(&t, "192.0.2.1", 100, 0, &v),
			 DNS_TCPCONN_ACCEPT); /* 0: no per-client cap */
	dns_tcpconn_remove(&t, &c[0]);
	assert_int_equal(dns_tcpconn_count_client(&t, &a), 1);
	assert_int_equal(admit(&t, "192.0.2.1", 100, 2, &v),
			 DNS_TCPCONN_ACCEPT);
	assert_int_equal(t.n, 4);
}

static void test_many_clients_share_buckets(void **state)
{
	(void)state;
	static struct dns_tcpconn c[3000];
	struct dns_tcpconn_table t;
	dns_tcpconn_table_init(&t, 7);
	char text[64];
	for (size_t i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text), "10.0.%zu.%zu", i / 200, i % 200);
		add(&t, &c[i], text, i);
	}
	for (size_t i = 0; i < 3000; i += 97) {
		snprintf(text, sizeof(text), "10.0.%zu.%zu", i / 200, i % 200);
		struct ipaddr a = ip(text);
		assert_int_equal(dns_tcpconn_count_client(&t, &a), 1);
	}
	for (size_t i = 0; i < 3000; i += 2)
		dns_tcpconn_remove(&t, &c[i]);
	assert_int_equal(t.n, 1500);
	for (size_t i = 0; i < 20; i++) {
		snprintf(text, sizeof(text), "10.0.%zu.%zu", i / 200, i % 200);
		struct ipaddr a = ip(text);
		assert_int_equal(dns_tcpconn_count_client(&t, &a), i % 2);
	}
}

static void test_evicts_oldest_idle_then_reading_then_blocked(void **state)
{
	(void)state;
	struct dns_tcpconn_table t;
	struct dns_tcpconn c[4];
	struct dns_tcpconn *v;
	dns_tcpconn_table_init(&t, 1);
	for (int i = 0; i < 4; i++)
		add(&t, &c[i], "198.51.100.1", 10 + (uint64_t)i);
	assert_int_equal(admit(&t, "198.51.100.2", 5, 16, &v),
			 DNS_TCPCONN_ACCEPT);
	/* All idle: the one idle longest. */
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[0]);
	/* c0 busy, then idle again: c1 is now idle longest. */
	dns_tcpconn_set_state(&t, &c[0], DNS_TCPCONN_BUSY, 20);
	dns_tcpconn_set_state(&t, &c[0], DNS_TCPCONN_IDLE, 21);
	assert_int_equal(c[0].since, 21);
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[1]);
	/* Setting the state it has changes nothing. */
	dns_tcpconn_set_state(&t, &c[1], DNS_TCPCONN_IDLE, 99);
	assert_int_equal(c[1].since, 11);
	/* Reading ones go only when no connection is idle: the oldest
	 * partial first; touch() restarts it. */
	dns_tcpconn_set_state(&t, &c[1], DNS_TCPCONN_READING, 30);
	dns_tcpconn_set_state(&t, &c[2], DNS_TCPCONN_READING, 31);
	dns_tcpconn_set_state(&t, &c[3], DNS_TCPCONN_BLOCKED, 32);
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[0]); /* still idle */
	dns_tcpconn_set_state(&t, &c[0], DNS_TCPCONN_BUSY, 33);
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[1]);
	dns_tcpconn_touch(&t, &c[1], 34);
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[2]);
	/* Then blocked ones; busy ones never. */
	dns_tcpconn_set_state(&t, &c[1], DNS_TCPCONN_BUSY, 35);
	dns_tcpconn_set_state(&t, &c[2], DNS_TCPCONN_BUSY, 35);
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[3]);
	dns_tcpconn_set_state(&t, &c[3], DNS_TCPCONN_BUSY, 36);
	assert_int_equal(admit(&t, "198.51.100.2", 4, 16, &v),
			 DNS_TCPCONN_FULL);
	assert_null(v);
}

static void test_lowered_cap_evicts_until_under(void **state)
{
	(void)state;
	struct dns_tcpconn_table t;
	struct dns_tcpconn c[6];
	struct dns_tcpconn *v;
	dns_tcpconn_table_init(&t, 3);
	for (int i = 0; i < 6; i++)
		add(&t, &c[i], "203.0.113.9", (uint64_t)i);
	/* A reload lowered the cap to 3: each new connection needs four
	 * evictions, oldest first, as the caller asks again after each. */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(admit(&t, "203.0.113.10", 3, 0, &v),
				 DNS_TCPCONN_EVICT);
		assert_ptr_equal(v, &c[i]);
		dns_tcpconn_remove(&t, v);
	}
	assert_int_equal(admit(&t, "203.0.113.10", 3, 0, &v),
			 DNS_TCPCONN_ACCEPT);
	/* Removing from the middle of a list keeps the others in order. */
	dns_tcpconn_remove(&t, &c[4]);
	assert_int_equal(admit(&t, "203.0.113.10", 1, 0, &v),
			 DNS_TCPCONN_EVICT);
	assert_ptr_equal(v, &c[5]);
	dns_tcpconn_remove(&t, &c[5]);
	assert_int_equal(t.n, 0);
	assert_null(t.lists[DNS_TCPCONN_IDLE].head);
	assert_null(t.lists[DNS_TCPCONN_IDLE].tail);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_per_client),
		cmocka_unit_test(test_many_clients_share_buckets),
		cmocka_unit_test(test_evicts_oldest_idle_then_reading_then_blocked),
		cmocka_unit_test(test_lowered_cap_evicts_until_under),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
