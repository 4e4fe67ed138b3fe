/* SPDX-License-Identifier: MIT */
/* The notify room's access control on the loop: who a request is, what it may do, per-visitor limits. */
#include "notify/auth.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "notify/api.h"
#include "notify/auth_priv.h"
#include "notify/internal.h"

/* A password check for a user that does not exist costs as much as one
 * that does (no telling names apart by time): this hash's password is
 * nobody's. */
static const char dummy_hash[] =
	"$argon2id$v=19$m=19456,t=2,p=1$IQGzKvM/N9+zy8+Dab3jOA$"
	"zGhYw9y/15i5fCyPwgxfQzrf309iX2MyG4eyVEh/KBc";

void notify_auth_error(struct http_response *resp, int http, int code,
		       const char *error)
{
	const char *link = http == 429 || http == 413
				   ? "https://ntfy.sh/docs/publish/#limitations"
				   : "https://ntfy.sh/docs/publish/#authentication";
	json_t *j = json_pack("{s:i, s:i, s:s, s:s}", "code", code, "http",
			      http, "error", error, "link", link);
	http_reply_json(resp, http, j);
	buf_append(&resp->body, "\n", 1);
	notify_cors(resp);
}

/* ---- the in-memory copy of the tables ---- */

struct auth_user *notify_auth_user_by_name(struct notify_auth *a,
					   const char *name)
{
	for (size_t i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return &a->users[i];
	return NULL;
}

struct auth_user *notify_auth_user_by_id(struct notify_auth *a, int64_t id)
{
	for (size_t i = 0; i < a->n_users; i++)
		if (a->users[i].id == id)
			return &a->users[i];
	return NULL;
}

void notify_auth_token_hash(const char *token, uint8_t out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token,
			   strlen(token), NULL, 0);
}

/* ---- verified passwords: so only the first request pays argon2id ---- */

static void seen_key(struct notify_auth *a, const char *user, const char *pass,
		     uint8_t out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, a->seen_secret, sizeof(a->seen_secret),
				32);
	crypto_generichash_update(&st, (const unsigned char *)user,
				  strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)pass,
				  strlen(pass));
	crypto_generichash_final(&st, out, 32);
}

static struct auth_seen *seen_find(struct notify_auth *a, const uint8_t k[32],
				   int64_t now)
{
	for (size_t i = 0; i < AUTH_SEEN_MAX; i++) {
		struct auth_seen *s = &a->seen[i];
		if (s->user_id && now - s->at_ms < AUTH_SEEN_MS &&
		    sodium_memcmp(s->key, k, 32) == 0)
			return s;
	}
	return NULL;
}

static void seen_add(struct notify_auth *a, const uint8_t k[32], int64_t user_id,
		     int64_t now)
{
	struct auth_seen *slot = &a->seen[0];
	for (size_t i = 0; i < AUTH_SEEN_MAX; i++) {
		struct auth_seen *s = &a->seen[i];
		if (!s->user_id || now - s->at_ms >= AUTH_SEEN_MS) {
			slot = s;
			break;
		}
		if (s->at_ms < slot->at_ms)
			slot = s;
	}
	memcpy(slot->key, k, 32);
	slot->user_id = user_id;
	slot->at_ms = now;
}

void notify_auth_forget_passwords(struct notify_auth *a)
{
	sodium_memzero(a->seen, sizeof(a->seen));
}

/* ---- limits ---- */

static void limits_from(struct notify_auth *a, const struct cfg_notify *n)
{
	const struct cfg_notify_limits *l = &n->limits;
	a->limits = (struct ntfy_limits){
		.requests = {l->request_burst, 1, l->request_interval * 1000},
		.messages = {l->messages_per_day, l->messages_per_day,
			     86400000},
		.bandwidth = {l->attachment_bandwidth, l->attachment_bandwidth,
			      86400000},
		.auth_failures = {l->auth_failure_burst, 1,
				  NTFY_AUTH_FAIL_EVERY_MS},
		.subscriptions = l->subscriptions,
	};
	a->default_perm = n->default_access == NOTIFY_ACCESS_READ_WRITE ? NTFY_PERM_RW
			: n->default_access == NOTIFY_ACCESS_READ_ONLY	 ? NTFY_PERM_READ
			: n->default_access == NOTIFY_ACCESS_WRITE_ONLY ? NTFY_PERM_WRITE
									 : NTFY_PERM_NONE;
}

