/* SPDX-License-Identifier: MIT */
/* `hearth backup ls`, `stats` and `tag`: a snapshot's tree listed as restic 0.14 lists it, its four stats modes, tags rewritten as restic rewrites a snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/cli_priv.h"
#include "backup/lock.h"
#include "backup/prune.h"
#include "backup/snaps.h"
#include "backup/walk.h"

void backup_go_mode_string(uint32_t m, char out[16])
{
	static const char letters[] = "dalTLDpSugct?";
	size_t k = 0;
	for (int i = 0; i < 13; i++)
		if (m & (1u << (31 - i)))
			out[k++] = letters[i];
	if (!k)
		out[k++] = '-';
	static const char rwx[] = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		out[k++] = m & (1u << (8 - i)) ? rwx[i] : '-';
	out[k] = '\0';
}

void backup_cli_print_compact(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (s)
		puts(s);
	free(s);
	json_decref(j);
}

json_t *backup_json_time(const struct bk_time *t)
{
	struct buf b;
	buf_init(&b, 64);
	json_t *j = NULL;
	if (!bk_json_time(&b, t) && !b.err && b.len >= 2)
		j = json_stringn(b.data + 1, b.len - 2);
	buf_deinit(&b);
	return j ? j : json_string("");
}

void backup_go_time_string(const struct bk_time *t, char *out, size_t cap)
{
	time_t local = (time_t)(t->sec + t->off);
	struct tm tm;
	gmtime_r(&local, &tm);
	char base[32], frac[16] = "";
	strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
	if (t->nsec) {
		snprintf(frac, sizeof frac, ".%09d", t->nsec);
		size_t e = strlen(frac);
		while (e > 1 && frac[e - 1] == '0')
			frac[--e] = '\0';
	}
	int o = t->off < 0 ? -t->off : t->off;
	char zone[16];
	snprintf(zone, sizeof zone, "%c%02d%02d", t->off < 0 ? '-' : '+', o / 3600, o / 60 % 60);
	snprintf(out, cap, "%s%s %s %s", base, frac, zone, t->off ? zone : "UTC");
}

/* "latest" (with the filter) or an id prefix: the snapshot, or NULL. */
const struct backup_snap *backup_cli_pick(struct backup_snaps *ss, const char *arg,
					  const struct backup_snap_filter *f)
{
	long k = backup_snaps_find(ss, arg, f);
	return k < 0 ? NULL : &ss->v[k];
}

/* Opens the repository, loads the snapshots (filter options taken). */
static int open_snaps(struct cli *cli, int *argc, char **argv, const char *const *own,
		      const char **vals, struct backup_cli_opts *o, struct backup_repo **repo,
		      struct backup_snap_filter *f, struct backup_snaps *ss)
{
	memset(ss, 0, sizeof *ss);
	int rc = backup_cli_filter_options(argc, argv, f);
	if (!rc)
		rc = backup_cli_open(cli, argc, argv, own, vals, o, repo);
	if (!rc && backup_snaps_load(*repo, ss))
		rc = backup_cli_fail("cannot list the snapshots", 0);
	return rc;
}

/* fs.HasPathPrefix: @p is @base or below it. */
static bool path_within(const char *base, const char *p)
{
	size_t l = strlen(base);
	while (l > 1 && base[l - 1] == '/')
		l--;
	if (l == 1 && base[0] == '/')
		return p[0] == '/';
	return !strncmp(base, p, l) && (p[l] == '\0' || p[l] == '/');
}

struct ls {
	char **dirs;
	size_t n_dirs;
	bool recursive, longfmt, json;
};

