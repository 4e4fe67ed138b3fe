/* SPDX-License-Identifier: MIT */
/* `hearth backup restore`'s engine: a snapshot's trees written below a target directory, contents first, then metadata as restic restores it. */
#include "backup/archive.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "backup/blobq.h"
#include "backup/lock.h"
#include "backup/walk.h"
#include "proto/backup/snapshot.h"
#include "proto/backup/tree.h"

#define MAX_DEPTH 256

/* A file restored that other names link to (links > 1). */
struct hardlink {
	uint64_t dev, ino;
	char *path;
};

struct rst {
	struct backup_repo *repo;
	struct backup_index *idx;
	struct backup_restore_stats *st;
	size_t errors;
	struct hardlink *links;
	size_t n_links;
	bool sparse; /* zero runs become holes */
	struct backup_progress *progress; /* may be NULL */
	/* The workers that open blobs and write them to their files; @mu
	 * guards errors and st->bytes (the tree walk's thread reports too). */
	struct backup_blobq *q;
	pthread_mutex_t mu;
	uint8_t ahead[4][32]; /* the packs last read ahead (walk thread) */
	unsigned n_ahead;
};

static void complain(struct rst *r, const char *path, const char *what, int err)
{
	backup_progress_warn(r->progress, "hearth: backup: restore %s: %s: %s\n", path, what,
			     strerror(err));
	pthread_mutex_lock(&r->mu);
	r->errors++;
	pthread_mutex_unlock(&r->mu);
	backup_progress_error(r->progress);
}

/* A blob of the repository that does not read: named with its id. */
static void complain_blob(struct rst *r, const char *path, const char *what, const uint8_t id[32],
			  int err)
{
	char hex[BACKUP_ID_HEX], why[64];
	struct backup_blob_loc loc;
	backup_id_hex(id, hex);
	snprintf(why, sizeof why, "%s", err == -ENOENT ? "not in the index" : "damaged");
	if (!backup_index_find(r->idx, id, strstr(what, "tree") ? BACKUP_BLOB_TREE : BACKUP_BLOB_DATA,
			       &loc)) {
		char ph[BACKUP_ID_HEX];
		backup_id_hex(loc.pack, ph);
		if (err == -ENOENT)
			snprintf(why, sizeof why, "its pack %.8s is missing", ph);
		else
			snprintf(why, sizeof why, "damaged in pack %.8s (%s)", ph, backup_strerror(err));
	}
	backup_progress_warn(r->progress, "hearth: backup: restore %s: %s %.8s: %s\n", path, what, hex,
			     why);
	pthread_mutex_lock(&r->mu);
	r->errors++;
	pthread_mutex_unlock(&r->mu);
	backup_progress_error(r->progress);
}

/* An error complain_blob said already: the caller goes on with the next entry. */
#define TOLD 1

static struct timespec ts_of(const struct bk_time *t)
{
	struct timespec ts = {.tv_sec = t->sec, .tv_nsec = t->nsec};
	return ts;
}

/* restic's restoreMetadata: owner, extended attributes, mode (not for links), times. */
static void restore_meta(struct rst *r, const char *path, const struct bk_node *n)
{
	if (lchown(path, n->uid, n->gid) != 0 && (geteuid() == 0 || errno != EPERM))
		complain(r, path, "lchown", errno);
	for (size_t i = 0; i < n->n_xattrs; i++) {
		const struct bk_xattr *x = &n->xattrs[i];
		if (x->name && lsetxattr(path, x->name, x->value ? (const void *)x->value : "",
					 x->value ? x->len : 0, 0) != 0)
			complain(r, path, "lsetxattr", errno);
	}
	if (n->type != BK_NODE_SYMLINK && chmod(path, bk_mode_to_unix_perm(n->mode)) != 0)
		complain(r, path, "chmod", errno);
	struct timespec tv[2] = {ts_of(&n->atime), ts_of(&n->mtime)};
	if (utimensat(AT_FDCWD, path, tv, AT_SYMLINK_NOFOLLOW) != 0)
		complain(r, path, "utimensat", errno);
}

/* What a file's metadata needs once its contents are written (the tree
 * it came from is gone by then). */
struct file_meta {
	uint32_t uid, gid, mode;
	struct bk_time atime, mtime;
	struct bk_xattr *xattrs; /* deep copies */
	size_t n_xattrs;
};

