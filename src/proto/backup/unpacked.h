/* SPDX-License-Identifier: MIT */
/* restic's "unpacked" file encoding (JSON, or 0x02 then zstd JSON in format v2) and zstd for blobs. */
#ifndef HEARTH_PROTO_BACKUP_UNPACKED_H
#define HEARTH_PROTO_BACKUP_UNPACKED_H

#include <stddef.h>
#include <stdint.h>

/* The most a decoded index/snapshot/lock file may hold (restic keeps
 * index files below 8 MiB compressed; JSON of that compresses ~4x). */
#define BACKUP_UNPACKED_MAX (256u << 20)

/*
 * Decodes a decrypted unpacked file: a plaintext starting with '[' or
 * '{' is JSON as it is; 0x02 is followed by one zstd frame of JSON.
 * *out is malloc'd (free it) and NUL-terminated, never longer than
 * @max. Returns 0, -EINVAL (unknown version byte, broken zstd),
 * -EFBIG (past @max) or -ENOMEM.
 */
int backup_unpacked_decode(const uint8_t *in, size_t len, size_t max,
			   uint8_t **out, size_t *out_len);

/*
 * Encodes @len bytes of JSON for format @version: 1 copies it, 2 writes
 * 0x02 and a zstd frame at @level. *out is malloc'd. 0 or -ENOMEM/-EIO.
 */
int backup_unpacked_encode(const void *json, size_t len, int version,
			   int level, uint8_t **out, size_t *out_len);

/* zstd of a blob into @out (capacity backup_zstd_bound(len)); returns
 * the compressed size or -EIO. */
size_t backup_zstd_bound(size_t len);
long backup_zstd_compress(const void *in, size_t len, int level, void *out,
			  size_t cap);
/* Decompresses one blob whose size is known (its uncompressed_length):
 * exactly @want bytes into @out, else -EINVAL. */
/* The same with a compression context kept across calls (one thread at
 * a time per context): saves setting one up for every blob. */
struct backup_zstd_cctx;
struct backup_zstd_cctx *backup_zstd_cctx_new(void);
void backup_zstd_cctx_free(struct backup_zstd_cctx *c);
long backup_zstd_compress_with(struct backup_zstd_cctx *c, const void *in, size_t len,
			       int level, void *out, size_t cap);
int backup_zstd_decompress(const void *in, size_t len, void *out, size_t want);

#endif
