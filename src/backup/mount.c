/* SPDX-License-Identifier: MIT */
/* `hearth backup mount DIR`: restic 0.14's read-only FUSE view of a repository (libfuse3, one thread, blobs read on demand through a bounded cache). */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup/cli_priv.h"
#include "backup/snaps.h"
#include "proto/backup/mountdir.h"
#include "proto/backup/tree.h"

/* Decoded trees and data blobs kept, least recently used out first. */
#define CACHE_SLOTS 64
#define CACHE_BYTES (48u << 20)
/* Path parts below a snapshot (each one tree load). */
#define MAX_DEPTH 512
/* How often the snapshot list is looked at again (restic 0.14 waits a
 * minute; a listing of snapshots/ is cheap) while the mount is used. */
#define REFRESH_NS 2000000000LL

struct slot {
	uint8_t id[32];
	int type;	    /* BACKUP_BLOB_DATA or _TREE; -1 free */
	uint64_t used;	    /* the tick it was last used at */
	size_t bytes;
	uint8_t *data;	    /* data blobs */
	struct bk_tree *tree;
};

struct mount {
	struct backup_repo *repo;
	struct backup_index *idx;
	struct backup_snaps ss;
	struct bk_ment *root;
	struct timespec started; /* the virtual folders' times: the last change */
	struct timespec checked; /* CLOCK_MONOTONIC of the last look at the list */
	uint8_t listed[32];	 /* the snapshot files then: their ids XORed */
	size_t n_listed;
	struct slot slots[CACHE_SLOTS];
	uint64_t tick;
	size_t bytes;
	struct ofile *files;
};

/* An open file: its blobs and where each ends in the file. */
struct ofile {
	struct ofile *prev, *next; /* all open ones: freed at the end even
				    * when the kernel's release comes too late */
	size_t n;
	struct bk_id *ids;
	uint64_t *end;
	uint64_t size;
};

static struct mount *M(void)
{
	return fuse_get_context()->private_data;
}

static void slot_clear(struct mount *m, struct slot *s)
{
	free(s->data);
	if (s->tree) {
		bk_tree_deinit(s->tree);
		free(s->tree);
	}
	m->bytes -= s->bytes;
	memset(s, 0, sizeof *s);
	s->type = -1;
}

/* A free slot, making room for @bytes more; never evicts @keep. */
static struct slot *slot_take(struct mount *m, size_t bytes, const struct slot *keep)
{
	for (;;) {
		struct slot *free_s = NULL, *old = NULL;
		for (size_t i = 0; i < CACHE_SLOTS; i++) {
			struct slot *s = &m->slots[i];
			if (s->type < 0)
				free_s = free_s ? free_s : s;
			else if (s != keep && (!old || s->used < old->used))
				old = s;
		}
		if (free_s && m->bytes + bytes <= CACHE_BYTES)
			return free_s;
		if (!old)
			return free_s;
		slot_clear(m, old);
	}
}

static struct slot *slot_find(struct mount *m, const uint8_t id[32], int type)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &m->slots[i];
		if (s->type == type && !memcmp(s->id, id, 32)) {
			s->used = ++m->tick;
			return s;
		}
	}
	return NULL;
}

/* The cached slot of tree @id (loaded when missing); NULL with *err. */
static struct slot *get_tree(struct mount *m, const uint8_t id[32], int *err)
{
	struct slot *s = slot_find(m, id, BACKUP_BLOB_TREE);
	if (s)
		return s;
	uint8_t *raw = NULL;
	size_t len = 0;
	int rc = backup_repo_read_blob(m->repo, m->idx, id, BACKUP_BLOB_TREE, &raw, &len);
	struct bk_tree *t = rc ? NULL : malloc(sizeof *t);
	if (!rc && !t)
		rc = -ENOMEM;
	if (!rc && bk_tree_decode((const char *)raw, len, t)) {
		bk_tree_deinit(t);
		free(t);
		t = NULL;
		rc = -EIO;
	}
	free(raw);
	if (rc) {
		*err = rc == -ENOMEM ? -ENOMEM : -EIO;
		return NULL;
	}
	/* a decoded tree costs about its blob's size; count at least that */
	s = slot_take(m, len, NULL);
	s->type = BACKUP_BLOB_TREE;
	memcpy(s->id, id, 32);
	s->tree = t;
	if (!bk_tree_is_sorted(t))
		bk_tree_sort(t); /* a hostile tree: duplicates end up side by side */
	s->bytes = len;
	s->used = ++m->tick;
	m->bytes += len;
	return s;
}

