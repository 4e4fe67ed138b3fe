/* SPDX-License-Identifier: MIT */
/* restic's scanner: counting what a backup will read (files, bytes) beside it, for the status line's percentage and ETA. */
#ifndef HEARTH_BACKUP_SCAN_H
#define HEARTH_BACKUP_SCAN_H

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

#endif
