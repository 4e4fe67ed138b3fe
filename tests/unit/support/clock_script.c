/* SPDX-License-Identifier: MIT */
/* The scripted clock: a list of timers fired in deadline order on advance. */
#include "clock_script.h"

#include <errno.h>
#include <stdlib.h>

struct script_clock {
	struct clock base;
	uint64_t mono;
	int64_t wall; /* at mono == 0 */
	uint64_t seq; /* start order, for ties */
	struct script_timer *timers;
};

struct script_timer {
	struct clock_timer base;
	struct script_timer *next;
	uint64_t due, repeat, seq;
};

static struct script_clock *sc(const struct clock *c)
{
	return (struct script_clock *)c;
}

static uint64_t mono_ms(const struct clock *c)
{
	return sc(c)->mono;
}

static int64_t wall_ms(const struct clock *c)
{
	return sc(c)->wall + (int64_t)sc(c)->mono;
}

static int timer_new(const struct clock *c, struct clock_timer **out)
{
	struct script_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->next = sc(c)->timers;
	sc(c)->timers = t;
	*out = &t->base;
	return 0;
}

static void timer_start(struct clock_timer *ct, uint64_t after_ms,
			uint64_t repeat_ms)
{
	struct script_timer *t = (struct script_timer *)ct;
	struct script_clock *c = sc(ct->clock);
	t->due = c->mono + after_ms;
	t->repeat = repeat_ms;
	t->seq = ++c->seq;
}

static void timer_stop(struct clock_timer *ct)
{
	(void)ct;
}

static void timer_free(struct clock_timer *ct)
{
	struct script_clock *c = sc(ct->clock);
	for (struct script_timer **p = &c->timers; *p; p = &(*p)->next)
		if (&(*p)->base == ct) {
			struct script_timer *t = *p;
			*p = t->next;
			free(t);
			return;
		}
}

static const struct clock_ops script_ops = {
	.mono_ms = mono_ms,
	.wall_ms = wall_ms,
	.timer_new = timer_new,
	.timer_start = timer_start,
	.timer_stop = timer_stop,
	.timer_free = timer_free,
};

int clock_script_new(uint64_t mono_ms0, int64_t wall_ms0, struct clock **out)
{
	struct script_clock *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->base.ops = &script_ops;
	c->mono = mono_ms0;
	c->wall = wall_ms0 - (int64_t)mono_ms0;
	*out = &c->base;
	return 0;
}

void clock_script_free(struct clock *cl)
{
	struct script_clock *c = sc(cl);
	if (!c)
		return;
	while (c->timers) {
		struct script_timer *t = c->timers;
		c->timers = t->next;
		free(t);
	}
	free(c);
}

/* The active timer due first (by deadline, then start order), if due by
 * @until. */
static struct script_timer *next_due(struct script_clock *c, uint64_t until)
{
	struct script_timer *best = NULL;
	for (struct script_timer *t = c->timers; t; t = t->next) {
		if (!t->base.active || t->due > until)
			continue;
		if (!best || t->due < best->due ||
		    (t->due == best->due && t->seq < best->seq))
			best = t;
	}
	return best;
}

size_t clock_script_advance(struct clock *cl, uint64_t ms)
{
	struct script_clock *c = sc(cl);
	uint64_t until = c->mono + ms;
	size_t fired = 0;
	struct script_timer *t;
	while ((t = next_due(c, until))) {
		c->mono = t->due;
		if (t->repeat) {
			t->due += t->repeat;
			t->seq = ++c->seq;
		} else {
			t->base.active = false;
		}
		fired++;
		t->base.fn(&t->base, t->base.ud);
	}
	c->mono = until;
	return fired;
}

size_t clock_script_pending(const struct clock *cl)
{
	size_t n = 0;
	for (struct script_timer *t = sc(cl)->timers; t; t = t->next)
		n += t->base.active;
	return n;
}
