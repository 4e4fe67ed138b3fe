/* SPDX-License-Identifier: MIT */
/* The notify room's users, tokens and ACL in memory: who a request is, and what it may do on a topic. */
#ifndef HEARTH_NOTIFY_AUTH_H
#define HEARTH_NOTIFY_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "core/store.h"

struct notify_user {
	char *name, *hash;
	bool admin;
	bool verified; /* @ok is the keyed digest of its password */
	unsigned char ok[32];
};

struct notify_token {
	char *token, *user, *label;
	int64_t created;
};

struct notify_acl {
	char *user, *pattern;
	bool read, write;
};

#define NOTIFY_AUTH_FAIL_SLOTS 256

/* Loop thread only. Rebuilt from the tables after every change. */
struct notify_auth {
	struct notify_user *users;
	size_t n_users;
	struct notify_token *tokens;
	size_t n_tokens;
	struct notify_acl *acl;
	size_t n_acl;
	unsigned char key[32]; /* for the digests of verified passwords */
	/* Auth failures per address (IPv4, IPv6 /64): 30 at once, then one
	 * a minute, as ntfy. */
	struct {
		struct ipaddr net;
		double tokens;
		uint64_t at_ms;
	} fails[NOTIFY_AUTH_FAIL_SLOTS];
};

int notify_auth_new(struct notify_auth **out);
/* Reads the users, tokens and ACL of @s into @a (replacing them). */
int notify_auth_load(struct notify_auth *a, struct store *s);
void notify_auth_free(struct notify_auth *a);

/* The user @name, or NULL. */
struct notify_user *notify_auth_user(struct notify_auth *a, const char *name);

/* read-write|rw, read-only|ro|read, write-only|wo|write, deny|none:
 * 0 and the two bits, or -EINVAL. */
int notify_perm_parse(const char *s, bool *read, bool *write);

/* True when @topic matches @pattern ('*' any run of characters). */
bool notify_pattern_match(const char *pattern, const char *topic);

/*
 * What @user (NULL: anonymous) may do on @topic: its ACL entries and
 * everyone's ('*') whose pattern matches, the user's before everyone's,
 * then the longer pattern, then the one that allows writing; the first
 * decides. No entry: @def_read / @def_write. Admins may do anything.
 */
void notify_auth_allowed(const struct notify_auth *a,
			 const struct notify_user *user, const char *topic,
			 bool def_read, bool def_write, bool *read, bool *write);

/* A failed authentication from @ip at @now_ms: false when over the
 * limit (answer 429). */
bool notify_auth_fail_ok(struct notify_auth *a, const struct ipaddr *ip,
			 uint64_t now_ms);

#endif
