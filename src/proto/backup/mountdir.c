/* SPDX-License-Identifier: MIT */
/* The virtual folders of `backup mount` (restic 0.14's layout) built from a snapshot list. */
#include "proto/backup/mountdir.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int bk_mount_time_name(const struct bk_time *t, char *out, size_t cap)
{
	struct tm tm;
	if (cap)
		out[0] = '\0';
	/* years 0..9999 span these seconds; the offset is within a day */
	if (t->sec < -62167219200LL || t->sec > 253402300799LL || t->off < -86399 ||
	    t->off > 86399)
		return -EINVAL;
	time_t s = (time_t)(t->sec + t->off);
	if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return -EINVAL;
	char zone[16] = "Z";
	if (t->off) {
		int o = t->off < 0 ? -t->off : t->off;
		snprintf(zone, sizeof zone, "%c%02d:%02d", t->off < 0 ? '-' : '+', o / 3600,
			 o / 60 % 60);
	}
	int w = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
	if (w < 0 || (size_t)w >= cap) {
		if (cap)
			out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

/* Linear: used while building, before the kids are sorted. */
static struct bk_ment *kid_named(const struct bk_ment *dir, const char *name)
{
	for (size_t i = 0; i < dir->n; i++)
		if (!strcmp(dir->kids[i]->name, name))
			return dir->kids[i];
	return NULL;
}

char *bk_ment_unique_name(const struct bk_ment *dir, const char *base)
{
	size_t cap = strlen(base) + 24;
	char *name = malloc(cap);
	if (!name)
		return NULL;
	snprintf(name, cap, "%s", base);
	for (unsigned long i = 1; kid_named(dir, name); i++)
		snprintf(name, cap, "%s-%lu", base, i);
	return name;
}

static struct bk_ment *add_kid(struct bk_ment *dir, char *name, enum bk_ment_kind kind)
{
	struct bk_ment *e = name ? calloc(1, sizeof *e) : NULL;
	if (e && dir->n == dir->cap) {
		size_t cap = dir->cap ? dir->cap * 2 : 8;
		struct bk_ment **k = realloc(dir->kids, cap * sizeof *k);
		if (!k) {
			free(e);
			e = NULL;
		} else {
			dir->kids = k;
			dir->cap = cap;
		}
	}
	if (!e) {
		free(name);
		return NULL;
	}
	e->name = name;
	e->kind = kind;
	dir->kids[dir->n++] = e;
	return e;
}

/* The folder @name below @dir, made when missing; NULL when that name is
 * taken by something else or memory ran out. */
static struct bk_ment *subdir(struct bk_ment *dir, const char *name, size_t len)
{
	char *n = strndup(name, len);
	if (!n)
		return NULL;
	struct bk_ment *e = kid_named(dir, n);
	if (e) {
		free(n);
		return e->kind == BK_MENT_DIR ? e : NULL;
	}
	return add_kid(dir, n, BK_MENT_DIR);
}

/* Walks @path's '/'-separated parts below @dir (skipping empty, "." and
 * ".."), making folders. */
static struct bk_ment *subpath(struct bk_ment *dir, const char *path)
{
	const char *p = path;
	while (dir && *p) {
		size_t l = strcspn(p, "/");
		if (l && !(l == 1 && p[0] == '.') && !(l == 2 && p[0] == '.' && p[1] == '.'))
			dir = subdir(dir, p, l);
		p += l;
		if (*p == '/')
			p++;
	}
	return dir;
}

/* A snapshot entry named @base (made unique) in @dir; with @time_dir the
 * folder's latest. 0 or -ENOMEM; a folder that cannot be made is skipped. */
static int add_snap(struct bk_ment *dir, const char *base, size_t snap, bool time_dir)
{
	if (!dir)
		return 0;
	struct bk_ment *e = add_kid(dir, bk_ment_unique_name(dir, base), BK_MENT_SNAP);
	if (!e)
		return -ENOMEM;
	e->snap = snap;
	if (time_dir)
		dir->latest = e;
	return 0;
}

static int cmp_kid(const void *a, const void *b)
{
	const struct bk_ment *x = *(const struct bk_ment *const *)a;
	const struct bk_ment *y = *(const struct bk_ment *const *)b;
	return strcmp(x->name, y->name);
}

/* Adds the "latest" links and sorts every folder. */
static int finish(struct bk_ment *dir)
{
	if (dir->latest && !kid_named(dir, "latest")) {
		struct bk_ment *l = add_kid(dir, strdup("latest"), BK_MENT_LINK);
		if (!l || !(l->target = strdup(dir->latest->name)))
			return -ENOMEM;
		l->snap = dir->latest->snap;
	}
	dir->latest = NULL;
	for (size_t i = 0; i < dir->n; i++)
		if (dir->kids[i]->kind == BK_MENT_DIR && finish(dir->kids[i]))
			return -ENOMEM;
	if (dir->n > 1)
		qsort(dir->kids, dir->n, sizeof *dir->kids, cmp_kid);
	return 0;
}

struct bk_ment *bk_ment_build(const struct bk_mount_snap *v, size_t n)
{
	struct bk_ment *root = calloc(1, sizeof *root);
	if (!root || !(root->name = strdup(""))) {
		free(root);
		return NULL;
	}
	struct bk_ment *ids = subdir(root, "ids", 3), *snaps = subdir(root, "snapshots", 9);
	struct bk_ment *hosts = subdir(root, "hosts", 5), *tags = subdir(root, "tags", 4);
	int rc = ids && snaps && hosts && tags ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		char t[40], id[9];
		if (bk_mount_time_name(&v[i].time, t, sizeof t))
			snprintf(t, sizeof t, "invalid-time");
		snprintf(id, sizeof id, "%.8s", v[i].hex ? v[i].hex : "");
		rc = add_snap(ids, id, i, false);
		if (!rc)
			rc = add_snap(snaps, t, i, true);
		if (!rc && v[i].host && v[i].host[0]) {
			struct bk_ment *d = subpath(hosts, v[i].host);
			rc = add_snap(d == hosts ? NULL : d, t, i, true);
		}
		for (size_t k = 0; !rc && k < v[i].n_tags; k++)
			if (v[i].tags[k] && v[i].tags[k][0]) {
				struct bk_ment *d = subpath(tags, v[i].tags[k]);
				rc = add_snap(d == tags ? NULL : d, t, i, true);
			}
	}
	if (!rc)
		rc = finish(root);
	if (rc) {
		bk_ment_free(root);
		return NULL;
	}
	return root;
}

void bk_ment_free(struct bk_ment *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		bk_ment_free(e->kids[i]);
	free(e->kids);
	free(e->name);
	free(e->target);
	free(e);
}

const struct bk_ment *bk_ment_find(const struct bk_ment *dir, const char *name)
{
	if (!dir || dir->kind != BK_MENT_DIR)
		return NULL;
	size_t lo = 0, hi = dir->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(dir->kids[mid]->name, name);
		if (!c)
			return dir->kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct bk_ment *bk_ment_lookup(const struct bk_ment *root, const char *path,
				     const char **rest)
{
	const struct bk_ment *e = root;
	const char *p = path;
	char part[256];
	*rest = "";
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p || e->kind != BK_MENT_DIR) {
			if (e->kind == BK_MENT_SNAP)
				*rest = p;
			else if (*p)
				return NULL; /* below a link */
			return e;
		}
		size_t l = strcspn(p, "/");
		if (l >= sizeof part)
			return NULL;
		memcpy(part, p, l);
		part[l] = '\0';
		if (!(e = bk_ment_find(e, part)))
			return NULL;
		p += l;
	}
}

