/* SPDX-License-Identifier: MIT */
/* The notify room's management API on http.listen: users, tokens and access under /api/v1/notify/ (management key). */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "notify/auth_priv.h"
#include "notify/auth_store.h"
#include "notify/internal.h"

#define USERS "/api/v1/notify/users"
#define TOKENS "/api/v1/notify/tokens"
#define ACCESS "/api/v1/notify/access"

static struct notify_auth_write *new_write(struct notify_room *r,
					   enum notify_auth_op op,
					   struct http_response *resp)
{
	struct notify_auth_write *w = calloc(1, sizeof(*w));
	if (!w) {
		http_reply_error(resp, 500, "out of memory");
		return NULL;
	}
	w->r = r;
	w->op = op;
	w->now = clock_wall_s(r->clock);
	return w;
}

static json_t *body_object(const struct http_request *req,
			   struct http_response *resp)
{
	json_error_t e;
	json_t *j = json_loadb(req->body, req->body_len, 0, &e);
	if (!json_is_object(j)) {
		json_decref(j);
		http_reply_error(resp, 400, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* The string member @key of @j, or NULL (then @resp is a 400 when the
 * member is there but not a string). */
static const char *str(json_t *j, const char *key, struct http_response *resp,
		       bool *bad)
{
	json_t *v = json_object_get(j, key);
	if (v && !json_is_string(v)) {
		http_reply_error(resp, 400, "%s must be a string", key);
		*bad = true;
	}
	return json_string_value(v);
}

/* "*" and "everyone" are everyone. */
static const char *acl_user(const char *name)
{
	return name && strcmp(name, "everyone") == 0 ? "*" : name;
}

static const char *role_name(const struct auth_user *u)
{
	return u->admin ? "admin" : "user";
}

/* The path's last segment after @prefix "/" (percent-decoded by the
 * server), or NULL. */
static const char *tail(const struct http_request *req, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(req->path, prefix, n) || req->path[n] != '/' ||
	    !req->path[n + 1])
		return NULL;
	return req->path + n + 1;
}

/* ---- users ---- */

static void users_get(const struct http_request *req,
		      struct http_response *resp, void *ud)
{
	(void)req;
	struct notify_room *r = ud;
	struct notify_auth *a = r->auth;
	json_t *arr = json_array();
	for (size_t i = 0; i < a->n_users; i++) {
		const struct auth_user *u = &a->users[i];
		json_t *grants = json_array();
		for (size_t k = 0; k < a->n_acl; k++)
			if (strcmp(a->acl[k].user, u->name) == 0)
				json_array_append_new(
					grants,
					json_pack("{s:s, s:s}", "topic",
						  a->acl[k].pattern, "permission",
						  ntfy_perm_name(a->acl[k].perm)));
		int tokens = 0;
		for (size_t k = 0; k < a->n_tokens; k++)
			tokens += a->tokens[k].user_id == u->id;
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:I, s:i, s:o}", "username",
				       u->name, "role", role_name(u), "created",
				       (json_int_t)u->created, "tokens", tokens,
				       "grants", grants));
	}
	http_reply_json(resp, 200, arr);
}

static bool role_parse(const char *role, bool *admin)
{
	if (!role || strcmp(role, "user") == 0)
		*admin = false;
	else if (strcmp(role, "admin") == 0)
		*admin = true;
	else
		return false;
	return true;
}

static bool password_ok(const char *p, struct http_response *resp)
{
	size_t n = strlen(p);
	if (n == 0 || n > NTFY_SECRET_MAX) {
		http_reply_error(resp, 400, "password must be 1 to %d bytes",
				 NTFY_SECRET_MAX);
		return false;
	}
	return true;
}

