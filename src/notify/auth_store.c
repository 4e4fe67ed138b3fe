/* SPDX-License-Identifier: MIT */
/* The notify room's users, tokens and ACL in SQLite: loaded at open, written on the strand, durable before the answer. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/sql.h"
#include "notify/auth_priv.h"
#include "notify/internal.h"
#include "notify/auth_store.h"

void notify_auth_clear_tables(struct notify_auth *a)
{
	for (size_t i = 0; i < a->n_users; i++) {
		sodium_memzero(a->users[i].hash, strlen(a->users[i].hash));
		free(a->users[i].hash);
	}
	for (size_t i = 0; i < a->n_tokens; i++)
		free(a->tokens[i].label);
	for (size_t i = 0; i < a->n_acl; i++) {
		free((char *)a->acl[i].user);
		free((char *)a->acl[i].pattern);
	}
	free(a->users);
	free(a->tokens);
	free(a->acl);
	a->users = NULL;
	a->tokens = NULL;
	a->acl = NULL;
	a->n_users = a->n_tokens = a->n_acl = 0;
}

/* *@arr (of @size bytes each) with room for one more than @n. */
static void *grow(void *arr, size_t n, size_t size)
{
	return realloc(arr, (n + 1) * size);
}

static int load_into(struct store *s, struct notify_auth *a)
{
	struct sql_rows q;
	int err = 0;
	sql_query(s, &q, "SELECT id, name, hash, role, created FROM notify_users "
		  "ORDER BY name", "");
	while (!err && sql_next(&q)) {
		struct auth_user *u = grow(a->users, a->n_users, sizeof(*u));
		char *h = strdup(sql_col_text(&q, 2));
		if (!u || !h) {
			free(h);
			if (u)
				a->users = u;
			err = -ENOMEM;
			break;
		}
		a->users = u;
		u = &a->users[a->n_users++];
		memset(u, 0, sizeof(*u));
		u->id = sql_col_int(&q, 0);
		snprintf(u->name, sizeof(u->name), "%s", sql_col_text(&q, 1));
		u->hash = h;
		u->admin = strcmp(sql_col_text(&q, 3), "admin") == 0;
		u->created = sql_col_int(&q, 4);
	}
	if (err)
		sql_stop(&q, err);
	err = sql_end(&q);
	if (err)
		return err;
	sql_query(s, &q, "SELECT hash, prefix, user_id, label, expires, created "
		  "FROM notify_tokens ORDER BY created, prefix", "");
	while (!err && sql_next(&q)) {
		size_t hl = 0;
		const void *h = sql_col_blob(&q, 0, &hl);
		if (hl != 32)
			continue;
		struct auth_token *t = grow(a->tokens, a->n_tokens, sizeof(*t));
		char *label = strdup(sql_col_text(&q, 3));
		if (!t || !label) {
			free(label);
			if (t)
				a->tokens = t;
			err = -ENOMEM;
			break;
		}
		a->tokens = t;
		t = &a->tokens[a->n_tokens++];
		memcpy(t->hash, h, 32);
		snprintf(t->prefix, sizeof(t->prefix), "%s", sql_col_text(&q, 1));
		t->user_id = sql_col_int(&q, 2);
		t->label = label;
		t->expires = sql_col_int(&q, 4);
		t->created = sql_col_int(&q, 5);
	}
	if (err)
		sql_stop(&q, err);
	err = sql_end(&q);
	if (err)
		return err;
	sql_query(s, &q, "SELECT user, pattern, perm FROM notify_access "
		  "ORDER BY user, pattern", "");
	while (!err && sql_next(&q)) {
		struct ntfy_acl_entry *e = grow(a->acl, a->n_acl, sizeof(*e));
		char *user = strdup(sql_col_text(&q, 0));
		char *pat = strdup(sql_col_text(&q, 1));
		if (!e || !user || !pat) {
			free(user);
			free(pat);
			if (e)
				a->acl = e;
			err = -ENOMEM;
			break;
		}
		a->acl = e;
		a->acl[a->n_acl++] = (struct ntfy_acl_entry){
			.user = user, .pattern = pat,
			.perm = (unsigned)sql_col_int(&q, 2) & NTFY_PERM_RW};
	}
	if (err)
		sql_stop(&q, err);
	return sql_end(&q);
}

int notify_auth_load(struct notify_room *r)
{
	struct notify_auth *a = r->auth;
	struct notify_auth fresh = {0};
	int err = load_into(r->store, &fresh);
	if (err) {
		notify_auth_clear_tables(&fresh);
		return err;
	}
	notify_auth_clear_tables(a);
	a->users = fresh.users;
	a->n_users = fresh.n_users;
	a->tokens = fresh.tokens;
	a->n_tokens = fresh.n_tokens;
	a->acl = fresh.acl;
	a->n_acl = fresh.n_acl;
	return 0;
}

/* ---- jobs ---- */

