/* SPDX-License-Identifier: MIT */
/* libFuzzer target: OpenSSH certificates (blobs and .pub lines), public keys (blobs and lines) and openssh-key-v1 private keys. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ssh/cert.h"
#include "proto/ssh/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ssh_cert c;
	static struct ssh_pubkey k;
	const char *why = NULL;
	bool verified;
	int rc = ssh_cert_parse(data, size, &c, &verified, &why);
	if ((rc && !why) || (!rc && (c.n_principals > SSH_CERT_MAX_PRINCIPALS ||
				     c.key.blob_len > sizeof(c.key.blob))))
		abort();
	why = NULL;
	if (ssh_cert_parse_line((const char *)data, size, &c, &verified, &why) &&
	    !why)
		abort();
	why = NULL;
	if (ssh_pubkey_from_blob(data, size, &k, &why) && !why)
		abort();
	why = NULL;
	if (ssh_pubkey_parse_line((const char *)data, size, &k, &why) && !why)
		abort();
	if (!ssh_pubkey_parse_line((const char *)data, size, &k, &why) &&
	    strlen(k.comment) >= sizeof(k.comment))
		abort();
	uint8_t sk[64];
	char comment[64];
	why = NULL;
	if (ssh_ed25519_private_parse((const char *)data, size, sk, comment,
				      sizeof(comment), &why) && !why)
		abort();
	uint64_t from, to;
	char spec[64];
	size_t n = size < sizeof(spec) - 1 ? size : sizeof(spec) - 1;
	memcpy(spec, data, n);
	spec[n] = 0;
	if (!ssh_validity_parse(spec, 1700000000, &from, &to) && to <= from)
		abort();
	return 0;
}
