/* SPDX-License-Identifier: MIT */
/* The notify room's scheduler: one clock timer for the next delayed message, never early. */
#ifndef HEARTH_NOTIFY_SCHED_H
#define HEARTH_NOTIFY_SCHED_H

#include <stdint.h>

#include "core/clock.h"

/*
 * Delayed messages wait in the cache; the scheduler only knows when the
 * next one is due (unix seconds) and calls @due once the clock's wall
 * time has reached it: never before (a timer that fires early because
 * monotonic and wall time drifted is started again for the rest). The
 * caller then delivers what is due and arms the next time. Loop thread.
 */
struct notify_sched {
	const struct clock *clock;
	struct clock_timer *t;
	int64_t next_at; /* INT64_MAX: nothing armed */
	void (*due)(void *ud, int64_t now);
	void *ud;
};

int notify_sched_init(struct notify_sched *s, const struct clock *c,
		      void (*due)(void *ud, int64_t now), void *ud);
/* Due at @at (unix s) unless something earlier is armed already. */
void notify_sched_at(struct notify_sched *s, int64_t at);
/* Forgets what is armed (before arming the next after a delivery). */
void notify_sched_clear(struct notify_sched *s);
void notify_sched_deinit(struct notify_sched *s);

#endif
