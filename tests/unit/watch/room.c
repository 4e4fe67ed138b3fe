/* SPDX-License-Identifier: MIT */
/* Unit tests of the watch room with scripted time: push watchdog, retries, alerts through a fake notify service, resend, dependencies, history rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/rooms.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "core/sql.h"
#include "support/clock_script.h"
#include "watch/internal.h"

/* What the fake notify room was asked to publish. */
struct sent {
	char event[32], message[400], to[64];
	int priority;
	size_t n, direct;
};

static int fake_publish(void *ud, const struct room_notify_msg *m)
{
	struct sent *s = ud;
	if (!strncmp(m->event, "ntfy:", 5)) { /* alerts.to's direct topic */
		snprintf(s->to, sizeof(s->to), "%s", m->event);
		s->direct++;
		return 0;
	}
	snprintf(s->event, sizeof(s->event), "%s", m->event);
	snprintf(s->message, sizeof(s->message), "%s", m->message);
	s->priority = m->priority;
	s->n++;
	return 0;
}

struct fx {
	char dir[64];
	uv_loop_t loop;
	struct store *store;
	struct workq *wq;
	struct clock *clock;
	struct config_schema schema;
	struct config *cfg;
	struct sent sent;
	struct room_notify_publisher pub;
	struct room_services services;
	struct watch_room *room;
};

static struct fx *fx_new_at(const char *yaml, bool with_notify,
			    int64_t wall_ms)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cfg_error err;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hearth-watch-room-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(uv_loop_init(&f->loop), 0);
	assert_int_equal(store_open(f->dir, &f->store), 0);
	assert_int_equal(store_migrate(f->store, "watch", watch_migrations), 0);
	assert_int_equal(workq_new(&f->loop, &f->wq), 0);
	assert_int_equal(clock_script_new(1000, wall_ms, &f->clock), 0);
	assert_int_equal(config_schema_init(&f->schema, hearth_rooms), 0);
	if (config_load_buffer(&f->schema, yaml, strlen(yaml), "t.yaml", &f->cfg,
			       &err))
		fail_msg("%d:%d: %s", err.line, err.col, err.msg);
	f->pub = (struct room_notify_publisher){&f->sent, fake_publish};
	f->services.notify = with_notify ? &f->pub : NULL;
	struct room_ctx ctx = {
		.loop = &f->loop, .store = f->store, .services = &f->services,
		.workq = f->wq, .clock = f->clock,
	};
	void *room = NULL;
	assert_int_equal(watch_room_ops.open(&ctx, f->cfg, &room), 0);
	f->room = room;
	assert_int_equal(watch_room_ops.bind(room, &f->services), 0);
	assert_int_equal(watch_room_ops.start(room), 0);
	return f;
}

static struct fx *fx_new(const char *yaml, bool with_notify)
{
	return fx_new_at(yaml, with_notify, 1796205600000LL);
}

/* Moves time, then lets the writer's jobs finish. */
static void advance(struct fx *f, uint64_t ms)
{
	clock_script_advance(f->clock, ms);
	clock_script_advance(f->clock, 0); /* the flush of this tick */
	uv_run(&f->loop, UV_RUN_DEFAULT);
}

static void fx_free(struct fx *f)
{
	watch_room_ops.close(f->room);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	workq_shutdown(f->wq, false);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	workq_free(f->wq);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	config_unref(f->cfg);
	store_free(f->store);
	clock_script_free(f->clock);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
}

static struct watch_mon *mon(struct fx *f, const char *token)
{
	struct watch_mon *m = watch_find_token(f->room, token);
	assert_non_null(m);
	return m;
}

static int64_t rows(struct fx *f, const char *sql)
{
	int64_t n = -1;
	assert_int_equal(sql_one_int(f->store, &n, sql, NULL), 0);
	return n;
}

