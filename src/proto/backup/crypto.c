/* SPDX-License-Identifier: MIT */
/* restic's crypto on OpenSSL (AES-CTR, AES-ECB for Poly1305-AES's s, Poly1305, SHA-256) and libsodium (scrypt, randomness). */
#include "proto/backup/crypto.h"

#include "proto/backup/gojson.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static int sodium_ready(void)
{
	/* sodium_init is idempotent and thread-safe; < 0 only when the
	 * system has no usable randomness. */
	return sodium_init() < 0 ? -EIO : 0;
}

void backup_key_random(struct backup_key *key)
{
	if (sodium_ready())
		abort(); /* no randomness: never make a weak key */
	randombytes_buf(key, sizeof(*key));
}

static int nonzero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc != 0;
}

int backup_key_valid(const struct backup_key *key)
{
	return nonzero(key->encrypt, 32) && nonzero(key->mac_k, 16) &&
	       nonzero(key->mac_r, 16);
}

void backup_key_wipe(struct backup_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

/* AES with one call: CTR over @len bytes, or one ECB block. */
static int aes_run(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv,
		   const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ok = ctx && EVP_EncryptInit_ex(ctx, c, NULL, key, iv) == 1 &&
		 EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
	size_t done = 0;
	while (ok && done < len) {
		/* EVP takes int lengths: feed at most 1 GiB at a time. */
		size_t step = len - done > (1u << 30) ? (1u << 30) : len - done;
		int outl = 0;
		ok = EVP_EncryptUpdate(ctx, out + done, &outl, in + done,
				       (int)step) == 1 && (size_t)outl == step;
		done += step;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* OpenSSL's Poly1305 (AVX2: ~7 GB/s here, libsodium's ~1.3 GB/s),
 * fetched once. */
static EVP_MAC *poly1305_mac;
static pthread_once_t poly1305_once = PTHREAD_ONCE_INIT;

static void poly1305_fetch(void)
{
	poly1305_mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
}

/* Poly1305 with the one-time key r || s; both libraries clamp r. */
static void poly1305(const uint8_t key[32], const uint8_t *msg, size_t len,
		     uint8_t mac[16])
{
	pthread_once(&poly1305_once, poly1305_fetch);
	EVP_MAC_CTX *ctx = poly1305_mac ? EVP_MAC_CTX_new(poly1305_mac) : NULL;
	size_t out = 0;
	int ok = ctx && EVP_MAC_init(ctx, key, 32, NULL) == 1 &&
		 EVP_MAC_update(ctx, msg, len) == 1 &&
		 EVP_MAC_final(ctx, mac, &out, 16) == 1 && out == 16;
	EVP_MAC_CTX_free(ctx);
	if (!ok) /* no OpenSSL Poly1305 (a FIPS-only build): libsodium's */
		crypto_onetimeauth_poly1305(mac, msg, len, key);
}

void backup_poly1305_aes(const struct backup_key *key, const uint8_t nonce[16],
			 const uint8_t *msg, size_t len, uint8_t mac[16])
{
	uint8_t k[32];
	memcpy(k, key->mac_r, 16); /* clamped by Poly1305 as restic's is */
	if (aes_run(EVP_aes_128_ecb(), key->mac_k, NULL, nonce, 16, k + 16))
		memset(k + 16, 0, 16); /* cannot verify: every MAC fails */
	poly1305(k, msg, len, mac);
	sodium_memzero(k, sizeof(k));
}

int backup_seal_iv(const struct backup_key *key, const uint8_t iv[16],
		   const void *in, size_t len, uint8_t *out)
{
	memcpy(out, iv, BACKUP_IV_SIZE);
	uint8_t *ct = out + BACKUP_IV_SIZE;
	int rc = aes_run(EVP_aes_256_ctr(), key->encrypt, iv, in, len, ct);
	if (rc)
		return rc;
	backup_poly1305_aes(key, iv, ct, len, ct + len);
	return 0;
}

int backup_seal(const struct backup_key *key, const void *in, size_t len,
		uint8_t *out)
{
	uint8_t iv[BACKUP_IV_SIZE];
	if (sodium_ready())
		return -EIO;
	do
		randombytes_buf(iv, sizeof(iv));
	while (!nonzero(iv, sizeof(iv))); /* restic refuses a zero nonce */
	return backup_seal_iv(key, iv, in, len, out);
}

int backup_open(const struct backup_key *key, const uint8_t *in, size_t len,
		uint8_t *out)
{
	if (len < BACKUP_CRYPTO_OVERHEAD || !nonzero(in, BACKUP_IV_SIZE))
		return -EINVAL;
	size_t n = len - BACKUP_CRYPTO_OVERHEAD;
	const uint8_t *ct = in + BACKUP_IV_SIZE;
	uint8_t mac[16];
	backup_poly1305_aes(key, in, ct, n, mac);
	if (sodium_memcmp(mac, ct + n, 16) != 0)
		return -EBADMSG;
	uint8_t iv[16];
	memcpy(iv, in, 16); /* @out may start where the IV is */
	return aes_run(EVP_aes_256_ctr(), key->encrypt, iv, ct, n, out);
}

int backup_kdf(const char *password, const uint8_t *salt, size_t salt_len,
	       uint64_t n, uint32_t r, uint32_t p, struct backup_key *out)
{
	if (salt_len != 64 || n < 2 || (n & (n - 1)) || r == 0 || p == 0 ||
	    (uint64_t)r * p >= (1u << 30) ||
	    n > (1ull << 28) / 128 / r ||
	    n * r * p > (1ull << 26) || sodium_ready())
		return -EINVAL;
	uint8_t buf[64];
	if (crypto_pwhash_scryptsalsa208sha256_ll(
		    (const uint8_t *)password, strlen(password), salt, salt_len,
		    n, r, p, buf, sizeof(buf)) != 0)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	memcpy(out->encrypt, buf, 32);
	memcpy(out->mac_k, buf + 32, 16);
	memcpy(out->mac_r, buf + 48, 16);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

char *backup_b64_encode(const uint8_t *in, size_t len)
{
	char *s = malloc((len + 2) / 3 * 4 + 1);
	if (s)
		s[bk_base64_encode_to(in, len, s)] = '\0';
	return s;
}

long backup_b64_decode(const char *text, uint8_t *out, size_t cap)
{
	return text ? bk_base64_decode_to(text, strlen(text), out, cap)
		    : -EINVAL;
}

static int b64_member(const json_t *o, const char *name, uint8_t *out,
		      size_t want)
{
	uint8_t buf[64];
	long n = backup_b64_decode(json_string_value(json_object_get(o, name)),
				   buf, sizeof(buf));
	if (n != (long)want)
		return -EINVAL;
	memcpy(out, buf, want);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

json_t *backup_key_to_json(const struct backup_key *key)
{
	char *k = backup_b64_encode(key->mac_k, 16);
	char *r = backup_b64_encode(key->mac_r, 16);
	char *e = backup_b64_encode(key->encrypt, 32);
	json_t *j = k && r && e ? json_pack("{s:{s:s,s:s},s:s}", "mac", "k", k,
					    "r", r, "encrypt", e)
				: NULL;
	free(k);
	free(r);
	free(e);
	return j;
}

int backup_key_from_json(const json_t *j, struct backup_key *key)
{
	const json_t *mac = json_object_get(j, "mac");
	if (b64_member(mac, "k", key->mac_k, 16) ||
	    b64_member(mac, "r", key->mac_r, 16) ||
	    b64_member(j, "encrypt", key->encrypt, 32) ||
	    !backup_key_valid(key))
		return -EINVAL;
	return 0;
}
