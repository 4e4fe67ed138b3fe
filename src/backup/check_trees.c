/* SPDX-License-Identifier: MIT */
/* The snapshot and tree part of `check` (see check.h): each tree once, missing blobs named, damaged snapshots listed. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/check.h"
#include "backup/snaps.h"
#include "backup/walk.h"

#define MAX_DEPTH 256
#define PATH_BUF 4096

struct ct {
	struct backup_repo *repo;
	const struct backup_index *idx;
	struct backup_idset *good, *bad;
	struct backup_idset *packs; /* pack files present */
	const struct backup_idset *damaged; /* blobs --read-data found bad (may be NULL) */
	void (*say)(const char *line, void *ud);
	void *ud;
	struct backup_check_trees_result *res;
};

static void report(struct ct *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct ct *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->say(line, c->ud);
	c->res->errors++;
}

enum { BLOB_OK, BLOB_UNKNOWN, BLOB_PACK_MISSING, BLOB_DAMAGED };

/* Whether data blob @id can be read, as far as the index, the pack files
 * present and --read-data tell; its pack into @loc. */
static int blob_state(const struct ct *c, const uint8_t id[32], struct backup_blob_loc *loc)
{
	if (backup_index_find(c->idx, id, BACKUP_BLOB_DATA, loc))
		return BLOB_UNKNOWN;
	if (!backup_idset_has(c->packs, loc->pack))
		return BLOB_PACK_MISSING;
	return c->damaged && backup_idset_has(c->damaged, id) ? BLOB_DAMAGED : BLOB_OK;
}

/* 0 when the tree and all below it are complete, 1 when not, < 0 errno. */
static int check_tree(struct ct *c, const uint8_t id[32], int depth)
{
	if (backup_idset_has(c->good, id))
		return 0;
	if (backup_idset_has(c->bad, id))
		return 1;
	char hex[BACKUP_ID_HEX];
	backup_id_hex(id, hex);
	struct bk_tree t;
	int bad = 0;
	int rc = depth > MAX_DEPTH ? BACKUP_ECORRUPT : backup_tree_load(c->repo, c->idx, id, &t);
	c->res->trees++;
	if (rc == -ENOENT) {
		report(c, "tree %.8s: not found in index", hex);
		bad = 1;
	} else if (rc == -ENOMEM) {
		bk_tree_deinit(&t);
		return rc;
	} else if (rc) {
		report(c, "tree %.8s: cannot be loaded: %s", hex, backup_strerror(rc));
		bad = 1;
	} else if (c->damaged && backup_idset_has(c->damaged, id)) {
		/* it loads through the index, but its pack is damaged */
		struct backup_blob_loc loc;
		char ph[BACKUP_ID_HEX] = "?";
		if (!backup_index_find(c->idx, id, BACKUP_BLOB_TREE, &loc))
			backup_id_hex(loc.pack, ph);
		report(c, "tree %.8s: in pack %.8s, which is damaged", hex, ph);
		bad = 1;
	}
	for (size_t i = 0; !rc && i < t.n; i++) {
		const struct bk_node *n = &t.nodes[i];
		char name[300];
		snprintf(name, sizeof name, "%.*s", (int)(n->name_len > 256 ? 256 : n->name_len),
			 n->name);
		if (n->type == BK_NODE_FILE) {
			for (size_t k = 0; k < n->n_content; k++) {
				struct backup_blob_loc loc;
				char bh[BACKUP_ID_HEX], ph[BACKUP_ID_HEX];
				int st = blob_state(c, n->content[k].b, &loc);
				if (st == BLOB_OK)
					continue;
				backup_id_hex(n->content[k].b, bh);
				if (st != BLOB_UNKNOWN)
					backup_id_hex(loc.pack, ph);
				if (st == BLOB_PACK_MISSING) {
					report(c, "tree %.8s: file \"%s\" blob %zu (%.8s) is in pack "
						  "%.8s, which is missing", hex, name, k, bh, ph);
				} else if (st == BLOB_DAMAGED) {
					report(c, "tree %.8s: file \"%s\" blob %zu (%.8s) in pack "
						  "%.8s is damaged", hex, name, k, bh, ph);
				} else {
					report(c, "tree %.8s: file \"%s\" blob %zu (%.8s) not found "
						  "in index", hex, name, k, bh);
				}
				bad = 1;
			}
		} else if (n->type == BK_NODE_DIR) {
			if (!n->has_subtree) {
				report(c, "tree %.8s: dir \"%s\" has no subtree", hex, name);
				bad = 1;
				continue;
			}
			int r = check_tree(c, n->subtree.b, depth + 1);
			if (r < 0) {
				bk_tree_deinit(&t);
				return r;
			}
			bad |= r;
		}
	}
	bk_tree_deinit(&t);
	if (backup_idset_add(bad ? c->bad : c->good, id) < 0)
		return -ENOMEM;
	return bad;
}

