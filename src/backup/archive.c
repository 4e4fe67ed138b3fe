/* SPDX-License-Identifier: MIT */
/* The backup pass: walk with lstat, record metadata as restic 0.14 does, chunk, dedup against the index, seal, pack, then index and snapshot. */
#include "backup/archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backup/lock.h"
#include "base/buf.h"
#include "proto/backup/chunker.h"
#include "proto/backup/crypto.h"
#include "proto/backup/packer.h"
#include "proto/backup/snapshot.h"
#include "proto/backup/tree.h"

#define READ_SIZE (1u << 20)
/* restic 0.14 writes an index file once it holds this many blobs. */
#define INDEX_MAX_BLOBS 50000

/* The data path's second stage: one data blob compressed and sealed on
 * another thread while the next one is read, chunked and hashed. */
struct sealer {
	pthread_t th;
	bool running;		/* the thread exists; else blobs are sealed inline */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy;		/* a blob was handed over and not yet collected */
	bool ready;		/* the thread finished it */
	bool quit;
	struct backup_repo *repo;
	uint8_t *plain;		/* owned while busy */
	size_t len;
	struct bk_id id;
	uint8_t *sealed;
	size_t n;
	struct backup_pack_entry e;
	int rc;
};

struct arch {
	struct backup_repo *repo;
	struct sealer sealer;
	struct backup_index *idx;
	struct bk_chunker_tables tab;
	struct bk_packer packer[2];	/* by enum bk_blob_type */
	json_t *index_doc;
	size_t index_blobs;
	uint8_t *rbuf;
	struct buf chunk;
	struct backup_archive_stats *st;
	size_t errors;
	/* the last names looked up */
	uid_t uid_cached;
	gid_t gid_cached;
	char *user, *group;
	bool have_uid, have_gid;
	char host[256];
	bool locked;
	uint8_t lock_id[32];
	time_t lock_time;	/* when the lock was last written */
	const struct backup_archive_opts *opts;
	char cwd[4096];
	dev_t target_dev;
};

static int seal_cb(void *ud, const uint8_t *plain, size_t n, struct buf *out)
{
	struct arch *a = ud;
	uint8_t *t = malloc(n + BACKUP_CRYPTO_OVERHEAD);
	int rc;

	if (!t)
		return -ENOMEM;
	rc = backup_seal(&a->repo->master, plain, n, t);
	if (!rc)
		rc = buf_append(out, t, n + BACKUP_CRYPTO_OVERHEAD);
	free(t);
	return rc;
}

static int save_index(struct arch *a)
{
	uint8_t id[32];
	int rc;

	if (!a->index_doc || !a->index_blobs)
		return 0;
	rc = backup_repo_save_json(a->repo, BACKUP_FILE_INDEX, a->index_doc, id);
	json_decref(a->index_doc);
	a->index_doc = NULL;
	a->index_blobs = 0;
	return rc;
}

static int sealer_collect(struct arch *a);

static int flush_pack(struct arch *a, enum bk_blob_type type)
{
	struct bk_packer *p = &a->packer[type];
	struct backup_pack_entry *e = NULL;
	uint8_t id[32];
	int rc;

	if (type == BK_BLOB_DATA && (rc = sealer_collect(a)))
		return rc;
	if (!p->n)
		return 0;
	rc = bk_packer_finish(p, seal_cb, a);
	if (!rc)
		rc = backup_repo_save_pack(a->repo, (const uint8_t *)p->data.data, p->data.len, id);
	if (!rc && memcmp(id, p->id.b, 32) != 0)
		rc = -EIO;
	if (!rc && !(e = calloc(p->n, sizeof *e)))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < p->n; i++) {
		const struct bk_pack_entry *s = &p->entries[i];
		memcpy(e[i].id, s->id.b, 32);
		e[i].type = (uint8_t)s->type;
		e[i].compressed = s->uncompressed_length != 0;
		e[i].offset = s->offset;
		e[i].length = s->length;
		e[i].uncompressed_length = s->uncompressed_length;
		if (backup_index_add(a->idx, id, &e[i]) < 0)
			rc = -ENOMEM;
	}
	if (!rc && !a->index_doc && !(a->index_doc = backup_index_doc_new()))
		rc = -ENOMEM;
	if (!rc)
		rc = backup_index_doc_add_pack(a->index_doc, id, e, p->n);
	if (!rc) {
		a->st->packs++;
		a->st->bytes_added += p->data.len;
		a->index_blobs += p->n;
	}
	free(e);
	bk_packer_deinit(p);
	bk_packer_init(p, type, 0);
	if (!rc && a->index_blobs >= INDEX_MAX_BLOBS)
		rc = save_index(a);
	if (!rc && a->locked && time(NULL) - a->lock_time >= 5 * 60) {
		/* restic refreshes its lock every 5 minutes; stale after 30 */
		rc = backup_repo_lock_refresh(a->repo, 0, a->lock_id);
		a->lock_time = time(NULL);
	}
	return rc;
}

