/* SPDX-License-Identifier: MIT */
/* Id sets and tree walks (see walk.h). */
#include "backup/walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

struct backup_idset {
	uint8_t (*slots)[32];
	uint8_t *used;
	size_t cap, n;
};

struct backup_idset *backup_idset_new(void)
{
	return calloc(1, sizeof(struct backup_idset));
}

void backup_idset_free(struct backup_idset *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s->used);
	free(s);
}

static size_t slot_of(const struct backup_idset *s, const uint8_t id[32])
{
	uint64_t h;
	memcpy(&h, id, sizeof h); /* ids are SHA-256: already uniform */
	size_t i = (size_t)(h & (s->cap - 1));
	while (s->used[i] && memcmp(s->slots[i], id, 32))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int grow(struct backup_idset *s)
{
	size_t nc = s->cap ? s->cap * 2 : 1024;
	struct backup_idset ns = {calloc(nc, 32), calloc(nc, 1), nc, 0};
	if (!ns.slots || !ns.used) {
		free(ns.slots);
		free(ns.used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i]) {
			size_t k = slot_of(&ns, s->slots[i]);
			memcpy(ns.slots[k], s->slots[i], 32);
			ns.used[k] = 1;
			ns.n++;
		}
	free(s->slots);
	free(s->used);
	*s = ns;
	return 0;
}

int backup_idset_add(struct backup_idset *s, const uint8_t id[32])
{
	if ((s->n + 1) * 4 > s->cap * 3 && grow(s))
		return -ENOMEM;
	size_t k = slot_of(s, id);
	if (s->used[k])
		return 1;
	memcpy(s->slots[k], id, 32);
	s->used[k] = 1;
	s->n++;
	return 0;
}

bool backup_idset_has(const struct backup_idset *s, const uint8_t id[32])
{
	return s->cap && s->used[slot_of(s, id)];
}

size_t backup_idset_count(const struct backup_idset *s)
{
	return s->n;
}

int backup_idset_each(const struct backup_idset *s, int (*fn)(const uint8_t id[32], void *ud),
		      void *ud)
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i]) {
			int r = fn(s->slots[i], ud);
			if (r)
				return r;
		}
	return 0;
}

int backup_tree_load(struct backup_repo *repo, const struct backup_index *idx,
		     const uint8_t id[32], struct bk_tree *t)
{
	uint8_t *data = NULL;
	size_t len = 0;
	bk_tree_init(t);
	int rc = backup_repo_read_blob(repo, idx, id, BACKUP_BLOB_TREE, &data, &len);
	if (!rc && bk_tree_decode((const char *)data, len, t))
		rc = BACKUP_ECORRUPT;
	free(data);
	return rc;
}

static int walk(struct backup_walk *w, const uint8_t id[32], const char *prefix, int depth)
{
	if (depth > MAX_DEPTH)
		return BACKUP_ECORRUPT;
	if (w->seen) {
		int r = backup_idset_add(w->seen, id);
		if (r)
			return r < 0 ? r : 0;
	}
	struct bk_tree t;
	int rc = backup_tree_load(w->repo, w->idx, id, &t);
	if (rc) {
		bk_tree_deinit(&t);
		if (!w->bad)
			return rc;
		w->bad(w->ud, id, prefix, rc);
		return 0;
	}
	size_t plen = strlen(prefix);
	for (size_t i = 0; !rc && i < t.n; i++) {
		const struct bk_node *n = &t.nodes[i];
		char *path = malloc(plen + n->name_len + 2);
		if (!path) {
			rc = -ENOMEM;
			break;
		}
		/* "/" joins; a root prefix "" or "/" gives "/name" */
		size_t k = plen && prefix[plen - 1] == '/' ? plen - 1 : plen;
		memcpy(path, prefix, k);
		path[k] = '/';
		memcpy(path + k + 1, n->name, n->name_len);
		path[k + 1 + n->name_len] = '\0';
		int r = w->fn ? w->fn(w->ud, path, n) : 0;
		if (r < 0)
			rc = r;
		else if (!r && n->type == BK_NODE_DIR && n->has_subtree)
			rc = walk(w, n->subtree.b, path, depth + 1);
		free(path);
	}
	bk_tree_deinit(&t);
	return rc;
}

int backup_walk_tree(struct backup_walk *w, const uint8_t root[32], const char *prefix)
{
	return walk(w, root, prefix ? prefix : "", 0);
}

struct used {
	struct backup_idset *data;
	uint8_t *missing;
	int err;
};

static void used_bad(void *ud, const uint8_t tree[32], const char *path, int err)
{
	struct used *u = ud;
	(void)path;
	if (!u->err) {
		u->err = err;
		if (u->missing)
			memcpy(u->missing, tree, 32);
	}
}

static int used_node(void *ud, const char *path, const struct bk_node *n)
{
	struct used *u = ud;
	(void)path;
	if (u->err)
		return u->err;
	for (size_t i = 0; i < n->n_content; i++)
		if (backup_idset_add(u->data, n->content[i].b) < 0)
			return -ENOMEM;
	return 0;
}

int backup_used_blobs(struct backup_repo *repo, const struct backup_index *idx,
		      const uint8_t (*roots)[32], size_t n_roots, struct backup_idset *trees,
		      struct backup_idset *data, uint8_t missing[32])
{
	struct used u = {data, missing, 0};
	struct backup_walk w = {repo, idx, trees, used_node, used_bad, &u};
	for (size_t i = 0; i < n_roots && !u.err; i++) {
		int rc = backup_walk_tree(&w, roots[i], "");
		if (rc && !u.err)
			u.err = rc;
	}
	return u.err;
}
