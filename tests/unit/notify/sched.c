/* SPDX-License-Identifier: MIT */
/* Unit tests of the notify room's scheduler on a scripted clock: due on time, never early, earliest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notify/sched.h"
#include "support/clock_script.h"

struct seen {
	int calls;
	int64_t at;
};

static void due(void *ud, int64_t now)
{
	struct seen *s = ud;
	s->calls++;
	s->at = now;
}

#define T0 INT64_C(1796169600) /* wall seconds at the start */

static void test_due_on_time_not_early(void **state)
{
	(void)state;
	struct clock *c;
	assert_int_equal(clock_script_new(0, T0 * 1000, &c), 0);
	struct notify_sched s;
	struct seen seen = {0};
	assert_int_equal(notify_sched_init(&s, c, due, &seen), 0);
	notify_sched_at(&s, T0 + 30);
	clock_script_advance(c, 29999);
	assert_int_equal(seen.calls, 0);
	clock_script_advance(c, 1);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.at, T0 + 30);
	/* Nothing more until armed again. */
	clock_script_advance(c, 600000);
	assert_int_equal(seen.calls, 1);
	notify_sched_deinit(&s);
	clock_script_free(c);
}

static void test_earliest_wins_and_long_waits(void **state)
{
	(void)state;
	struct clock *c;
	assert_int_equal(clock_script_new(0, T0 * 1000, &c), 0);
	struct notify_sched s;
	struct seen seen = {0};
	assert_int_equal(notify_sched_init(&s, c, due, &seen), 0);
	notify_sched_at(&s, T0 + 3 * 86400); /* past the longest single wait */
	notify_sched_at(&s, T0 + 7200);
	notify_sched_at(&s, T0 + 9000); /* later: ignored */
	clock_script_advance(c, 7199 * 1000);
	assert_int_equal(seen.calls, 0);
	clock_script_advance(c, 1000);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.at, T0 + 7200);
	/* After a delivery the room arms the next; cleared means nothing. */
	notify_sched_at(&s, T0 + 7300);
	notify_sched_clear(&s);
	clock_script_advance(c, 200 * 1000);
	assert_int_equal(seen.calls, 1);
	/* A time already past is due at once. */
	notify_sched_at(&s, T0);
	clock_script_advance(c, 0);
	assert_int_equal(seen.calls, 2);
	notify_sched_deinit(&s);
	clock_script_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_on_time_not_early),
		cmocka_unit_test(test_earliest_wins_and_long_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
