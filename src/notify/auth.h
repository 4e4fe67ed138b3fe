/* SPDX-License-Identifier: MIT */
/* The notify room's access control: users, tokens, ACL, who a request is, what it may do, per-visitor limits. */
#ifndef HEARTH_NOTIFY_AUTH_H
#define HEARTH_NOTIFY_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/http_server.h"
#include "core/room.h"
#include "proto/notify/ntfy_auth.h"
#include "proto/notify/ntfy_limit.h"

struct notify_room;
struct notify_auth;
struct config;

/* argon2id cost (libsodium crypto_pwhash_str): OWASP's m=19 MiB, t=2. */
#define NOTIFY_PWHASH_OPS 2
#define NOTIFY_PWHASH_MEM (19u * 1024 * 1024)

/* Who made a request, once notify_auth_check said OK. */
struct notify_who {
	int64_t user_id; /* 0: anonymous */
	char user[NTFY_USER_MAX + 1];
	bool admin;
	struct ntfy_vkey visitor; /* whom the limits count: user or address */
	bool exempt;		  /* notify.limits.exempt: no limits */
};

/* What notify_auth_check decided. */
enum notify_auth_rc {
	NOTIFY_AUTH_OK,	      /* go on; *who filled */
	NOTIFY_AUTH_ANSWERED, /* @resp holds the 401/403/429: return it */
	NOTIFY_AUTH_LATER,    /* a password is being checked off the loop:
				 return with @resp untouched; the handler
				 runs again for the same request */
};

/* Loads users, tokens and ACL (the loop's connection), registers the
 * management routes on @ctx->http. Called from the room's open. */
int notify_auth_open(struct notify_room *r, const struct room_ctx *ctx);
/* Takes notify.limits and notify.default_access from @cfg (reload). */
void notify_auth_reload(struct notify_room *r, const struct config *cfg);
/* Frees it (the room's free: no job of it is left by then). */
void notify_auth_free(struct notify_room *r);

/*
 * The one check of the ntfy handlers, loop thread: who the request is
 * (Authorization header or ?auth=; present but invalid: 401 40101, too
 * many failures from the address: 429 42909), then one request from the
 * visitor's bucket (429 42901), then @want (NTFY_PERM_READ/_WRITE) on
 * every topic of @topics (a comma list; NULL or "" checks none): 403
 * 40301. Errors in ntfy's JSON shape. A password is verified on the
 * work queue (argon2id): the first time, the answer is NOTIFY_AUTH_LATER
 * and the handler is run again (http_pending_retry) when it is known.
 */
enum notify_auth_rc notify_auth_check(struct notify_room *r,
				      const struct http_request *req,
				      struct http_response *resp,
				      const char *topics, unsigned want,
				      struct notify_who *who);
/* Whether @who may do @want on @topic (no limits taken). */
bool notify_auth_allowed(struct notify_room *r, const struct notify_who *who,
			 const char *topic, unsigned want);

/* A subscription of @who opens: false (and @resp a 429 42903) past
 * notify.limits.subscriptions. Each true is followed by one
 * notify_auth_sub_close with the same @who. */
bool notify_auth_sub_open(struct notify_room *r, const struct notify_who *who,
			  struct http_response *resp);
void notify_auth_sub_close(struct notify_room *r, const struct notify_who *who);
/* A publish of @who with @attach_bytes of upload (0: none): false (and
 * @resp a 429 42908 / 413 41301) past the daily message limit or the
 * attachment bandwidth. */
bool notify_auth_publish(struct notify_room *r, const struct notify_who *who,
			 int64_t attach_bytes, struct http_response *resp);

/* The access-control metrics (the room's collector). */
void notify_auth_collect(struct buf *out, struct notify_room *r);

/* ntfy's error object with its link for @http (401: the auth docs). */
void notify_auth_error(struct http_response *resp, int http, int code,
		       const char *error);

#endif
