/* SPDX-License-Identifier: MIT */
/* A scripted clock for unit tests: time moves only when the test advances it. */
#ifndef HEARTH_TESTS_CLOCK_SCRIPT_H
#define HEARTH_TESTS_CLOCK_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"

/*
 * Starts at monotonic @mono_ms and wall @wall_ms. Timers fire only inside
 * clock_script_advance, in deadline order (ties: the one started first),
 * with the clock's time set to each deadline as it fires. *out is owned
 * by the caller (clock_script_free, after its timers are freed).
 */
int clock_script_new(uint64_t mono_ms, int64_t wall_ms, struct clock **out);
void clock_script_free(struct clock *c);

/* Moves time forward by @ms, firing every timer that falls due. Returns
 * how many callbacks ran. */
size_t clock_script_advance(struct clock *c, uint64_t ms);

/* Timers started and not yet fired or stopped. */
size_t clock_script_pending(const struct clock *c);

#endif
