/* SPDX-License-Identifier: MIT */
/* restic's pack files: the trailer (header length), the decrypted header's entries, and building a header. */
#ifndef HEARTH_PROTO_BACKUP_PACK_H
#define HEARTH_PROTO_BACKUP_PACK_H

#include <stddef.h>
#include <stdint.h>

enum backup_blob_type {
	BACKUP_BLOB_DATA = 0,
	BACKUP_BLOB_TREE = 1,
};

/* One blob of a pack, as its header (and an index) describes it. */
struct backup_pack_entry {
	uint8_t id[32];		      /* SHA-256 of the plaintext */
	uint8_t type;		      /* enum backup_blob_type */
	uint8_t compressed;	      /* 1: zstd inside the encryption */
	uint32_t offset;	      /* in the pack file */
	uint32_t length;	      /* of the encrypted blob */
	uint32_t uncompressed_length; /* plaintext size when compressed, else 0 */
};

/* Header entry sizes: type, length[, plaintext length], hash. */
#define BACKUP_PACK_ENTRY_PLAIN 37
#define BACKUP_PACK_ENTRY_COMPRESSED 41
/* The largest encrypted header we read (restic's own bound is 16 MiB). */
#define BACKUP_PACK_HEADER_MAX (16u << 20)

/*
 * From a pack's size and its last 4 bytes: the length of the encrypted
 * header (little-endian) into *hdr_len. -EINVAL when the pack is too
 * short, the length is below the crypto overhead, past the pack, or past
 * BACKUP_PACK_HEADER_MAX.
 */
int backup_pack_trailer(uint64_t pack_size, const uint8_t last4[4],
			uint32_t *hdr_len);

/*
 * Parses a decrypted header of @len bytes into *out (malloc'd, free it;
 * *n entries), giving each blob its offset (blobs lie back to back from
 * 0). @data_end is where the encrypted header begins: every blob must
 * end at or before it. @version 1 refuses the compressed types. Returns
 * 0 or -EINVAL (unknown type, truncated entry, blob past data_end, a
 * blob shorter than the crypto overhead), -ENOMEM.
 */
int backup_pack_header_parse(const uint8_t *plain, size_t len,
			     uint64_t data_end, int version,
			     struct backup_pack_entry **out, size_t *n);

/* The size of the plaintext header for @n entries, and the header
 * itself into @out (that size). Offsets are not written (implicit). */
size_t backup_pack_header_size(const struct backup_pack_entry *e, size_t n);
void backup_pack_header_build(const struct backup_pack_entry *e, size_t n,
			      uint8_t *out);

#endif