/* Whether the blob is in the repository or in a pack being assembled. */
static bool blob_known(struct arch *a, enum bk_blob_type type, const struct bk_id *id)
{
	struct backup_blob_loc loc;
	const struct bk_packer *p = &a->packer[type];

	if (backup_index_find(a->idx, id->b, (int)type, &loc) == 0)
		return true;
	if (type == BK_BLOB_DATA && a->sealer.busy && bk_id_equal(&a->sealer.id, id))
		return true;
	for (size_t i = 0; i < p->n; i++)
		if (bk_id_equal(&p->entries[i].id, id))
			return true;
	return false;
}

static int add_sealed(struct arch *a, enum bk_blob_type type, const struct bk_id *id,
		      const uint8_t *sealed, size_t n, uint32_t uncompressed)
{
	int rc = bk_packer_add(&a->packer[type], id, sealed, n, uncompressed);

	if (rc)
		return rc;
	a->st->blobs_new++;
	return bk_packer_is_full(&a->packer[type]) ? flush_pack(a, type) : 0;
}

static void *sealer_main(void *arg)
{
	struct sealer *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && (!s->busy || s->ready))
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		pthread_mutex_unlock(&s->mu);
		uint8_t *sealed = NULL;
		size_t n = 0;
		int rc = backup_repo_seal_blob_id(s->repo, BACKUP_BLOB_DATA, s->id.b, s->plain, s->len,
						  &sealed, &n, &s->e);
		pthread_mutex_lock(&s->mu);
		s->sealed = sealed;
		s->n = n;
		s->rc = rc;
		s->ready = true;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void sealer_start(struct arch *a)
{
	struct sealer *s = &a->sealer;

	s->repo = a->repo;
	if (pthread_mutex_init(&s->mu, NULL))
		return;
	if (pthread_cond_init(&s->cv, NULL)) {
		pthread_mutex_destroy(&s->mu);
		return;
	}
	s->running = pthread_create(&s->th, NULL, sealer_main, s) == 0;
	if (!s->running) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
	}
}

/* Waits for the blob in flight, if any, and packs it. */
static int sealer_collect(struct arch *a)
{
	struct sealer *s = &a->sealer;
	int rc;

	if (!s->busy)
		return 0;
	pthread_mutex_lock(&s->mu);
	while (!s->ready)
		pthread_cond_wait(&s->cv, &s->mu);
	s->busy = s->ready = false;
	pthread_mutex_unlock(&s->mu);
	rc = s->rc;
	if (!rc)
		rc = add_sealed(a, BK_BLOB_DATA, &s->id, s->sealed, s->n, s->e.uncompressed_length);
	free(s->sealed);
	free(s->plain);
	s->sealed = s->plain = NULL;
	return rc;
}

static void sealer_stop(struct arch *a)
{
	struct sealer *s = &a->sealer;

	if (!s->running)
		return;
	if (s->busy) {
		pthread_mutex_lock(&s->mu);
		while (!s->ready)
			pthread_cond_wait(&s->cv, &s->mu);
		pthread_mutex_unlock(&s->mu);
		free(s->sealed);
		free(s->plain);
		s->busy = false;
	}
	pthread_mutex_lock(&s->mu);
	s->quit = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->running = false;
}

/* Saves a blob unless the repository has it: trees and the inline path
 * seal here; a data blob whose buffer can be handed over (*own) goes to
 * the sealer thread (then *own is taken). */
