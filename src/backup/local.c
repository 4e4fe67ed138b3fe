/* SPDX-License-Identifier: MIT */
/* The local-path backend: restic's folder layout, writes through tmp/ with fsync, rename and a folder fsync. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backend.h"
#include "proto/backup/location.h"

struct local {
	struct backup_backend be;
	char *root;
};

/* The path of a file (or, with @dir_only, of its folder). */
static int path_of(const struct local *l, enum backup_file t, const char *name,
		   int dir_only, char *out, size_t cap)
{
	int n;
	if (t == BACKUP_FILE_CONFIG)
		n = dir_only ? snprintf(out, cap, "%s", l->root)
			     : snprintf(out, cap, "%s/config", l->root);
	else if (!backup_backend_name_ok(name))
		return -EINVAL;
	else if (t == BACKUP_FILE_PACK)
		n = dir_only ? snprintf(out, cap, "%s/data/%.2s", l->root, name)
			     : snprintf(out, cap, "%s/data/%.2s/%s", l->root,
					name, name);
	else
		n = dir_only ? snprintf(out, cap, "%s/%s", l->root,
					backup_file_dir(t))
			     : snprintf(out, cap, "%s/%s/%s", l->root,
					backup_file_dir(t), name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* A file opened for reading: the descriptor, or a negative errno. */
static int open_file(const struct local *l, enum backup_file t, const char *name)
{
	char path[4096];
	int rc = path_of(l, t, name, 0, path, sizeof(path));
	if (rc)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Reads up to @len bytes at @off; how many it got (short at the end of
 * the file or on an error). */
static size_t read_at(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static int l_load(struct backup_backend *be, enum backup_file t,
		  const char *name, size_t max, uint8_t **buf, size_t *len)
{
	int fd = open_file((struct local *)be, t, name);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EIO;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *p = malloc(size ? size : 1);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = read_at(fd, p, size, 0);
	close(fd);
	if (got != size) {
		free(p);
		return -EIO;
	}
	*buf = p;
	*len = size;
	return 0;
}

static int l_load_range(struct backup_backend *be, enum backup_file t,
			const char *name, uint64_t off, size_t len,
			uint8_t *buf)
{
	int fd = open_file((struct local *)be, t, name);
	if (fd < 0)
		return fd;
	size_t got = read_at(fd, buf, len, off);
	close(fd);
	return got == len ? 0 : -EIO;
}

static int l_prefetch(struct backup_backend *be, enum backup_file t,
		      const char *name, uint64_t off, uint64_t len)
{
	int fd = open_file((struct local *)be, t, name);
	if (fd < 0)
		return fd;
	int rc = posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_WILLNEED);
	close(fd);
	return -rc;
}

static int l_size(struct backup_backend *be, enum backup_file t,
		  const char *name, uint64_t *size)
{
	struct local *l = (struct local *)be;
	char path[4096];
	int rc = path_of(l, t, name, 0, path, sizeof(path));
	if (rc)
		return rc;
	struct stat st;
	if (stat(path, &st))
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

int backup_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Moves the finished temp file to its name, never replacing a file:
 * link() (fails when the name exists), or where the file system has no
 * hard links (FAT, some network mounts) renameat2(RENAME_NOREPLACE). */
static int publish(const char *tmp, const char *path)
{
	if (link(tmp, path) == 0)
		return 0;
	if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP &&
	    errno != EMLINK)
		return -errno;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	return -errno;
}

int backup_file_save_durable(char *tmpl, const char *path, const char *dir,
			     const void *buf, size_t len, unsigned mode)
{
	int fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = write_all(fd, buf, len);
	if (!rc && fchmod(fd, (mode_t)mode))
		rc = -errno;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc)
		rc = publish(tmpl, path);
	unlink(tmpl); /* after link(): the temp name; after a rename: gone */
	if (!rc)
		rc = backup_fsync_dir(dir);
	return rc;
}

static int l_save(struct backup_backend *be, enum backup_file t,
		  const char *name, const void *buf, size_t len)
{
	struct local *l = (struct local *)be;
	char path[4096], dir[4096], tmp[4096];
	int rc = path_of(l, t, name, 0, path, sizeof(path));
	if (!rc)
		rc = path_of(l, t, name, 1, dir, sizeof(dir));
	if (rc)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s/tmp/.hearth-XXXXXX", l->root) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (access(path, F_OK) == 0)
		return -EEXIST;
	if (t == BACKUP_FILE_PACK && mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	char tmpdir[4096];
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", l->root);
	if (mkdir(tmpdir, 0700) && errno != EEXIST)
		return -errno;
	/* restic makes its files read-only: they are never changed. */
	return backup_file_save_durable(tmp, path, dir, buf, len, 0400);
}

/* A file being streamed into tmp/ (stream_open). */
struct l_stream {
	int fd;
	off_t off;	/* bytes written */
	enum backup_file t;
	char tmp[4096];
};

static int l_stream_open(struct backup_backend *be, enum backup_file t,
			 void **h)
{
	struct local *l = (struct local *)be;
	struct l_stream *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->t = t;
	snprintf(s->tmp, sizeof(s->tmp), "%s/tmp", l->root);
	if (mkdir(s->tmp, 0700) && errno != EEXIST) {
		int rc = -errno;
		free(s);
		return rc;
	}
	if (snprintf(s->tmp, sizeof(s->tmp), "%s/tmp/.hearth-XXXXXX",
		     l->root) >= (int)sizeof(s->tmp)) {
		free(s);
		return -ENAMETOOLONG;
	}
	s->fd = mkostemp(s->tmp, O_CLOEXEC);
	if (s->fd < 0) {
		int rc = -errno;
		free(s);
		return rc;
	}
	s->off = 0;
	*h = s;
	return 0;
}

static int l_stream_write(void *h, const void *buf, size_t len)
{
	struct l_stream *s = h;
	int rc = write_all(s->fd, buf, len);
	/* start writing back now: the fsync at commit then has little to do */
	if (!rc)
		sync_file_range(s->fd, s->off, (off_t)len, SYNC_FILE_RANGE_WRITE);
	s->off += (off_t)len;
	return rc;
}

static void l_stream_abort(void *h)
{
	struct l_stream *s = h;
	if (!s)
		return;
	close(s->fd);
	unlink(s->tmp);
	free(s);
}

static int l_stream_commit(struct backup_backend *be, void *h,
			   const char *name)
{
	struct local *l = (struct local *)be;
	struct l_stream *s = h;
	char path[4096], dir[4096];
	int rc = path_of(l, s->t, name, 0, path, sizeof(path));
	if (!rc)
		rc = path_of(l, s->t, name, 1, dir, sizeof(dir));
	if (!rc && access(path, F_OK) == 0)
		rc = -EEXIST;
	if (!rc && s->t == BACKUP_FILE_PACK && mkdir(dir, 0700) &&
	    errno != EEXIST)
		rc = -errno;
	if (!rc && fchmod(s->fd, 0400))
		rc = -errno;
	if (!rc && fsync(s->fd))
		rc = -errno;
	if (close(s->fd) && !rc)
		rc = -errno;
	if (!rc)
		rc = publish(s->tmp, path);
	unlink(s->tmp);
	free(s);
	if (!rc)
		rc = backup_fsync_dir(dir);
	return rc;
}

static int l_remove(struct backup_backend *be, enum backup_file t,
		    const char *name)
{
	struct local *l = (struct local *)be;
	char path[4096], dir[4096];
	int rc = path_of(l, t, name, 0, path, sizeof(path));
	if (!rc)
		rc = path_of(l, t, name, 1, dir, sizeof(dir));
	if (rc)
		return rc;
	if (unlink(path))
		return -errno;
	return backup_fsync_dir(dir);
}

static int list_dir(const char *dir,
		    int (*fn)(const char *name, uint64_t size, void *ud),
		    void *ud)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		if (!backup_backend_name_ok(de->d_name))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, 0) ||
		    !S_ISREG(st.st_mode))
			continue;
		rc = fn(de->d_name, (uint64_t)st.st_size, ud);
	}
	closedir(d);
	return rc;
}