/* The same as restore_meta for a regular file, through its descriptor. */
static void restore_meta_fd(struct rst *r, const char *path, int fd, const struct file_meta *m)
{
	if (fchown(fd, m->uid, m->gid) != 0 && (geteuid() == 0 || errno != EPERM))
		complain(r, path, "lchown", errno);
	for (size_t i = 0; i < m->n_xattrs; i++) {
		const struct bk_xattr *x = &m->xattrs[i];
		if (x->name && fsetxattr(fd, x->name, x->value ? (const void *)x->value : "",
					 x->value ? x->len : 0, 0) != 0)
			complain(r, path, "lsetxattr", errno);
	}
	if (fchmod(fd, bk_mode_to_unix_perm(m->mode)) != 0)
		complain(r, path, "chmod", errno);
	struct timespec tv[2] = {ts_of(&m->atime), ts_of(&m->mtime)};
	if (futimens(fd, tv) != 0)
		complain(r, path, "utimensat", errno);
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Whether @p[0..n) is all zero bytes. */
static bool all_zero(const uint8_t *p, size_t n)
{
	return !n || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* With --sparse, aligned 4 KiB blocks of zeros are skipped (holes; the
 * file's size is set at the end), as restic's sparse restore does. */
static int pwrite_sparse(int fd, const uint8_t *p, size_t n, off_t off)
{
	enum { BLK = 4096 };
	while (n) {
		size_t k = BLK - (size_t)(off % BLK);
		if (k > n)
			k = n;
		/* a run of data blocks is written in one call */
		size_t run = 0;
		while (run < n && !(k == BLK && all_zero(p + run, k))) {
			run += k;
			k = n - run < BLK ? n - run : BLK;
		}
		if (run) {
			int rc = pwrite_all(fd, p, run, off);
			if (rc)
				return rc;
		} else {
			run = k; /* a hole */
		}
		p += run;
		n -= run;
		off += (off_t)run;
	}
	return 0;
}

/* A file being restored: its blobs are in flight on the workers; the
 * last one to finish sets the size and metadata and closes it. */
struct rfile {
	struct rst *r;
	int fd;
	char *path;
	uint64_t size; /* the sum of its blobs' plaintext */
	size_t n_content;
	size_t pending; /* blobs in flight + 1 while the walk submits (under r->mu) */
	bool failed;	/* a blob did not read: told once, the file goes */
	struct file_meta meta;
};

/* One sealed blob of a file on its way to a worker. */
struct rblob {
	struct backup_blobq_item q;
	struct rfile *f;
	uint64_t off;
	uint32_t ulen, len;
	size_t i; /* which blob of the file */
	uint8_t id[32];
	uint8_t buf[];
};

static void file_meta_free(struct file_meta *m)
{
	for (size_t i = 0; i < m->n_xattrs; i++) {
		free(m->xattrs[i].name);
		free(m->xattrs[i].value);
	}
	free(m->xattrs);
}

/* Blob @i of @f did not read (@err): named once, the file removed at its end. */
static void file_failed(struct rfile *f, size_t i, const uint8_t id[32], int err)
{
	struct rst *r = f->r;
	pthread_mutex_lock(&r->mu);
	bool first = !f->failed;
	f->failed = true;
	pthread_mutex_unlock(&r->mu);
	if (!first)
		return;
	char what[64];
	snprintf(what, sizeof what, "file: data blob %zu of %zu", i + 1, f->n_content);
	complain_blob(r, f->path, what, id, err);
}

/* Drops one reference of @f; the last one finishes it. */
static void file_put(struct rfile *f)
{
	struct rst *r = f->r;
	pthread_mutex_lock(&r->mu);
	bool last = --f->pending == 0;
	bool failed = f->failed;
	pthread_mutex_unlock(&r->mu);
	if (!last)
		return;
	if (failed) {
		unlink(f->path); /* no file with wrong contents is left */
		close(f->fd);
	} else {
		if (r->sparse && ftruncate(f->fd, (off_t)f->size) != 0)
			complain(r, f->path, "ftruncate", errno);
		restore_meta_fd(r, f->path, f->fd, &f->meta);
		if (close(f->fd) != 0)
			complain(r, f->path, "close", errno);
	}
	file_meta_free(&f->meta);
	free(f->path);
	free(f);
}

static void write_blob(struct backup_blobq_item *it, void *ud)
{
	struct rblob *b = (struct rblob *)it;
	struct rfile *f = b->f;
	struct rst *r = ud;
	uint8_t *plain = NULL;
	size_t n = 0;
	int rc = backup_repo_unseal_blob(r->repo, b->id, b->ulen, b->buf, b->len, &plain, &n);
	if (!rc && n != (b->ulen ? b->ulen : b->len - BACKUP_CRYPTO_OVERHEAD))
		rc = BACKUP_ECORRUPT;
	if (rc) {
		file_failed(f, b->i, b->id, rc == -ENOMEM ? rc : BACKUP_ECORRUPT);
	} else {
		int w = r->sparse ? pwrite_sparse(f->fd, plain, n, (off_t)b->off)
				  : pwrite_all(f->fd, plain, n, (off_t)b->off);
		if (w) {
			pthread_mutex_lock(&r->mu);
			bool first = !f->failed;
			f->failed = true;
			pthread_mutex_unlock(&r->mu);
			if (first)
				complain(r, f->path, "write", -w);
		}
		pthread_mutex_lock(&r->mu);
		r->st->bytes += n;
		pthread_mutex_unlock(&r->mu);
		backup_progress_add(r->progress, 0, n);
	}
	if (plain && plain != b->buf + BACKUP_IV_SIZE)
		free(plain);
	free(b);
	file_put(f);
}

static int copy_meta(struct file_meta *m, const struct bk_node *n)
{
	memset(m, 0, sizeof *m);
	m->uid = n->uid;
	m->gid = n->gid;
	m->mode = n->mode;
	m->atime = n->atime;
	m->mtime = n->mtime;
	if (!n->n_xattrs)
		return 0;
	if (!(m->xattrs = calloc(n->n_xattrs, sizeof *m->xattrs)))
		return -ENOMEM;
	for (size_t i = 0; i < n->n_xattrs; i++, m->n_xattrs++) {
		const struct bk_xattr *x = &n->xattrs[i];
		struct bk_xattr *y = &m->xattrs[i];
		y->len = x->len;
		if ((x->name && !(y->name = strdup(x->name))) ||
		    (x->value && !(y->value = malloc(x->len ? x->len : 1))))
			return -ENOMEM;
		if (x->value)
			memcpy(y->value, x->value, x->len);
	}
	return 0;
}

/* The whole of a pack is read ahead the first time a blob of it is
 * wanted (backups write files' blobs in order, so the rest follows). */
static void read_ahead(struct rst *r, const uint8_t pack[32])
{
	for (unsigned i = 0; i < 4; i++)
		if (!memcmp(r->ahead[i], pack, 32))
			return;
	memcpy(r->ahead[r->n_ahead++ % 4], pack, 32);
	backup_repo_prefetch_pack(r->repo, pack);
}

/* Creates the file and hands its blobs, read in file order (the order a
 * backup wrote them into packs), to the workers. 0 (a blob that does not
 * read is told and the file removed), TOLD, or a negated errno when the
 * file cannot be made. */
static int restore_file(struct rst *r, const char *path, const struct bk_node *n)
{
	struct backup_blob_loc loc;
	/* a blob the index does not know: nothing is written */
	for (size_t i = 0; i < n->n_content; i++)
		if (backup_index_find(r->idx, n->content[i].b, BACKUP_BLOB_DATA, &loc) ||
		    loc.length > BACKUP_BLOB_MAX || loc.length < BACKUP_CRYPTO_OVERHEAD ||
		    loc.uncompressed_length > BACKUP_BLOB_MAX) {
			char what[64];
			snprintf(what, sizeof what, "file: data blob %zu of %zu", i + 1, n->n_content);
			complain_blob(r, path, what, n->content[i].b,
				      backup_index_find(r->idx, n->content[i].b, BACKUP_BLOB_DATA,
							&loc) ? -ENOENT : BACKUP_ECORRUPT);
			return TOLD;
		}
	struct rfile *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path)) || copy_meta(&f->meta, n)) {
		if (f) {
			file_meta_free(&f->meta);
			free(f->path);
		}
		free(f);
		return -ENOMEM;
	}
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f->fd < 0) {
		int e = -errno;
		file_meta_free(&f->meta);
		free(f->path);
		free(f);
		return e;
	}
	f->r = r;
	f->n_content = n->n_content;
	f->pending = 1;
	for (size_t i = 0; i < n->n_content; i++) {
		backup_index_find(r->idx, n->content[i].b, BACKUP_BLOB_DATA, &loc);
		uint32_t plen = loc.uncompressed_length ? loc.uncompressed_length
							: loc.length - BACKUP_CRYPTO_OVERHEAD;
		uint64_t off = f->size;
		f->size += plen;
		pthread_mutex_lock(&r->mu);
		bool failed = f->failed;
		pthread_mutex_unlock(&r->mu);
		if (failed)
			continue; /* the size still adds up; nothing more is read */
		struct rblob *b = malloc(sizeof *b + loc.length);
		if (!b) {
			file_failed(f, i, n->content[i].b, -ENOMEM);
			continue;
		}
		read_ahead(r, loc.pack);
		char hex[BACKUP_ID_HEX];
		backup_id_hex(loc.pack, hex);
		int rc = r->repo->be->ops->load_range(r->repo->be, BACKUP_FILE_PACK, hex, loc.offset,
						      loc.length, b->buf);
		if (rc) {
			free(b);
			file_failed(f, i, n->content[i].b, rc == -ENOENT ? -ENOENT : BACKUP_ECORRUPT);
			continue;
		}
		b->q.bytes = loc.length;
		b->f = f;
		b->off = off;
		b->ulen = loc.uncompressed_length;
		b->len = loc.length;
		b->i = i;
		memcpy(b->id, n->content[i].b, 32);
		pthread_mutex_lock(&r->mu);
		f->pending++;
		pthread_mutex_unlock(&r->mu);
		backup_blobq_push(r->q, &b->q);
	}
	file_put(f);
	return 0;
}