static int save_blob_own(struct arch *a, enum bk_blob_type type, uint8_t **own, const void *data,
			 size_t len, struct bk_id *id)
{
	struct backup_pack_entry e;
	uint8_t *sealed = NULL;
	size_t n = 0;
	int rc;

	bk_id_hash(data, len, id);
	if (blob_known(a, type, id)) {
		a->st->blobs_known++;
		return 0;
	}
	if ((rc = sealer_collect(a)))
		return rc;
	if (own && *own && a->sealer.running && type == BK_BLOB_DATA) {
		struct sealer *s = &a->sealer;
		pthread_mutex_lock(&s->mu);
		s->plain = *own;
		*own = NULL;
		s->len = len;
		s->id = *id;
		s->busy = true;
		s->ready = false;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	rc = backup_repo_seal_blob_id(a->repo, (int)type, id->b, data, len, &sealed, &n, &e);
	if (!rc)
		rc = add_sealed(a, type, id, sealed, n, e.uncompressed_length);
	free(sealed);
	return rc;
}

static int save_blob(struct arch *a, enum bk_blob_type type, const void *data, size_t len,
		     struct bk_id *id)
{
	return save_blob_own(a, type, NULL, data, len, id);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *user_name(struct arch *a, uid_t uid)
{
	if (!a->have_uid || a->uid_cached != uid) {
		struct passwd pw, *res = NULL;
		char b[4096];
		free(a->user);
		a->user = getpwuid_r(uid, &pw, b, sizeof b, &res) == 0 && res ? strdup(pw.pw_name) : NULL;
		a->uid_cached = uid;
		a->have_uid = true;
	}
	return dup_or_null(a->user);
}

static char *group_name(struct arch *a, gid_t gid)
{
	if (!a->have_gid || a->gid_cached != gid) {
		struct group gr, *res = NULL;
		char b[4096];
		free(a->group);
		a->group = getgrgid_r(gid, &gr, b, sizeof b, &res) == 0 && res ? strdup(gr.gr_name) : NULL;
		a->gid_cached = gid;
		a->have_gid = true;
	}
	return dup_or_null(a->group);
}

/* Go's time.Unix(sec, nsec) in the local zone. */
static struct bk_time local_time(struct timespec ts)
{
	struct tm tm;
	time_t t = ts.tv_sec;
	struct bk_time r = {.sec = ts.tv_sec, .nsec = (int32_t)ts.tv_nsec, .off = 0};

	if (localtime_r(&t, &tm))
		r.off = (int32_t)tm.tm_gmtoff;
	return r;
}

static void fill_xattrs(const char *path, struct bk_node *n)
{
	ssize_t len = llistxattr(path, NULL, 0);
	char *names;

	if (len <= 0 || !(names = malloc((size_t)len)))
		return;
	len = llistxattr(path, names, (size_t)len);
	for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(names + off) + 1) {
		const char *nm = names + off;
		ssize_t vl = lgetxattr(path, nm, NULL, 0);
		if (vl < 0)
			continue;
		uint8_t *v = malloc((size_t)vl + 1);
		struct bk_xattr *x = realloc(n->xattrs, (n->n_xattrs + 1) * sizeof *x);
		if (!v || !x) {
			free(v);
			if (x)
				n->xattrs = x;
			break;
		}
		n->xattrs = x;
		vl = lgetxattr(path, nm, v, (size_t)vl);
		if (vl < 0) {
			free(v);
			continue;
		}
		x[n->n_xattrs].name = strdup(nm);
		x[n->n_xattrs].value = v;
		x[n->n_xattrs].len = (size_t)vl;
		n->n_xattrs++;
	}
	free(names);
}

/* The node restic records for path (lstat'ed as st): NodeFromFileInfo and fillExtra. */
static int fill_node(struct arch *a, const char *path, const char *name, const struct stat *st,
		     struct bk_node *n)
{
	n->name_len = strlen(name);
	if (!(n->name = strdup(name)))
		return -ENOMEM;
	n->mode = bk_mode_from_unix(st->st_mode);
	n->mtime = local_time(st->st_mtim);
	n->atime = local_time(st->st_atim);
	n->ctime = local_time(st->st_ctim);
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->user = user_name(a, st->st_uid);
	n->group = group_name(a, st->st_gid);
	n->inode = st->st_ino;
	n->device_id = st->st_dev;
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		n->type = BK_NODE_FILE;
		n->size = (uint64_t)st->st_size;
		n->links = st->st_nlink;
		n->content_is_array = true;
		break;
	case S_IFDIR:
		n->type = BK_NODE_DIR;
		break;
	case S_IFLNK: {
		n->type = BK_NODE_SYMLINK;
		n->links = st->st_nlink;
		size_t cap = (size_t)st->st_size + 1 > 256 ? (size_t)st->st_size + 1 : 256;
		for (;;) {
			char *t = malloc(cap);
			if (!t)
				return -ENOMEM;
			ssize_t l = readlink(path, t, cap);
			if (l < 0) {
				free(t);
				return -errno;
			}
			if ((size_t)l < cap) {
				t[l] = 0;
				n->linktarget = t;
				n->linktarget_len = (size_t)l;
				break;
			}
			free(t);
			cap *= 2;
		}
		break;
	}
	case S_IFBLK:
	case S_IFCHR:
		n->type = S_ISBLK(st->st_mode) ? BK_NODE_DEV : BK_NODE_CHARDEV;
		n->device = st->st_rdev;
		n->links = st->st_nlink;
		break;
	case S_IFIFO:
		n->type = BK_NODE_FIFO;
		break;
	case S_IFSOCK:
		n->type = BK_NODE_SOCKET;
		break;
	default:
		return -EINVAL;
	}
	if (n->type != BK_NODE_SYMLINK)
		fill_xattrs(path, n);
	return 0;
}

static int push_content(struct bk_node *n, const struct bk_id *id)
{
	struct bk_id *v = realloc(n->content, (n->n_content + 1) * sizeof *v);

	if (!v)
		return -ENOMEM;
	v[n->n_content++] = *id;
	n->content = v;
	return 0;
}

