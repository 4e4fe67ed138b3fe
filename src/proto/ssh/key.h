/* SPDX-License-Identifier: MIT */
/* OpenSSH public keys (authorized_keys lines, wire blobs), Ed25519 private keys in the openssh-key-v1 format, SHA256 fingerprints. */
#ifndef HEARTH_PROTO_SSH_KEY_H
#define HEARTH_PROTO_SSH_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum ssh_keytype {
	SSH_KEY_ED25519,
	SSH_KEY_RSA,
	SSH_KEY_ECDSA_P256,
	SSH_KEY_ECDSA_P384,
	SSH_KEY_ECDSA_P521,
};

/* Bytes of a public key blob we accept (RSA up to 16384 bits). */
#define SSH_KEY_BLOB_MAX 2100
/* Bytes of a key or certificate line we read. */
#define SSH_LINE_MAX 65536

/* A plain (not certificate) public key: its wire blob, checked to be
 * well formed for its type. Plain value. */
struct ssh_pubkey {
	enum ssh_keytype type;
	uint8_t blob[SSH_KEY_BLOB_MAX];
	size_t blob_len;
	char comment[256];
};

/* "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ... */
const char *ssh_key_type_name(enum ssh_keytype t);
/* "ssh-ed25519-cert-v01@openssh.com", ... */
const char *ssh_cert_type_name(enum ssh_keytype t);

/*
 * Reads a key blob: its type string, then the type's fields, nothing
 * after. 0, or -EINVAL with @why (static text) naming what is wrong.
 */
int ssh_pubkey_from_blob(const uint8_t *blob, size_t len, struct ssh_pubkey *k,
			 const char **why);

/* Reads "TYPE BASE64 [COMMENT]" (one line of a .pub file; trailing
 * white space ignored). The text type must match the blob's. */
int ssh_pubkey_parse_line(const char *text, size_t len, struct ssh_pubkey *k,
			  const char **why);

/* Appends "TYPE BASE64[ COMMENT]\n" to @b. */
void ssh_pubkey_format(const struct ssh_pubkey *k, struct buf *b);

/* The blob of an Ed25519 public key. */
void ssh_pubkey_ed25519(struct ssh_pubkey *k, const uint8_t pk[32],
			const char *comment);

/* "SHA256:" + unpadded base64 of SHA-256(blob), as ssh-keygen -l prints. */
void ssh_fingerprint(const uint8_t *blob, size_t len, char out[64]);

/*
 * An Ed25519 private key as ssh-keygen writes it, unencrypted:
 * "-----BEGIN OPENSSH PRIVATE KEY-----" armour around openssh-key-v1.
 * @sk is libsodium's 64-byte secret key (seed || public key).
 */
void ssh_ed25519_private_format(const uint8_t sk[64], const char *comment,
				struct buf *b);
/* Reads one back: 0, or -EINVAL with @why (encrypted keys, other types
 * and malformed files are refused); *comment may be NULL. */
int ssh_ed25519_private_parse(const char *text, size_t len, uint8_t sk[64],
			      char *comment, size_t comment_cap,
			      const char **why);

/* For the certificate and KRL readers (same library). */
struct ssh_rd;
/* Reads a key type string (plain or certificate names) into *t. */
int ssh_key_type_read(struct ssh_rd *r, bool cert, enum ssh_keytype *t);
/* Reads (checks) the fields of a key of type @t after its type string. */
int ssh_key_read_fields(struct ssh_rd *r, enum ssh_keytype t, const char **why);
/* Splits a .pub line into its type word, decoded blob (into @blob, cap
 * bytes) and comment (pointing into @text). */
int ssh_line_split(const char *text, size_t len, const char **type,
		   size_t *type_len, uint8_t *blob, size_t cap, size_t *blob_len,
		   const char **comment, size_t *comment_len, const char **why);

#endif
