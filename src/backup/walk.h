/* SPDX-License-Identifier: MIT */
/* Sets of blob ids and walking a snapshot's trees (every node with its path): what prune, check, ls, diff, dump, stats and copy share. */
#ifndef HEARTH_BACKUP_WALK_H
#define HEARTH_BACKUP_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"
#include "proto/backup/tree.h"

/* A set of 32-byte ids (open addressing). Not thread-safe. */
struct backup_idset;
struct backup_idset *backup_idset_new(void);
void backup_idset_free(struct backup_idset *s);
/* 1 when @id was there already, 0 when added, -ENOMEM. */
int backup_idset_add(struct backup_idset *s, const uint8_t id[32]);
bool backup_idset_has(const struct backup_idset *s, const uint8_t id[32]);
size_t backup_idset_count(const struct backup_idset *s);
/* Calls @fn with every id (any order); stops at and returns nonzero. */
int backup_idset_each(const struct backup_idset *s, int (*fn)(const uint8_t id[32], void *ud),
		      void *ud);

/* Loads and decodes tree blob @id into @t (initialised here; deinit it
 * even on failure). -ENOENT when the index lacks it, BACKUP_ECORRUPT. */
int backup_tree_load(struct backup_repo *repo, const struct backup_index *idx,
		     const uint8_t id[32], struct bk_tree *t);

/*
 * Calls @fn for each node below tree @root in depth-first, name order,
 * with its path ("/" joined from @prefix, e.g. "/home/a"). @fn returns
 * 0 to go on (into a dir's subtree), 1 to skip the subtree, < 0 to stop
 * (returned). With @seen (may be NULL) a subtree already in it is not
 * entered again (and each one entered is added). A tree that does not
 * load goes to @bad (may be NULL: then the walk stops with its code)
 * with the tree id and the path of the dir holding it.
 */
struct backup_walk {
	struct backup_repo *repo;
	const struct backup_index *idx;
	struct backup_idset *seen;
	int (*fn)(void *ud, const char *path, const struct bk_node *n);
	void (*bad)(void *ud, const uint8_t tree[32], const char *path, int err);
	void *ud;
};
int backup_walk_tree(struct backup_walk *w, const uint8_t root[32], const char *prefix);

/* Every tree and data blob the snapshots' trees name, into @trees and
 * @data (each tree is read once). Stops at the first tree that does not
 * load (its code, the id into @missing when not NULL). */
int backup_used_blobs(struct backup_repo *repo, const struct backup_index *idx,
		      const uint8_t (*roots)[32], size_t n_roots, struct backup_idset *trees,
		      struct backup_idset *data, uint8_t missing[32]);

#endif
