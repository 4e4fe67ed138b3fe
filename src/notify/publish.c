/* SPDX-License-Identifier: MIT */
/* ntfy publishing: options and body into a message, stored on the strand before the 200, then delivered; delayed delivery. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "notify/api.h"
#include "notify/internal.h"
#include "proto/notify/ntfy_topic.h"

/* Expiry sweeps, at most this far apart. */
#define SWEEP_MS 60000

static int64_t local_offset(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return 0;
	return tm.tm_gmtoff;
}

static void pub_env(struct notify_room *r, struct ntfy_pub_env *env)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	int64_t now = clock_wall_s(r->clock);
	*env = (struct ntfy_pub_env){
		.now = now,
		.tz_off = local_offset(now),
		.delay_min = n->delay_min,
		.delay_max = n->delay_max,
		.cache_enabled = n->cache_duration > 0,
		.make_id = notify_action_id,
	};
}

bool notify_strand_done(struct notify_room *r);

/* ---- the strand job of one publish ---- */

struct pub_job {
	struct notify_room *r;
	struct notify_msg *m;
	struct http_pending *pending; /* NULL: a publish from another room */
	char *file;		      /* an upload (owned), or NULL */
	size_t file_len;
	struct notify_store_file f;
	char fname[256], ftype[128];
	char dir[4096];
	int rc;
};

static void job_free(struct pub_job *j)
{
	notify_msg_free(j->m);
	free(j->file);
	free(j);
}

static void pub_work(void *ud)
{
	struct pub_job *j = ud;
	struct notify_room *r = j->r;
	j->rc = 0;
	if (j->file) {
		j->rc = notify_file_write(j->dir, j->m->id, j->file, j->file_len);
		free(j->file);
		j->file = NULL;
		if (j->rc)
			return;
	}
	if (j->m->expires || j->f.name)
		j->rc = notify_store_put(r->wstore, j->m, !j->m->delayed,
					 j->f.name ? &j->f : NULL);
	if (j->rc && j->f.name)
		notify_file_remove(j->dir, j->m->id);
}

static void pub_done(void *ud, int status)
{
	struct pub_job *j = ud;
	struct notify_room *r = j->r;
	int rc = status ? status : j->rc;
	struct http_response *resp = j->pending ? http_pending_response(j->pending) : NULL;
	if (rc) {
		log_warn("notify", "storing message %s for %s: %s", j->m->id,
			 j->m->topic, hearth_strerror(rc));
		if (resp)
			notify_reply_error(resp, rc == -ECANCELED ? 503 : 500,
					   50001, "internal server error: the "
					   "message could not be stored");
	} else {
		r->stats.published[j->pending ? NOTIFY_FROM_HTTP
					      : NOTIFY_FROM_EVENT]++;
		if (j->f.name)
			r->files_total += j->f.size;
		if (!r->closing) {
			if (j->m->delayed)
				notify_sched_at(&r->sched, j->m->time);
			else
				notify_deliver(r, j->m);
		}
		if (resp)
			notify_reply_msg(resp, j->m->text);
	}
	http_pending_finish(j->pending);
	job_free(j);
	notify_strand_done(r);
}

int notify_strand_submit(struct notify_room *r, workq_work_fn work,
			 workq_done_fn done, void *ud)
{
	int rc = workq_strand_submit(r->strand, work, done, ud);
	if (!rc)
		r->pending++;
	return rc;
}

/* Stores (when it must) and delivers @m; answers through @req/@resp when
 * given. Takes @m and @file. */
static int submit(struct notify_room *r, const struct http_request *req,
		  struct http_response *resp, struct notify_msg *m, char *file,
		  size_t file_len, const struct notify_store_file *f)
{
	if (!m->expires && !file) {
		/* Nothing to make durable: delivered at once. */
		r->stats.published[req ? NOTIFY_FROM_HTTP : NOTIFY_FROM_EVENT]++;
		notify_deliver(r, m);
		if (resp)
			notify_reply_msg(resp, m->text);
		notify_msg_free(m);
		return 0;
	}
	struct pub_job *j = calloc(1, sizeof(*j));
	if (!j) {
		notify_msg_free(m);
		free(file);
		if (resp)
			notify_reply_error(resp, 500, 50001, "out of memory");
		return -ENOMEM;
	}
	j->r = r;
	j->m = m;
	j->file = file;
	j->file_len = file_len;
	snprintf(j->dir, sizeof(j->dir), "%s", r->files_dir);
	if (f) {
		j->f = *f;
		snprintf(j->fname, sizeof(j->fname), "%s", f->name);
		snprintf(j->ftype, sizeof(j->ftype), "%s", f->type);
		j->f.name = j->fname;
		j->f.type = j->ftype;
	}
	if (req) {
		j->pending = http_defer(req, resp, NULL, NULL);
		if (!j->pending) {
			job_free(j);
			return -ENOMEM;
		}
	}
	int rc = notify_strand_submit(r, pub_work, pub_done, j);
	if (rc) {
		if (j->pending) {
			notify_reply_error(http_pending_response(j->pending), 503,
					   50001, "the notify room is shutting "
					   "down");
			http_pending_finish(j->pending);
		}
		job_free(j);
	}
	return rc;
}

