/* SPDX-License-Identifier: MIT */
/* `backup --json`'s summary message as restic 0.14 writes it: new, changed and unmodified files and dirs from the new snapshot's trees against its parent's. */
#include "backup/cli_summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backup/walk.h"
#include "base/buf.h"
#include "proto/backup/index.h"

/* As deep as a snapshot may go here (a hostile parent cannot recurse us away). */
#define MAX_DEPTH 512

struct cmp {
	struct backup_repo *repo;
	struct backup_index *idx;
	struct backup_idset *trees; /* new trees counted once */
	const char *const *vpaths;  /* the backup's targets as the tree has them */
	size_t n_vpaths;
	struct backup_summary *s;
	struct buf a, b;
};

/* The node's path at or below a target (counted), not an intermediate dir
 * above one (restic counts only what it was given). */
static bool counted(const struct cmp *c, const char *path)
{
	size_t pl = strlen(path);
	for (size_t i = 0; i < c->n_vpaths; i++) {
		size_t vl = strlen(c->vpaths[i]);
		if (pl >= vl && !memcmp(path, c->vpaths[i], vl) && (pl == vl || path[vl] == '/'))
			return true;
	}
	return false;
}

/* restic's Node.Equals, every field as the tree stores it but the access
 * time: restic compares a file it did not read with itself, hearth's
 * archiver takes a fresh lstat (reading the file last time moved atime). */
static bool same_node(struct cmp *c, const struct bk_node *x, const struct bk_node *y)
{
	struct bk_node yy = *y;
	yy.atime = x->atime;
	c->a.len = c->b.len = 0;
	if (bk_node_encode(&c->a, x) || bk_node_encode(&c->b, &yy) || c->a.err || c->b.err)
		return false;
	return c->a.len == c->b.len && !memcmp(c->a.data, c->b.data, c->a.len);
}

static int name_cmp(const struct bk_node *x, const struct bk_node *y)
{
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int r = memcmp(x->name, y->name, n);
	return r ? r : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static void classify(uint64_t *new_, uint64_t *changed, uint64_t *same, int how)
{
	if (how < 0)
		(*new_)++;
	else if (how)
		(*same)++;
	else
		(*changed)++;
}

/* Tree @id against the parent's tree at the same place (@old, or NULL). */
static int compare(struct cmp *c, const uint8_t id[32], const uint8_t *old, const char *path,
		   int depth)
{
	struct bk_tree t, o;
	bk_tree_init(&o);
	if (depth > MAX_DEPTH)
		return -ELOOP;
	int rc = backup_tree_load(c->repo, c->idx, id, &t);
	bool same = old && !memcmp(old, id, 32); /* unchanged: read it once */
	if (!rc && old && !same && backup_tree_load(c->repo, c->idx, old, &o)) {
		bk_tree_deinit(&o);
		bk_tree_init(&o); /* the parent's tree is gone: all new */
	}
	const struct bk_tree *op = same ? &t : &o;
	size_t j = 0;
	for (size_t i = 0; !rc && i < t.n; i++) {
		const struct bk_node *n = &t.nodes[i], *m = NULL;
		while (j < op->n && name_cmp(&op->nodes[j], n) < 0)
			j++;
		if (j < op->n && !name_cmp(&op->nodes[j], n) && op->nodes[j].type == n->type)
			m = &op->nodes[j];
		size_t pl = strlen(path);
		char *sub = malloc(pl + n->name_len + 2);
		if (!sub) {
			rc = -ENOMEM;
			break;
		}
		memcpy(sub, path, pl);
		sub[pl] = '/';
		memcpy(sub + pl + 1, n->name, n->name_len);
		sub[pl + 1 + n->name_len] = '\0';
		int how = same ? 1 : m ? same_node(c, n, m) : -1;
		bool count = counted(c, sub);
		if (n->type == BK_NODE_FILE && count) {
			classify(&c->s->files_new, &c->s->files_changed, &c->s->files_unmodified, how);
			c->s->total_files++;
			c->s->total_bytes += n->size;
		} else if (n->type == BK_NODE_DIR && n->has_subtree) {
			if (count)
				classify(&c->s->dirs_new, &c->s->dirs_changed, &c->s->dirs_unmodified,
					 how);
			const uint8_t *prev = m && m->has_subtree ? m->subtree.b : NULL;
			if (!prev || memcmp(prev, n->subtree.b, 32)) {
				int r = backup_idset_add(c->trees, n->subtree.b);
				if (r < 0)
					rc = r;
				else if (r == 0)
					c->s->tree_blobs++;
			}
			if (!rc)
				rc = compare(c, n->subtree.b, prev, sub, depth + 1);
		}
		free(sub);
	}
	bk_tree_deinit(&t);
	bk_tree_deinit(&o);
	return rc;
}

/* The parent snapshot's root tree into @root; -ENOENT without it. */
static int parent_root(struct backup_repo *repo, const uint8_t snap[32], uint8_t root[32])
{
	json_t *j = NULL;
	int rc = backup_repo_load_json(repo, BACKUP_FILE_SNAPSHOT, snap, &j);
	const char *tree = rc ? NULL : json_string_value(json_object_get(j, "tree"));
	if (!rc && (!tree || backup_id_parse(tree, root)))
		rc = -ENOENT;
	json_decref(j);
	return rc;
}

int backup_summary_count(struct backup_repo *repo, const uint8_t tree[32], const uint8_t *parent,
			 const char *const *vpaths, size_t n_vpaths, struct backup_summary *s)
{
	struct cmp c = {.repo = repo, .vpaths = vpaths, .n_vpaths = n_vpaths, .s = s};
	uint8_t proot[32];
	bool has_parent = parent && !parent_root(repo, parent, proot);
	memset(s, 0, sizeof *s);
	buf_init(&c.a, 1 << 20);
	buf_init(&c.b, 1 << 20);
	int rc = backup_repo_load_index(repo, 0, &c.idx, NULL);
	if (!rc && !(c.trees = backup_idset_new()))
		rc = -ENOMEM;
	if (!rc && (!has_parent || memcmp(proot, tree, 32))) {
		rc = backup_idset_add(c.trees, tree);
		s->tree_blobs = rc == 0;
		rc = rc < 0 ? rc : 0;
	}
	if (!rc)
		rc = compare(&c, tree, has_parent ? proot : NULL, "", 0);
	backup_idset_free(c.trees);
	backup_index_free(c.idx);
	buf_deinit(&c.a);
	buf_deinit(&c.b);
	return rc;
}

void backup_summary_vpath(const char *arg, char *out, size_t cap)
{
	/* as the archiver places a target: "/" + a relative path, cleaned */
	size_t n = 0;
	if (!cap)
		return;
	if (arg[0] != '/' && n + 1 < cap)
		out[n++] = '/';
	for (const char *p = arg; *p && n + 1 < cap;) {
		if (*p == '/') {
			while (*p == '/')
				p++;
			if (n == 0 || out[n - 1] != '/')
				out[n++] = '/';
		} else if (p[0] == '.' && (p[1] == '/' || !p[1]) && (p == arg || p[-1] == '/')) {
			p += p[1] ? 2 : 1;
		} else {
			out[n++] = *p++;
		}
	}
	while (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
}
