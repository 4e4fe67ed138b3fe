/* SPDX-License-Identifier: MIT */
/* OpenSSH certificates: the signed body, its Ed25519 signature, the reader, and -V validity. */
#include "proto/ssh/cert.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/ssh/wire.h"

static const char *const ext_names[] = {
	"permit-X11-forwarding", "permit-agent-forwarding",
	"permit-port-forwarding", "permit-pty", "permit-user-rc",
};

const char *ssh_ext_name(unsigned i)
{
	return i < 5 ? ext_names[i] : NULL;
}

unsigned ssh_ext_bit(const char *name)
{
	for (unsigned i = 0; i < 5; i++)
		if (!strcmp(name, ext_names[i]))
			return 1u << i;
	return 0;
}

/* The key's fields after its type string (they follow the nonce). */
static void put_key_fields(struct buf *b, const struct ssh_pubkey *k)
{
	struct ssh_rd r = ssh_rd_of(k->blob, k->blob_len);
	const uint8_t *p;
	size_t n;
	ssh_rd_str(&r, &p, &n); /* the type: checked when the key was read */
	buf_append(b, r.p, r.n);
}

/* An option's data is a string holding a string. */
static void put_option(struct buf *b, const char *name, const char *value)
{
	struct buf v;
	buf_init(&v, 0);
	if (value)
		ssh_put_cstr(&v, value);
	ssh_put_cstr(b, name);
	ssh_put_str(b, v.data, v.len);
	if (v.err)
		b->err = b->err ? b->err : v.err;
	buf_deinit(&v);
}

int ssh_cert_sign(const struct ssh_cert *c, const uint8_t ca_sk[64],
		  struct buf *out)
{
	struct buf body, list;
	uint8_t nonce[32], sig[crypto_sign_ed25519_BYTES];
	int rc = 0;

	if (c->kind != SSH_CERT_USER && c->kind != SSH_CERT_HOST)
		return -EINVAL;
	if (c->valid_before <= c->valid_after ||
	    c->n_principals > SSH_CERT_MAX_PRINCIPALS)
		return -EINVAL;
	buf_init(&body, 0);
	buf_init(&list, 0);
	randombytes_buf(nonce, sizeof(nonce));
	ssh_put_cstr(&body, ssh_cert_type_name(c->key.type));
	ssh_put_str(&body, nonce, sizeof(nonce));
	put_key_fields(&body, &c->key);
	ssh_put_u64(&body, c->serial);
	ssh_put_u32(&body, c->kind);
	ssh_put_cstr(&body, c->key_id);

	for (size_t i = 0; i < c->n_principals; i++)
		ssh_put_cstr(&list, c->principals[i]);
	ssh_put_str(&body, list.data, list.len);
	list.len = 0;
	ssh_put_u64(&body, c->valid_after);
	ssh_put_u64(&body, c->valid_before);

	/* Critical options, then extensions, each sorted by name. */
	if (c->force_command[0])
		put_option(&list, "force-command", c->force_command);
	if (c->source_address[0])
		put_option(&list, "source-address", c->source_address);
	ssh_put_str(&body, list.data, list.len);
	list.len = 0;
	for (unsigned i = 0; i < 5; i++)
		if (c->extensions & (1u << i))
			put_option(&list, ext_names[i], NULL);
	ssh_put_str(&body, list.data, list.len);
	ssh_put_str(&body, "", 0); /* reserved */

	struct ssh_pubkey ca;
	ssh_pubkey_ed25519(&ca, ca_sk + 32, NULL);
	ssh_put_str(&body, ca.blob, ca.blob_len);
	if (body.err || list.err) {
		rc = body.err ? body.err : list.err;
		goto out;
	}
	crypto_sign_ed25519_detached(sig, NULL, (const uint8_t *)body.data,
				     body.len, ca_sk);
	list.len = 0;
	ssh_put_cstr(&list, "ssh-ed25519");
	ssh_put_str(&list, sig, sizeof(sig));
	ssh_put_str(&body, list.data, list.len);
	if (body.err || list.err) {
		rc = body.err ? body.err : list.err;
		goto out;
	}
	buf_append(out, body.data, body.len);
	rc = out->err;
out:
	buf_deinit(&body);
	buf_deinit(&list);
	return rc;
}

void ssh_cert_format_line(const uint8_t *blob, size_t len, enum ssh_keytype t,
			  const char *comment, struct buf *b)
{
	buf_printf(b, "%s ", ssh_cert_type_name(t));
	ssh_put_base64(b, blob, len);
	if (comment && *comment)
		buf_printf(b, " %s", comment);
	buf_puts(b, "\n");
}

/* Reads the options or extensions list; @critical: force-command and
 * source-address are known, anything else is refused. */