/* ---- building the message ---- */

static bool utf8(const char *s)
{
	return !s || ntfy_utf8_valid(s, strlen(s));
}

/* The last path segment of @url (without query or fragment) into @out. */
static const char *basename_of(const char *url, char *out, size_t cap)
{
	const char *q = strpbrk(url, "?#");
	size_t end = q ? (size_t)(q - url) : strlen(url);
	const char *p = url + end;
	while (p > url && p[-1] != '/')
		p--;
	snprintf(out, cap, "%.*s", (int)(url + end - p), p);
	return out;
}

static void set_str(json_t *j, const char *key, const char *v)
{
	if (v && *v)
		json_object_set_new(j, key, json_string(v));
}

static const char *trim_body(const char *b, size_t *len)
{
	while (*len && (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')) {
		b++;
		(*len)--;
	}
	while (*len && (b[*len - 1] == ' ' || b[*len - 1] == '\n' ||
			b[*len - 1] == '\r' || b[*len - 1] == '\t'))
		(*len)--;
	return b;
}

static void publish(struct notify_room *r, const struct http_request *req,
		    struct http_response *resp, const char *topic,
		    struct ntfy_pub *p, const char *body, size_t body_len)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	int64_t now = clock_wall_s(r->clock);
	bool upload = false;
	const char *event = "message";
	char *text = NULL; /* the message text when it came from the body */
	const char *encoding = NULL;
	if (p->template_) {
		notify_reply_error(resp, 400, 40000, "invalid request: "
				   "templates are not supported");
		return;
	}
	if (!utf8(p->title) || !utf8(p->message) || !utf8(p->click) ||
	    !utf8(p->icon) || !utf8(p->attach) || !utf8(p->filename) ||
	    !utf8(p->sequence_id) || !utf8(p->poll_id)) {
		notify_reply_error(resp, 400, 40011, "invalid request: "
				   "message must be UTF-8 encoded");
		return;
	}
	size_t tlen = body_len;
	const char *tb = trim_body(body, &tlen);
	if (p->poll_id) {
		event = "poll_request";
	} else if (p->unifiedpush) {
		if (ntfy_utf8_valid(body, body_len)) {
			text = strndup(body, body_len);
		} else {
			size_t cap = (body_len + 2) / 3 * 4 + 1;
			text = malloc(cap);
			if (text) {
				static const char t64[] =
					"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
				size_t w = 0;
				const unsigned char *u = (const unsigned char *)body;
				for (size_t i = 0; i < body_len; i += 3) {
					unsigned v = (unsigned)u[i] << 16;
					if (i + 1 < body_len) v |= (unsigned)u[i + 1] << 8;
					if (i + 2 < body_len) v |= u[i + 2];
					text[w++] = t64[(v >> 18) & 63];
					text[w++] = t64[(v >> 12) & 63];
					text[w++] = i + 1 < body_len ? t64[(v >> 6) & 63] : '=';
					text[w++] = i + 2 < body_len ? t64[v & 63] : '=';
				}
				text[w] = '\0';
			}
			encoding = "base64";
		}
	} else if (p->attach) {
		if (tlen)
			text = strndup(tb, tlen);
	} else if (p->has_filename && body_len) {
		upload = true;
	} else if ((int64_t)body_len <= n->message_size_limit &&
		   ntfy_utf8_valid(body, body_len)) {
		if (tlen)
			text = strndup(tb, tlen);
	} else {
		upload = true;
	}
	if (upload) {
		if (n->attachment_file_limit == 0) {
			notify_reply_error(resp, 400, ntfy_utf8_valid(body, body_len)
							      ? 40014 : 40011,
					   ntfy_utf8_valid(body, body_len)
						   ? "invalid request: attachments "
						     "not allowed"
						   : "invalid request: message "
						     "must be UTF-8 encoded");
			return;
		}
		if ((int64_t)body_len > n->attachment_file_limit ||
		    r->files_total + (int64_t)body_len > n->attachment_total_limit) {
			notify_reply_error(resp, 413, 41301, "invalid request: "
					   "attachment too large, or bandwidth "
					   "limit reached");
			return;
		}
	}
	int64_t time = p->delay_at ? p->delay_at : now;
	int64_t expires = p->cache && !p->poll_id ? time + n->cache_duration : 0;
	struct notify_msg *m = notify_msg_new(topic, time, expires, event);
	if (!m) {
		free(text);
		notify_reply_error(resp, 500, 50001, "out of memory");
		return;
	}
	m->delayed = p->delay_at > 0;
	char fname[256], ftype[128], ext[16];
	struct notify_store_file f = {0};
	const char *message = text ? text : p->message;
	if (upload) {
		notify_file_type(body, body_len, p->filename, ftype, ext);
		if (p->filename)
			snprintf(fname, sizeof(fname), "%s", p->filename);
		else
			snprintf(fname, sizeof(fname), "attachment%s", ext);
	}
	char received[300];
	if (!message || !*message) {
		if (upload) {
			snprintf(received, sizeof(received),
				 "You received a file: %s", fname);
			message = received;
		} else if (p->poll_id) {
			message = "New message";
		} else {
			message = "triggered";
		}
	}
	set_str(m->j, "title", p->title);
	set_str(m->j, "message", message);
	if (p->priority)
		json_object_set_new(m->j, "priority", json_integer(p->priority));
	if (p->tags)
		json_object_set(m->j, "tags", p->tags);
	set_str(m->j, "click", p->click);
	set_str(m->j, "icon", p->icon);
	if (p->actions && json_array_size(p->actions))
		json_object_set(m->j, "actions", p->actions);
	if (upload) {
		char url[512];
		snprintf(url, sizeof(url), "%s/file/%s%s", r->base_url, m->id,
			 ext);
		f.size = (int64_t)body_len;
		f.expires = now + n->attachment_expiry;
		f.name = fname;
		f.type = ftype;
		json_object_set_new(m->j, "attachment",
				    json_pack("{s:s, s:s, s:I, s:I, s:s}",
					      "name", fname, "type", ftype,
					      "size", (json_int_t)f.size,
					      "expires", (json_int_t)f.expires,
					      "url", url));
	} else if (p->attach) {
		char base[256];
		const char *name = p->filename ? p->filename
					       : basename_of(p->attach, base,
							     sizeof(base));
		json_object_set_new(m->j, "attachment",
				    json_pack("{s:s, s:s}", "name",
					      *name ? name : "attachment",
					      "url", p->attach));
	}
	if (p->markdown)
		json_object_set_new(m->j, "content_type",
				    json_string("text/markdown"));
	if (encoding)
		json_object_set_new(m->j, "encoding", json_string(encoding));
	set_str(m->j, "poll_id", p->poll_id);
	set_str(m->j, "sequence_id", p->sequence_id);
	free(text);
	if (notify_msg_seal(m)) {
		notify_msg_free(m);
		notify_reply_error(resp, 500, 50001, "out of memory");
		return;
	}
	char *file = NULL;
	if (upload) {
		file = malloc(body_len ? body_len : 1);
		if (!file) {
			notify_msg_free(m);
			notify_reply_error(resp, 500, 50001, "out of memory");
			return;
		}
		memcpy(file, body, body_len);
	}
	submit(r, req, resp, m, file, body_len, upload ? &f : NULL);
}

