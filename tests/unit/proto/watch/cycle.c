/* SPDX-License-Identifier: MIT */
/* Unit tests of the check cycle with scripted time: every row of Kuma's rules, up-retries and dependencies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "proto/watch/cycle.h"

/* One monitor under test, its time moving by what each beat asks. */
struct sim {
	struct watch_cycle_cfg cfg;
	struct watch_cycle st;
	int64_t now;
	struct watch_beat b;
};

static void sim_init(struct sim *s, int retries, int resend, bool upside,
		     int up_retries)
{
	memset(s, 0, sizeof(*s));
	s->cfg = (struct watch_cycle_cfg){
		.interval_ms = 20000, .retry_interval_ms = 5000,
		.max_retries = retries, .resend_interval = resend,
		.upside_down = upside, .up_retries = up_retries,
	};
	s->now = 1000000;
}

/* A beat of @ev (checks: @up), then time moves to the next check. */
static const struct watch_beat *beat(struct sim *s, enum watch_event ev,
				     bool up)
{
	struct watch_input in = {.event = ev, .raw_up = up, .now_ms = s->now};
	watch_cycle_step(&s->cfg, &s->st, &in, &s->b);
	s->now += s->b.next_ms;
	return &s->b;
}

static const struct watch_beat *ok(struct sim *s)
{
	return beat(s, WATCH_EV_CHECK, true);
}
static const struct watch_beat *bad(struct sim *s)
{
	return beat(s, WATCH_EV_CHECK, false);
}
static const struct watch_beat *maint(struct sim *s)
{
	return beat(s, WATCH_EV_MAINTENANCE, false);
}
static const struct watch_beat *dep(struct sim *s)
{
	return beat(s, WATCH_EV_DEPENDENCY, false);
}

/* status, important, alert */
#define EXPECT(b, st, imp, al)                                                 \
	do {                                                                   \
		const struct watch_beat *b_ = (b);                             \
		assert_int_equal(b_->status, (st));                            \
		assert_int_equal(b_->important, (imp));                        \
		assert_int_equal(b_->alert, (al));                             \
	} while (0)

static void test_first_beat(void **state)
{
	(void)state;
	struct sim s;
	/* First UP: important, silent. */
	sim_init(&s, 0, 0, false, 0);
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_NONE);
	assert_int_equal(s.b.duration_ms, 0);
	assert_int_equal(s.b.next_ms, 20000);
	/* First DOWN without retries: important and alerted. */
	sim_init(&s, 0, 0, false, 0);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	/* First DOWN with retries: PENDING, important, silent, retry soon. */
	sim_init(&s, 2, 0, false, 0);
	EXPECT(bad(&s), WATCH_PENDING, true, WATCH_ALERT_NONE);
	assert_int_equal(s.b.retries, 1);
	assert_int_equal(s.b.next_ms, 5000);
	/* First beat in maintenance: important, silent. */
	sim_init(&s, 0, 0, false, 0);
	EXPECT(maint(&s), WATCH_MAINTENANCE, true, WATCH_ALERT_NONE);
	/* First beat DOWN by dependency: important, silent. */
	sim_init(&s, 0, 0, false, 0);
	EXPECT(dep(&s), WATCH_DOWN, true, WATCH_ALERT_NONE);
	assert_true(s.b.by_dependency);
}

static void test_retries_then_down(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 2, 0, false, 0);
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_NONE);
	int64_t t0 = s.now;
	/* UP -> PENDING: not important, silent; retries count. */
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	assert_int_equal(s.b.retries, 1);
	assert_int_equal(s.b.duration_ms, 20000);
	assert_int_equal(s.now - t0, 5000); /* retry_interval while PENDING */
	/* PENDING -> PENDING: not important. */
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	assert_int_equal(s.b.retries, 2);
	assert_int_equal(s.b.duration_ms, 5000);
	/* PENDING -> DOWN: important, alerted, back to interval. */
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	assert_int_equal(s.b.next_ms, 20000);
	/* DOWN -> DOWN: neither. */
	EXPECT(bad(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	/* DOWN -> UP: important and alerted; retries reset. */
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_UP);
	assert_int_equal(s.b.retries, 0);
	/* UP -> UP: neither. */
	EXPECT(ok(&s), WATCH_UP, false, WATCH_ALERT_NONE);
	/* A success resets retries: UP, PENDING, UP (silent), PENDING(1). */
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_UP, false, WATCH_ALERT_NONE); /* PENDING->UP */
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	assert_int_equal(s.b.retries, 1);
}