static void test_watchdog_retries_alerts(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n"
			      "  alerts: {to: ['ntfy:lab']}\n"
			      "  monitors:\n"
			      "    - {name: cron, type: push, token: tok1,"
			      " interval: 10s, retries: 1, retry_interval: 5s}\n",
			      true);
	struct watch_mon *m = mon(f, "tok1");
	/* No push: nothing before interval + 1 s. */
	advance(f, 10999);
	assert_false(m->st.has_beat);
	/* Then the watchdog's failure, PENDING while a retry is left. */
	advance(f, 1);
	assert_int_equal(m->st.status, WATCH_PENDING);
	assert_string_equal(m->msg, "No heartbeat in the time window");
	assert_int_equal(f->sent.n, 0);
	/* retry_interval later: DOWN, announced with Kuma's text. */
	advance(f, 4999);
	assert_int_equal(m->st.status, WATCH_PENDING);
	advance(f, 1);
	assert_int_equal(m->st.status, WATCH_DOWN);
	assert_int_equal(f->sent.n, 1);
	assert_string_equal(f->sent.event, "watch.down");
	assert_string_equal(f->sent.message,
			    "[cron] [\xf0\x9f\x94\xb4 Down] No heartbeat in the "
			    "time window");
	assert_string_equal(f->sent.to, "ntfy:lab"); /* alerts.to, direct */
	assert_int_equal(f->sent.direct, 1);
	assert_int_equal(f->sent.priority, 5);
	/* A push: UP, announced. */
	watch_mon_push(m, true, "OK", 12, NULL);
	advance(f, 0);
	assert_int_equal(m->st.status, WATCH_UP);
	assert_int_equal(f->sent.n, 2);
	assert_string_equal(f->sent.event, "watch.up");
	assert_string_equal(f->sent.message, "[cron] [\xe2\x9c\x85 Up] OK");
	/* Pushed DOWN twice (one retry), with an empty message: N/A. */
	watch_mon_push(m, false, "", -1, NULL);
	advance(f, 0);
	assert_int_equal(m->st.status, WATCH_PENDING);
	assert_int_equal(f->sent.n, 2);
	watch_mon_push(m, false, "", -1, NULL);
	advance(f, 0);
	assert_int_equal(f->sent.n, 3);
	assert_string_equal(f->sent.message,
			    "[cron] [\xf0\x9f\x94\xb4 Down] N/A");
	/* Every beat is a row (5), each in the aggregates' minute; the
	 * important ones: the first, ->DOWN, ->UP, ->DOWN. */
	assert_int_equal(rows(f, "SELECT count(*) FROM watch_heartbeats"), 5);
	assert_int_equal(rows(f, "SELECT sum(up + down) FROM watch_stat_minutely"),
			 5);
	assert_int_equal(rows(f, "SELECT count(*) FROM watch_heartbeats WHERE "
				 "important = 1"), 4);
	fx_free(f);
}

static void test_push_keeps_it_up(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n  monitors:\n"
			      "    - {name: p, type: push, token: tok2,"
			      " interval: 10s}\n", true);
	struct watch_mon *m = mon(f, "tok2");
	/* A push every 9 s for a minute: never DOWN. */
	for (int i = 0; i < 7; i++) {
		advance(f, 9000);
		watch_mon_push(m, true, "OK", -1, NULL);
	}
	advance(f, 0);
	assert_int_equal(m->st.status, WATCH_UP);
	assert_int_equal(f->sent.n, 0);
	assert_int_equal(rows(f, "SELECT count(*) FROM watch_heartbeats"), 7);
	/* The pushes stop: DOWN interval + 1 s after the last one. */
	advance(f, 10999);
	assert_int_equal(m->st.status, WATCH_UP);
	advance(f, 1);
	assert_int_equal(m->st.status, WATCH_DOWN);
	assert_int_equal(f->sent.n, 1);
	fx_free(f);
}

