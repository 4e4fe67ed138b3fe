/* SPDX-License-Identifier: MIT */
/* Writes of the notify room's users, tokens and ACL: one strand job each, answered after the commit. */
#ifndef HEARTH_NOTIFY_AUTH_STORE_H
#define HEARTH_NOTIFY_AUTH_STORE_H

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/http_server.h"
#include "proto/notify/ntfy_auth.h"

struct notify_room;

enum notify_auth_op {
	AUTH_USER_ADD,
	AUTH_USER_CHANGE,
	AUTH_USER_DEL,
	AUTH_TOKEN_ADD,
	AUTH_TOKEN_DEL,
	AUTH_ACCESS_SET,
	AUTH_ACCESS_DEL,
};

/* One write: filled by the management API, run on the strand through the
 * room's own connection (the password hashed there too), then the tables
 * are read again and @answer (or 204) goes out. */
struct notify_auth_write {
	struct notify_room *r;
	enum notify_auth_op op;
	char user[NTFY_USER_MAX + 1]; /* a name, or "*" for access */
	char *password;		      /* malloc'd, wiped; NULL: unchanged */
	char hash[crypto_pwhash_STRBYTES];
	bool admin, set_role;
	int64_t user_id;
	uint8_t token_hash[32];
	char prefix[12];
	char *label; /* malloc'd */
	int64_t expires, now;
	const char *pattern; /* static or in @pat; NULL: every pattern */
	char pat[NTFY_PATTERN_MAX + 1];
	unsigned perm;
	json_t *answer; /* sent on success (owned); NULL: 204 */
	int status;	/* of @answer; 0: 200 */
	/* Results. */
	struct http_pending *p;
	int rc, changed;
};

/* Defers the request and queues @w (taken: freed when done, or now on
 * failure with @resp or the deferred response filled). */
void notify_auth_write_submit(struct notify_auth_write *w,
			      const struct http_request *req,
			      struct http_response *resp);
void notify_auth_write_free(struct notify_auth_write *w);

#endif