static int read_options(struct ssh_rd r, struct ssh_cert *c, bool critical,
			const char **why)
{
	char name[SSH_CERT_NAME_MAX], prev[SSH_CERT_NAME_MAX] = "";
	while (r.n) {
		struct ssh_rd data;
		if (ssh_rd_cstr(&r, name, sizeof(name)) || ssh_rd_sub(&r, &data))
			return *why = "bad option or extension", -EINVAL;
		if (prev[0] && strcmp(prev, name) >= 0)
			return *why = "options not in order (or repeated)", -EINVAL;
		snprintf(prev, sizeof(prev), "%s", name);
		if (!critical) {
			c->extensions |= ssh_ext_bit(name);
			continue; /* unknown extensions are ignored */
		}
		char *dst = !strcmp(name, "force-command") ? c->force_command
			    : !strcmp(name, "source-address") ? c->source_address
							      : NULL;
		if (!dst)
			return *why = "unknown critical option", -EINVAL;
		if (ssh_rd_cstr(&data, dst, SSH_CERT_OPTION_MAX) || data.n ||
		    !dst[0])
			return *why = "bad critical option value", -EINVAL;
	}
	return 0;
}

int ssh_cert_parse(const uint8_t *blob, size_t len, struct ssh_cert *c,
		   bool *verified, const char **why)
{
	struct ssh_rd r = ssh_rd_of(blob, len), list, sub;
	const uint8_t *p, *key_start, *sig;
	size_t n, sig_len;

	memset(c, 0, sizeof(*c));
	*verified = false;
	*why = NULL;
	if (len > SSH_CERT_BLOB_MAX)
		return *why = "certificate too long", -EINVAL;
	if (ssh_key_type_read(&r, true, &c->key.type))
		return *why = "not a certificate type", -EINVAL;
	if (ssh_rd_str(&r, &p, &n) || n < 16)
		return *why = "bad nonce", -EINVAL;
	key_start = r.p;
	if (ssh_key_read_fields(&r, c->key.type, why))
		return -EINVAL;
	/* The certified key as a plain key blob: its type, then the fields. */
	{
		struct buf kb;
		buf_init(&kb, SSH_KEY_BLOB_MAX);
		ssh_put_cstr(&kb, ssh_key_type_name(c->key.type));
		buf_append(&kb, key_start, (size_t)(r.p - key_start));
		int bad = kb.err || ssh_pubkey_from_blob((const uint8_t *)kb.data,
							 kb.len, &c->key, why);
		buf_deinit(&kb);
		if (bad)
			return *why = *why ? *why : "certified key too long", -EINVAL;
	}
	if (ssh_rd_u64(&r, &c->serial) || ssh_rd_u32(&r, &c->kind) ||
	    (c->kind != SSH_CERT_USER && c->kind != SSH_CERT_HOST))
		return *why = "bad serial or certificate kind", -EINVAL;
	if (ssh_rd_cstr(&r, c->key_id, sizeof(c->key_id)))
		return *why = "bad key id", -EINVAL;
	if (ssh_rd_sub(&r, &list))
		return *why = "bad principals", -EINVAL;
	while (list.n) {
		if (c->n_principals == SSH_CERT_MAX_PRINCIPALS)
			return *why = "too many principals", -EINVAL;
		if (ssh_rd_cstr(&list, c->principals[c->n_principals],
				SSH_CERT_NAME_MAX))
			return *why = "bad principal", -EINVAL;
		c->n_principals++;
	}
	if (ssh_rd_u64(&r, &c->valid_after) || ssh_rd_u64(&r, &c->valid_before))
		return *why = "bad validity", -EINVAL;
	if (ssh_rd_sub(&r, &sub) || read_options(sub, c, true, why))
		return *why = *why ? *why : "bad critical options", -EINVAL;
	if (ssh_rd_sub(&r, &sub) || read_options(sub, c, false, why))
		return *why = *why ? *why : "bad extensions", -EINVAL;
	if (ssh_rd_str(&r, &p, &n))
		return *why = "bad reserved field", -EINVAL;
	if (ssh_rd_str(&r, &p, &n) || ssh_pubkey_from_blob(p, n, &c->ca, why))
		return *why = "bad signature key", -EINVAL;
	size_t signed_len = (size_t)(r.p - blob);
	if (ssh_rd_sub(&r, &sub) || r.n)
		return *why = "bad signature (or bytes after it)", -EINVAL;
	if (ssh_rd_cstr(&sub, c->ca_sig_type, sizeof(c->ca_sig_type)) ||
	    ssh_rd_str(&sub, &sig, &sig_len) || sub.n)
		return *why = "bad signature", -EINVAL;
	if (c->ca.type != SSH_KEY_ED25519)
		return 0;
	if (strcmp(c->ca_sig_type, "ssh-ed25519") || sig_len != 64)
		return *why = "bad ed25519 signature", -EINVAL;
	if (crypto_sign_ed25519_verify_detached(sig, blob, signed_len,
						c->ca.blob + c->ca.blob_len - 32))
		return *why = "signature does not verify", -EBADMSG;
	*verified = true;
	return 0;
}