static void test_resend_and_dependency(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n  monitors:\n"
			      "    - {name: gw, type: push, token: gw01,"
			      " interval: 10s, resend_interval: 2}\n"
			      "    - {name: app, type: push, token: app1,"
			      " interval: 10s, depends_on: gw}\n", true);
	struct watch_mon *gw = mon(f, "gw01"), *app = mon(f, "app1");
	/* Both watchdogs fire at 11 s (gw first: table order); app finds
	 * gw DOWN: DOWN by dependency, no alert of its own. */
	advance(f, 11000);
	assert_int_equal(gw->st.status, WATCH_DOWN);
	assert_int_equal(app->st.status, WATCH_DOWN);
	assert_true(app->st.by_dependency);
	assert_int_equal(f->sent.n, 1);
	assert_true(strstr(f->sent.message, "[gw]") != NULL);
	/* gw stays DOWN: its 2nd DOWN beat after the alert resends. */
	advance(f, 10000);
	assert_int_equal(f->sent.n, 1);
	advance(f, 10000);
	assert_int_equal(f->sent.n, 2);
	assert_true(strstr(f->sent.message, "[gw]") != NULL);
	/* Both push again: UP; only gw's recovery is announced. */
	watch_mon_push(gw, true, "OK", -1, NULL);
	watch_mon_push(app, true, "OK", -1, NULL);
	advance(f, 0);
	assert_int_equal(app->st.status, WATCH_UP);
	assert_int_equal(f->sent.n, 3);
	assert_string_equal(f->sent.message, "[gw] [\xe2\x9c\x85 Up] OK");
	fx_free(f);
}

static void test_group(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n  monitors:\n"
			      "    - {name: g, type: group, interval: 5s,"
			      " retry_interval: 5s}\n"
			      "    - {name: c1, type: push, token: c1tok,"
			      " interval: 60s, parent: g}\n"
			      "    - {name: c2, type: push, token: c2tok,"
			      " interval: 60s, parent: g}\n"
			      "    - {name: empty, type: group, interval: 5s}\n",
			      true);
	struct watch_mon *g = f->room->mons[0], *e = f->room->mons[3];
	struct watch_mon *c1 = mon(f, "c1tok"), *c2 = mon(f, "c2tok");
	/* No child has beaten yet: PENDING; an empty group: PENDING. */
	advance(f, 5000);
	assert_int_equal(g->st.status, WATCH_PENDING);
	assert_string_equal(g->msg, "2 of 2 children pending");
	assert_int_equal(g->st.retries, 0);
	assert_int_equal(e->st.status, WATCH_PENDING);
	assert_string_equal(e->msg, "No children");
	/* Both UP: UP (from PENDING: silent). */
	watch_mon_push(c1, true, "OK", -1, NULL);
	watch_mon_push(c2, true, "OK", -1, NULL);
	advance(f, 5000);
	assert_int_equal(g->st.status, WATCH_UP);
	assert_string_equal(g->msg, "All children up and running");
	assert_int_equal(f->sent.n, 0);
	/* One child DOWN: the group is DOWN, announced (after the child). */
	watch_mon_push(c2, false, "disk", -1, NULL);
	advance(f, 5000);
	assert_int_equal(g->st.status, WATCH_DOWN);
	assert_int_equal(f->sent.n, 2);
	assert_string_equal(f->sent.message,
			    "[g] [\xf0\x9f\x94\xb4 Down] Child inaccessible "
			    "(1 of 2 DOWN)");
	/* Back: UP, announced. */
	watch_mon_push(c2, true, "OK", -1, NULL);
	advance(f, 5000);
	assert_int_equal(g->st.status, WATCH_UP);
	assert_string_equal(f->sent.message,
			    "[g] [\xe2\x9c\x85 Up] All children up and running");
	fx_free(f);
}

