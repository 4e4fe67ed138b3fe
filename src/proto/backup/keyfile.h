/* SPDX-License-Identifier: MIT */
/* restic's key files (keys/ID): scrypt parameters and salt, and the master key sealed under the password. */
#ifndef HEARTH_PROTO_BACKUP_KEYFILE_H
#define HEARTH_PROTO_BACKUP_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/backup/crypto.h"

#define BACKUP_KEYFILE_MAX (64u << 10) /* bytes of JSON we read at most */

/* A parsed key file; plain data (the strings are copied in, truncated to
 * their buffers). */
struct backup_keyfile {
	char created[64];
	char username[128];
	char hostname[128];
	uint64_t n;
	uint32_t r, p;
	uint8_t salt[64];
	uint8_t data[256]; /* the sealed master key JSON */
	size_t data_len;
};

/*
 * Parses key file JSON (at most BACKUP_KEYFILE_MAX bytes). Returns 0, or
 * -EINVAL with @why (static text) saying what is wrong: not JSON, kdf not
 * "scrypt", N/r/p out of range, salt not 64 bytes, data too short/long.
 */
int backup_keyfile_parse(const char *text, size_t len,
			 struct backup_keyfile *kf, const char **why);

/*
 * Derives the user key from @password and opens the master key.
 * Returns 0, -EACCES when the MAC does not match (wrong password, or the
 * file was changed), -EINVAL when the sealed JSON is not a master key,
 * -ENOMEM. Slow on purpose (scrypt); any thread.
 */
int backup_keyfile_unlock(const struct backup_keyfile *kf,
			  const char *password, struct backup_key *master);

/*
 * A new key file for @master under @password with scrypt (@n, @r, @p)
 * and a fresh salt: compact JSON in restic's member order, malloc'd
 * (free it), *len its length. @created is RFC 3339 text. NULL on
 * failure (bad parameters, out of memory).
 */
char *backup_keyfile_make(const struct backup_key *master,
			  const char *password, const char *username,
			  const char *hostname, const char *created,
			  uint64_t n, uint32_t r, uint32_t p, size_t *len);

#endif
