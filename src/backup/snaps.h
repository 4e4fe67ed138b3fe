/* SPDX-License-Identifier: MIT */
/* Every snapshot of a repository loaded and sorted, restic's --host/--tag/--path filter, and "ID|latest" lookup: what forget, tag, ls, diff, dump, stats and copy share. */
#ifndef HEARTH_BACKUP_SNAPS_H
#define HEARTH_BACKUP_SNAPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"
#include "proto/backup/policy.h"
#include "proto/backup/snapshot.h"

/* One snapshot: its file id, the decoded fields and the JSON as stored
 * (member order kept; no id). All owned by the list. */
struct backup_snap {
	uint8_t id[32];
	char hex[BACKUP_ID_HEX];
	struct bk_snapshot s;
	json_t *j;
};

struct backup_snaps {
	struct backup_snap *v; /* oldest first (time, then id) */
	size_t n, cap;
	size_t bad;	       /* files that did not load (reported on stderr) */
};

/* Loads every snapshot file of @repo into @ss (zeroed here). Unreadable
 * ones are reported and counted in ss->bad. 0 or a negated errno. */
int backup_snaps_load(struct backup_repo *repo, struct backup_snaps *ss);
void backup_snaps_free(struct backup_snaps *ss);

/* restic's snapshot filter (--host any of, --tag any of the lists, --path
 * all of). Borrowed strings. Empty lists match everything. */
struct backup_snap_filter {
	const char **hosts;
	size_t n_hosts;
	struct bk_taglist *tags;
	size_t n_tags;
	const char **paths;
	size_t n_paths;
};
bool backup_snap_match(const struct backup_snap *s, const struct backup_snap_filter *f);
/* Keeps only the snapshots @f matches. */
void backup_snaps_filter(struct backup_snaps *ss, const struct backup_snap_filter *f);

/* "latest" (the newest @f matches; NULL: any) or a unique id prefix; the
 * index into ss->v, or -1 with the reason printed. */
long backup_snaps_find(const struct backup_snaps *ss, const char *arg,
		       const struct backup_snap_filter *f);

/* The JSON restic prints for a snapshot: stored fields, then "id" and
 * "short_id". A new reference. */
json_t *backup_snap_json(const struct backup_snap *s);

/* True when @v holds the string @x. */
bool backup_strv_has(const struct bk_strv *v, const char *x);

/* "a,b" split into a tag list appended to *lists (restic's TagList
 * flags); the strings are malloc'd and owned by the caller: free them
 * with backup_taglists_free. -ENOMEM. */
int backup_taglists_push(struct bk_taglist **lists, size_t *n, const char *arg);
void backup_taglists_free(struct bk_taglist *lists, size_t n);

#endif