static void test_maintenance(void **state)
{
	(void)state;
	/* The clock starts at 2026-12-02 10:00:00 UTC, a Wednesday. */
	struct fx *f = fx_new(
		"watch:\n  monitors:\n"
		"    - {name: p, type: push, token: ptok, interval: 10s}\n"
		"    - {name: q, type: push, token: qtok, interval: 10s}\n"
		"  maintenance:\n"
		"    - {name: upgrade, strategy: single, monitors: [p],\n"
		"       start: '2026-12-02 10:00', end: '2026-12-02 10:01'}\n"
		"    - {name: off, strategy: manual, active: false}\n"
		"    - {name: nightly, strategy: recurring-weekday,\n"
		"       weekdays: [wed], start_time: '10:02', end_time: '10:03',\n"
		"       monitors: [q]}\n",
		true);
	struct watch_mon *p = mon(f, "ptok"), *q = mon(f, "qtok");
	/* 10:00:11: p is in its window, q is not (and has had no push). */
	advance(f, 11000);
	assert_int_equal(p->st.status, WATCH_MAINTENANCE);
	assert_string_equal(p->msg, "Under maintenance: upgrade");
	assert_int_equal(q->st.status, WATCH_DOWN);
	assert_int_equal(f->sent.n, 1); /* q's, not p's */
	assert_true(strstr(f->sent.message, "[q]") != NULL);
	/* A push inside the window is a MAINTENANCE beat too. */
	watch_mon_push(p, true, "OK", -1, NULL);
	advance(f, 0);
	assert_int_equal(p->st.status, WATCH_MAINTENANCE);
	/* q recovers by a push at 10:00:20. */
	advance(f, 9000);
	watch_mon_push(q, true, "OK", -1, NULL);
	advance(f, 0);
	assert_int_equal(f->sent.n, 2);
	/* After 10:01 p's checks resume: no push, so DOWN, announced
	 * (MAINTENANCE -> DOWN); q keeps pushing meanwhile. */
	for (int i = 0; i < 4; i++) { /* to 10:01:00 */
		advance(f, 10000);
		watch_mon_push(q, true, "OK", -1, NULL);
	}
	advance(f, 2000); /* 10:01:02: 11 s after the push, 10 s apart */
	watch_mon_push(q, true, "OK", -1, NULL);
	assert_int_equal(p->st.status, WATCH_DOWN);
	assert_int_equal(f->sent.n, 3);
	assert_true(strstr(f->sent.message, "[p]") != NULL);
	/* q keeps pushing; from 10:02 its beats are MAINTENANCE, silent,
	 * and after 10:03 UP again, silent (MAINTENANCE -> UP). */
	for (int i = 0; i < 14; i++) { /* to 10:03:22 */
		advance(f, 10000);
		watch_mon_push(q, true, "OK", -1, NULL);
		advance(f, 0);
		if (i == 7) /* 10:02:22 */
			assert_int_equal(q->st.status, WATCH_MAINTENANCE);
	}
	assert_int_equal(q->st.status, WATCH_UP);
	assert_int_equal(f->sent.n, 3);
	fx_free(f);
}

/* Jitter: 300 monitors of one interval (empty groups: a beat without
 * I/O) take their first check spread over the interval, not at once —
 * no second holds more than 3 % of them, and all have beaten by its end. */
static void test_first_checks_spread(void **state)
{
	(void)state;
	enum { N = 300 };
	char *yaml = malloc(64 * N + 64), *p = yaml;
	p += sprintf(p, "watch:\n  monitors:\n");
	for (int i = 0; i < N; i++)
		p += sprintf(p, "    - {name: mon-%d, type: group, interval: 60s}\n",
			     i);
	struct fx *f = fx_new(yaml, false);
	free(yaml);
	assert_int_equal(f->room->n_mons, N);
	size_t before = 0, most = 0, seconds_used = 0;
	for (int sec = 0; sec < 60; sec++) {
		advance(f, 1000);
		size_t now = 0;
		for (size_t i = 0; i < f->room->n_mons; i++)
			now += f->room->mons[i]->st.has_beat;
		size_t in_this = now - before;
		most = in_this > most ? in_this : most;
		seconds_used += in_this > 0;
		before = now;
	}
	assert_int_equal(before, N);
	assert_true(most <= N * 3 / 100);
	assert_true(seconds_used >= 50);
	fx_free(f);
}

/* A cron window in Europe/Berlin on the day clocks go forward (2027-03-28,
 * 01:00 UTC): "0 3 * * *" is 03:00 CEST = 01:00 UTC that day, not 02:00.
 * The scripted clock starts at 00:50 UTC; q pushes every 5 min. */