static struct ntfy_vkey addr_key(const struct sockaddr_any *sa)
{
	if (sa->u.sa.sa_family == AF_INET6)
		return ntfy_vkey_addr(AF_INET6, sa->u.in6.sin6_addr.s6_addr);
	return ntfy_vkey_addr(AF_INET, (const uint8_t *)&sa->u.in.sin_addr);
}

static bool exempt(const struct cfg_notify *n, const struct sockaddr_any *sa)
{
	struct ipaddr ip = {0};
	if (sa->u.sa.sa_family == AF_INET6) {
		ip.family = AF_INET6;
		ip.u.v6 = sa->u.in6.sin6_addr;
	} else {
		ip.family = AF_INET;
		ip.u.v4 = sa->u.in.sin_addr;
	}
	for (size_t i = 0; i < n->limits.n_exempt; i++)
		if (ipprefix_contains(&n->limits.exempt[i], &ip))
			return true;
	return false;
}

static int64_t now_ms(struct notify_room *r)
{
	return (int64_t)clock_now_ms(r->clock);
}

/* The visitor of @k, or NULL when the table is full of visitors that
 * hold subscriptions (answered as a request over the limit). */
static struct ntfy_visitor *visitor(struct notify_room *r,
				    const struct ntfy_vkey *k)
{
	return ntfy_vtable_get(&r->auth->visitors, k, now_ms(r));
}

static bool limited(struct http_response *resp, int code, const char *what)
{
	notify_auth_error(resp, 429, code, what);
	return false;
}

/* ---- identification ---- */

/* A failed login from @addr: 401, or 429 once the address used up its
 * failures. */
static enum notify_auth_rc fail(struct notify_room *r,
				const struct ntfy_vkey *addr, bool ex,
				struct http_response *resp)
{
	struct ntfy_visitor *v = ex ? NULL : visitor(r, addr);
	if (v)
		ntfy_bucket_take(&v->auth_failures, &r->auth->limits.auth_failures,
				 now_ms(r), 1);
	r->auth->failures++;
	notify_auth_error(resp, 401, 40101, "unauthorized");
	return NOTIFY_AUTH_ANSWERED;
}

static void who_user(struct notify_who *who, const struct auth_user *u)
{
	who->user_id = u->id;
	snprintf(who->user, sizeof(who->user), "%s", u->name);
	who->admin = u->admin;
	who->visitor = ntfy_vkey_user(u->id);
}

/* One password check on the pool; requests with the same credentials
 * that come while it runs wait for it too. */
#define VERIFY_WAITERS 8
struct verify_job {
	struct notify_room *r;
	struct verify_job *next; /* a->verifying_jobs */
	uint8_t key[32];	 /* seen_key of the credentials */
	struct http_pending *p[VERIFY_WAITERS];
	bool gone[VERIFY_WAITERS]; /* that client left */
	int n;
	char hash[crypto_pwhash_STRBYTES];
	char user[NTFY_USER_MAX + 1];
	char pass[NTFY_SECRET_MAX + 1];
	int64_t user_id; /* 0: a user that does not exist */
	struct ntfy_vkey addr;
	bool exempt, ok;
};

static void verify_work(void *ud)
{
	struct verify_job *j = ud;
	j->ok = crypto_pwhash_str_verify(j->hash, j->pass, strlen(j->pass)) == 0;
}

static void verify_abort(struct http_pending *p, void *ud)
{
	struct verify_job *j = ud;
	for (int i = 0; i < j->n; i++)
		if (j->p[i] == p)
			j->gone[i] = true;
}

