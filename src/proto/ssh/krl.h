/* SPDX-License-Identifier: MIT */
/* OpenSSH key revocation lists (PROTOCOL.krl): revoked certificate serials and key ids per CA, revoked plain keys; writing, and reading (untrusted input, bounded). */
#ifndef HEARTH_PROTO_SSH_KRL_H
#define HEARTH_PROTO_SSH_KRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Bytes of a KRL we read, and entries of each kind we hold. */
#define SSH_KRL_MAX_BYTES (1u << 20)
#define SSH_KRL_MAX_ENTRIES 4096

/* A revoked range of certificate serials of one CA (lo..hi inclusive). */
struct ssh_krl_serials {
	uint64_t lo, hi;
	size_t ca; /* index into ->cas */
};

struct ssh_krl_id {
	char *id;
	size_t ca;
};

struct ssh_krl_blob {
	uint8_t *p;
	size_t len;
};

/*
 * A KRL in memory; everything malloc'd and owned by it (ssh_krl_deinit).
 * CA key blobs in ->cas (an empty blob: any CA). Caller-allocated value;
 * not thread-safe.
 */
struct ssh_krl {
	uint64_t version, date;
	char comment[256];
	struct ssh_krl_blob *cas;
	size_t n_cas;
	struct ssh_krl_serials *serials;
	size_t n_serials;
	struct ssh_krl_id *ids;
	size_t n_ids;
	struct ssh_krl_blob *keys; /* plain public key blobs */
	size_t n_keys;
	struct ssh_krl_blob *sha256; /* SHA-256 of plain key blobs */
	size_t n_sha256;
	struct ssh_krl_blob *sha1;
	size_t n_sha1;
};

void ssh_krl_init(struct ssh_krl *k);
void ssh_krl_deinit(struct ssh_krl *k);

/* Adds entries (copies what it is given). -ENOMEM, or -E2BIG past
 * SSH_KRL_MAX_ENTRIES. */
int ssh_krl_add_serial(struct ssh_krl *k, const uint8_t *ca, size_t ca_len,
		       uint64_t lo, uint64_t hi);
int ssh_krl_add_id(struct ssh_krl *k, const uint8_t *ca, size_t ca_len,
		   const char *id);
int ssh_krl_add_key(struct ssh_krl *k, const uint8_t *blob, size_t len);

/* True when @k revokes the certificate with @serial / @id under CA @ca,
 * or the plain key @blob. */
bool ssh_krl_revokes_cert(const struct ssh_krl *k, const uint8_t *ca,
			  size_t ca_len, uint64_t serial, const char *id);
bool ssh_krl_revokes_key(const struct ssh_krl *k, const uint8_t *blob,
			 size_t len);

/* Appends the KRL (sorting its fingerprint arrays in place; header, one certificate section per CA with its
 * serials as lists and ranges and its key ids, then the explicit keys
 * and the SHA-256/SHA-1 fingerprints) to @out. 0 or the buf's error. */
int ssh_krl_write(const struct ssh_krl *k, struct buf *out);

/*
 * Reads a KRL (at most SSH_KRL_MAX_BYTES) into @k (initialised by the
 * call). Signature sections and unknown or critical extensions are
 * refused, as OpenSSH does. 0, or -EINVAL with @why, -ENOMEM, -E2BIG.
 * @k is left empty on failure.
 */
int ssh_krl_parse(const uint8_t *data, size_t len, struct ssh_krl *k,
		  const char **why);

#endif
