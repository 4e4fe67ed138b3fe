/* SPDX-License-Identifier: MIT */
/* The Apprise dispatcher: every target of a notification at once, each with a timeout, bounded retries and its own result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "core/clock.h"
#include "core/http_client.h"
#include "notify/apprise.h"
#include "proto/notify/apprise_matrix.h"
#include "proto/notify/ntfy_auth.h"

/*
 * A job is one notify call: an arena with the message and every target;
 * each target runs its requests one after the other (a topic, a channel,
 * a recipient each), all targets at the same time. A request that fails
 * in a way worth repeating (no connection, 5xx, 429) is tried again after
 * retry_delay_ms, doubling, at most `retries` times; a timeout is not
 * repeated, so a dead target costs at most timeout + the retries' delays
 * and never holds up the others.
 */

struct ap_target {
	struct ap_job *job;
	struct apprise_target t;
	const char *url;
	struct apprise_request *reqs;
	size_t nreq, cur;
	int attempt;
	struct clock_timer *timer;
	bool failed, done, in_smtp;
	char reason[640], req_reason[256];
	/* Matrix server mode: each request built from the last answer */
	struct apprise_matrix *mx;
	struct apprise_request mx_req;
	long last_status;
	char *last_body;
	size_t last_len;
	char smtp_err[256]; /* written by the pool thread */
};

struct ap_job {
	struct notify_apprise *ap;
	struct ap_job *next, *prev;
	struct arena arena;
	struct apprise_msg msg;
	struct ap_target *targets;
	size_t n, cap, open;
	struct ap_result *results;
	ap_done_fn done;
	void *ud;
	bool starting, finished;
	struct clock_timer *kick; /* finishes a job with no I/O off the call stack */
};

static void next_req(struct ap_target *t);

struct ap_job *ap_job_new(struct notify_apprise *ap, const struct apprise_msg *m)
{
	struct ap_job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	arena_init(&j->arena);
	j->ap = ap;
	j->msg = *m;
	j->msg.title = arena_strdup(&j->arena, m->title ? m->title : "");
	j->msg.body = arena_strdup(&j->arena, m->body ? m->body : "");
	j->msg.apprise_id = m->apprise_id ? arena_strdup(&j->arena, m->apprise_id) : NULL;
	j->msg.attach = NULL;
	j->msg.nattach = 0;
	bool ok = true;
	for (size_t i = 0; ok && i < m->nattach; i++)
		ok = ap_job_attach(j, &m->attach[i]) == 0;
	if (!ok || !j->msg.title || !j->msg.body || (m->apprise_id && !j->msg.apprise_id)) {
		arena_deinit(&j->arena);
		free(j);
		return NULL;
	}
	return j;
}

struct arena *ap_job_arena(struct ap_job *j)
{
	return &j->arena;
}

