/* SPDX-License-Identifier: MIT */
/* restic object ids: SHA-256 of the plaintext (blobs) or of the file (packs, indexes, snapshots), hex-spelled. */
#ifndef HEARTH_PROTO_BACKUP_ID_H
#define HEARTH_PROTO_BACKUP_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKUP_ID_SIZE 32 /* SHA-256 */
#define BACKUP_ID_HEX 65  /* 64 hex digits and the NUL */
#define BK_ID_LEN BACKUP_ID_SIZE

/* SHA-256 of @len bytes (storage and blob ids; OpenSSL, any thread). */
void backup_sha256(const void *data, size_t len, uint8_t out[32]);
/* Lower-case hex of an id into @out (BACKUP_ID_HEX bytes). */
void backup_id_hex(const uint8_t id[32], char out[BACKUP_ID_HEX]);
/* Parses exactly 64 hex digits (either case) at hex[0..len); -EINVAL otherwise. */
int backup_id_parse_n(const char *hex, size_t len, uint8_t id[32]);
/* The same for a NUL-terminated string (nothing else after the digits). */
int backup_id_parse(const char *hex, uint8_t id[32]);

/* An id as a value (the archiver's and the tree code's spelling). */
struct bk_id {
	uint8_t b[BK_ID_LEN];
};

static inline void bk_id_hash(const void *p, size_t n, struct bk_id *out)
{
	backup_sha256(p, n, out->b);
}
/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
static inline void bk_id_hex(const struct bk_id *id, char hex[65])
{
	backup_id_hex(id->b, hex);
}
static inline int bk_id_parse(const char *hex, size_t len, struct bk_id *out)
{
	return backup_id_parse_n(hex, len, out->b);
}
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
