/* SPDX-License-Identifier: MIT */
/* The backup's scanner thread (see scan.h): a metadata-only walk of the paths feeding the status line's totals. */
#include "backup/scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 256

struct backup_scan {
	struct backup_progress *p;
	const struct backup_archive_opts *o;
	pthread_t thread;
	atomic_bool stop;
	dev_t dev; /* the target's device, for --one-file-system */
};

static void scan(struct backup_scan *s, const char *path, int depth)
{
	struct stat st;
	if (atomic_load(&s->stop) || depth > MAX_DEPTH || lstat(path, &st) != 0)
		return;
	if (depth == 0)
		s->dev = st.st_dev;
	if (s->o->excludes && s->o->excludes->n && bk_excludes_match(s->o->excludes, path))
		return;
	if (S_ISREG(st.st_mode)) {
		backup_progress_add_total(s->p, 1, (uint64_t)st.st_size);
		return;
	}
	if (!S_ISDIR(st.st_mode) || (s->o->one_file_system && st.st_dev != s->dev))
		return;
	DIR *d = opendir(path);
	if (!d)
		return;
	size_t pl = strlen(path);
	struct dirent *e;
	while ((e = readdir(d)) && !atomic_load(&s->stop)) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = malloc(pl + strlen(e->d_name) + 2);
		if (!sub)
			break;
		sprintf(sub, pl && path[pl - 1] == '/' ? "%s%s" : "%s/%s", path, e->d_name);
		scan(s, sub, depth + 1);
		free(sub);
	}
	closedir(d);
}

static void *run(void *arg)
{
	struct backup_scan *s = arg;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		cwd[0] = 0;
	for (size_t i = 0; i < s->o->n_paths && !atomic_load(&s->stop); i++) {
		const char *p = s->o->paths[i];
		char *abs = NULL;
		/* excludes match absolute paths, as the backup's do */
		if (p[0] != '/' && (abs = malloc(strlen(cwd) + strlen(p) + 2)))
			sprintf(abs, "%s/%s", cwd, p);
		scan(s, abs ? abs : p, 0);
		free(abs);
	}
	return NULL;
}

struct backup_scan *backup_scan_start(struct backup_progress *p, const struct backup_archive_opts *o)
{
	struct backup_scan *s = p ? calloc(1, sizeof *s) : NULL;
	if (!s)
		return NULL;
	s->p = p;
	s->o = o;
	atomic_init(&s->stop, false);
	if (pthread_create(&s->thread, NULL, run, s)) {
		free(s);
		return NULL;
	}
	return s;
}

void backup_scan_stop(struct backup_scan *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	free(s);
}

/* What one file may be read ahead; the backup's own read-ahead takes over
 * past it. */
#define RA_FILE (4u << 20)
/* How far (bytes asked for) the walk may run ahead of the backup. */
#define RA_WINDOW (48u << 20)

struct backup_readahead {
	pthread_t thread;
	atomic_bool stop;
	_Atomic uint64_t done;	/* bytes the backup is past */
	uint64_t issued;	/* the thread's */
	time_t since;
	bool one_fs;
	dev_t dev;	/* the target's, with one_fs */
	char **paths;
	size_t n;
};

static uint64_t ra_part(uint64_t size)
{
	return size < RA_FILE ? size : RA_FILE;
}

/* Waits (bounded polls) while the walk is a window ahead. */
static bool ra_wait(struct backup_readahead *r)
{
	while (!atomic_load(&r->stop)) {
		if (r->issued <= atomic_load(&r->done) + RA_WINDOW)
			return true;
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return false;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void ra_file(struct backup_readahead *r, int dfd, const char *name, const struct stat *st)
{
	if (st->st_size <= 0 || (r->since && st->st_ctim.tv_sec < r->since))
		return;
	if (!ra_wait(r))
		return;
	const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int fd = openat(dfd, name, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, flags);
	if (fd < 0)
		return;
	uint64_t part = ra_part((uint64_t)st->st_size);
	posix_fadvise(fd, 0, (off_t)part, POSIX_FADV_WILLNEED);
	close(fd);
	r->issued += part;
}

/* A directory opened as the backup opens it (O_NOATIME where allowed). */
static int ra_opendir(int at, const char *name)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(at, name, flags | O_NOATIME);

	return fd < 0 && errno == EPERM ? openat(at, name, flags) : fd;
}

static void ra_dir(struct backup_readahead *r, int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (!d) {
		close(dfd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 32;
			char **v = realloc(names, c * sizeof *v);
			if (!v)
				break;
			names = v;
			cap = c;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && !atomic_load(&r->stop); i++) {
		struct stat st;
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISREG(st.st_mode)) {
			ra_file(r, dirfd(d), names[i], &st);
		} else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH &&
			   (!r->one_fs || st.st_dev == r->dev)) {
			int sub = ra_opendir(dirfd(d), names[i]);
			if (sub >= 0)
				ra_dir(r, sub, depth + 1);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
}

static void *ra_run(void *arg)
{
	struct backup_readahead *r = arg;

	for (size_t i = 0; i < r->n && !atomic_load(&r->stop); i++) {
		struct stat st;
		if (lstat(r->paths[i], &st))
			continue;
		r->dev = st.st_dev;
		if (S_ISREG(st.st_mode)) {
			ra_file(r, AT_FDCWD, r->paths[i], &st);
		} else if (S_ISDIR(st.st_mode)) {
			int fd = ra_opendir(AT_FDCWD, r->paths[i]);
			if (fd >= 0)
				ra_dir(r, fd, 0);
		}
	}
	return NULL;
}

static void ra_free(struct backup_readahead *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r);
}

struct backup_readahead *backup_readahead_start(const char *const *paths, size_t n, time_t since,
						bool one_fs)
{
	struct backup_readahead *r = calloc(1, sizeof *r);

	if (!r || !(r->paths = calloc(n ? n : 1, sizeof *r->paths))) {
		free(r);
		return NULL;
	}
	for (; r->n < n; r->n++)
		if (!(r->paths[r->n] = strdup(paths[r->n]))) {
			ra_free(r);
			return NULL;
		}
	r->since = since;
	r->one_fs = one_fs;
	atomic_init(&r->stop, false);
	atomic_init(&r->done, 0);
	if (pthread_create(&r->thread, NULL, ra_run, r)) {
		ra_free(r);
		return NULL;
	}
	return r;
}

void backup_readahead_done(struct backup_readahead *r, uint64_t size)
{
	if (r)
		atomic_fetch_add(&r->done, ra_part(size));
}

void backup_readahead_stop(struct backup_readahead *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	ra_free(r);
}
