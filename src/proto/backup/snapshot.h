/* SPDX-License-Identifier: MIT */
/* restic's snapshot files: the JSON restic 0.14 writes (json.Marshal of its Snapshot struct), encoded and decoded. */
#ifndef HEARTH_PROTO_BACKUP_SNAPSHOT_H
#define HEARTH_PROTO_BACKUP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "proto/backup/gojson.h"
#include "proto/backup/id.h"

/* A list of owned strings. */
struct bk_strv {
	char **v;
	size_t n;
};

/* Everything is owned by the struct (bk_snapshot_deinit frees it). Empty
 * hostname/username, uid/gid 0, empty excludes/tags and absent parent or
 * original are omitted as restic omits them; time, tree and paths are always
 * written. */
struct bk_snapshot {
	struct bk_time time;
	bool has_parent;
	struct bk_id parent;
	struct bk_id tree;
	struct bk_strv paths;
	char *hostname, *username;
	uint32_t uid, gid;
	struct bk_strv excludes, tags;
	bool has_original;
	struct bk_id original;
};

void bk_snapshot_deinit(struct bk_snapshot *s);
/* Appends a copy of str to v; -ENOMEM. */
int bk_strv_push(struct bk_strv *v, const char *str);
void bk_strv_deinit(struct bk_strv *v);

/* Appends the snapshot file's plaintext JSON (no trailing newline, as
 * restic's SaveJSONUnpacked). -EINVAL for a time Go cannot marshal. */
int bk_snapshot_encode(struct buf *b, const struct bk_snapshot *s);
/* Parses a snapshot file's plaintext JSON into s (zeroed here; deinit it
 * even on failure). "tree" is required; -EINVAL for malformed input. */
int bk_snapshot_decode(const char *data, size_t len, struct bk_snapshot *s);

#endif