int ap_job_attach(struct ap_job *j, const struct apprise_attach *f)
{
	struct apprise_attach *g = arena_alloc(&j->arena, (j->msg.nattach + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (j->msg.nattach)
		memcpy(g, j->msg.attach, j->msg.nattach * sizeof(*g));
	struct apprise_attach *x = &g[j->msg.nattach];
	x->name = arena_strdup(&j->arena, f->name);
	x->mimetype = arena_strdup(&j->arena, f->mimetype);
	x->data = arena_strndup(&j->arena, f->data, f->len);
	x->len = f->len;
	if (!x->name || !x->mimetype || !x->data)
		return -ENOMEM;
	j->msg.attach = g;
	j->msg.nattach++;
	return 0;
}

size_t ap_job_count(const struct ap_job *j)
{
	return j->n;
}

int ap_job_add(struct ap_job *j, const char *url, const char **why)
{
	struct apprise_target t;
	int rc = apprise_target_parse(url, &j->arena, &t, why);
	if (rc)
		return rc;
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 8;
		struct ap_target *g = realloc(j->targets, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		j->targets = g;
		j->cap = cap;
	}
	struct ap_target *x = &j->targets[j->n];
	memset(x, 0, sizeof(*x));
	x->t = t;
	x->url = ap_mask_url(&j->arena, url);
	if (!x->url)
		return -ENOMEM;
	j->n++;
	return 0;
}

const struct ap_result *ap_job_results(const struct ap_job *j, size_t *n)
{
	*n = j->finished ? j->n : 0;
	return j->results;
}

static void unlink_job(struct ap_job *j)
{
	struct notify_apprise *ap = j->ap;
	if (!j->prev && ap->jobs != j)
		return;
	if (j->prev)
		j->prev->next = j->next;
	else
		ap->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;
	ap->njobs--;
}

void ap_job_free(struct ap_job *j)
{
	if (!j)
		return;
	unlink_job(j);
	for (size_t i = 0; i < j->n; i++)
		clock_timer_free(j->targets[i].timer);
	clock_timer_free(j->kick);
	free(j->targets);
	free(j->results);
	arena_deinit(&j->arena);
	free(j);
}

void ap_failure_note(struct notify_apprise *ap, const char *url,
		     const char *reason)
{
	struct ap_failure *f = &ap->failed[ap->failed_next];
	ap->failed_next = (ap->failed_next + 1) % AP_FAILED_KEPT;
	free(f->url);
	free(f->reason);
	f->url = strdup(url ? url : "");
	f->reason = strdup(reason ? reason : "");
	f->at = clock_wall_s(ap->room->clock);
}

void ap_failures_free(struct notify_apprise *ap)
{
	for (size_t i = 0; i < AP_FAILED_KEPT; i++) {
		free(ap->failed[i].url);
		free(ap->failed[i].reason);
		ap->failed[i] = (struct ap_failure){0};
	}
}

static void finish(struct ap_job *j)
{
	if (j->finished || j->open || j->starting)
		return;
	struct notify_apprise *ap = j->ap;
	j->results = calloc(j->n ? j->n : 1, sizeof(*j->results));
	for (size_t i = 0; i < j->n && j->results; i++) {
		struct ap_target *t = &j->targets[i];
		j->results[i].url = t->url;
		j->results[i].service = apprise_scheme_service(t->t.scheme);
		j->results[i].ok = !t->failed;
		j->results[i].reason = t->failed ? t->reason : NULL;
		ap->deliveries[t->t.scheme][t->failed ? 1 : 0]++;
		if (t->failed) {
			log_warn("notify", "apprise target failed url=%s reason=%s",
				 t->url, t->reason);
			ap_failure_note(ap, t->url, t->reason);
		}
	}
	j->finished = true;
	unlink_job(j);
	ap->pending--;
	j->done(j, j->ud);
	ap_close_check(ap); /* the room may be waiting for the last job */
}

static void target_over(struct ap_target *t)
{
	if (t->done)
		return;
	t->done = true;
	t->job->open--;
	finish(t->job);
}

static void fail_req(struct ap_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Notes why the current request failed (the last attempt's reason). */
static void fail_req(struct ap_target *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->req_reason, sizeof(t->req_reason), fmt, ap);
	va_end(ap);
	if (t->nreq > 1 && t->cur < t->nreq && t->reqs[t->cur].what) {
		size_t l = strlen(t->req_reason);
		snprintf(t->req_reason + l, sizeof(t->req_reason) - l, " (%s)",
			 t->reqs[t->cur].what);
	}
}

/* The current request is over (@ok or not): on to the next. The
 * target's reason is its first failed request's. */
static void advance(struct ap_target *t, bool ok)
{
	if (t->mx) {
		int rc = apprise_matrix_step(t->mx, &t->t, &t->job->msg, ok ? 200 : t->last_status,
					     t->last_body, t->last_len, &t->job->arena, &t->mx_req);
		t->attempt = 0;
		t->last_body = NULL;
		t->last_len = 0;
		if (rc == 1) {
			t->cur = 0;
			next_req(t);
			return;
		}
		if ((rc || t->mx->errors) && !t->failed) {
			snprintf(t->reason, sizeof(t->reason), "%s%s%s",
				 rc ? "out of memory" : t->mx->why,
				 ok || !t->req_reason[0] ? "" : ": ", ok ? "" : t->req_reason);
			t->failed = true;
		}
		t->cur = t->nreq;
		next_req(t);
		return;
	}
	if (!ok && !t->failed) {
		snprintf(t->reason, sizeof(t->reason), "%s", t->req_reason);
		t->failed = true;
	}
	t->cur++;
	t->attempt = 0;
	next_req(t);
}

static void on_retry(struct clock_timer *tm, void *ud)
{
	(void)tm;
	next_req(ud);
}

/* Tries the current request again later, or gives up on it. */
static void retry_or_fail(struct ap_target *t, bool retryable)
{
	struct notify_apprise *ap = t->job->ap;
	if (retryable && !ap->closing && t->attempt < ap->retries) {
		if (!t->timer && clock_timer_new(ap->room->clock, on_retry, t, &t->timer))
			t->timer = NULL;
		if (t->timer) {
			uint64_t delay = (uint64_t)ap->retry_delay_ms << t->attempt;
			t->attempt++;
			clock_timer_start(t->timer, delay, 0);
			return;
		}
	}
	advance(t, false);
}

static bool status_ok(const struct apprise_request *r, long status)
{
	if (r->ok_status)
		return status == r->ok_status || (r->ok_status2 && status == r->ok_status2);
	return status >= 200 && status < 300;
}

/* tgram:// without a chat: the bot's owner is the chat; build again. */
static void owner_found(struct ap_target *t, long long id)
{
	char **one = arena_alloc(&t->job->arena, sizeof(*one));
	char idt[24];
	snprintf(idt, sizeof(idt), "%lld", id);
	const char *why = NULL;
	if (!id) {
		fail_req(t, "no Telegram chat: send the bot a message first, or name the chat");
		advance(t, false);
		return;
	}
	if (!one || !(one[0] = arena_strdup(&t->job->arena, idt))) {
		fail_req(t, "out of memory");
		advance(t, false);
		return;
	}
	t->t.targets = one;
	t->t.ntargets = 1;
	int rc = apprise_build(&t->t, &t->job->msg, &t->job->ap->ep, &t->job->arena, &t->reqs,
			       &t->nreq, &why);
	if (rc) {
		fail_req(t, "%s", why ? why : "cannot build");
		t->nreq = 0;
		advance(t, false);
		return;
	}
	t->cur = 0;
	t->attempt = 0;
	next_req(t);
}

static void on_http(const struct http_client_result *res, void *ud)
{
	struct ap_target *t = ud;
	const struct apprise_request *r = &t->reqs[t->cur];
	t->last_status = res->status;
	if (t->mx && res->body_len) /* the next request is made of it */
		t->last_body = arena_strndup(&t->job->arena, res->body, res->body_len);
	t->last_len = t->last_body ? res->body_len : 0;
	if (res->err == 0 && status_ok(r, res->status) && r->owner_probe) {
		owner_found(t, apprise_tgram_owner(res->body, res->body_len));
		return;
	}
	if (res->err == 0 && status_ok(r, res->status)) {
		advance(t, true);
		return;
	}
	bool retryable;
	if (res->err) {
		fail_req(t, "%s", res->errmsg ? res->errmsg : hearth_strerror(res->err));
		retryable = res->err != HEARTH_ETIMEDOUT && res->err != -ECANCELED;
	} else {
		/* a service's own words, when it says why (ntfy, Telegram, Gotify) */
		char detail[120] = "";
		json_t *j = res->body_len ? json_loadb(res->body, res->body_len, 0, NULL) : NULL;
		const char *e = NULL;
		if (json_is_object(j)) {
			e = json_string_value(json_object_get(j, "error"));
			if (!e)
				e = json_string_value(json_object_get(j, "description"));
			if (!e)
				e = json_string_value(json_object_get(j, "errorDescription"));
		}
		if (e)
			snprintf(detail, sizeof(detail), ": %s", e);
		json_decref(j);
		fail_req(t, "HTTP %ld from %s%s", res->status, r->url, detail);
		retryable = res->status >= 500 || res->status == 429;
	}
	retry_or_fail(t, retryable);
}

static void smtp_work(void *ud)
{
	struct ap_target *t = ud;
	ap_smtp_send(&t->reqs[t->cur], t->job->ap->timeout_ms, t->smtp_err,
		     sizeof(t->smtp_err));
}

static void smtp_done(void *ud, int status)
{
	struct ap_target *t = ud;
	t->in_smtp = false;
	if (status) {
		fail_req(t, "SMTP session cancelled");
		advance(t, false);
		return;
	}
	if (t->smtp_err[0]) {
		fail_req(t, "%s", t->smtp_err);
		/* connection-level failures are worth another try */
		retry_or_fail(t, strstr(t->smtp_err, "connect") != NULL);
		return;
	}
	advance(t, true);
}

/* An ntfy:// URL that names this hearth's own ntfy listener, without
 * credentials (with them, the ntfy side authenticates over HTTP). */
static bool is_self(struct notify_apprise *ap, const struct apprise_target *t)
{
	if (t->scheme != APPRISE_NTFY || t->mode != 0 || t->u.secure || t->u.user)
		return false;
	const struct cfg_notify *n = notify_config(ap->room->cfg);
	char text[ADDR_TEXT_MAX];
	sockaddr_format(&n->listen, text);
	char hp[300];
	int port = t->u.port > 0 ? t->u.port : 80;
	const char *host = t->u.host;
	snprintf(hp, sizeof(hp), "%s:%d", host, port);
	if (!strcmp(hp, text))
		return true;
	/* "localhost" and the loopback addresses name 127.0.0.1 and [::1] */
	const char *colon = strrchr(text, ':');
	int lport = colon ? atoi(colon + 1) : -1;
	bool loop = !strcasecmp(host, "localhost") || !strcmp(host, "127.0.0.1") ||
		    !strcmp(host, "[::1]");
	bool lloop = !strncmp(text, "127.0.0.1:", 10) || !strncmp(text, "[::1]:", 6) ||
		     !strncmp(text, "0.0.0.0:", 8) || !strncmp(text, "[::]:", 5);
	return loop && lloop && lport == port;
}

/* The message would be anonymous: in process only when the ntfy side's
 * ACL lets anonymous clients write @topic (else HTTP, and its answer). */
static bool anonymous_may_write(struct notify_apprise *ap, const char *topic)
{
	struct notify_who anon;
	memset(&anon, 0, sizeof(anon));
	return ap->room->auth && notify_auth_allowed(ap->room, &anon, topic, NTFY_PERM_WRITE);
}

static bool publish_local(struct ap_target *t, const struct apprise_request *r)
{
	struct notify_apprise *ap = t->job->ap;
	char **tags = NULL;
	int nt = 0;
	if (r->tags)
		nt = apprise_split_list(&t->job->arena, r->tags, NULL, false, 64, &tags);
	const char **tv = arena_alloc(&t->job->arena, (size_t)(nt > 0 ? nt + 1 : 1) * sizeof(*tv));
	for (int i = 0; tv && i < nt; i++)
		tv[i] = tags[i];
	struct room_notify_msg m = {
		.title = r->title,
		.message = r->message,
		.priority = r->priority,
		.tags = tv,
		.click = r->click,
	};
	int rc = !tv ? -ENOMEM
		 : r->file ? notify_publish_local_file(ap->room, r->topic, &m, r->file->name,
						       r->file->data, r->file->len)
			   : notify_publish_local(ap->room, r->topic, &m);
	if (rc)
		fail_req(t, "publish to topic %s: %s", r->topic, hearth_strerror(rc));
	return rc == 0;
}

static void next_req(struct ap_target *t)
{
	struct notify_apprise *ap = t->job->ap;
	if (t->cur >= t->nreq) {
		target_over(t);
		return;
	}
	struct apprise_request *r = &t->reqs[t->cur];
	if (ap->closing && t->attempt) {
		fail_req(t, "cancelled: the room is closing");
		advance(t, false);
		return;
	}
	if (r->kind == APPRISE_REQ_LOCAL ||
	    (r->kind == APPRISE_REQ_HTTP && r->topic && is_self(ap, &t->t) &&
	     anonymous_may_write(ap, r->topic))) {
		advance(t, publish_local(t, r));
		return;
	}
	if (r->kind == APPRISE_REQ_SMTP) {
		t->in_smtp = true;
		int rc = workq_submit(ap->workq, smtp_work, smtp_done, t);
		if (rc) {
			t->in_smtp = false;
			fail_req(t, "SMTP: %s", hearth_strerror(rc));
			advance(t, false);
		}
		return;
	}
	struct http_client_req hr = {
		.method = r->method,
		.url = r->url,
		.body = r->body,
		.body_len = r->body_len,
		.headers = r->headers,
		.timeout_ms = ap->timeout_ms,
		.max_response = 64 * 1024,
		.insecure = r->insecure,
	};
	/* HEAD and GET carry no body */
	if (r->method && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")))
		hr.body = NULL, hr.body_len = 0;
	int rc = http_client_request(ap->room->http_client, &hr, on_http, t);
	if (rc) {
		fail_req(t, "cannot send: %s", hearth_strerror(rc));
		advance(t, false);
	}
}

static void on_kick(struct clock_timer *tm, void *ud)
{
	(void)tm;
	finish(ud);
}

void ap_job_start(struct ap_job *j, ap_done_fn done, void *ud)
{
	struct notify_apprise *ap = j->ap;
	j->done = done;
	j->ud = ud;
	j->next = ap->jobs;
	if (ap->jobs)
		ap->jobs->prev = j;
	ap->jobs = j;
	ap->njobs++;
	ap->pending++;
	j->starting = true;
	j->open = j->n;
	for (size_t i = 0; i < j->n; i++) {
		struct ap_target *t = &j->targets[i];
		t->job = j;
		const char *why = NULL;
		int rc;
		if (t->t.scheme == APPRISE_MATRIX && t->t.mode == 0) {
			t->mx = arena_alloc(&j->arena, sizeof(*t->mx));
			rc = t->mx ? apprise_matrix_step(t->mx, &t->t, &j->msg, 0, NULL, 0,
							 &j->arena, &t->mx_req)
				   : -ENOMEM;
			why = rc == 0 && t->mx ? t->mx->why : NULL;
			if (rc == 1) {
				t->reqs = &t->mx_req;
				t->nreq = 1;
				rc = 0;
			} else if (rc == 0) {
				rc = -EINVAL;
			}
		} else {
			rc = apprise_build(&t->t, &j->msg, &ap->ep, &j->arena, &t->reqs,
					   &t->nreq, &why);
		}
		if (rc) {
			snprintf(t->reason, sizeof(t->reason), "%s",
				 rc == -ENOMEM ? "out of memory" : why ? why : "cannot build");
			t->failed = true;
			t->nreq = 0;
			t->reqs = NULL;
		}
		next_req(t);
	}
	j->starting = false;
	if (j->open == 0) {
		/* nothing went out: answer from the loop, not from this call */
		if (clock_timer_new(ap->room->clock, on_kick, j, &j->kick) == 0)
			clock_timer_start(j->kick, 0, 0);
		else
			finish(j);
	}
}

void ap_jobs_cancel(struct notify_apprise *ap)
{
	for (struct ap_job *j = ap->jobs; j;) {
		struct ap_job *next = j->next;
		/* held open while its targets fail, so finish (which may
		 * free the job) runs once, after the loop */
		j->starting = true;
		for (size_t i = 0; i < j->n; i++) {
			struct ap_target *t = &j->targets[i];
			if (t->timer && clock_timer_is_active(t->timer)) {
				clock_timer_stop(t->timer);
				next_req(t); /* fails it: closing */
			}
		}
		j->starting = false;
		finish(j);
		j = next;
	}
}

char *ap_mask_url(struct arena *a, const char *url)
{
	struct apprise_url u;
	/* a URL Apprise itself would not parse is shown by its schema only */
	if (apprise_url_parse(url, false, a, &u, NULL))
		return arena_strdup(a, "(unparsable URL)");
	struct buf b;
	buf_init(&b, APPRISE_URL_MAX * 2);
	buf_printf(&b, "%s://", u.schema);
	bool tokens = strcmp(u.schema, "json") && strcmp(u.schema, "jsons") &&
		      strcmp(u.schema, "form") && strcmp(u.schema, "forms") &&
		      strcmp(u.schema, "xml") && strcmp(u.schema, "xmls") &&
		      strncmp(u.schema, "webhook", 7) &&
		      strncmp(u.schema, "ntfy", 4) && strncmp(u.schema, "mailto", 6) &&
		      strcmp(u.schema, "hearth");
	if (u.user)
		buf_printf(&b, "%s%s@", tokens ? "****" : u.user, u.password ? ":****" : "");
	if (tokens && !strncmp(u.schema, "apprise", 7))
		tokens = false, buf_puts(&b, u.host);
	else if (tokens)
		buf_printf(&b, "%.2s****", u.host);
	else
		buf_puts(&b, u.host);
	if (u.port >= 0)
		buf_printf(&b, ":%d", u.port);
	for (size_t i = 0; i < u.nsegs; i++) {
		if (tokens || (!strncmp(u.schema, "apprise", 7) && i + 1 == u.nsegs) ||
		    !strncmp(u.schema, "gotify", 6))
			buf_printf(&b, "/%.2s****", u.segs[i]);
		else
			buf_printf(&b, "/%s", apprise_quote(a, u.segs[i], "@") ?: "");
	}
	char *s = b.err ? NULL : arena_strdup(a, b.data);
	buf_deinit(&b);
	return s;
}