static void test_no_retries(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 0, 0, false, 0);
	ok(&s);
	/* UP -> DOWN: important, alerted at once. */
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_UP);
}

static void test_resend(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 0, 3, false, 0);
	ok(&s);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	for (int round = 0; round < 3; round++) {
		EXPECT(bad(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
		assert_int_equal(s.b.down_count, 1);
		EXPECT(bad(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
		assert_int_equal(s.b.down_count, 2);
		/* The 3rd DOWN beat since the alert alerts again. */
		EXPECT(bad(&s), WATCH_DOWN, false, WATCH_ALERT_DOWN);
		assert_true(s.b.resend);
		assert_int_equal(s.b.down_count, 0);
	}
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_UP);
	assert_false(s.b.resend);
	/* Off: never again while DOWN. */
	sim_init(&s, 0, 0, false, 0);
	bad(&s);
	for (int i = 0; i < 50; i++)
		EXPECT(bad(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
}

static void test_upside_down(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 1, 0, true, 0);
	/* A failing check is UP; a succeeding one fails (with retries). */
	EXPECT(bad(&s), WATCH_UP, true, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	EXPECT(bad(&s), WATCH_UP, true, WATCH_ALERT_UP);
}

static void test_maintenance(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 1, 2, false, 0);
	ok(&s);
	/* UP -> MAINTENANCE: important, silent. */
	EXPECT(maint(&s), WATCH_MAINTENANCE, true, WATCH_ALERT_NONE);
	assert_int_equal(s.b.next_ms, 20000);
	/* MAINTENANCE -> MAINTENANCE: neither (and no resend counting). */
	EXPECT(maint(&s), WATCH_MAINTENANCE, false, WATCH_ALERT_NONE);
	/* MAINTENANCE -> UP: important, silent. */
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_NONE);
	/* MAINTENANCE -> PENDING: important, silent. */
	maint(&s);
	EXPECT(bad(&s), WATCH_PENDING, true, WATCH_ALERT_NONE);
	/* PENDING -> MAINTENANCE: important; retries start over after. */
	EXPECT(maint(&s), WATCH_MAINTENANCE, true, WATCH_ALERT_NONE);
	assert_int_equal(s.b.retries, 0);
	/* MAINTENANCE -> DOWN (no retries left: set 0): alerted. */
	s.cfg.max_retries = 0;
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	/* DOWN -> MAINTENANCE: important, silent; -> DOWN alerts again. */
	EXPECT(maint(&s), WATCH_MAINTENANCE, true, WATCH_ALERT_NONE);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	/* DOWN -> MAINTENANCE -> UP: no UP alert (MAINTENANCE->UP). */
	maint(&s);
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_NONE);
}

static void test_up_retries(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 0, 0, false, 2);
	/* Before any DOWN nothing is held: the first beat is UP. */
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_NONE);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	/* Two successes held back: still DOWN, silent, retried soon. */
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	assert_true(s.b.held);
	assert_int_equal(s.b.next_ms, 5000);
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	/* A failure in between starts the count over (and is no new alert). */
	EXPECT(bad(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	assert_false(s.b.held);
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	/* The third in a row is UP, with its alert. */
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_UP);
	assert_false(s.b.held);
	assert_int_equal(s.b.next_ms, 20000);
	/* Held beats do not count toward a resend. */
	sim_init(&s, 0, 2, false, 3);
	bad(&s);
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	/* A PENDING recovers without being held (it was never DOWN). */
	sim_init(&s, 1, 0, false, 2);
	ok(&s);
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_UP, false, WATCH_ALERT_NONE);
}