static int end_chunk(struct arch *a, struct bk_node *n)
{
	struct bk_id id;
	size_t len = a->chunk.len;
	uint8_t *own = (uint8_t *)buf_steal(&a->chunk, &len);
	int rc = save_blob_own(a, BK_BLOB_DATA, &own, own, len, &id);

	free(own); /* still ours when the blob was known or sealed inline */
	buf_init(&a->chunk, 0);
	return rc ? rc : push_content(n, &id);
}

/* Chunks the file's contents into n->content (streaming, READ_SIZE at a time). */
static int save_file(struct arch *a, const char *path, struct bk_node *n)
{
	struct bk_chunker c;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int rc = 0;

	if (fd < 0)
		return -errno;
	bk_chunker_init(&c, &a->tab);
	a->chunk.len = 0;
	for (;;) {
		ssize_t got = read(fd, a->rbuf, READ_SIZE);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (got == 0)
			break;
		a->st->bytes_read += (uint64_t)got;
		backup_progress_add(a->opts->progress, 0, (uint64_t)got);
		for (size_t off = 0; off < (size_t)got && !rc;) {
			bool cut;
			size_t used = bk_chunker_feed(&c, a->rbuf + off, (size_t)got - off, &cut);
			if ((rc = buf_append(&a->chunk, a->rbuf + off, used)))
				break;
			off += used;
			if (cut)
				rc = end_chunk(a, n);
		}
		if (rc)
			break;
	}
	if (!rc && a->chunk.len)
		rc = end_chunk(a, n);
	close(fd);
	return rc;
}

static int save_dir(struct arch *a, const char *path, const struct bk_node *prev,
		    struct bk_id *out);
static int save_tree(struct arch *a, struct bk_tree *t, struct bk_id *out);
static int path_join(const char *dir, const char *name, char **out);

/* The node called name in the parent snapshot's tree (sorted), or NULL. */
static const struct bk_node *prev_find(const struct bk_tree *t, const char *name)
{
	size_t lo = 0, hi = t ? t->n : 0, len = strlen(name);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct bk_node *n = &t->nodes[mid];
		size_t m = n->name_len < len ? n->name_len : len;
		int c = memcmp(n->name, name, m);
		if (!c)
			c = (n->name_len > len) - (n->name_len < len);
		if (!c)
			return n;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The parent snapshot's tree for a directory node (empty when there is none
 * or it cannot be read: then everything below is read again). */
static void prev_load(struct arch *a, const struct bk_node *prev, struct bk_tree *t)
{
	uint8_t *data = NULL;
	size_t len = 0;

	bk_tree_init(t);
	if (!prev || prev->type != BK_NODE_DIR || !prev->has_subtree)
		return;
	if (backup_repo_read_blob(a->repo, a->idx, prev->subtree.b, BACKUP_BLOB_TREE, &data, &len))
		return;
	if (bk_tree_decode((const char *)data, len, t)) {
		bk_tree_deinit(t);
		bk_tree_init(t);
	}
	free(data);
}

static bool time_eq(const struct bk_time *x, const struct bk_time *y)
{
	return x->sec == y->sec && x->nsec == y->nsec;
}

/* restic's test for an unchanged file: same type, size, mtime, ctime and
 * inode as in the parent snapshot, and all its blobs still in the index. */
static bool file_unchanged(struct arch *a, const struct bk_node *n, const struct bk_node *prev)
{
	struct backup_blob_loc loc;

	if (!prev || prev->type != BK_NODE_FILE || prev->size != n->size ||
	    !time_eq(&prev->mtime, &n->mtime) || !time_eq(&prev->ctime, &n->ctime) ||
	    prev->inode != n->inode || (prev->n_content == 0 && n->size != 0))
		return false;
	for (size_t i = 0; i < prev->n_content; i++)
		if (backup_index_find(a->idx, prev->content[i].b, BACKUP_BLOB_DATA, &loc))
			return false;
	return true;
}

static int path_join(const char *dir, const char *name, char **out)
{
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] == '/';

	*out = malloc(dl + strlen(name) + 2);
	if (!*out)
		return -ENOMEM;
	sprintf(*out, slash ? "%s%s" : "%s/%s", dir, name);
	return 0;
}

/* Whether restic's --exclude-* options leave path out (st: its lstat). */
static bool excluded(struct arch *a, const char *path, const struct stat *st)
{
	const struct backup_archive_opts *o = a->opts;

	if (o->excludes && o->excludes->n) {
		char *abs = NULL;
		if (path[0] != '/' && (abs = malloc(strlen(a->cwd) + strlen(path) + 2)))
			sprintf(abs, "%s/%s", a->cwd, path);
		bool hit = bk_excludes_match(o->excludes, abs ? abs : path);
		free(abs);
		if (hit)
			return true;
	}
	(void)st;
	return false;
}

