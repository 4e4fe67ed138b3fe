/* SPDX-License-Identifier: MIT */
/* restic 0.14's prune: used blobs from every snapshot, unused packs deleted, partly used ones repacked within --max-unused, the index rewritten; a crash at any step leaves a valid repository. */
#ifndef HEARTH_BACKUP_PRUNE_H
#define HEARTH_BACKUP_PRUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "backup/repo.h"

struct backup_prune_opts {
	bool dry_run;
	bool quiet;		 /* no report on stdout */
	bool repack_uncompressed; /* format 2: repack packs holding uncompressed blobs */
	bool unused_unlimited;
	bool unused_is_pct;
	double unused_pct;	 /* --max-unused 5% */
	uint64_t unused_bytes;	 /* --max-unused 100M */
	uint64_t max_repack;	 /* --max-repack-size; UINT64_MAX: no bound */
	bool progress;		 /* a status line while repacking (on a terminal) */
};

struct backup_prune_stats {
	uint64_t blobs_used, blobs_unused, bytes_used, bytes_unused;
	uint64_t packs_removed, packs_repacked, packs_kept, packs_unreferenced, packs_written;
	uint64_t bytes_removed;	 /* unused bytes gone after prune */
};

/* restic's defaults: --max-unused 5%, no repack bound. */
void backup_prune_opts_default(struct backup_prune_opts *o);
/* --max-unused ("5%", "unlimited", "10M", bytes with k/m/g/t, binary)
 * and --max-repack-size (NULL: keep the default). A CLI code (usage
 * errors printed). */
int backup_prune_parse_limits(struct backup_prune_opts *o, const char *max_unused,
			      const char *max_repack);

/*
 * Prunes @repo; the caller holds an exclusive lock. Order (each step
 * durable before the next): packs no index names are deleted, used blobs
 * of partly used packs are written into new packs and their index, an
 * index covering every remaining pack is written, the old index files
 * are deleted, then the unused and repacked packs. Refuses (nothing
 * changed) when a snapshot or tree cannot be read or a used blob is
 * missing. Prints restic's report unless o->quiet. 0 or a negative code.
 */
int backup_prune(struct backup_repo *repo, const struct backup_prune_opts *o,
		 struct backup_prune_stats *st);

/* restic's byte sizes: "512 B", "1.500 KiB", "2.000 MiB"... */
void backup_format_bytes(uint64_t n, char *out, size_t cap);

#endif