static int build_root(struct mount *m);

struct listing {
	uint8_t x[32];
	size_t n;
};

static int list_one(const char *name, uint64_t size, void *ud)
{
	struct listing *l = ud;
	uint8_t id[32];
	(void)size;
	if (!backup_id_parse(name, id)) {
		for (int i = 0; i < 32; i++)
			l->x[i] ^= id[i];
		l->n++;
	}
	return 0;
}

/* The snapshot files listed now, remembered as the last seen. */
static int list_snapshots(struct mount *m, struct listing *l)
{
	memset(l, 0, sizeof *l);
	clock_gettime(CLOCK_MONOTONIC, &m->checked);
	return m->repo->be->ops->list(m->repo->be, BACKUP_FILE_SNAPSHOT, list_one, l);
}

/* Reloads the snapshots, the index and the virtual folders when the
 * snapshot files changed (a backup or forget while mounted), at most
 * every REFRESH_NS; on any failure the old view stays. */
static void refresh(struct mount *m)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - m->checked.tv_sec) * 1000000000LL + (now.tv_nsec - m->checked.tv_nsec) <
	    REFRESH_NS)
		return;
	struct listing l;
	if (list_snapshots(m, &l) || (l.n == m->n_listed && !memcmp(l.x, m->listed, 32)))
		return;
	struct mount next = *m;
	memset(&next.ss, 0, sizeof next.ss);
	next.idx = NULL;
	if (backup_snaps_load(m->repo, &next.ss) ||
	    backup_repo_load_index(m->repo, 0, &next.idx, NULL) || build_root(&next)) {
		backup_snaps_free(&next.ss);
		backup_index_free(next.idx);
		return;
	}
	bk_ment_free(m->root);
	backup_index_free(m->idx);
	backup_snaps_free(&m->ss);
	m->ss = next.ss;
	m->idx = next.idx;
	m->root = next.root;
	memcpy(m->listed, l.x, 32);
	m->n_listed = l.n;
	clock_gettime(CLOCK_REALTIME, &m->started);
}

/* What a path names: a virtual entry, or a node of a snapshot's trees
 * (pointing into the cache: valid until the next tree is loaded). */
struct target {
	const struct bk_ment *e;
	const struct bk_node *node; /* NULL: e itself (a snapshot: its root) */
	uint8_t dir[32];	    /* the tree a folder lists */
};

static int resolve(struct mount *m, const char *path, struct target *t)
{
	const char *rest;
	memset(t, 0, sizeof *t);
	refresh(m);
	if (!(t->e = bk_ment_lookup(m->root, path, &rest)))
		return -ENOENT;
	if (t->e->kind != BK_MENT_SNAP)
		return 0;
	memcpy(t->dir, m->ss.v[t->e->snap].s.tree.b, 32);
	for (int depth = 0; *rest; depth++) {
		size_t l = strcspn(rest, "/");
		if (depth >= MAX_DEPTH || (t->node && t->node->type != BK_NODE_DIR))
			return -ENOENT;
		if (t->node) {
			if (!t->node->has_subtree)
				return -EIO;
			memcpy(t->dir, t->node->subtree.b, 32);
		}
		int err = 0;
		struct slot *s = get_tree(m, t->dir, &err);
		if (!s)
			return err;
		if (!(t->node = bk_tree_find_name(s->tree, true, rest, l)))
			return -ENOENT;
		rest += l;
		while (*rest == '/')
			rest++;
	}
	if (t->node && t->node->type == BK_NODE_DIR) {
		if (!t->node->has_subtree)
			return -EIO;
		memcpy(t->dir, t->node->subtree.b, 32);
	}
	return 0;
}

static struct timespec ts_of(const struct bk_time *t)
{
	struct timespec ts = {(time_t)t->sec, t->nsec};
	return ts;
}

