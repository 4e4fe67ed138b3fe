/* SPDX-License-Identifier: MIT */
/* The files behind `hearth backup serve`: a repository folder's layout, listings, durable no-replace saves, reads and removals. */
#ifndef HEARTH_BACKUP_SERVE_FS_H
#define HEARTH_BACKUP_SERVE_FS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "proto/backup/location.h"

/*
 * @dir is a repository's folder (the served root, or below it as the
 * request's repository name says; the name is checked already by
 * backup_rest_path_parse). Blocking file I/O: call from a work queue
 * thread; the functions keep no state, so any number may run at once.
 * Return 0 or a negative errno.
 */

/* The folders of restic's layout under @dir (made, with its parents up
 * to @root, when missing; existing ones are kept). */
int backup_serve_fs_create(const char *root, const char *dir);

/* The listing of @type as JSON into @out: v2 [{"name","size"}], v1
 * [names]. -ENOENT when the type's folder is not there. */
int backup_serve_fs_list(const char *dir, const char *type, int v2,
			 struct buf *out);

/* Opens the file @p names (config or TYPE/NAME) for reading, not
 * following a symbolic link: *fd (the caller's) and its size. */
int backup_serve_fs_open(const char *dir, const struct backup_rest_path *p,
			 int *fd, uint64_t *size);

/* Saves @len bytes as the file @p names: written under a temporary name
 * in the same folder, fsync'd, linked to its name (never replacing one:
 * -EEXIST), the folder fsync'd. With @verify, a file but config whose
 * SHA-256 is not its name is refused with -EBADMSG. */
int backup_serve_fs_save(const char *dir, const struct backup_rest_path *p,
			 const void *body, size_t len, int verify);

/* Removes the file @p names and fsyncs its folder (-ENOENT when gone). */
int backup_serve_fs_remove(const char *dir, const struct backup_rest_path *p);

#endif
