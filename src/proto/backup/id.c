/* SPDX-License-Identifier: MIT */
/* SHA-256 object ids through OpenSSL's EVP interface, and their hex spelling. */
#include "proto/backup/id.h"

#include "base/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void backup_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 32;
	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
		abort(); /* libcrypto without SHA-256: nothing is safe */
}

void backup_id_hex(const uint8_t id[32], char out[BACKUP_ID_HEX])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < BACKUP_ID_SIZE; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[64] = '\0';
}

int backup_id_parse_n(const char *hex, size_t len, uint8_t id[32])
{
	if (len != 2 * BACKUP_ID_SIZE)
		return -EINVAL;
	for (int i = 0; i < BACKUP_ID_SIZE; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int backup_id_parse(const char *hex, uint8_t id[32])
{
	return hex ? backup_id_parse_n(hex, strlen(hex), id) : -EINVAL;
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
