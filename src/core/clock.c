/* SPDX-License-Identifier: MIT */
/* The clock's wrappers and its libuv implementation. */
#include "core/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int clock_timer_new(const struct clock *c, clock_timer_fn fn, void *ud,
		    struct clock_timer **out)
{
	*out = NULL;
	int rc = c->ops->timer_new(c, out);
	if (rc)
		return rc;
	(*out)->clock = c;
	(*out)->fn = fn;
	(*out)->ud = ud;
	(*out)->active = false;
	return 0;
}

void clock_timer_start(struct clock_timer *t, uint64_t after_ms,
		       uint64_t repeat_ms)
{
	t->active = true;
	t->clock->ops->timer_start(t, after_ms, repeat_ms);
}

void clock_timer_stop(struct clock_timer *t)
{
	t->active = false;
	t->clock->ops->timer_stop(t);
}

bool clock_timer_is_active(const struct clock_timer *t)
{
	return t->active;
}

void clock_timer_free(struct clock_timer *t)
{
	if (!t)
		return;
	t->active = false;
	t->clock->ops->timer_free(t);
}

/* ---- libuv ---- */

struct uv_clock {
	struct clock base;
	uv_loop_t *loop;
};

struct uv_clock_timer {
	struct clock_timer base;
	uv_timer_t h;
};

static uint64_t uv_mono_ms(const struct clock *c)
{
	return uv_now(((const struct uv_clock *)c)->loop);
}

static int64_t uv_wall_ms(const struct clock *c)
{
	struct timespec ts;
	(void)c;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_uv_timer(uv_timer_t *h)
{
	struct uv_clock_timer *t = h->data;
	if (!uv_timer_get_repeat(h))
		t->base.active = false;
	t->base.fn(&t->base, t->base.ud);
}

static int uv_timer_new_(const struct clock *c, struct clock_timer **out)
{
	struct uv_clock_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	int rc = uv_timer_init(((const struct uv_clock *)c)->loop, &t->h);
	if (rc) {
		free(t);
		return rc;
	}
	t->h.data = t;
	*out = &t->base;
	return 0;
}

static void uv_timer_start_(struct clock_timer *ct, uint64_t after_ms,
			    uint64_t repeat_ms)
{
	struct uv_clock_timer *t = (struct uv_clock_timer *)ct;
	uv_timer_start(&t->h, on_uv_timer, after_ms, repeat_ms);
}

static void uv_timer_stop_(struct clock_timer *ct)
{
	uv_timer_stop(&((struct uv_clock_timer *)ct)->h);
}

static void on_uv_timer_closed(uv_handle_t *h)
{
	free(h->data);
}

static void uv_timer_free_(struct clock_timer *ct)
{
	struct uv_clock_timer *t = (struct uv_clock_timer *)ct;
	uv_close((uv_handle_t *)&t->h, on_uv_timer_closed);
}

static const struct clock_ops uv_clock_ops = {
	.mono_ms = uv_mono_ms,
	.wall_ms = uv_wall_ms,
	.timer_new = uv_timer_new_,
	.timer_start = uv_timer_start_,
	.timer_stop = uv_timer_stop_,
	.timer_free = uv_timer_free_,
};

int clock_uv_new(uv_loop_t *loop, struct clock **out)
{
	struct uv_clock *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->base.ops = &uv_clock_ops;
	c->loop = loop;
	*out = &c->base;
	return 0;
}

void clock_uv_free(struct clock *c)
{
	free(c);
}
