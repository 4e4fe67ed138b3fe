/* SPDX-License-Identifier: MIT */
/* Unit tests of upstream health with scripted time: going down, skipping, one probe at a time, backoff, recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/dns/health.h"

static const struct dns_health_params P = {
	.down_after = 3,
	.backoff_ms = 1000,
	.backoff_max_ms = 8000,
	.probe_lost_ms = 5000,
};

static void test_down_after_consecutive_failures(void **state)
{
	(void)state;
	struct dns_health h;
	dns_health_init(&h);
	assert_int_equal(dns_health_pick(&h, &P, 0), DNS_HEALTH_USE);
	dns_health_result(&h, &P, 100, false, false);
	dns_health_result(&h, &P, 200, false, false);
	/* An answer in between resets the count. */
	dns_health_result(&h, &P, 250, true, false);
	dns_health_result(&h, &P, 300, false, false);
	dns_health_result(&h, &P, 400, false, false);
	assert_int_equal(h.state, DNS_HEALTH_UP);
	assert_int_equal(dns_health_pick(&h, &P, 450), DNS_HEALTH_USE);
	dns_health_result(&h, &P, 500, false, false);
	assert_int_equal(h.state, DNS_HEALTH_DOWN);
	assert_int_equal(h.downs, 1);
	/* Skipped for the backoff; late failures do not lengthen it. */
	assert_int_equal(dns_health_pick(&h, &P, 600), DNS_HEALTH_SKIP);
	dns_health_result(&h, &P, 1400, false, false);
	assert_int_equal(dns_health_peek(&h, &P, 1499), DNS_HEALTH_SKIP);
	assert_int_equal(dns_health_peek(&h, &P, 1500), DNS_HEALTH_PROBE);
	assert_int_equal(h.downs, 1);
}

static void test_one_probe_at_a_time_and_backoff(void **state)
{
	(void)state;
	struct dns_health h;
	dns_health_init(&h);
	for (int i = 0; i < 3; i++)
		dns_health_result(&h, &P, 0, false, false);
	assert_int_equal(h.state, DNS_HEALTH_DOWN);
	/* Peeking takes nothing; picking takes the probe. */
	assert_int_equal(dns_health_peek(&h, &P, 1000), DNS_HEALTH_PROBE);
	assert_int_equal(dns_health_peek(&h, &P, 1000), DNS_HEALTH_PROBE);
	assert_int_equal(dns_health_pick(&h, &P, 1000), DNS_HEALTH_PROBE);
	assert_int_equal(dns_health_pick(&h, &P, 1001), DNS_HEALTH_SKIP);
	assert_int_equal(dns_health_pick(&h, &P, 2000), DNS_HEALTH_SKIP);
	/* A non-probe failure leaves the probe in flight. */
	dns_health_result(&h, &P, 1500, false, false);
	assert_int_equal(h.state, DNS_HEALTH_PROBING);
	/* The probe fails: down for twice as long. */
	dns_health_result(&h, &P, 2500, false, true);
	assert_int_equal(h.state, DNS_HEALTH_DOWN);
	assert_int_equal(h.until, 2500 + 2000);
	assert_int_equal(dns_health_pick(&h, &P, 4499), DNS_HEALTH_SKIP);
	assert_int_equal(dns_health_pick(&h, &P, 4500), DNS_HEALTH_PROBE);
	dns_health_result(&h, &P, 4600, false, true);
	assert_int_equal(h.until, 4600 + 4000);
	assert_int_equal(dns_health_pick(&h, &P, 8600), DNS_HEALTH_PROBE);
	dns_health_result(&h, &P, 8600, false, true);
	assert_int_equal(h.until, 8600 + 8000);
	/* Capped at backoff_max_ms. */
	assert_int_equal(dns_health_pick(&h, &P, 16600), DNS_HEALTH_PROBE);
	dns_health_result(&h, &P, 16600, false, true);
	assert_int_equal(h.until, 16600 + 8000);
	/* The probe answers: up, and the next outage starts afresh. */
	assert_int_equal(dns_health_pick(&h, &P, 24600), DNS_HEALTH_PROBE);
	dns_health_result(&h, &P, 24610, true, true);
	assert_int_equal(h.state, DNS_HEALTH_UP);
	assert_int_equal(dns_health_pick(&h, &P, 24620), DNS_HEALTH_USE);
	for (int i = 0; i < 3; i++)
		dns_health_result(&h, &P, 30000, false, false);
	assert_int_equal(h.until, 31000);
}

static void test_lost_probe_is_replaced(void **state)
{
	(void)state;
	struct dns_health h;
	dns_health_init(&h);
	for (int i = 0; i < 3; i++)
		dns_health_result(&h, &P, 0, false, false);
	assert_int_equal(dns_health_pick(&h, &P, 1000), DNS_HEALTH_PROBE);
	assert_int_equal(dns_health_pick(&h, &P, 5999), DNS_HEALTH_SKIP);
	/* Nobody reported on it: another query probes. */
	assert_int_equal(dns_health_pick(&h, &P, 6000), DNS_HEALTH_PROBE);
	assert_int_equal(dns_health_pick(&h, &P, 6001), DNS_HEALTH_SKIP);
	dns_health_result(&h, &P, 6100, false, true);
	assert_int_equal(h.state, DNS_HEALTH_DOWN);
	assert_int_equal(h.until, 6100 + 4000);
}

static void test_late_answer_brings_it_up(void **state)
{
	(void)state;
	struct dns_health h;
	dns_health_init(&h);
	for (int i = 0; i < 3; i++)
		dns_health_result(&h, &P, 0, false, false);
	/* An answer to a try sent before it went down: it is alive. */
	dns_health_result(&h, &P, 10, true, false);
	assert_int_equal(dns_health_pick(&h, &P, 20), DNS_HEALTH_USE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_after_consecutive_failures),
		cmocka_unit_test(test_one_probe_at_a_time_and_backoff),
		cmocka_unit_test(test_lost_probe_is_replaced),
		cmocka_unit_test(test_late_answer_brings_it_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
