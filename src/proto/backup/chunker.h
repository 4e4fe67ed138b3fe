/* SPDX-License-Identifier: MIT */
/* restic's content-defined chunker: a Rabin fingerprint over a 64-byte window, boundaries bit-for-bit as restic's. */
#ifndef HEARTH_PROTO_BACKUP_CHUNKER_H
#define HEARTH_PROTO_BACKUP_CHUNKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/backup/poly.h" /* bk_pol_deg, bk_pol_mod */

#define BK_CHUNK_WINDOW 64
#define BK_CHUNK_MIN (512u * 1024u)	    /* restic's MinSize */
#define BK_CHUNK_MAX (8u * 1024u * 1024u)   /* restic's MaxSize */
#define BK_CHUNK_AVG_BITS 20		    /* split mask (1 << 20) - 1: ~1 MiB chunks */

/* Tables derived from the repository's polynomial (config "chunker_polynomial").
 * Caller-allocated, read-only after bk_chunker_tables_init: share it between
 * any number of chunkers and threads. */
struct bk_chunker_tables {
	uint64_t pol;
	unsigned pol_shift;	/* deg(pol) - 8 */
	uint64_t out[256];	/* out[b] = H(b || 63 zero bytes): slides b out of the window */
	uint64_t mod[256];	/* mod[b] = (b * x^k mod pol) | (b * x^k), k = deg(pol) */
};

/* Fills t for pol. -EINVAL unless 8 < deg(pol) <= 53 (restic's bounds);
 * the polynomial's irreducibility is not required here. */
int bk_chunker_tables_init(struct bk_chunker_tables *t, uint64_t pol);

/* Parses the config's hex spelling ("3dea92648f6e83", no 0x). -EINVAL on junk. */
int bk_pol_parse(const char *hex, uint64_t *pol);

/* One stream's state (caller-allocated, one thread at a time). */
struct bk_chunker {
	const struct bk_chunker_tables *t;	/* borrowed; outlives the chunker */
	size_t min_size, max_size;
	uint64_t split_mask;
	uint8_t window[BK_CHUNK_WINDOW];
	unsigned wpos;
	uint64_t digest;
	size_t pre;	/* bytes still skipped unhashed at the start of a chunk */
	size_t count;	/* bytes of the current chunk seen so far */
};

/* Starts a stream with restic's default bounds and mask. */
void bk_chunker_init(struct bk_chunker *c, const struct bk_chunker_tables *t);
/* The same with other bounds (min_size >= 64, max_size >= min_size). */
void bk_chunker_init_bounds(struct bk_chunker *c, const struct bk_chunker_tables *t,
			    size_t min_size, size_t max_size, unsigned avg_bits);
/* Forgets the current chunk (the next byte starts a new one). */
void bk_chunker_reset(struct bk_chunker *c);

/* Feeds the next len bytes of the stream. Returns how many of them belong to
 * the current chunk; *cut says whether the chunk ends after those bytes (then
 * the state is already reset for the next chunk and the caller feeds the rest
 * of buf again). With *cut false all len bytes were consumed. At the end of
 * the stream the bytes fed since the last cut, if any, are the last chunk. */
size_t bk_chunker_feed(struct bk_chunker *c, const uint8_t *buf, size_t len, bool *cut);

#endif
