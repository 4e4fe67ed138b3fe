/* SPDX-License-Identifier: MIT */
/* OpenSSH public and private keys: parsing (untrusted input, bounded) and writing. */
#include "proto/ssh/key.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ssh/wire.h"

static const struct {
	const char *name, *cert, *curve;
	size_t point; /* ECDSA: bytes of the uncompressed point */
} types[] = {
	[SSH_KEY_ED25519] = {"ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", NULL, 0},
	[SSH_KEY_RSA] = {"ssh-rsa", "ssh-rsa-cert-v01@openssh.com", NULL, 0},
	[SSH_KEY_ECDSA_P256] = {"ecdsa-sha2-nistp256",
				"ecdsa-sha2-nistp256-cert-v01@openssh.com",
				"nistp256", 65},
	[SSH_KEY_ECDSA_P384] = {"ecdsa-sha2-nistp384",
				"ecdsa-sha2-nistp384-cert-v01@openssh.com",
				"nistp384", 97},
	[SSH_KEY_ECDSA_P521] = {"ecdsa-sha2-nistp521",
				"ecdsa-sha2-nistp521-cert-v01@openssh.com",
				"nistp521", 133},
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

const char *ssh_key_type_name(enum ssh_keytype t)
{
	return (size_t)t < N_TYPES ? types[t].name : "unknown";
}

const char *ssh_cert_type_name(enum ssh_keytype t)
{
	return (size_t)t < N_TYPES ? types[t].cert : "unknown";
}

/* An mpint that is positive and minimal (RFC 4251). */
static int read_mpint(struct ssh_rd *r, size_t *bits)
{
	const uint8_t *p;
	size_t n;
	if (ssh_rd_str(r, &p, &n) || n == 0 || (p[0] & 0x80) ||
	    (p[0] == 0 && (n == 1 || !(p[1] & 0x80))))
		return -EINVAL;
	if (bits) {
		size_t i = p[0] == 0 ? 1 : 0;
		*bits = (n - i) * 8;
		for (uint8_t top = p[i]; top && !(top & 0x80); top <<= 1)
			(*bits)--;
	}
	return 0;
}

/* Reads the fields of type @t (after the type string); shared with the
 * certificate reader, where they follow the nonce. */
int ssh_key_read_fields(struct ssh_rd *r, enum ssh_keytype t, const char **why)
{
	const uint8_t *p;
	size_t n, bits = 0;
	switch (t) {
	case SSH_KEY_ED25519:
		if (ssh_rd_str(r, &p, &n) || n != 32)
			return *why = "ed25519 key is not 32 bytes", -EINVAL;
		return 0;
	case SSH_KEY_RSA:
		if (read_mpint(r, NULL) || read_mpint(r, &bits))
			return *why = "rsa key: bad exponent or modulus", -EINVAL;
		if (bits < 1024 || bits > 16384)
			return *why = "rsa key: modulus size out of range", -EINVAL;
		return 0;
	default:
		if (!ssh_rd_is(r, types[t].curve))
			return *why = "ecdsa key: curve does not match type", -EINVAL;
		if (ssh_rd_str(r, &p, &n) || n != types[t].point || p[0] != 4)
			return *why = "ecdsa key: bad point", -EINVAL;
		return 0;
	}
}

int ssh_key_type_read(struct ssh_rd *r, bool cert, enum ssh_keytype *t)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (ssh_rd_is(r, cert ? types[i].cert : types[i].name)) {
			*t = (enum ssh_keytype)i;
			return 0;
		}
	return -EINVAL;
}

int ssh_pubkey_from_blob(const uint8_t *blob, size_t len, struct ssh_pubkey *k,
			 const char **why)
{
	struct ssh_rd r = ssh_rd_of(blob, len);
	memset(k, 0, sizeof(*k));
	if (len > sizeof(k->blob))
		return *why = "key blob too long", -EINVAL;
	if (ssh_key_type_read(&r, false, &k->type))
		return *why = "unknown or missing key type", -EINVAL;
	if (ssh_key_read_fields(&r, k->type, why))
		return -EINVAL;
	if (r.n)
		return *why = "bytes after the key", -EINVAL;
	memcpy(k->blob, blob, len);
	k->blob_len = len;
	return 0;
}

/* Splits "WORD WORD rest" at blanks; the words point into @text. */
static size_t word(const char *s, size_t len, size_t *at, const char **w)
{
	size_t i = *at;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*w = s + i;
	size_t start = i;
	while (i < len && s[i] != ' ' && s[i] != '\t')
		i++;
	*at = i;
	return i - start;
}

