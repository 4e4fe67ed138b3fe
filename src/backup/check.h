/* SPDX-License-Identifier: MIT */
/* Checking a repository's packs against its index (headers, sizes, and with read_data every blob's hash). */
#ifndef HEARTH_BACKUP_CHECK_H
#define HEARTH_BACKUP_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "backup/progress.h"
#include "backup/repo.h"
#include "backup/walk.h"

/* What one check pass found. */
struct backup_check_result {
	size_t packs, blobs;	  /* pack files seen, blobs read (read_data) */
	size_t packs_read;	  /* pack files read back (read_data) */
	size_t errors;		  /* problems reported through @say */
	size_t unreferenced;	  /* pack files no index names (not errors) */
};

/* Which packs `check` reads back: none, all (--read-data), or restic's
 * --read-data-subset: bucket n of t (the packs whose id's first byte is
 * n - 1 modulo t) or a random share (percent of the packs, at least
 * one). */
struct backup_check_read {
	int mode; /* 0 none, 1 all, 2 bucket, 3 percent */
	unsigned n, t;
	double percent;
	struct backup_progress *progress; /* packs read (may be NULL) */
	struct backup_idset *damaged;	  /* the ids of blobs that did not read are
					   * added here (may be NULL; the caller's) */
};

/* Parses "n/t" or "x%" into @r (mode 2 or 3): 0, or -EINVAL. */
int backup_check_read_parse(const char *text, struct backup_check_read *r);

/*
 * Checks every pack file's header (MAC, shape) against every index
 * entry of that pack, that every pack an index names exists, and with
 * @read_data that every blob decrypts, decompresses and hashes to its
 * id. Each problem is one line to @say ("pack 1a2b3c4d: missing, 3 blobs
 * lost"). Snapshots and trees are not walked here. Returns 0 (look at
 * res->errors) or a negated errno when the repository cannot be listed.
 */
int backup_repo_check_packs(struct backup_repo *repo,
			    const struct backup_index *idx,
			    const struct backup_check_read *read_data,
			    void (*say)(const char *line, void *ud), void *ud,
			    struct backup_check_result *res);

/* What the walk of snapshots and trees found. */
struct backup_check_trees_result {
	size_t snapshots, trees;  /* snapshots read, distinct trees checked */
	size_t errors;		  /* problems reported through @say */
	size_t damaged;		  /* snapshots whose trees or data are incomplete */
};

/*
 * restic's "check snapshots, trees and blobs": every snapshot file loads,
 * every tree it reaches loads and decodes (each distinct tree once), every
 * data blob a file names and every subtree is in the index. Each problem
 * is one line to @say, naming the tree and the file ("tree 1a2b3c4d: file
 * \"x\" blob 0 (5e6f7a8b) not found in index"), then one line per
 * snapshot affected ("snapshot 9c0d1e2f (2026-01-02 03:04:05 host /src):
 * incomplete") followed by the paths of its damaged files and dirs, each
 * on a line of its own ("  damaged file /src/a/x"). A data blob in
 * @damaged (may be NULL: what check_packs found unreadable) is damaged
 * though the index has it. 0, or a negated errno when the snapshots
 * cannot be listed.
 */
int backup_repo_check_trees(struct backup_repo *repo, const struct backup_index *idx,
			    const struct backup_idset *damaged,
			    void (*say)(const char *line, void *ud), void *ud,
			    struct backup_check_trees_result *res);

#endif
