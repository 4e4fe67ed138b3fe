/* SPDX-License-Identifier: MIT */
/* `hearth backup diff A B` (restic 0.14's changes and statistics) and `dump SNAPSHOT PATH` (a file's bytes, or a directory as a tar stream). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/cli_priv.h"
#include "backup/prune.h"
#include "backup/snaps.h"
#include "backup/walk.h"

struct dstat {
	uint64_t files, dirs, others, data_blobs, tree_blobs, bytes;
};

struct diff {
	struct backup_repo *repo;
	const struct backup_index *idx;
	bool metadata, json;
	uint64_t changed_files;
	struct dstat added, removed;
	int err;
};

static void change(struct diff *d, const char *mod, const char *path)
{
	if (d->json)
		backup_cli_print_compact(json_pack("{s:s,s:s,s:s}", "message_type", "change", "path",
						   path, "modifier", mod));
	else
		printf("%-5s%s\n", mod, path);
}

static void count(struct dstat *s, const struct bk_node *n)
{
	if (n->type == BK_NODE_FILE)
		s->files++;
	else if (n->type == BK_NODE_DIR)
		s->dirs++;
	else
		s->others++;
}

static bool same_time(const struct bk_time *a, const struct bk_time *b)
{
	return a->sec == b->sec && a->nsec == b->nsec;
}

static bool same_str(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && (!al || !memcmp(a, b, al));
}

static bool same_content(const struct bk_node *a, const struct bk_node *b)
{
	if (a->n_content != b->n_content)
		return false;
	for (size_t i = 0; i < a->n_content; i++)
		if (!bk_id_equal(&a->content[i], &b->content[i]))
			return false;
	return true;
}

/* restic's Node.Equals: every field, content and subtree included. */
static bool node_equal(const struct bk_node *a, const struct bk_node *b)
{
	if (a->type != b->type || a->mode != b->mode || !same_time(&a->mtime, &b->mtime) ||
	    !same_time(&a->atime, &b->atime) || !same_time(&a->ctime, &b->ctime) ||
	    a->uid != b->uid || a->gid != b->gid || a->inode != b->inode ||
	    a->device_id != b->device_id || a->size != b->size || a->links != b->links ||
	    a->device != b->device || a->has_subtree != b->has_subtree ||
	    (a->has_subtree && !bk_id_equal(&a->subtree, &b->subtree)) || !same_content(a, b))
		return false;
	if (strcmp(a->user ? a->user : "", b->user ? b->user : "") ||
	    strcmp(a->group ? a->group : "", b->group ? b->group : "") ||
	    !same_str(a->linktarget, a->linktarget_len, b->linktarget, b->linktarget_len) ||
	    a->n_xattrs != b->n_xattrs)
		return false;
	for (size_t i = 0; i < a->n_xattrs; i++)
		if (strcmp(a->xattrs[i].name, b->xattrs[i].name) ||
		    !same_str((const char *)a->xattrs[i].value, a->xattrs[i].len,
			      (const char *)b->xattrs[i].value, b->xattrs[i].len))
			return false;
	return true;
}

static char *join(const char *prefix, const struct bk_node *n, bool dir_slash)
{
	size_t pl = strlen(prefix);
	char *p = malloc(pl + n->name_len + 3);
	if (!p)
		return NULL;
	memcpy(p, prefix, pl);
	if (!pl || p[pl - 1] != '/')
		p[pl++] = '/';
	memcpy(p + pl, n->name, n->name_len);
	pl += n->name_len;
	if (dir_slash && n->type == BK_NODE_DIR)
		p[pl++] = '/';
	p[pl] = '\0';
	return p;
}

/* Every node below a dir that is only on one side, as "+" or "-". */
struct one_side {
	struct diff *d;
	const char *mod;
	struct dstat *st;
};

static int one_side_node(void *ud, const char *path, const struct bk_node *n)
{
	struct one_side *o = ud;
	count(o->st, n);
	if (n->type == BK_NODE_DIR) {
		char *p = malloc(strlen(path) + 2);
		if (!p)
			return -ENOMEM;
		sprintf(p, "%s/", path);
		change(o->d, o->mod, p);
		free(p);
	} else {
		change(o->d, o->mod, path);
	}
	return 0;
}

