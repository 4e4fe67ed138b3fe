/* SPDX-License-Identifier: MIT */
/* restic's pack files: sealed blobs back to back, then the sealed header and its length; assembled in memory, no I/O. */
#ifndef HEARTH_PROTO_BACKUP_PACKER_H
#define HEARTH_PROTO_BACKUP_PACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "proto/backup/id.h"

enum bk_blob_type {
	BK_BLOB_DATA = 0,
	BK_BLOB_TREE = 1,
};

#define BK_CRYPTO_EXTENSION 32		  /* IV (16) + Poly1305 MAC (16) */
#define BK_PACK_TARGET (16u * 1024 * 1024) /* restic 0.14's default --pack-size */
#define BK_PACK_MAX_HEADER (16u * 1024 * 1024 + 4)
#define BK_PACK_ENTRY_PLAIN 37		  /* type, length, id */
#define BK_PACK_ENTRY_COMPRESSED 41	  /* type, length, plaintext length, id */

/* One blob of a pack, as the index records it. */
struct bk_pack_entry {
	enum bk_blob_type type;
	struct bk_id id;		/* SHA-256 of the plaintext */
	uint32_t offset;		/* in the pack file */
	uint32_t length;		/* sealed bytes (IV + ciphertext + MAC) */
	uint32_t uncompressed_length;	/* 0: stored uncompressed */
};

/* Seals (encrypts and authenticates) n bytes into out as IV || ciphertext
 * || MAC with the repository's key: the crypto layer provides it. Returns 0
 * or a negative errno. Called on the packer's thread. */
typedef int (*bk_seal_fn)(void *ud, const uint8_t *plain, size_t n, struct buf *out);

/* A pack being assembled: one blob type per pack (repository version 2).
 * Caller-allocated; owns its bytes and entries until bk_packer_deinit.
 * One thread at a time. */
struct bk_packer {
	enum bk_blob_type type;
	size_t target;			/* finish once the blobs reach this many bytes */
	struct buf data;		/* the pack file's bytes */
	struct bk_pack_entry *entries;	/* owned */
	size_t n, cap;
	size_t header_len;		/* plaintext header bytes the entries need */
	size_t streamed;		/* blob bytes written elsewhere (bk_packer_add_streamed) */
	bool finished;
	struct bk_id id;		/* the pack's id (SHA-256 of its bytes), once finished */
};

/* target 0 means BK_PACK_TARGET. */
void bk_packer_init(struct bk_packer *p, enum bk_blob_type type, size_t target);
void bk_packer_deinit(struct bk_packer *p);

/* Appends one sealed blob (sealed[0..n), already compressed if
 * uncompressed_length != 0) with the id of its plaintext. -EINVAL after
 * finish, for n or offsets past 4 GiB, or when the header would overflow;
 * -ENOMEM. */
int bk_packer_add(struct bk_packer *p, const struct bk_id *id, const uint8_t *sealed, size_t n,
		  uint32_t uncompressed_length);
/* The same for a blob whose bytes the caller writes to the pack file
 * itself: only its entry is kept (offsets count such blobs, and
 * bk_packer_finish is not for such a pack: write bk_packer_header's
 * sealed bytes and their length yourself). */
int bk_packer_add_streamed(struct bk_packer *p, const struct bk_id *id, size_t n,
			   uint32_t uncompressed_length);
/* Whether restic would close this pack now: the blobs reached the target
 * size, or one more entry would overflow the header. */
bool bk_packer_is_full(const struct bk_packer *p);
/* Appends the plaintext header of the entries so far to out. */
int bk_packer_header(const struct bk_packer *p, struct buf *out);
/* Seals the header with seal, appends it and its 4-byte little-endian
 * length, and computes the pack's id. Afterwards p->data holds the whole
 * file and p->entries its index entries. -EINVAL on an empty pack. */
int bk_packer_finish(struct bk_packer *p, bk_seal_fn seal, void *ud);

/* One pack's part of an index file. */
struct bk_index_pack {
	struct bk_id id;
	const struct bk_pack_entry *entries;	/* borrowed */
	size_t n;
};

/* Appends an index file's plaintext JSON as restic 0.14 writes it
 * ({"supersedes":[...],"packs":[{"id","blobs":[{"id","type","offset",
 * "length","uncompressed_length"}]}]} and a newline; supersedes omitted
 * when empty, uncompressed_length when 0). */
int bk_index_encode(struct buf *b, const struct bk_index_pack *packs, size_t n,
		    const struct bk_id *supersedes, size_t n_supersedes);
#endif
