/* SPDX-License-Identifier: MIT */
/* SSH wire encoding (RFC 4251 §5): a bounded reader and buf-backed writers for uint32/uint64/string. */
#ifndef HEARTH_PROTO_SSH_WIRE_H
#define HEARTH_PROTO_SSH_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * A reader over bytes the caller owns; it never reads past ->n. Every
 * get returns 0, or -EINVAL when the input is too short (then the reader
 * is left where it was). Plain value, any thread.
 */
struct ssh_rd {
	const uint8_t *p;
	size_t n;
};

static inline struct ssh_rd ssh_rd_of(const void *p, size_t n)
{
	return (struct ssh_rd){.p = p, .n = n};
}

int ssh_rd_u8(struct ssh_rd *r, uint8_t *v);
int ssh_rd_u32(struct ssh_rd *r, uint32_t *v);
int ssh_rd_u64(struct ssh_rd *r, uint64_t *v);
/* A string: *p points into the input (not NUL-terminated). */
int ssh_rd_str(struct ssh_rd *r, const uint8_t **p, size_t *len);
/* A string read as a reader of its own. */
int ssh_rd_sub(struct ssh_rd *r, struct ssh_rd *sub);
/* A string copied into @out (cap bytes, NUL-terminated); -EINVAL when it
 * holds a NUL or does not fit. */
int ssh_rd_cstr(struct ssh_rd *r, char *out, size_t cap);
/* True when a string equal to @s comes next (and then skips it). */
bool ssh_rd_is(struct ssh_rd *r, const char *s);

/* Writers: errors are remembered in the buf (b->err), as buf's are. */
void ssh_put_u8(struct buf *b, uint8_t v);
void ssh_put_u32(struct buf *b, uint32_t v);
void ssh_put_u64(struct buf *b, uint64_t v);
void ssh_put_str(struct buf *b, const void *p, size_t len);
void ssh_put_cstr(struct buf *b, const char *s);

/* base64 (standard alphabet, padded) of @len bytes, appended to @b. */
void ssh_put_base64(struct buf *b, const void *p, size_t len);
/* Decodes base64 (white space ignored) into @out (cap bytes): the length,
 * or -EINVAL. */
long ssh_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