static void ls_print(const struct ls *l, const char *path, const struct bk_node *n)
{
	char mode[16];
	backup_go_mode_string(n->mode, mode);
	if (l->json) {
		json_t *j = json_pack("{s:s%,s:s,s:s,s:I,s:I}", "name", n->name, n->name_len, "type",
				      bk_node_type_name(n->type), "path", path, "uid",
				      (json_int_t)n->uid, "gid", (json_int_t)n->gid);
		if (n->type == BK_NODE_FILE)
			json_object_set_new(j, "size", json_integer((json_int_t)n->size));
		if (n->mode) {
			json_object_set_new(j, "mode", json_integer((json_int_t)n->mode));
			json_object_set_new(j, "permissions", json_string(mode));
		}
		json_object_set_new(j, "mtime", backup_json_time(&n->mtime));
		json_object_set_new(j, "atime", backup_json_time(&n->atime));
		json_object_set_new(j, "ctime", backup_json_time(&n->ctime));
		json_object_set_new(j, "struct_type", json_string("node"));
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			puts(s);
		free(s);
		json_decref(j);
	} else if (l->longfmt) {
		char when[32];
		time_t t = (time_t)n->mtime.sec;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		printf("%s %5u %5u %6llu %s %s", mode, n->uid, n->gid,
		       (unsigned long long)(n->type == BK_NODE_FILE ? n->size : 0), when, path);
		if (n->type == BK_NODE_SYMLINK)
			printf(" -> %.*s", (int)n->linktarget_len, n->linktarget ? n->linktarget : "");
		printf("\n");
	} else {
		puts(path);
	}
}

static int ls_node(void *ud, const char *path, const struct bk_node *n)
{
	const struct ls *l = ud;
	bool within = l->n_dirs == 0;
	for (size_t i = 0; !within && i < l->n_dirs; i++)
		within = path_within(l->dirs[i], path);
	if (within) {
		ls_print(l, path, n);
		if (l->recursive || l->n_dirs == 0)
			return 0;
	}
	for (size_t i = 0; i < l->n_dirs; i++)
		if (path_within(path, l->dirs[i]))
			return 0;
	return n->type == BK_NODE_DIR ? 1 : 0;
}

static void print_strv(const struct bk_strv *v)
{
	printf("[");
	for (size_t i = 0; i < v->n; i++)
		printf("%s%s", i ? " " : "", v->v[i]);
	printf("]");
}

int backup_cmd_ls(struct cli *cli, int argc, char **argv)
{
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	struct backup_snap_filter f;
	struct backup_snaps ss;
	struct ls l = {0};
	l.longfmt = backup_cli_take_flag(&argc, argv, "--long", "-l");
	l.recursive = backup_cli_take_flag(&argc, argv, "--recursive", NULL);
	int rc = open_snaps(cli, &argc, argv, NULL, NULL, &o, &repo, &f, &ss);
	l.json = o.json;
	const struct backup_snap *s = NULL;
	if (!rc && argc < 1) {
		fprintf(stderr, "usage: hearth backup ls SNAPSHOT|latest [DIR...]\n");
		rc = CLI_USAGE;
	}
	for (int i = 1; !rc && i < argc; i++)
		if (argv[i][0] != '/') {
			fprintf(stderr, "hearth: backup: ls: dir '%s' is not absolute\n", argv[i]);
			rc = CLI_USAGE;
		}
	if (!rc && !(s = backup_cli_pick(&ss, argv[0], &f)))
		rc = CLI_FAILED;
	struct backup_index *idx = NULL;
	if (!rc && backup_repo_load_index(repo, 0, &idx, NULL))
		rc = backup_cli_fail("cannot load the index", 0);
	if (!rc) {
		l.dirs = argv + 1;
		l.n_dirs = (size_t)argc - 1;
		if (o.json) {
			json_t *j = backup_snap_json(s);
			json_object_set_new(j, "struct_type", json_string("snapshot"));
			backup_cli_print_compact(j);
		} else {
			char when[96];
			backup_go_time_string(&s->s.time, when, sizeof when);
			printf("snapshot %.8s of ", s->hex);
			print_strv(&s->s.paths);
			printf(" filtered by [");
			for (size_t i = 0; i < l.n_dirs; i++)
				printf("%s%s", i ? " " : "", l.dirs[i]);
			printf("] at %s):\n", when);
		}
		struct backup_walk w = {repo, idx, NULL, ls_node, NULL, &l};
		int r = backup_walk_tree(&w, s->s.tree.b, "/");
		if (r)
			rc = backup_cli_fail("cannot walk the snapshot's trees", r);
	}
	backup_index_free(idx);
	backup_snaps_free(&ss);
	backup_cli_filter_free(&f);
	backup_repo_close(repo);
	return rc;
}

/* --- stats --- */

enum stats_mode { M_RESTORE, M_CONTENTS, M_RAW, M_BLOBS };