#define PATHS_SHOWN 100 /* damaged paths listed per snapshot */

struct lister {
	struct ct *c;
	size_t shown, more;
};

static void show_path(struct lister *l, const char *what, const char *path, size_t len)
{
	if (l->shown++ >= PATHS_SHOWN) {
		l->more++;
		return;
	}
	char line[1200];
	snprintf(line, sizeof line, "  damaged %s %.*s", what, (int)(len > 1024 ? 1024 : len), path);
	l->c->say(line, l->c->ud);
}

/* The damaged files and dirs below bad tree @id (at @path), in name order. */
static void list_damaged(struct lister *l, const uint8_t id[32], char *path, size_t len, int depth)
{
	struct bk_tree t;
	if (depth > MAX_DEPTH || backup_tree_load(l->c->repo, l->c->idx, id, &t)) {
		bk_tree_deinit(&t);
		show_path(l, "dir", len ? path : "/", len ? len : 1);
		return;
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct bk_node *n = &t.nodes[i];
		size_t nl = len + 1 + n->name_len;
		if (nl >= PATH_BUF)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, n->name, n->name_len);
		if (n->type == BK_NODE_FILE) {
			struct backup_blob_loc loc;
			size_t k = 0;
			while (k < n->n_content && blob_state(l->c, n->content[k].b, &loc) == BLOB_OK)
				k++;
			if (k < n->n_content)
				show_path(l, "file", path, nl);
		} else if (n->type == BK_NODE_DIR && !n->has_subtree) {
			show_path(l, "dir", path, nl);
		} else if (n->type == BK_NODE_DIR && backup_idset_has(l->c->bad, n->subtree.b)) {
			list_damaged(l, n->subtree.b, path, nl, depth + 1);
		}
	}
	bk_tree_deinit(&t);
}

static int pack_one(const char *name, uint64_t size, void *ud)
{
	uint8_t id[32];
	(void)size;
	if (backup_id_parse(name, id))
		return 0;
	return backup_idset_add(ud, id) < 0 ? -ENOMEM : 0;
}

int backup_repo_check_trees(struct backup_repo *repo, const struct backup_index *idx,
			    const struct backup_idset *damaged,
			    void (*say)(const char *line, void *ud), void *ud,
			    struct backup_check_trees_result *res)
{
	struct ct c = {repo, idx, backup_idset_new(), backup_idset_new(), backup_idset_new(),
		       damaged, say, ud, res};
	struct backup_snaps ss = {0};
	memset(res, 0, sizeof *res);
	int rc = c.good && c.bad && c.packs ? 0 : -ENOMEM;
	if (!rc)
		rc = repo->be->ops->list(repo->be, BACKUP_FILE_PACK, pack_one, c.packs);
	if (!rc)
		backup_repo_prefetch(repo, idx, BACKUP_BLOB_TREE);
	if (!rc)
		rc = backup_snaps_load(repo, &ss);
	if (rc) {
		backup_snaps_free(&ss);
		backup_idset_free(c.good);
		backup_idset_free(c.bad);
		backup_idset_free(c.packs);
		return rc;
	}
	res->errors += ss.bad;
	res->damaged += ss.bad;
	for (size_t i = 0; i < ss.n; i++) {
		const struct backup_snap *s = &ss.v[i];
		res->snapshots++;
		int r = check_tree(&c, s->s.tree.b, 0);
		if (r < 0) {
			rc = r;
			break;
		}
		if (r) {
			char line[1024];
			const char *t = json_string_value(json_object_get(s->j, "time"));
			snprintf(line, sizeof line, "snapshot %.8s (%.19s %s %s%s): incomplete",
				 s->hex, t ? t : "", s->s.hostname ? s->s.hostname : "",
				 s->s.paths.n ? s->s.paths.v[0] : "", s->s.paths.n > 1 ? " ..." : "");
			say(line, ud);
			res->damaged++;
			static char path[PATH_BUF];
			struct lister l = {&c, 0, 0};
			list_damaged(&l, s->s.tree.b, path, 0, 0);
			if (l.more) {
				snprintf(line, sizeof line, "  ... and %zu more damaged paths", l.more);
				say(line, ud);
			}
		}
	}
	backup_snaps_free(&ss);
	backup_idset_free(c.good);
	backup_idset_free(c.bad);
	backup_idset_free(c.packs);
	return rc;
}