static void node_stat(const struct bk_node *n, struct stat *st)
{
	static const mode_t types[] = {
		[BK_NODE_FILE] = S_IFREG,    [BK_NODE_DIR] = S_IFDIR,  [BK_NODE_SYMLINK] = S_IFLNK,
		[BK_NODE_DEV] = S_IFBLK,     [BK_NODE_CHARDEV] = S_IFCHR, [BK_NODE_FIFO] = S_IFIFO,
		[BK_NODE_SOCKET] = S_IFSOCK,
	};
	/* restic 0.14 shows a folder's permission bits only (no sticky
	 * bit), the others' setuid/setgid/sticky bits too */
	mode_t perm = bk_mode_to_unix_perm(n->mode);
	st->st_mode = types[n->type] | (n->type == BK_NODE_DIR ? perm & 0777 : perm);
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_atim = ts_of(&n->atime);
	st->st_mtim = ts_of(&n->mtime);
	st->st_ctim = ts_of(&n->ctime);
	/* as restic 0.14: folders 2 links, the rest what was recorded */
	st->st_nlink = n->type == BK_NODE_DIR ? 2 : (nlink_t)n->links;
	if (n->type == BK_NODE_FILE) {
		st->st_size = n->size > INT64_MAX ? INT64_MAX : (off_t)n->size;
		st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	} else if (n->type == BK_NODE_SYMLINK) {
		st->st_size = (off_t)n->linktarget_len;
		st->st_blocks = (blkcnt_t)((n->linktarget_len + 511) / 512);
	}
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	struct mount *m = M();
	struct target t;
	int rc = resolve(m, path, &t);
	if (rc)
		return rc;
	memset(st, 0, sizeof *st);
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (t.node) {
		node_stat(t.node, st);
		return 0;
	}
	const struct backup_snap *s = t.e->kind == BK_MENT_DIR ? NULL : &m->ss.v[t.e->snap];
	if (t.e->kind == BK_MENT_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 1;
		st->st_atim = st->st_mtim = st->st_ctim = m->started;
	} else if (t.e->kind == BK_MENT_SNAP) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		st->st_atim = st->st_mtim = st->st_ctim = ts_of(&s->s.time);
	} else {
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(t.e->target);
		st->st_blocks = 1;
		st->st_atim = st->st_mtim = st->st_ctim = ts_of(&s->s.time);
	}
	return 0;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
	struct target t;
	int rc = resolve(M(), path, &t);
	if (rc)
		return rc;
	const char *l = t.e->target;
	size_t len = l ? strlen(l) : 0;
	if (t.node) {
		if (t.node->type != BK_NODE_SYMLINK)
			return -EINVAL;
		l = t.node->linktarget;
		len = l ? strnlen(l, t.node->linktarget_len) : 0;
	} else if (t.e->kind != BK_MENT_LINK) {
		return -EINVAL;
	}
	if (!size)
		return -EINVAL;
	if (len >= size)
		len = size - 1;
	memcpy(buf, l ? l : "", len);
	buf[len] = '\0';
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off, (void)fi, (void)flags;
	struct mount *m = M();
	struct target t;
	int rc = resolve(m, path, &t);
	if (rc)
		return rc;
	if (t.node ? t.node->type != BK_NODE_DIR : t.e->kind == BK_MENT_LINK)
		return -ENOTDIR;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (t.e->kind == BK_MENT_DIR) {
		for (size_t i = 0; i < t.e->n; i++)
			if (fill(buf, t.e->kids[i]->name, NULL, 0, 0))
				break;
		return 0;
	}
	int err = 0;
	struct slot *s = get_tree(m, t.dir, &err);
	if (!s)
		return err;
	char name[256];
	for (size_t i = 0; i < s->tree->n; i++) {
		const struct bk_node *n = &s->tree->nodes[i];
		const struct bk_node *prev = i ? n - 1 : NULL;
		if (!bk_node_name_ok(n) || (prev && prev->name_len == n->name_len &&
					    !memcmp(prev->name, n->name, n->name_len)))
			continue; /* unnamable, or a hostile tree's duplicate */
		memcpy(name, n->name, n->name_len);
		name[n->name_len] = '\0';
		if (fill(buf, name, NULL, 0, 0))
			break;
	}
	return 0;
}

