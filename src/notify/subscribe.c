/* SPDX-License-Identifier: MIT */
/* ntfy subscriptions: JSON, SSE, raw and WebSocket streams, polls, since= replay, filters, slow readers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "notify/api.h"
#include "notify/internal.h"
#include "proto/notify/ntfy_topic.h"

#define SUB_MAX_TOPICS 32

static const char *const A_POLL[] = {"X-Poll", "Poll", "po", NULL};
static const char *const A_SINCE[] = {"X-Since", "Since", "si", NULL};
static const char *const A_SCHED[] = {"X-Scheduled", "Scheduled", "sched",
				      NULL};
static const char *const A_ID[] = {"X-ID", "ID", NULL};
static const char *const A_MESSAGE[] = {"X-Message", "Message", "m", NULL};
static const char *const A_TITLE[] = {"X-Title", "Title", "t", NULL};
static const char *const A_PRIO[] = {"X-Priority", "Priority", "prio", "p",
				     NULL};
static const char *const A_TAGS[] = {"X-Tags", "Tags", "Tag", "ta", NULL};

struct notify_sub {
	struct notify_sub *prev, *next;
	struct notify_room *r;
	enum notify_framing framing;
	struct http_stream *st;
	struct http_ws *ws;
	char *topics_raw;
	char (*topics)[65]; /* n_topics of them */
	size_t n_topics;
	struct notify_filter f;
	size_t max_buffered;
	struct notify_who who; /* counted in the visitor's subscriptions */
	bool counted;
};

int notify_topics_parse(const char *seg, char (*out)[65], size_t cap,
			struct ntfy_err *err)
{
	size_t n = 0;
	const char *p = seg;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (!ntfy_topic_valid(p, len)) {
			err->http = 400;
			err->code = 40009;
			snprintf(err->error, sizeof(err->error),
				 "invalid request: topic invalid");
			return -EINVAL;
		}
		if (ntfy_topic_reserved(p, len)) {
			err->http = 400;
			err->code = 40010;
			snprintf(err->error, sizeof(err->error),
				 "invalid request: topic name is not allowed");
			return -EINVAL;
		}
		if (n == cap) {
			err->http = 400;
			err->code = 40009;
			snprintf(err->error, sizeof(err->error),
				 "invalid request: at most %zu topics", cap);
			return -EINVAL;
		}
		memcpy(out[n], p, len);
		out[n++][len] = '\0';
		if (!c)
			break;
		p = c + 1;
	}
	return (int)n;
}

static void sub_unlink(struct notify_sub *s)
{
	struct notify_room *r = s->r;
	if (s->prev)
		s->prev->next = s->next;
	else if (r->subs == s)
		r->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	r->stats.subs[s->framing]--;
}

static void sub_free(struct notify_sub *s)
{
	if (s->counted)
		notify_auth_sub_close(s->r, &s->who);
	notify_filter_free(&s->f);
	free(s->topics_raw);
	free(s->topics);
	free(s);
}

/* Ends @s (the room's final call on its handle) and frees it. */
static void sub_end(struct notify_sub *s)
{
	sub_unlink(s);
	if (s->ws)
		http_ws_close(s->ws, 1000, NULL);
	else
		http_stream_end(s->st);
	sub_free(s);
}

static int sub_write(struct notify_sub *s, const char *data, size_t len)
{
	if (s->ws) {
		if (http_ws_queued(s->ws) + len > s->max_buffered)
			return -ENOBUFS;
		return http_ws_send_text(s->ws, data, len);
	}
	return http_stream_write(s->st, data, len);
}

static int sub_event(struct notify_sub *s, const char *event,
		     const char *text, const json_t *j)
{
	struct buf b;
	buf_init(&b, 0);
	int rc = notify_frame(&b, s->framing, event, text, j);
	if (!rc)
		rc = sub_write(s, b.data, b.len);
	buf_deinit(&b);
	return rc;
}

