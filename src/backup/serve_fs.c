/* SPDX-License-Identifier: MIT */
/* The repository folders `hearth backup serve` serves: layout, listings, saves through a temporary name + fsync + link, reads, removals. */
#include "backup/serve_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/backend.h"
#include "proto/backup/id.h"

static const char *const types[] = {"data", "index", "keys", "locks",
				    "snapshots"};

/* The folder of @p's file, and the file. */
static int paths(const char *dir, const struct backup_rest_path *p,
		 char *folder, char *file, size_t cap)
{
	int a, b;
	if (p->what == BACKUP_REST_CONFIG) {
		a = snprintf(folder, cap, "%s", dir);
		b = snprintf(file, cap, "%s/config", dir);
	} else if (p->what == BACKUP_REST_FILE && !strcmp(p->type, "data")) {
		a = snprintf(folder, cap, "%s/data/%.2s", dir, p->name);
		b = snprintf(file, cap, "%s/%s", folder, p->name);
	} else if (p->what == BACKUP_REST_FILE) {
		a = snprintf(folder, cap, "%s/%s", dir, p->type);
		b = snprintf(file, cap, "%s/%s", folder, p->name);
	} else
		return -EINVAL;
	return a < 0 || b < 0 || (size_t)a >= cap || (size_t)b >= cap
		       ? -ENAMETOOLONG
		       : 0;
}

static int mkdir1(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

int backup_serve_fs_create(const char *root, const char *dir)
{
	char p[4096];
	size_t rl = strlen(root);
	if (strlen(dir) >= sizeof(p) - 64)
		return -ENAMETOOLONG;
	/* The repository's own folders below the root, one by one. */
	int rc = mkdir1(root);
	for (size_t i = rl + 1; !rc && i <= strlen(dir); i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		memcpy(p, dir, i);
		p[i] = '\0';
		rc = mkdir1(p);
	}
	for (size_t i = 0; !rc && i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, types[i]);
		rc = mkdir1(p);
	}
	for (int i = 0; !rc && i < 256; i++) {
		snprintf(p, sizeof(p), "%s/data/%02x", dir, i);
		rc = mkdir1(p);
	}
	if (!rc) {
		snprintf(p, sizeof(p), "%s/data", dir);
		rc = backup_fsync_dir(p);
	}
	if (!rc)
		rc = backup_fsync_dir(dir);
	return rc;
}

static int name_ok(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int list_one(const char *folder, json_t *arr, int v2)
{
	DIR *d = opendir(folder);
	if (!d)
		return -errno;
	struct dirent *de;
	int rc = 0;
	while (!rc && (de = readdir(d))) {
		struct stat st;
		if (!name_ok(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		json_t *e = v2 ? json_pack("{s:s,s:I}", "name", de->d_name,
					   "size", (json_int_t)st.st_size)
			       : json_string(de->d_name);
		if (!e || json_array_append_new(arr, e))
			rc = -ENOMEM;
	}
	closedir(d);
	return rc;
}

int backup_serve_fs_list(const char *dir, const char *type, int v2,
			 struct buf *out)
{
	char folder[4096];
	if (snprintf(folder, sizeof(folder), "%s/%s", dir, type) >=
	    (int)sizeof(folder))
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(folder, &st))
		return -errno;
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	int rc = 0;
	if (!strcmp(type, "data")) {
		for (int i = 0; !rc && i < 256; i++) {
			char sub[4200];
			snprintf(sub, sizeof(sub), "%s/%02x", folder, i);
			rc = list_one(sub, arr, v2);
			if (rc == -ENOENT)
				rc = 0;
		}
	} else
		rc = list_one(folder, arr, v2);
	char *text = rc ? NULL : json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!rc && (!text || buf_puts(out, text)))
		rc = -ENOMEM;
	free(text);
	return rc;
}

int backup_serve_fs_open(const char *dir, const struct backup_rest_path *p,
			 int *fd, uint64_t *size)
{
	char folder[4096], file[4096];
	int rc = paths(dir, p, folder, file, sizeof(folder));
	if (rc)
		return rc;
	int f = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return errno == ELOOP ? -ENOENT : -errno;
	struct stat st;
	if (fstat(f, &st) || !S_ISREG(st.st_mode)) {
		close(f);
		return -ENOENT;
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	return 0;
}

int backup_serve_fs_save(const char *dir, const struct backup_rest_path *p,
			 const void *body, size_t len, int verify)
{
	char folder[4096], file[4096], tmp[4200];
	int rc = paths(dir, p, folder, file, sizeof(folder));
	if (rc)
		return rc;
	if (verify && p->what == BACKUP_REST_FILE) {
		uint8_t id[32];
		char hex[BACKUP_ID_HEX];
		backup_sha256(body, len, id);
		backup_id_hex(id, hex);
		if (strcmp(hex, p->name))
			return -EBADMSG;
	}
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return -ENOENT; /* no such repository */
	if (lstat(file, &st) == 0)
		return -EEXIST;
	if (p->what == BACKUP_REST_FILE && (rc = mkdir1(folder)))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s/.hearth-tmp-XXXXXX", folder);
	return backup_file_save_durable(tmp, file, folder, body, len, 0600);
}

int backup_serve_fs_remove(const char *dir, const struct backup_rest_path *p)
{
	char folder[4096], file[4096];
	int rc = paths(dir, p, folder, file, sizeof(folder));
	if (rc)
		return rc;
	if (unlink(file))
		return -errno;
	return backup_fsync_dir(folder);
}