static int l_list(struct backup_backend *be, enum backup_file t,
		  int (*fn)(const char *name, uint64_t size, void *ud),
		  void *ud)
{
	struct local *l = (struct local *)be;
	char dir[4096];
	if (t == BACKUP_FILE_CONFIG)
		return -EINVAL;
	if (t != BACKUP_FILE_PACK) {
		snprintf(dir, sizeof(dir), "%s/%s", l->root, backup_file_dir(t));
		return list_dir(dir, fn, ud);
	}
	for (int i = 0; i < 256; i++) {
		snprintf(dir, sizeof(dir), "%s/data/%02x", l->root, i);
		int rc = list_dir(dir, fn, ud);
		if (rc)
			return rc;
	}
	return 0;
}

static int mkdir_p1(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

static int l_create(struct backup_backend *be)
{
	struct local *l = (struct local *)be;
	char p[4096];
	snprintf(p, sizeof(p), "%s/config", l->root);
	if (access(p, F_OK) == 0)
		return -EEXIST;
	int rc = mkdir_p1(l->root);
	static const char *const dirs[] = {"data",  "index", "keys",
					   "locks", "snapshots", "tmp"};
	for (size_t i = 0; !rc && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", l->root, dirs[i]);
		rc = mkdir_p1(p);
	}
	for (int i = 0; !rc && i < 256; i++) {
		snprintf(p, sizeof(p), "%s/data/%02x", l->root, i);
		rc = mkdir_p1(p);
	}
	if (!rc) {
		snprintf(p, sizeof(p), "%s/data", l->root);
		rc = backup_fsync_dir(p);
	}
	if (!rc)
		rc = backup_fsync_dir(l->root);
	return rc;
}

static void l_free(struct backup_backend *be)
{
	struct local *l = (struct local *)be;
	free(l->root);
	free(l->be.location);
	free(l);
}

static const struct backup_backend_ops local_ops = {
	.load = l_load,
	.prefetch = l_prefetch,
	.load_range = l_load_range,
	.size = l_size,
	.save = l_save,
	.remove = l_remove,
	.list = l_list,
	.create = l_create,
	.free = l_free,
	.stream_open = l_stream_open,
	.stream_write = l_stream_write,
	.stream_commit = l_stream_commit,
	.stream_abort = l_stream_abort,
};

struct backup_backend *backup_local_open(const struct backup_location *loc,
					 const char *location, int *err)
{
	*err = 0;
	struct local *l = calloc(1, sizeof(*l));
	if (l) {
		l->root = strdup(loc->path);
		l->be.location = strdup(location);
	}
	if (!l || !l->root || !l->be.location) {
		if (l)
			l_free(&l->be);
		*err = -ENOMEM;
		return NULL;
	}
	size_t n = strlen(l->root);
	while (n > 1 && l->root[n - 1] == '/')
		l->root[--n] = '\0';
	l->be.ops = &local_ops;
	return &l->be;
}