/* restic's tag-file rules (--exclude-if-present, --exclude-caches): in a
 * directory holding the tag, everything but the tag itself is left out.
 * Whether rule i tags dir: the file exists (and for CACHEDIR.TAG starts
 * with its signature). */
static bool dir_tagged(const char *dir, const char *tag, bool cache_sig)
{
	static const char sig[] = "Signature: 8a477f597d28d172789f06886806bc55";
	char *p = NULL, got[sizeof sig] = "";
	struct stat sb;
	bool hit = false;

	if (path_join(dir, tag, &p))
		return false;
	if (lstat(p, &sb) == 0) {
		hit = !cache_sig;
		if (cache_sig) {
			int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
			if (fd >= 0) {
				hit = read(fd, got, sizeof sig - 1) == (ssize_t)sizeof sig - 1 &&
				      !memcmp(got, sig, sizeof sig - 1);
				close(fd);
			}
		}
	}
	free(p);
	return hit;
}

/* Whether name, in a directory with the given tag rules' results, is left out. */
static bool tag_rejects(const struct backup_archive_opts *o, const bool *tagged, const char *name)
{
	for (size_t i = 0; i < o->n_if_present; i++)
		if (tagged[i] && strcmp(name, o->if_present[i]))
			return true;
	return o->exclude_caches && tagged[o->n_if_present] && strcmp(name, "CACHEDIR.TAG");
}

/* Records path (named name in its parent) into tree t; directories recurse.
 * Entries that vanished or cannot be read are reported and left out. */
static int save_entry(struct arch *a, const char *path, const char *name,
		      const struct bk_tree *prev_tree, struct bk_tree *t)
{
	const struct bk_node *prev = prev_find(prev_tree, name);
	struct stat st;
	struct bk_node *n;
	int rc;

	if (lstat(path, &st) != 0) {
		backup_progress_warn(a->opts->progress, "hearth: backup: %s: %s\n", path, strerror(errno));
		a->errors++;
		backup_progress_error(a->opts->progress);
		return 0;
	}
	if (excluded(a, path, &st))
		return 0;
	if (a->opts->one_file_system && st.st_dev != a->target_dev && !S_ISDIR(st.st_mode))
		return 0;
	if (!(n = bk_tree_add(t)))
		return -ENOMEM;
	rc = fill_node(a, path, name, &st, n);
	if (!rc && n->type == BK_NODE_DIR && a->opts->one_file_system && st.st_dev != a->target_dev) {
		/* a mount point: recorded, its contents not */
		struct bk_tree empty;
		bk_tree_init(&empty);
		rc = save_tree(a, &empty, &n->subtree);
		n->has_subtree = rc == 0;
		a->st->dirs++;
		return rc;
	}
	if (!rc && n->type == BK_NODE_FILE && file_unchanged(a, n, prev)) {
		n->content = malloc((prev->n_content ? prev->n_content : 1) * sizeof *n->content);
		if (!n->content)
			return -ENOMEM;
		if (prev->n_content)
			memcpy(n->content, prev->content, prev->n_content * sizeof *n->content);
		n->n_content = prev->n_content;
		a->st->files++;
		a->st->files_unchanged++;
		backup_progress_add(a->opts->progress, 1, n->size);
	} else if (!rc && n->type == BK_NODE_FILE) {
		rc = save_file(a, path, n);
		a->st->files++;
		backup_progress_add(a->opts->progress, 1, 0);
	} else if (!rc && n->type == BK_NODE_DIR) {
		rc = save_dir(a, path, prev, &n->subtree);
		n->has_subtree = rc == 0;
		a->st->dirs++;
	} else if (!rc) {
		a->st->others++;
	}
	if (rc && rc != -ENOMEM && rc != -ENOSPC && rc != -EIO && rc != BACKUP_ECORRUPT) {
		/* a file we cannot read: leave it out, as restic does, and say so */
		backup_progress_warn(a->opts->progress, "hearth: backup: %s: %s\n", path, strerror(-rc));
		a->errors++;
		backup_progress_error(a->opts->progress);
		bk_node_deinit(n);
		t->n--;
		rc = 0;
	}
	return rc;
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int save_tree(struct arch *a, struct bk_tree *t, struct bk_id *out)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	bk_tree_sort(t);
	rc = bk_tree_encode(&b, t);
	if (!rc)
		rc = save_blob(a, BK_BLOB_TREE, b.data, b.len, out);
	buf_deinit(&b);
	return rc;
}