static const char *hardlink_of(struct rst *r, const struct bk_node *n)
{
	for (size_t i = 0; i < r->n_links; i++)
		if (r->links[i].dev == n->device_id && r->links[i].ino == n->inode)
			return r->links[i].path;
	return NULL;
}

static void remember_link(struct rst *r, const struct bk_node *n, const char *path)
{
	struct hardlink *v = realloc(r->links, (r->n_links + 1) * sizeof *v);

	if (!v)
		return;
	r->links = v;
	v[r->n_links].dev = n->device_id;
	v[r->n_links].ino = n->inode;
	if ((v[r->n_links].path = strdup(path)))
		r->n_links++;
}

/* A name from a (possibly hostile) tree that is safe as one path component. */
static bool name_ok(const struct bk_node *n)
{
	return n->name && n->name_len && n->name_len == strlen(n->name) && !strchr(n->name, '/') &&
	       strcmp(n->name, ".") && strcmp(n->name, "..");
}

static int restore_tree(struct rst *r, const struct bk_id *id, const char *dir, int depth);

static int restore_node(struct rst *r, const struct bk_node *n, const char *path, int depth)
{
	int rc = 0;
	mode_t perm = bk_mode_to_unix_perm(n->mode) & 07777;

	switch (n->type) {
	case BK_NODE_DIR: {
		struct stat sb;
		/* never descend through something that is not our directory
		 * (a hostile tree naming a symlink and then a dir alike) */
		if (mkdir(path, 0700) != 0 && (errno != EEXIST || lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)))
			return errno == EEXIST ? -ENOTDIR : -errno;
		if (n->has_subtree)
			rc = restore_tree(r, &n->subtree, path, depth + 1);
		r->st->dirs++;
		break;
	}
	case BK_NODE_FILE: {
		const char *first = n->links > 1 ? hardlink_of(r, n) : NULL;
		if (first) {
			if (link(first, path) != 0)
				return -errno;
			r->st->files++;
			return 0; /* the first name carries the metadata */
		}
		rc = restore_file(r, path, n);
		if (!rc && n->links > 1)
			remember_link(r, n, path);
		r->st->files++;
		backup_progress_add(r->progress, 1, 0);
		return rc; /* the metadata follows the contents (file_put) */
	}
	case BK_NODE_SYMLINK:
		if (!n->linktarget || symlink(n->linktarget, path) != 0)
			return n->linktarget ? -errno : -EINVAL;
		r->st->others++;
		break;
	case BK_NODE_FIFO:
		if (mkfifo(path, perm) != 0)
			return -errno;
		r->st->others++;
		break;
	case BK_NODE_DEV:
	case BK_NODE_CHARDEV:
		if (mknod(path, (n->type == BK_NODE_DEV ? S_IFBLK : S_IFCHR) | perm, (dev_t)n->device) != 0)
			return -errno;
		r->st->others++;
		break;
	case BK_NODE_SOCKET:
		return 0; /* restic does not restore sockets */
	}
	if (!rc)
		restore_meta(r, path, n);
	return rc;
}

