/* SPDX-License-Identifier: MIT */
/* The backup's scanner thread (see scan.h): a metadata-only walk of the paths feeding the status line's totals. */
#include "backup/scan.h"

#include <dirent.h>
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