static void test_dependency(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 0, 1, false, 2);
	ok(&s);
	/* UP -> DOWN by dependency: important, no alert of its own. */
	EXPECT(dep(&s), WATCH_DOWN, true, WATCH_ALERT_NONE);
	assert_true(s.b.by_dependency);
	/* No resend while DOWN by dependency (resend_interval 1). */
	EXPECT(dep(&s), WATCH_DOWN, false, WATCH_ALERT_NONE);
	/* The parent is back and so is this one: UP, silent (the DOWN was
	 * never announced), not held by up_retries. */
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_NONE);
	/* By dependency, then the parent is back but this one fails: now
	 * it is its own DOWN, announced. */
	dep(&s);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	assert_false(s.b.by_dependency);
	/* An announced DOWN whose parent then fails: by dependency (an
	 * important change, silent); when both are back, this one's UP is
	 * announced. */
	EXPECT(dep(&s), WATCH_DOWN, true, WATCH_ALERT_NONE);
	EXPECT(ok(&s), WATCH_UP, true, WATCH_ALERT_UP);
	/* With retries: after a DOWN by dependency a failure is PENDING
	 * first, then DOWN announced. */
	sim_init(&s, 1, 0, false, 0);
	ok(&s);
	dep(&s);
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
}

static void test_parent_pending(void **state)
{
	(void)state;
	struct sim s;
	struct watch_input in = {.event = WATCH_EV_CHECK, .raw_up = false,
				 .parent_pending = true};
	sim_init(&s, 1, 0, false, 0);
	ok(&s);
	/* The parent is PENDING: a failure waits, using no retry, checked
	 * again after retry_interval. */
	for (int i = 0; i < 3; i++) {
		in.now_ms = s.now;
		watch_cycle_step(&s.cfg, &s.st, &in, &s.b);
		s.now += s.b.next_ms;
		EXPECT(&s.b, WATCH_PENDING, false, WATCH_ALERT_NONE);
		assert_int_equal(s.b.retries, 0);
		assert_int_equal(s.b.next_ms, 5000);
	}
	/* The parent goes DOWN: DOWN by dependency, silent. */
	EXPECT(dep(&s), WATCH_DOWN, true, WATCH_ALERT_NONE);
	/* The parent is back UP: this one's retries run as usual. */
	sim_init(&s, 1, 0, false, 0);
	ok(&s);
	in.now_ms = s.now;
	watch_cycle_step(&s.cfg, &s.st, &in, &s.b);
	s.now += s.b.next_ms;
	EXPECT(bad(&s), WATCH_PENDING, false, WATCH_ALERT_NONE);
	assert_int_equal(s.b.retries, 1);
	EXPECT(bad(&s), WATCH_DOWN, true, WATCH_ALERT_DOWN);
	/* Already DOWN of its own: stays DOWN whatever the parent does. */
	in.now_ms = s.now;
	watch_cycle_step(&s.cfg, &s.st, &in, &s.b);
	EXPECT(&s.b, WATCH_DOWN, false, WATCH_ALERT_NONE);
	/* A first beat failing while the parent is PENDING waits too. */
	sim_init(&s, 0, 0, false, 0);
	in.now_ms = s.now;
	watch_cycle_step(&s.cfg, &s.st, &in, &s.b);
	EXPECT(&s.b, WATCH_PENDING, true, WATCH_ALERT_NONE);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(watch_status_name(WATCH_DOWN), "DOWN");
	assert_string_equal(watch_status_name(WATCH_UP), "UP");
	assert_string_equal(watch_status_name(WATCH_PENDING), "PENDING");
	assert_string_equal(watch_status_name(WATCH_MAINTENANCE),
			    "MAINTENANCE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_beat),
		cmocka_unit_test(test_retries_then_down),
		cmocka_unit_test(test_no_retries),
		cmocka_unit_test(test_resend),
		cmocka_unit_test(test_upside_down),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_up_retries),
		cmocka_unit_test(test_dependency),
		cmocka_unit_test(test_parent_pending),
		cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
