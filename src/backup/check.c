/* SPDX-License-Identifier: MIT */
/* The pack/index part of `check`: headers against the index, missing and unreferenced packs, blob hashes with read_data. */
#include "backup/check.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
};

static void report(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(struct ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->res->errors++;
	if (c->say)
		c->say(line, c->ud);
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

/* One pack file against the index entries [r, r + n) naming it. */
static void check_pack(struct backup_repo *repo, const char *name,
		       const struct ref *r, size_t n, int read_data,
		       struct ctx *c)
{
	uint8_t pid[32];
	backup_id_parse(name, pid);
	struct backup_pack_entry *e = NULL;
	size_t en = 0;
	int rc = backup_repo_pack_header(repo, pid, &e, &en);
	if (rc) {
		report(c, "pack %.8s: header: %s", name, backup_strerror(rc));
		return;
	}
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
	if (!read_data) {
		free(e);
		return;
	}
	if (!pack_hash_ok(repo, name, pid))
		report(c, "pack %.8s: its SHA-256 does not match its name", name);
	/* Every blob the header lists, through a one-pack index. */
	struct backup_index *one = backup_index_new();
	for (size_t k = 0; one && k < en; k++)
		backup_index_add(one, pid, &e[k]);
	for (size_t k = 0; one && k < en; k++) {
		uint8_t *out = NULL;
		size_t len = 0;
		rc = backup_repo_read_blob(repo, one, e[k].id, e[k].type, &out,
					   &len);
		free(out);
		c->res->blobs++;
		if (rc)
			report(c, "pack %.8s: %s blob %02x%02x%02x%02x: %s", name,
			       e[k].type ? "tree" : "data", e[k].id[0],
			       e[k].id[1], e[k].id[2], e[k].id[3],
			       backup_strerror(rc));
	}
	backup_index_free(one);
	free(e);
}

int backup_check_subset_parse(const char *s, struct backup_check_subset *out, char *why,
			      size_t cap)
{
	memset(out, 0, sizeof *out);
	unsigned n, t;
	char tail;
	size_t l = strlen(s);
	if (sscanf(s, "%u/%u%c", &n, &t, &tail) == 2) {
		if (t < 1 || t > 256 || n < 1 || n > t) {
			snprintf(why, cap, "check: --read-data-subset %s: n/t wants 1 <= n <= t <= 256",
				 s);
			return -EINVAL;
		}
		out->kind = BACKUP_SUBSET_BUCKET;
		out->n = n;
		out->t = t;
		return 0;
	}
	char *end;
	double v = strtod(s, &end);
	if (l && s[l - 1] == '%' && end == s + l - 1 && v > 0 && v <= 100) {
		out->kind = BACKUP_SUBSET_PERCENT;
		out->pct = v;
		return 0;
	}
	static const char units[] = "kmgt";
	const char *u = *end ? strchr(units, *end | 0x20) : NULL;
	if (end != s && v > 0 && (!*end || (u && !end[1]))) {
		double b = v;
		for (const char *k = units; u && k <= u; k++)
			b *= 1024;
		out->kind = BACKUP_SUBSET_BYTES;
		out->bytes = b >= 1.8e19 ? UINT64_MAX : (uint64_t)b;
		return 0;
	}
	snprintf(why, cap, "check: --read-data-subset %s: want n/t, x%% or a size (k/m/g/t)", s);
	return -EINVAL;
}

/* Which of the @n listed packs (sorted names) to read in full. */
static bool *select_packs(struct backup_repo *repo, char (*names)[BACKUP_ID_HEX], size_t n,
			  const struct backup_check_subset *sub)
{
	bool *sel = calloc(n ? n : 1, sizeof *sel);
	if (!sel || !sub)
		return sel;
	if (sub->kind == BACKUP_SUBSET_ALL || sub->kind == BACKUP_SUBSET_BUCKET) {
		for (size_t i = 0; i < n; i++) {
			uint8_t id[32];
			sel[i] = sub->kind == BACKUP_SUBSET_ALL ||
				 (!backup_id_parse(names[i], id) && id[0] % sub->t == sub->n - 1);
		}
		return sel;
	}
	/* a random subset: restic's x% (at least one pack) or a byte budget */
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	if (!order)
		return sel;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t k = (size_t)rand_r(&seed) % i;
		size_t tmp = order[i - 1];
		order[i - 1] = order[k];
		order[k] = tmp;
	}
	if (sub->kind == BACKUP_SUBSET_PERCENT) {
		size_t want = (size_t)((double)n * sub->pct / 100);
		if (n && !want)
			want = 1;
		for (size_t i = 0; i < want && i < n; i++)
			sel[order[i]] = true;
	} else {
		uint64_t got = 0;
		for (size_t i = 0; i < n && got < sub->bytes; i++) {
			uint64_t size = 0;
			repo->be->ops->size(repo->be, BACKUP_FILE_PACK, names[order[i]], &size);
			sel[order[i]] = true;
			got += size;
		}
	}
	free(order);
	return sel;
}

int backup_repo_check_packs(struct backup_repo *repo,
			    const struct backup_index *idx, int read_data,
			    void (*say)(const char *line, void *ud), void *ud,
			    struct backup_check_result *res)
{
	struct backup_check_subset all = {.kind = BACKUP_SUBSET_ALL};
	return backup_repo_check_packs_subset(repo, idx, read_data ? &all : NULL, say, ud, res);
}

int backup_repo_check_packs_subset(struct backup_repo *repo, const struct backup_index *idx,
				   const struct backup_check_subset *sub,
				   void (*say)(const char *line, void *ud), void *ud,
				   struct backup_check_result *res)
{
	memset(res, 0, sizeof(*res));
	struct ctx c = {say, ud, res};
	struct refs refs = {0};
	struct names files = {0};
	int rc = backup_index_each(idx, collect, &refs);
	if (!rc)
		rc = repo->be->ops->list(repo->be, BACKUP_FILE_PACK, collect_name,
					 &files);
	if (rc) {
		free(refs.v);
		free(files.v);
		return rc;
	}
	if (refs.n)
		qsort(refs.v, refs.n, sizeof(*refs.v), by_pack);
	if (files.n)
		qsort(files.v, files.n, BACKUP_ID_HEX, by_name);
	bool *sel = select_packs(repo, files.v, files.n, sub);
	if (!sel) {
		free(refs.v);
		free(files.v);
		return -ENOMEM;
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
		} else if (cmp > 0) {
			res->packs++;
			res->unreferenced++;
			check_pack(repo, files.v[f], NULL, 0, sel[f], &c);
			res->read += sel[f];
			f++;
		} else {
			res->packs++;
			check_pack(repo, files.v[f], refs.v + i, j - i, sel[f], &c);
			res->read += sel[f];
			i = j;
			f++;
		}
	}
	free(sel);
	free(refs.v);
	free(files.v);
	return 0;
}