static int only_one(struct diff *d, const char *mod, struct dstat *st, const char *prefix,
		    const struct bk_node *n)
{
	char *p = join(prefix, n, true);
	if (!p)
		return -ENOMEM;
	change(d, mod, p);
	count(st, n);
	int rc = 0;
	if (n->type == BK_NODE_DIR && n->has_subtree) {
		struct one_side o = {d, mod, st};
		struct backup_walk w = {d->repo, d->idx, NULL, one_side_node, NULL, &o};
		p[strlen(p) - 1] = '\0';
		rc = backup_walk_tree(&w, n->subtree.b, p);
	}
	free(p);
	return rc;
}

static int name_cmp(const struct bk_node *a, const struct bk_node *b)
{
	size_t l = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, l);
	return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

static int diff_tree(struct diff *d, const char *prefix, const uint8_t a[32], const uint8_t b[32])
{
	struct bk_tree ta, tb;
	int rc = backup_tree_load(d->repo, d->idx, a, &ta);
	if (!rc)
		rc = backup_tree_load(d->repo, d->idx, b, &tb);
	else
		bk_tree_init(&tb);
	size_t i = 0, k = 0;
	while (!rc && (i < ta.n || k < tb.n)) {
		const struct bk_node *x = i < ta.n ? &ta.nodes[i] : NULL;
		const struct bk_node *y = k < tb.n ? &tb.nodes[k] : NULL;
		int c = !x ? 1 : !y ? -1 : name_cmp(x, y);
		if (c < 0) {
			rc = only_one(d, "-", &d->removed, prefix, x);
			i++;
			continue;
		}
		if (c > 0) {
			rc = only_one(d, "+", &d->added, prefix, y);
			k++;
			continue;
		}
		i++, k++;
		char mod[4] = "";
		if (x->type != y->type)
			strcat(mod, "T");
		if (x->type == BK_NODE_FILE && y->type == BK_NODE_FILE && !same_content(x, y)) {
			strcat(mod, "M");
			d->changed_files++;
		} else if (d->metadata && !node_equal(x, y)) {
			strcat(mod, "U");
		}
		char *p = join(prefix, y, true);
		if (!p) {
			rc = -ENOMEM;
			break;
		}
		if (*mod)
			change(d, mod, p);
		if (x->type == BK_NODE_DIR && y->type == BK_NODE_DIR && x->has_subtree &&
		    y->has_subtree && !bk_id_equal(&x->subtree, &y->subtree)) {
			p[strlen(p) - 1] = '\0';
			rc = diff_tree(d, p, x->subtree.b, y->subtree.b);
		}
		free(p);
	}
	bk_tree_deinit(&ta);
	bk_tree_deinit(&tb);
	return rc;
}

/* Blobs only on one side: counted by type, plaintext bytes summed. */
struct blob_count {
	const struct backup_index *idx;
	const struct backup_idset *other;
	int type;
	struct dstat *st;
};

static int count_blob(const uint8_t id[32], void *ud)
{
	struct blob_count *bc = ud;
	struct backup_blob_loc loc;
	if (backup_idset_has(bc->other, id))
		return 0;
	if (bc->type == BACKUP_BLOB_TREE)
		bc->st->tree_blobs++;
	else
		bc->st->data_blobs++;
	if (!backup_index_find(bc->idx, id, bc->type, &loc))
		bc->st->bytes += loc.uncompressed_length ? loc.uncompressed_length
							 : loc.length - BACKUP_CRYPTO_OVERHEAD;
	return 0;
}

static json_t *dstat_json(const struct dstat *s)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "files", (json_int_t)s->files, "dirs",
			 (json_int_t)s->dirs, "others", (json_int_t)s->others, "data_blobs",
			 (json_int_t)s->data_blobs, "tree_blobs", (json_int_t)s->tree_blobs,
			 "bytes", (json_int_t)s->bytes);
}

