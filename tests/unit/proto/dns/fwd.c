/* SPDX-License-Identifier: MIT */
/* Unit tests of the forwarder's state machine with scripted time: tries, timeouts, order, TCP retry, SERVFAIL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/dns/fwd.h"

#define TIMEOUT 1500

static void assert_send(struct dns_fwd_action a, enum dns_fwd_do what,
			unsigned server, unsigned try_no, uint64_t deadline)
{
	assert_int_equal(a.what, what);
	assert_int_equal(a.server, server);
	assert_int_equal(a.try_no, try_no);
	assert_int_equal(a.deadline, deadline);
}

static void test_first_answer_wins(void **state)
{
	(void)state;
	struct dns_fwd_sm m;
	struct dns_fwd_action a = dns_fwd_sm_start(&m, 2, TIMEOUT, 1000);
	assert_send(a, DNS_FWD_SEND_UDP, 0, 1, 1000 + TIMEOUT);
	/* A timer firing early (a stale one) changes nothing. */
	assert_int_equal(dns_fwd_sm_timeout(&m, 2499).what, DNS_FWD_NOTHING);
	a = dns_fwd_sm_answer(&m, 1040, false);
	assert_int_equal(a.what, DNS_FWD_ANSWER);
	assert_true(m.done);
	assert_int_equal(m.started, 1000);
	/* Done: whatever comes later is ignored. */
	assert_int_equal(dns_fwd_sm_timeout(&m, 9999).what, DNS_FWD_NOTHING);
	assert_int_equal(dns_fwd_sm_answer(&m, 9999, false).what,
			 DNS_FWD_NOTHING);
	assert_int_equal(dns_fwd_sm_failed(&m, 9999).what, DNS_FWD_NOTHING);
	assert_int_equal(dns_fwd_sm_abort(&m).what, DNS_FWD_NOTHING);
}

static void test_timeouts_walk_the_servers(void **state)
{
	(void)state;
	struct dns_fwd_sm m;
	/* Three servers: one try each, in order, each with its timeout. */
	struct dns_fwd_action a = dns_fwd_sm_start(&m, 3, TIMEOUT, 0);
	assert_send(a, DNS_FWD_SEND_UDP, 0, 1, 1500);
	a = dns_fwd_sm_timeout(&m, 1500);
	assert_send(a, DNS_FWD_SEND_UDP, 1, 2, 3000);
	a = dns_fwd_sm_timeout(&m, 3001); /* a timer may fire late */
	assert_send(a, DNS_FWD_SEND_UDP, 2, 3, 4501);
	a = dns_fwd_sm_answer(&m, 4000, false);
	assert_int_equal(a.what, DNS_FWD_ANSWER);
}

static void test_servfail_after_three_tries(void **state)
{
	(void)state;
	struct dns_fwd_sm m;
	/* One server: asked three times, then SERVFAIL at 3 timeouts. */
	struct dns_fwd_action a = dns_fwd_sm_start(&m, 1, 500, 100);
	assert_send(a, DNS_FWD_SEND_UDP, 0, 1, 600);
	assert_send(dns_fwd_sm_timeout(&m, 600), DNS_FWD_SEND_UDP, 0, 2, 1100);
	assert_send(dns_fwd_sm_timeout(&m, 1100), DNS_FWD_SEND_UDP, 0, 3, 1600);
	a = dns_fwd_sm_timeout(&m, 1600);
	assert_int_equal(a.what, DNS_FWD_SERVFAIL);
	assert_false(a.rotate); /* one server: nothing to rotate */
	assert_true(m.done);

	/* Two servers: 0, 1, 0, then SERVFAIL, which rotates the order. */
	a = dns_fwd_sm_start(&m, 2, 500, 0);
	assert_send(a, DNS_FWD_SEND_UDP, 0, 1, 500);
	assert_send(dns_fwd_sm_timeout(&m, 500), DNS_FWD_SEND_UDP, 1, 2, 1000);
	assert_send(dns_fwd_sm_timeout(&m, 1000), DNS_FWD_SEND_UDP, 0, 3, 1500);
	a = dns_fwd_sm_timeout(&m, 1500);
	assert_int_equal(a.what, DNS_FWD_SERVFAIL);
	assert_true(a.rotate);

	/* No server at all: SERVFAIL at once. */
	a = dns_fwd_sm_start(&m, 0, 500, 0);
	assert_int_equal(a.what, DNS_FWD_SERVFAIL);
	assert_true(m.done);
}

