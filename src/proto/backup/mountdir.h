/* SPDX-License-Identifier: MIT */
/* The virtual folders `backup mount` shows above the snapshots (restic 0.14's ids/, snapshots/, hosts/, tags/ with "latest" links): built from a snapshot list, no I/O. */
#ifndef HEARTH_PROTO_BACKUP_MOUNTDIR_H
#define HEARTH_PROTO_BACKUP_MOUNTDIR_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

#include "proto/backup/gojson.h"
#include "proto/backup/tree.h"

/* What the builder needs of one snapshot (borrowed; oldest first). */
struct bk_mount_snap {
	struct bk_time time;
	const char *hex;	     /* the id, 64 hex digits */
	const char *host;	     /* may be NULL or "" */
	const char *const *tags;
	size_t n_tags;
};

enum bk_ment_kind {
	BK_MENT_DIR,  /* a virtual folder: kids */
	BK_MENT_SNAP, /* a snapshot's root tree: snap */
	BK_MENT_LINK, /* "latest": target (a sibling's name), snap */
};

/* One entry; everything owned by the tree (bk_ment_free on the root). */
struct bk_ment {
	char *name;
	enum bk_ment_kind kind;
	size_t snap;		/* index into the builder's list */
	char *target;
	struct bk_ment **kids;	/* sorted by name (byte order) once built */
	size_t n, cap;
	struct bk_ment *latest; /* while building: the newest snapshot entry */
};

/* Go's time.Format("2006-01-02T15:04:05Z07:00") of @t in its own zone
 * offset ("Z" for UTC). 0, or -EINVAL (out "") when the year is outside
 * 0..9999 or @cap is too small (26 bytes suffice). */
int bk_mount_time_name(const struct bk_time *t, char *out, size_t cap);

/* A name @base made unique among @dir's kids as restic does: base,
 * base-1, base-2, ... into a malloc'd string (NULL: out of memory). */
char *bk_ment_unique_name(const struct bk_ment *dir, const char *base);

/*
 * The root folder for @n snapshots (oldest first): ids/<8 hex>,
 * snapshots/<time>, hosts/<host>/<time>, tags/<tag>/<time> (a host or tag
 * with '/' makes nested folders; empty, "." and ".." parts are left out),
 * duplicates suffixed -1, -2..., and a "latest" link in each time folder
 * to its newest snapshot. NULL when out of memory. Not thread-safe.
 */
struct bk_ment *bk_ment_build(const struct bk_mount_snap *v, size_t n);
void bk_ment_free(struct bk_ment *e);

/* The kid of @dir named @name (NULL: none, or @dir is no folder). */
const struct bk_ment *bk_ment_find(const struct bk_ment *dir, const char *name);
/* The entry at @path ("/", "/snapshots/latest"; empty parts skipped),
 * links not followed; NULL when none. When the path goes on below a
 * snapshot entry, that entry is returned and *rest points at what is left
 * (without its leading '/'; "" when nothing is). */
const struct bk_ment *bk_ment_lookup(const struct bk_ment *root, const char *path,
				     const char **rest);

/* Whether @t's names are strictly ascending (restic's order; then
 * bk_tree_find_name may search by halves). */
bool bk_tree_is_sorted(const struct bk_tree *t);
/* Whether a folder can show @n's name: not empty, at most 255 bytes, no
 * '/' or NUL, not "." or "..". */
bool bk_node_name_ok(const struct bk_node *n);
/* The node of @t named @name[0..len) (one of them when a hostile tree has
 * it twice); NULL when none or its name cannot be shown. @sorted: from
 * bk_tree_is_sorted. Borrowed from @t. */
const struct bk_node *bk_tree_find_name(const struct bk_tree *t, bool sorted, const char *name,
					size_t len);

#endif