static void refuse(struct notify_room *r, struct http_response *resp,
		   const struct ntfy_err *e)
{
	r->stats.refused++;
	notify_reply_error(resp, e->http, e->code, e->error);
}

static bool topic_ok(struct notify_room *r, struct http_response *resp,
		     const char *topic)
{
	struct ntfy_err e = {0};
	char one[1][65];
	if (strchr(topic, ',') || notify_topics_parse(topic, one, 1, &e) != 1) {
		if (!e.http) {
			e.http = 400;
			e.code = 40009;
			snprintf(e.error, sizeof(e.error),
				 "invalid request: topic invalid");
		}
		refuse(r, resp, &e);
		return false;
	}
	return true;
}

void notify_publish_http(struct notify_room *r, const struct http_request *req,
			 struct http_response *resp, const char *topic,
			 const char *sid)
{
	if (!topic_ok(r, resp, topic))
		return;
	struct ntfy_pub_env env;
	struct ntfy_pub p;
	struct ntfy_err e;
	pub_env(r, &env);
	if (ntfy_pub_parse(notify_req_get, (void *)req,
			   http_request_header(req, "Content-Type"),
			   http_request_header(req, "Content-Encoding"), &env,
			   &p, &e)) {
		ntfy_pub_free(&p);
		refuse(r, resp, &e);
		return;
	}
	if (sid && !p.sequence_id)
		p.sequence_id = strdup(sid);
	publish(r, req, resp, topic, &p, req->body, req->body_len);
	ntfy_pub_free(&p);
}

