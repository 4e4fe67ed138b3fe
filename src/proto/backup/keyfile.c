/* SPDX-License-Identifier: MIT */
/* restic's key files: parsing (bounded, every field checked), unlocking with scrypt, and writing new ones. */
#include "proto/backup/keyfile.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const json_t *v)
{
	snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static int fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EINVAL;
}

int backup_keyfile_parse(const char *text, size_t len,
			 struct backup_keyfile *kf, const char **why)
{
	memset(kf, 0, sizeof(*kf));
	if (len > BACKUP_KEYFILE_MAX)
		return fail(why, "key file too large");
	json_error_t jerr;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		return fail(why, "key file is not a JSON object");
	}
	int rc = 0;
	const json_t *kdf = json_object_get(j, "kdf");
	json_t *n = json_object_get(j, "N"), *r = json_object_get(j, "r"),
	       *p = json_object_get(j, "p");
	if (!json_is_string(kdf) || strcmp(json_string_value(kdf), "scrypt"))
		rc = fail(why, "key file: kdf is not \"scrypt\"");
	else if (!json_is_integer(n) || !json_is_integer(r) ||
		 !json_is_integer(p) || json_integer_value(n) < 2 ||
		 json_integer_value(r) < 1 || json_integer_value(p) < 1 ||
		 json_integer_value(n) > (1ll << 30) ||
		 json_integer_value(r) > 1024 || json_integer_value(p) > 1024)
		rc = fail(why, "key file: scrypt N, r or p out of range");
	else if (backup_b64_decode(json_string_value(json_object_get(j, "salt")),
				   kf->salt, sizeof(kf->salt)) != 64)
		rc = fail(why, "key file: salt is not 64 bytes of base64");
	if (!rc) {
		long d = backup_b64_decode(
			json_string_value(json_object_get(j, "data")), kf->data,
			sizeof(kf->data));
		if (d <= BACKUP_CRYPTO_OVERHEAD)
			rc = fail(why, "key file: data is not a sealed key");
		else
			kf->data_len = (size_t)d;
	}
	if (!rc) {
		kf->n = (uint64_t)json_integer_value(n);
		kf->r = (uint32_t)json_integer_value(r);
		kf->p = (uint32_t)json_integer_value(p);
		copy_str(kf->created, sizeof(kf->created),
			 json_object_get(j, "created"));
		copy_str(kf->username, sizeof(kf->username),
			 json_object_get(j, "username"));
		copy_str(kf->hostname, sizeof(kf->hostname),
			 json_object_get(j, "hostname"));
	}
	json_decref(j);
	return rc;
}

int backup_keyfile_unlock(const struct backup_keyfile *kf,
			  const char *password, struct backup_key *master)
{
	struct backup_key user;
	int rc = backup_kdf(password, kf->salt, sizeof(kf->salt), kf->n, kf->r,
			    kf->p, &user);
	if (rc)
		return rc;
	size_t n = kf->data_len - BACKUP_CRYPTO_OVERHEAD;
	uint8_t plain[sizeof(kf->data)];
	rc = backup_open(&user, kf->data, kf->data_len, plain);
	backup_key_wipe(&user);
	if (rc)
		return rc == -EBADMSG ? -EACCES : rc;
	json_error_t jerr;
	json_t *j = json_loadb((const char *)plain, n, 0, &jerr);
	sodium_memzero(plain, sizeof(plain));
	rc = backup_key_from_json(j, master);
	json_decref(j);
	return rc;
}

char *backup_keyfile_make(const struct backup_key *master,
			  const char *password, const char *username,
			  const char *hostname, const char *created,
			  uint64_t n, uint32_t r, uint32_t p, size_t *len)
{
	uint8_t salt[64];
	if (sodium_init() < 0)
		return NULL;
	randombytes_buf(salt, sizeof(salt));
	struct backup_key user;
	if (backup_kdf(password, salt, sizeof(salt), n, r, p, &user))
		return NULL;
	json_t *mk = backup_key_to_json(master);
	char *plain = mk ? json_dumps(mk, JSON_COMPACT | JSON_PRESERVE_ORDER)
			 : NULL;
	json_decref(mk);
	char *out = NULL, *salt64 = NULL, *data64 = NULL;
	uint8_t *sealed = NULL;
	size_t plen = plain ? strlen(plain) : 0;
	if (plain)
		sealed = malloc(plen + BACKUP_CRYPTO_OVERHEAD);
	if (sealed && !backup_seal(&user, plain, plen, sealed)) {
		salt64 = backup_b64_encode(salt, sizeof(salt));
		data64 = backup_b64_encode(sealed,
					   plen + BACKUP_CRYPTO_OVERHEAD);
	}
	backup_key_wipe(&user);
	if (plain) {
		sodium_memzero(plain, plen);
		free(plain);
	}
	free(sealed);
	if (salt64 && data64) {
		json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:I,s:i,s:i,s:s,s:s}",
				      "created", created, "username", username,
				      "hostname", hostname, "kdf", "scrypt",
				      "N", (json_int_t)n, "r", (int)r, "p",
				      (int)p, "salt", salt64, "data", data64);
		out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)
			: NULL;
		json_decref(j);
	}
	free(salt64);
	free(data64);
	if (out && len)
		*len = strlen(out);
	return out;
}
