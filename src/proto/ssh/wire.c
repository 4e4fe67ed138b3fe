/* SPDX-License-Identifier: MIT */
/* SSH wire encoding: the bounded reader and the writers. */
#include "proto/ssh/wire.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int ssh_rd_u8(struct ssh_rd *r, uint8_t *v)
{
	if (r->n < 1)
		return -EINVAL;
	*v = r->p[0];
	r->p++;
	r->n--;
	return 0;
}

int ssh_rd_u32(struct ssh_rd *r, uint32_t *v)
{
	if (r->n < 4)
		return -EINVAL;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	     (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->n -= 4;
	return 0;
}

int ssh_rd_u64(struct ssh_rd *r, uint64_t *v)
{
	uint32_t hi, lo;
	struct ssh_rd save = *r;
	if (ssh_rd_u32(r, &hi) || ssh_rd_u32(r, &lo)) {
		*r = save;
		return -EINVAL;
	}
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int ssh_rd_str(struct ssh_rd *r, const uint8_t **p, size_t *len)
{
	struct ssh_rd save = *r;
	uint32_t n;
	if (ssh_rd_u32(r, &n))
		return -EINVAL;
	if (n > r->n) {
		*r = save;
		return -EINVAL;
	}
	*p = r->p;
	*len = n;
	r->p += n;
	r->n -= n;
	return 0;
}

int ssh_rd_sub(struct ssh_rd *r, struct ssh_rd *sub)
{
	const uint8_t *p;
	size_t n;
	if (ssh_rd_str(r, &p, &n))
		return -EINVAL;
	*sub = ssh_rd_of(p, n);
	return 0;
}

int ssh_rd_cstr(struct ssh_rd *r, char *out, size_t cap)
{
	struct ssh_rd save = *r;
	const uint8_t *p;
	size_t n;
	if (ssh_rd_str(r, &p, &n))
		return -EINVAL;
	if (n >= cap || memchr(p, 0, n)) {
		*r = save;
		return -EINVAL;
	}
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

bool ssh_rd_is(struct ssh_rd *r, const char *s)
{
	struct ssh_rd t = *r;
	const uint8_t *p;
	size_t n;
	if (ssh_rd_str(&t, &p, &n) || n != strlen(s) || memcmp(p, s, n))
		return false;
	*r = t;
	return true;
}

void ssh_put_u8(struct buf *b, uint8_t v)
{
	buf_append(b, &v, 1);
}

void ssh_put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	buf_append(b, x, 4);
}

void ssh_put_u64(struct buf *b, uint64_t v)
{
	ssh_put_u32(b, (uint32_t)(v >> 32));
	ssh_put_u32(b, (uint32_t)v);
}

void ssh_put_str(struct buf *b, const void *p, size_t len)
{
	if (len > UINT32_MAX) {
		b->err = b->err ? b->err : -E2BIG;
		return;
	}
	ssh_put_u32(b, (uint32_t)len);
	if (len)
		buf_append(b, p, len);
}

void ssh_put_cstr(struct buf *b, const char *s)
{
	ssh_put_str(b, s, strlen(s));
}

void ssh_put_base64(struct buf *b, const void *p, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	if (!s) {
		b->err = b->err ? b->err : -ENOMEM;
		return;
	}
	sodium_bin2base64(s, cap, p, len, sodium_base64_VARIANT_ORIGINAL);
	buf_puts(b, s);
	free(s);
}

long ssh_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;
	const char *end = NULL;
	if (sodium_base642bin(out, cap, s, len, " \t\r\n", &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    end != s + len)
		return -EINVAL;
	return (long)n;
}
