/* SPDX-License-Identifier: MIT */
/* Repository locations as restic spells them (local, sftp:, rest:) and the REST protocol's request paths: pure parsing. */
#ifndef HEARTH_PROTO_BACKUP_LOCATION_H
#define HEARTH_PROTO_BACKUP_LOCATION_H

#include <stddef.h>

enum backup_loc_kind {
	BACKUP_LOC_LOCAL,
	BACKUP_LOC_SFTP,
	BACKUP_LOC_REST,
};

#define BACKUP_LOC_MAX 4096 /* bytes of a location, and of each part */

/* A parsed location; strings are NUL-terminated in the struct. */
struct backup_location {
	enum backup_loc_kind kind;
	char path[BACKUP_LOC_MAX]; /* local: the folder; sftp: the path as
				      given (relative to the login folder
				      unless it starts with '/') */
	char user[256];		   /* sftp: "" when not given */
	char host[256];		   /* sftp: without IPv6 brackets */
	int port;		   /* sftp: 0 when not given */
	char url[BACKUP_LOC_MAX];  /* rest: the URL, ending in '/' */
};

/*
 * Parses @s as restic does: "PATH" or "local:PATH"; "sftp:[USER@]HOST:PATH"
 * (HOST may be "[v6]"); "sftp://[USER@]HOST[:PORT]/PATH" (the path after
 * the first '/' is relative, "//abs" is absolute); "rest:http(s)://...".
 * Returns 0, or -EINVAL with *why a static reason (-EPROTONOSUPPORT for
 * s3:, b2:, azure:, gs:, swift:, rclone:).
 */
int backup_location_parse(const char *s, struct backup_location *out,
			  const char **why);

/* @s for messages: the password of a "scheme://user:password@" in it
 * replaced by "***" (as restic shows it). Always NUL-terminates @out. */
void backup_location_redact(const char *s, char *out, size_t cap);

/* What a REST request path names. */
enum backup_rest_what {
	BACKUP_REST_REPO,   /* "/" or "/REPO/": create (POST ?create=true) */
	BACKUP_REST_CONFIG, /* ".../config" */
	BACKUP_REST_LIST,   /* ".../TYPE/" */
	BACKUP_REST_FILE,   /* ".../TYPE/NAME" */
};

#define BACKUP_REST_DEPTH 4 /* folders of a repository's name at most */

struct backup_rest_path {
	enum backup_rest_what what;
	char repo[BACKUP_REST_DEPTH * 65]; /* "" (the root) or "a/b" */
	const char *type; /* static "data", "keys", "locks", "snapshots",
			     "index"; NULL for REPO and CONFIG */
	char name[65];	  /* FILE: 64 lower-case hex digits */
};

/*
 * Parses a request path of restic's REST protocol (v1 and v2 share them),
 * as rest-server lays them out: an optional repository name of up to
 * BACKUP_REST_DEPTH folders ([A-Za-z0-9_-][A-Za-z0-9._-]{0,63} each, none a
 * type's name), then nothing, "config", "TYPE/" or "TYPE/NAME". Anything
 * else (dot segments, empty segments, percent signs, other names) is
 * -EINVAL with *why. Hostile input: bounded, never reads past the NUL.
 */
int backup_rest_path_parse(const char *path, struct backup_rest_path *out,
			   const char **why);

/* The first folder of a parsed path's repository ("" for the root), into
 * @out (65 bytes): the user that owns it with --private-repos. */
void backup_rest_path_owner(const struct backup_rest_path *p, char out[65]);

#include <stdint.h>

/*
 * A Range header for a file of @size bytes: "bytes=A-B", "bytes=A-" or
 * "bytes=-N" (one range). Returns 0 with *off and *len the part to send (206),
 * 1 when the whole file is to be sent (no header, another unit, several
 * ranges or a malformed one, which HTTP says to ignore), -ERANGE when the
 * range lies past the end (416).
 */
int backup_rest_range_parse(const char *h, uint64_t size, uint64_t *off,
			    uint64_t *len);

#endif
