/* SPDX-License-Identifier: MIT */
/* ntfy access control, pure: credentials (Basic, Bearer, ?auth=), topic patterns, permission resolution. */
#ifndef HEARTH_PROTO_NOTIFY_NTFY_AUTH_H
#define HEARTH_PROTO_NOTIFY_NTFY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define NTFY_USER_MAX 64     /* bytes of a user name */
#define NTFY_SECRET_MAX 256  /* bytes of a password or token */
#define NTFY_TOKEN_LEN 32    /* "tk_" + 29 */
#define NTFY_PATTERN_MAX 64  /* bytes of an ACL topic pattern */

/* What a request's credentials are. */
enum ntfy_cred_kind {
	NTFY_CRED_NONE,	   /* none, or a scheme ntfy ignores: anonymous */
	NTFY_CRED_BASIC,   /* user + password */
	NTFY_CRED_TOKEN,   /* Bearer, or Basic with an empty user */
	NTFY_CRED_INVALID, /* present but malformed: 401 */
};

struct ntfy_cred {
	enum ntfy_cred_kind kind;
	char user[NTFY_USER_MAX + 1];	  /* BASIC */
	char secret[NTFY_SECRET_MAX + 1]; /* BASIC: password; TOKEN: token */
};

/*
 * Reads a request's credentials as ntfy does: @query (the value of the
 * `auth`/`authorization` query argument, base64url of a whole header
 * value, padding optional) replaces @header (the Authorization header)
 * when it is not empty. "Basic base64(user:pass)" (empty user: the
 * password is a token), "Bearer TOKEN" (schemes case-insensitive); other
 * schemes are ignored (anonymous). Either may be NULL. Fills *out (also
 * on NTFY_CRED_INVALID, with empty strings) and returns its kind.
 */
enum ntfy_cred_kind ntfy_cred_parse(const char *header, const char *query,
				    struct ntfy_cred *out);

/*
 * Decodes base64 (standard or URL alphabet, as @url says; '=' padding
 * optional, no whitespace) into @out (at most @cap bytes). Returns the
 * decoded length or -1 when @in is not base64 or does not fit.
 */
long ntfy_base64_decode(const char *in, size_t len, bool url, unsigned char *out,
			size_t cap);

/* True for "tk_" + 29 of [A-Za-z0-9]. */
bool ntfy_token_valid(const char *s);
/* A user name as ntfy takes it: 1-64 of [-_.+@A-Za-z0-9]. */
bool ntfy_user_valid(const char *s);
/* An ACL topic pattern: 1-64 of [-_A-Za-z0-9*]. */
bool ntfy_pattern_valid(const char *s);
/* True when @topic matches @pattern: '*' is any run of characters
 * (empty too), others match themselves ASCII-case-insensitively (ntfy
 * matches with SQLite's LIKE). */
bool ntfy_pattern_match(const char *pattern, const char *topic);

/* Permission bits. */
enum ntfy_perm {
	NTFY_PERM_NONE = 0,
	NTFY_PERM_READ = 1,
	NTFY_PERM_WRITE = 2,
	NTFY_PERM_RW = 3,
};

/* "read-write"/"rw", "read-only"/"read"/"ro", "write-only"/"write"/"wo",
 * "deny-all"/"deny"/"none" (case-insensitive). Returns the bits or -1. */
int ntfy_perm_parse(const char *s);
/* "read-write", "read-only", "write-only", "deny-all". */
const char *ntfy_perm_name(unsigned perm);

/* One ACL entry; @user "*" is everyone. Strings belong to the caller. */
struct ntfy_acl_entry {
	const char *user;
	const char *pattern;
	unsigned perm;
};

/*
 * What @user (NULL: anonymous) may do on @topic, as ntfy decides: an
 * admin may do all. Otherwise, of the entries of @user and of "*" whose
 * pattern matches, the user's beat everyone's, then the longer pattern,
 * then one that allows writing, then one that allows reading; the first
 * decides. No entry: @default_perm.
 */
unsigned ntfy_acl_resolve(bool admin, const char *user,
			  const struct ntfy_acl_entry *e, size_t n,
			  const char *topic, unsigned default_perm);

#endif
