/* SPDX-License-Identifier: MIT */
/* The clock seam: now (monotonic and wall) and timers, behind a small vtable. */
#ifndef HEARTH_CORE_CLOCK_H
#define HEARTH_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/*
 * Protocol engines never call time() or uv_timer_* themselves: they ask a
 * struct clock. The daemon's clock (clock_uv_new) reads the loop and the
 * system; unit tests use a scripted clock (tests/unit/support) whose time
 * moves only when the test says so, firing timers in deadline order.
 *
 * All calls are loop-thread only (the thread that owns the clock).
 */
struct clock;
struct clock_timer;

/* Called on the loop thread when @t is due. The callback may start, stop
 * or free @t (and other timers). */
typedef void (*clock_timer_fn)(struct clock_timer *t, void *ud);

/* What an implementation provides; users call the clock_* wrappers. */
struct clock_ops {
	uint64_t (*mono_ms)(const struct clock *c);
	int64_t (*wall_ms)(const struct clock *c);
	int (*timer_new)(const struct clock *c, struct clock_timer **out);
	void (*timer_start)(struct clock_timer *t, uint64_t after_ms,
			    uint64_t repeat_ms);
	void (*timer_stop)(struct clock_timer *t);
	void (*timer_free)(struct clock_timer *t);
};

struct clock {
	const struct clock_ops *ops;
};

/* The part of every timer the wrappers use; implementations put it first
 * in their own timer struct. */
struct clock_timer {
	const struct clock *clock;
	clock_timer_fn fn;
	void *ud;
	bool active;
};

/* Monotonic milliseconds (arbitrary origin; for the uv clock it is the
 * loop's cached time, updated once per loop iteration). */
static inline uint64_t clock_now_ms(const struct clock *c)
{
	return c->ops->mono_ms(c);
}

/* Wall-clock time since the Unix epoch, in milliseconds and seconds. */
static inline int64_t clock_wall_ms(const struct clock *c)
{
	return c->ops->wall_ms(c);
}

static inline int64_t clock_wall_s(const struct clock *c)
{
	int64_t ms = c->ops->wall_ms(c);
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

/*
 * Creates a stopped timer that calls @fn(@t, @ud) when due. *out is owned
 * by the caller: clock_timer_free it (before the clock is freed). 0 or
 * -ENOMEM.
 */
int clock_timer_new(const struct clock *c, clock_timer_fn fn, void *ud,
		    struct clock_timer **out);
/* (Re)starts @t: due in @after_ms, then every @repeat_ms (0: one-shot). */
void clock_timer_start(struct clock_timer *t, uint64_t after_ms,
		       uint64_t repeat_ms);
/* Stops @t; its callback is not called until it is started again. */
void clock_timer_stop(struct clock_timer *t);
/* True while @t is started and not yet fired (one-shot) or stopped. */
bool clock_timer_is_active(const struct clock_timer *t);
/* Stops and frees @t; NULL is fine. The callback is never called after
 * this (for the uv clock the memory goes in the handle's close callback,
 * so the loop must run once more before it is closed). */
void clock_timer_free(struct clock_timer *t);

/*
 * The daemon's clock: monotonic time from uv_now(@loop), wall time from
 * CLOCK_REALTIME, timers as uv_timer_t handles on @loop. *out is owned by
 * the caller (clock_uv_free, after every timer made from it is freed).
 */
int clock_uv_new(uv_loop_t *loop, struct clock **out);
void clock_uv_free(struct clock *c);

#endif
