/* SPDX-License-Identifier: MIT */
/* Unit tests of the drift checks' pacing: debounce, the per-minute repair limit and the backoff, on scripted times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/repair.h"

static void test_debounce(void **state)
{
	(void)state;
	struct net_repair r;
	net_repair_init(&r);
	assert_int_equal(net_repair_next(&r, 1000), 0); /* nothing pending */
	/* A burst of events: due 1 s after the last. */
	net_repair_event(&r, 1000);
	net_repair_event(&r, 1300);
	net_repair_event(&r, 1700);
	assert_int_equal(net_repair_next(&r, 1800), 2700);
	/* Never while a pass runs; events meanwhile make another check. */
	net_repair_begin(&r);
	assert_int_equal(net_repair_next(&r, 2700), 0);
	net_repair_event(&r, 2800);
	assert_int_equal(net_repair_next(&r, 2900), 0);
	net_repair_end(&r, 3000, false, false);
	assert_int_equal(net_repair_next(&r, 3000), 3800);
	net_repair_begin(&r);
	net_repair_end(&r, 3900, false, false);
	assert_int_equal(net_repair_next(&r, 4000), 0);
	/* A recheck is due at once, and pulls a debounced check forward. */
	net_repair_poke(&r, 5000);
	assert_int_equal(net_repair_next(&r, 5000), 5000);
	net_repair_event(&r, 6000);
	net_repair_poke(&r, 6100);
	assert_int_equal(net_repair_next(&r, 6100), 6100);
	/* A late look at a due check: now. */
	assert_int_equal(net_repair_next(&r, 9000), 9000);
}

static void test_repairs_are_bounded(void **state)
{
	(void)state;
	struct net_repair r;
	uint64_t t = 10000;
	net_repair_init(&r);
	/* Something keeps deleting the bridge: each check repairs. */
	for (int i = 0; i < NET_REPAIR_PER_MIN; i++) {
		net_repair_event(&r, t);
		uint64_t at = net_repair_next(&r, t);
		assert_int_equal(at, t + NET_REPAIR_DEBOUNCE_MS);
		assert_false(r.limited);
		net_repair_begin(&r);
		net_repair_end(&r, at + 100, true, false);
		t = at + 200;
	}
	/* The next waits until the oldest repair is a minute old. */
	net_repair_event(&r, t);
	assert_int_equal(net_repair_next(&r, t), 10000 + 1000 + 100 + 60000);
	assert_true(r.limited);
	/* Checks that find nothing to repair do not count. */
	t = 71100;
	net_repair_begin(&r);
	net_repair_end(&r, t, false, false);
	for (int i = 0; i < 20; i++) {
		net_repair_event(&r, t);
		uint64_t at = net_repair_next(&r, t);
		net_repair_begin(&r);
		net_repair_end(&r, at, false, false);
		t = at;
	}
	net_repair_event(&r, t);
	assert_false(net_repair_next(&r, t) > t + NET_REPAIR_DEBOUNCE_MS);
}

static void test_backoff(void **state)
{
	(void)state;
	struct net_repair r;
	net_repair_init(&r);
	net_repair_event(&r, 0);
	uint64_t at = net_repair_next(&r, 0), want = NET_REPAIR_BACKOFF_MIN_MS;
	/* Each failure: checked again after a doubling backoff, capped. */
	for (int i = 0; i < 12; i++) {
		net_repair_begin(&r);
		assert_int_equal(net_repair_backoff_ms(&r), want);
		net_repair_end(&r, at, false, true);
		assert_true(r.pending);
		/* An event does not cut the backoff short. */
		net_repair_event(&r, at + 10);
		assert_int_equal(net_repair_next(&r, at + 10), at + want);
		at += want;
		want = want * 2 > NET_REPAIR_BACKOFF_MAX_MS ? NET_REPAIR_BACKOFF_MAX_MS
							    : want * 2;
	}
	assert_int_equal(net_repair_backoff_ms(&r), NET_REPAIR_BACKOFF_MAX_MS);
	/* A success ends the backoff. */
	net_repair_begin(&r);
	net_repair_end(&r, at, true, false);
	assert_int_equal(net_repair_backoff_ms(&r), NET_REPAIR_BACKOFF_MIN_MS);
	net_repair_event(&r, at + 5);
	assert_int_equal(net_repair_next(&r, at + 5), at + 5 + NET_REPAIR_DEBOUNCE_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debounce),
		cmocka_unit_test(test_repairs_are_bounded),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