int ssh_line_split(const char *text, size_t len, const char **type,
		   size_t *type_len, uint8_t *blob, size_t cap, size_t *blob_len,
		   const char **comment, size_t *comment_len, const char **why)
{
	if (len > SSH_LINE_MAX)
		return *why = "line too long", -EINVAL;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (memchr(text, '\n', len) || memchr(text, 0, len))
		return *why = "more than one line", -EINVAL;
	size_t at = 0;
	const char *b64;
	*type_len = word(text, len, &at, type);
	size_t b64_len = word(text, len, &at, &b64);
	if (!*type_len || !b64_len)
		return *why = "expected TYPE BASE64 [COMMENT]", -EINVAL;
	while (at < len && (text[at] == ' ' || text[at] == '\t'))
		at++;
	*comment = text + at;
	*comment_len = len - at;
	long n = ssh_base64_decode(b64, b64_len, blob, cap);
	if (n < 0)
		return *why = "bad base64 (or too long)", -EINVAL;
	*blob_len = (size_t)n;
	return 0;
}

int ssh_pubkey_parse_line(const char *text, size_t len, struct ssh_pubkey *k,
			  const char **why)
{
	const char *type, *comment;
	size_t type_len, blob_len, comment_len;
	uint8_t *blob = malloc(SSH_KEY_BLOB_MAX);
	int rc = -ENOMEM;
	if (!blob)
		return *why = "out of memory", rc;
	rc = ssh_line_split(text, len, &type, &type_len, blob, SSH_KEY_BLOB_MAX,
			    &blob_len, &comment, &comment_len, why);
	if (!rc)
		rc = ssh_pubkey_from_blob(blob, blob_len, k, why);
	if (!rc && (type_len != strlen(types[k->type].name) ||
		    memcmp(type, types[k->type].name, type_len)))
		rc = -EINVAL, *why = "key type does not match the key";
	if (!rc) {
		if (comment_len >= sizeof(k->comment))
			comment_len = sizeof(k->comment) - 1;
		memcpy(k->comment, comment, comment_len);
		k->comment[comment_len] = 0;
	}
	free(blob);
	return rc;
}

void ssh_pubkey_format(const struct ssh_pubkey *k, struct buf *b)
{
	buf_printf(b, "%s ", ssh_key_type_name(k->type));
	ssh_put_base64(b, k->blob, k->blob_len);
	if (k->comment[0])
		buf_printf(b, " %s", k->comment);
	buf_puts(b, "\n");
}

void ssh_pubkey_ed25519(struct ssh_pubkey *k, const uint8_t pk[32],
			const char *comment)
{
	struct buf b;
	memset(k, 0, sizeof(*k));
	buf_init(&b, sizeof(k->blob));
	ssh_put_cstr(&b, "ssh-ed25519");
	ssh_put_str(&b, pk, 32);
	memcpy(k->blob, b.data, b.len);
	k->blob_len = b.len;
	buf_deinit(&b);
	k->type = SSH_KEY_ED25519;
	snprintf(k->comment, sizeof(k->comment), "%s", comment ? comment : "");
}

void ssh_fingerprint(const uint8_t *blob, size_t len, char out[64])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, blob, len);
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, 64 - 7, h, sizeof(h),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

#define ARMOUR_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define ARMOUR_END "-----END OPENSSH PRIVATE KEY-----\n"
#define AUTH_MAGIC "openssh-key-v1"

void ssh_ed25519_private_format(const uint8_t sk[64], const char *comment,
				struct buf *b)
{
	struct buf raw, priv, b64;
	uint32_t check = randombytes_random();
	buf_init(&raw, 0);
	buf_init(&priv, 0);
	buf_init(&b64, 0);

	ssh_put_u32(&priv, check);
	ssh_put_u32(&priv, check);
	ssh_put_cstr(&priv, "ssh-ed25519");
	ssh_put_str(&priv, sk + 32, 32);
	ssh_put_str(&priv, sk, 64);
	ssh_put_cstr(&priv, comment ? comment : "");
	for (uint8_t pad = 1; priv.len % 8; pad++)
		ssh_put_u8(&priv, pad);

	buf_append(&raw, AUTH_MAGIC, sizeof(AUTH_MAGIC)); /* with its NUL */
	ssh_put_cstr(&raw, "none");
	ssh_put_cstr(&raw, "none");
	ssh_put_cstr(&raw, "");
	ssh_put_u32(&raw, 1);
	struct ssh_pubkey pub;
	ssh_pubkey_ed25519(&pub, sk + 32, NULL);
	ssh_put_str(&raw, pub.blob, pub.blob_len);
	ssh_put_str(&raw, priv.data, priv.len);

