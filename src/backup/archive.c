/* SPDX-License-Identifier: MIT */
/* The backup pass: walk with lstat, record metadata as restic 0.14 does, chunk, dedup against the index, seal, pack, then index and snapshot. */
#include "backup/archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
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
#include <openssl/evp.h>

#include "backup/lock.h"
#include "backup/scan.h"
#include "backup/walk.h"
#include "base/buf.h"
#include "proto/backup/chunker.h"
#include "proto/backup/crypto.h"
#include "proto/backup/packer.h"
#include "proto/backup/snapshot.h"
#include "proto/backup/tree.h"
#include "proto/backup/unpacked.h"

#define READ_SIZE (1u << 20)
#define READ_AHEAD (4 << 20)
/* restic's smallest chunk: blobs this big or bigger get a mapping of their own */
#define MMAP_FROM (512 << 10)
/* restic 0.14 writes an index file once it holds 50000 blobs, and closes
 * packs by size only; hearth writes one at 10000 and closes a pack at 5000
 * blobs too (16 MiB of small, well compressed files is some 50000): the
 * index in the making is a JSON document (some 600 bytes a blob), and so
 * is every index file a later backup parses, one at a time. */
#define INDEX_MAX_BLOBS 10000
#define PACK_MAX_BLOBS 5000

/* Plaintext bytes handed to the pipeline and not yet written to a pack:
 * what bounds its memory (and one blob is always let in). */
#define INFLIGHT_MAX (16u << 20)
#define N_SEALERS 2

/* One new blob on its way: hashed by the main thread, compressed and
 * sealed by a sealer, written into its pack by the writer. */
struct job {
	struct job *next;
	enum bk_blob_type type;
	struct bk_id id;
	uint8_t *plain;		/* len bytes; freed once sealed */
	size_t len;
	uint8_t *sealed;	/* n bytes */
	size_t n;
	uint32_t ulen;		/* uncompressed length, 0 when stored as is */
};

/* A pack that is durable, for the main thread to put in the index. */
struct done_pack {
	struct done_pack *next;
	uint8_t id[32];
	struct backup_pack_entry *e;
	size_t n;
	uint64_t bytes;
	struct buf mem;		/* a pack for a backend without streams: main saves it */
};

/* A pack being written (by the writer thread): streamed to the backend
 * when it can take a file piece by piece, else assembled in memory. */
struct pstream {
	struct bk_packer p;
	void *h;		/* the backend's stream, or NULL */
	struct buf mem;		/* without a stream */
	EVP_MD_CTX *md;		/* SHA-256 of the bytes so far: the pack's id */
	uint64_t bytes;
	bool open;
};

struct jobq {
	struct job *head, *tail;
};

/* The threads after the main one (which walks, reads, chunks, hashes and
 * looks blobs up): N_SEALERS sealers and one writer. All fields under mu
 * but the writer's pstreams and the sealers' own contexts. */
struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv_seal, cv_write, cv_main;
	struct jobq sealq, writeq;
	struct done_pack *done, *done_tail;
	size_t inflight;	/* plaintext bytes of jobs not yet written */
	size_t sealing;		/* jobs a sealer holds */
	int err;		/* the first failure of a thread */
	bool flush;		/* main asks for the open packs to be finished */
	bool quit;
	pthread_t th[N_SEALERS + 1];
	size_t n_threads;
	struct backup_repo *repo;
	struct pstream ps[2];	/* by enum bk_blob_type; the writer's */
};

struct arch {
	struct backup_repo *repo;
	struct pipe pipe;
	bool pipe_up;
	struct backup_index *idx;
	/* ids of the blobs handed to the pipeline, by enum bk_blob_type */
	struct backup_idset *pend[2];
	struct bk_chunker_tables tab;
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
	struct backup_readahead *ra;
	time_t ra_since;	/* files changed since are read (a guess for ra) */
	time_t parent_time;
};

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

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->plain);
	free(j->sealed);
	free(j);
}