static int save_dir(struct arch *a, const char *path, const struct bk_node *prev,
		    struct bk_id *out)
{
	struct bk_tree prev_tree;
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct bk_tree t;
	int rc = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **v = realloc(names, cap * sizeof *v);
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			names = v;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	bk_tree_init(&t);
	prev_load(a, prev, &prev_tree);
	const struct backup_archive_opts *o = a->opts;
	bool *tagged = calloc(o->n_if_present + 1, sizeof *tagged);
	if (!tagged)
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < o->n_if_present; i++)
		tagged[i] = dir_tagged(path, o->if_present[i], false);
	if (!rc && o->exclude_caches)
		tagged[o->n_if_present] = dir_tagged(path, "CACHEDIR.TAG", true);
	for (size_t i = 0; !rc && i < n; i++) {
		char *p;
		if (tag_rejects(o, tagged, names[i]))
			continue;
		if ((rc = path_join(path, names[i], &p)))
			break;
		rc = save_entry(a, p, names[i], &prev_tree, &t);
		free(p);
	}
	if (!rc)
		rc = save_tree(a, &t, out);
	free(tagged);
	bk_tree_deinit(&t);
	bk_tree_deinit(&prev_tree);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Go's filepath.Clean (lexical), joined with the working directory first
 * when abs (filepath.Abs). A relative result has no leading "..": restic
 * drops those from the tree it builds. */
static char *clean_path(const char *p, bool abs)
{
	char cwd[4096];
	char *s, *o;
	size_t len;
	bool rel = p[0] != '/' && !abs;

	if (p[0] == '/' || !abs) {
		s = strdup(p);
	} else {
		if (!getcwd(cwd, sizeof cwd))
			return NULL;
		s = malloc(strlen(cwd) + strlen(p) + 2);
		if (s)
			sprintf(s, "%s/%s", cwd, p);
	}
	if (!s)
		return NULL;
	/* clean in place: components between slashes, "." dropped, ".." pops */
	len = strlen(s);
	o = s;
	for (size_t i = 0; i < len;) {
		while (i < len && s[i] == '/')
			i++;
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		size_t cl = j - i;
		if (cl == 0) {
			break;
		} else if (cl == 1 && s[i] == '.') {
			/* skip */
		} else if (cl == 2 && s[i] == '.' && s[i + 1] == '.') {
			while (o > s && *--o != '/')
				;
		} else {
			if (rel && o == s) {
				/* relative: no leading slash */
				memmove(o, s + i, cl);
				o += cl;
				i = j;
				continue;
			}
			*o++ = '/';
			memmove(o, s + i, cl);
			o += cl;
		}
		i = j;
	}
	if (o == s)
		*o++ = rel ? '.' : '/';
	*o = 0;
	return s;
}

/* A path to back up: where restic puts it in the snapshot's tree (the
 * cleaned argument; relative ones as if below "/") and on disk. */
struct target {
	char *vpath;	/* "/a/b" for both "/a/b" and "a/b" */
	bool rel;	/* the file system path is vpath + 1 */
	char *abs;	/* for the snapshot's paths */
};

/* Trees for the targets below prefix ("" is the root): each target's
 * parents become directory nodes with their own metadata, as restic
 * records them. */
static int save_virtual(struct arch *a, const char *prefix, struct target *tg, size_t n,
			const struct bk_tree *prev_tree, struct bk_id *out)
{
	struct bk_tree t;
	size_t pl = strlen(prefix);
	int rc = 0;

	bk_tree_init(&t);
	for (size_t i = 0; !rc && i < n;) {
		const char *rest = tg[i].vpath + pl + 1;
		const char *sl = strchr(rest, '/');
		size_t cl = sl ? (size_t)(sl - rest) : strlen(rest);
		size_t j = i;
		bool exact = false;
		/* sorted: the targets sharing this component are adjacent */
		while (j < n && !strncmp(tg[j].vpath + pl + 1, rest, cl) &&
		       (tg[j].vpath[pl + 1 + cl] == '/' || tg[j].vpath[pl + 1 + cl] == 0)) {
			exact |= tg[j].vpath[pl + 1 + cl] == 0;
			j++;
		}
		char *name = strndup(rest, cl), *full = strndup(tg[i].vpath, pl + 1 + cl);
		const char *fs = full && tg[i].rel ? full + 1 : full;
		if (!name || !full) {
			rc = -ENOMEM;
		} else if (exact) {
			struct stat tst;
			a->target_dev = lstat(fs, &tst) == 0 ? tst.st_dev : 0;
			rc = save_entry(a, fs, name, prev_tree, &t);
		} else {
			struct stat st;
			struct bk_node *nd;
			if (lstat(fs, &st) != 0) {
				rc = -errno;
			} else if (!(nd = bk_tree_add(&t))) {
				rc = -ENOMEM;
			} else if (!(rc = fill_node(a, fs, name, &st, nd))) {
				struct bk_tree sub;
				nd->type = BK_NODE_DIR;
				prev_load(a, prev_find(prev_tree, name), &sub);
				rc = save_virtual(a, full, tg + i, j - i, &sub, &nd->subtree);
				bk_tree_deinit(&sub);
				nd->has_subtree = rc == 0;
			}
		}
		free(name);
		free(full);
		i = j;
	}
	if (!rc)
		rc = save_tree(a, &t, out);
	bk_tree_deinit(&t);
	return rc;
}

