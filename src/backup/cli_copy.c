/* SPDX-License-Identifier: MIT */
/* `hearth backup copy --from-repo SRC`: restic 0.14's copy — snapshots and the blobs they need into another repository (its own keys and chunker), never twice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/cli_priv.h"
#include "backup/lock.h"
#include "backup/packwriter.h"
#include "backup/progress.h"
#include "backup/snaps.h"
#include "backup/walk.h"

static const char *env_of(const char *a, const char *b)
{
	const char *v = getenv(a);
	if (!v || !*v)
		v = getenv(b);
	return v && *v ? v : NULL;
}

struct copy {
	struct backup_repo *src, *dst;
	const struct backup_index *src_idx, *dst_idx;
	struct backup_idset *written; /* blobs copied in this run */
	struct backup_packwriter *w;
	uint64_t blobs;
	struct backup_progress *bar; /* blobs copied (may be NULL) */
};

/* Copies blob @id unless the destination has it already. */
static int copy_blob(struct copy *c, int type, const uint8_t id[32])
{
	struct backup_blob_loc loc;
	if (!backup_index_find(c->dst_idx, id, type, &loc) || backup_idset_has(c->written, id))
		return 0;
	uint8_t *plain = NULL;
	size_t len = 0;
	int rc = backup_repo_read_blob(c->src, c->src_idx, id, type, &plain, &len);
	if (!rc)
		rc = backup_packwriter_add(c->w, type, id, plain, len);
	free(plain);
	if (!rc && backup_idset_add(c->written, id) < 0)
		rc = -ENOMEM;
	c->blobs += !rc;
	if (!rc)
		backup_progress_add(c->bar, 1, len);
	return rc;
}

static int copy_node(void *ud, const char *path, const struct bk_node *n)
{
	struct copy *c = ud;
	(void)path;
	int rc = 0;
	for (size_t i = 0; !rc && i < n->n_content; i++)
		rc = copy_blob(c, BACKUP_BLOB_DATA, n->content[i].b);
	if (!rc && n->type == BK_NODE_DIR && n->has_subtree)
		rc = copy_blob(c, BACKUP_BLOB_TREE, n->subtree.b);
	return rc;
}

/* The same list of strings in any order. */
static bool same_set(const struct bk_strv *a, const struct bk_strv *b)
{
	if (a->n != b->n)
		return false;
	if (!a->n)
		return true;
	char **x = malloc(a->n * sizeof *x), **y = malloc(b->n * sizeof *y);
	bool same = x && y;
	if (same) {
		memcpy(x, a->v, a->n * sizeof *x);
		memcpy(y, b->v, b->n * sizeof *y);
		qsort(x, a->n, sizeof *x, backup_cli_cmp_str);
		qsort(y, b->n, sizeof *y, backup_cli_cmp_str);
		for (size_t i = 0; same && i < a->n; i++)
			same = !strcmp(x[i], y[i]);
	}
	free(x);
	free(y);
	return same;
}

