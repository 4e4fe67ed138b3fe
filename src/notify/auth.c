/* SPDX-License-Identifier: MIT */
/* The notify room's users, tokens and ACL in memory: who a request is, and what it may do on a topic. */
#include "notify/auth.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "notify/store.h"

int notify_auth_new(struct notify_auth **out)
{
	if (sodium_init() < 0)
		return -EIO;
	struct notify_auth *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	randombytes_buf(a->key, sizeof(a->key));
	*out = a;
	return 0;
}

static void clear(struct notify_auth *a)
{
	for (size_t i = 0; i < a->n_users; i++) {
		free(a->users[i].name);
		free(a->users[i].hash);
	}
	for (size_t i = 0; i < a->n_tokens; i++) {
		free(a->tokens[i].token);
		free(a->tokens[i].user);
		free(a->tokens[i].label);
	}
	for (size_t i = 0; i < a->n_acl; i++) {
		free(a->acl[i].user);
		free(a->acl[i].pattern);
	}
	free(a->users);
	free(a->tokens);
	free(a->acl);
	a->users = NULL;
	a->tokens = NULL;
	a->acl = NULL;
	a->n_users = a->n_tokens = a->n_acl = 0;
}

void notify_auth_free(struct notify_auth *a)
{
	if (!a)
		return;
	clear(a);
	sodium_memzero(a->key, sizeof(a->key));
	free(a);
}

int notify_perm_parse(const char *s, bool *read, bool *write)
{
	static const struct {
		const char *name;
		bool r, w;
	} perms[] = {
		{"read-write", true, true}, {"rw", true, true},
		{"read-only", true, false}, {"ro", true, false},
		{"read", true, false},	    {"write-only", false, true},
		{"wo", false, true},	    {"write", false, true},
		{"deny", false, false},	    {"none", false, false},
	};
	for (size_t i = 0; i < sizeof(perms) / sizeof(perms[0]); i++)
		if (strcmp(s, perms[i].name) == 0) {
			*read = perms[i].r;
			*write = perms[i].w;
			return 0;
		}
	return -EINVAL;
}

static int load_row(int kind, const char *x, const char *y, const char *z,
		    int64_t n, void *ud)
{
	struct notify_auth *a = ud;
	if (kind == 0) {
		struct notify_user *u = realloc(a->users, (a->n_users + 1) * sizeof(*u));
		if (!u)
			return -ENOMEM;
		a->users = u;
		u = &u[a->n_users];
		memset(u, 0, sizeof(*u));
		u->name = strdup(x);
		u->hash = strdup(y);
		u->admin = strcmp(z, "admin") == 0;
		a->n_users++;
		return u->name && u->hash ? 0 : -ENOMEM;
	}
	if (kind == 1) {
		struct notify_token *t = realloc(a->tokens, (a->n_tokens + 1) * sizeof(*t));
		if (!t)
			return -ENOMEM;
		a->tokens = t;
		t = &t[a->n_tokens++];
		t->token = strdup(x);
		t->user = strdup(y);
		t->label = strdup(z);
		t->created = n;
		return t->token && t->user && t->label ? 0 : -ENOMEM;
	}
	struct notify_acl *e = realloc(a->acl, (a->n_acl + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	a->acl = e;
	e = &e[a->n_acl];
	memset(e, 0, sizeof(*e));
	if (notify_perm_parse(z, &e->read, &e->write))
		return 0; /* an unknown word: the entry is skipped */
	e->user = strdup(x);
	e->pattern = strdup(y);
	a->n_acl++;
	return e->user && e->pattern ? 0 : -ENOMEM;
}

int notify_auth_load(struct notify_auth *a, struct store *s)
{
	clear(a);
	int rc = notify_store_auth_load(s, load_row, a);
	if (rc)
		clear(a);
	return rc;
}

struct notify_user *notify_auth_user(struct notify_auth *a, const char *name)
{
	for (size_t i = 0; i < a->n_users; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return &a->users[i];
	return NULL;
}

bool notify_pattern_match(const char *p, const char *t)
{
	const char *star = NULL, *mark = NULL;
	while (*t) {
		if (*p == '*') {
			star = p++;
			mark = t;
		} else if (*p == *t) {
			p++;
			t++;
		} else if (star) {
			p = star + 1;
			t = ++mark;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

void notify_auth_allowed(const struct notify_auth *a,
			 const struct notify_user *user, const char *topic,
			 bool def_read, bool def_write, bool *read, bool *write)
{
	if (user && user->admin) {
		*read = *write = true;
		return;
	}
	const struct notify_acl *best = NULL;
	for (size_t i = 0; i < a->n_acl; i++) {
		const struct notify_acl *e = &a->acl[i];
		bool mine = user && strcmp(e->user, user->name) == 0;
		if (!mine && strcmp(e->user, "*") != 0)
			continue;
		if (!notify_pattern_match(e->pattern, topic))
			continue;
		if (best) {
			bool best_mine = user && strcmp(best->user, user->name) == 0;
			size_t bl = strlen(best->pattern), el = strlen(e->pattern);
			if (best_mine != mine) {
				if (best_mine)
					continue;
			} else if (bl != el) {
				if (bl > el)
					continue;
			} else if (best->write || !e->write) {
				continue;
			}
		}
		best = e;
	}
	*read = best ? best->read : def_read;
	*write = best ? best->write : def_write;
}

bool notify_auth_fail_ok(struct notify_auth *a, const struct ipaddr *ip,
			 uint64_t now_ms)
{
	struct ipaddr net = *ip;
	if (net.family == AF_INET6)
		memset(net.u.bytes + 8, 0, 8);
	size_t h = 0;
	for (size_t i = 0; i < 16; i++)
		h = h * 31 + net.u.bytes[i];
	size_t slot = h % NOTIFY_AUTH_FAIL_SLOTS;
	if (!ipaddr_equal(&a->fails[slot].net, &net)) {
		a->fails[slot].net = net;
		a->fails[slot].tokens = 30;
		a->fails[slot].at_ms = now_ms;
	}
	double t = a->fails[slot].tokens +
		   (double)(now_ms - a->fails[slot].at_ms) / 60000.0;
	if (t > 30)
		t = 30;
	a->fails[slot].at_ms = now_ms;
	if (t < 1) {
		a->fails[slot].tokens = t;
		return false;
	}
	a->fails[slot].tokens = t - 1;
	return true;
}