static void test_cron_window_dst(void **state)
{
	(void)state;
	struct fx *f = fx_new_at(
		"watch:\n  monitors:\n"
		"    - {name: q, type: push, token: qtok, interval: 10m}\n"
		"  maintenance:\n"
		"    - {name: backups, strategy: cron, cron: '0 3 * * *',"
		" duration: 30m, timezone: Europe/Berlin}\n",
		true, 1806195000000LL);
	struct watch_mon *q = mon(f, "qtok");
	int status[12];
	for (int i = 0; i < 12; i++) { /* 00:50 .. 01:45 UTC */
		watch_mon_push(q, true, "OK", -1, NULL);
		advance(f, 0);
		status[i] = q->st.status;
		advance(f, 300000);
	}
	for (int i = 0; i < 12; i++) /* 01:00 to 01:30 UTC: maintenance */
		assert_int_equal(status[i], i >= 2 && i < 8 ? WATCH_MAINTENANCE
							    : WATCH_UP);
	assert_int_equal(f->sent.n, 0); /* UP -> MAINTENANCE -> UP: silent */
	fx_free(f);
}

/* Runs the loop until @m has beaten (real sockets), time moving by
 * 100 ms steps: at most 50 of them. */
static void until_beat(struct fx *f, struct watch_mon *m)
{
	for (int i = 0; i < 50 && !m->st.has_beat; i++) {
		advance(f, 100);
		uv_run(&f->loop, UV_RUN_NOWAIT);
	}
	assert_true(m->st.has_beat);
}

static void test_registry(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n  monitors:\n"
			      "    - {name: p, type: push, token: ptok}\n",
			      true);
	struct room_watch_registry *reg = f->services.watch;
	assert_non_null(reg);
	/* Refused: unknown types, targets that do not fit. */
	struct room_watch_target t = {.owner = "vm", .name = "web",
				      .type = "dns", .target = "x"};
	assert_int_equal(reg->add(reg->ud, &t), -EINVAL);
	t.type = "port";
	t.target = "no-port";
	assert_int_equal(reg->add(reg->ud, &t), -EINVAL);
	t.target = "127.0.0.1:99999";
	assert_int_equal(reg->add(reg->ud, &t), -EINVAL);
	t.type = "http";
	t.target = "ftp://x";
	assert_int_equal(reg->add(reg->ud, &t), -EINVAL);
	assert_int_equal(f->room->n_mons, 1);
	/* A port nobody listens on: registered, checked, DOWN. */
	t.type = "port";
	t.target = "127.0.0.1:1";
	t.interval_s = 5;
	assert_int_equal(reg->add(reg->ud, &t), 0);
	assert_int_equal(f->room->n_mons, 2);
	struct watch_mon *m = f->room->mons[1];
	assert_string_equal(m->cfg->name, "vm:web");
	assert_int_equal(m->cfg->interval, 5);
	until_beat(f, m);
	assert_int_equal(m->st.status, WATCH_DOWN);
	assert_true(strstr(f->sent.message, "[vm:web]") != NULL);
	/* Adding again replaces it (one monitor, the new target). */
	t.target = "127.0.0.1:2";
	assert_int_equal(reg->add(reg->ud, &t), 0);
	assert_int_equal(f->room->n_mons, 2);
	assert_int_equal(f->room->mons[1]->cfg->port, 2);
	/* Another owner's same name is another monitor. */
	t.owner = "proxy";
	t.type = "http";
	t.target = "http://127.0.0.1:1/";
	assert_int_equal(reg->add(reg->ud, &t), 0);
	assert_int_equal(f->room->n_mons, 3);
	reg->remove(reg->ud, "vm", "web");
	reg->remove(reg->ud, "vm", "nothing");
	assert_int_equal(f->room->n_mons, 2);
	assert_string_equal(f->room->mons[1]->cfg->name, "proxy:web");
	/* A reload replaces the config's monitors; registered ones stay,
	 * after them. */
	static const char next[] = "watch:\n  monitors:\n"
				   "    - {name: q, type: push, token: qtok}\n"
				   "    - {name: r, type: push, token: rtok}\n";
	struct config *c2 = NULL;
	struct cfg_error err;
	assert_int_equal(config_load_buffer(&f->schema, next, strlen(next),
					    "t.yaml", &c2, &err), 0);
	void *staged = NULL;
	struct room_refusal why;
	assert_int_equal(watch_room_ops.reload_prepare(f->room, c2, &staged,
						       &why), 0);
	watch_room_ops.reload_commit(f->room, c2, staged);
	assert_int_equal(f->room->n_mons, 3);
	assert_string_equal(f->room->mons[0]->cfg->name, "q");
	assert_string_equal(f->room->mons[1]->cfg->name, "r");
	assert_string_equal(f->room->mons[2]->cfg->name, "proxy:web");
	assert_null(watch_find_token(f->room, "ptok"));
	fx_free(f);
	config_unref(c2);
}