static void users_post(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	json_t *j = body_object(req, resp);
	if (!j)
		return;
	bool bad = false, admin = false;
	const char *name = str(j, "username", resp, &bad);
	const char *pass = str(j, "password", resp, &bad);
	const char *role = str(j, "role", resp, &bad);
	if (bad)
		goto out;
	if (!name || !ntfy_user_valid(name)) {
		http_reply_error(resp, 400, "username must be 1-64 of A-Z a-z "
				 "0-9 - _ . + @");
		goto out;
	}
	if (!pass) {
		http_reply_error(resp, 400, "password missing");
		goto out;
	}
	if (!password_ok(pass, resp))
		goto out;
	if (!role_parse(role, &admin)) {
		http_reply_error(resp, 400, "role must be user or admin");
		goto out;
	}
	if (notify_auth_user_by_name(r->auth, name)) {
		http_reply_error(resp, 409, "user %s exists", name);
		goto out;
	}
	struct notify_auth_write *w = new_write(r, AUTH_USER_ADD, resp);
	if (!w)
		goto out;
	snprintf(w->user, sizeof(w->user), "%s", name);
	w->password = strdup(pass);
	w->admin = admin;
	w->answer = json_pack("{s:s, s:s}", "username", name, "role",
			      admin ? "admin" : "user");
	w->status = 201;
	if (!w->password) {
		notify_auth_write_free(w);
		http_reply_error(resp, 500, "out of memory");
		goto out;
	}
	notify_auth_write_submit(w, req, resp);
out:
	json_decref(j);
}

static void user_put(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	const char *name = tail(req, USERS);
	struct auth_user *u = name ? notify_auth_user_by_name(r->auth, name)
				   : NULL;
	if (!u) {
		http_reply_error(resp, 404, "no such user");
		return;
	}
	json_t *j = body_object(req, resp);
	if (!j)
		return;
	bool bad = false, admin = u->admin;
	const char *pass = str(j, "password", resp, &bad);
	const char *role = str(j, "role", resp, &bad);
	if (bad || (pass && !password_ok(pass, resp)))
		goto out;
	if (role && !role_parse(role, &admin)) {
		http_reply_error(resp, 400, "role must be user or admin");
		goto out;
	}
	struct notify_auth_write *w = new_write(r, AUTH_USER_CHANGE, resp);
	if (!w)
		goto out;
	snprintf(w->user, sizeof(w->user), "%s", u->name);
	w->password = pass ? strdup(pass) : NULL;
	w->admin = admin;
	w->set_role = role != NULL;
	w->answer = json_pack("{s:s, s:s}", "username", u->name, "role",
			      admin ? "admin" : "user");
	notify_auth_write_submit(w, req, resp);
out:
	json_decref(j);
}

static void user_delete(const struct http_request *req,
			struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	const char *name = tail(req, USERS);
	struct auth_user *u = name ? notify_auth_user_by_name(r->auth, name)
				   : NULL;
	if (!u) {
		http_reply_error(resp, 404, "no such user");
		return;
	}
	struct notify_auth_write *w = new_write(r, AUTH_USER_DEL, resp);
	if (!w)
		return;
	snprintf(w->user, sizeof(w->user), "%s", u->name);
	w->answer = json_pack("{s:s, s:b}", "username", u->name, "deleted", 1);
	notify_auth_write_submit(w, req, resp);
}

/* ---- tokens ---- */

static void tokens_get(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	struct notify_auth *a = r->auth;
	const char *only = http_request_arg(req, "username");
	json_t *arr = json_array();
	for (size_t i = 0; i < a->n_tokens; i++) {
		const struct auth_token *t = &a->tokens[i];
		const struct auth_user *u = notify_auth_user_by_id(a, t->user_id);
		if (!u || (only && strcmp(only, u->name)))
			continue;
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:I, s:I}", "username",
				       u->name, "token", t->prefix, "label",
				       t->label, "expires", (json_int_t)t->expires,
				       "created", (json_int_t)t->created));
	}
	http_reply_json(resp, 200, arr);
}

