/* SPDX-License-Identifier: MIT */
/* The notify room's users, tokens and ACL on http.listen (management key): what `hearth notify user|token|access` calls. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "notify/auth.h"
#include "notify/internal.h"
#include "proto/notify/ntfy_topic.h"

#define USERS "/api/v1/notify/users"
#define TOKENS "/api/v1/notify/tokens"

enum job_kind { USER_PUT, USER_DEL, TOKEN_PUT, TOKEN_DEL, ACL_PUT };

/* One change, made on the strand (the hash too: argon2id is the slow
 * part), answered after the commit. */
struct auth_job {
	struct notify_room *r;
	struct http_pending *pending;
	enum job_kind kind;
	char a[128], b[128], c[128]; /* name/token/user, password/user/pattern, role/label/perm */
	char hash[crypto_pwhash_STRBYTES];
	int64_t now;
	int changes;
	int rc;
};

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == '@'))
			return false;
	}
	return true;
}

static void job_work(void *ud)
{
	struct auth_job *j = ud;
	struct store *s = j->r->wstore;
	switch (j->kind) {
	case USER_PUT:
		if (crypto_pwhash_str(j->hash, j->b, strlen(j->b),
				      crypto_pwhash_OPSLIMIT_INTERACTIVE,
				      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			j->rc = -ENOMEM;
			break;
		}
		j->rc = notify_store_user_put(s, j->a, j->hash, j->c);
		break;
	case USER_DEL:
		j->rc = notify_store_user_del(s, j->a, &j->changes);
		break;
	case TOKEN_PUT:
		j->rc = notify_store_token_put(s, j->a, j->b, j->c, j->now);
		break;
	case TOKEN_DEL:
		j->rc = notify_store_token_del(s, j->a, &j->changes);
		break;
	case ACL_PUT:
		j->rc = notify_store_acl_put(s, j->a, j->b, j->c[0] ? j->c : NULL);
		break;
	}
	sodium_memzero(j->b, sizeof(j->b));
}

static void job_done(void *ud, int status)
{
	struct auth_job *j = ud;
	struct notify_room *r = j->r;
	struct http_response *resp = http_pending_response(j->pending);
	int rc = status ? status : j->rc;
	if (rc) {
		http_reply_failure(resp, rc);
	} else {
		int lr = notify_auth_load(r->auth, r->store);
		if (lr)
			log_warn("notify", "reloading users: %s", hearth_strerror(lr));
		switch (j->kind) {
		case USER_PUT:
			http_reply_json(resp, 201, json_pack("{s:s, s:s}", "name",
							     j->a, "role", j->c));
			break;
		case TOKEN_PUT:
			http_reply_json(resp, 201, json_pack("{s:s, s:s, s:s, s:I}",
							     "token", j->a, "user", j->b,
							     "label", j->c, "created",
							     (json_int_t)j->now));
			break;
		case USER_DEL:
		case TOKEN_DEL:
			if (!j->changes)
				http_reply_error(resp, 404, "no such %s '%s'",
						 j->kind == USER_DEL ? "user" : "token",
						 j->a);
			else
				resp->status = 204;
			break;
		case ACL_PUT:
			http_reply_json(resp, 200, json_pack("{s:s, s:s, s:s}", "user",
							     j->a, "topic", j->b,
							     "perm", j->c[0] ? j->c : "reset"));
			break;
		}
	}
	http_pending_finish(j->pending);
	sodium_memzero(j, sizeof(*j));
	free(j);
	notify_strand_done(r);
}

static void submit(struct notify_room *r, const struct http_request *req,
		   struct http_response *resp, struct auth_job *j)
{
	j->r = r;
	j->now = clock_wall_s(r->clock);
	j->pending = http_defer(req, resp, NULL, NULL);
	if (!j->pending) {
		free(j);
		return;
	}
	if (notify_strand_submit(r, job_work, job_done, j)) {
		http_reply_error(http_pending_response(j->pending), 503,
				 "the notify room is shutting down");
		http_pending_finish(j->pending);
		free(j);
	}
}

static json_t *body_object(const struct http_request *req,
			   struct http_response *resp)
{
	json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		http_reply_error(resp, 400, "body: a JSON object, please");
		return NULL;
	}
	return j;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void users_list(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	(void)req;
	json_t *a = json_array();
	for (size_t i = 0; i < r->auth->n_users; i++) {
		const struct notify_user *u = &r->auth->users[i];
		size_t tokens = 0;
		for (size_t k = 0; k < r->auth->n_tokens; k++)
			tokens += strcmp(r->auth->tokens[k].user, u->name) == 0;
		json_t *acl = json_array();
		for (size_t k = 0; k < r->auth->n_acl; k++) {
			const struct notify_acl *e = &r->auth->acl[k];
			if (strcmp(e->user, u->name) == 0)
				json_array_append_new(
					acl, json_pack("{s:s, s:s}", "topic", e->pattern,
						       "perm", e->read && e->write ? "read-write"
							       : e->read	  ? "read-only"
							       : e->write	  ? "write-only"
										  : "deny"));
		}
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:o}", "name",
						   u->name, "role",
						   u->admin ? "admin" : "user",
						   "tokens", (json_int_t)tokens,
						   "access", acl));
	}
	http_reply_json(resp, 200, a);
}

