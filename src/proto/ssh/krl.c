/* SPDX-License-Identifier: MIT */
/* OpenSSH KRLs: the header, certificate sections (serial list, range, bitmap, key id), explicit keys and fingerprints. */
#include "proto/ssh/krl.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ssh/key.h"
#include "proto/ssh/wire.h"

#define KRL_MAGIC 0x5353484b524c0a00ULL
#define KRL_FORMAT_VERSION 1

enum {
	SEC_CERTIFICATES = 1,
	SEC_EXPLICIT_KEY = 2,
	SEC_FINGERPRINT_SHA1 = 3,
	SEC_SIGNATURE = 4,
	SEC_FINGERPRINT_SHA256 = 5,
	SEC_EXTENSION = 255,
	CERT_SERIAL_LIST = 0x20,
	CERT_SERIAL_RANGE = 0x21,
	CERT_SERIAL_BITMAP = 0x22,
	CERT_KEY_ID = 0x23,
	CERT_EXTENSION = 0x39,
};

void ssh_krl_init(struct ssh_krl *k)
{
	memset(k, 0, sizeof(*k));
}

static void free_blobs(struct ssh_krl_blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].p);
	free(b);
}

void ssh_krl_deinit(struct ssh_krl *k)
{
	if (!k)
		return;
	free_blobs(k->cas, k->n_cas);
	free_blobs(k->keys, k->n_keys);
	free_blobs(k->sha256, k->n_sha256);
	free_blobs(k->sha1, k->n_sha1);
	for (size_t i = 0; i < k->n_ids; i++)
		free(k->ids[i].id);
	free(k->ids);
	free(k->serials);
	memset(k, 0, sizeof(*k));
}

/* Grows an array of @size-byte items to hold one more. */
static int grow(void *arrp, size_t n, size_t size)
{
	void **arr = arrp;
	if (n >= SSH_KRL_MAX_ENTRIES)
		return -E2BIG;
	if ((n & (n - 1)) == 0) { /* at 0, 1, 2, 4, ...: double */
		void *p = realloc(*arr, (n ? n * 2 : 1) * size);
		if (!p)
			return -ENOMEM;
		*arr = p;
	}
	return 0;
}

static bool blob_eq(const struct ssh_krl_blob *b, const uint8_t *p, size_t len)
{
	return b->len == len && (!len || !memcmp(b->p, p, len));
}

static int add_blob(struct ssh_krl_blob **arr, size_t *n, const uint8_t *p,
		    size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (blob_eq(&(*arr)[i], p, len))
			return 0;
	int rc = grow(arr, *n, sizeof(**arr));
	if (rc)
		return rc;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, p, len);
	(*arr)[(*n)++] = (struct ssh_krl_blob){copy, len};
	return 0;
}

/* The index of CA @ca in ->cas (added when new), or a negative code. */
static long ca_index(struct ssh_krl *k, const uint8_t *ca, size_t len)
{
	for (size_t i = 0; i < k->n_cas; i++)
		if (blob_eq(&k->cas[i], ca, len))
			return (long)i;
	if (k->n_cas >= 256)
		return -E2BIG;
	int rc = add_blob(&k->cas, &k->n_cas, ca, len);
	return rc ? rc : (long)k->n_cas - 1;
}

int ssh_krl_add_serial(struct ssh_krl *k, const uint8_t *ca, size_t ca_len,
		       uint64_t lo, uint64_t hi)
{
	long c = ca_index(k, ca, ca_len);
	if (c < 0)
		return (int)c;
	if (lo > hi)
		return -EINVAL;
	int rc = grow(&k->serials, k->n_serials, sizeof(*k->serials));
	if (rc)
		return rc;
	k->serials[k->n_serials++] = (struct ssh_krl_serials){lo, hi, (size_t)c};
	return 0;
}

int ssh_krl_add_id(struct ssh_krl *k, const uint8_t *ca, size_t ca_len,
		   const char *id)
{
	long c = ca_index(k, ca, ca_len);
	if (c < 0)
		return (int)c;
	for (size_t i = 0; i < k->n_ids; i++)
		if (k->ids[i].ca == (size_t)c && !strcmp(k->ids[i].id, id))
			return 0;
	int rc = grow(&k->ids, k->n_ids, sizeof(*k->ids));
	if (rc)
		return rc;
	char *copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	k->ids[k->n_ids++] = (struct ssh_krl_id){copy, (size_t)c};
	return 0;
}

