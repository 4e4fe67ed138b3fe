/* SPDX-License-Identifier: MIT */
/* restic's scanner: counting what a backup will read (files, bytes) beside it, for the status line's percentage and ETA. */
#ifndef HEARTH_BACKUP_SCAN_H
#define HEARTH_BACKUP_SCAN_H

#include <stdint.h>
#include <time.h>

#include "backup/archive.h"
#include "backup/progress.h"

struct backup_scan;

/* Walks @o's paths in a thread of its own (lstat only, the same --exclude
 * patterns and --one-file-system as the backup) adding every regular file
 * and its size to @p's totals. @o must outlive backup_scan_stop. NULL when
 * @p is NULL (no status line) or the thread does not start. */
struct backup_scan *backup_scan_start(struct backup_progress *p, const struct backup_archive_opts *o);
/* Ends the walk (early if it still runs), joins and frees; NULL is fine. */
void backup_scan_stop(struct backup_scan *s);

/*
 * The backup's read-ahead: a thread walking @paths (file system paths, in
 * the order the backup takes them; directories by name as it sorts them)
 * ahead of it, asking the kernel for the start of every regular file
 * whose ctime is at or past @since (0: all) so that many reads are under
 * way while one file is chunked, and warming the inodes the backup will
 * lstat; with @one_fs it stays on each path's file system. It stays at most a window of bytes ahead of what
 * backup_readahead_done reports. A guess only: what it misses is read as
 * usual. NULL when the thread does not start; copies @paths.
 */
struct backup_readahead;

struct backup_readahead *backup_readahead_start(const char *const *paths, size_t n, time_t since,
						bool one_fs);
/* The backup finished reading (or skipped) a file of @size bytes. */
void backup_readahead_done(struct backup_readahead *r, uint64_t size);
/* Ends the walk, joins and frees; NULL is fine. */
void backup_readahead_stop(struct backup_readahead *r);

#endif