struct stats {
	enum stats_mode mode;
	struct backup_repo *repo;
	const struct backup_index *idx;
	uint64_t size, files, blobs;
	struct backup_idset *uniq;     /* files by contents: content hashes seen */
	struct backup_idset *pathblob; /* blobs per file: (path, blob) pairs seen */
	struct backup_idset *paths;    /* blobs per file: paths seen */
	struct backup_idset *links;    /* restore size: (dev, inode) of hard links */
	int err;
};

static void content_key(const struct bk_node *n, uint8_t out[32])
{
	struct bk_id_hasher *h = bk_id_hasher_new();
	struct bk_id id;
	if (!h) {
		memset(out, 0, 32);
		return;
	}
	for (size_t i = 0; i < n->n_content; i++)
		bk_id_hasher_update(h, n->content[i].b, 32);
	bk_id_hasher_final(h, &id);
	bk_id_hasher_free(h);
	memcpy(out, id.b, 32);
}

static int stats_node(void *ud, const char *path, const struct bk_node *n)
{
	struct stats *st = ud;
	uint8_t key[32];
	if (st->mode == M_RESTORE) {
		if (n->type == BK_NODE_FILE && n->links > 1) {
			uint64_t di[2] = {n->device_id, n->inode};
			backup_sha256(di, sizeof di, key);
			if (backup_idset_add(st->links, key) == 1)
				return 0;
		}
		st->files++;
		if (n->type == BK_NODE_FILE)
			st->size += n->size;
		return 0;
	}
	if (st->mode == M_RAW)
		return 0;
	content_key(n, key);
	int r = backup_idset_add(st->uniq, key);
	if (r < 0)
		return r;
	if (r == 1)
		return 0;
	if (st->mode == M_CONTENTS) {
		st->files++;
		st->size += n->type == BK_NODE_FILE ? n->size : 0;
		return 0;
	}
	for (size_t i = 0; i < n->n_content; i++) {
		uint8_t pk[32];
		backup_sha256(path, strlen(path), pk);
		if ((r = backup_idset_add(st->paths, pk)) < 0)
			return r;
		st->files += r == 0;
		struct bk_id_hasher *h = bk_id_hasher_new();
		struct bk_id pb;
		if (!h)
			return -ENOMEM;
		bk_id_hasher_update(h, path, strlen(path) + 1);
		bk_id_hasher_update(h, n->content[i].b, 32);
		bk_id_hasher_final(h, &pb);
		bk_id_hasher_free(h);
		if ((r = backup_idset_add(st->pathblob, pb.b)) < 0)
			return r;
		if (r == 1)
			continue;
		struct backup_blob_loc loc;
		if (backup_index_find(st->idx, n->content[i].b, BACKUP_BLOB_DATA, &loc)) {
			char hex[BACKUP_ID_HEX];
			backup_id_hex(n->content[i].b, hex);
			fprintf(stderr, "hearth: backup: blob %.8s not found in the index\n", hex);
			return BACKUP_ECORRUPT;
		}
		st->size += loc.uncompressed_length ? loc.uncompressed_length
						    : loc.length - BACKUP_CRYPTO_OVERHEAD;
		st->blobs++;
	}
	return 0;
}

static int raw_blob(const uint8_t id[32], const struct backup_blob_loc *loc, void *ud)
{
	void **u = ud;
	struct stats *st = u[0];
	struct backup_idset *trees = u[1], *data = u[2];
	if (backup_idset_has(loc->type == BACKUP_BLOB_TREE ? trees : data, id)) {
		st->blobs++;
		st->size += loc->length;
	}
	return 0;
}

