/* SPDX-License-Identifier: MIT */
/* restic's unpacked file encoding and blob compression on libzstd, bounded against hostile frames. */
#include "proto/backup/unpacked.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

int backup_unpacked_decode(const uint8_t *in, size_t len, size_t max,
			   uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (len == 0)
		return -EINVAL;
	if (in[0] == '[' || in[0] == '{') {
		if (len > max)
			return -EFBIG;
		uint8_t *p = malloc(len + 1);
		if (!p)
			return -ENOMEM;
		memcpy(p, in, len);
		p[len] = '\0';
		*out = p;
		*out_len = len;
		return 0;
	}
	if (in[0] != 2)
		return -EINVAL;
	/* Streamed, growing the buffer, so a frame that claims (or lacks)
	 * a content size cannot make us allocate past @max. */
	ZSTD_DStream *ds = ZSTD_createDStream();
	if (!ds)
		return -ENOMEM;
	size_t cap = len * 4 + 1024, used = 0;
	if (cap > max + 1)
		cap = max + 1;
	uint8_t *buf = malloc(cap + 1);
	int rc = buf ? 0 : -ENOMEM;
	ZSTD_inBuffer ib = {in + 1, len - 1, 0};
	size_t ret = 1;
	while (!rc) {
		ZSTD_outBuffer ob = {buf, cap, used};
		ret = ZSTD_decompressStream(ds, &ob, &ib);
		used = ob.pos;
		if (ZSTD_isError(ret)) {
			rc = -EINVAL;
		} else if (ret == 0) {
			break; /* the frame ended */
		} else if (used == cap) {
			if (cap > max) {
				rc = -EFBIG;
				break;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			uint8_t *nb = realloc(buf, ncap + 1);
			if (!nb)
				rc = -ENOMEM;
			else {
				buf = nb;
				cap = ncap;
			}
		} else if (ib.pos == ib.size) {
			rc = -EINVAL; /* truncated frame */
		}
	}
	ZSTD_freeDStream(ds);
	if (!rc && (used > max || ib.pos != ib.size))
		rc = used > max ? -EFBIG : -EINVAL; /* trailing garbage */
	if (rc) {
		free(buf);
		return rc;
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return 0;
}

size_t backup_zstd_bound(size_t len)
{
	return ZSTD_compressBound(len);
}

long backup_zstd_compress(const void *in, size_t len, int level, void *out,
			  size_t cap)
{
	size_t n = ZSTD_compress(out, cap, in, len, level);
	return ZSTD_isError(n) ? -EIO : (long)n;
}

struct backup_zstd_cctx *backup_zstd_cctx_new(void)
{
	return (struct backup_zstd_cctx *)ZSTD_createCCtx();
}

void backup_zstd_cctx_free(struct backup_zstd_cctx *c)
{
	ZSTD_freeCCtx((ZSTD_CCtx *)c);
}

long backup_zstd_compress_with(struct backup_zstd_cctx *c, const void *in, size_t len,
			       int level, void *out, size_t cap)
{
	size_t n = ZSTD_compressCCtx((ZSTD_CCtx *)c, out, cap, in, len, level);
	return ZSTD_isError(n) ? -EIO : (long)n;
}

int backup_zstd_decompress(const void *in, size_t len, void *out, size_t want)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	if (!dc)
		return -ENOMEM;
	/* Streamed into exactly @want bytes: a frame that makes more or less
	 * is refused. */
	ZSTD_inBuffer ib = {in, len, 0};
	ZSTD_outBuffer ob = {out, want, 0};
	int rc = 0;
	for (;;) {
		size_t ret = ZSTD_decompressStream(dc, &ob, &ib);
		if (ZSTD_isError(ret)) {
			rc = -EINVAL;
			break;
		}
		if (ret == 0)
			break;
		if (ob.pos == ob.size || ib.pos == ib.size) {
			/* More output wanted with no room, or input gone. */
			uint8_t probe;
			ZSTD_outBuffer pb = {&probe, 1, 0};
			ret = ZSTD_decompressStream(dc, &pb, &ib);
			if (ZSTD_isError(ret) || pb.pos || ret != 0)
				rc = -EINVAL;
			break;
		}
	}
	ZSTD_freeDCtx(dc);
	if (!rc && (ob.pos != want || ib.pos != ib.size))
		rc = -EINVAL;
	return rc;
}

int backup_unpacked_encode(const void *json, size_t len, int version,
			   int level, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	if (version < 2) {
		uint8_t *p = malloc(len ? len : 1);
		if (!p)
			return -ENOMEM;
		memcpy(p, json, len);
		*out = p;
		*out_len = len;
		return 0;
	}
	size_t cap = 1 + ZSTD_compressBound(len);
	uint8_t *p = malloc(cap);
	if (!p)
		return -ENOMEM;
	p[0] = 2;
	long n = backup_zstd_compress(json, len, level, p + 1, cap - 1);
	if (n < 0) {
		free(p);
		return -EIO;
	}
	*out = p;
	*out_len = 1 + (size_t)n;
	return 0;
}
