/* SPDX-License-Identifier: MIT */
/* `hearth backup backup` and `restore`'s engines: a file tree into a restic repository (chunk, dedup, seal, pack, index, snapshot) and back. */
#ifndef HEARTH_BACKUP_ARCHIVE_H
#define HEARTH_BACKUP_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backup/progress.h"
#include "backup/repo.h"
#include "proto/backup/exclude.h"

struct backup_archive_opts {
	const char *const *paths;	/* what to back up (made absolute like restic) */
	size_t n_paths;
	const char *const *tags;
	size_t n_tags;
	const char *host;		/* NULL: gethostname() */
	const uint8_t *parent;		/* the parent snapshot; NULL: the latest with the same host and paths */
	bool force;			/* no parent: read every file */
	const struct bk_excludes *excludes;	/* --exclude and --exclude-file patterns */
	const char *const *recorded;	/* the --exclude patterns: restic records only those */
	size_t n_recorded;
	const char *const *if_present;	/* --exclude-if-present: leave out directories holding one */
	size_t n_if_present;
	bool exclude_caches;		/* leave out directories with a valid CACHEDIR.TAG */
	bool one_file_system;		/* do not descend into other file systems */
	const struct timespec *time;	/* --time: the snapshot's time (NULL: now) */
	struct backup_progress *progress;	/* the status line (may be NULL) */
};

struct backup_archive_stats {
	uint64_t files, dirs, others;
	uint64_t files_unchanged;	/* taken from the parent snapshot without reading */
	uint64_t bytes_read;		/* file contents read */
	uint64_t blobs_new, blobs_known;
	uint64_t bytes_added;		/* sealed bytes written in new packs */
	uint64_t packs;
	uint8_t snapshot[32];
	uint8_t tree[32];
	bool has_parent;
	uint8_t parent[32];
};

/* Backs up opts->paths into repo: one pass, blocking, single-threaded.
 * Files that vanish or cannot be read are reported on stderr and counted
 * in *errors; the snapshot is written only after every pack and the
 * index are durable. Returns 0 or a negative code. */
int backup_archive(struct backup_repo *repo, const struct backup_archive_opts *opts,
		   struct backup_archive_stats *st, size_t *errors);

struct backup_restore_stats {
	uint64_t files, dirs, others, bytes;
};

/* Restores the snapshot's tree under target (created if missing), as
 * restic does: the snapshot's absolute paths below target, metadata
 * (owner, xattrs, mode, times) after contents, hard links linked.
 * Problems with single entries go to stderr and count in *errors. */
int backup_restore(struct backup_repo *repo, const uint8_t snapshot[32], const char *target,
		   struct backup_restore_stats *st, size_t *errors);
/* The same; with @sparse (restic's restore --sparse) runs of zeros in
 * file contents are left as holes. */
int backup_restore_sparse(struct backup_repo *repo, const uint8_t snapshot[32], const char *target,
			  bool sparse, struct backup_restore_stats *st, size_t *errors);
/* The same, counting into the status line @progress (may be NULL; the
 * totals come from a walk of the snapshot's trees first). */
int backup_restore_progress(struct backup_repo *repo, const uint8_t snapshot[32], const char *target,
			    bool sparse, struct backup_progress *progress,
			    struct backup_restore_stats *st, size_t *errors);

#endif