static void tokens_post(const struct http_request *req,
			struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	json_t *j = body_object(req, resp);
	if (!j)
		return;
	bool bad = false;
	const char *name = str(j, "username", resp, &bad);
	const char *label = str(j, "label", resp, &bad);
	json_t *exp = json_object_get(j, "expires");
	if (bad)
		goto out;
	struct auth_user *u = name ? notify_auth_user_by_name(r->auth, name)
				   : NULL;
	if (!u) {
		http_reply_error(resp, 404, "no such user");
		goto out;
	}
	if (exp && (!json_is_integer(exp) || json_integer_value(exp) < 0)) {
		http_reply_error(resp, 400, "expires must be a unix time "
				 "(0: never)");
		goto out;
	}
	if (label && strlen(label) > 256) {
		http_reply_error(resp, 400, "label longer than 256 bytes");
		goto out;
	}
	struct notify_auth_write *w = new_write(r, AUTH_TOKEN_ADD, resp);
	if (!w)
		goto out;
	/* "tk_" + 29 of [a-z0-9], as ntfy makes them. */
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char token[NTFY_TOKEN_LEN + 1] = "tk_";
	for (int i = 3; i < NTFY_TOKEN_LEN; i++)
		token[i] = alnum[randombytes_uniform(sizeof(alnum) - 1)];
	token[NTFY_TOKEN_LEN] = '\0';
	notify_auth_token_hash(token, w->token_hash);
	snprintf(w->prefix, sizeof(w->prefix), "%.8s", token);
	w->user_id = u->id;
	w->label = strdup(label ? label : "");
	w->expires = exp ? (int64_t)json_integer_value(exp) : 0;
	w->answer = json_pack("{s:s, s:s, s:s, s:I}", "username", u->name,
			      "token", token, "label", label ? label : "",
			      "expires", (json_int_t)w->expires);
	w->status = 201;
	sodium_memzero(token, sizeof(token));
	notify_auth_write_submit(w, req, resp);
out:
	json_decref(j);
}

/* DELETE /tokens/TOKEN (the whole token, or the prefix a list shows
 * when only one token has it). */
static void token_delete(const struct http_request *req,
			 struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	struct notify_auth *a = r->auth;
	const char *tok = tail(req, TOKENS);
	const struct auth_token *hit = NULL;
	int hits = 0;
	if (tok && ntfy_token_valid(tok)) {
		uint8_t h[32];
		notify_auth_token_hash(tok, h);
		for (size_t i = 0; i < a->n_tokens; i++)
			if (sodium_memcmp(a->tokens[i].hash, h, 32) == 0) {
				hit = &a->tokens[i];
				hits = 1;
			}
	} else if (tok && strlen(tok) >= 4) {
		for (size_t i = 0; i < a->n_tokens; i++)
			if (strcmp(a->tokens[i].prefix, tok) == 0) {
				hit = &a->tokens[i];
				hits++;
			}
	}
	if (!hits) {
		http_reply_error(resp, 404, "no such token");
		return;
	}
	if (hits > 1) {
		http_reply_error(resp, 409, "%d tokens start with %s: give the "
				 "whole token", hits, tok);
		return;
	}
	struct notify_auth_write *w = new_write(r, AUTH_TOKEN_DEL, resp);
	if (!w)
		return;
	memcpy(w->token_hash, hit->hash, 32);
	w->answer = json_pack("{s:s, s:b}", "token", hit->prefix, "deleted", 1);
	notify_auth_write_submit(w, req, resp);
}

/* ---- access ---- */

static void access_get(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	(void)req;
	struct notify_room *r = ud;
	struct notify_auth *a = r->auth;
	json_t *arr = json_array();
	for (size_t i = 0; i < a->n_acl; i++)
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s}", "username",
				       a->acl[i].user, "topic", a->acl[i].pattern,
				       "permission",
				       ntfy_perm_name(a->acl[i].perm)));
	http_reply_json(resp, 200,
			json_pack("{s:s, s:o}", "default",
				  ntfy_perm_name(a->default_perm), "access", arr));
}

