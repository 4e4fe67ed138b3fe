/* SPDX-License-Identifier: MIT */
/* Uptime Kuma's check-cycle rules (retries, important beats, alerts, resend) plus up-retries and dependencies. */
#include "proto/watch/cycle.h"

#include <string.h>

const char *watch_status_name(enum watch_status s)
{
	switch (s) {
	case WATCH_DOWN: return "DOWN";
	case WATCH_UP: return "UP";
	case WATCH_PENDING: return "PENDING";
	case WATCH_MAINTENANCE: return "MAINTENANCE";
	}
	return "?";
}

/* Kuma's isImportantBeat for a beat that is not the first. */
static bool important(enum watch_status prev, enum watch_status s)
{
	if (prev == s)
		return false;
	if (prev == WATCH_MAINTENANCE || s == WATCH_MAINTENANCE)
		return true;
	return (prev == WATCH_UP && s == WATCH_DOWN) ||
	       (prev == WATCH_DOWN && s == WATCH_UP) ||
	       (prev == WATCH_PENDING && s == WATCH_DOWN);
}

/* The status of a check that ran; counts retries and up_retries. */
static enum watch_status checked(const struct watch_cycle_cfg *c,
				 struct watch_cycle *st,
				 const struct watch_input *in, bool *held)
{
	bool up = in->raw_up != c->upside_down;
	if (!up) {
		st->up_count = 0;
		if (in->parent_pending &&
		    !(st->has_beat && st->status == WATCH_DOWN))
			return WATCH_PENDING;
		if (c->max_retries > 0 && st->retries < c->max_retries) {
			st->retries++;
			return WATCH_PENDING;
		}
		return WATCH_DOWN;
	}
	st->retries = 0;
	/* up_retries: only an announced DOWN is held (not the first beat,
	 * not a DOWN by dependency, which was never the monitor's own). */
	if (st->has_beat && st->status == WATCH_DOWN && st->down_alerted &&
	    !st->by_dependency && st->up_count < c->up_retries) {
		st->up_count++;
		*held = true;
		return WATCH_DOWN;
	}
	st->up_count = 0;
	return WATCH_UP;
}

void watch_cycle_step(const struct watch_cycle_cfg *c, struct watch_cycle *st,
		      const struct watch_input *in, struct watch_beat *out)
{
	bool first = !st->has_beat;
	enum watch_status prev = st->status, s;
	bool held = false, dep = false;

	memset(out, 0, sizeof(*out));
	out->duration_ms = first ? 0 : in->now_ms - st->last_ms;
	switch (in->event) {
	case WATCH_EV_MAINTENANCE:
		s = WATCH_MAINTENANCE;
		st->retries = 0;
		st->up_count = 0;
		break;
	case WATCH_EV_DEPENDENCY:
		s = WATCH_DOWN;
		dep = true;
		st->up_count = 0;
		break;
	default:
		s = checked(c, st, in, &held);
		break;
	}

	out->important = first || important(prev, s) ||
			 (s == WATCH_DOWN && prev == WATCH_DOWN &&
			  dep != st->by_dependency);
	/* Entering DOWN of its own (from anything but an announced DOWN)
	 * alerts: Kuma's first-DOWN, UP->DOWN, PENDING->DOWN and
	 * MAINTENANCE->DOWN, and a failure right after a DOWN by
	 * dependency. */
	if (s == WATCH_DOWN && !dep && !held &&
	    (first || prev != WATCH_DOWN || !st->down_alerted)) {
		out->alert = WATCH_ALERT_DOWN;
		out->important = true;
		st->down_alerted = true;
	} else if (s == WATCH_UP && !first && prev == WATCH_DOWN &&
		   st->down_alerted) {
		out->alert = WATCH_ALERT_UP;
	}
	if (out->important) {
		st->down_count = 0;
	} else if (s == WATCH_DOWN && !dep && !held && c->resend_interval > 0 &&
		   ++st->down_count >= c->resend_interval) {
		out->alert = WATCH_ALERT_DOWN;
		out->resend = true;
		st->down_count = 0;
	}
	if (s != WATCH_DOWN)
		st->down_alerted = false;

	st->has_beat = true;
	st->status = s;
	st->by_dependency = dep;
	st->last_ms = in->now_ms;

	out->status = s;
	out->held = held;
	out->by_dependency = dep;
	out->retries = st->retries;
	out->down_count = st->down_count;
	out->next_ms = s == WATCH_PENDING || held ? c->retry_interval_ms
						  : c->interval_ms;
}