bool bk_tree_is_sorted(const struct bk_tree *t)
{
	for (size_t i = 1; i < t->n; i++) {
		const struct bk_node *a = &t->nodes[i - 1], *b = &t->nodes[i];
		size_t l = a->name_len < b->name_len ? a->name_len : b->name_len;
		int c = l ? memcmp(a->name, b->name, l) : 0;
		if (c > 0 || (!c && a->name_len >= b->name_len))
			return false;
	}
	return true;
}

bool bk_node_name_ok(const struct bk_node *n)
{
	if (!n->name || !n->name_len || n->name_len > 255 || memchr(n->name, '/', n->name_len) ||
	    memchr(n->name, '\0', n->name_len))
		return false;
	return !(n->name_len == 1 && n->name[0] == '.') &&
	       !(n->name_len == 2 && n->name[0] == '.' && n->name[1] == '.');
}

static int name_cmp(const struct bk_node *n, const char *name, size_t len)
{
	size_t l = n->name_len < len ? n->name_len : len;
	int c = l ? memcmp(n->name, name, l) : 0;
	if (!c)
		c = n->name_len < len ? -1 : n->name_len > len;
	return c;
}

const struct bk_node *bk_tree_find_name(const struct bk_tree *t, bool sorted, const char *name,
					size_t len)
{
	const struct bk_node *hit = NULL;
	if (sorted) {
		size_t lo = 0, hi = t->n;
		while (!hit && lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = name_cmp(&t->nodes[mid], name, len);
			if (!c)
				hit = &t->nodes[mid];
			else if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	} else {
		for (size_t i = 0; !hit && i < t->n; i++)
			if (!name_cmp(&t->nodes[i], name, len))
				hit = &t->nodes[i];
	}
	return hit && bk_node_name_ok(hit) ? hit : NULL;
}