void notify_publish_json(struct notify_room *r, const struct http_request *req,
			 struct http_response *resp)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	/* Who it is first (401, 429), as ntfy: the topic is in the body. */
	struct notify_who who;
	if (notify_auth_check(r, req, resp, NULL, NTFY_PERM_WRITE, &who) !=
	    NOTIFY_AUTH_OK)
		return;
	if ((int64_t)req->body_len > n->message_size_limit * 2) {
		notify_reply_error(resp, 413, 41303, "invalid request: JSON "
				   "body too large");
		return;
	}
	struct ntfy_pub_env env;
	struct ntfy_pub p;
	struct ntfy_err e;
	char topic[65];
	pub_env(r, &env);
	if (ntfy_pub_parse_json(req->body, req->body_len, notify_req_get,
				(void *)req, &env, topic, &p, &e)) {
		ntfy_pub_free(&p);
		refuse(r, resp, &e);
		return;
	}
	if (ntfy_topic_reserved(topic, strlen(topic))) {
		ntfy_pub_free(&p);
		notify_reply_error(resp, 400, 40010, "invalid request: topic "
				   "name is not allowed");
		return;
	}
	if (!notify_auth_allowed(r, &who, topic, NTFY_PERM_WRITE)) {
		ntfy_pub_free(&p);
		notify_auth_error(resp, 403, 40301, "forbidden");
		return;
	}
	if (!notify_auth_publish(r, &who, 0, resp)) {
		ntfy_pub_free(&p);
		return;
	}
	publish(r, req, resp, topic, &p, "", 0);
	ntfy_pub_free(&p);
}

static int publish_local(struct notify_room *r, const char *topic,
			 const struct room_notify_msg *in, const char *fname,
			 const void *data, size_t len)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	if (!ntfy_topic_valid(topic, strlen(topic)))
		return -EINVAL;
	if (!utf8(in->title) || !utf8(in->message) || !utf8(in->click) || !utf8(fname))
		return -EINVAL;
	if (fname && (n->attachment_file_limit == 0 || (int64_t)len > n->attachment_file_limit ||
		      r->files_total + (int64_t)len > n->attachment_total_limit))
		return -EFBIG;
	int64_t now = clock_wall_s(r->clock);
	struct notify_msg *m = notify_msg_new(
		topic, now, n->cache_duration ? now + n->cache_duration : 0,
		"message");
	if (!m)
		return -ENOMEM;
	char name[256], ftype[128], ext[16], received[300];
	const char *message = in->message && *in->message ? in->message : "triggered";
	if (fname) {
		notify_file_type(data, len, fname, ftype, ext);
		snprintf(name, sizeof(name), "%s", *fname ? fname : "attachment");
		if (!in->message || !*in->message) {
			snprintf(received, sizeof(received), "You received a file: %s", name);
			message = received;
		}
	}
	set_str(m->j, "title", in->title);
	set_str(m->j, "message", message);
	if (in->priority >= 1 && in->priority <= 5 && in->priority != 3)
		json_object_set_new(m->j, "priority", json_integer(in->priority));
	if (in->tags && in->tags[0]) {
		json_t *t = json_array();
		for (size_t i = 0; in->tags[i]; i++)
			if (utf8(in->tags[i]) && *in->tags[i])
				json_array_append_new(t, json_string(in->tags[i]));
		json_object_set_new(m->j, "tags", t);
	}
	set_str(m->j, "click", in->click);
	struct notify_store_file f = {0};
	if (fname) {
		char url[512];
		snprintf(url, sizeof(url), "%s/file/%s%s", r->base_url, m->id, ext);
		f.size = (int64_t)len;
		f.expires = now + n->attachment_expiry;
		f.name = name;
		f.type = ftype;
		json_object_set_new(m->j, "attachment",
				    json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", name,
					      "type", ftype, "size", (json_int_t)f.size,
					      "expires", (json_int_t)f.expires, "url", url));
	}
	char *file = NULL;
	if (notify_msg_seal(m) || (fname && !(file = malloc(len ? len : 1)))) {
		notify_msg_free(m);
		return -ENOMEM;
	}
	if (file)
		memcpy(file, data, len);
	return submit(r, NULL, NULL, m, file, len, fname ? &f : NULL);
}

