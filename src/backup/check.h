/* SPDX-License-Identifier: MIT */
/* Checking a repository's packs against its index (headers, sizes, and with read_data every blob's hash). */
#ifndef HEARTH_BACKUP_CHECK_H
#define HEARTH_BACKUP_CHECK_H

#include <stddef.h>

#include "backup/repo.h"

/* What one check pass found. */
struct backup_check_result {
	size_t packs, blobs;	  /* pack files seen, blobs read (read_data) */
	size_t errors;		  /* problems reported through @say */
	size_t unreferenced;	  /* pack files no index names (not errors) */
};

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

#endif
