/* SPDX-License-Identifier: MIT */
/* restic's index files (JSON: packs and their blobs) and a compact in-memory index: blob id -> pack, offset, length. */
#ifndef HEARTH_PROTO_BACKUP_INDEX_H
#define HEARTH_PROTO_BACKUP_INDEX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/backup/pack.h"

/* Where a blob lies. @pack points into the index (valid while it lives). */
struct backup_blob_loc {
	const uint8_t *pack;
	uint8_t type;
	uint32_t offset, length, uncompressed_length; /* 0: not compressed */
};

/*
 * The in-memory index: dense 48-byte entries (id, pack number with the
 * type in its top bit, offset, length, plaintext length), an
 * open-addressing table of 4-byte entry numbers at most 3/4 full, and
 * the pack ids once each: about 60 bytes a blob. Not thread-safe
 * for writes; concurrent finds without writers are fine.
 */
struct backup_index;

struct backup_index *backup_index_new(void);
void backup_index_free(struct backup_index *idx);

/* Adds a blob (the first location of an id/type pair wins: returns 1
 * when it was known, 0 when added, -ENOMEM). */
int backup_index_add(struct backup_index *idx, const uint8_t pack[32],
		     const struct backup_pack_entry *e);
/* 0 and *loc, or -ENOENT. */
int backup_index_find(const struct backup_index *idx, const uint8_t id[32],
		      int type, struct backup_blob_loc *loc);
size_t backup_index_blobs(const struct backup_index *idx);
size_t backup_index_packs(const struct backup_index *idx);
/* Bytes the index holds (tables and pack ids). */
size_t backup_index_memory(const struct backup_index *idx);
/* Calls @fn for every blob, in the order added; stops at nonzero. */
int backup_index_each(const struct backup_index *idx,
		      int (*fn)(const uint8_t id[32],
				const struct backup_blob_loc *loc, void *ud),
		      void *ud);

/*
 * Adds every blob of an index file's JSON (decrypted and decoded) to
 * @idx. Refuses (-EINVAL, @why static text) anything but restic's shape:
 * {"supersedes"?: [id], "packs": [{"id", "blobs": [{"id", "type":
 * "data"|"tree", "offset", "length", "uncompressed_length"?}]}]}, with
 * offsets and lengths in 0..2^32-1 and lengths >= the crypto overhead.
 * On error @idx may hold part of the file. -ENOMEM too.
 */
int backup_index_parse(struct backup_index *idx, const char *json, size_t len,
		       const char **why);

/* An index file's document to fill ({"packs": []}) and one pack added
 * to it with its entries (offsets as given). Returns NULL / -ENOMEM. */
json_t *backup_index_doc_new(void);
int backup_index_doc_add_pack(json_t *doc, const uint8_t pack[32],
			      const struct backup_pack_entry *e, size_t n);

#endif
