/* SPDX-License-Identifier: MIT */
/* Unit tests of the clock: scripted timers fire in order; the libuv clock's timers and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <time.h>
#include <uv.h>

#include "core/clock.h"
#include "support/clock_script.h"

struct fired {
	const struct clock *clock;
	char names[32];
	uint64_t at[32];
	size_t n;
	struct clock_timer *stop_after; /* stop this one once it fired 3 times */
	struct clock_timer *free_me;	/* free this one from the callback */
	int repeats;
};

static struct fired log_;

static void on_timer(struct clock_timer *t, void *ud)
{
	const char *name = ud;
	log_.names[log_.n] = name[0];
	log_.at[log_.n++] = clock_now_ms(log_.clock);
	if (t == log_.stop_after && ++log_.repeats == 3)
		clock_timer_stop(t);
	if (log_.free_me) {
		clock_timer_free(log_.free_me);
		log_.free_me = NULL;
	}
}

static void reset(const struct clock *c)
{
	memset(&log_, 0, sizeof(log_));
	log_.clock = c;
}

static void test_script_fires_in_deadline_order(void **state)
{
	(void)state;
	struct clock *c;
	struct clock_timer *a, *b, *cc, *d;
	assert_int_equal(clock_script_new(1000, 1700000000000, &c), 0);
	reset(c);
	assert_int_equal(clock_timer_new(c, on_timer, "A", &a), 0);
	assert_int_equal(clock_timer_new(c, on_timer, "B", &b), 0);
	assert_int_equal(clock_timer_new(c, on_timer, "C", &cc), 0);
	assert_int_equal(clock_timer_new(c, on_timer, "D", &d), 0);
	clock_timer_start(a, 30, 0);
	clock_timer_start(b, 10, 0);
	clock_timer_start(cc, 20, 0);
	clock_timer_start(d, 10, 0); /* same deadline as B, started later */
	assert_int_equal(clock_script_pending(c), 4);
	assert_int_equal(clock_script_advance(c, 9), 0);
	assert_int_equal(clock_script_advance(c, 100), 4);
	assert_int_equal(log_.n, 4);
	assert_memory_equal(log_.names, "BDCA", 4);
	assert_int_equal(log_.at[0], 1010);
	assert_int_equal(log_.at[1], 1010);
	assert_int_equal(log_.at[2], 1020);
	assert_int_equal(log_.at[3], 1030);
	assert_int_equal(clock_now_ms(c), 1109);
	assert_false(clock_timer_is_active(a));
	assert_int_equal(clock_script_pending(c), 0);
	clock_timer_free(a);
	clock_timer_free(b);
	clock_timer_free(cc);
	clock_timer_free(d);
	clock_script_free(c);
}

static void test_script_repeat_stop_restart(void **state)
{
	(void)state;
	struct clock *c;
	struct clock_timer *r, *o;
	assert_int_equal(clock_script_new(0, 0, &c), 0);
	reset(c);
	assert_int_equal(clock_timer_new(c, on_timer, "R", &r), 0);
	assert_int_equal(clock_timer_new(c, on_timer, "O", &o), 0);
	log_.stop_after = r;
	clock_timer_start(r, 25, 25);
	clock_timer_start(o, 60, 0);
	assert_true(clock_timer_is_active(r));
	assert_int_equal(clock_script_advance(c, 200), 4);
	assert_memory_equal(log_.names, "RROR", 4);
	assert_int_equal(log_.at[0], 25);
	assert_int_equal(log_.at[1], 50);
	assert_int_equal(log_.at[2], 60);
	assert_int_equal(log_.at[3], 75);
	assert_false(clock_timer_is_active(r)); /* stopped in its callback */
	/* Stopped before due: nothing; started again: due from now. */
	clock_timer_start(o, 10, 0);
	clock_timer_stop(o);
	assert_int_equal(clock_script_advance(c, 50), 0);
	clock_timer_start(o, 10, 0);
	assert_int_equal(clock_script_advance(c, 10), 1);
	assert_int_equal(log_.at[4], 260);
	clock_timer_free(r);
	clock_timer_free(o);
	clock_script_free(c);
}

static void test_script_free_from_callback(void **state)
{
	(void)state;
	struct clock *c;
	struct clock_timer *a, *b;
	assert_int_equal(clock_script_new(0, 0, &c), 0);
	reset(c);
	assert_int_equal(clock_timer_new(c, on_timer, "A", &a), 0);
	assert_int_equal(clock_timer_new(c, on_timer, "B", &b), 0);
	clock_timer_start(a, 5, 0);
	clock_timer_start(b, 5, 0);
	log_.free_me = b; /* A's callback frees B, due at the same time */
	assert_int_equal(clock_script_advance(c, 10), 1);
	assert_memory_equal(log_.names, "A", 1);
	clock_timer_free(a);
	clock_script_free(c);
}

static void test_script_wall_clock_moves_with_time(void **state)
{
	(void)state;
	struct clock *c;
	assert_int_equal(clock_script_new(500, 1700000000250, &c), 0);
	assert_int_equal(clock_wall_ms(c), 1700000000250);
	assert_int_equal(clock_wall_s(c), 1700000000);
	clock_script_advance(c, 750);
	assert_int_equal(clock_now_ms(c), 1250);
	assert_int_equal(clock_wall_s(c), 1700000001);
	clock_script_advance(c, 3600 * 1000);
	assert_int_equal(clock_wall_s(c), 1700003601);
	clock_script_free(c);
}

static void test_uv_clock_timers(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct clock *c;
	struct clock_timer *once, *rep;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(clock_uv_new(&loop, &c), 0);
	reset(c);
	int64_t wall = clock_wall_s(c);
	int64_t sys = (int64_t)time(NULL);
	assert_true(wall >= sys - 1 && wall <= sys + 1);
	uint64_t t0 = clock_now_ms(c);
	assert_int_equal(clock_timer_new(c, on_timer, "O", &once), 0);
	assert_int_equal(clock_timer_new(c, on_timer, "R", &rep), 0);
	log_.stop_after = rep;
	clock_timer_start(once, 30, 0);
	clock_timer_start(rep, 5, 5);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(log_.n, 4);
	assert_memory_equal(log_.names, "RRRO", 4);
	assert_true(log_.at[3] >= t0 + 30);
	assert_false(clock_timer_is_active(once));
	assert_false(clock_timer_is_active(rep));
	clock_timer_free(once);
	clock_timer_free(rep);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0); /* close callbacks */
	clock_uv_free(c);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_fires_in_deadline_order),
		cmocka_unit_test(test_script_repeat_stop_restart),
		cmocka_unit_test(test_script_free_from_callback),
		cmocka_unit_test(test_script_wall_clock_moves_with_time),
		cmocka_unit_test(test_uv_clock_timers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