static int write_snapshot(struct arch *a, const struct backup_archive_opts *o,
			  const struct target *tg, size_t n, const struct bk_id *tree)
{
	struct bk_snapshot s;
	struct timespec now;
	struct buf b;
	json_t *j = NULL;
	json_error_t jerr;
	int rc = 0;

	memset(&s, 0, sizeof s);
	if (o->time)
		now = *o->time;
	else
		clock_gettime(CLOCK_REALTIME, &now);
	s.time = local_time(now);
	s.tree = *tree;
	for (size_t i = 0; !rc && i < n; i++)
		rc = bk_strv_push(&s.paths, tg[i].abs);
	for (size_t i = 0; !rc && i < o->n_tags; i++)
		rc = bk_strv_push(&s.tags, o->tags[i]);
	for (size_t i = 0; !rc && i < o->n_recorded; i++)
		rc = bk_strv_push(&s.excludes, o->recorded[i]);
	s.hostname = strdup(a->host);
	if (a->st->has_parent) {
		s.has_parent = true;
		memcpy(s.parent.b, a->st->parent, 32);
	}
	s.username = user_name(a, getuid());
	s.uid = getuid();
	s.gid = getgid();
	buf_init(&b, 0);
	if (!rc)
		rc = bk_snapshot_encode(&b, &s);
	if (!rc && !(j = json_loadb(b.data, b.len, 0, &jerr)))
		rc = -EINVAL;
	if (!rc)
		rc = backup_repo_save_json(a->repo, BACKUP_FILE_SNAPSHOT, j, a->st->snapshot);
	json_decref(j);
	buf_deinit(&b);
	bk_snapshot_deinit(&s);
	return rc;
}

/* Looking for the parent snapshot: the latest with our host and paths. */
struct parent_search {
	struct arch *a;
	const struct target *tg;
	size_t n;
	bool found;
	struct bk_time best;
	uint8_t id[32];
};