	ssh_put_base64(&b64, raw.data, raw.len);
	buf_puts(b, ARMOUR_BEGIN);
	for (size_t i = 0; b64.data && i < b64.len; i += 70)
		buf_printf(b, "%.*s\n", (int)(b64.len - i < 70 ? b64.len - i : 70),
			   b64.data + i);
	buf_puts(b, ARMOUR_END);
	if (raw.err || priv.err || b64.err)
		b->err = b->err ? b->err : -ENOMEM;
	sodium_memzero(priv.data, priv.cap);
	sodium_memzero(raw.data, raw.cap);
	sodium_memzero(b64.data, b64.cap);
	buf_deinit(&raw);
	buf_deinit(&priv);
	buf_deinit(&b64);
}

static int parse_private(struct ssh_rd r, uint8_t sk[64], char *comment,
			 size_t comment_cap, const char **why)
{
	struct ssh_rd pub, priv;
	uint32_t nkeys, c1, c2;
	const uint8_t *p, *s;
	size_t n, sn;
	if (r.n < sizeof(AUTH_MAGIC) || memcmp(r.p, AUTH_MAGIC, sizeof(AUTH_MAGIC)))
		return *why = "not an openssh-key-v1 key", -EINVAL;
	r.p += sizeof(AUTH_MAGIC);
	r.n -= sizeof(AUTH_MAGIC);
	if (!ssh_rd_is(&r, "none") || !ssh_rd_is(&r, "none") ||
	    !ssh_rd_is(&r, ""))
		return *why = "encrypted keys are not supported", -EINVAL;
	if (ssh_rd_u32(&r, &nkeys) || nkeys != 1)
		return *why = "not exactly one key", -EINVAL;
	if (ssh_rd_sub(&r, &pub) || ssh_rd_sub(&r, &priv) || r.n)
		return *why = "truncated key file", -EINVAL;
	if (priv.n % 8)
		return *why = "private section not padded", -EINVAL;
	if (ssh_rd_u32(&priv, &c1) || ssh_rd_u32(&priv, &c2) || c1 != c2)
		return *why = "check bytes differ", -EINVAL;
	if (!ssh_rd_is(&priv, "ssh-ed25519"))
		return *why = "not an ed25519 key", -EINVAL;
	if (ssh_rd_str(&priv, &p, &n) || n != 32 || ssh_rd_str(&priv, &s, &sn) ||
	    sn != 64 || memcmp(s + 32, p, 32))
		return *why = "bad ed25519 key", -EINVAL;
	char tmp[256];
	if (ssh_rd_cstr(&priv, tmp, sizeof(tmp)))
		return *why = "bad comment", -EINVAL;
	for (uint8_t i = 1; priv.n; i++) {
		uint8_t v;
		if (ssh_rd_u8(&priv, &v) || v != i)
			return *why = "bad padding", -EINVAL;
	}
	/* The key must be whole: its public half derives from its seed. */
	uint8_t pk[32], sk2[64];
	crypto_sign_ed25519_seed_keypair(pk, sk2, s);
	int bad = memcmp(pk, p, 32);
	sodium_memzero(sk2, sizeof(sk2));
	if (bad)
		return *why = "public key does not match the seed", -EINVAL;
	struct ssh_pubkey k;
	if (ssh_pubkey_from_blob(pub.p, pub.n, &k, why))
		return -EINVAL;
	if (k.type != SSH_KEY_ED25519 || memcmp(k.blob + k.blob_len - 32, p, 32))
		return *why = "public key section does not match", -EINVAL;
	memcpy(sk, s, 64);
	if (comment && comment_cap)
		snprintf(comment, comment_cap, "%s", tmp);
	return 0;
}

int ssh_ed25519_private_parse(const char *text, size_t len, uint8_t sk[64],
			      char *comment, size_t comment_cap,
			      const char **why)
{
	const size_t bl = strlen(ARMOUR_BEGIN) - 1, el = strlen(ARMOUR_END) - 1;
	if (len > SSH_LINE_MAX)
		return *why = "key file too long", -EINVAL;
	const char *b = memmem(text, len, ARMOUR_BEGIN, bl);
	if (!b)
		return *why = "no BEGIN OPENSSH PRIVATE KEY line", -EINVAL;
	b += bl;
	const char *e = memmem(b, len - (size_t)(b - text), ARMOUR_END, el);
	if (!e)
		return *why = "no END OPENSSH PRIVATE KEY line", -EINVAL;
	size_t cap = (size_t)(e - b);
	uint8_t *raw = malloc(cap + 1);
	if (!raw)
		return *why = "out of memory", -ENOMEM;
	long n = ssh_base64_decode(b, cap, raw, cap + 1);
	int rc = n < 0 ? (*why = "bad base64", -EINVAL)
		       : parse_private(ssh_rd_of(raw, (size_t)n), sk, comment,
				       comment_cap, why);
	sodium_memzero(raw, cap + 1);
	free(raw);
	return rc;
}
