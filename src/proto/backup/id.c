/* SPDX-License-Identifier: MIT */
/* SHA-256 object ids through OpenSSL's EVP interface, and their hex spelling. */
#include "proto/backup/id.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

void bk_id_hash(const void *p, size_t n, struct bk_id *out)
{
	SHA256(p, n, out->b);
}

void bk_id_hex(const struct bk_id *id, char hex[65])
{
	static const char d[] = "0123456789abcdef";

	for (int i = 0; i < BK_ID_LEN; i++) {
		hex[2 * i] = d[id->b[i] >> 4];
		hex[2 * i + 1] = d[id->b[i] & 15];
	}
	hex[64] = 0;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bk_id_parse(const char *hex, size_t len, struct bk_id *out)
{
	if (len != 2 * BK_ID_LEN)
		return -EINVAL;
	for (int i = 0; i < BK_ID_LEN; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool bk_id_equal(const struct bk_id *a, const struct bk_id *b)
{
	return memcmp(a->b, b->b, BK_ID_LEN) == 0;
}

struct bk_id_hasher {
	EVP_MD_CTX *ctx;
};

struct bk_id_hasher *bk_id_hasher_new(void)
{
	struct bk_id_hasher *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		bk_id_hasher_free(h);
		return NULL;
	}
	return h;
}

void bk_id_hasher_update(struct bk_id_hasher *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

void bk_id_hasher_final(struct bk_id_hasher *h, struct bk_id *out)
{
	unsigned len = 0;

	EVP_DigestFinal_ex(h->ctx, out->b, &len);
	EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void bk_id_hasher_free(struct bk_id_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