int notify_auth_job_submit(struct notify_room *r, bool strand,
			   workq_work_fn work, workq_done_fn done, void *ud)
{
	if (strand)
		return notify_strand_submit(r, work, done, ud);
	int rc = workq_submit(r->auth->workq, work, done, ud);
	if (!rc)
		r->pending++;
	return rc;
}

void notify_auth_job_done(struct notify_room *r)
{
	notify_strand_done(r);
}

static void write_work(void *ud)
{
	struct notify_auth_write *w = ud;
	struct store *s = w->r->wstore;
	if (w->op == AUTH_USER_ADD || (w->op == AUTH_USER_CHANGE && w->password)) {
		if (crypto_pwhash_str(w->hash, w->password, strlen(w->password),
				      NOTIFY_PWHASH_OPS, NOTIFY_PWHASH_MEM)) {
			w->rc = -ENOMEM;
			return;
		}
	}
	struct sql_txn t;
	sql_begin(s, &t);
	int n = 0;
	switch (w->op) {
	case AUTH_USER_ADD:
		sql_run(&t, NULL,
			"INSERT INTO notify_users(name, hash, role, created) "
			"VALUES(?, ?, ?, ?)",
			"ttti", w->user, w->hash, w->admin ? "admin" : "user",
			w->now);
		break;
	case AUTH_USER_CHANGE:
		if (w->password)
			sql_run(&t, &n, "UPDATE notify_users SET hash = ? WHERE "
				"name = ?", "tt", w->hash, w->user);
		if (w->set_role)
			sql_run(&t, &n, "UPDATE notify_users SET role = ? WHERE "
				"name = ?", "tt", w->admin ? "admin" : "user",
				w->user);
		break;
	case AUTH_USER_DEL:
		sql_run(&t, NULL, "DELETE FROM notify_tokens WHERE user_id = "
			"(SELECT id FROM notify_users WHERE name = ?)", "t",
			w->user);
		sql_run(&t, NULL, "DELETE FROM notify_access WHERE user = ?", "t",
			w->user);
		sql_run(&t, &n, "DELETE FROM notify_users WHERE name = ?", "t",
			w->user);
		break;
	case AUTH_TOKEN_ADD:
		sql_run(&t, NULL,
			"INSERT INTO notify_tokens(hash, prefix, user_id, label, "
			"expires, created) VALUES(?, ?, ?, ?, ?, ?)",
			"btitii", w->token_hash, (size_t)32, w->prefix,
			w->user_id, w->label ? w->label : "", w->expires, w->now);
		break;
	case AUTH_TOKEN_DEL:
		sql_run(&t, &n, "DELETE FROM notify_tokens WHERE hash = ?", "b",
			w->token_hash, (size_t)32);
		break;
	case AUTH_ACCESS_SET:
		sql_run(&t, NULL,
			"INSERT OR REPLACE INTO notify_access(user, pattern, perm) "
			"VALUES(?, ?, ?)",
			"tti", w->user, w->pattern, (int64_t)w->perm);
		break;
	case AUTH_ACCESS_DEL:
		if (w->pattern)
			sql_run(&t, &n, "DELETE FROM notify_access WHERE user = ? "
				"AND pattern = ?", "tt", w->user, w->pattern);
		else
			sql_run(&t, &n, "DELETE FROM notify_access WHERE user = ?",
				"t", w->user);
		break;
	}
	w->rc = sql_commit(&t);
	w->changed = n;
}

static void write_done(void *ud, int status)
{
	struct notify_auth_write *w = ud;
	struct notify_room *r = w->r;
	struct http_response *resp = http_pending_response(w->p);
	if (status)
		w->rc = status;
	if (!w->rc && notify_auth_load(r))
		w->rc = -EIO;
	if (w->op == AUTH_USER_CHANGE || w->op == AUTH_USER_DEL)
		notify_auth_forget_passwords(r->auth);
	if (w->rc == -ECANCELED)
		notify_auth_error(resp, 503, 50001,
				  "the notify room is shutting down");
	else if (w->rc)
		http_reply_failure(resp, w->rc);
	else if (w->answer)
		http_reply_json(resp, w->status ? w->status : 200,
				json_incref(w->answer));
	else
		resp->status = 204;
	http_pending_finish(w->p);
	notify_auth_write_free(w);
	notify_auth_job_done(r);
}

void notify_auth_write_free(struct notify_auth_write *w)
{
	if (!w)
		return;
	if (w->password) {
		sodium_memzero(w->password, strlen(w->password));
		free(w->password);
	}
	sodium_memzero(w->hash, sizeof(w->hash));
	free(w->label);
	json_decref(w->answer);
	free(w);
}

void notify_auth_write_submit(struct notify_auth_write *w,
			      const struct http_request *req,
			      struct http_response *resp)
{
	w->p = http_defer(req, resp, NULL, NULL);
	if (!w->p) {
		notify_auth_write_free(w);
		return;
	}
	if (notify_auth_job_submit(w->r, true, write_work, write_done, w)) {
		notify_auth_error(http_pending_response(w->p), 503, 50001,
				  "the notify room is shutting down");
		http_pending_finish(w->p);
		notify_auth_write_free(w);
	}
}
