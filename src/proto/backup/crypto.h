/* SPDX-License-Identifier: MIT */
/* restic's repository crypto: AES-256-CTR + Poly1305-AES (IV || CIPHERTEXT || MAC), scrypt, the master key JSON. */
#ifndef HEARTH_PROTO_BACKUP_CRYPTO_H
#define HEARTH_PROTO_BACKUP_CRYPTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/backup/id.h"

#define BACKUP_IV_SIZE 16
#define BACKUP_MAC_SIZE 16
/* What sealing adds to a plaintext: the IV in front, the MAC behind. */
#define BACKUP_CRYPTO_OVERHEAD (BACKUP_IV_SIZE + BACKUP_MAC_SIZE)

/* A key as restic's crypto.Key: the AES-256 key, and the Poly1305-AES
 * key: k (AES-128, makes s from the nonce) and r (clamped when used,
 * stored as it came). Plain data, copy freely; wipe with
 * backup_key_wipe. */
struct backup_key {
	uint8_t encrypt[32];
	uint8_t mac_k[16];
	uint8_t mac_r[16];
};

/* A fresh random key (libsodium's CSPRNG). */
void backup_key_random(struct backup_key *key);
/* True when restic would accept it (no all-zero part). */
int backup_key_valid(const struct backup_key *key);
void backup_key_wipe(struct backup_key *key);

/*
 * Encrypts @len bytes of @in into @out, which must hold
 * len + BACKUP_CRYPTO_OVERHEAD bytes: a random IV, the AES-256-CTR
 * ciphertext, the Poly1305-AES MAC over the ciphertext. @in and @out
 * must not overlap. Returns 0, or -EIO when libcrypto fails. Any thread.
 */
int backup_seal(const struct backup_key *key, const void *in, size_t len,
		uint8_t *out);
/* The same with the IV given (tests; restic's published vectors). */
int backup_seal_iv(const struct backup_key *key, const uint8_t iv[16],
		   const void *in, size_t len, uint8_t *out);

/*
 * Checks the MAC of @len bytes IV || CIPHERTEXT || MAC at @in, then
 * decrypts into @out (len - BACKUP_CRYPTO_OVERHEAD bytes; may be @in +
 * BACKUP_IV_SIZE or elsewhere, not partly overlapping). Returns 0,
 * -EBADMSG when the MAC does not match (wrong key or changed bytes),
 * -EINVAL when @len is shorter than the overhead or the IV is zero.
 */
int backup_open(const struct backup_key *key, const uint8_t *in, size_t len,
		uint8_t *out);

/* Poly1305-AES of @msg under (k, r) with @nonce, as restic computes it. */
void backup_poly1305_aes(const struct backup_key *key, const uint8_t nonce[16],
			 const uint8_t *msg, size_t len, uint8_t mac[16]);

/*
 * scrypt(@password, @salt, N, r, p) -> 64 bytes: the first 32 are the
 * AES key, then k, then r (restic's crypto.KDF). Returns 0, -EINVAL for
 * parameters restic refuses (N not a power of two > 1, r*p >= 2^30, a
 * salt that is not 64 bytes) or that a hostile key file could use to
 * stall us: more than 256 MiB, or N*r*p past 2^26 (64 times restic's
 * calibrated work on a fast machine); or -ENOMEM.
 */
int backup_kdf(const char *password, const uint8_t *salt, size_t salt_len,
	       uint64_t n, uint32_t r, uint32_t p, struct backup_key *out);

/* The master key as restic's JSON {"mac":{"k","r"},"encrypt"} (base64);
 * a new reference. NULL when out of memory. */
json_t *backup_key_to_json(const struct backup_key *key);
/* Reads that JSON; -EINVAL when a member is missing, not base64 or of the
 * wrong size, or the key is not valid. */
int backup_key_from_json(const json_t *j, struct backup_key *key);

/* Base64 (standard alphabet, padded: Go's []byte in JSON; gojson.h's
 * bk_base64_encode_to/bk_base64_decode_to underneath). Decoding
 * writes at most @cap bytes; returns the length or -EINVAL. Encoding
 * returns a malloc'd string or NULL. */
long backup_b64_decode(const char *text, uint8_t *out, size_t cap);
char *backup_b64_encode(const uint8_t *in, size_t len);

#endif
