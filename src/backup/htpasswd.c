/* SPDX-License-Identifier: MIT */
/* htpasswd files: parsing, libcrypt and {SHA} verification, and a short-lived cache of accepted logins. */
#include "backup/htpasswd.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/backup/gojson.h"
#include "proto/backup/id.h"

#define LINE_MAX_BYTES 4096
#define USERS_MAX 65536
#define CACHE_SLOTS 64
#define CACHE_SECONDS 300

struct entry {
	char *user;
	char *hash;
};

struct cached {
	uint8_t key[32];
	time_t until;
};

struct backup_htpasswd {
	struct entry *e;
	size_t n;
	struct cached cache[CACHE_SLOTS];
	size_t next_slot;
};

void backup_htpasswd_free(struct backup_htpasswd *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		free(h->e[i].user);
		free(h->e[i].hash);
	}
	free(h->e);
	OPENSSL_cleanse(h->cache, sizeof(h->cache));
	free(h);
}

static int known_hash(const char *h)
{
	static const char *const pre[] = {"$2y$", "$2b$", "$2a$", "$5$",
					  "$6$",  "$1$",  "{SHA}"};
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(h, pre[i], strlen(pre[i])))
			return 1;
	return 0;
}

static int add_line(struct backup_htpasswd *h, char *line, const char **why)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
		     line[n - 1] == '\t'))
		line[--n] = '\0';
	if (!n || line[0] == '#')
		return 0;
	char *colon = strchr(line, ':');
	if (!colon || colon == line) {
		*why = "not USER:HASH";
		return -EINVAL;
	}
	*colon = '\0';
	if (!known_hash(colon + 1)) {
		*why = "unknown hash (bcrypt $2y$, $5$, $6$, $1$ or {SHA})";
		return -EINVAL;
	}
	/* libcrypt's own judgement of a crypt hash: its setting is valid
	 * and the method enabled (legacy and cheap ones, MD5-crypt among
	 * them, are still accepted). */
	int cs = colon[1] == '$' ? crypt_checksalt(colon + 1) : CRYPT_SALT_OK;
	if (cs == CRYPT_SALT_INVALID || cs == CRYPT_SALT_METHOD_DISABLED) {
		*why = "malformed or disabled crypt hash";
		return -EINVAL;
	}
	if (h->n == USERS_MAX) {
		*why = "too many users";
		return -EINVAL;
	}
	if (!(h->n & (h->n + 1)) || !h->e) {
		/* grow at 0, 1, 3, 7, ...: capacity n + 1 doubled */
		struct entry *ne = realloc(h->e, (h->n + 1) * 2 * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		h->e = ne;
	}
	h->e[h->n].user = strdup(line);
	h->e[h->n].hash = strdup(colon + 1);
	if (!h->e[h->n].user || !h->e[h->n].hash) {
		free(h->e[h->n].user);
		free(h->e[h->n].hash);
		return -ENOMEM;
	}
	h->n++;
	return 0;
}

int backup_htpasswd_load(const char *path, struct backup_htpasswd **out,
			 char *why, size_t why_cap)
{
	*out = NULL;
	FILE *f = fopen(path, "re");
	if (!f) {
		int rc = -errno;
		snprintf(why, why_cap, "%s: %s", path, strerror(errno));
		return rc;
	}
	struct backup_htpasswd *h = calloc(1, sizeof(*h));
	int rc = h ? 0 : -ENOMEM;
	char line[LINE_MAX_BYTES + 2];
	unsigned lineno = 0;
	const char *reason = "out of memory";
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(f)) {
			reason = "line too long";
			rc = -EINVAL;
			break;
		}
		rc = add_line(h, line, &reason);
	}
	fclose(f);
	if (rc) {
		snprintf(why, why_cap, "%s:%u: %s", path, lineno, reason);
		backup_htpasswd_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

static int verify(const char *hash, const char *pass)
{
	if (!strncmp(hash, "{SHA}", 5)) {
		uint8_t d[SHA_DIGEST_LENGTH];
		SHA1((const unsigned char *)pass, strlen(pass), d);
		char b64[64];
		size_t n = bk_base64_encode_to(d, sizeof(d), b64);
		b64[n] = '\0';
		return strlen(hash + 5) == n && !CRYPTO_memcmp(hash + 5, b64, n);
	}
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return 0;
	const char *got = crypt_r(pass, hash, cd);
	int ok = got && got[0] != '*' && strlen(got) == strlen(hash) &&
		 !CRYPTO_memcmp(got, hash, strlen(hash));
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return ok;
}

static void cache_key(const char *user, const char *pass, uint8_t key[32])
{
	size_t ul = strlen(user), pl = strlen(pass);
	char *buf = malloc(ul + pl + 2);
	if (!buf) {
		memset(key, 0, 32);
		return;
	}
	memcpy(buf, user, ul + 1);
	memcpy(buf + ul + 1, pass, pl + 1);
	backup_sha256(buf, ul + pl + 2, key);
	OPENSSL_cleanse(buf, ul + pl + 2);
	free(buf);
}

int backup_htpasswd_check(struct backup_htpasswd *h, const char *user,
			  const char *pass)
{
	uint8_t key[32];
	time_t now = time(NULL);
	cache_key(user, pass, key);
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (h->cache[i].until > now &&
		    !CRYPTO_memcmp(h->cache[i].key, key, 32))
			return 1;
	for (size_t i = 0; i < h->n; i++) {
		if (strcmp(h->e[i].user, user))
			continue;
		if (!verify(h->e[i].hash, pass))
			return 0;
		struct cached *c = &h->cache[h->next_slot++ % CACHE_SLOTS];
		memcpy(c->key, key, 32);
		c->until = now + CACHE_SECONDS;
		return 1;
	}
	return 0;
}