int backup_cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--mode", NULL};
	const char *vals[1] = {NULL};
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	struct backup_snap_filter f;
	struct backup_snaps ss;
	struct stats st;
	memset(&st, 0, sizeof st);
	int rc = open_snaps(cli, &argc, argv, own, vals, &o, &repo, &f, &ss);
	static const char *const modes[] = {"restore-size", "files-by-contents", "raw-data",
					    "blobs-per-file"};
	const char *m = vals[0] ? vals[0] : "restore-size";
	int mi = 0;
	while (mi < 4 && strcmp(m, modes[mi]))
		mi++;
	if (!rc && mi == 4) {
		fprintf(stderr, "hearth: backup: unknown counting mode: %s (use the -h flag to get "
				"a list of supported modes)\n", m);
		rc = CLI_USAGE;
	}
	st.mode = (enum stats_mode)mi;
	/* the snapshots: those named, or every one the filter matches */
	const struct backup_snap **pick = calloc(ss.n + (size_t)argc + 1, sizeof *pick);
	size_t np = 0;
	if (!rc && !pick)
		rc = CLI_FAILED;
	for (int i = 0; !rc && i < argc; i++)
		if (!(pick[np++] = backup_cli_pick(&ss, argv[i], &f)))
			rc = CLI_FAILED;
	for (size_t i = 0; !rc && !argc && i < ss.n; i++)
		if (backup_snap_match(&ss.v[i], &f))
			pick[np++] = &ss.v[i];
	struct backup_index *idx = NULL;
	if (!rc && backup_repo_load_index(repo, 0, &idx, NULL))
		rc = backup_cli_fail("cannot load the index", 0);
	st.repo = repo;
	st.idx = idx;
	st.uniq = backup_idset_new();
	st.paths = backup_idset_new();
	st.pathblob = backup_idset_new();
	struct backup_idset *trees = backup_idset_new(), *data = backup_idset_new();
	if (!rc && !o.json && !o.quiet)
		printf("scanning...\n");
	for (size_t i = 0; !rc && i < np; i++) {
		int r;
		if (st.mode == M_RAW) {
			r = backup_used_blobs(repo, idx, &pick[i]->s.tree.b, 1, trees, data, NULL);
		} else {
			backup_idset_free(st.links);
			st.links = backup_idset_new();
			struct backup_walk w = {repo, idx, NULL, stats_node, NULL, &st};
			r = backup_walk_tree(&w, pick[i]->s.tree.b, "/");
		}
		if (r)
			rc = backup_cli_fail("cannot walk the snapshot's trees", r);
	}
	if (!rc && st.mode == M_RAW) {
		void *u[3] = {&st, trees, data};
		backup_index_each(idx, raw_blob, u);
	}
	if (!rc && o.json) {
		json_t *j = json_pack("{s:I,s:I}", "total_size", (json_int_t)st.size,
				      "total_file_count", (json_int_t)st.files);
		if (st.blobs)
			json_object_set_new(j, "total_blob_count", json_integer((json_int_t)st.blobs));
		json_object_set_new(j, "snapshots_count", json_integer((json_int_t)np));
		backup_cli_print_compact(j);
	} else if (!rc) {
		char sz[32];
		backup_format_bytes(st.size, sz, sizeof sz);
		printf("Stats in %s mode:\n", modes[mi]);
		printf("Snapshots processed:   %zu\n", np);
		if (st.blobs)
			printf("   Total Blob Count:   %llu\n", (unsigned long long)st.blobs);
		if (st.files)
			printf("   Total File Count:   %llu\n", (unsigned long long)st.files);
		printf("         Total Size:   %-5s\n", sz);
	}
	backup_idset_free(trees);
	backup_idset_free(data);
	backup_idset_free(st.uniq);
	backup_idset_free(st.paths);
	backup_idset_free(st.pathblob);
	backup_idset_free(st.links);
	backup_index_free(idx);
	free(pick);
	backup_snaps_free(&ss);
	backup_cli_filter_free(&f);
	backup_repo_close(repo);
	return rc;
}

/* --- tag --- */


/* restic 0.14's changeTags: --set replaces the list (always a change;
 * "" alone means none), --add appends missing tags, --remove drops each
 * one by moving the last tag into its place (Go's slice trick, which
 * restic uses: the order it leaves is restic's). True when changed. */
static bool change_tags(struct bk_strv *tags, const struct bk_taglist *set, size_t n_set,
			const struct bk_taglist *add, size_t n_add, const struct bk_taglist *rm,
			size_t n_rm)
{
	bool changed = false;
	if (n_set) {
		struct bk_strv nt = {0};
		bool only_empty = n_set == 1 && set[0].n == 1 && !set[0].v[0][0];
		for (size_t i = 0; !only_empty && i < n_set; i++)
			for (size_t k = 0; k < set[i].n; k++)
				bk_strv_push(&nt, set[i].v[k]);
		bk_strv_deinit(tags);
		*tags = nt;
		changed = true;
	}
	for (size_t i = 0; i < n_add; i++)
		for (size_t k = 0; k < add[i].n; k++)
			if (!backup_strv_has(tags, add[i].v[k])) {
				bk_strv_push(tags, add[i].v[k]);
				changed = true;
			}
	for (size_t i = 0; i < n_rm; i++)
		for (size_t k = 0; k < rm[i].n; k++)
			for (size_t t = 0; t < tags->n; t++) {
				if (strcmp(tags->v[t], rm[i].v[k]))
					continue;
				free(tags->v[t]);
				tags->v[t] = tags->v[tags->n - 1];
				tags->n--;
				changed = true;
				break;
			}
	return changed;
}