static void test_without_notify(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n  monitors:\n"
			      "    - {name: p, type: push, token: tok3,"
			      " interval: 1s}\n", false);
	advance(f, 2000);
	assert_int_equal(mon(f, "tok3")->st.status, WATCH_DOWN);
	assert_int_equal(f->sent.n, 0);
	fx_free(f);
}

/* The targets of an alert, joined with spaces ("" when none). */
static void targets(struct fx *f, const char *token, unsigned event,
		    char *out, size_t cap)
{
	const char **to = watch_alert_targets(f->room, mon(f, token), event);
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; to && to[i]; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? " " : "",
				      to[i]);
	free(to);
}

/* Notifications: a monitor naming none alerts through the default ones;
 * naming some, through those ([]: none); each takes its events; a
 * target shared with alerts.to goes once. */
static void test_notification_routes(void **state)
{
	(void)state;
	struct fx *f = fx_new("watch:\n"
			      "  alerts: {to: ['ntfy:lab']}\n"
			      "  notifications:\n"
			      "    - {name: ops, to: ['ntfy:ops', 'ntfy:lab'],"
			      " events: [down, resend]}\n"
			      "    - {name: all, to: ['tgram://bot/chat'],"
			      " default: true}\n"
			      "  monitors:\n"
			      "    - {name: a, type: push, token: toka}\n"
			      "    - {name: b, type: push, token: tokb,"
			      " notifications: [ops]}\n"
			      "    - {name: c, type: push, token: tokc,"
			      " notifications: []}\n",
			      true);
	char t[256];
	targets(f, "toka", WATCH_NOTIFY_DOWN, t, sizeof(t));
	assert_string_equal(t, "ntfy:lab tgram://bot/chat");
	targets(f, "toka", WATCH_NOTIFY_CERT, t, sizeof(t));
	assert_string_equal(t, "ntfy:lab tgram://bot/chat");
	targets(f, "tokb", WATCH_NOTIFY_DOWN, t, sizeof(t));
	assert_string_equal(t, "ntfy:lab ntfy:ops");
	targets(f, "tokb", WATCH_NOTIFY_RESEND, t, sizeof(t));
	assert_string_equal(t, "ntfy:lab ntfy:ops");
	targets(f, "tokb", WATCH_NOTIFY_UP, t, sizeof(t));
	assert_string_equal(t, "ntfy:lab");
	targets(f, "tokc", WATCH_NOTIFY_DOWN, t, sizeof(t));
	assert_string_equal(t, "ntfy:lab");
	json_t *names = watch_mon_notifs_json(f->room, mon(f, "toka"));
	assert_int_equal(json_array_size(names), 1);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "all");
	json_decref(names);
	/* b's DOWN: alerts.to's and ops' topics direct, once each. */
	watch_mon_push(mon(f, "tokb"), false, "disk", -1, NULL);
	advance(f, 0);
	assert_int_equal(f->sent.direct, 2);
	assert_int_equal(f->sent.n, 1);
	assert_string_equal(f->sent.to, "ntfy:ops");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_retries_alerts),
		cmocka_unit_test(test_push_keeps_it_up),
		cmocka_unit_test(test_resend_and_dependency),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_cron_window_dst),
		cmocka_unit_test(test_first_checks_spread),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_without_notify),
		cmocka_unit_test(test_notification_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
