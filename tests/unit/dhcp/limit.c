/* SPDX-License-Identifier: MIT */
/* Unit tests of the DHCP engine's token buckets: refill, burst, keys, a full table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "dhcp/limit.h"

static int count(struct dhcp_limiter *l, uint64_t key, uint64_t now, int n,
		 int64_t rate, int64_t burst)
{
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += dhcp_limit_take(l, key, now, rate, burst);
	return ok;
}

static void test_burst_then_rate(void **state)
{
	(void)state;
	struct dhcp_limiter *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	assert_int_equal(count(l, 7, 1000, 10, 2, 5), 5);
	assert_int_equal(count(l, 7, 1499, 1, 2, 5), 0); /* 0.998 token */
	assert_int_equal(count(l, 7, 1500, 2, 2, 5), 1);
	assert_int_equal(count(l, 7, 1000000, 10, 2, 5), 5); /* capped */
	/* Time going backwards gives nothing and breaks nothing. */
	assert_int_equal(count(l, 7, 500, 1, 2, 5), 0);
	/* Keys are independent; rate 0 is no limit. */
	assert_int_equal(count(l, 8, 1000000, 10, 2, 5), 5);
	assert_int_equal(count(l, 9, 0, 1000, 0, 1), 1000);
	free(l);
}

/* Far more keys than slots: memory is fixed, every new key starts with
 * its burst, and a drained key that was kept stays drained. */
static void test_many_keys(void **state)
{
	(void)state;
	struct dhcp_limiter *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	assert_int_equal(count(l, 1, 0, 3, 1, 3), 3);
	for (uint64_t k = 100; k < 100 + 8 * DHCP_LIMIT_SLOTS; k++)
		assert_int_equal(count(l, k, 10, 1, 1, 3), 1);
	/* Whether key 1 was kept or forgotten, it never has more than its
	 * burst, and never less than what it had. */
	int got = count(l, 1, 10, 5, 1, 3);
	assert_true(got == 0 || got == 3);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
