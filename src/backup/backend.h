/* SPDX-License-Identifier: MIT */
/* Where a repository's files live: the backend interface and the local-path backend (atomic, durable writes). */
#ifndef HEARTH_BACKUP_BACKEND_H
#define HEARTH_BACKUP_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* restic's file types; each is a folder but config. */
enum backup_file {
	BACKUP_FILE_CONFIG,
	BACKUP_FILE_KEY,
	BACKUP_FILE_PACK, /* data/XX/ID */
	BACKUP_FILE_INDEX,
	BACKUP_FILE_SNAPSHOT,
	BACKUP_FILE_LOCK,
};

/* restic's folder name of a type ("keys", "data", ...), "config". */
const char *backup_file_dir(enum backup_file t);

struct backup_backend;

/*
 * A backend's operations. @name is a file's 64-hex id (ignored for
 * config). All return 0 or a negative errno (-ENOENT when the file is
 * not there). Blocking: call them off the daemon's loop. The local
 * backend keeps no state after open: its operations may run from
 * several threads at once (other backends say whether they can).
 */
struct backup_backend_ops {
	/* The whole file, malloc'd into *buf (free it); refuses files past
	 * @max with -EFBIG. */
	int (*load)(struct backup_backend *be, enum backup_file t,
		    const char *name, size_t max, uint8_t **buf, size_t *len);
	/* Exactly @len bytes at @off into @buf (-EIO when short). */
	int (*load_range)(struct backup_backend *be, enum backup_file t,
			  const char *name, uint64_t off, size_t len,
			  uint8_t *buf);
	int (*size)(struct backup_backend *be, enum backup_file t,
		    const char *name, uint64_t *size);
	/* Durable before it returns, and never seen half-written; refuses
	 * to replace an existing file (-EEXIST). */
	int (*save)(struct backup_backend *be, enum backup_file t,
		    const char *name, const void *buf, size_t len);
	int (*remove)(struct backup_backend *be, enum backup_file t,
		      const char *name);
	/* Calls @fn with every well-named file of type @t (64 hex digits);
	 * others are skipped. Stops at and returns @fn's nonzero. */
	int (*list)(struct backup_backend *be, enum backup_file t,
		    int (*fn)(const char *name, uint64_t size, void *ud),
		    void *ud);
	/* Creates the layout of a new repository (-EEXIST when a config
	 * is already there). */
	int (*create)(struct backup_backend *be);
	void (*free)(struct backup_backend *be);
};

struct backup_backend {
	const struct backup_backend_ops *ops;
	char *location; /* as given, for messages */
};

/* A backend for @location (a local path for now; "local:PATH" too).
 * NULL and *err set (-ENOMEM, -EPROTONOSUPPORT for sftp:/rest:). */
struct backup_backend *backup_backend_open(const char *location, int *err);
void backup_backend_free(struct backup_backend *be);

#endif