int ssh_krl_add_key(struct ssh_krl *k, const uint8_t *blob, size_t len)
{
	return add_blob(&k->keys, &k->n_keys, blob, len);
}

bool ssh_krl_revokes_cert(const struct ssh_krl *k, const uint8_t *ca,
			  size_t ca_len, uint64_t serial, const char *id)
{
	for (size_t i = 0; i < k->n_serials; i++) {
		const struct ssh_krl_blob *c = &k->cas[k->serials[i].ca];
		if ((c->len == 0 || blob_eq(c, ca, ca_len)) &&
		    serial >= k->serials[i].lo && serial <= k->serials[i].hi)
			return true;
	}
	for (size_t i = 0; id && i < k->n_ids; i++) {
		const struct ssh_krl_blob *c = &k->cas[k->ids[i].ca];
		if ((c->len == 0 || blob_eq(c, ca, ca_len)) &&
		    !strcmp(k->ids[i].id, id))
			return true;
	}
	return false;
}

bool ssh_krl_revokes_key(const struct ssh_krl *k, const uint8_t *blob,
			 size_t len)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	for (size_t i = 0; i < k->n_keys; i++)
		if (blob_eq(&k->keys[i], blob, len))
			return true;
	crypto_hash_sha256(h, blob, len);
	for (size_t i = 0; i < k->n_sha256; i++)
		if (blob_eq(&k->sha256[i], h, sizeof(h)))
			return true;
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One CA's serials: single ones sorted in a list, ranges each their own. */
static void write_serials(const struct ssh_krl *k, size_t ca, struct buf *sec)
{
	size_t n = 0;
	uint64_t *one = malloc((k->n_serials ? k->n_serials : 1) * sizeof(*one));
	if (!one) {
		sec->err = sec->err ? sec->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < k->n_serials; i++) {
		const struct ssh_krl_serials *s = &k->serials[i];
		if (s->ca != ca)
			continue;
		if (s->lo == s->hi) {
			one[n++] = s->lo;
			continue;
		}
		struct buf r;
		buf_init(&r, 0);
		ssh_put_u64(&r, s->lo);
		ssh_put_u64(&r, s->hi);
		ssh_put_u8(sec, CERT_SERIAL_RANGE);
		ssh_put_str(sec, r.data, r.len);
		buf_deinit(&r);
	}
	if (n) {
		struct buf l;
		buf_init(&l, 0);
		qsort(one, n, sizeof(*one), cmp_u64);
		for (size_t i = 0; i < n; i++)
			if (i == 0 || one[i] != one[i - 1])
				ssh_put_u64(&l, one[i]);
		ssh_put_u8(sec, CERT_SERIAL_LIST);
		ssh_put_str(sec, l.data, l.len);
		if (l.err)
			sec->err = sec->err ? sec->err : l.err;
		buf_deinit(&l);
	}
	free(one);
}

static void write_blobs(struct buf *out, uint8_t type,
			const struct ssh_krl_blob *b, size_t n)
{
	if (!n)
		return;
	struct buf s;
	buf_init(&s, 0);
	for (size_t i = 0; i < n; i++)
		ssh_put_str(&s, b[i].p, b[i].len);
	ssh_put_u8(out, type);
	ssh_put_str(out, s.data, s.len);
	if (s.err)
		out->err = out->err ? out->err : s.err;
	buf_deinit(&s);
}