int backup_cli_save_snapshot(struct backup_repo *repo, const struct bk_snapshot *s,
			     uint8_t id[32])
{
	struct buf b;
	buf_init(&b, 1 << 20);
	int rc = bk_snapshot_encode(&b, s);
	json_t *j = NULL;
	if (!rc && b.err)
		rc = b.err;
	if (!rc && !(j = json_loadb(b.data, b.len, 0, NULL)))
		rc = -EINVAL;
	if (!rc)
		rc = backup_repo_save_json(repo, BACKUP_FILE_SNAPSHOT, j, id);
	json_decref(j);
	buf_deinit(&b);
	return rc;
}

int backup_cmd_tag(struct cli *cli, int argc, char **argv)
{
	const char **vs[3] = {NULL, NULL, NULL};
	size_t nv[3] = {0, 0, 0};
	static const char *const opt[3] = {"--set", "--add", "--remove"};
	struct bk_taglist *tl[3] = {NULL, NULL, NULL};
	size_t ntl[3] = {0, 0, 0};
	int rc = 0;
	for (int k = 0; !rc && k < 3; k++)
		rc = backup_cli_take_multi(&argc, argv, opt[k], NULL, &vs[k], &nv[k]);
	for (int k = 0; !rc && k < 3; k++)
		for (size_t i = 0; !rc && i < nv[k]; i++)
			if (backup_taglists_push(&tl[k], &ntl[k], vs[k][i]))
				rc = CLI_FAILED;
	if (!rc && !ntl[0] && !ntl[1] && !ntl[2]) {
		fprintf(stderr, "hearth: backup: nothing to do: give --set, --add or --remove\n");
		rc = CLI_USAGE;
	}
	if (!rc && ntl[0] && (ntl[1] || ntl[2])) {
		fprintf(stderr, "hearth: backup: --set and --add/--remove cannot be given together\n");
		rc = CLI_USAGE;
	}
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	struct backup_snap_filter f = {0};
	struct backup_snaps ss = {0};
	if (!rc)
		rc = open_snaps(cli, &argc, argv, NULL, NULL, &o, &repo, &f, &ss);
	uint8_t lock[32];
	bool locked = false;
	char why[256];
	if (!rc) {
		int r = backup_repo_lock(repo, 1, lock, why, sizeof why);
		if (r)
			rc = backup_cli_fail(why, r);
		locked = !r;
	}
	/* which: the ids given, else every snapshot the filter matches */
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
	size_t changed = 0;
	for (size_t i = 0; !rc && i < ss.n; i++) {
		struct backup_snap *s = &ss.v[i];
		if (!pick[i] || !change_tags(&s->s.tags, tl[0], ntl[0], tl[1], ntl[1], tl[2], ntl[2]))
			continue;
		/* restic's rewrite: the first id the snapshot had stays as "original" */
		if (!s->s.has_original) {
			s->s.has_original = true;
			memcpy(s->s.original.b, s->id, 32);
		}
		uint8_t nid[32];
		int r = backup_cli_save_snapshot(repo, &s->s, nid);
		if (!r)
			r = repo->be->ops->remove(repo->be, BACKUP_FILE_SNAPSHOT, s->hex);
		if (r) {
			rc = backup_cli_fail("cannot rewrite a snapshot", r);
			break;
		}
		changed++;
	}
	if (!rc && !o.json && !o.quiet) {
		if (changed)
			printf("modified tags on %zu snapshots\n", changed);
		else
			printf("no snapshots were modified\n");
	}
	free(pick);
	if (locked)
		backup_repo_unlock(repo, lock);
	backup_snaps_free(&ss);
	backup_cli_filter_free(&f);
	backup_repo_close(repo);
	for (int k = 0; k < 3; k++) {
		free(vs[k]);
		backup_taglists_free(tl[k], ntl[k]);
	}
	return rc;
}