int ssh_cert_parse_line(const char *text, size_t len, struct ssh_cert *c,
			bool *verified, const char **why)
{
	const char *type, *comment;
	size_t type_len, blob_len, comment_len;
	uint8_t *blob = malloc(SSH_CERT_BLOB_MAX);
	*verified = false;
	if (!blob)
		return *why = "out of memory", -ENOMEM;
	int rc = ssh_line_split(text, len, &type, &type_len, blob,
				SSH_CERT_BLOB_MAX, &blob_len, &comment,
				&comment_len, why);
	if (!rc)
		rc = ssh_cert_parse(blob, blob_len, c, verified, why);
	if (!rc && (type_len != strlen(ssh_cert_type_name(c->key.type)) ||
		    memcmp(type, ssh_cert_type_name(c->key.type), type_len)))
		rc = -EINVAL, *why = "certificate type does not match";
	free(blob);
	return rc;
}

/* ssh's convtime: 90, 90s, 1h30m, 2w (units s m h d w, either case). */
static int convtime(const char *s, int64_t *out)
{
	int64_t total = 0;
	if (!*s)
		return -EINVAL;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		int64_t v = 0;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s++ - '0');
			if (v > INT32_MAX)
				return -EINVAL;
		}
		int64_t mul = 1;
		switch (*s) {
		case 0: break;
		case 's': case 'S': s++; break;
		case 'm': case 'M': mul = 60; s++; break;
		case 'h': case 'H': mul = 3600; s++; break;
		case 'd': case 'D': mul = 86400; s++; break;
		case 'w': case 'W': mul = 604800; s++; break;
		default: return -EINVAL;
		}
		total += v * mul;
		if (total > INT32_MAX)
			return -EINVAL;
	}
	*out = total;
	return 0;
}

static int absolute(const char *s, uint64_t *out)
{
	size_t l = strlen(s);
	bool utc = false;
	if (l > 1 && (s[l - 1] == 'Z' || s[l - 1] == 'z'))
		utc = true, l--;
	else if (l > 3 && !strcasecmp(s + l - 3, "UTC"))
		utc = true, l -= 3;
	if (l != 8 && l != 12 && l != 14)
		return -EINVAL;
	int f[6] = {0};
	const int w[6] = {4, 2, 2, 2, 2, 2};
	for (size_t i = 0, at = 0; at < l; i++) {
		for (int k = 0; k < w[i]; k++, at++) {
			if (!isdigit((unsigned char)s[at]))
				return -EINVAL;
			f[i] = f[i] * 10 + (s[at] - '0');
		}
	}
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 ||
	    f[4] > 59 || f[5] > 60 || f[0] < 1970)
		return -EINVAL;
	struct tm tm = {.tm_year = f[0] - 1900, .tm_mon = f[1] - 1,
			.tm_mday = f[2], .tm_hour = f[3], .tm_min = f[4],
			.tm_sec = f[5], .tm_isdst = -1};
	time_t t = utc ? timegm(&tm) : mktime(&tm);
	if (t < 0)
		return -EINVAL;
	*out = (uint64_t)t;
	return 0;
}

static int one_time(const char *s, time_t now, bool is_from, uint64_t *out)
{
	if (*s == '+' || *s == '-') {
		int64_t secs;
		if (convtime(s + 1, &secs))
			return -EINVAL;
		int64_t t = *s == '+' ? (int64_t)now + secs : (int64_t)now - secs;
		*out = t < 0 ? 0 : (uint64_t)t;
		return 0;
	}
	if (is_from && !strcmp(s, "always"))
		return *out = 0, 0;
	if (!is_from && !strcmp(s, "forever"))
		return *out = ~(uint64_t)0, 0;
	if (!strncmp(s, "0x", 2)) {
		char *end;
		errno = 0;
		if (!s[2] || strlen(s) > 18)
			return -EINVAL;
		*out = strtoull(s + 2, &end, 16);
		return *end || errno ? -EINVAL : 0;
	}
	return absolute(s, out);
}

int ssh_validity_parse(const char *spec, time_t now, uint64_t *from,
		       uint64_t *to)
{
	char buf[128];
	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	if (spec[0] == '+' && !strchr(spec, ':')) {
		int64_t secs;
		if (convtime(spec + 1, &secs))
			return -EINVAL;
		*to = (uint64_t)now + (uint64_t)secs;
		/* Back a minute, as ssh-keygen does, for clocks that lag. */
		*from = (uint64_t)((now - 59) / 60 * 60);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	char *colon = strchr(buf, ':');
	if (!colon || colon == buf || !colon[1])
		return -EINVAL;
	*colon = 0;
	if (one_time(buf, now, true, from) || one_time(colon + 1, now, false, to))
		return -EINVAL;
	return *to > *from ? 0 : -EINVAL;
}