static void test_failures_move_on_at_once(void **state)
{
	(void)state;
	struct dns_fwd_sm m;
	struct dns_fwd_action a = dns_fwd_sm_start(&m, 2, TIMEOUT, 0);
	/* The send failed (e.g. unreachable): next server, same instant. */
	a = dns_fwd_sm_failed(&m, 3);
	assert_send(a, DNS_FWD_SEND_UDP, 1, 2, 3 + TIMEOUT);
	/* The old try's timer firing now is stale. */
	assert_int_equal(dns_fwd_sm_timeout(&m, TIMEOUT).what,
			 DNS_FWD_NOTHING);
	a = dns_fwd_sm_failed(&m, 10);
	assert_send(a, DNS_FWD_SEND_UDP, 0, 3, 10 + TIMEOUT);
	a = dns_fwd_sm_failed(&m, 11);
	assert_int_equal(a.what, DNS_FWD_SERVFAIL);
}

static void test_truncated_goes_tcp(void **state)
{
	(void)state;
	struct dns_fwd_sm m;
	struct dns_fwd_action a = dns_fwd_sm_start(&m, 2, TIMEOUT, 0);
	/* TC over UDP: the same server over TCP, a fresh timeout, the same
	 * try. */
	a = dns_fwd_sm_answer(&m, 200, true);
	assert_send(a, DNS_FWD_SEND_TCP, 0, 1, 200 + TIMEOUT);
	assert_true(m.tcp);
	/* The TCP answer is the client's, even if it claims TC. */
	a = dns_fwd_sm_answer(&m, 300, true);
	assert_int_equal(a.what, DNS_FWD_ANSWER);

	/* TCP times out: the next try is UDP to the next server; a TC there
	 * goes TCP again. */
	dns_fwd_sm_start(&m, 2, TIMEOUT, 0);
	dns_fwd_sm_answer(&m, 100, true);
	a = dns_fwd_sm_timeout(&m, 100 + TIMEOUT);
	assert_send(a, DNS_FWD_SEND_UDP, 1, 2, 100 + 2 * TIMEOUT);
	assert_false(m.tcp);
	a = dns_fwd_sm_answer(&m, 2000, true);
	assert_send(a, DNS_FWD_SEND_TCP, 1, 2, 2000 + TIMEOUT);

	/* TCP refused: next try. After the last, SERVFAIL. */
	a = dns_fwd_sm_failed(&m, 2100);
	assert_send(a, DNS_FWD_SEND_UDP, 0, 3, 2100 + TIMEOUT);
	a = dns_fwd_sm_answer(&m, 2200, true);
	assert_send(a, DNS_FWD_SEND_TCP, 0, 3, 2200 + TIMEOUT);
	a = dns_fwd_sm_failed(&m, 2300);
	assert_int_equal(a.what, DNS_FWD_SERVFAIL);
	assert_true(a.rotate);
}

static void test_abort(void **state)
{
	(void)state;
	struct dns_fwd_sm m;
	dns_fwd_sm_start(&m, 1, TIMEOUT, 0);
	struct dns_fwd_action a = dns_fwd_sm_abort(&m);
	assert_int_equal(a.what, DNS_FWD_SERVFAIL);
	assert_true(m.done);
	assert_int_equal(dns_fwd_sm_answer(&m, 5, false).what, DNS_FWD_NOTHING);
}

static void test_upstream_order(void **state)
{
	(void)state;
	size_t idx[DNS_FWD_MAX_TRIES];
	assert_int_equal(dns_fwd_order(0, 0, idx), 0);
	assert_int_equal(dns_fwd_order(1, 0, idx), 1);
	assert_int_equal(idx[0], 0);
	/* From where the last failure left off, wrapping, at most 3. */
	assert_int_equal(dns_fwd_order(5, 3, idx), 3);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 4);
	assert_int_equal(idx[2], 0);
	assert_int_equal(dns_fwd_order(2, 1, idx), 2);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_answer_wins),
		cmocka_unit_test(test_timeouts_walk_the_servers),
		cmocka_unit_test(test_servfail_after_three_tries),
		cmocka_unit_test(test_failures_move_on_at_once),
		cmocka_unit_test(test_truncated_goes_tcp),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_upstream_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