static void ofile_free(struct ofile *f)
{
	if (f) {
		free(f->ids);
		free(f->end);
		free(f);
	}
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct mount *m = M();
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	struct target t;
	int rc = resolve(m, path, &t);
	if (rc)
		return rc;
	if (!t.node || t.node->type != BK_NODE_FILE)
		return t.node || t.e->kind != BK_MENT_LINK ? -EISDIR : -EINVAL;
	struct ofile *f = calloc(1, sizeof *f);
	size_t n = t.node->n_content;
	if (f && n) {
		f->ids = malloc(n * sizeof *f->ids);
		f->end = malloc(n * sizeof *f->end);
	}
	if (!f || (n && (!f->ids || !f->end))) {
		ofile_free(f);
		return -ENOMEM;
	}
	f->n = n;
	f->size = t.node->size;
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		struct backup_blob_loc loc;
		f->ids[i] = t.node->content[i];
		if (backup_index_find(m->idx, f->ids[i].b, BACKUP_BLOB_DATA, &loc) ||
		    (!loc.uncompressed_length && loc.length < BACKUP_CRYPTO_OVERHEAD)) {
			ofile_free(f);
			return -EIO;
		}
		at += loc.uncompressed_length ? loc.uncompressed_length
					      : loc.length - BACKUP_CRYPTO_OVERHEAD;
		f->end[i] = at;
	}
	if (f->size > at)
		f->size = at; /* a recorded size past the blobs reads as short */
	f->next = m->files;
	if (f->next)
		f->next->prev = f;
	m->files = f;
	fi->fh = (uint64_t)(uintptr_t)f;
	fi->keep_cache = 1;
	return 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	struct mount *m = M();
	struct ofile *f = (struct ofile *)(uintptr_t)fi->fh;
	if (!f)
		return 0;
	if (f->prev)
		f->prev->next = f->next;
	else
		m->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	ofile_free(f);
	fi->fh = 0;
	return 0;
}

