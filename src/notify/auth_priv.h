/* SPDX-License-Identifier: MIT */
/* What the access-control files of the notify room share: the tables in memory, the jobs. */
#ifndef HEARTH_NOTIFY_AUTH_PRIV_H
#define HEARTH_NOTIFY_AUTH_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/workq.h"
#include "notify/auth.h"

#define AUTH_SEEN_MAX 256	     /* verified passwords remembered */
#define AUTH_SEEN_MS (15 * 60 * 1000) /* ... for this long */
#define AUTH_VERIFY_MAX 4	     /* password checks running at once */

struct auth_user {
	int64_t id;
	char name[NTFY_USER_MAX + 1];
	char *hash; /* argon2id string (malloc'd) */
	bool admin;
	int64_t created;
};

struct auth_token {
	uint8_t hash[32]; /* BLAKE2b-256 of the token: the token is not kept */
	char prefix[12];  /* "tk_" + 5: to tell tokens apart in lists */
	int64_t user_id;
	char *label;	  /* malloc'd */
	int64_t expires;  /* unix s; 0: never */
	int64_t created;
};

/* A verified password: the key is a keyed hash of user and password. */
struct auth_seen {
	uint8_t key[32];
	int64_t user_id; /* 0: free */
	int64_t at_ms;
};

struct verify_job;

struct notify_auth {
	struct workq *workq;
	struct auth_user *users;
	size_t n_users;
	struct auth_token *tokens;
	size_t n_tokens;
	/* The ACL for ntfy_acl_resolve; user and pattern strings malloc'd. */
	struct ntfy_acl_entry *acl;
	size_t n_acl;
	unsigned default_perm;
	struct ntfy_limits limits;
	struct ntfy_vtable visitors;
	uint8_t seen_secret[32];
	struct auth_seen seen[AUTH_SEEN_MAX];
	int verifying;		  /* password checks on the pool */
	struct verify_job *jobs;  /* ... their list */
	uint64_t failures, denied, limited; /* for /metrics */
};

/* Lookups in the in-memory copy (NULL: none). */
struct auth_user *notify_auth_user_by_name(struct notify_auth *a,
					   const char *name);
struct auth_user *notify_auth_user_by_id(struct notify_auth *a, int64_t id);
/* BLAKE2b-256 of @token, as stored. */
void notify_auth_token_hash(const char *token, uint8_t out[32]);
/* Forgets every verified password (a user changed or went). */
void notify_auth_forget_passwords(struct notify_auth *a);

/* Reads the tables into memory (auth_store.c). */
int notify_auth_load(struct notify_room *r);
void notify_auth_clear_tables(struct notify_auth *a);
/* The management routes on http.listen (auth_api.c). */
int notify_auth_api_register(struct notify_room *r, struct http_server *http);

/* A job of access control: on the room's write strand (@strand) or the
 * pool, counted so the room is not freed under it; its @done ends with
 * notify_auth_job_done(r) (after which @r may be gone). */
int notify_auth_job_submit(struct notify_room *r, bool strand,
			   workq_work_fn work, workq_done_fn done, void *ud);
void notify_auth_job_done(struct notify_room *r);

#endif
