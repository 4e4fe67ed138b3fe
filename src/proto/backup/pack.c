/* SPDX-License-Identifier: MIT */
/* restic pack headers: the trailer and the entries, parsed defensively and built for new packs. */
#include "proto/backup/pack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/crypto.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int backup_pack_trailer(uint64_t pack_size, const uint8_t last4[4],
			uint32_t *hdr_len)
{
	uint32_t h = le32(last4);
	if (pack_size < 4 + BACKUP_CRYPTO_OVERHEAD ||
	    h < BACKUP_CRYPTO_OVERHEAD || h > BACKUP_PACK_HEADER_MAX ||
	    (uint64_t)h > pack_size - 4)
		return -EINVAL;
	*hdr_len = h;
	return 0;
}

int backup_pack_header_parse(const uint8_t *plain, size_t len,
			     uint64_t data_end, int version,
			     struct backup_pack_entry **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	/* Every entry is at least 37 bytes: that bounds the count. */
	size_t cap = len / BACKUP_PACK_ENTRY_PLAIN;
	struct backup_pack_entry *e = calloc(cap ? cap : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	size_t pos = 0, count = 0;
	uint64_t off = 0;
	while (pos < len) {
		uint8_t t = plain[pos];
		if (t > 3 || (t > 1 && version < 2))
			goto bad;
		size_t size = t > 1 ? BACKUP_PACK_ENTRY_COMPRESSED
				    : BACKUP_PACK_ENTRY_PLAIN;
		if (len - pos < size || count == cap)
			goto bad;
		struct backup_pack_entry *x = &e[count++];
		x->type = t & 1;
		x->compressed = t > 1;
		x->length = le32(plain + pos + 1);
		x->uncompressed_length = t > 1 ? le32(plain + pos + 5) : 0;
		memcpy(x->id, plain + pos + size - 32, 32);
		x->offset = (uint32_t)off;
		if (x->length < BACKUP_CRYPTO_OVERHEAD ||
		    off + x->length > data_end || off + x->length > UINT32_MAX)
			goto bad;
		off += x->length;
		pos += size;
	}
	*out = e;
	*n = count;
	return 0;
bad:
	free(e);
	return -EINVAL;
}

size_t backup_pack_header_size(const struct backup_pack_entry *e, size_t n)
{
	size_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += e[i].compressed ? BACKUP_PACK_ENTRY_COMPRESSED
				     : BACKUP_PACK_ENTRY_PLAIN;
	return s;
}

void backup_pack_header_build(const struct backup_pack_entry *e, size_t n,
			      uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		*out++ = (uint8_t)((e[i].type & 1) | (e[i].compressed ? 2 : 0));
		put_le32(out, e[i].length);
		out += 4;
		if (e[i].compressed) {
			put_le32(out, e[i].uncompressed_length);
			out += 4;
		}
		memcpy(out, e[i].id, 32);
		out += 32;
	}
}