/* Blob @i of @f, through the cache (or into *tmp when too big for it). */
static int get_blob(struct mount *m, const struct ofile *f, size_t i, const uint8_t **data,
		    size_t *len, uint8_t **tmp)
{
	struct slot *s = slot_find(m, f->ids[i].b, BACKUP_BLOB_DATA);
	if (!s) {
		uint8_t *raw = NULL;
		size_t l = 0;
		int rc = backup_repo_read_blob(m->repo, m->idx, f->ids[i].b, BACKUP_BLOB_DATA, &raw,
					       &l);
		if (rc)
			return rc == -ENOMEM ? -ENOMEM : -EIO;
		if (l > CACHE_BYTES / 4) {
			*tmp = raw;
			*data = raw;
			*len = l;
			return 0;
		}
		s = slot_take(m, l, NULL);
		s->type = BACKUP_BLOB_DATA;
		memcpy(s->id, f->ids[i].b, 32);
		s->data = raw;
		s->bytes = l;
		s->used = ++m->tick;
		m->bytes += l;
	}
	*data = s->data;
	*len = s->bytes;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	(void)path;
	struct mount *m = M();
	const struct ofile *f = (const struct ofile *)(uintptr_t)fi->fh;
	if (!f || off < 0 || (uint64_t)off >= f->size)
		return 0;
	if (size > f->size - (uint64_t)off)
		size = (size_t)(f->size - (uint64_t)off);
	size_t lo = 0, hi = f->n;
	while (lo < hi) { /* the first blob ending after off */
		size_t mid = lo + (hi - lo) / 2;
		if (f->end[mid] <= (uint64_t)off)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t done = 0;
	for (size_t i = lo; done < size && i < f->n; i++) {
		uint64_t start = i ? f->end[i - 1] : 0, pos = (uint64_t)off + done;
		const uint8_t *data;
		size_t len;
		uint8_t *tmp = NULL;
		/* A failing blob fails the whole request: a short read would
		 * be taken by the kernel as the end of the file, and the file
		 * would read cut short without an error. */
		int rc = get_blob(m, f, i, &data, &len, &tmp);
		if (rc)
			return rc;
		uint64_t in = pos - start;
		size_t want = size - done;
		if (len != f->end[i] - start) {
			free(tmp);
			return -EIO; /* the index lied about its length */
		}
		if (want > len - in)
			want = (size_t)(len - in);
		memcpy(buf + done, data + in, want);
		free(tmp);
		done += want;
	}
	return (int)done;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = cfg->attr_timeout = 60;
	cfg->negative_timeout = 10;
	cfg->kernel_cache = 1;
	return M();
}

static const struct fuse_operations ops = {
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.open = fs_open,
	.read = fs_read,
	.release = fs_release,
	.readdir = fs_readdir,
	.init = fs_init,
};

static int build_root(struct mount *m)
{
	struct bk_mount_snap *v = calloc(m->ss.n ? m->ss.n : 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->ss.n; i++) {
		const struct backup_snap *s = &m->ss.v[i];
		v[i].time = s->s.time;
		v[i].hex = s->hex;
		v[i].host = s->s.hostname;
		v[i].tags = (const char *const *)s->s.tags.v;
		v[i].n_tags = s->s.tags.n;
	}
	m->root = bk_ment_build(v, m->ss.n);
	free(v);
	return m->root ? 0 : -ENOMEM;
}

static int serve(struct mount *m, const char *dir, bool allow_other, bool no_perms)
{
	char opts[128];
	snprintf(opts, sizeof opts, "ro,fsname=hearth,subtype=hearth%s%s",
		 allow_other ? ",allow_other" : "", no_perms ? "" : ",default_permissions");
	char *av[] = {"hearth", "-o", opts, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, av);
	struct fuse *f = fuse_new(&args, &ops, sizeof ops, m);
	if (!f)
		return backup_cli_fail("cannot start FUSE", 0);
	int rc = CLI_OK;
	if (fuse_mount(f, dir)) {
		fprintf(stderr, "hearth: backup: cannot mount %s\n", dir);
		rc = CLI_FAILED;
	} else {
		struct fuse_session *se = fuse_get_session(f);
		if (fuse_set_signal_handlers(se)) {
			rc = backup_cli_fail("cannot set the signal handlers", 0);
		} else {
			printf("Now serving the repository at %s\n"
			       "Use another terminal or tool to browse the contents of this folder.\n"
			       "When finished, quit with Ctrl-c here or umount the mountpoint.\n",
			       dir);
			fflush(stdout);
			if (fuse_loop(f) < 0)
				rc = CLI_FAILED;
			fuse_remove_signal_handlers(se);
		}
		fuse_unmount(f);
	}
	fuse_destroy(f);
	fuse_opt_free_args(&args);
	return rc;
}

int backup_cmd_mount(struct cli *cli, int argc, char **argv)
{
	struct backup_cli_opts o;
	struct mount m;
	memset(&m, 0, sizeof m);
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		m.slots[i].type = -1;
	bool allow_other = false, no_perms = false;
	for (int i = 0; i < argc;) {
		const char *v;
		if (backup_cli_take(&argc, argv, i, "--allow-other", NULL, false, &v) == 1)
			allow_other = true;
		else if (backup_cli_take(&argc, argv, i, "--no-default-permissions", NULL, false,
					 &v) == 1)
			no_perms = true;
		else
			i++;
	}
	int rc = backup_cli_open(cli, &argc, argv, NULL, NULL, &o, &m.repo);
	if (!rc && argc != 1) {
		fprintf(stderr, "usage: hearth backup mount [--allow-other] DIR\n");
		rc = CLI_USAGE;
	}
	struct listing l;
	if (!rc && !list_snapshots(&m, &l)) {
		memcpy(m.listed, l.x, 32);
		m.n_listed = l.n;
	}
	if (!rc && backup_snaps_load(m.repo, &m.ss))
		rc = backup_cli_fail("cannot list the snapshots", 0);
	if (!rc && backup_repo_load_index(m.repo, 0, &m.idx, NULL))
		rc = backup_cli_fail("cannot load the index", 0);
	if (!rc && build_root(&m))
		rc = backup_cli_fail(NULL, -ENOMEM);
	clock_gettime(CLOCK_REALTIME, &m.started);
	if (!rc)
		rc = serve(&m, argv[0], allow_other, no_perms);
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (m.slots[i].type >= 0)
			slot_clear(&m, &m.slots[i]);
	while (m.files) {
		struct ofile *f = m.files;
		m.files = f->next;
		ofile_free(f);
	}
	bk_ment_free(m.root);
	backup_index_free(m.idx);
	backup_snaps_free(&m.ss);
	if (m.repo)
		backup_repo_close(m.repo);
	return rc;
}