static int snapshot_load(struct backup_repo *repo, const uint8_t id[32], struct bk_snapshot *s)
{
	json_t *j = NULL;
	char *text = NULL;
	int rc = backup_repo_load_json(repo, BACKUP_FILE_SNAPSHOT, id, &j);

	memset(s, 0, sizeof *s);
	if (!rc && !(text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		rc = -ENOMEM;
	if (!rc && bk_snapshot_decode(text, strlen(text), s))
		rc = BACKUP_ECORRUPT;
	free(text);
	json_decref(j);
	return rc;
}

static int parent_one(const char *name, uint64_t size, void *ud)
{
	struct parent_search *ps = ud;
	struct bk_snapshot s;
	uint8_t id[32];
	bool same;

	(void)size;
	if (backup_id_parse(name, id) || snapshot_load(ps->a->repo, id, &s)) {
		bk_snapshot_deinit(&s);
		return 0;
	}
	same = s.hostname && !strcmp(s.hostname, ps->a->host) && s.paths.n == ps->n;
	/* our targets are sorted by tree path; compare as sets */
	for (size_t i = 0; same && i < ps->n; i++) {
		bool hit = false;
		for (size_t k = 0; !hit && k < s.paths.n; k++)
			hit = !strcmp(s.paths.v[k], ps->tg[i].abs);
		same = hit;
	}
	if (same && (!ps->found || s.time.sec > ps->best.sec ||
		     (s.time.sec == ps->best.sec && s.time.nsec > ps->best.nsec))) {
		ps->found = true;
		ps->best = s.time;
		memcpy(ps->id, id, 32);
	}
	bk_snapshot_deinit(&s);
	return 0;
}

/* The parent snapshot's root tree into t (empty without one). */
static void parent_tree(struct arch *a, const struct backup_archive_opts *o,
			const struct target *tg, size_t n, struct bk_tree *t)
{
	struct parent_search ps = {.a = a, .tg = tg, .n = n};
	struct bk_snapshot s;
	struct bk_node root;

	bk_tree_init(t);
	if (o->force)
		return;
	if (o->parent) {
		memcpy(ps.id, o->parent, 32);
		ps.found = true;
	} else {
		a->repo->be->ops->list(a->repo->be, BACKUP_FILE_SNAPSHOT, parent_one, &ps);
	}
	if (!ps.found || snapshot_load(a->repo, ps.id, &s)) {
		if (ps.found)
			bk_snapshot_deinit(&s);
		return;
	}
	a->st->has_parent = true;
	memcpy(a->st->parent, ps.id, 32);
	memset(&root, 0, sizeof root);
	root.type = BK_NODE_DIR;
	root.has_subtree = true;
	root.subtree = s.tree;
	prev_load(a, &root, t);
	bk_snapshot_deinit(&s);
}

static int target_cmp(const void *x, const void *y)
{
	return strcmp(((const struct target *)x)->vpath, ((const struct target *)y)->vpath);
}

static void target_free(struct target *t)
{
	free(t->vpath);
	free(t->abs);
}

/* The target for a command-line path; -EINVAL (said) when it is not there. */
static int target_make(const char *arg, struct target *t)
{
	struct stat sb;
	char *c = clean_path(arg, false);

	memset(t, 0, sizeof *t);
	t->abs = clean_path(arg, true);
	if (!c || !t->abs) {
		free(c);
		return -ENOMEM;
	}
	t->rel = c[0] != '/';
	bool whole = !strcmp(c, "/") || !strcmp(c, ".");
	if (whole || lstat(c, &sb) != 0) {
		fprintf(stderr, "hearth: backup: %s: %s\n", arg,
			whole ? "backing up / or . is not supported yet" : strerror(errno));
		free(c);
		return -EINVAL;
	}
	if (t->rel) {
		t->vpath = malloc(strlen(c) + 2);
		if (t->vpath)
			sprintf(t->vpath, "/%s", c);
		free(c);
		return t->vpath ? 0 : -ENOMEM;
	}
	t->vpath = c;
	return 0;
}

int backup_archive(struct backup_repo *repo, const struct backup_archive_opts *opts,
		   struct backup_archive_stats *st, size_t *errors)
{
	struct arch a;
	struct target *tg = NULL;
	size_t n = 0;
	struct bk_id tree;
	int rc;

	memset(&a, 0, sizeof a);
	memset(st, 0, sizeof *st);
	a.repo = repo;
	a.st = st;
	a.opts = opts;
	if (!getcwd(a.cwd, sizeof a.cwd))
		a.cwd[0] = 0;
	bk_packer_init(&a.packer[BK_BLOB_DATA], BK_BLOB_DATA, 0);
	bk_packer_init(&a.packer[BK_BLOB_TREE], BK_BLOB_TREE, 0);
	buf_init(&a.chunk, 0);
	rc = bk_chunker_tables_init(&a.tab, repo->chunker_polynomial);
	sealer_start(&a);
	if (!rc && !(a.rbuf = malloc(READ_SIZE)))
		rc = -ENOMEM;
	if (!rc && !(tg = calloc(opts->n_paths ? opts->n_paths : 1, sizeof *tg)))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && i < opts->n_paths; i++) {
		rc = target_make(opts->paths[i], &tg[n]);
		if (rc)
			target_free(&tg[n]);
		else
			n++;
	}
	if (!rc && n == 0)
		rc = -EINVAL;
	if (!rc) {
		qsort(tg, n, sizeof *tg, target_cmp);
		/* the same path twice is backed up once */
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (k && !strcmp(tg[k - 1].vpath, tg[i].vpath))
				target_free(&tg[i]);
			else
				tg[k++] = tg[i];
		}
		n = k;
	}
	if (!rc) {
		char why[256] = "";
		rc = backup_repo_lock(repo, 0, a.lock_id, why, sizeof why);
		if (rc == -EBUSY)
			fprintf(stderr, "hearth: backup: %s\n", why);
		a.locked = rc == 0;
		a.lock_time = time(NULL);
	}
	if (!rc)
		rc = backup_repo_load_index(repo, 0, &a.idx, NULL);
	if (opts->host)
		snprintf(a.host, sizeof a.host, "%s", opts->host);
	else
		gethostname(a.host, sizeof a.host - 1);
	if (!rc) {
		struct bk_tree prev;
		parent_tree(&a, opts, tg, n, &prev);
		rc = save_virtual(&a, "", tg, n, &prev, &tree);
		bk_tree_deinit(&prev);
	}
	if (!rc)
		rc = flush_pack(&a, BK_BLOB_DATA);
	if (!rc)
		rc = flush_pack(&a, BK_BLOB_TREE);
	if (!rc)
		rc = save_index(&a);
	if (!rc) {
		memcpy(st->tree, tree.b, 32);
		rc = write_snapshot(&a, opts, tg, n, &tree);
	}
	sealer_stop(&a);
	if (a.locked)
		backup_repo_unlock(repo, a.lock_id);
	for (size_t i = 0; i < n; i++)
		target_free(&tg[i]);
	free(tg);
	json_decref(a.index_doc);
	backup_index_free(a.idx);
	bk_packer_deinit(&a.packer[0]);
	bk_packer_deinit(&a.packer[1]);
	buf_deinit(&a.chunk);
	free(a.rbuf);
	free(a.user);
	free(a.group);
	*errors = a.errors;
	return rc;
}
