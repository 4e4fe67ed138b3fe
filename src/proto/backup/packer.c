/* SPDX-License-Identifier: MIT */
/* Pack assembly (see packer.h): restic's header entries and closing rules. */
#include "proto/backup/packer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bk_packer_init(struct bk_packer *p, enum bk_blob_type type, size_t target)
{
	memset(p, 0, sizeof *p);
	p->type = type;
	p->target = target ? target : BK_PACK_TARGET;
	buf_init(&p->data, 0);
}

void bk_packer_deinit(struct bk_packer *p)
{
	if (!p)
		return;
	buf_deinit(&p->data);
	free(p->entries);
	memset(p, 0, sizeof *p);
}

static size_t entry_size(const struct bk_pack_entry *e)
{
	return e->uncompressed_length ? BK_PACK_ENTRY_COMPRESSED : BK_PACK_ENTRY_PLAIN;
}

/* sealed NULL: the bytes are streamed by the caller. */
static int add_entry(struct bk_packer *p, const struct bk_id *id, const uint8_t *sealed, size_t n,
		     uint32_t uncompressed_length)
{
	size_t at = p->data.len + p->streamed;
	struct bk_pack_entry e = {
		.type = p->type, .id = *id, .offset = (uint32_t)at,
		.length = (uint32_t)n, .uncompressed_length = uncompressed_length,
	};

	if (p->finished || n > UINT32_MAX || at + n > UINT32_MAX ||
	    n < BK_CRYPTO_EXTENSION ||
	    BK_CRYPTO_EXTENSION + 4 + p->header_len + entry_size(&e) > BK_PACK_MAX_HEADER)
		return -EINVAL;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bk_pack_entry *v = realloc(p->entries, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		p->entries = v;
		p->cap = cap;
	}
	if (!sealed)
		p->streamed += n;
	else if (buf_append(&p->data, sealed, n))
		return p->data.err;
	p->entries[p->n++] = e;
	p->header_len += entry_size(&e);
	return 0;
}

int bk_packer_add(struct bk_packer *p, const struct bk_id *id, const uint8_t *sealed, size_t n,
		  uint32_t uncompressed_length)
{
	return sealed ? add_entry(p, id, sealed, n, uncompressed_length) : -EINVAL;
}

int bk_packer_add_streamed(struct bk_packer *p, const struct bk_id *id, size_t n,
			   uint32_t uncompressed_length)
{
	return add_entry(p, id, NULL, n, uncompressed_length);
}

bool bk_packer_is_full(const struct bk_packer *p)
{
	/* restic's HeaderFull counts every entry at the compressed size */
	return p->data.len + p->streamed >= p->target ||
	       BK_CRYPTO_EXTENSION + 4 + (p->n + 1) * BK_PACK_ENTRY_COMPRESSED > BK_PACK_MAX_HEADER;
}

static void put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

int bk_packer_header(const struct bk_packer *p, struct buf *out)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct bk_pack_entry *e = &p->entries[i];
		uint8_t rec[BK_PACK_ENTRY_COMPRESSED], *q = rec;
		*q++ = (uint8_t)((e->uncompressed_length ? 2 : 0) | e->type);
		put_le32(q, e->length);
		q += 4;
		if (e->uncompressed_length) {
			put_le32(q, e->uncompressed_length);
			q += 4;
		}
		memcpy(q, e->id.b, BK_ID_LEN);
		q += BK_ID_LEN;
		buf_append(out, rec, (size_t)(q - rec));
	}
	return out->err;
}

int bk_packer_finish(struct bk_packer *p, bk_seal_fn seal, void *ud)
{
	struct buf hdr;
	size_t before = p->data.len;
	uint8_t len[4];
	int rc;

	if (p->finished || p->n == 0)
		return -EINVAL;
	buf_init(&hdr, 0);
	rc = bk_packer_header(p, &hdr);
	if (!rc)
		rc = seal(ud, (const uint8_t *)hdr.data, hdr.len, &p->data);
	buf_deinit(&hdr);
	if (!rc && (p->data.err || p->data.len - before != p->header_len + BK_CRYPTO_EXTENSION))
		rc = p->data.err ? p->data.err : -EINVAL;
	if (rc) {
		p->data.len = before;
		p->data.err = 0;
		return rc;
	}
	put_le32(len, (uint32_t)(p->header_len + BK_CRYPTO_EXTENSION));
	if (buf_append(&p->data, len, 4))
		return p->data.err;
	bk_id_hash(p->data.data, p->data.len, &p->id);
	p->finished = true;
	return 0;
}

static void put_id(struct buf *b, const struct bk_id *id)
{
	char hex[65];

	bk_id_hex(id, hex);
	buf_printf(b, "\"%s\"", hex);
}

int bk_index_encode(struct buf *b, const struct bk_index_pack *packs, size_t n,
		    const struct bk_id *supersedes, size_t n_supersedes)
{
	buf_puts(b, "{");
	if (n_supersedes) {
		buf_puts(b, "\"supersedes\":[");
		for (size_t i = 0; i < n_supersedes; i++) {
			if (i)
				buf_puts(b, ",");
			put_id(b, &supersedes[i]);
		}
		buf_puts(b, "],");
	}
	buf_puts(b, "\"packs\":");
	buf_puts(b, n ? "[" : "null");
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
		put_id(b, &packs[i].id);
		buf_puts(b, ",\"blobs\":");
		buf_puts(b, packs[i].n ? "[" : "null");
		for (size_t j = 0; j < packs[i].n; j++) {
			const struct bk_pack_entry *e = &packs[i].entries[j];
			buf_puts(b, j ? ",{\"id\":" : "{\"id\":");
			put_id(b, &e->id);
			buf_printf(b, ",\"type\":\"%s\",\"offset\":%u,\"length\":%u",
				   e->type == BK_BLOB_TREE ? "tree" : "data", e->offset, e->length);
			if (e->uncompressed_length)
				buf_printf(b, ",\"uncompressed_length\":%u", e->uncompressed_length);
			buf_puts(b, "}");
		}
		if (packs[i].n)
			buf_puts(b, "]");
		buf_puts(b, "}");
	}
	if (n)
		buf_puts(b, "]");
	buf_puts(b, "}\n");
	return b->err;
}