static int restore_tree(struct rst *r, const struct bk_id *id, const char *dir, int depth)
{
	uint8_t *data = NULL;
	size_t len = 0;
	struct bk_tree t;
	int rc;

	if (depth > MAX_DEPTH)
		return BACKUP_ECORRUPT;
	rc = backup_repo_read_blob(r->repo, r->idx, id->b, BACKUP_BLOB_TREE, &data, &len);
	if (!rc && bk_tree_decode((const char *)data, len, &t)) {
		bk_tree_deinit(&t);
		rc = BACKUP_ECORRUPT;
	}
	free(data);
	if (rc == -ENOENT || rc == BACKUP_ECORRUPT) {
		/* what is below this dir is lost; its siblings are not */
		complain_blob(r, dir, "dir: tree", id->b, rc);
		return TOLD;
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < t.n; i++) {
		const struct bk_node *n = &t.nodes[i];
		if (!name_ok(n) || (i && t.nodes[i - 1].name_len == n->name_len &&
				    !memcmp(t.nodes[i - 1].name, n->name, n->name_len))) {
			complain(r, dir, "a node with an unsafe or repeated name", EINVAL);
			continue;
		}
		char *path = malloc(strlen(dir) + n->name_len + 2);
		if (!path) {
			rc = -ENOMEM;
			break;
		}
		sprintf(path, "%s/%s", dir, n->name);
		int e = restore_node(r, n, path, depth);
		if (e == -ENOMEM || e == BACKUP_ECORRUPT) {
			free(path);
			rc = e;
			break;
		}
		if (e && e != TOLD)
			complain(r, path, bk_node_type_name(n->type), e < 0 && e > -4096 ? -e : EIO);
		free(path);
	}
	bk_tree_deinit(&t);
	return rc;
}

