/* SPDX-License-Identifier: MIT */
/* The pack/index part of `check`: headers against the index, missing and unreferenced packs, blob hashes of all packs or of restic's --read-data-subset. */
#include "backup/check.h"
#include "backup/blobq.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ref {
	uint8_t pack[32], id[32];
	struct backup_blob_loc loc;
};

struct refs {
	struct ref *v;
	size_t n, cap;
};

static int collect(const uint8_t id[32], const struct backup_blob_loc *loc,
		   void *ud)
{
	struct refs *r = ud;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 1024;
		struct ref *nv = realloc(r->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = nc;
	}
	struct ref *x = &r->v[r->n++];
	memcpy(x->pack, loc->pack, 32);
	memcpy(x->id, id, 32);
	x->loc = *loc;
	return 0;
}

static int by_pack(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = memcmp(x->pack, y->pack, 32);
	return c ? c : (x->loc.offset > y->loc.offset) -
			       (x->loc.offset < y->loc.offset);
}

struct names {
	char (*v)[BACKUP_ID_HEX];
	size_t n, cap;
};

static int collect_name(const char *name, uint64_t size, void *ud)
{
	struct names *s = ud;
	(void)size;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		void *nv = realloc(s->v, nc * BACKUP_ID_HEX);
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	snprintf(s->v[s->n++], BACKUP_ID_HEX, "%s", name);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

struct ctx {
	void (*say)(const char *line, void *ud);
	void *ud;
	struct backup_check_result *res;
	const struct backup_check_read *rd; /* may be NULL */
	struct backup_repo *repo;
	/* The workers report too: @say, res->errors, res->blobs and
	 * rd->damaged are taken under @mu. */
	pthread_mutex_t mu;
};

static void vreport(struct ctx *c, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&c->mu);
	c->res->errors++;
	if (c->say)
		c->say(line, c->ud);
	pthread_mutex_unlock(&c->mu);
}

static void report(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
}

/* A blob that did not read: its id joins rd->damaged, and a line says
 * why. */