static void access_post(const struct http_request *req,
			struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	json_t *j = body_object(req, resp);
	if (!j)
		return;
	bool bad = false;
	const char *name = acl_user(str(j, "username", resp, &bad));
	const char *topic = str(j, "topic", resp, &bad);
	const char *perm = str(j, "permission", resp, &bad);
	if (bad)
		goto out;
	if (!name || (strcmp(name, "*") && !notify_auth_user_by_name(r->auth, name))) {
		http_reply_error(resp, 404, "no such user (\"*\" is everyone)");
		goto out;
	}
	if (!topic || !ntfy_pattern_valid(topic)) {
		http_reply_error(resp, 400, "topic must be 1-64 of A-Z a-z 0-9 "
				 "- _ and * (any characters)");
		goto out;
	}
	int p = perm ? ntfy_perm_parse(perm) : -1;
	if (p < 0) {
		http_reply_error(resp, 400, "permission must be read-write, "
				 "read-only, write-only or deny");
		goto out;
	}
	struct notify_auth_write *w = new_write(r, AUTH_ACCESS_SET, resp);
	if (!w)
		goto out;
	snprintf(w->user, sizeof(w->user), "%s", name);
	snprintf(w->pat, sizeof(w->pat), "%s", topic);
	w->pattern = w->pat;
	w->perm = (unsigned)p;
	w->answer = json_pack("{s:s, s:s, s:s}", "username", name, "topic",
			      topic, "permission", ntfy_perm_name((unsigned)p));
	notify_auth_write_submit(w, req, resp);
out:
	json_decref(j);
}

/* DELETE /access/USER[/TOPIC]: resets one entry, or all of a user's. */
static void access_delete(const struct http_request *req,
			  struct http_response *resp, void *ud)
{
	struct notify_room *r = ud;
	const char *rest = tail(req, ACCESS);
	char user[NTFY_USER_MAX + 1];
	const char *slash = rest ? strchr(rest, '/') : NULL;
	size_t n = rest ? (slash ? (size_t)(slash - rest) : strlen(rest)) : 0;
	if (!n || n >= sizeof(user)) {
		http_reply_error(resp, 404, "no such user");
		return;
	}
	memcpy(user, rest, n);
	user[n] = '\0';
	const char *name = acl_user(user);
	struct notify_auth_write *w = new_write(r, AUTH_ACCESS_DEL, resp);
	if (!w)
		return;
	snprintf(w->user, sizeof(w->user), "%s", name);
	if (slash && slash[1]) {
		snprintf(w->pat, sizeof(w->pat), "%s", slash + 1);
		w->pattern = w->pat;
	}
	w->answer = json_pack("{s:s, s:s, s:b}", "username", name, "topic",
			      w->pattern ? w->pattern : "*", "reset", 1);
	notify_auth_write_submit(w, req, resp);
}

static const struct http_route routes[] = {
	{.name = "notify_users", .method = "GET", .path = USERS,
	 .management = true, .fn = users_get,
	 .help = "notify: users, their roles and grants"},
	{.name = "notify_users", .method = "POST", .path = USERS,
	 .management = true, .fn = users_post,
	 .help = "notify: add a user {username, password, role}"},
	{.name = "notify_users", .method = "PUT", .path = USERS "/",
	 .prefix = true, .management = true, .fn = user_put,
	 .help = "notify: change a user's password or role"},
	{.name = "notify_users", .method = "DELETE", .path = USERS "/",
	 .prefix = true, .management = true, .fn = user_delete,
	 .help = "notify: remove a user, its tokens and grants"},
	{.name = "notify_tokens", .method = "GET", .path = TOKENS,
	 .management = true, .fn = tokens_get,
	 .help = "notify: access tokens (prefixes only)"},
	{.name = "notify_tokens", .method = "POST", .path = TOKENS,
	 .management = true, .fn = tokens_post,
	 .help = "notify: new token {username, label, expires}"},
	{.name = "notify_tokens", .method = "DELETE", .path = TOKENS "/",
	 .prefix = true, .management = true, .fn = token_delete,
	 .help = "notify: remove a token"},
	{.name = "notify_access", .method = "GET", .path = ACCESS,
	 .management = true, .fn = access_get,
	 .help = "notify: the ACL and the default access"},
	{.name = "notify_access", .method = "POST", .path = ACCESS,
	 .management = true, .fn = access_post,
	 .help = "notify: grant {username, topic, permission}"},
	{.name = "notify_access", .method = "DELETE", .path = ACCESS "/",
	 .prefix = true, .management = true, .fn = access_delete,
	 .help = "notify: reset a user's grants (USER[/TOPIC])"},
};

int notify_auth_api_register(struct notify_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
