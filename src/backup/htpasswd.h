/* SPDX-License-Identifier: MIT */
/* htpasswd files for `hearth backup serve`: bcrypt, SHA-crypt, MD5-crypt and {SHA} entries, with a cache of accepted logins. */
#ifndef HEARTH_BACKUP_HTPASSWD_H
#define HEARTH_BACKUP_HTPASSWD_H

#include <stddef.h>

struct backup_htpasswd;

/*
 * Reads @path: "USER:HASH" lines, '#' comments and blank lines skipped.
 * HASH is bcrypt ($2y$, $2b$, $2a$), SHA-crypt ($5$, $6$), MD5-crypt
 * ($1$; all through libcrypt) or {SHA} (base64 of SHA-1, as rest-server
 * accepts). Anything else, a line past 4 KiB or more than 65536 users is
 * refused: -EINVAL with "PATH:LINE: reason" in @why. *out is the
 * caller's (backup_htpasswd_free).
 */
int backup_htpasswd_load(const char *path, struct backup_htpasswd **out,
			 char *why, size_t why_cap);
void backup_htpasswd_free(struct backup_htpasswd *h);

/* 1 when @user / @pass match an entry, else 0. A login that matched is
 * remembered (as a SHA-256 of user and password, 5 minutes) so that the
 * slow hash runs once, not per request. One thread at a time. */
int backup_htpasswd_check(struct backup_htpasswd *h, const char *user,
			  const char *pass);

#endif