static void jobq_push(struct jobq *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct job *jobq_pop(struct jobq *q)
{
	struct job *j = q->head;

	if (j && !(q->head = j->next))
		q->tail = NULL;
	return j;
}

static void pipe_fail(struct pipe *pp, int rc)
{
	if (!pp->err)
		pp->err = rc;
	pthread_cond_broadcast(&pp->cv_seal);
	pthread_cond_broadcast(&pp->cv_write);
	pthread_cond_broadcast(&pp->cv_main);
}

/* Compresses (format 2, when it saves bytes) and seals j->plain into
 * j->sealed, in place: IV || ciphertext || MAC. */
static int seal_job(struct backup_repo *repo, struct backup_zstd_cctx *zc, struct job *j)
{
	size_t cap = j->len + BACKUP_CRYPTO_OVERHEAD;
	const uint8_t *src = j->plain;
	size_t n = j->len;
	uint8_t *out;

	if (repo->version >= 2 && j->len > 0) {
		size_t bound = backup_zstd_bound(j->len);
		if (bound + BACKUP_CRYPTO_OVERHEAD > cap)
			cap = bound + BACKUP_CRYPTO_OVERHEAD;
	}
	if (!(out = malloc(cap)))
		return -ENOMEM;
	j->ulen = 0;
	if (repo->version >= 2 && j->len > 0 && zc) {
		long zn = backup_zstd_compress_with(zc, j->plain, j->len, repo->zstd_level,
						    out + BACKUP_IV_SIZE, cap - BACKUP_CRYPTO_OVERHEAD);
		if (zn > 0 && (size_t)zn < j->len) {
			src = out + BACKUP_IV_SIZE;
			n = (size_t)zn;
			j->ulen = (uint32_t)j->len;
		}
	}
	int rc = backup_seal(&repo->master, src, n, out);
	if (rc) {
		free(out);
		return rc;
	}
	n += BACKUP_CRYPTO_OVERHEAD;
	if (cap - n > (64u << 10)) {
		uint8_t *t = realloc(out, n); /* give back what compression saved */
		if (t)
			out = t;
	}
	j->sealed = out;
	j->n = n;
	free(j->plain);
	j->plain = NULL;
	return 0;
}

static void *sealer_main(void *arg)
{
	struct pipe *pp = arg;
	struct backup_zstd_cctx *zc = backup_zstd_cctx_new();

	pthread_mutex_lock(&pp->mu);
	for (;;) {
		while (!pp->quit && !pp->sealq.head)
			pthread_cond_wait(&pp->cv_seal, &pp->mu);
		if (pp->quit)
			break;
		struct job *j = jobq_pop(&pp->sealq);
		int rc = pp->err;
		pp->sealing++;
		pthread_mutex_unlock(&pp->mu);
		if (!rc)
			rc = zc ? seal_job(pp->repo, zc, j) : -ENOMEM;
		pthread_mutex_lock(&pp->mu);
		pp->sealing--;
		if (rc) {
			pp->inflight -= j->len;
			job_free(j);
			pipe_fail(pp, rc);
			continue;
		}
		jobq_push(&pp->writeq, j);
		pthread_cond_broadcast(&pp->cv_write);
	}
	pthread_mutex_unlock(&pp->mu);
	backup_zstd_cctx_free(zc);
	return NULL;
}

/* The writer's side: bytes into the pack s, hashed on the way. */
static int ps_write(struct pipe *pp, struct pstream *s, const void *b, size_t n)
{
	const struct backup_backend *be = pp->repo->be;
	int rc;

	if (EVP_DigestUpdate(s->md, b, n) != 1)
		return -EIO;
	rc = s->h ? be->ops->stream_write(s->h, b, n) : buf_append(&s->mem, b, n);
	s->bytes += n;
	return rc;
}

static void ps_drop(struct pipe *pp, struct pstream *s)
{
	if (s->h)
		pp->repo->be->ops->stream_abort(s->h);
	s->h = NULL;
	buf_deinit(&s->mem);
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
	bk_packer_deinit(&s->p);
	s->open = false;
}

static int ps_open(struct pipe *pp, struct pstream *s, enum bk_blob_type type)
{
	struct backup_backend *be = pp->repo->be;

	memset(s, 0, sizeof *s);
	bk_packer_init(&s->p, type, 0);
	buf_init(&s->mem, 0);
	s->open = true;
	if (!(s->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
		return -ENOMEM;
	if (be->ops->stream_open)
		return be->ops->stream_open(be, BACKUP_FILE_PACK, &s->h);
	return 0;
}

/* Writes the pack's sealed header and its length, makes it durable under
 * its id and queues it for the index (the caller holds no lock). */
static int ps_finish(struct pipe *pp, struct pstream *s)
{
	struct backup_backend *be = pp->repo->be;
	struct done_pack *d = NULL;
	struct buf hdr;
	uint8_t *sealed = NULL, len[4];
	unsigned int hl = 32;
	char hex[BACKUP_ID_HEX];
	int rc;

	buf_init(&hdr, 0);
	rc = bk_packer_header(&s->p, &hdr);
	if (!rc && hdr.len + BACKUP_CRYPTO_OVERHEAD != s->p.header_len + BK_CRYPTO_EXTENSION)
		rc = -EINVAL;
	if (!rc && !(sealed = malloc(hdr.len + BACKUP_CRYPTO_OVERHEAD)))
		rc = -ENOMEM;
	if (!rc)
		rc = backup_seal(&pp->repo->master, hdr.data, hdr.len, sealed);
	if (!rc)
		rc = ps_write(pp, s, sealed, hdr.len + BACKUP_CRYPTO_OVERHEAD);
	uint32_t hlen = (uint32_t)(hdr.len + BACKUP_CRYPTO_OVERHEAD);
	for (int i = 0; i < 4; i++)
		len[i] = (uint8_t)(hlen >> (8 * i));
	if (!rc)
		rc = ps_write(pp, s, len, 4);
	free(sealed);
	buf_deinit(&hdr);
	if (!rc && !(d = calloc(1, sizeof *d)))
		rc = -ENOMEM;
	if (!rc && EVP_DigestFinal_ex(s->md, d->id, &hl) != 1)
		rc = -EIO;
	if (!rc && !(d->e = calloc(s->p.n, sizeof *d->e)))
		rc = -ENOMEM;
	if (!rc) {
		if (s->h) {
			backup_id_hex(d->id, hex);
			rc = be->ops->stream_commit(be, s->h, hex);
			s->h = NULL;
		} else {
			/* remote backends are used from the main thread only */
			d->mem = s->mem;
			buf_init(&s->mem, 0);
		}
	}
	for (size_t i = 0; !rc && i < s->p.n; i++) {
		const struct bk_pack_entry *x = &s->p.entries[i];
		memcpy(d->e[i].id, x->id.b, 32);
		d->e[i].type = (uint8_t)x->type;
		d->e[i].compressed = x->uncompressed_length != 0;
		d->e[i].offset = x->offset;
		d->e[i].length = x->length;
		d->e[i].uncompressed_length = x->uncompressed_length;
	}
	if (!rc) {
		d->n = s->p.n;
		d->bytes = s->bytes;
		pthread_mutex_lock(&pp->mu);
		if (pp->done_tail)
			pp->done_tail->next = d;
		else
			pp->done = d;
		pp->done_tail = d;
		pthread_cond_broadcast(&pp->cv_main);
		pthread_mutex_unlock(&pp->mu);
		d = NULL;
	}
	if (d) {
		free(d->e);
		buf_deinit(&d->mem);
	}
	free(d);
	ps_drop(pp, s);
	return rc;
}

/* Adds one sealed blob to its pack (the caller holds no lock). */
static int ps_add(struct pipe *pp, struct job *j)
{
	struct pstream *s = &pp->ps[j->type];
	int rc = 0;

	if (!s->open && (rc = ps_open(pp, s, j->type)))
		return rc;
	rc = bk_packer_add_streamed(&s->p, &j->id, j->n, j->ulen);
	if (!rc)
		rc = ps_write(pp, s, j->sealed, j->n);
	if (!rc && (bk_packer_is_full(&s->p) || s->p.n >= PACK_MAX_BLOBS))
		rc = ps_finish(pp, s);
	return rc;
}

static void *writer_main(void *arg)
{
	struct pipe *pp = arg;

	pthread_mutex_lock(&pp->mu);
	for (;;) {
		bool idle = !pp->sealq.head && !pp->sealing;
		while (!pp->quit && !pp->writeq.head && !(pp->flush && idle)) {
			pthread_cond_wait(&pp->cv_write, &pp->mu);
			idle = !pp->sealq.head && !pp->sealing;
		}
		if (pp->quit)
			break;
		struct job *j = jobq_pop(&pp->writeq);
		int rc = pp->err;
		pthread_mutex_unlock(&pp->mu);
		if (j && !rc) {
			rc = ps_add(pp, j);
		} else if (!j && !rc) {
			for (int t = 0; !rc && t < 2; t++)
				if (pp->ps[t].open)
					rc = ps_finish(pp, &pp->ps[t]);
		}
		pthread_mutex_lock(&pp->mu);
		if (j) {
			pp->inflight -= j->len;
			job_free(j);
		} else {
			pp->flush = false;
		}
		if (rc)
			pipe_fail(pp, rc);
		pthread_cond_broadcast(&pp->cv_main);
	}
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

static int pipe_start(struct arch *a)
{
	struct pipe *pp = &a->pipe;
	int rc = 0;

	memset(pp, 0, sizeof *pp);
	pp->repo = a->repo;
	if (pthread_mutex_init(&pp->mu, NULL))
		return -ENOMEM;
	pthread_cond_init(&pp->cv_seal, NULL);
	pthread_cond_init(&pp->cv_write, NULL);
	pthread_cond_init(&pp->cv_main, NULL);
	a->pipe_up = true;
	for (size_t i = 0; !rc && i <= N_SEALERS; i++) {
		rc = -pthread_create(&pp->th[i], NULL, i < N_SEALERS ? sealer_main : writer_main, pp);
		if (!rc)
			pp->n_threads++;
	}
	return rc;
}

static void pipe_stop(struct arch *a)
{
	struct pipe *pp = &a->pipe;
	struct job *j;

	if (!a->pipe_up)
		return;
	pthread_mutex_lock(&pp->mu);
	pp->quit = true;
	pthread_cond_broadcast(&pp->cv_seal);
	pthread_cond_broadcast(&pp->cv_write);
	pthread_mutex_unlock(&pp->mu);
	for (size_t i = 0; i < pp->n_threads; i++)
		pthread_join(pp->th[i], NULL);
	while ((j = jobq_pop(&pp->sealq)))
		job_free(j);
	while ((j = jobq_pop(&pp->writeq)))
		job_free(j);
	while (pp->done) {
		struct done_pack *d = pp->done;
		pp->done = d->next;
		free(d->e);
		buf_deinit(&d->mem);
		free(d);
	}
	for (int t = 0; t < 2; t++)
		if (pp->ps[t].open)
			ps_drop(pp, &pp->ps[t]);
	pthread_cond_destroy(&pp->cv_seal);
	pthread_cond_destroy(&pp->cv_write);
	pthread_cond_destroy(&pp->cv_main);
	pthread_mutex_destroy(&pp->mu);
	a->pipe_up = false;
}

/* Puts the packs the writer made durable into the index (main thread):
 * only then, and only those, may an index file name them. */
static int drain_done(struct arch *a)
{
	struct pipe *pp = &a->pipe;
	struct done_pack *d;
	int rc;

	pthread_mutex_lock(&pp->mu);
	d = pp->done;
	pp->done = pp->done_tail = NULL;
	rc = pp->err;
	pthread_mutex_unlock(&pp->mu);
	while (d) {
		struct done_pack *next = d->next;
		if (!rc && d->mem.data) {
			char hex[BACKUP_ID_HEX];
			backup_id_hex(d->id, hex);
			rc = a->repo->be->ops->save(a->repo->be, BACKUP_FILE_PACK, hex, d->mem.data,
						    d->mem.len);
		}
		for (size_t i = 0; !rc && i < d->n; i++)
			if (backup_index_add(a->idx, d->id, &d->e[i]) < 0)
				rc = -ENOMEM;
		if (!rc && !a->index_doc && !(a->index_doc = backup_index_doc_new()))
			rc = -ENOMEM;
		if (!rc)
			rc = backup_index_doc_add_pack(a->index_doc, d->id, d->e, d->n);
		if (!rc) {
			a->st->packs++;
			a->st->bytes_added += d->bytes;
			a->index_blobs += d->n;
		}
		if (!rc && a->index_blobs >= INDEX_MAX_BLOBS)
			rc = save_index(a);
		free(d->e);
		buf_deinit(&d->mem);
		free(d);
		d = next;
	}
	if (!rc && a->locked && time(NULL) - a->lock_time >= 5 * 60) {
		/* restic refreshes its lock every 5 minutes; stale after 30 */
		rc = backup_repo_lock_refresh(a->repo, 0, a->lock_id);
		a->lock_time = time(NULL);
	}
	return rc;
}

/* Waits for every blob handed over to be in a durable pack, and indexes them. */
static int pipe_flush(struct arch *a)
{
	struct pipe *pp = &a->pipe;

	pthread_mutex_lock(&pp->mu);
	pp->flush = true;
	pthread_cond_broadcast(&pp->cv_write);
	while (!pp->err && pp->flush)
		pthread_cond_wait(&pp->cv_main, &pp->mu);
	pthread_mutex_unlock(&pp->mu);
	return drain_done(a);
}

/* Whether the blob is in the repository or on its way into a pack. */
static bool blob_known(struct arch *a, enum bk_blob_type type, const struct bk_id *id)
{
	struct backup_blob_loc loc;

	return backup_idset_has(a->pend[type], id->b) ||
	       backup_index_find(a->idx, id->b, (int)type, &loc) == 0;
}

/* Hands a new blob to the sealers, waiting while the pipeline holds
 * INFLIGHT_MAX bytes; takes plain. */
static int pipe_submit(struct arch *a, enum bk_blob_type type, const struct bk_id *id,
		       uint8_t *plain, size_t len)
{
	struct pipe *pp = &a->pipe;
	struct job *j = calloc(1, sizeof *j);
	int rc;

	if (!j) {
		free(plain);
		return -ENOMEM;
	}
	j->type = type;
	j->id = *id;
	j->plain = plain;
	j->len = len;
	pthread_mutex_lock(&pp->mu);
	while (!pp->err && pp->inflight && pp->inflight + len > INFLIGHT_MAX) {
		if (pp->done) {
			pthread_mutex_unlock(&pp->mu);
			rc = drain_done(a);
			pthread_mutex_lock(&pp->mu);
			if (rc)
				pipe_fail(pp, rc);
			continue;
		}
		pthread_cond_wait(&pp->cv_main, &pp->mu);
	}
	rc = pp->err;
	if (!rc) {
		pp->inflight += len;
		jobq_push(&pp->sealq, j);
		pthread_cond_signal(&pp->cv_seal);
		j = NULL;
	}
	bool done = pp->done != NULL;
	pthread_mutex_unlock(&pp->mu);
	job_free(j);
	if (!rc && done)
		rc = drain_done(a);
	return rc;
}

/* Saves a blob unless the repository has it. The pipeline takes *own when
 * it is given (then *own is NULL), else a copy of data. */
static int save_blob_own(struct arch *a, enum bk_blob_type type, uint8_t **own, const void *data,
			 size_t len, struct bk_id *id)
{
	uint8_t *plain;
	int rc;

	bk_id_hash(data, len, id);
	if (blob_known(a, type, id)) {
		a->st->blobs_known++;
		return 0;
	}
	if (own && *own) {
		plain = *own;
		*own = NULL;
	} else if (!(plain = malloc(len ? len : 1))) {
		return -ENOMEM;
	} else if (len) {
		memcpy(plain, data, len);
	}
	if ((rc = backup_idset_add(a->pend[type], id->b)) < 0) {
		free(plain);
		return rc;
	}
	a->st->blobs_new++;
	return pipe_submit(a, type, id, plain, len);
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
	const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	/* O_NOATIME: reading leaves the atime recorded in the tree as it is,
	 * so the next backup can keep this directory's tree blob */
	int fd = open(path, flags | O_NOATIME);
	int rc = 0;
	off_t ahead = 0, pos0 = (off_t)a->st->bytes_read;

	if (fd < 0 && errno == EPERM)
		fd = open(path, flags);
	if (fd < 0)
		return -errno;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	bk_chunker_init(&c, &a->tab);
	a->chunk.len = 0;
	for (;;) {
		if (n->size > READ_SIZE && ahead < (off_t)n->size &&
		    ahead < (off_t)a->st->bytes_read - pos0 + READ_AHEAD) {
			/* keep the disk busy READ_AHEAD past what is being chunked */
			posix_fadvise(fd, ahead, READ_AHEAD, POSIX_FADV_WILLNEED);
			ahead += READ_AHEAD;
		}
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
		if (st.st_ctim.tv_sec >= a->ra_since)
			backup_readahead_done(a->ra, n->size);
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
	/* O_NOATIME as for files: the directory's atime stays what the tree records */
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
	if (dfd < 0 && errno == EPERM)
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct bk_tree t;
	int rc = 0;

	if (!d) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return -e;
	}
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
	a->parent_time = s.time.sec;
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
	/* blobs of a chunk's size are mapped and unmapped, not kept in the
	 * threads' arenas: the resident set follows what the pipeline holds */
	mallopt(M_MMAP_THRESHOLD, MMAP_FROM);
	a.repo = repo;
	a.st = st;
	a.opts = opts;
	if (!getcwd(a.cwd, sizeof a.cwd))
		a.cwd[0] = 0;
	buf_init(&a.chunk, 0);
	rc = bk_chunker_tables_init(&a.tab, repo->chunker_polynomial);
	a.pend[BK_BLOB_DATA] = backup_idset_new();
	a.pend[BK_BLOB_TREE] = backup_idset_new();
	if (!rc && (!a.pend[BK_BLOB_DATA] || !a.pend[BK_BLOB_TREE]))
		rc = -ENOMEM;
	if (!rc)
		rc = pipe_start(&a);
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
		const char **fs = calloc(n, sizeof *fs);
		for (size_t i = 0; fs && i < n; i++)
			fs[i] = tg[i].rel ? tg[i].vpath + 1 : tg[i].vpath;
		a.ra_since = st->has_parent ? a.parent_time - 1 : 0;
		if (fs)
			a.ra = backup_readahead_start(fs, n, a.ra_since, opts->one_file_system);
		free(fs);
		rc = save_virtual(&a, "", tg, n, &prev, &tree);
		backup_readahead_stop(a.ra);
		a.ra = NULL;
		bk_tree_deinit(&prev);
	}
	if (!rc)
		rc = pipe_flush(&a);
	if (!rc)
		rc = save_index(&a);
	if (!rc) {
		memcpy(st->tree, tree.b, 32);
		rc = write_snapshot(&a, opts, tg, n, &tree);
	}
	pipe_stop(&a);
	if (a.locked)
		backup_repo_unlock(repo, a.lock_id);
	for (size_t i = 0; i < n; i++)
		target_free(&tg[i]);
	free(tg);
	json_decref(a.index_doc);
	backup_index_free(a.idx);
	backup_idset_free(a.pend[BK_BLOB_DATA]);
	backup_idset_free(a.pend[BK_BLOB_TREE]);
	buf_deinit(&a.chunk);
	free(a.rbuf);
	free(a.user);
	free(a.group);
	*errors = a.errors;
	return rc;
}