static void verify_done(void *ud, int status)
{
	struct verify_job *j = ud;
	struct notify_room *r = j->r;
	struct notify_auth *a = r->auth;
	a->verifying--;
	for (struct verify_job **pp = &a->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	struct auth_user *u = j->user_id ? notify_auth_user_by_id(a, j->user_id)
					 : NULL;
	/* The user may have gone (or changed) while the check ran. */
	bool ok = status == 0 && j->ok && u && strcmp(u->hash, j->hash) == 0;
	if (ok)
		seen_add(a, j->key, j->user_id, now_ms(r));
	for (int i = 0; i < j->n; i++) {
		if (j->gone[i] || status) {
			http_pending_finish(j->p[i]);
		} else if (ok) {
			http_pending_retry(j->p[i]); /* the handler runs again */
		} else {
			fail(r, &j->addr, j->exempt, http_pending_response(j->p[i]));
			http_pending_finish(j->p[i]);
		}
	}
	sodium_memzero(j->pass, sizeof(j->pass));
	free(j);
	notify_auth_job_done(r);
}

/* Starts checking @c's password off the loop (or joins the check of the
 * same credentials already running). */
static enum notify_auth_rc verify_later(struct notify_room *r,
					const struct http_request *req,
					struct http_response *resp,
					const struct ntfy_cred *c,
					const struct auth_user *u,
					const uint8_t key[32],
					const struct ntfy_vkey *addr, bool ex)
{
	struct notify_auth *a = r->auth;
	struct verify_job *j = a->jobs;
	while (j && sodium_memcmp(j->key, key, 32) != 0)
		j = j->next;
	if (j && j->n < VERIFY_WAITERS && http_request_retries(req) <= 2) {
		struct http_pending *p = http_defer(req, resp, verify_abort, j);
		if (!p)
			return NOTIFY_AUTH_ANSWERED;
		j->p[j->n++] = p;
		return NOTIFY_AUTH_LATER;
	}
	if (j || a->verifying >= AUTH_VERIFY_MAX ||
	    http_request_retries(req) > 2) {
		notify_auth_error(resp, 429, 42909,
				  "limit reached: too many auth attempts");
		return NOTIFY_AUTH_ANSWERED;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		notify_auth_error(resp, 500, 50001, "internal server error");
		return NOTIFY_AUTH_ANSWERED;
	}
	j->r = r;
	memcpy(j->key, key, 32);
	snprintf(j->hash, sizeof(j->hash), "%s", u ? u->hash : dummy_hash);
	snprintf(j->user, sizeof(j->user), "%s", c->user);
	snprintf(j->pass, sizeof(j->pass), "%s", c->secret);
	j->user_id = u ? u->id : 0;
	j->addr = *addr;
	j->exempt = ex;
	j->p[0] = http_defer(req, resp, verify_abort, j);
	if (!j->p[0]) {
		free(j);
		return NOTIFY_AUTH_ANSWERED;
	}
	j->n = 1;
	if (notify_auth_job_submit(r, false, verify_work, verify_done, j)) {
		notify_auth_error(http_pending_response(j->p[0]), 503, 50001,
				  "the notify room is shutting down");
		http_pending_finish(j->p[0]);
		sodium_memzero(j->pass, sizeof(j->pass));
		free(j);
		return NOTIFY_AUTH_LATER;
	}
	a->verifying++;
	j->next = a->jobs;
	a->jobs = j;
	return NOTIFY_AUTH_LATER;
}

/* Who @req is: OK with *who filled, or answered, or later. */
static enum notify_auth_rc identify(struct notify_room *r,
				    const struct http_request *req,
				    struct http_response *resp,
				    struct notify_who *who)
{
	struct notify_auth *a = r->auth;
	const struct cfg_notify *n = notify_config(r->cfg);
	struct sockaddr_any sa = http_request_client(req);
	struct ntfy_vkey addr = addr_key(&sa);
	memset(who, 0, sizeof(*who));
	who->visitor = addr;
	who->exempt = exempt(n, &sa);

	const char *q = http_request_arg(req, "auth");
	if (!q || !*q)
		q = http_request_arg(req, "authorization");
	struct ntfy_cred c;
	enum ntfy_cred_kind kind = ntfy_cred_parse(
		http_request_header(req, "Authorization"), q, &c);
	if (kind == NTFY_CRED_NONE)
		return NOTIFY_AUTH_OK;
	/* Too many failures from this address: not even a try. */
	struct ntfy_visitor *v = who->exempt ? NULL : visitor(r, &addr);
	if (v && ntfy_bucket_tokens(&v->auth_failures, &a->limits.auth_failures,
				    now_ms(r)) < 1) {
		a->limited++;
		limited(resp, 42909, "limit reached: too many auth failures");
		return NOTIFY_AUTH_ANSWERED;
	}
	enum notify_auth_rc rc = NOTIFY_AUTH_OK;
	if (kind == NTFY_CRED_TOKEN) {
		uint8_t h[32];
		notify_auth_token_hash(c.secret, h);
		struct auth_token *t = NULL;
		for (size_t i = 0; i < a->n_tokens && !t; i++)
			if (sodium_memcmp(a->tokens[i].hash, h, 32) == 0)
				t = &a->tokens[i];
		struct auth_user *u = t ? notify_auth_user_by_id(a, t->user_id)
					: NULL;
		if (!u || (t->expires && t->expires <= clock_wall_s(r->clock)))
			rc = fail(r, &addr, who->exempt, resp);
		else
			who_user(who, u);
	} else if (kind == NTFY_CRED_BASIC) {
		struct auth_user *u = notify_auth_user_by_name(a, c.user);
		uint8_t k[32];
		seen_key(a, c.user, c.secret, k);
		struct auth_seen *s = u ? seen_find(a, k, now_ms(r)) : NULL;
		if (s && s->user_id == u->id)
			who_user(who, u);
		else
			rc = verify_later(r, req, resp, &c, u, k, &addr,
					  who->exempt);
	} else {
		rc = fail(r, &addr, who->exempt, resp);
	}
	sodium_memzero(&c, sizeof(c));
	return rc;
}

bool notify_auth_allowed(struct notify_room *r, const struct notify_who *who,
			 const char *topic, unsigned want)
{
	struct notify_auth *a = r->auth;
	unsigned p = ntfy_acl_resolve(who->admin, who->user_id ? who->user : NULL,
				      a->acl, a->n_acl, topic, a->default_perm);
	return (p & want) == want;
}

enum notify_auth_rc notify_auth_check(struct notify_room *r,
				      const struct http_request *req,
				      struct http_response *resp,
				      const char *topics, unsigned want,
				      struct notify_who *who)
{
	enum notify_auth_rc rc = identify(r, req, resp, who);
	if (rc != NOTIFY_AUTH_OK)
		return rc;
	if (!who->exempt) {
		struct ntfy_visitor *v = visitor(r, &who->visitor);
		if (!v || !ntfy_bucket_take(&v->requests, &r->auth->limits.requests,
					    now_ms(r), 1)) {
			r->auth->limited++;
			limited(resp, 42901, "limit reached: too many requests");
			return NOTIFY_AUTH_ANSWERED;
		}
	}
	for (const char *t = topics; t && *t;) {
		const char *comma = strchr(t, ',');
		size_t len = comma ? (size_t)(comma - t) : strlen(t);
		char one[NTFY_PATTERN_MAX + 1];
		if (len && len < sizeof(one)) {
			memcpy(one, t, len);
			one[len] = '\0';
			if (!notify_auth_allowed(r, who, one, want)) {
				r->auth->denied++;
				notify_auth_error(resp, 403, 40301, "forbidden");
				return NOTIFY_AUTH_ANSWERED;
			}
		}
		t = comma ? comma + 1 : t + len;
	}
	return NOTIFY_AUTH_OK;
}

bool notify_auth_sub_open(struct notify_room *r, const struct notify_who *who,
			  struct http_response *resp)
{
	if (who->exempt)
		return true;
	struct ntfy_visitor *v = visitor(r, &who->visitor);
	if (!v || v->subs >= r->auth->limits.subscriptions) {
		r->auth->limited++;
		return limited(resp, 42903,
			       "limit reached: too many active subscriptions");
	}
	v->subs++;
	return true;
}

void notify_auth_sub_close(struct notify_room *r, const struct notify_who *who)
{
	if (who->exempt)
		return;
	struct ntfy_visitor *v = ntfy_vtable_find(&r->auth->visitors,
						  &who->visitor);
	if (v && v->subs > 0)
		v->subs--;
}

bool notify_auth_publish(struct notify_room *r, const struct notify_who *who,
			 int64_t attach_bytes, struct http_response *resp)
{
	if (who->exempt)
		return true;
	struct notify_auth *a = r->auth;
	struct ntfy_visitor *v = visitor(r, &who->visitor);
	if (!v)
		return limited(resp, 42901, "limit reached: too many requests");
	if (attach_bytes > 0 &&
	    ntfy_bucket_tokens(&v->bandwidth, &a->limits.bandwidth, now_ms(r)) <
		    attach_bytes) {
		a->limited++;
		notify_auth_error(resp, 413, 41301,
				  "attachment too large, or bandwidth limit "
				  "reached");
		return false;
	}
	if (!ntfy_bucket_take(&v->messages, &a->limits.messages, now_ms(r), 1)) {
		a->limited++;
		return limited(resp, 42908,
			       "limit reached: daily message quota reached");
	}
	if (attach_bytes > 0)
		ntfy_bucket_take(&v->bandwidth, &a->limits.bandwidth, now_ms(r),
				 attach_bytes);
	return true;
}

void notify_auth_collect(struct buf *out, struct notify_room *r)
{
	struct notify_auth *a = r->auth;
	if (!a)
		return;
	metrics_value(out, "hearth_notify_auth_failures_total", "counter",
		      "requests answered 401: wrong or unknown credentials",
		      (double)a->failures);
	metrics_value(out, "hearth_notify_auth_denied_total", "counter",
		      "requests answered 403 by the ACL", (double)a->denied);
	metrics_value(out, "hearth_notify_limited_total", "counter",
		      "requests over a visitor limit (429, 413)",
		      (double)a->limited);
	metrics_value(out, "hearth_notify_users", "gauge", "ntfy users",
		      (double)a->n_users);
	metrics_value(out, "hearth_notify_visitors", "gauge",
		      "visitors whose limits are remembered",
		      (double)a->visitors.n);
}

/* ---- lifecycle ---- */

int notify_auth_open(struct notify_room *r, const struct room_ctx *ctx)
{
	if (sodium_init() < 0)
		return -EIO;
	struct notify_auth *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	r->auth = a;
	a->workq = ctx->workq;
	randombytes_buf(a->seen_secret, sizeof(a->seen_secret));
	const struct cfg_notify *n = notify_config(r->cfg);
	limits_from(a, n);
	int rc = ntfy_vtable_init(&a->visitors, (size_t)n->limits.visitors);
	if (!rc)
		rc = notify_auth_load(r);
	if (!rc && ctx->http)
		rc = notify_auth_api_register(r, ctx->http);
	if (rc)
		log_error("notify", "access control: %s", rc == -ENOMEM ?
			  "out of memory" : "cannot load users and ACL");
	return rc;
}

void notify_auth_reload(struct notify_room *r, const struct config *cfg)
{
	if (r->auth)
		limits_from(r->auth, notify_config(cfg));
}

void notify_auth_free(struct notify_room *r)
{
	struct notify_auth *a = r->auth;
	if (!a)
		return;
	notify_auth_clear_tables(a);
	ntfy_vtable_free(&a->visitors);
	sodium_memzero(a, sizeof(*a));
	free(a);
	r->auth = NULL;
}

int64_t notify_upload_bytes(struct notify_room *r,
			    const struct http_request *req)
{
	static const char *const headers[] = {"X-Filename", "Filename"};
	static const char *const args[] = {"filename", "file", "f"};
	if ((int64_t)req->body_len > notify_config(r->cfg)->message_size_limit)
		return (int64_t)req->body_len;
	for (size_t i = 0; i < 2; i++)
		if (http_request_header(req, headers[i]))
			return (int64_t)req->body_len;
	for (size_t i = 0; i < 3; i++)
		if (http_request_arg(req, args[i]))
			return (int64_t)req->body_len;
	return 0;
}