int backup_cmd_diff(struct cli *cli, int argc, char **argv)
{
	struct diff d;
	memset(&d, 0, sizeof d);
	for (int i = 0; i < argc;) {
		const char *v;
		if (backup_cli_take(&argc, argv, i, "--metadata", NULL, false, &v) > 0)
			d.metadata = true;
		else
			i++;
	}
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, &o, &repo);
	if (rc)
		return rc;
	struct backup_snaps ss = {0};
	const struct backup_snap *a = NULL, *b = NULL;
	if (argc != 2) {
		fprintf(stderr, "usage: hearth backup diff SNAPSHOT-A SNAPSHOT-B\n");
		rc = CLI_USAGE;
	}
	if (!rc && backup_snaps_load(repo, &ss))
		rc = backup_cli_fail("cannot list the snapshots", 0);
	if (!rc && (!(a = backup_cli_pick(&ss, argv[0], NULL)) ||
		    !(b = backup_cli_pick(&ss, argv[1], NULL))))
		rc = CLI_FAILED;
	struct backup_index *idx = NULL;
	if (!rc && backup_repo_load_index(repo, 0, &idx, NULL))
		rc = backup_cli_fail("cannot load the index", 0);
	d.repo = repo;
	d.idx = idx;
	d.json = o.json;
	struct backup_idset *set[2][2] = {{backup_idset_new(), backup_idset_new()},
					  {backup_idset_new(), backup_idset_new()}};
	if (!rc && !o.json)
		printf("comparing snapshot %.8s to %.8s:\n\n", a->hex, b->hex);
	if (!rc) {
		int r = diff_tree(&d, "/", a->s.tree.b, b->s.tree.b);
		if (!r)
			r = backup_used_blobs(repo, idx, &a->s.tree.b, 1, set[0][1], set[0][0], NULL);
		if (!r)
			r = backup_used_blobs(repo, idx, &b->s.tree.b, 1, set[1][1], set[1][0], NULL);
		if (r)
			rc = backup_cli_fail("cannot walk the snapshots' trees", r);
	}
	for (int t = 0; !rc && t < 2; t++) {
		struct blob_count add = {idx, set[0][t], t, &d.added};
		struct blob_count rm = {idx, set[1][t], t, &d.removed};
		backup_idset_each(set[1][t], count_blob, &add);
		backup_idset_each(set[0][t], count_blob, &rm);
	}
	if (!rc && o.json) {
		backup_cli_print_compact(json_pack(
			"{s:s,s:s,s:s,s:I,s:o,s:o}", "message_type", "statistics", "source_snapshot",
			argv[0], "target_snapshot", argv[1], "changed_files",
			(json_int_t)d.changed_files, "added", dstat_json(&d.added), "removed",
			dstat_json(&d.removed)));
	} else if (!rc) {
		char ab[32], rb[32];
		backup_format_bytes(d.added.bytes, ab, sizeof ab);
		backup_format_bytes(d.removed.bytes, rb, sizeof rb);
		printf("\n");
		printf("Files:       %5llu new, %5llu removed, %5llu changed\n",
		       (unsigned long long)d.added.files, (unsigned long long)d.removed.files,
		       (unsigned long long)d.changed_files);
		printf("Dirs:        %5llu new, %5llu removed\n", (unsigned long long)d.added.dirs,
		       (unsigned long long)d.removed.dirs);
		printf("Others:      %5llu new, %5llu removed\n", (unsigned long long)d.added.others,
		       (unsigned long long)d.removed.others);
		printf("Data Blobs:  %5llu new, %5llu removed\n",
		       (unsigned long long)d.added.data_blobs, (unsigned long long)d.removed.data_blobs);
		printf("Tree Blobs:  %5llu new, %5llu removed\n",
		       (unsigned long long)d.added.tree_blobs, (unsigned long long)d.removed.tree_blobs);
		printf("  Added:   %-5s\n", ab);
		printf("  Removed: %-5s\n", rb);
	}
	for (int i = 0; i < 2; i++)
		for (int t = 0; t < 2; t++)
			backup_idset_free(set[i][t]);
	backup_index_free(idx);
	backup_snaps_free(&ss);
	backup_repo_close(repo);
	return rc;
}