int backup_restore(struct backup_repo *repo, const uint8_t snapshot[32], const char *target,
		   struct backup_restore_stats *st, size_t *errors)
{
	return backup_restore_sparse(repo, snapshot, target, false, st, errors);
}

/* The status line's totals: every file below the snapshot's tree. */
static int count_node(void *ud, const char *path, const struct bk_node *n)
{
	(void)path;
	if (n->type == BK_NODE_FILE)
		backup_progress_add_total(ud, 1, n->size);
	return 0;
}

static void count_bad(void *ud, const uint8_t tree[32], const char *path, int err)
{
	(void)ud, (void)tree, (void)path, (void)err; /* the restore names it */
}

int backup_restore_sparse(struct backup_repo *repo, const uint8_t snapshot[32], const char *target,
			  bool sparse, struct backup_restore_stats *st, size_t *errors)
{
	return backup_restore_progress(repo, snapshot, target, sparse, NULL, st, errors);
}

int backup_restore_progress(struct backup_repo *repo, const uint8_t snapshot[32], const char *target,
			    bool sparse, struct backup_progress *progress,
			    struct backup_restore_stats *st, size_t *errors)
{
	struct rst r;
	struct bk_snapshot s;
	uint8_t lock_id[32];
	json_t *j = NULL;
	char *text = NULL;
	char why[256] = "";
	int rc;

	memset(&r, 0, sizeof r);
	memset(st, 0, sizeof *st);
	memset(&s, 0, sizeof s);
	r.repo = repo;
	r.st = st;
	r.sparse = sparse;
	r.progress = progress;
	if (pthread_mutex_init(&r.mu, NULL))
		return -ENOMEM;
	rc = backup_repo_lock(repo, 0, lock_id, why, sizeof why);
	bool locked = rc == 0;
	if (rc == -EBUSY)
		fprintf(stderr, "hearth: backup: %s\n", why);
	if (!rc)
		rc = backup_repo_load_json(repo, BACKUP_FILE_SNAPSHOT, snapshot, &j);
	if (!rc && !(text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		rc = -ENOMEM;
	if (!rc && bk_snapshot_decode(text, strlen(text), &s))
		rc = BACKUP_ECORRUPT;
	if (!rc)
		rc = backup_repo_load_index(repo, 0, &r.idx, NULL);
	if (!rc)
		backup_repo_prefetch(repo, r.idx, BACKUP_BLOB_TREE);
	if (!rc && mkdir(target, 0700) != 0 && errno != EEXIST)
		rc = -errno;
	if (!rc && progress) {
		struct backup_walk w = {.repo = repo, .idx = r.idx, .fn = count_node,
					.bad = count_bad, .ud = progress};
		backup_walk_tree(&w, s.tree.b, "");
	}
	if (!rc && !(r.q = backup_blobq_new(backup_blobq_threads(), 16u << 20, write_blob, &r)))
		rc = -ENOMEM;
	if (!rc && (rc = restore_tree(&r, &s.tree, target, 0)) == TOLD)
		rc = 0; /* the root tree: said and counted in errors */
	backup_blobq_free(r.q); /* every file written and closed */
	if (locked)
		backup_repo_unlock(repo, lock_id);
	for (size_t i = 0; i < r.n_links; i++)
		free(r.links[i].path);
	free(r.links);
	backup_index_free(r.idx);
	bk_snapshot_deinit(&s);
	free(text);
	json_decref(j);
	*errors = r.errors;
	pthread_mutex_destroy(&r.mu);
	return rc;
}
