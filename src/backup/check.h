/* SPDX-License-Identifier: MIT */
/* Checking a repository's packs against its index (headers, sizes, and with read_data every blob's hash). */
#ifndef HEARTH_BACKUP_CHECK_H
#define HEARTH_BACKUP_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"

/* What one check pass found. */
struct backup_check_result {
	size_t packs, blobs;	  /* pack files seen, blobs read (read_data) */
	size_t errors;		  /* problems reported through @say */
	size_t unreferenced;	  /* pack files no index names (not errors) */
	size_t read;		  /* packs read in full (read_data or a subset) */
};

/* restic's --read-data-subset: which packs are read in full. */
struct backup_check_subset {
	enum { BACKUP_SUBSET_ALL, BACKUP_SUBSET_BUCKET, BACKUP_SUBSET_PERCENT,
	       BACKUP_SUBSET_BYTES } kind;
	unsigned n, t;	/* "n/t": packs whose id's first byte % t == n - 1 */
	double pct;	/* "x%": that share of the packs (at least one), at random */
	uint64_t bytes;	/* "500M": random packs until that many bytes */
};
/* Parses "n/t", "x%" / "x.y%" or a size with k/m/g/t; -EINVAL and @why. */
int backup_check_subset_parse(const char *s, struct backup_check_subset *out, char *why,
			      size_t cap);

/*
 * Checks every pack file's header (MAC, shape) against every index
 * entry of that pack, that every pack an index names exists, and with
 * @read_data that every blob decrypts, decompresses and hashes to its
 * id. Each problem is one line to @say ("pack 1a2b3c4d: missing, 3 blobs
 * lost"). Snapshots and trees are not walked here. Returns 0 (look at
 * res->errors) or a negated errno when the repository cannot be listed.
 */
int backup_repo_check_packs(struct backup_repo *repo,
			    const struct backup_index *idx, int read_data,
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
 * incomplete"). 0, or a negated errno when the snapshots cannot be listed.
 */
int backup_repo_check_trees(struct backup_repo *repo, const struct backup_index *idx,
			    void (*say)(const char *line, void *ud), void *ud,
			    struct backup_check_trees_result *res);

/* backup_repo_check_packs reading only the packs @sub selects in full
 * (NULL: none; every pack still has its header checked). */
int backup_repo_check_packs_subset(struct backup_repo *repo, const struct backup_index *idx,
				   const struct backup_check_subset *sub,
				   void (*say)(const char *line, void *ud), void *ud,
				   struct backup_check_result *res);

#endif
