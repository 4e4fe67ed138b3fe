/* SPDX-License-Identifier: MIT */
/* Where a repository's files live: the backend interface (local path, SFTP, restic's REST protocol) and its options. */
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
	/* A hint that @len bytes at @off (0: to the end) are read soon (the
	 * local backend starts reading them into the page cache). May be
	 * NULL. */
	int (*prefetch)(struct backup_backend *be, enum backup_file t,
			const char *name, uint64_t off, uint64_t len);
	/* Creates the layout of a new repository (-EEXIST when a config
	 * is already there). */
	int (*create)(struct backup_backend *be);
	void (*free)(struct backup_backend *be);
	/* Optional (NULL: buffer the file and call save): a file written
	 * piece by piece into a temporary, unseen until stream_commit names
	 * it (durable on return, -EEXIST as save) and frees @h; stream_abort
	 * drops it. One thread at a time per stream. */
	int (*stream_open)(struct backup_backend *be, enum backup_file t,
			   void **h);
	int (*stream_write)(void *h, const void *buf, size_t len);
	int (*stream_commit)(struct backup_backend *be, void *h,
			     const char *name);
	void (*stream_abort)(void *h);
};

struct backup_backend {
	const struct backup_backend_ops *ops;
	char *location; /* as given, for messages */
};

/*
 * A backend for @location as restic spells it: a path or "local:PATH",
 * "sftp:[USER@]HOST:PATH" / "sftp://[USER@]HOST[:PORT]//PATH" (libssh:
 * the agent or the default keys, ~/.ssh/config and known_hosts, or the
 * sftp.* options), "rest:http(s)://[USER:PASS@]HOST:PORT/[REPO/]"
 * (restic's REST protocol v2). Remote backends connect here. NULL and
 * *err set (-ENOMEM, -EINVAL for a malformed location, -EPROTONOSUPPORT,
 * -ECONNREFUSED, -EACCES, ...), with a one-line reason in @why (may be
 * NULL) when there is more to say than the code.
 */
struct backup_backend *backup_backend_open_why(const char *location, int *err,
					       char *why, size_t why_cap);
struct backup_backend *backup_backend_open(const char *location, int *err);
void backup_backend_free(struct backup_backend *be);

/*
 * Backend options, restic's -o KEY=VALUE: process-wide, set before a
 * backend opens (the CLI's parsing, one thread). Known keys:
 * sftp.config (an ssh_config file instead of ~/.ssh/config),
 * sftp.identity (a private key file), sftp.known_hosts (a known_hosts
 * file), sftp.port, sftp.user; rest.timeout (seconds a request may take).
 * Returns 0, -EINVAL (no '=' or an unknown key), -ENOSPC (too many).
 * @kv is copied.
 */
int backup_backend_set_option(const char *kv);
/* The value of option @key, or NULL. */
const char *backup_backend_option(const char *key);

/* True when @name is a file name a repository may hold: 64 lower-case
 * hex digits. */
int backup_backend_name_ok(const char *name);

/* fsync()s directory @dir: 0 or a negated errno. */
int backup_fsync_dir(const char *dir);
/*
 * A file written durably in a local folder: @len bytes into a temp file
 * made from @tmpl (a mkostemp template, edited in place), mode @mode,
 * fsync'd, then named @path without ever replacing a file (-EEXIST when
 * it exists; link(), or renameat2 NOREPLACE where there are no hard
 * links), then @dir (the folder of @path) fsync'd. The temp file never
 * stays behind. 0 or a negated errno.
 */
int backup_file_save_durable(char *tmpl, const char *path, const char *dir,
			     const void *buf, size_t len, unsigned mode);

/* The implementations (backend.c picks one from the location). */
struct backup_location;
struct backup_backend *backup_local_open(const struct backup_location *loc,
					 const char *location, int *err);
struct backup_backend *backup_sftp_open(const struct backup_location *loc,
					const char *location, int *err,
					char *why, size_t why_cap);
struct backup_backend *backup_rest_open(const struct backup_location *loc,
					const char *location, int *err,
					char *why, size_t why_cap);

#endif