static int cmp_blob(const void *a, const void *b)
{
	const struct ssh_krl_blob *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = n ? memcmp(x->p, y->p, n) : 0;
	return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

int ssh_krl_write(const struct ssh_krl *k, struct buf *out)
{
	ssh_put_u64(out, KRL_MAGIC);
	ssh_put_u32(out, KRL_FORMAT_VERSION);
	ssh_put_u64(out, k->version);
	ssh_put_u64(out, k->date);
	ssh_put_u64(out, 0); /* flags */
	ssh_put_str(out, "", 0);
	ssh_put_cstr(out, k->comment);
	for (size_t c = 0; c < k->n_cas; c++) {
		struct buf sec;
		buf_init(&sec, 0);
		ssh_put_str(&sec, k->cas[c].p, k->cas[c].len);
		ssh_put_str(&sec, "", 0);
		write_serials(k, c, &sec);
		struct buf ids;
		buf_init(&ids, 0);
		for (size_t i = 0; i < k->n_ids; i++)
			if (k->ids[i].ca == c)
				ssh_put_cstr(&ids, k->ids[i].id);
		if (ids.len) {
			ssh_put_u8(&sec, CERT_KEY_ID);
			ssh_put_str(&sec, ids.data, ids.len);
		}
		ssh_put_u8(out, SEC_CERTIFICATES);
		ssh_put_str(out, sec.data, sec.len);
		if (sec.err || ids.err)
			out->err = out->err ? out->err : -ENOMEM;
		buf_deinit(&ids);
		buf_deinit(&sec);
	}
	write_blobs(out, SEC_EXPLICIT_KEY, k->keys, k->n_keys);
	/* Fingerprints in numeric (big-endian) order, as the format asks. */
	if (k->n_sha1)
		qsort(k->sha1, k->n_sha1, sizeof(*k->sha1), cmp_blob);
	if (k->n_sha256)
		qsort(k->sha256, k->n_sha256, sizeof(*k->sha256), cmp_blob);
	write_blobs(out, SEC_FINGERPRINT_SHA1, k->sha1, k->n_sha1);
	write_blobs(out, SEC_FINGERPRINT_SHA256, k->sha256, k->n_sha256);
	return out->err;
}

static int read_extension(struct ssh_rd r, const char **why)
{
	const uint8_t *p;
	size_t n;
	uint8_t crit;
	if (ssh_rd_str(&r, &p, &n) || ssh_rd_u8(&r, &crit) ||
	    ssh_rd_str(&r, &p, &n) || r.n)
		return *why = "bad extension", -EINVAL;
	return crit ? (*why = "unsupported critical extension", -EINVAL) : 0;
}

static int read_certs(struct ssh_krl *k, struct ssh_rd r, const char **why)
{
	const uint8_t *ca, *p;
	size_t ca_len, n;
	int rc;
	if (ssh_rd_str(&r, &ca, &ca_len) || ssh_rd_str(&r, &p, &n))
		return *why = "bad certificate section header", -EINVAL;
	if (ca_len) {
		struct ssh_pubkey key;
		if (ssh_pubkey_from_blob(ca, ca_len, &key, why))
			return -EINVAL;
	}
	long c = ca_index(k, ca, ca_len);
	if (c < 0)
		return (int)c;
	while (r.n) {
		uint8_t type;
		struct ssh_rd s;
		if (ssh_rd_u8(&r, &type) || ssh_rd_sub(&r, &s))
			return *why = "truncated certificate subsection", -EINVAL;
		switch (type) {
		case CERT_SERIAL_LIST:
			while (s.n) {
				uint64_t v;
				if (ssh_rd_u64(&s, &v))
					return *why = "bad serial list", -EINVAL;
				if ((rc = ssh_krl_add_serial(k, ca, ca_len, v, v)))
					return rc;
			}
			break;
		case CERT_SERIAL_RANGE: {
			uint64_t lo, hi;
			if (ssh_rd_u64(&s, &lo) || ssh_rd_u64(&s, &hi) || lo > hi)
				return *why = "bad serial range", -EINVAL;
			if ((rc = ssh_krl_add_serial(k, ca, ca_len, lo, hi)))
				return rc;
			break;
		}
		case CERT_SERIAL_BITMAP: {
			uint64_t off;
			if (ssh_rd_u64(&s, &off) || ssh_rd_str(&s, &p, &n))
				return *why = "bad serial bitmap", -EINVAL;
			/* An mpint, most significant byte first: bit i of
			 * the number revokes serial off + i. */
			for (size_t byte = 0; byte < n; byte++)
				for (unsigned bit = 0; bit < 8; bit++) {
					if (!(p[n - 1 - byte] & (1u << bit)))
						continue;
					uint64_t i = (uint64_t)byte * 8 + bit;
					if (off + i < off)
						return *why = "bitmap wraps", -EINVAL;
					if ((rc = ssh_krl_add_serial(k, ca, ca_len,
								     off + i, off + i)))
						return rc;
				}
			s.n = 0;
			break;
		}
		case CERT_KEY_ID:
			while (s.n) {
				char id[256];
				if (ssh_rd_cstr(&s, id, sizeof(id)))
					return *why = "bad key id", -EINVAL;
				if ((rc = ssh_krl_add_id(k, ca, ca_len, id)))
					return rc;
			}
			break;
		case CERT_EXTENSION:
			if ((rc = read_extension(s, why)))
				return rc;
			s.n = 0;
			break;
		default:
			return *why = "unknown certificate subsection", -EINVAL;
		}
		if (s.n)
			return *why = "bytes after a certificate subsection", -EINVAL;
	}
	return 0;
}

static int read_blobs(struct ssh_krl_blob **arr, size_t *n, struct ssh_rd r,
		      size_t want, const char **why)
{
	while (r.n) {
		const uint8_t *p;
		size_t len;
		int rc;
		if (ssh_rd_str(&r, &p, &len) || (want && len != want))
			return *why = "bad key or fingerprint entry", -EINVAL;
		if (!want) {
			struct ssh_pubkey key;
			if (ssh_pubkey_from_blob(p, len, &key, why))
				return -EINVAL;
		}
		if ((rc = add_blob(arr, n, p, len)))
			return rc;
	}
	return 0;
}

static int parse(const uint8_t *data, size_t len, struct ssh_krl *k,
		 const char **why)
{
	struct ssh_rd r = ssh_rd_of(data, len), s;
	uint64_t magic, flags;
	uint32_t format;
	const uint8_t *p;
	size_t n;
	if (len > SSH_KRL_MAX_BYTES)
		return *why = "KRL too large", -E2BIG;
	if (ssh_rd_u64(&r, &magic) || magic != KRL_MAGIC)
		return *why = "not a KRL (bad magic)", -EINVAL;
	if (ssh_rd_u32(&r, &format) || format != KRL_FORMAT_VERSION)
		return *why = "unsupported KRL format version", -EINVAL;
	if (ssh_rd_u64(&r, &k->version) || ssh_rd_u64(&r, &k->date) ||
	    ssh_rd_u64(&r, &flags) || ssh_rd_str(&r, &p, &n) ||
	    ssh_rd_str(&r, &p, &n))
		return *why = "truncated KRL header", -EINVAL;
	n = n < sizeof(k->comment) ? n : sizeof(k->comment) - 1;
	memcpy(k->comment, p, n);
	k->comment[n] = 0;
	if (memchr(k->comment, 0, n))
		return *why = "NUL in comment", -EINVAL;
	while (r.n) {
		uint8_t type;
		int rc;
		if (ssh_rd_u8(&r, &type) || ssh_rd_sub(&r, &s))
			return *why = "truncated section", -EINVAL;
		switch (type) {
		case SEC_CERTIFICATES:
			rc = read_certs(k, s, why);
			break;
		case SEC_EXPLICIT_KEY:
			rc = read_blobs(&k->keys, &k->n_keys, s, 0, why);
			break;
		case SEC_FINGERPRINT_SHA1:
			rc = read_blobs(&k->sha1, &k->n_sha1, s, 20, why);
			break;
		case SEC_FINGERPRINT_SHA256:
			rc = read_blobs(&k->sha256, &k->n_sha256, s, 32, why);
			break;
		case SEC_EXTENSION:
			rc = read_extension(s, why);
			break;
		case SEC_SIGNATURE:
			return *why = "signed KRLs are not supported", -EINVAL;
		default:
			return *why = "unknown section type", -EINVAL;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int ssh_krl_parse(const uint8_t *data, size_t len, struct ssh_krl *k,
		  const char **why)
{
	ssh_krl_init(k);
	*why = NULL;
	int rc = parse(data, len, k, why);
	if (rc) {
		if (!*why)
			*why = rc == -ENOMEM ? "out of memory" : "too many entries";
		ssh_krl_deinit(k);
	}
	return rc;
}
