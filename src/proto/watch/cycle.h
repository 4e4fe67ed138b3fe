/* SPDX-License-Identifier: MIT */
/* Uptime Kuma's check cycle as a pure state machine: one call per beat, time as an argument. */
#ifndef HEARTH_PROTO_WATCH_CYCLE_H
#define HEARTH_PROTO_WATCH_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

/* Kuma's status values (heartbeat.status). */
enum watch_status {
	WATCH_DOWN = 0,
	WATCH_UP = 1,
	WATCH_PENDING = 2,
	WATCH_MAINTENANCE = 3,
};

/* "DOWN", "UP", "PENDING", "MAINTENANCE". */
const char *watch_status_name(enum watch_status s);

/* A monitor's cycle settings (Kuma's names). */
struct watch_cycle_cfg {
	int64_t interval_ms;	   /* interval */
	int64_t retry_interval_ms; /* retryInterval: next check while PENDING */
	int max_retries;	   /* maxretries: failures shown PENDING */
	int resend_interval;	   /* resendInterval: 0 off, else every N DOWN beats */
	bool upside_down;	   /* upsideDown */
	/* hearth: after DOWN, successful checks held back (still DOWN,
	 * next check after retry_interval) before the UP beat. */
	int up_retries;
};

/* What one monitor carries from beat to beat (zero it to start). */
struct watch_cycle {
	bool has_beat;		  /* a beat happened (else the next is the first) */
	enum watch_status status; /* of the last beat */
	int retries;		  /* failures counted (Kuma's retries) */
	int down_count;		  /* DOWN beats since the last alert (resend) */
	int up_count;		  /* successes held back (up_retries) */
	bool down_alerted;	  /* the current DOWN was announced */
	bool by_dependency;	  /* the last beat was DOWN by dependency */
	int64_t last_ms;	  /* time of the last beat */
};

/* What happened since the last beat. */
enum watch_event {
	WATCH_EV_CHECK,	      /* a check ran: raw_up says how it went */
	WATCH_EV_MAINTENANCE, /* inside a maintenance window: no check */
	WATCH_EV_DEPENDENCY,  /* the monitor it depends on is DOWN: no check */
};

struct watch_input {
	enum watch_event event;
	bool raw_up;	/* WATCH_EV_CHECK: the check's own verdict */
	/* WATCH_EV_CHECK: the monitor it depends on is PENDING. A failure
	 * then waits as PENDING without using a retry (the parent decides:
	 * DOWN makes this one DOWN by dependency, UP lets its retries run). */
	bool parent_pending;
	int64_t now_ms; /* the beat's time (any clock, monotonic in use) */
};

enum watch_alert {
	WATCH_ALERT_NONE,
	WATCH_ALERT_DOWN, /* [name] [🔴 Down] msg */
	WATCH_ALERT_UP,	  /* [name] [✅ Up] msg */
};

/* The beat to record and what to do about it. */
struct watch_beat {
	enum watch_status status;
	bool important;	     /* shown in the event list (a state change) */
	enum watch_alert alert; /* notification to send now */
	bool resend;	     /* the alert is a resend while DOWN */
	bool held;	     /* a success held back by up_retries */
	bool by_dependency;  /* DOWN because the parent is DOWN */
	int retries;	     /* the counters after this beat (stored with it) */
	int down_count;
	int64_t duration_ms; /* since the previous beat (0 for the first) */
	int64_t next_ms;     /* delay until the next check */
};

/*
 * One beat: applies Kuma's check-cycle rules to @in and updates @st.
 *  1. maintenance: MAINTENANCE (no check, no alert);
 *  2. the check's verdict, inverted when upside_down;
 *  3. a failure with retries left is PENDING (retries++), else DOWN
 *     (retries keep counting); a success resets retries (first beat too);
 *  4. next check after retry_interval when PENDING (or a success held
 *     by up_retries), else interval;
 *  5. important: the first beat, UP<->DOWN, PENDING->DOWN, any change
 *     to or from MAINTENANCE (and, in hearth, a change of dependency);
 *  6. alert: first beat DOWN, UP->DOWN, PENDING->DOWN, MAINTENANCE->DOWN
 *     (DOWN), DOWN->UP (UP); PENDING->UP and MAINTENANCE->UP are silent;
 *  7. resend: while DOWN with resend_interval N, every Nth DOWN beat
 *     after the alert alerts again (down_count resets);
 * hearth's additions: DOWN by dependency (no alert, and no UP alert
 * for a DOWN never announced; a real failure after it alerts), PENDING
 * while the parent is PENDING, and up_retries. Pure; any thread.
 */
void watch_cycle_step(const struct watch_cycle_cfg *c, struct watch_cycle *st,
		      const struct watch_input *in, struct watch_beat *out);

#endif