static bool sub_wants(const struct notify_sub *s, const struct notify_msg *m)
{
	for (size_t i = 0; i < s->n_topics; i++)
		if (strcmp(s->topics[i], m->topic) == 0)
			return notify_filter_match(&s->f, m);
	return false;
}

/* After a write of a fan-out: counted, or the subscriber dropped. */
static void sub_wrote(struct notify_sub *s, int rc)
{
	struct notify_room *r = s->r;
	if (rc == -ENOBUFS) {
		r->stats.dropped++;
		log_info("notify", "dropped a subscriber of %s: more than %zu "
				   "bytes behind",
			 s->topics_raw, s->max_buffered);
		sub_end(s);
	} else if (!rc) {
		r->stats.delivered[s->framing]++;
	}
}

#define DELIVER_STACK 64 /* writes per batch when the arrays cannot be had */

void notify_deliver(struct notify_room *r, const struct notify_msg *m)
{
	uint64_t t0 = metrics_now_ns();
	const char *event = json_string_value(json_object_get(m->j, "event"));
	struct buf frames[4];
	bool built[4] = {false};
	for (int i = 0; i < 4; i++)
		buf_init(&frames[i], 0);
	/* Every subscriber's write at once (http_write_many shares the
	 * sends with a second thread), each transport's frame built once. */
	size_t cap = 0;
	for (int i = 0; i < 4; i++)
		cap += (size_t)r->stats.subs[i];
	struct http_out stack_out[DELIVER_STACK], *out = NULL;
	struct notify_sub *stack_who[DELIVER_STACK], **who = NULL;
	if (cap > DELIVER_STACK) {
		out = malloc(cap * sizeof(*out));
		who = out ? malloc(cap * sizeof(*who)) : NULL;
	}
	if (!who) {
		free(out);
		out = stack_out;
		who = stack_who;
		cap = DELIVER_STACK;
	}
	struct notify_sub *s = r->subs;
	while (s) {
		size_t n = 0;
		for (; s && n < cap; s = s->next) {
			if (!sub_wants(s, m))
				continue;
			int f = s->framing;
			if (!built[f]) {
				notify_frame(&frames[f], s->framing,
					     event ? event : "message", m->text,
					     m->j);
				built[f] = true;
			}
			out[n] = (struct http_out){
				.st = s->st,
				.ws = s->ws,
				.data = frames[f].data,
				.len = frames[f].len,
				.ws_max_queued = s->max_buffered,
			};
			who[n++] = s;
		}
		http_write_many(r->http, out, n);
		/* (a drop frees only subscribers already written to) */
		for (size_t i = 0; i < n; i++)
			sub_wrote(who[i], out[i].rc);
	}
	if (out != stack_out) {
		free(out);
		free(who);
	}
	for (int i = 0; i < 4; i++)
		buf_deinit(&frames[i]);
	metrics_hist_observe(&r->stats.fanout, metrics_now_ns() - t0);
}

void notify_subs_close(struct notify_room *r)
{
	while (r->subs)
		sub_end(r->subs);
}

/* ---- the handles' notices ---- */

static void on_stream_close(struct http_stream *st, void *ud)
{
	(void)st;
	sub_end(ud);
}

static void on_stream_keepalive(struct http_stream *st, void *ud)
{
	struct notify_sub *s = ud;
	(void)st;
	char *t = notify_event_text("keepalive", clock_wall_s(s->r->clock),
				    s->topics_raw);
	if (t && sub_event(s, "keepalive", t, NULL) == -ENOBUFS) {
		free(t);
		sub_end(s);
		return;
	}
	free(t);
}

static void on_ws_close(struct http_ws *ws, int code, void *ud)
{
	(void)ws;
	(void)code;
	sub_end(ud);
}

static void on_ws_message(struct http_ws *ws, const char *data, size_t len,
			  bool binary, void *ud)
{
	/* ntfy ignores what clients send. */
	(void)ws;
	(void)data;
	(void)len;
	(void)binary;
	(void)ud;
}

/* ---- parameters ---- */

