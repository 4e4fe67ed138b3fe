/* SPDX-License-Identifier: MIT */
/* The watch room's lifecycle and monitors: scheduling with jitter, the cycle per beat, alerts, reload. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "watch/internal.h"
#include "watch/spec.h"

/* ---- monitors ---- */

static void b64(const char *in, char *out, size_t cap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in), k = 0;
	for (size_t i = 0; i < n && k + 5 < cap; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[k++] = tab[v >> 18 & 63];
		out[k++] = tab[v >> 12 & 63];
		out[k++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[k++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[k] = '\0';
}

static void free_headers(char **h)
{
	for (size_t i = 0; h && h[i]; i++)
		free(h[i]);
	free(h);
}

/* The config's headers plus Authorization, NULL-terminated. */
static char **build_headers(const struct cfg_watch_monitor *c)
{
	char **h = calloc(c->n_headers + 2, sizeof(*h));
	size_t n = 0;
	if (!h)
		return NULL;
	for (size_t i = 0; i < c->n_headers; i++)
		if (!(h[n++] = strdup(c->headers[i])))
			goto fail;
	if (c->basic_auth || c->bearer) {
		const char *v = c->bearer ? c->bearer : c->basic_auth;
		size_t cap = 4 * strlen(v) / 3 + 64;
		char *a = malloc(cap), *enc = malloc(cap);
		if (a && enc) {
			if (c->bearer) {
				snprintf(a, cap, "Authorization: Bearer %s", v);
			} else {
				b64(v, enc, cap);
				snprintf(a, cap, "Authorization: Basic %s", enc);
			}
		}
		free(enc);
		if (!a)
			goto fail;
		h[n++] = a;
	}
	return h;
fail:
	free_headers(h);
	return NULL;
}

static void target_free(struct watch_target *t)
{
	if (!t)
		return;
	free(t->owner);
	free(t->name);
	free(t->label);
	free(t->where);
	json_decref(t->spec);
	config_unref(t->snap);
	free(t->notif);
	free(t);
}

static void mon_free(struct watch_mon *m)
{
	if (!m)
		return;
	clock_timer_free(m->timer);
	watch_jsonq_free(m->jq);
	free_headers(m->headers);
	target_free(m->target);
	free(m);
}

/* (Re)reads @c into @m: everything derived from the monitor's config. */
static int mon_configure(struct watch_mon *m, const struct cfg_watch_monitor *c)
{
	struct watch_jsonq *jq = NULL;
	char why[128];
	char **h = build_headers(c);
	if (!h)
		return -ENOMEM;
	if (c->type == WATCH_JSON_QUERY &&
	    watch_jsonq_parse(c->json_path, &jq, why, sizeof(why))) {
		free_headers(h);
		return -ENOMEM; /* the config check parsed it already */
	}
	watch_jsonq_free(m->jq);
	free_headers(m->headers);
	m->jq = jq;
	m->headers = h;
	m->cfg = c;
	m->cc = (struct watch_cycle_cfg){
		.interval_ms = c->interval * 1000,
		.retry_interval_ms = c->retry_interval * 1000,
		.max_retries = (int)c->retries,
		.resend_interval = (int)c->resend_interval,
		.upside_down = c->upside_down,
		.up_retries = (int)c->up_retries,
	};
	return 0;
}

static void mon_beat(struct watch_mon *m, enum watch_event ev, bool up,
		     bool wait, const char *msg, double ping_ms, bool is_push,
		     struct http_pending *p);

/* Kuma's group: the worst active child wins (any DOWN: DOWN; else any
 * PENDING or not yet beaten: PENDING, without using a retry; else UP);
 * an empty group is PENDING. Children in maintenance do not count. */
static void group_beat(struct watch_mon *g)
{
	struct watch_room *r = g->room;
	size_t n = 0, down = 0, pending = 0;
	int me = -1;
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i] == g)
			me = (int)i;
	for (size_t i = 0; i < r->n_mons; i++) {
		const struct watch_mon *c = r->mons[i];
		if (c->cfg->parent_index != me || me < 0 || c->paused)
			continue; /* paused children do not count */
		n++;
		if (!c->st.has_beat || c->st.status == WATCH_PENDING)
			pending++;
		else if (c->st.status == WATCH_DOWN)
			down++;
	}
	char msg[WATCH_MSG_MAX];
	if (down)
		snprintf(msg, sizeof(msg), "Child inaccessible (%zu of %zu DOWN)",
			 down, n);
	else if (pending || !n)
		snprintf(msg, sizeof(msg), n ? "%zu of %zu children pending"
					     : "No children", pending, n);
	else
		snprintf(msg, sizeof(msg), "All children up and running");
	mon_beat(g, WATCH_EV_CHECK, !down && !pending && n, !down, msg, -1,
		 false, NULL);
}