static void users_add(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	json_t *o = body_object(req, resp);
	if (!o)
		return;
	const char *name = str(o, "name"), *pass = str(o, "password");
	const char *role = str(o, "role") ? str(o, "role") : "user";
	if (!name || !name_ok(name) || strcmp(name, "*") == 0) {
		http_reply_error(resp, 400, "name: 1-64 of A-Z a-z 0-9 - _ . @");
	} else if (!pass || !*pass || strlen(pass) >= 128) {
		http_reply_error(resp, 400, "password: 1-127 bytes");
	} else if (strcmp(role, "user") && strcmp(role, "admin")) {
		http_reply_error(resp, 400, "role: user or admin");
	} else {
		struct auth_job *j = calloc(1, sizeof(*j));
		if (!j) {
			http_reply_error(resp, 500, "out of memory");
		} else {
			j->kind = USER_PUT;
			snprintf(j->a, sizeof(j->a), "%s", name);
			snprintf(j->b, sizeof(j->b), "%s", pass);
			snprintf(j->c, sizeof(j->c), "%s", role);
			submit(ud, req, resp, j);
		}
	}
	json_decref(o);
}

static void del_by_path(const struct http_request *req,
			struct http_response *resp, void *ud,
			const char *prefix, enum job_kind kind)
{
	const char *key = req->path + strlen(prefix);
	if (!*key || strlen(key) >= 128 || strchr(key, '/')) {
		http_reply_error(resp, 404, "not found");
		return;
	}
	struct auth_job *j = calloc(1, sizeof(*j));
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	j->kind = kind;
	snprintf(j->a, sizeof(j->a), "%s", key);
	submit(ud, req, resp, j);
}

static void users_del(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	del_by_path(req, resp, ud, USERS "/", USER_DEL);
}

static void tokens_list(const struct http_request *req,
			struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	(void)req;
	json_t *a = json_array();
	for (size_t i = 0; i < r->auth->n_tokens; i++) {
		const struct notify_token *t = &r->auth->tokens[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I}", "token",
						   t->token, "user", t->user, "label",
						   t->label, "created",
						   (json_int_t)t->created));
	}
	http_reply_json(resp, 200, a);
}

static void tokens_add(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	json_t *o = body_object(req, resp);
	if (!o)
		return;
	const char *user = str(o, "user");
	const char *label = str(o, "label") ? str(o, "label") : "";
	if (!user || !notify_auth_user(r->auth, user)) {
		http_reply_error(resp, 404, "no such user '%s'", user ? user : "");
	} else if (strlen(label) >= 128) {
		http_reply_error(resp, 400, "label: at most 127 bytes");
	} else {
		struct auth_job *j = calloc(1, sizeof(*j));
		if (!j) {
			http_reply_error(resp, 500, "out of memory");
		} else {
			j->kind = TOKEN_PUT;
			memcpy(j->a, "tk_", 3);
			notify_random_id(j->a + 3, 29);
			snprintf(j->b, sizeof(j->b), "%s", user);
			snprintf(j->c, sizeof(j->c), "%s", label);
			submit(r, req, resp, j);
		}
	}
	json_decref(o);
}

static void tokens_del(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	del_by_path(req, resp, ud, TOKENS "/", TOKEN_DEL);
}

/* {user, topic, perm}: user '*' is everyone; topic a pattern ('*'
 * wildcard); perm as ntfy's (read-write, read-only, write-only, deny) or
 * "reset" to remove the entry. */
static void access_put(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	json_t *o = body_object(req, resp);
	if (!o)
		return;
	const char *user = str(o, "user"), *topic = str(o, "topic");
	const char *perm = str(o, "perm");
	bool rd, wr;
	bool topic_ok = topic && *topic && strlen(topic) <= 64;
	for (const char *p = topic; topic_ok && *p; p++)
		topic_ok = *p == '*' || ntfy_topic_valid(p, 1);
	if (!user || (strcmp(user, "*") && !notify_auth_user(r->auth, user))) {
		http_reply_error(resp, 404, "no such user '%s'", user ? user : "");
	} else if (!topic_ok) {
		http_reply_error(resp, 400, "topic: a topic name or pattern "
				 "(A-Z a-z 0-9 - _ and *)");
	} else if (!perm || (strcmp(perm, "reset") &&
			     notify_perm_parse(perm, &rd, &wr))) {
		http_reply_error(resp, 400, "perm: read-write, read-only, "
				 "write-only, deny or reset");
	} else {
		struct auth_job *j = calloc(1, sizeof(*j));
		if (!j) {
			http_reply_error(resp, 500, "out of memory");
		} else {
			j->kind = ACL_PUT;
			snprintf(j->a, sizeof(j->a), "%s", user);
			snprintf(j->b, sizeof(j->b), "%s", topic);
			if (strcmp(perm, "reset"))
				snprintf(j->c, sizeof(j->c), "%s", perm);
			submit(r, req, resp, j);
		}
	}
	json_decref(o);
}

static const struct http_route routes[] = {
	{.name = "notify_users", .method = "GET", .path = USERS,
	 .management = true, .fn = users_list, .help = "list notify users"},
	{.name = "notify_users", .method = "POST", .path = USERS,
	 .management = true, .fn = users_add,
	 .help = "add (or replace) a notify user: {name, password, role}"},
	{.name = "notify_users", .method = "DELETE", .path = USERS "/",
	 .prefix = true, .management = true, .fn = users_del,
	 .help = "delete a notify user with its tokens and access"},
	{.name = "notify_tokens", .method = "GET", .path = TOKENS,
	 .management = true, .fn = tokens_list, .help = "list access tokens"},
	{.name = "notify_tokens", .method = "POST", .path = TOKENS,
	 .management = true, .fn = tokens_add,
	 .help = "make an access token: {user, label}"},
	{.name = "notify_tokens", .method = "DELETE", .path = TOKENS "/",
	 .prefix = true, .management = true, .fn = tokens_del,
	 .help = "delete an access token"},
	{.name = "notify_access", .method = "PUT", .path = "/api/v1/notify/access",
	 .management = true, .fn = access_put,
	 .help = "set what a user may do on topics: {user, topic, perm}"},
};

int notify_mgmt_auth_register(struct notify_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