static void report_blob(struct ctx *c, const uint8_t id[32], const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report_blob(struct ctx *c, const uint8_t id[32], const char *fmt, ...)
{
	if (c->rd && c->rd->damaged) {
		pthread_mutex_lock(&c->mu);
		backup_idset_add(c->rd->damaged, id);
		pthread_mutex_unlock(&c->mu);
	}
	va_list ap;
	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
}

/* True when the pack file's SHA-256 is its name (read in 4 MiB steps). */
static int pack_hash_ok(struct backup_repo *repo, const char *name,
			const uint8_t pid[32])
{
	uint64_t size = 0;
	if (repo->be->ops->size(repo->be, BACKUP_FILE_PACK, name, &size))
		return 0;
	size_t step = 4u << 20;
	uint8_t *buf = malloc(step);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = buf && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	for (uint64_t off = 0; ok && off < size; off += step) {
		size_t n = size - off < step ? (size_t)(size - off) : step;
		ok = !repo->be->ops->load_range(repo->be, BACKUP_FILE_PACK, name,
						off, n, buf) &&
		     EVP_DigestUpdate(md, buf, n) == 1;
	}
	uint8_t h[32];
	unsigned int hl = 0;
	ok = ok && EVP_DigestFinal_ex(md, h, &hl) == 1 && hl == 32 &&
	     !memcmp(h, pid, 32);
	EVP_MD_CTX_free(md);
	free(buf);
	return ok;
}

int backup_check_read_parse(const char *text, struct backup_check_read *r)
{
	char *end;
	memset(r, 0, sizeof(*r));
	if (strchr(text, '/')) {
		unsigned long n = strtoul(text, &end, 10);
		if (end == text || *end != '/')
			return -EINVAL;
		const char *t = end + 1;
		unsigned long d = strtoul(t, &end, 10);
		if (end == t || *end || n < 1 || d < n || d > 1000000)
			return -EINVAL;
		r->mode = 2;
		r->n = (unsigned)n;
		r->t = (unsigned)d;
		return 0;
	}
	double x = strtod(text, &end);
	if (end == text || strcmp(end, "%") || !(x > 0 && x <= 100))
		return -EINVAL;
	r->mode = 3;
	r->percent = x;
	return 0;
}

/* Whether pack @pid (the @k-th of @total, in a random order for a
 * percentage) is read back. */
static bool read_selected(const struct backup_check_read *r,
			  const uint8_t pid[32], size_t rank, size_t total)
{
	switch (r ? r->mode : 0) {
	case 1:
		return true;
	case 2:
		return pid[0] % r->t == r->n - 1;
	case 3: {
		size_t want = (size_t)((double)total * r->percent / 100.0);
		if (want == 0 && total)
			want = 1;
		return rank < want;
	}
	default:
		return false;
	}
}

/* What --read-data found in one pack, said when its last blob is
 * verified: the pack's hash first, then its blobs (in the order the
 * workers finished them). */
struct pack_rep {
	char pack[9];
	size_t pending; /* blobs in flight + 1 while the pack is read (under mu) */
	bool hash_bad;
	char *lines; /* NUL-separated */
	size_t len, n;
};

static void pack_put(struct ctx *c, struct pack_rep *pr)
{
	pthread_mutex_lock(&c->mu);
	bool last = --pr->pending == 0;
	pthread_mutex_unlock(&c->mu);
	if (!last)
		return;
	if (pr->hash_bad)
		report(c, "pack %s: its SHA-256 does not match its name", pr->pack);
	for (size_t i = 0, off = 0; i < pr->n; i++) {
		report(c, "%s", pr->lines + off);
		off += strlen(pr->lines + off) + 1;
	}
	free(pr->lines);
	free(pr);
}

/* One sealed blob of a pack on its way to a worker. */
struct blob_job {
	struct backup_blobq_item q;
	struct backup_pack_entry e;
	struct pack_rep *pr;
	uint8_t buf[]; /* e.length bytes */
};

static void verify_blob(struct backup_blobq_item *it, void *ud)
{
	struct ctx *c = ud;
	struct blob_job *j = (struct blob_job *)it;
	struct pack_rep *pr = j->pr;
	uint8_t *plain = NULL;
	size_t n = 0;
	int rc = backup_repo_unseal_blob(c->repo, j->e.id, j->e.uncompressed_length, j->buf,
					 j->e.length, &plain, &n);
	if (!rc && plain != j->buf + BACKUP_IV_SIZE)
		free(plain);
	char line[200] = "";
	if (rc)
		snprintf(line, sizeof line, "pack %s: %s blob %02x%02x%02x%02x: %s", pr->pack,
			 j->e.type ? "tree" : "data", j->e.id[0], j->e.id[1], j->e.id[2],
			 j->e.id[3], backup_strerror(rc));
	size_t ll = strlen(line) + 1;
	pthread_mutex_lock(&c->mu);
	c->res->blobs++;
	if (rc && c->rd && c->rd->damaged)
		backup_idset_add(c->rd->damaged, j->e.id);
	char *nl = rc ? realloc(pr->lines, pr->len + ll) : NULL;
	if (nl) {
		memcpy(nl + pr->len, line, ll);
		pr->lines = nl;
		pr->len += ll;
		pr->n++;
	} else if (rc) {
		c->res->errors++; /* out of memory for the line: still counted */
	}
	pthread_mutex_unlock(&c->mu);
	free(j);
	pack_put(c, pr);
}

#define LOST_SHOWN 100 /* blobs named per pack whose header is damaged */

/* A pack whose header does not read: every blob the index places in it
 * is named and counted damaged (the pack has to be replaced; restic's
 * check fails on it as a whole). */
static void header_lost(struct ctx *c, const char *name, const struct ref *r, size_t n,
			int rc)
{
	report(c, "pack %.8s: header: %s; %zu blobs the index places in it are affected",
	       name, backup_strerror(rc), n);
	for (size_t i = 0; i < n; i++) {
		if (i < LOST_SHOWN)
			report_blob(c, r[i].id, "pack %.8s: %s blob %02x%02x%02x%02x: its pack's "
				    "header is damaged", name,
				    r[i].loc.type ? "tree" : "data", r[i].id[0], r[i].id[1],
				    r[i].id[2], r[i].id[3]);
		else if (c->rd && c->rd->damaged) {
			pthread_mutex_lock(&c->mu);
			backup_idset_add(c->rd->damaged, r[i].id);
			c->res->errors++;
			pthread_mutex_unlock(&c->mu);
		}
	}
	if (n > LOST_SHOWN)
		report(c, "pack %.8s: ... and %zu more blobs", name, n - LOST_SHOWN);
}

static int by_offset(const void *a, const void *b)
{
	const struct backup_pack_entry *x = a, *y = b;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* --read-data of one pack whose header read: the file once from the
 * start, its SHA-256 on this thread, each blob to a worker. */
static void read_pack(struct ctx *c, struct backup_blobq *q, const char *name,
		      const uint8_t pid[32], struct backup_pack_entry *e, size_t en)
{
	struct backup_repo *repo = c->repo;
	uint64_t size = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		 !repo->be->ops->size(repo->be, BACKUP_FILE_PACK, name, &size);
	qsort(e, en, sizeof *e, by_offset);
	uint64_t pos = 0;
	enum { GAP = 1u << 20 };
	uint8_t *gap = NULL;
	struct pack_rep *pr = calloc(1, sizeof *pr);
	if (!pr)
		ok = 0;
	else {
		snprintf(pr->pack, sizeof pr->pack, "%.8s", name);
		pr->pending = 1;
	}
	for (size_t k = 0; k <= en && ok; k++) {
		/* bytes no blob covers before the next blob (or to the end) */
		uint64_t to = k < en ? e[k].offset : size;
		if (to < pos) {
			ok = 0; /* overlapping entries: the header parse refuses them */
			break;
		}
		while (ok && pos < to) {
			size_t m = to - pos < GAP ? (size_t)(to - pos) : GAP;
			if (!gap && !(gap = malloc(GAP)))
				ok = 0;
			ok = ok && !repo->be->ops->load_range(repo->be, BACKUP_FILE_PACK, name, pos,
							      m, gap) &&
			     EVP_DigestUpdate(md, gap, m) == 1;
			pos += m;
		}
		if (k == en || !ok)
			break;
		if (e[k].length > BACKUP_BLOB_MAX) {
			/* a hostile header's length is not allocated: its bytes are
			 * hashed as a gap by the next round */
			report_blob(c, e[k].id, "pack %.8s: %s blob %02x%02x%02x%02x: %s", name,
				    e[k].type ? "tree" : "data", e[k].id[0], e[k].id[1],
				    e[k].id[2], e[k].id[3], backup_strerror(BACKUP_ECORRUPT));
			continue;
		}
		struct blob_job *j = malloc(sizeof *j + (e[k].length ? e[k].length : 1));
		if (!j) {
			ok = 0;
			break;
		}
		j->q.bytes = e[k].length;
		j->e = e[k];
		j->pr = pr;
		int rc = repo->be->ops->load_range(repo->be, BACKUP_FILE_PACK, name, e[k].offset,
						   e[k].length, j->buf);
		if (rc) {
			free(j);
			ok = 0;
			break;
		}
		ok = EVP_DigestUpdate(md, j->buf, e[k].length) == 1;
		pos = (uint64_t)e[k].offset + e[k].length;
		pthread_mutex_lock(&c->mu);
		pr->pending++;
		pthread_mutex_unlock(&c->mu);
		backup_blobq_push(q, &j->q);
	}
	free(gap);
	uint8_t h[32];
	unsigned int hl = 0;
	ok = ok && EVP_DigestFinal_ex(md, h, &hl) == 1 && hl == 32 && !memcmp(h, pid, 32);
	EVP_MD_CTX_free(md);
	if (!pr) {
		report(c, "pack %.8s: its SHA-256 does not match its name", name);
		return;
	}
	pr->hash_bad = !ok; /* before the last reference goes: under mu in pack_put */
	pack_put(c, pr);
}

/* One pack file against the index entries [r, r + n) naming it. */
static void check_pack(struct ctx *c, struct backup_blobq *q, const char *name,
		       const struct ref *r, size_t n, bool read_data)
{
	struct backup_repo *repo = c->repo;
	uint8_t pid[32];
	backup_id_parse(name, pid);
	struct backup_pack_entry *e = NULL;
	size_t en = 0;
	if (read_data && !c->res->packs_read)
		backup_repo_prefetch_pack(repo, pid); /* the first (later ones: ahead) */
	int rc = backup_repo_pack_header(repo, pid, &e, &en);
	if (read_data)
		c->res->packs_read++;
	if (rc) {
		header_lost(c, name, r, n, rc);
		if (read_data && !pack_hash_ok(repo, name, pid))
			report(c, "pack %.8s: its SHA-256 does not match its name", name);
	} else {
		for (size_t i = 0; i < n; i++) {
			size_t k = 0;
			while (k < en && (memcmp(e[k].id, r[i].id, 32) ||
					  e[k].type != r[i].loc.type))
				k++;
			if (k == en || e[k].offset != r[i].loc.offset ||
			    e[k].length != r[i].loc.length)
				report(c, "pack %.8s: blob %02x%02x%02x%02x: the index "
					  "and the pack header disagree",
				       name, r[i].id[0], r[i].id[1], r[i].id[2],
				       r[i].id[3]);
		}
		if (read_data)
			read_pack(c, q, name, pid, e, en);
	}
	free(e);
	uint64_t psz = 0;
	if (read_data && c->rd && c->rd->progress &&
	    !repo->be->ops->size(repo->be, BACKUP_FILE_PACK, name, &psz))
		backup_progress_add(c->rd->progress, 1, psz);
}

int backup_repo_check_packs(struct backup_repo *repo,
			    const struct backup_index *idx,
			    const struct backup_check_read *read_data,
			    void (*say)(const char *line, void *ud), void *ud,
			    struct backup_check_result *res)
{
	memset(res, 0, sizeof(*res));
	struct ctx c = {.say = say, .ud = ud, .res = res, .rd = read_data, .repo = repo};
	if (pthread_mutex_init(&c.mu, NULL))
		return -ENOMEM;
	struct backup_blobq *q = NULL;
	if (read_data && read_data->mode &&
	    !(q = backup_blobq_new(backup_blobq_threads(), 16u << 20, verify_blob, &c))) {
		pthread_mutex_destroy(&c.mu);
		return -ENOMEM;
	}
	struct refs refs = {0};
	struct names files = {0};
	int rc = backup_index_each(idx, collect, &refs);
	if (!rc)
		rc = repo->be->ops->list(repo->be, BACKUP_FILE_PACK, collect_name,
					 &files);
	if (rc) {
		free(refs.v);
		free(files.v);
		backup_blobq_free(q);
		pthread_mutex_destroy(&c.mu);
		return rc;
	}
	if (refs.n)
		qsort(refs.v, refs.n, sizeof(*refs.v), by_pack);
	if (files.n)
		qsort(files.v, files.n, BACKUP_ID_HEX, by_name);
	/* A percentage reads a random share: each pack file gets a rank in
	 * a shuffled order. */
	size_t *rank = NULL;
	if (read_data && read_data->mode == 3 && files.n) {
		rank = malloc(files.n * sizeof(*rank));
		if (!rank) {
			free(refs.v);
			free(files.v);
			backup_blobq_free(q);
			pthread_mutex_destroy(&c.mu);
			return -ENOMEM;
		}
		for (size_t k = 0; k < files.n; k++)
			rank[k] = k;
		for (size_t k = files.n - 1; k > 0; k--) {
			uint32_t pick;
			randombytes_buf(&pick, sizeof(pick));
			size_t o = pick % (k + 1), t = rank[k];
			rank[k] = rank[o];
			rank[o] = t;
		}
	}
	for (size_t k = 0; read_data && read_data->progress && k < files.n; k++) {
		uint8_t pid[32];
		backup_id_parse(files.v[k], pid);
		if (read_selected(read_data, pid, rank ? rank[k] : k, files.n))
			backup_progress_add_total(read_data->progress, 1, 0);
	}
	/* Both sorted by pack id: walk them side by side. */
	size_t i = 0, f = 0;
	while (i < refs.n || f < files.n) {
		char hex[BACKUP_ID_HEX] = "";
		if (i < refs.n)
			backup_id_hex(refs.v[i].pack, hex);
		int cmp = i == refs.n	 ? 1
			  : f == files.n ? -1
					 : strcmp(hex, files.v[f]);
		size_t j = i;
		while (j < refs.n && !memcmp(refs.v[j].pack, refs.v[i].pack, 32))
			j++;
		if (cmp < 0) {
			report(&c, "pack %.8s: missing, %zu blobs lost", hex,
			       j - i);
			i = j;
		} else {
			uint8_t pid[32];
			backup_id_parse(files.v[f], pid);
			bool rd = read_selected(read_data, pid,
						rank ? rank[f] : f, files.n);
			/* the next pack read comes in while this one is checked */
			for (size_t g = f + 1; rd && g < files.n && g < f + 8; g++) {
				uint8_t nid[32];
				backup_id_parse(files.v[g], nid);
				if (read_selected(read_data, nid, rank ? rank[g] : g, files.n)) {
					backup_repo_prefetch_pack(repo, nid);
					break;
				}
			}
			res->packs++;
			if (cmp > 0) {
				res->unreferenced++;
				check_pack(&c, q, files.v[f], NULL, 0, rd);
			} else {
				check_pack(&c, q, files.v[f], refs.v + i, j - i, rd);
				i = j;
			}
			f++;
		}
	}
	backup_blobq_free(q); /* every blob worked on */
	pthread_mutex_destroy(&c.mu);
	free(rank);
	free(refs.v);
	free(files.v);
	return 0;
}