static void on_mon_timer(struct clock_timer *t, void *ud);

static int mon_new(struct watch_room *r, const struct cfg_watch_monitor *c,
		   struct watch_mon **out)
{
	struct watch_mon *m = calloc(1, sizeof(*m));
	int rc;
	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->room = r;
	m->ping_ms = -1;
	rc = watch_store_monitor_id(r->store, c->name, c->id,
				    watch_type_name(c->type), &m->id);
	if (rc) {
		log_error("watch", "monitor '%s': no row in the store: %s",
			  c->name, hearth_strerror(rc));
		/* It still runs; its beats are not recorded. */
		m->id = 0;
	}
	bool active = true;
	if (m->id && watch_store_active(r->store, m->id, &active) == 0)
		m->paused = !active;
	rc = mon_configure(m, c);
	if (!rc)
		rc = clock_timer_new(r->clock, on_mon_timer, m, &m->timer);
	if (rc) {
		mon_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Lets go of @m: now, or when its check comes back. */
static void mon_drop(struct watch_mon *m)
{
	clock_timer_stop(m->timer);
	watch_check_cancel(m); /* releases it at once */
	if (m->busy)
		m->removed = true;
	else
		mon_free(m);
}

/* Spreads first checks over the interval: a fixed offset per name. */
static uint64_t jitter_ms(const struct watch_mon *m)
{
	uint32_t h = 2166136261u;
	for (const char *p = m->cfg->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % (uint64_t)m->cc.interval_ms;
}

/* Push: DOWN after interval + 1 s without a push (Kuma's grace). */
static uint64_t push_window_ms(const struct watch_mon *m)
{
	return (uint64_t)m->cc.interval_ms + 1000;
}

static void mon_schedule_first(struct watch_mon *m)
{
	if (m->paused)
		return;
	clock_timer_start(m->timer, m->cfg->type == WATCH_PUSH
					    ? push_window_ms(m)
					    : jitter_ms(m),
			  0);
}

/* ---- beats ---- */

int watch_notify_send(struct watch_room *r, const struct room_notify_msg *msg,
		      const char **to)
{
	struct room_notify_msg nm = *msg;
	size_t n_to = 0, n_direct = 0;
	/* An ntfy:TOPIC goes straight to the topic (the notify room's
	 * publisher takes "ntfy:TOPIC" as an event for that); other targets
	 * ride along in .to, for the routes' Apprise side. */
	for (size_t i = 0; to && to[i]; i++) {
		const char *t = to[i];
		if (!strncmp(t, "ntfy:", 5) && !strstr(t, "://")) {
			struct room_notify_msg direct = nm;
			direct.event = t;
			if (r->notify)
				r->notify->publish(r->notify->ud, &direct);
			n_direct++;
		} else {
			to[n_to++] = t;
		}
	}
	if (to)
		to[n_to] = NULL;
	nm.to = n_to ? to : NULL;
	int rc = r->notify ? r->notify->publish(r->notify->ud, &nm) : -ENOSYS;
	if (rc == -ENOENT && n_direct)
		rc = 0; /* no route for the event, but a topic took it */
	return rc;
}

static void alert(struct watch_mon *m, const struct watch_beat *b,
		  const char *msg)
{
	struct watch_room *r = m->room;
	bool down = b->alert == WATCH_ALERT_DOWN;
	char text[WATCH_MSG_MAX + 200];
	snprintf(text, sizeof(text), "[%s] [%s] %s", m->cfg->name,
		 down ? "\xf0\x9f\x94\xb4 Down" : "\xe2\x9c\x85 Up",
		 msg && *msg ? msg : "N/A");
	const char *tags[] = {down ? "red_circle" : "green_circle", NULL};
	char *json = watch_webhook_json(m, b, msg, text); /* webhook:// */
	/* watch.alerts.to and the monitor's notifications for this event. */
	const char **to = watch_alert_targets(
		r, m, !down ? WATCH_NOTIFY_UP
		      : b->resend ? WATCH_NOTIFY_RESEND : WATCH_NOTIFY_DOWN);
	struct room_notify_msg nm = {
		.event = down ? "watch.down" : "watch.up",
		.title = m->cfg->name,
		.message = text,
		.priority = down ? 5 : 3,
		.tags = tags,
		.click = m->cfg->url,
		.json = json,
	};
	int rc = watch_notify_send(r, &nm, to);
	free(to);
	free(json);
	if (rc == -ENOSYS)
		log_warn("watch", "alert %s%s: %s (the notify room is off)",
			 nm.event, b->resend ? " (resend)" : "", text);
	else if (rc)
		log_warn("watch", "alert %s: %s: refused by notify: %s",
			 nm.event, text, hearth_strerror(rc));
	else
		log_info("watch", "alert %s%s: %s", nm.event,
			 b->resend ? " (resend)" : "", text);
}

/* One beat of @m: the cycle, the record, the alert, the next check. */
static void mon_beat(struct watch_mon *m, enum watch_event ev, bool up,
		     bool wait, const char *msg, double ping_ms, bool is_push,
		     struct http_pending *p)
{
	struct watch_room *r = m->room;
	struct watch_beat b;
	enum watch_status prev = m->st.status;
	bool first = !m->st.has_beat;
	struct watch_input in = {.event = ev, .raw_up = up,
				 .now_ms = (int64_t)clock_now_ms(r->clock)};
	int parent = m->cfg->depends_index;
	if (wait || (parent >= 0 && (size_t)parent < r->n_mons &&
		     r->mons[parent]->st.has_beat &&
		     r->mons[parent]->st.status == WATCH_PENDING))
		in.parent_pending = true;
	watch_cycle_step(&m->cc, &m->st, &in, &b);
	char text[WATCH_MSG_MAX];
	if (b.held)
		snprintf(text, sizeof(text), "%s (up %d of %lld before UP)", msg,
			 m->st.up_count, (long long)m->cfg->up_retries + 1);
	else
		snprintf(text, sizeof(text), "%s", msg);
	snprintf(m->msg, sizeof(m->msg), "%s", text);
	m->ping_ms = b.status == WATCH_UP ? ping_ms : -1;
	m->time_ms = clock_wall_ms(r->clock);
	if (m->id) {
		struct watch_store_beat sb = {
			.monitor = m->id, .time_ms = m->time_ms,
			.status = (int)b.status, .msg = text,
			.ping_ms = ping_ms, .important = b.important,
			.duration_ms = b.duration_ms, .retries = b.retries,
			.down_count = b.down_count,
		};
		watch_beats_queue(r, &sb, p);
	} else if (p) {
		watch_push_answer(http_pending_response(p), 200, NULL);
		http_pending_finish(p);
	}
	if (b.important)
		log_info("watch", "[%s] %s%s%s: %s", m->cfg->name,
			 first ? "" : watch_status_name(prev),
			 first ? "" : " -> ", watch_status_name(b.status),
			 text);
	if (b.alert != WATCH_ALERT_NONE)
		alert(m, &b, text);
	uint64_t next = (uint64_t)b.next_ms;
	if (is_push) /* a push came: the next is due within the window */
		next = push_window_ms(m);
	clock_timer_start(m->timer, next, 0);
}

void watch_mon_result(struct watch_mon *m, bool up, const char *msg,
		      double ping_ms)
{
	struct watch_room *r = m->room;
	m->busy = false;
	r->inflight--;
	if (!msg || m->removed || r->closing || m->paused) {
		if (m->removed)
			mon_free(m);
		watch_room_maybe_free(r);
		return;
	}
	mon_beat(m, WATCH_EV_CHECK, up, false, msg, ping_ms, false, NULL);
}

/* The maintenance window covering @m now, or NULL. */
static const struct cfg_watch_maint *maintenance(const struct watch_mon *m)
{
	int64_t now = clock_wall_s(m->room->clock), id;
	const struct cfg_watch_maint *mw;
	for (size_t k = 0; (mw = watch_window_nth(m->room, k, &id)); k++)
		if (watch_window_covers(mw, m->cfg->name) &&
		    watch_window_on(mw, now))
			return mw;
	return NULL;
}

/* A MAINTENANCE beat when a window covers @m: true when it did. */
static bool maintenance_beat(struct watch_mon *m, bool is_push,
			     struct http_pending *p)
{
	const struct cfg_watch_maint *mw = maintenance(m);
	if (!mw)
		return false;
	char msg[WATCH_MSG_MAX];
	snprintf(msg, sizeof(msg), "Under maintenance: %s", mw->name);
	mon_beat(m, WATCH_EV_MAINTENANCE, false, false, msg, -1, is_push, p);
	return true;
}

void watch_mon_push(struct watch_mon *m, bool up, const char *msg,
		    double ping_ms, struct http_pending *p)
{
	m->pushes++;
	if (maintenance_beat(m, true, p))
		return;
	mon_beat(m, WATCH_EV_CHECK, up, false, msg, ping_ms, true, p);
}

void watch_mon_set_paused(struct watch_mon *m, bool paused)
{
	if (m->paused == paused)
		return;
	m->paused = paused;
	if (paused) {
		clock_timer_stop(m->timer); /* a check in flight is dropped */
		log_info("watch", "[%s] paused", m->cfg->name);
		return;
	}
	log_info("watch", "[%s] resumed", m->cfg->name);
	if (m->room->started)
		clock_timer_start(m->timer, m->cfg->type == WATCH_PUSH
						    ? push_window_ms(m)
						    : 0,
				  0);
}

int64_t watch_cert_days(const struct watch_mon *m)
{
	if (!m->cert_expires)
		return INT64_MIN;
	int64_t left = m->cert_expires - clock_wall_s(m->room->clock);
	return left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
}

void watch_mon_cert(struct watch_mon *m, int64_t expires, bool valid)
{
	struct watch_room *r = m->room;
	const struct cfg_watch *w = watch_config(r->cfg);
	m->cert_expires = expires;
	m->cert_valid = valid;
	int64_t days = watch_cert_days(m), crossed = 0;
	for (size_t i = 0; i < w->n_tls_days; i++) /* highest first */
		if (days <= w->tls_days[i])
			crossed = w->tls_days[i];
	if (!crossed) {
		m->cert_alerted = 0; /* renewed: alert again next time */
		return;
	}
	if ((!m->cfg->expiry_notification && m->cfg->type != WATCH_TLS) ||
	    (m->cert_alerted && crossed >= m->cert_alerted))
		return;
	m->cert_alerted = crossed;
	char text[WATCH_MSG_MAX + 200], where[300];
	if (m->cfg->url)
		snprintf(where, sizeof(where), "%s", m->cfg->url);
	else
		snprintf(where, sizeof(where), "%s:%lld", m->cfg->hostname,
			 (long long)m->cfg->port);
	snprintf(text, sizeof(text),
		 "[%s][%s] Certificate will expire in %lld days", m->cfg->name,
		 where, (long long)days);
	const char *tags[] = {"warning", NULL};
	struct room_notify_msg nm = {
		.event = "watch.cert_expiry", .title = m->cfg->name,
		.message = text, .priority = 4, .tags = tags,
		.click = m->cfg->url,
	};
	const char **to = watch_alert_targets(r, m, WATCH_NOTIFY_CERT);
	nm.to = to;
	int rc = r->notify ? r->notify->publish(r->notify->ud, &nm) : -ENOSYS;
	free(to);
	if (rc == -ENOSYS)
		log_warn("watch", "alert %s: %s (the notify room is off)",
			 nm.event, text);
	else
		log_info("watch", "alert %s: %s%s", nm.event, text,
			 rc ? " (refused by notify)" : "");
}

struct watch_mon *watch_find_token(struct watch_room *r, const char *token)
{
	for (size_t i = 0; i < r->n_mons; i++)
		if (r->mons[i]->cfg->type == WATCH_PUSH &&
		    strcmp(r->mons[i]->cfg->token, token) == 0)
			return r->mons[i];
	return NULL;
}

static void on_mon_timer(struct clock_timer *t, void *ud)
{
	(void)t;
	struct watch_mon *m = ud;
	struct watch_room *r = m->room;
	if (m->busy || m->paused || r->closing ||
	    maintenance_beat(m, false, NULL))
		return;
	int parent = m->cfg->depends_index;
	if (parent >= 0 && (size_t)parent < r->n_mons &&
	    r->mons[parent]->st.has_beat &&
	    r->mons[parent]->st.status == WATCH_DOWN) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s is down (dependency)",
			 m->cfg->depends_on);
		mon_beat(m, WATCH_EV_DEPENDENCY, false, false, msg, -1, false,
			 NULL);
		return;
	}
	if (m->cfg->type == WATCH_PUSH) {
		mon_beat(m, WATCH_EV_CHECK, false, false,
			 "No heartbeat in the time window", -1, false, NULL);
		return;
	}
	if (m->cfg->type == WATCH_GROUP) {
		group_beat(m);
		return;
	}
	watch_check_start(m);
}

/* ---- the room ---- */

void watch_room_maybe_free(struct watch_room *r)
{
	if (!r->closing || r->jobs || r->inflight || r->db_running)
		return;
	watch_ping_close(r);
	for (size_t i = 0; i < r->n_mons; i++)
		mon_free(r->mons[i]);
	free(r->mons);
	watch_windows_free(r);
	watch_pages_free(r);
	watch_notifs_free(r);
	watch_beats_close(r);
	config_unref(r->cfg);
	free(r);
}

/* The monitors of @cfg, reusing those of @old (by id when given, else
 * by name) with their state; *out and *n_out the new list. */
static int build_monitors(struct watch_room *r, const struct config *cfg,
			  struct watch_mon **old, size_t n_old,
			  struct watch_mon ***out, size_t *n_out)
{
	const struct cfg_watch *w = watch_config(cfg);
	struct watch_mon **mons = calloc(w->n_monitors + 1, sizeof(*mons));
	bool *fresh = calloc(w->n_monitors + 1, sizeof(*fresh));
	if (!mons || !fresh) {
		free(mons);
		free(fresh);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->n_monitors; i++) {
		const struct cfg_watch_monitor *c = &w->monitors[i];
		for (size_t j = 0; j < n_old && !mons[i]; j++) {
			struct watch_mon *o = old[j];
			if (!o || o->removed || o->target)
				continue;
			bool same = c->id ? o->cfg->id == c->id
					  : !o->cfg->id &&
						    strcmp(o->cfg->name, c->name) == 0;
			if (same && o->cfg->type == c->type) {
				mons[i] = o;
				old[j] = NULL;
			}
		}
		if (mons[i])
			continue;
		int rc = mon_new(r, c, &mons[i]);
		fresh[i] = true;
		if (rc) {
			for (size_t k = 0; k < i; k++)
				if (fresh[k])
					mon_free(mons[k]);
			free(mons);
			free(fresh);
			return rc;
		}
	}
	free(fresh);
	*out = mons;
	*n_out = w->n_monitors;
	return 0;
}

/* ---- the registry other rooms derive monitors through ---- */

static int registry_find(struct watch_room *r, const char *owner,
			 const char *name)
{
	for (size_t i = 0; i < r->n_mons; i++) {
		const struct watch_target *t = r->mons[i]->target;
		if (t && !strcmp(t->owner, owner) && !strcmp(t->name, name))
			return (int)i;
	}
	return -1;
}

static void registry_remove(void *ud, const char *owner, const char *name)
{
	struct watch_room *r = ud;
	int i = registry_find(r, owner, name);
	if (i < 0 || r->closing)
		return;
	mon_drop(r->mons[i]);
	memmove(&r->mons[i], &r->mons[i + 1],
		(r->n_mons - (size_t)i - 1) * sizeof(*r->mons));
	r->n_mons--;
}

/* The settings of a registered target: Kuma's defaults, the room's
 * interval, "http" (a URL), "port" (HOST:PORT) or "ping" (an IPv4 host). */
static int target_new(const struct room_watch_target *in,
		      struct watch_target **out)
{
	struct watch_target *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	size_t nl = strlen(in->owner) + strlen(in->name) + 2;
	char *full = malloc(nl);
	t->owner = strdup(in->owner);
	t->name = strdup(in->name);
	if (!full || !t->owner || !t->name) {
		free(full);
		target_free(t);
		return -ENOMEM;
	}
	snprintf(full, nl, "%s:%s", in->owner, in->name);
	t->label = full;
	struct cfg_watch_monitor *c = &t->c;
	int64_t interval = in->interval_s > 0 ? in->interval_s : 60;
	*c = (struct cfg_watch_monitor){
		.name = full, .type_text = in->type, .method = "GET",
		.json_operator = "==", .interval = interval,
		.retry_interval = interval < 60 ? interval : 60,
		.max_redirects = 10, .ping_count = 1, .ping_timeout = 2,
		.timeout_ms = interval * 800, .depends_index = -1,
		.parent_index = -1, .codes = &t->code, .n_codes = 1,
		.smtp_security = "nostarttls", .dns_type_text = "A",
		.dns_server = "127.0.0.1",
	};
	t->code = (struct watch_code_range){200, 299};
	int rc = 0;
	if (!strcmp(in->type, "http") &&
	    (!strncmp(in->target, "http://", 7) ||
	     !strncmp(in->target, "https://", 8))) {
		c->type = WATCH_HTTP;
		rc = (t->where = strdup(in->target)) ? 0 : -ENOMEM;
		c->url = t->where;
	} else if (!strcmp(in->type, "port") && strrchr(in->target, ':')) {
		const char *colon = strrchr(in->target, ':');
		char *end;
		long port = strtol(colon + 1, &end, 10);
		c->type = WATCH_PORT;
		c->port = port;
		t->where = strndup(in->target, (size_t)(colon - in->target));
		c->hostname = t->where;
		rc = !t->where ? -ENOMEM
		     : *end || port < 1 || port > 65535 || colon == in->target
			     ? -EINVAL
			     : 0;
	} else if (!strcmp(in->type, "ping")) {
		c->type = WATCH_PING;
		rc = (t->where = strdup(in->target)) ? 0 : -ENOMEM;
		c->hostname = t->where;
	} else {
		rc = -EINVAL;
	}
	if (rc) {
		target_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

static int registry_add(void *ud, const struct room_watch_target *in)
{
	struct watch_room *r = ud;
	struct watch_target *t = NULL;
	struct watch_mon *m = NULL;
	if (r->closing)
		return -ECANCELED;
	int rc = target_new(in, &t);
	if (rc)
		return rc;
	struct watch_mon **grown = realloc(r->mons, (r->n_mons + 2) * sizeof(*grown));
	if (!grown) {
		target_free(t);
		return -ENOMEM;
	}
	r->mons = grown;
	rc = mon_new(r, &t->c, &m);
	if (rc) {
		target_free(t);
		return rc;
	}
	m->target = t;
	registry_remove(r, in->owner, in->name); /* add replaces */
	r->mons[r->n_mons++] = m;
	log_info("watch", "[%s] registered (%s %s)", t->c.name, in->type,
		 in->target);
	if (r->started)
		mon_schedule_first(m);
	return 0;
}

void watch_registry_drop(struct watch_room *r, const char *owner,
			 const char *name)
{
	registry_remove(r, owner, name);
}

/* Appends @m (its target set) and starts it. */
static int append(struct watch_room *r, struct watch_mon *m)
{
	struct watch_mon **grown =
		realloc(r->mons, (r->n_mons + 2) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	r->mons = grown;
	r->mons[r->n_mons++] = m;
	if (r->started)
		mon_schedule_first(m);
	return 0;
}

int watch_api_monitor_add(struct watch_room *r, json_t *spec, char *why,
			  size_t n, struct watch_mon **out)
{
	struct watch_target *t = calloc(1, sizeof(*t));
	struct watch_mon *m = NULL;
	if (!t)
		return -ENOMEM;
	t->spec = json_incref(spec);
	const struct cfg_watch_monitor *c;
	int rc = watch_spec_parse(r->cfg->schema, spec, &t->snap, &c, why, n);
	if (rc) {
		target_free(t);
		return rc;
	}
	t->c = *c;
	/* Its notifications stay in the body (the loader left them out). */
	json_t *names = json_object_get(spec, "notifications"), *e;
	size_t k;
	if (json_is_array(names)) {
		if (!(t->notif = calloc(json_array_size(names) + 1,
					sizeof(*t->notif)))) {
			target_free(t);
			return -ENOMEM;
		}
		json_array_foreach(names, k, e)
			t->notif[k] = json_string_value(e);
		t->c.notifications = t->notif;
		t->c.n_notifications = json_array_size(names);
		t->c.notifications_set = true;
	}
	for (size_t i = 0; i < r->n_mons; i++) {
		const struct cfg_watch_monitor *o = r->mons[i]->cfg;
		if (!strcmp(o->name, t->c.name)) {
			snprintf(why, n, "name: monitor '%s' exists", t->c.name);
			target_free(t);
			return -EEXIST;
		}
		if (t->c.token && o->token && !strcmp(o->token, t->c.token)) {
			snprintf(why, n, "token: also monitor '%s''s", o->name);
			target_free(t);
			return -EEXIST;
		}
	}
	t->owner = strdup("api");
	t->name = strdup(t->c.name);
	if (!t->owner || !t->name || (rc = mon_new(r, &t->c, &m))) {
		target_free(t);
		return rc ? rc : -ENOMEM;
	}
	m->target = t;
	if ((rc = append(r, m))) {
		mon_free(m);
		return rc;
	}
	log_info("watch", "[%s] created through the API", t->c.name);
	if (out)
		*out = m;
	return 0;
}

static int load_api_monitor(const char *name, const char *text, void *ud)
{
	struct watch_room *r = ud;
	char why[160];
	json_t *spec = json_loads(text, 0, NULL);
	int rc = spec ? watch_api_monitor_add(r, spec, why, sizeof(why), NULL)
		      : -EINVAL;
	json_decref(spec);
	if (rc)
		log_warn("watch", "monitor '%s' from the API not started: %s",
			 name, rc == -EINVAL || rc == -EEXIST ? why : "no memory");
	return 0;
}

static int room_open(const struct room_ctx *ctx, const struct config *cfg,
		     void **out)
{
	struct watch_room *r = calloc(1, sizeof(*r));
	int rc;
	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->loop = ctx->loop;
	r->store = ctx->store;
	r->clock = ctx->clock;
	r->http = ctx->http_client;
	r->workq = ctx->workq;
	r->cfg = config_ref((struct config *)cfg);
	rc = watch_beats_open(r, ctx);
	if (!rc)
		rc = build_monitors(r, cfg, NULL, 0, &r->mons, &r->n_mons);
	if (!rc)
		rc = watch_ping_open(r, cfg);
	if (!rc)
		rc = watch_notifs_load(r);
	if (!rc)
		rc = watch_store_api_each(r->store, load_api_monitor, r);
	if (!rc)
		rc = watch_windows_load(r);
	if (!rc)
		rc = watch_pages_load(r);
	if (!rc && ctx->http)
		rc = watch_api_register(r, ctx->http);
	if (!rc)
		rc = watch_metrics_register(r, ctx->metrics);
	if (rc) {
		r->closing = true;
		watch_room_maybe_free(r);
		return rc;
	}
	log_info("watch", "%zu monitors", r->n_mons);
	r->registry = (struct room_watch_registry){
		.ud = r, .add = registry_add, .remove = registry_remove};
	r->services = ctx->services;
	if (r->services)
		r->services->watch = &r->registry;
	*out = r;
	return 0;
}

static int room_bind(void *room, struct room_services *services)
{
	struct watch_room *r = room;
	r->notify = services->notify;
	r->resolvers = services->resolvers;
	return 0;
}

static int room_start(void *room)
{
	struct watch_room *r = room;
	r->started = true;
	for (size_t i = 0; i < r->n_mons; i++)
		mon_schedule_first(r->mons[i]);
	return 0;
}

/* A reload: monitors added start (with jitter), removed ones stop,
 * kept ones keep their state and take their new settings. The ids
 * were given at prepare, so commit only moves pointers. */
struct staged {
	struct watch_mon **mons;
	size_t n;
};

static int room_reload_prepare(void *room, const struct config *cfg,
			       void **staged, struct room_refusal *why)
{
	struct watch_room *r = room;
	struct staged *s = calloc(1, sizeof(*s));
	*staged = NULL;
	if (!s)
		return -ENOMEM;
	/* Only the new monitors are made here (ids from the store); the
	 * matching is redone at commit on the live list. */
	struct watch_mon **copy = calloc(r->n_mons + 1, sizeof(*copy));
	int rc = copy ? 0 : -ENOMEM;
	if (copy)
		memcpy(copy, r->mons, r->n_mons * sizeof(*copy));
	if (!rc)
		rc = build_monitors(r, cfg, copy, r->n_mons, &s->mons, &s->n);
	free(copy);
	if (rc) {
		snprintf(why->msg, sizeof(why->msg), "monitors: %s",
			 hearth_strerror(rc));
		free(s);
		return rc;
	}
	*staged = s;
	return 0;
}

static void room_reload_abort(void *room, void *staged)
{
	struct watch_room *r = room;
	struct staged *s = staged;
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		bool kept = false;
		for (size_t j = 0; j < r->n_mons && !kept; j++)
			kept = r->mons[j] == s->mons[i];
		if (!kept)
			mon_free(s->mons[i]);
	}
	free(s->mons);
	free(s);
}

static void room_reload_commit(void *room, const struct config *cfg,
			       void *staged)
{
	struct watch_room *r = room;
	struct staged *s = staged;
	const struct cfg_watch *w = watch_config(cfg);
	/* The old monitors that are not kept stop; those other rooms
	 * registered stay, after the config's. */
	size_t n_targets = 0;
	for (size_t j = 0; j < r->n_mons; j++)
		n_targets += r->mons[j]->target != NULL;
	struct watch_mon **all = n_targets
		? realloc(s->mons, (s->n + n_targets + 1) * sizeof(*all))
		: s->mons;
	if (all)
		s->mons = all;
	size_t n = s->n;
	for (size_t j = 0; j < r->n_mons; j++) {
		struct watch_mon *o = r->mons[j];
		bool kept = false;
		for (size_t i = 0; i < s->n && !kept; i++)
			kept = s->mons[i] == o;
		if (o->target && all)
			s->mons[n++] = o; /* appended after the config's */
		else if (!kept)
			mon_drop(o); /* (no memory: a registered one too) */
	}
	for (size_t i = 0; i < s->n; i++) {
		struct watch_mon *m = s->mons[i];
		bool was = false; /* compares pointers only: some are freed */
		for (size_t j = 0; j < r->n_mons && !was; j++)
			was = r->mons[j] == m;
		if (was) {
			/* Headers and the query are rebuilt; on no memory
			 * it keeps the old ones (and the new settings). */
			const struct cfg_watch_monitor *c = &w->monitors[i];
			if (mon_configure(m, c))
				m->cfg = c;
		}
		if (!was && r->started)
			mon_schedule_first(m);
	}
	free(r->mons);
	r->mons = s->mons;
	r->n_mons = n;
	free(s);
	config_unref(r->cfg);
	r->cfg = config_ref((struct config *)cfg);
	log_info("watch", "%zu monitors", r->n_mons);
}

static void room_close(void *room)
{
	struct watch_room *r = room;
	if (!r)
		return;
	r->closing = true;
	r->notify = NULL; /* the notify room may be gone before the last check */
	if (r->services && r->services->watch == &r->registry)
		r->services->watch = NULL;
	r->inflight++; /* the checks cancelled here must not free it yet */
	for (size_t i = 0; i < r->n_mons; i++) {
		clock_timer_stop(r->mons[i]->timer);
		watch_check_cancel(r->mons[i]);
	}
	watch_ping_close(r); /* cancels the pings in flight */
	clock_timer_free(r->prune_timer);
	r->prune_timer = NULL;
	watch_beats_flush(r); /* the last beats become durable */
	r->inflight--;
	watch_room_maybe_free(r);
}

static const char *room_state(void *room)
{
	(void)room;
	return "running";
}

const struct room_ops watch_room_ops = {
	.open = room_open,
	.bind = room_bind,
	.start = room_start,
	.reload_prepare = room_reload_prepare,
	.reload_commit = room_reload_commit,
	.reload_abort = room_reload_abort,
	.close = room_close,
	.state = room_state,
};