/* --- dump --- */

static int write_out(const void *p, size_t n)
{
	const uint8_t *c = p;
	while (n) {
		ssize_t w = write(STDOUT_FILENO, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int dump_content(struct backup_repo *repo, const struct backup_index *idx,
			const struct bk_node *n)
{
	for (size_t i = 0; i < n->n_content; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		int rc = backup_repo_read_blob(repo, idx, n->content[i].b, BACKUP_BLOB_DATA, &data,
					       &len);
		if (!rc)
			rc = write_out(data, len);
		free(data);
		if (rc)
			return rc;
	}
	return 0;
}

/* A tar number: w - 1 octal digits, zero-padded, then NUL (the value
 * masked to what fits). */
static void octal(char *f, size_t w, uint64_t v)
{
	f[w - 1] = '\0';
	for (size_t i = w - 1; i-- > 0; v >>= 3)
		f[i] = (char)('0' + (v & 7));
}

/* One PAX record "LEN key=value\n" (LEN counts itself). */
static void pax_record(struct buf *b, const char *key, const char *val, size_t vl)
{
	size_t base = strlen(key) + vl + 3, len = base + 1;
	while (len < base + (size_t)snprintf(NULL, 0, "%zu", len))
		len++;
	buf_printf(b, "%zu %s=", len, key);
	buf_append(b, val, vl);
	buf_puts(b, "\n");
}

/* Go's tar writer rounds times to the nearest second. */
static uint64_t tar_mtime(const struct bk_time *t)
{
	int64_t s = t->sec + (t->nsec >= 500000000);
	return s > 0 ? (uint64_t)s : 0;
}

static void header_sum(uint8_t h[512])
{
	unsigned sum = 0;
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* Go's archive/tar splitUSTARPath: a name past 100 bytes split at a '/'
 * into prefix (<= 155) and name (<= 100); false when it cannot be. */
static bool split_ustar(const char *name, size_t *plen)
{
	size_t len = strlen(name), l = len;
	if (len <= 100)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 0x80)
			return false;
	if (l > 156)
		l = 156;
	else if (name[l - 1] == '/')
		l--;
	size_t i = l;
	while (i > 0 && name[i - 1] != '/')
		i--;
	if (i == 0)
		return false;
	i--; /* the '/' */
	size_t nlen = len - i - 1;
	if (i == 0 || nlen > 100 || nlen == 0 || i > 155)
		return false;
	*plen = i;
	return true;
}

/* Go's PAX extended header block: "DIR/PaxHeaders.0/FILE", zero mode,
 * owner and time, as archive/tar writes it. */
static int pax_header(const char *name, const struct buf *b)
{
	uint8_t h[512];
	char pname[4200];
	const char *slash = strrchr(name, '/');
	if (slash && slash[1] == '\0') {
		/* a dir "a/b/": Go's path.Split gives dir "a/b/", file "" */
		snprintf(pname, sizeof pname, "%sPaxHeaders.0", name);
	} else if (slash) {
		snprintf(pname, sizeof pname, "%.*s/PaxHeaders.0/%s", (int)(slash - name), name,
			 slash + 1);
	} else {
		snprintf(pname, sizeof pname, "PaxHeaders.0/%s", name);
	}
	memset(h, 0, sizeof h);
	memcpy(h, pname, strlen(pname) > 100 ? 100 : strlen(pname));
	octal((char *)h + 100, 8, 0);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, b->len);
	octal((char *)h + 136, 12, 0);
	h[156] = 'x';
	memcpy(h + 257, "ustar\0" "00", 8);
	header_sum(h);
	int rc = b->err ? b->err : write_out(h, 512);
	if (!rc)
		rc = write_out(b->data, b->len);
	static const uint8_t zero[512];
	if (!rc && b->len % 512)
		rc = write_out(zero, 512 - b->len % 512);
	return rc;
}

/* A ustar header as Go's tar writer makes it (the name split into prefix
 * when it can be, else a PAX header first; PAX too for long link targets
 * and sizes past 8 GiB). */
static int tar_header(const char *name, const struct bk_node *n, char type)
{
	uint8_t h[512];
	size_t nl = strlen(name), plen = 0;
	bool split = split_ustar(name, &plen);
	bool long_name = nl > 100 && !split;
	bool big = n->size >= (1ull << 33);
	if (long_name || n->linktarget_len > 100 || big) {
		struct buf b;
		buf_init(&b, 1 << 20);
		if (long_name)
			pax_record(&b, "path", name, nl);
		if (n->linktarget_len > 100)
			pax_record(&b, "linkpath", n->linktarget, n->linktarget_len);
		if (big) {
			char sz[32];
			int l = snprintf(sz, sizeof sz, "%llu", (unsigned long long)n->size);
			pax_record(&b, "size", sz, (size_t)l);
		}
		int rc = pax_header(name, &b);
		buf_deinit(&b);
		if (rc)
			return rc;
	}
	memset(h, 0, sizeof h);
	if (split) {
		memcpy(h, name + plen + 1, nl - plen - 1);
		memcpy(h + 345, name, plen);
	} else {
		memcpy(h, name, nl > 100 ? 100 : nl);
	}
	octal((char *)h + 100, 8, bk_mode_to_unix_perm(n->mode) & 07777);
	octal((char *)h + 108, 8, n->uid & 07777777);
	octal((char *)h + 116, 8, n->gid & 07777777);
	octal((char *)h + 124, 12, type == '0' && !big ? n->size : 0);
	octal((char *)h + 136, 12, tar_mtime(&n->mtime));
	h[156] = (uint8_t)type;
	if (n->linktarget)
		memcpy(h + 157, n->linktarget, n->linktarget_len > 100 ? 100 : n->linktarget_len);
	memcpy(h + 257, "ustar\0" "00", 8);
	snprintf((char *)h + 265, 32, "%s", n->user ? n->user : "");
	snprintf((char *)h + 297, 32, "%s", n->group ? n->group : "");
	/* as Go's archive/tar: the device fields are always written */
	bool dev = type == '3' || type == '4';
	octal((char *)h + 329, 8, dev ? (n->device >> 8) & 0xfff : 0);
	octal((char *)h + 337, 8, dev ? (n->device & 0xff) | ((n->device >> 12) & 0xfff00) : 0);
	header_sum(h);
	return write_out(h, 512);
}

struct dump {
	struct backup_repo *repo;
	const struct backup_index *idx;
};

static int tar_node(void *ud, const char *path, const struct bk_node *n)
{
	struct dump *d = ud;
	char type;
	switch (n->type) {
	case BK_NODE_FILE:
		type = '0';
		break;
	case BK_NODE_DIR:
		type = '5';
		break;
	case BK_NODE_SYMLINK:
		type = '2';
		break;
	case BK_NODE_CHARDEV:
		type = '3';
		break;
	case BK_NODE_DEV:
		type = '4';
		break;
	case BK_NODE_FIFO:
		type = '6';
		break;
	default:
		return 0; /* sockets have no tar form */
	}
	const char *rel = path[0] == '/' ? path + 1 : path;
	char *name = malloc(strlen(rel) + 2);
	if (!name)
		return -ENOMEM;
	sprintf(name, "%s%s", rel, n->type == BK_NODE_DIR ? "/" : "");
	int rc = tar_header(name, n, type);
	free(name);
	if (!rc && type == '0') {
		rc = dump_content(d->repo, d->idx, n);
		static const uint8_t zero[512];
		if (!rc && n->size % 512)
			rc = write_out(zero, 512 - n->size % 512);
	}
	return rc;
}

/* Finds @path ("/a/b") below tree @root: the node into *out (a copy the
 * caller deinits; for "/" a dir node of the root). -ENOENT when absent. */
static int find_node(struct backup_repo *repo, const struct backup_index *idx,
		     const uint8_t root[32], const char *path, struct bk_node *out)
{
	uint8_t cur[32];
	memcpy(cur, root, 32);
	memset(out, 0, sizeof *out);
	out->type = BK_NODE_DIR;
	out->has_subtree = true;
	memcpy(out->subtree.b, root, 32);
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (out->type != BK_NODE_DIR || !out->has_subtree)
			return -ENOENT;
		memcpy(cur, out->subtree.b, 32);
		struct bk_tree t;
		int rc = backup_tree_load(repo, idx, cur, &t);
		if (rc) {
			bk_tree_deinit(&t);
			return rc;
		}
		size_t i = 0;
		while (i < t.n && !(t.nodes[i].name_len == l && !memcmp(t.nodes[i].name, p, l)))
			i++;
		if (i == t.n) {
			bk_tree_deinit(&t);
			return -ENOENT;
		}
		bk_node_deinit(out);
		*out = t.nodes[i];
		memset(&t.nodes[i], 0, sizeof t.nodes[i]);
		bk_tree_deinit(&t);
		p += l;
	}
	return 0;
}

int backup_cmd_dump(struct cli *cli, int argc, char **argv)
{
	static const char *const own[] = {"--archive", "-a", NULL};
	const char *vals[2] = {NULL, NULL};
	struct backup_cli_opts o;
	struct backup_repo *repo = NULL;
	struct backup_snap_filter f;
	struct backup_snaps ss = {0};
	int rc = backup_cli_filter_options(&argc, argv, &f);
	if (!rc)
		rc = backup_cli_open(cli, &argc, argv, own, vals, &o, &repo);
	const char *archive = vals[0] ? vals[0] : vals[1] ? vals[1] : "tar";
	if (!rc && strcmp(archive, "tar")) {
		fprintf(stderr, "hearth: backup: --archive: only tar is supported\n");
		rc = CLI_USAGE;
	}
	if (!rc && argc != 2) {
		fprintf(stderr, "usage: hearth backup dump SNAPSHOT|latest PATH\n");
		rc = CLI_USAGE;
	}
	const struct backup_snap *s = NULL;
	if (!rc && backup_snaps_load(repo, &ss))
		rc = backup_cli_fail("cannot list the snapshots", 0);
	if (!rc && !(s = backup_cli_pick(&ss, argv[0], &f)))
		rc = CLI_FAILED;
	struct backup_index *idx = NULL;
	if (!rc && backup_repo_load_index(repo, 0, &idx, NULL))
		rc = backup_cli_fail("cannot load the index", 0);
	struct bk_node n;
	memset(&n, 0, sizeof n);
	if (!rc) {
		int r = find_node(repo, idx, s->s.tree.b, argv[1], &n);
		if (r == -ENOENT) {
			fprintf(stderr, "hearth: backup: cannot dump file: path \"%s\" not found in "
					"snapshot\n", argv[1]);
			rc = CLI_FAILED;
		} else if (r) {
			rc = backup_cli_fail(NULL, r);
		}
	}
	if (!rc) {
		int r;
		if (n.type == BK_NODE_FILE) {
			r = dump_content(repo, idx, &n);
		} else if (n.type == BK_NODE_DIR) {
			struct dump d = {repo, idx};
			struct backup_walk w = {repo, idx, NULL, tar_node, NULL, &d};
			char *p = strdup(argv[1]);
			size_t l = p ? strlen(p) : 0;
			while (l > 1 && p[l - 1] == '/')
				p[--l] = '\0';
			r = p ? backup_walk_tree(&w, n.subtree.b, strcmp(p, "/") ? p : "") : -ENOMEM;
			free(p);
			static const uint8_t end[1024];
			if (!r)
				r = write_out(end, sizeof end);
		} else {
			fprintf(stderr, "hearth: backup: cannot dump \"%s\": not a file or directory\n",
				argv[1]);
			r = -EINVAL;
		}
		if (r && r != -EINVAL)
			rc = backup_cli_fail("dump failed", r);
		else if (r)
			rc = CLI_FAILED;
	}
	bk_node_deinit(&n);
	backup_index_free(idx);
	backup_snaps_free(&ss);
	backup_cli_filter_free(&f);
	backup_repo_close(repo);
	return rc;
}