static char *param_dup(const struct http_request *req,
		       const char *const *aliases)
{
	size_t len;
	const char *v = ntfy_param(notify_req_get, (void *)req, aliases, &len);
	return v ? strndup(v, len) : NULL;
}

static int add_prio(const char *item, size_t len, void *ud)
{
	unsigned *mask = ud;
	int p;
	if (ntfy_parse_priority(item, len, &p) || p == 0)
		return -EINVAL;
	*mask |= 1u << p;
	return 0;
}

static int add_tag(const char *item, size_t len, void *ud)
{
	struct notify_filter *f = ud;
	char **t = realloc(f->tags, (f->n_tags + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	f->tags = t;
	if (!(t[f->n_tags] = strndup(item, len)))
		return -ENOMEM;
	f->n_tags++;
	return 0;
}

struct sub_params {
	bool poll, scheduled;
	struct ntfy_since since;
	struct notify_filter f;
};

static int read_params(struct notify_room *r, const struct http_request *req,
		       struct sub_params *sp, struct ntfy_err *err)
{
	size_t len;
	const char *v;
	memset(sp, 0, sizeof(*sp));
	bool b = false;
	if ((v = ntfy_param(notify_req_get, (void *)req, A_POLL, &len)))
		sp->poll = ntfy_parse_bool(v, len, &b) == 0 && b;
	b = false;
	if ((v = ntfy_param(notify_req_get, (void *)req, A_SCHED, &len)))
		sp->scheduled = ntfy_parse_bool(v, len, &b) == 0 && b;
	v = ntfy_param(notify_req_get, (void *)req, A_SINCE, &len);
	if (v && ntfy_parse_since(v, len, clock_wall_s(r->clock), &sp->since)) {
		err->http = 400;
		err->code = 40008;
		snprintf(err->error, sizeof(err->error),
			 "invalid request: since parameter is invalid");
		return -EINVAL;
	}
	if (sp->since.kind == NTFY_SINCE_DEFAULT)
		sp->since.kind = sp->poll ? NTFY_SINCE_ALL : NTFY_SINCE_NONE;
	sp->f.id = param_dup(req, A_ID);
	sp->f.message = param_dup(req, A_MESSAGE);
	sp->f.title = param_dup(req, A_TITLE);
	if ((v = ntfy_param(notify_req_get, (void *)req, A_PRIO, &len)) &&
	    ntfy_each_item(v, len, ',', add_prio, &sp->f.prio_mask)) {
		err->http = 400;
		err->code = 40007;
		snprintf(err->error, sizeof(err->error),
			 "invalid request: priority invalid");
		return -EINVAL;
	}
	if ((v = ntfy_param(notify_req_get, (void *)req, A_TAGS, &len)) &&
	    ntfy_each_item(v, len, ',', add_tag, &sp->f)) {
		err->http = 500;
		err->code = 50001;
		snprintf(err->error, sizeof(err->error), "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* ---- replay from the cache ---- */

struct replay {
	struct notify_msg **m;
	int64_t *seq;
	size_t n, cap;
	const struct notify_filter *f;
};

static int collect(const char *json, size_t len, int64_t seq, void *ud)
{
	struct replay *rp = ud;
	struct notify_msg *m = notify_msg_load(json, len);
	if (!m)
		return 0; /* a row that does not parse is skipped */
	if (!notify_filter_match(rp->f, m)) {
		notify_msg_free(m);
		return 0;
	}
	if (rp->n == rp->cap) {
		size_t cap = rp->cap ? rp->cap * 2 : 16;
		struct notify_msg **nm = realloc(rp->m, cap * sizeof(*nm));
		int64_t *ns = nm ? realloc(rp->seq, cap * sizeof(*ns)) : NULL;
		if (nm)
			rp->m = nm;
		if (!ns) {
			notify_msg_free(m);
			return -ENOMEM;
		}
		rp->seq = ns;
		rp->cap = cap;
	}
	rp->m[rp->n] = m;
	rp->seq[rp->n++] = seq;
	return 0;
}

static void replay_free(struct replay *rp)
{
	for (size_t i = 0; i < rp->n; i++)
		notify_msg_free(rp->m[i]);
	free(rp->m);
	free(rp->seq);
}

/* The cached messages of every topic that @sp selects, merged by time
 * then arrival; "latest" keeps only the newest. */
static int replay_load(struct notify_room *r, char (*topics)[65], size_t n,
		       const struct sub_params *sp, struct replay *rp)
{
	memset(rp, 0, sizeof(*rp));
	rp->f = &sp->f;
	int64_t now = clock_wall_s(r->clock);
	for (size_t i = 0; i < n; i++) {
		int rc = notify_store_since(r->store, topics[i], &sp->since,
					    sp->scheduled, now, collect, rp);
		if (rc)
			return rc;
	}
	/* Insertion sort by (time, seq): small lists, mostly in order. */
	for (size_t i = 1; i < rp->n; i++) {
		struct notify_msg *m = rp->m[i];
		int64_t s = rp->seq[i];
		size_t k = i;
		while (k > 0 && (rp->m[k - 1]->time > m->time ||
				 (rp->m[k - 1]->time == m->time &&
				  rp->seq[k - 1] > s))) {
			rp->m[k] = rp->m[k - 1];
			rp->seq[k] = rp->seq[k - 1];
			k--;
		}
		rp->m[k] = m;
		rp->seq[k] = s;
	}
	if (sp->since.kind == NTFY_SINCE_LATEST && rp->n > 1) {
		for (size_t i = 0; i + 1 < rp->n; i++)
			notify_msg_free(rp->m[i]);
		rp->m[0] = rp->m[rp->n - 1];
		rp->seq[0] = rp->seq[rp->n - 1];
		rp->n = 1;
	}
	return 0;
}

static void reply_err(struct http_response *resp, const struct ntfy_err *e)
{
	notify_reply_error(resp, e->http, e->code, e->error);
}

void notify_subscribe(struct notify_room *r, const struct http_request *req,
		      struct http_response *resp, const char *topics,
		      enum notify_framing f, const struct notify_who *who)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	struct ntfy_err err;
	struct sub_params sp;
	char tl[SUB_MAX_TOPICS][65];
	int nt = notify_topics_parse(topics, tl, SUB_MAX_TOPICS, &err);
	if (nt < 0) {
		reply_err(resp, &err);
		return;
	}
	if (f == NOTIFY_WS) {
		const char *up = http_request_header(req, "Upgrade");
		if (!up || strcasecmp(up, "websocket") != 0) {
			notify_reply_error(resp, 400, 40016,
					   "invalid request: client not using "
					   "the websocket protocol");
			return;
		}
	}
	if (read_params(r, req, &sp, &err)) {
		notify_filter_free(&sp.f);
		reply_err(resp, &err);
		return;
	}
	struct replay rp;
	int rc = replay_load(r, tl, (size_t)nt, &sp, &rp);
	if (rc) {
		replay_free(&rp);
		notify_filter_free(&sp.f);
		notify_reply_error(resp, 500, 50001, "internal server error");
		return;
	}
	if (sp.poll && f != NOTIFY_WS) {
		/* The cached messages, then the end: no open, no keepalive. */
		struct buf b;
		buf_init(&b, 0);
		for (size_t i = 0; i < rp.n; i++)
			notify_frame(&b, f, "message", rp.m[i]->text, rp.m[i]->j);
		resp->status = 200;
		resp->content_type = notify_framing_type(f);
		buf_deinit(&resp->body);
		resp->body = b;
		notify_cors(resp);
		replay_free(&rp);
		notify_filter_free(&sp.f);
		return;
	}
	struct sockaddr_any client = http_request_client(req);
	if ((int64_t)http_server_streams(r->http, &client) >=
	    n->max_subscribers_per_client) {
		replay_free(&rp);
		notify_filter_free(&sp.f);
		notify_reply_error(resp, 429, 42903, "limit reached: too many "
				   "active subscriptions");
		return;
	}
	if (!notify_auth_sub_open(r, who, resp)) {
		replay_free(&rp);
		notify_filter_free(&sp.f);
		return;
	}
	struct notify_sub *s = calloc(1, sizeof(*s));
	if (!s || !(s->topics_raw = strdup(topics)) ||
	    !(s->topics = malloc(sizeof(tl[0]) * (size_t)nt))) {
		if (s)
			free(s->topics_raw);
		notify_auth_sub_close(r, who);
		free(s);
		replay_free(&rp);
		notify_filter_free(&sp.f);
		notify_reply_error(resp, 500, 50001, "out of memory");
		return;
	}
	s->r = r;
	s->framing = f;
	s->f = sp.f;
	s->who = *who;
	s->counted = true;
	memcpy(s->topics, tl, sizeof(tl[0]) * (size_t)nt);
	s->n_topics = (size_t)nt;
	s->max_buffered = (size_t)n->subscriber_buffer;
	notify_cors(resp);
	if (f == NOTIFY_WS) {
		struct http_ws_opts o = {
			.on_message = on_ws_message,
			.on_close = on_ws_close,
			.max_message = 4096,
			.ping_ms = (uint64_t)n->keepalive_interval * 1000,
			.ud = s,
		};
		s->ws = http_ws_accept(req, resp, &o);
	} else {
		struct http_stream_opts o = {
			.content_type = notify_framing_type(f),
			.on_close = on_stream_close,
			.keepalive_ms = (uint64_t)n->keepalive_interval * 1000,
			.on_keepalive = on_stream_keepalive,
			.max_buffered = (size_t)n->subscriber_buffer,
			.ud = s,
		};
		s->st = http_stream_open(req, resp, &o);
	}
	if (!s->st && !s->ws) {
		/* resp holds the answer (429, 500): in ntfy's shape. */
		int status = resp->status;
		sub_free(s);
		replay_free(&rp);
		if (status == 429)
			notify_reply_error(resp, 429, 42903, "limit reached: "
					   "too many active subscriptions");
		return;
	}
	s->next = r->subs;
	if (r->subs)
		r->subs->prev = s;
	r->subs = s;
	r->stats.subs[f]++;
	char *open = notify_event_text("open", clock_wall_s(r->clock), topics);
	rc = open ? sub_event(s, "open", open, NULL) : -ENOMEM;
	free(open);
	for (size_t i = 0; !rc && i < rp.n; i++) {
		rc = sub_event(s, "message", rp.m[i]->text, rp.m[i]->j);
		if (!rc)
			r->stats.delivered[s->framing]++;
	}
	replay_free(&rp);
	if (rc == -ENOBUFS) {
		r->stats.dropped++;
		sub_end(s);
	}
}

json_t *notify_sub_topics(struct notify_room *r, size_t max)
{
	/* A few topics at most are shown: count them with a small table,
	 * the busiest first. */
	struct {
		const char *topic;
		json_int_t n;
	} seen[64];
	size_t n_seen = 0;
	for (struct notify_sub *s = r->subs; s; s = s->next)
		for (size_t t = 0; t < s->n_topics; t++) {
			size_t k = 0;
			while (k < n_seen && strcmp(seen[k].topic, s->topics[t]))
				k++;
			if (k == n_seen) {
				if (n_seen == sizeof(seen) / sizeof(seen[0]))
					continue;
				seen[n_seen].topic = s->topics[t];
				seen[n_seen++].n = 0;
			}
			seen[k].n++;
		}
	json_t *list = json_array();
	for (size_t shown = 0; list && shown < max && shown < n_seen; shown++) {
		size_t best = shown;
		for (size_t k = shown + 1; k < n_seen; k++)
			if (seen[k].n > seen[best].n)
				best = k;
		const char *topic = seen[best].topic;
		json_int_t n = seen[best].n;
		seen[best] = seen[shown];
		json_array_append_new(list, json_pack("{s:s, s:I}", "topic", topic,
						      "subscribers", n));
	}
	return list;
}
