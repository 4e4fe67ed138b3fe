/* SPDX-License-Identifier: MIT */
/* New packs and their index (see packwriter.h). */
#include "backup/packwriter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define PACK_TARGET (16u << 20)
#define INDEX_MAX_BLOBS 50000

/* A pack being filled: sealed blobs, their entries. */
struct out_pack {
	uint8_t *buf;
	size_t len, cap;
	struct backup_pack_entry *e;
	size_t n, ecap;
};

struct backup_packwriter {
	struct backup_repo *repo;
	struct out_pack op[2]; /* data, tree */
	json_t *doc;	       /* the index in the making */
	size_t doc_blobs;
	size_t packs;
	uint64_t bytes;
};

struct backup_packwriter *backup_packwriter_new(struct backup_repo *repo)
{
	struct backup_packwriter *w = calloc(1, sizeof *w);
	if (w)
		w->repo = repo;
	return w;
}

void backup_packwriter_free(struct backup_packwriter *w)
{
	if (!w)
		return;
	json_decref(w->doc);
	for (int t = 0; t < 2; t++) {
		free(w->op[t].buf);
		free(w->op[t].e);
	}
	free(w);
}

size_t backup_packwriter_packs(const struct backup_packwriter *w)
{
	return w->packs;
}

uint64_t backup_packwriter_bytes(const struct backup_packwriter *w)
{
	return w->bytes;
}

static int flush_index(struct backup_packwriter *w)
{
	if (!w->doc || !w->doc_blobs)
		return 0;
	int rc = backup_repo_save_json(w->repo, BACKUP_FILE_INDEX, w->doc, NULL);
	json_decref(w->doc);
	w->doc = NULL;
	w->doc_blobs = 0;
	return rc;
}

int backup_packwriter_index_pack(struct backup_packwriter *w, const uint8_t id[32],
				 const struct backup_pack_entry *e, size_t n)
{
	if (!w->doc && !(w->doc = backup_index_doc_new()))
		return -ENOMEM;
	int rc = backup_index_doc_add_pack(w->doc, id, e, n);
	w->doc_blobs += n;
	if (!rc && w->doc_blobs >= INDEX_MAX_BLOBS)
		rc = flush_index(w);
	return rc;
}

static int flush_pack(struct backup_packwriter *w, int t)
{
	struct out_pack *op = &w->op[t];
	if (!op->n)
		return 0;
	uint8_t *trailer = NULL, id[32];
	size_t tl = 0;
	int rc = backup_repo_pack_trailer(w->repo, op->e, op->n, &trailer, &tl);
	if (!rc && op->len + tl > op->cap) {
		uint8_t *nb = realloc(op->buf, op->len + tl);
		if (!nb)
			rc = -ENOMEM;
		else
			op->buf = nb, op->cap = op->len + tl;
	}
	if (!rc) {
		memcpy(op->buf + op->len, trailer, tl);
		rc = backup_repo_save_pack(w->repo, op->buf, op->len + tl, id);
	}
	if (!rc)
		rc = backup_packwriter_index_pack(w, id, op->e, op->n);
	free(trailer);
	if (!rc) {
		w->packs++;
		w->bytes += op->len + tl;
	}
	op->len = op->n = 0;
	return rc;
}

int backup_packwriter_add_sealed(struct backup_packwriter *w, const struct backup_pack_entry *e,
				 const uint8_t *sealed)
{
	int t = e->type == BACKUP_BLOB_TREE, rc = 0;
	struct out_pack *op = &w->op[t];
	size_t slen = e->length;
	if (op->len + slen > op->cap) {
		size_t nc = op->cap ? op->cap : 1 << 20;
		while (nc < op->len + slen)
			nc *= 2;
		uint8_t *nb = realloc(op->buf, nc);
		if (!nb)
			return -ENOMEM;
		op->buf = nb, op->cap = nc;
	}
	if (op->n == op->ecap) {
		size_t nc = op->ecap ? op->ecap * 2 : 256;
		struct backup_pack_entry *ne = realloc(op->e, nc * sizeof *ne);
		if (!ne)
			return -ENOMEM;
		op->e = ne, op->ecap = nc;
	}
	struct backup_pack_entry pe = *e;
	pe.offset = (uint32_t)op->len;
	memcpy(op->buf + op->len, sealed, slen);
	op->len += slen;
	op->e[op->n++] = pe;
	if (op->len >= PACK_TARGET)
		rc = flush_pack(w, t);
	return rc;
}

int backup_packwriter_add(struct backup_packwriter *w, int type, const uint8_t id[32],
			  const void *plain, size_t len)
{
	uint8_t *sealed = NULL;
	size_t slen = 0;
	struct backup_pack_entry pe;
	int rc = backup_repo_seal_blob_id(w->repo, type, id, plain, len, &sealed, &slen, &pe);
	if (!rc)
		rc = backup_packwriter_add_sealed(w, &pe, sealed);
	free(sealed);
	return rc;
}

int backup_packwriter_flush(struct backup_packwriter *w)
{
	int rc = 0;
	for (int t = 0; t < 2 && !rc; t++)
		rc = flush_pack(w, t);
	return rc ? rc : flush_index(w);
}
