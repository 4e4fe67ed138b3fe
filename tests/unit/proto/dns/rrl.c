/* SPDX-License-Identifier: MIT */
/* Unit tests of response-rate limiting with scripted time: rate, slip, window, prefixes, table reuse, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/dns/dns.h"
#include "proto/dns/rrl.h"

static const struct dns_rrl_params P = {
	.rate = 5, .slip = 2, .window = 3, .v4_prefix = 24, .v6_prefix = 56,
};

static struct ipaddr addr(const char *text)
{
	struct ipaddr a;
	assert_int_equal(ipaddr_parse(text, &a), 0);
	return a;
}

/* Counts the verdicts of @n responses to @text at @now. */
static void burst(struct dns_rrl *t, const struct dns_rrl_params *p,
		  const char *text, uint64_t now, int n, int out[3])
{
	struct ipaddr a = addr(text);
	out[0] = out[1] = out[2] = 0;
	for (int i = 0; i < n; i++)
		out[dns_rrl_account(t, p, &a, now)]++;
}

static void test_rate_and_slip(void **state)
{
	(void)state;
	struct dns_rrl *t = dns_rrl_new(64, 1);
	assert_non_null(t);
	int v[3];
	burst(t, &P, "192.0.2.1", 1000, 25, v);
	/* Five within the rate; of the twenty over it, every second slips. */
	assert_int_equal(v[DNS_RRL_SEND], 5);
	assert_int_equal(v[DNS_RRL_SLIP], 10);
	assert_int_equal(v[DNS_RRL_DROP], 10);
	/* The same /24 shares the account; another /24 has its own. */
	burst(t, &P, "192.0.2.200", 1000, 1, v);
	assert_int_equal(v[DNS_RRL_SEND], 0);
	burst(t, &P, "192.0.3.1", 1000, 5, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	dns_rrl_free(t);
}

static void test_window_keeps_a_flooder_limited(void **state)
{
	(void)state;
	struct dns_rrl *t = dns_rrl_new(64, 2);
	int v[3];
	/* A long flood: the debt reaches window * rate = 15 and stays. */
	burst(t, &P, "198.51.100.7", 0, 1000, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	/* One second later 5 credits came in: still in debt. */
	burst(t, &P, "198.51.100.7", 1000, 1, v);
	assert_int_equal(v[DNS_RRL_SEND], 0);
	/* Quiet for the window and a bit: answered again. After the last
	 * debit the balance is at the floor (-15): 4 s of credit (20)
	 * bring it to the full 5. */
	burst(t, &P, "198.51.100.7", 5000, 6, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	/* A steady client at the rate is never limited. */
	for (uint64_t ms = 10000; ms < 20000; ms += 200) {
		burst(t, &P, "203.0.113.9", ms, 1, v);
		assert_int_equal(v[DNS_RRL_SEND], 1);
	}
	dns_rrl_free(t);
}

static void test_off_and_slip_settings(void **state)
{
	(void)state;
	struct dns_rrl *t = dns_rrl_new(64, 3);
	int v[3];
	struct dns_rrl_params off = P;
	off.rate = 0;
	burst(t, &off, "192.0.2.1", 0, 1000, v);
	assert_int_equal(v[DNS_RRL_SEND], 1000);
	struct dns_rrl_params all_drop = P;
	all_drop.slip = 0;
	burst(t, &all_drop, "192.0.2.1", 0, 10, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	assert_int_equal(v[DNS_RRL_DROP], 5);
	struct dns_rrl_params all_slip = P;
	all_slip.slip = 1;
	burst(t, &all_slip, "192.0.3.1", 0, 10, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	assert_int_equal(v[DNS_RRL_SLIP], 5);
	dns_rrl_free(t);
}

static void test_ipv6_prefix(void **state)
{
	(void)state;
	struct dns_rrl *t = dns_rrl_new(64, 4);
	int v[3];
	burst(t, &P, "2001:db8:0:1::1", 0, 5, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	/* Same /56 (2001:db8:0:0000-00ff): limited. */
	burst(t, &P, "2001:db8:0:42::9", 0, 1, v);
	assert_int_equal(v[DNS_RRL_SEND], 0);
	/* Another /56. */
	burst(t, &P, "2001:db8:0:100::1", 0, 1, v);
	assert_int_equal(v[DNS_RRL_SEND], 1);
	dns_rrl_free(t);
}

static void test_table_reuses_the_least_recent(void **state)
{
	(void)state;
	/* Eight accounts: many prefixes cycle through them, and a forgotten
	 * prefix starts with a full account; the table never grows. */
	struct dns_rrl *t = dns_rrl_new(8, 5);
	int v[3];
	burst(t, &P, "10.0.0.1", 0, 100, v);
	assert_int_equal(v[DNS_RRL_SEND], 5);
	char text[32];
	for (int i = 1; i < 200; i++) {
		snprintf(text, sizeof(text), "10.%d.%d.1", i / 250, i % 250);
		burst(t, &P, text, (uint64_t)i, 1, v);
		assert_int_equal(v[DNS_RRL_SEND], 1);
	}
	burst(t, &P, "10.0.0.1", 300, 1, v);
	assert_int_equal(v[DNS_RRL_SEND], 1);
	dns_rrl_free(t);
}

static void test_truncate(void **state)
{
	(void)state;
	/* A response: id 1234, QR AA, one question www.example.com A, one
	 * answer. */
	uint8_t m[128] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 1};
	size_t n = 12;
	const uint8_t qname[] = "\3www\7example\3com";
	memcpy(m + n, qname, sizeof(qname));
	n += sizeof(qname);
	m[n++] = 0; m[n++] = 1; m[n++] = 0; m[n++] = 1;
	size_t qend = n;
	memset(m + n, 0xab, 30);
	n += 30;
	size_t out = dns_rrl_truncate(m, n);
	assert_int_equal(out, qend);
	assert_true(dns_get16(m + 2) & DNS_F_TC);
	assert_true(dns_get16(m + 2) & DNS_F_QR);
	assert_int_equal(dns_get16(m), 0x1234);
	assert_int_equal(dns_get16(m + 4), 1);
	assert_int_equal(dns_get16(m + 6), 0);
	assert_int_equal(dns_get16(m + 10), 0);
	/* Not a response, or cut short: nothing to send. */
	m[2] = 0x00;
	assert_int_equal(dns_rrl_truncate(m, qend), 0);
	m[2] = 0x84;
	assert_int_equal(dns_rrl_truncate(m, qend - 1), 0);
	assert_int_equal(dns_rrl_truncate(m, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_slip),
		cmocka_unit_test(test_window_keeps_a_flooder_limited),
		cmocka_unit_test(test_off_and_slip_settings),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_table_reuses_the_least_recent),
		cmocka_unit_test(test_truncate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
