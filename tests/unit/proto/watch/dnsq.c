/* SPDX-License-Identifier: MIT */
/* Unit tests of the dns monitor's codec: the query's bytes, answers of several records, compression, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "proto/watch/dnsq.h"

static void test_query(void **state)
{
	(void)state;
	uint8_t q[WATCH_DNS_QUERY_MAX];
	int n = watch_dns_query(q, 0xabcd, "www.lab.example", 1);
	static const uint8_t want[] = {
		0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 0, 0, 1, 0, 1};
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
	assert_int_equal(watch_dns_query(q, 1, "www.lab.example.", 1), n);
	assert_int_equal(watch_dns_query(q, 1, "", 1), -1);
	assert_int_equal(watch_dns_query(q, 1, "a..b", 1), -1);
}

static void test_answer(void **state)
{
	(void)state;
	/* www.lab.example A: a CNAME to web (compressed), two A records. */
	uint8_t m[] = {
		0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 3, 'l', 'a', 'b', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 168, 30, 10,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 168, 30, 11};
	char out[256];
	int count;
	assert_int_equal(watch_dns_answer(m, sizeof(m), 0xabcd, 1, out,
					  sizeof(out), &count), 0);
	assert_int_equal(count, 2);
	assert_string_equal(out, "192.168.30.10, 192.168.30.11");
	assert_int_equal(watch_dns_answer(m, sizeof(m), 0xabcd, 5, out,
					  sizeof(out), &count), 0);
	assert_int_equal(count, 1);
	assert_string_equal(out, "web.lab.example.");
	/* Truncated output stays a string. */
	assert_int_equal(watch_dns_answer(m, sizeof(m), 0xabcd, 1, out, 8,
					  &count), 0);
	assert_int_equal(strlen(out), 7);
	/* NXDOMAIN: its rcode, nothing in it. */
	m[3] = 0x83;
	m[7] = 0;
	assert_int_equal(watch_dns_answer(m, 33, 0xabcd, 1, out, sizeof(out),
					  &count), 3);
	assert_int_equal(count, 0);
	assert_string_equal(out, "");
	/* Refused: another id, a query, cut short. */
	m[3] = 0x80;
	m[7] = 3;
	assert_int_equal(watch_dns_answer(m, sizeof(m), 0x1111, 1, out,
					  sizeof(out), &count), -1);
	m[2] = 0x01;
	assert_int_equal(watch_dns_answer(m, sizeof(m), 0xabcd, 1, out,
					  sizeof(out), &count), -1);
	m[2] = 0x81;
	assert_int_equal(watch_dns_answer(m, sizeof(m) - 2, 0xabcd, 1, out,
					  sizeof(out), &count), -1);
	assert_int_equal(watch_dns_answer(m, 11, 0xabcd, 1, out, sizeof(out),
					  &count), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
