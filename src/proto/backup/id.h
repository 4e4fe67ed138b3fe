/* SPDX-License-Identifier: MIT */
/* restic object ids: SHA-256 of the plaintext (blobs) or of the file (packs, indexes, snapshots), hex-spelled. */
#ifndef HEARTH_PROTO_BACKUP_ID_H
#define HEARTH_PROTO_BACKUP_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BK_ID_LEN 32

struct bk_id {
	uint8_t b[BK_ID_LEN];
};

/* SHA-256 of p[0..n) (OpenSSL; thread-safe). */
void bk_id_hash(const void *p, size_t n, struct bk_id *out);
/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
void bk_id_hex(const struct bk_id *id, char hex[65]);
/* Parses exactly 64 hex digits (either case); -EINVAL otherwise. */
int bk_id_parse(const char *hex, size_t len, struct bk_id *out);
bool bk_id_equal(const struct bk_id *a, const struct bk_id *b);

/* Incremental SHA-256 (for a file streamed through the chunker). Opaque,
 * heap-allocated; bk_id_hasher_free accepts NULL. One thread at a time. */
struct bk_id_hasher;
struct bk_id_hasher *bk_id_hasher_new(void);
void bk_id_hasher_update(struct bk_id_hasher *h, const void *p, size_t n);
/* Writes the digest and restarts the hasher for a new object. */
void bk_id_hasher_final(struct bk_id_hasher *h, struct bk_id *out);
void bk_id_hasher_free(struct bk_id_hasher *h);

#endif
