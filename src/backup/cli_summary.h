/* SPDX-License-Identifier: MIT */
/* The counts of restic's `backup --json` summary, from a new snapshot's trees against its parent's. */
#ifndef HEARTH_BACKUP_CLI_SUMMARY_H
#define HEARTH_BACKUP_CLI_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"

/* What restic 0.14's summary counts, as its archiver does (Node.Equals
 * of each file and dir against the parent's at the same path). */
struct backup_summary {
	uint64_t files_new, files_changed, files_unmodified;
	uint64_t dirs_new, dirs_changed, dirs_unmodified;
	uint64_t tree_blobs;  /* trees not in the parent snapshot at their place */
	uint64_t total_files; /* files below the targets */
	uint64_t total_bytes; /* their sizes, read or not */
};

/*
 * Counts snapshot tree @tree against the root tree of snapshot @parent
 * (NULL, or one that does not load: everything is new). Only what lies at
 * or below @vpaths (the targets as backup_summary_vpath places them)
 * counts; the dirs above them do not, as with restic. Loads the index and
 * every tree once (an unchanged subtree is read once). 0 or a negative
 * code (*s then partial).
 */
int backup_summary_count(struct backup_repo *repo, const uint8_t tree[32], const uint8_t *parent,
			 const char *const *vpaths, size_t n_vpaths, struct backup_summary *s);
/* Where the archiver puts the target given as @arg in the snapshot's
 * tree: "/"-rooted, "./", repeated and trailing slashes dropped. */
void backup_summary_vpath(const char *arg, char *out, size_t cap);

#endif
