/* SPDX-License-Identifier: MIT */
/* The notify room's scheduler: one clock timer for the next delayed message, never early. */
#include "notify/sched.h"

#include <errno.h>

/* Longest single wait: a clock that jumps is noticed within a minute. */
#define SCHED_MAX_WAIT_MS 60000

static void start(struct notify_sched *s)
{
	int64_t wait = s->next_at * 1000 - clock_wall_ms(s->clock);
	if (wait < 0)
		wait = 0;
	if (wait > SCHED_MAX_WAIT_MS)
		wait = SCHED_MAX_WAIT_MS;
	clock_timer_start(s->t, (uint64_t)wait, 0);
}

static void on_timer(struct clock_timer *t, void *ud)
{
	struct notify_sched *s = ud;
	(void)t;
	if (s->next_at == INT64_MAX)
		return;
	int64_t now_ms = clock_wall_ms(s->clock);
	if (now_ms < s->next_at * 1000) {
		start(s); /* not yet: the rest */
		return;
	}
	s->next_at = INT64_MAX;
	s->due(s->ud, now_ms / 1000);
}

int notify_sched_init(struct notify_sched *s, const struct clock *c,
		      void (*due)(void *ud, int64_t now), void *ud)
{
	s->clock = c;
	s->next_at = INT64_MAX;
	s->due = due;
	s->ud = ud;
	return clock_timer_new(c, on_timer, s, &s->t);
}

void notify_sched_at(struct notify_sched *s, int64_t at)
{
	if (at >= s->next_at)
		return;
	s->next_at = at;
	start(s);
}

void notify_sched_clear(struct notify_sched *s)
{
	s->next_at = INT64_MAX;
	clock_timer_stop(s->t);
}

void notify_sched_deinit(struct notify_sched *s)
{
	clock_timer_free(s->t);
	s->t = NULL;
}