int notify_publish_local(struct notify_room *r, const char *topic,
			 const struct room_notify_msg *in)
{
	return publish_local(r, topic, in, NULL, NULL, 0);
}

int notify_publish_local_file(struct notify_room *r, const char *topic,
			      const struct room_notify_msg *m, const char *fname,
			      const void *data, size_t len)
{
	return publish_local(r, topic, m, fname ? fname : "attachment", data, len);
}

/* ---- delayed messages ---- */

struct due_job {
	struct notify_room *r;
	int64_t now;
	char **texts;
	size_t n, cap;
	int rc;
};

static int due_collect(const char *json, size_t len, void *ud)
{
	struct due_job *j = ud;
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 8;
		char **t = realloc(j->texts, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		j->texts = t;
		j->cap = cap;
	}
	if (!(j->texts[j->n] = strndup(json, len)))
		return -ENOMEM;
	j->n++;
	return 0;
}

static void due_work(void *ud)
{
	struct due_job *j = ud;
	j->rc = notify_store_take_due(j->r->wstore, j->now, due_collect, j);
}

static void arm_next(struct notify_room *r)
{
	int64_t at;
	notify_sched_clear(&r->sched);
	if (notify_store_next_due(r->store, &at) == 0)
		notify_sched_at(&r->sched, at);
}

static void due_done(void *ud, int status)
{
	struct due_job *j = ud;
	struct notify_room *r = j->r;
	r->due_running = false;
	if (!status && !j->rc && !r->closing) {
		for (size_t i = 0; i < j->n; i++) {
			struct notify_msg *m = notify_msg_load(j->texts[i],
							       strlen(j->texts[i]));
			if (m)
				notify_deliver(r, m);
			notify_msg_free(m);
		}
	} else if (j->rc) {
		log_warn("notify", "delivering delayed messages: %s",
			 hearth_strerror(j->rc));
	}
	for (size_t i = 0; i < j->n; i++)
		free(j->texts[i]);
	free(j->texts);
	free(j);
	if (!r->closing)
		arm_next(r);
	notify_strand_done(r);
}

void notify_publish_due(void *room, int64_t now)
{
	struct notify_room *r = room;
	if (r->due_running || r->closing)
		return;
	struct due_job *j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->r = r;
	j->now = now;
	if (notify_strand_submit(r, due_work, due_done, j)) {
		free(j);
		return;
	}
	r->due_running = true;
}

/* ---- expiry ---- */

struct sweep_job {
	struct notify_room *r;
	int64_t now, freed;
	char dir[4096];
	int rc;
};

static void file_gone(const char *id, int64_t size, void *ud)
{
	struct sweep_job *j = ud;
	notify_file_remove(j->dir, id);
	j->freed += size;
}

static void sweep_work(void *ud)
{
	struct sweep_job *j = ud;
	j->rc = notify_store_expire(j->r->wstore, j->now, file_gone, j);
}

static void sweep_done(void *ud, int status)
{
	struct sweep_job *j = ud;
	struct notify_room *r = j->r;
	if (!status && !j->rc) {
		r->files_total -= j->freed;
		if (r->files_total < 0)
			r->files_total = 0;
	}
	free(j);
	notify_strand_done(r);
}

static void on_sweep(struct clock_timer *t, void *ud)
{
	struct notify_room *r = ud;
	(void)t;
	struct sweep_job *j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->r = r;
	j->now = clock_wall_s(r->clock);
	snprintf(j->dir, sizeof(j->dir), "%s", r->files_dir);
	if (notify_strand_submit(r, sweep_work, sweep_done, j))
		free(j);
}

int notify_publish_start(struct notify_room *r)
{
	int rc = clock_timer_new(r->clock, on_sweep, r, &r->sweep);
	if (rc)
		return rc;
	clock_timer_start(r->sweep, 1000, SWEEP_MS);
	arm_next(r);
	return 0;
}
