/* SPDX-License-Identifier: MIT */
/* Writing blobs into new packs of a repository (data and trees apart, 16 MiB each) and the index files naming them: what prune's repacking and copy share. */
#ifndef HEARTH_BACKUP_PACKWRITER_H
#define HEARTH_BACKUP_PACKWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"

/* Owned by the caller (backup_packwriter_free); one thread at a time. */
struct backup_packwriter;

struct backup_packwriter *backup_packwriter_new(struct backup_repo *repo);
/* Seals blob @id (SHA-256 of @plain, trusted) of @type into the current
 * pack; a full pack is saved and named in the pending index. */
int backup_packwriter_add(struct backup_packwriter *w, int type, const uint8_t id[32],
			  const void *plain, size_t len);
/* Copies a blob already sealed with the repository's master key as it
 * is (@e->length bytes at @sealed; @e's offset is ignored): what
 * prune's repacking moves without opening it. */
int backup_packwriter_add_sealed(struct backup_packwriter *w, const struct backup_pack_entry *e,
				 const uint8_t *sealed);
/* Names an existing pack and its entries in the pending index (which is
 * saved every 50000 blobs). */
int backup_packwriter_index_pack(struct backup_packwriter *w, const uint8_t id[32],
				 const struct backup_pack_entry *e, size_t n);
/* Saves the packs being filled, then the pending index: everything added
 * is durable and indexed on return. */
int backup_packwriter_flush(struct backup_packwriter *w);
/* Packs saved so far. */
size_t backup_packwriter_packs(const struct backup_packwriter *w);
/* Sealed bytes written in packs so far. */
uint64_t backup_packwriter_bytes(const struct backup_packwriter *w);
void backup_packwriter_free(struct backup_packwriter *w);

#endif