static bool same_str(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* restic's similarSnapshots: a copy of the same snapshot. */
static bool similar(const struct bk_snapshot *a, const struct bk_snapshot *b)
{
	return a->time.sec == b->time.sec && a->time.nsec == b->time.nsec &&
	       bk_id_equal(&a->tree, &b->tree) && same_str(a->hostname, b->hostname) &&
	       same_str(a->username, b->username) && same_set(&a->paths, &b->paths) &&
	       same_set(&a->tags, &b->tags) && same_set(&a->excludes, &b->excludes);
}

/* The copy in @dst of @s, if there is one. */
static const struct backup_snap *copied_as(const struct backup_snaps *dst,
					   const struct backup_snap *s)
{
	const uint8_t *orig = s->s.has_original ? s->s.original.b : s->id;
	for (size_t i = 0; i < dst->n; i++) {
		const struct backup_snap *d = &dst->v[i];
		bool related = !memcmp(d->id, orig, 32) ||
			       (d->s.has_original && !memcmp(d->s.original.b, orig, 32));
		if (related && similar(&d->s, &s->s))
			return d;
	}
	return NULL;
}

int backup_cli_open_from(const char *repo_opt, const char *pwfile_opt, struct backup_repo **src)
{
	const char *from = repo_opt ? repo_opt
				    : env_of("HEARTH_BACKUP_FROM_REPOSITORY", "RESTIC_FROM_REPOSITORY");
	if (!from) {
		fprintf(stderr, "hearth: backup: give --from-repo, or set "
				"HEARTH_BACKUP_FROM_REPOSITORY or RESTIC_FROM_REPOSITORY\n");
		return CLI_USAGE;
	}
	const char *pf = pwfile_opt ? pwfile_opt
				    : env_of("HEARTH_BACKUP_FROM_PASSWORD_FILE",
					     "RESTIC_FROM_PASSWORD_FILE");
	char *pw = backup_cli_password(pf, "HEARTH_BACKUP_FROM_PASSWORD", "RESTIC_FROM_PASSWORD",
				       "enter password for source repository: ", 0);
	if (!pw)
		return CLI_FAILED;
	char why[512] = "";
	int r = backup_repo_open(from, pw, src, why, sizeof why);
	free(pw);
	return r ? backup_cli_fail(why, r) : CLI_OK;
}

int backup_cmd_copy(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--from-repo", "--from-password-file", "--from-key-hint",
					  NULL};
	const char *vals[3] = {NULL, NULL, NULL};
	struct backup_cli_opts o;
	struct backup_repo *dst = NULL, *src = NULL;
	struct backup_snap_filter f;
	int rc = backup_cli_filter_options(&argc, argv, &f);
	if (!rc)
		rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &dst);
	if (!rc)
		rc = backup_cli_open_from(vals[0], vals[1], &src);
	uint8_t lsrc[32], ldst[32];
	bool locked_src = false, locked_dst = false;
	char why[256];
	if (!rc) {
		int r = backup_repo_lock(src, 0, lsrc, why, sizeof why);
		locked_src = !r;
		if (!r)
			r = backup_repo_lock(dst, 0, ldst, why, sizeof why);
		locked_dst = locked_src && !r;
		if (r)
			rc = backup_cli_fail(why, r);
	}
	struct backup_snaps ss = {0}, ds = {0};
	struct backup_index *src_idx = NULL, *dst_idx = NULL;
	if (!rc && (backup_snaps_load(src, &ss) || backup_snaps_load(dst, &ds)))
		rc = backup_cli_fail("cannot list the snapshots", 0);
	if (!rc && (backup_repo_load_index(src, 0, &src_idx, NULL) ||
		    backup_repo_load_index(dst, 0, &dst_idx, NULL)))
		rc = backup_cli_fail("cannot load the index", 0);
	if (!rc && src->chunker_polynomial != dst->chunker_polynomial && !o.quiet && !o.json)
		fprintf(stderr, "hearth: backup: copy: the repositories' chunker parameters differ: "
				"data is copied as it is, and later backups into the destination "
				"will not deduplicate against it\n");
	bool *pick = calloc(ss.n + 1, sizeof *pick);
	if (!rc && !pick)
		rc = CLI_FAILED;
	for (int i = 0; !rc && i < argc; i++) {
		long k = backup_snaps_find(&ss, argv[i], NULL);
		if (k < 0)
			rc = CLI_FAILED;
		else
			pick[k] = true;
	}
	for (size_t i = 0; !rc && !argc && i < ss.n; i++)
		pick[i] = backup_snap_match(&ss.v[i], &f);
	struct copy c = {src, dst, src_idx, dst_idx, backup_idset_new(), NULL, 0, NULL};
	struct backup_idset *seen = backup_idset_new();
	if (!rc && (!c.written || !seen))
		rc = CLI_FAILED;
	bool say = !o.quiet && !o.json;
	for (size_t i = 0; !rc && i < ss.n; i++) {
		struct backup_snap *s = &ss.v[i];
		if (!pick[i])
			continue;
		char when[96];
		backup_go_time_string(&s->s.time, when, sizeof when);
		if (say) {
			printf("\nsnapshot %.8s of [", s->hex);
			for (size_t k = 0; k < s->s.paths.n; k++)
				printf("%s%s", k ? " " : "", s->s.paths.v[k]);
			printf("] at %s)\n", when);
		}
		const struct backup_snap *d = copied_as(&ds, s);
		if (d) {
			if (say)
				printf("skipping source snapshot %.8s, was already copied to snapshot "
				       "%.8s\n", s->hex, d->hex);
			continue;
		}
		if (say)
			printf("  copy started, this may take a while...\n");
		fflush(stdout);
		c.bar = backup_progress_start("blobs", !say);
		c.w = backup_packwriter_new(dst);
		int r = c.w ? copy_blob(&c, BACKUP_BLOB_TREE, s->s.tree.b) : -ENOMEM;
		if (!r) {
			struct backup_walk w = {src, src_idx, seen, copy_node, NULL, &c};
			r = backup_walk_tree(&w, s->s.tree.b, "/");
		}
		/* packs and their index are durable before the snapshot names them */
		if (!r)
			r = backup_packwriter_flush(c.w);
		backup_progress_stop(c.bar);
		c.bar = NULL;
		size_t packs = c.w ? backup_packwriter_packs(c.w) : 0;
		backup_packwriter_free(c.w);
		c.w = NULL;
		uint8_t nid[32];
		if (!r) {
			s->s.has_parent = false;
			if (!s->s.has_original) {
				s->s.has_original = true;
				memcpy(s->s.original.b, s->id, 32);
			}
			r = backup_cli_save_snapshot(dst, &s->s, nid);
		}
		if (r) {
			rc = backup_cli_fail("copy failed", r);
			break;
		}
		if (say) {
			char hex[BACKUP_ID_HEX];
			backup_id_hex(nid, hex);
			printf("[0:00] 100.00%%  %zu / %zu packs copied\n\nsnapshot %.8s saved\n", packs,
			       packs, hex);
		}
	}
	free(pick);
	backup_idset_free(seen);
	backup_idset_free(c.written);
	backup_index_free(src_idx);
	backup_index_free(dst_idx);
	backup_snaps_free(&ss);
	backup_snaps_free(&ds);
	if (locked_dst)
		backup_repo_unlock(dst, ldst);
	if (locked_src)
		backup_repo_unlock(src, lsrc);
	backup_repo_close(src);
	backup_repo_close(dst);
	backup_cli_filter_free(&f);
	return rc;
}
