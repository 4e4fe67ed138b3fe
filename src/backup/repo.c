/* SPDX-License-Identifier: MIT */
/* Opening and creating restic repositories, and their sealed files, packs and blobs, over a backend. */
#include "backup/repo.h"
#include "proto/backup/location.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "proto/backup/keyfile.h"
#include "proto/backup/poly.h"
#include "proto/backup/unpacked.h"

#define CONFIG_MAX (64u << 10)
#define UNPACKED_FILE_MAX (64u << 20) /* sealed index/snapshot/lock files */
#define KEYS_TRIED_MAX 20 /* restic tries at most 20 keys too */

const char *backup_strerror(int code)
{
	switch (code) {
	case BACKUP_ENOREPO:
		return "not a repository (no config file)";
	case BACKUP_EPASSWORD:
		return "wrong password or no key found";
	case BACKUP_ECORRUPT:
		return "repository file is corrupt";
	case BACKUP_EVERSION:
		return "unsupported repository version";
	default:
		return hearth_strerror(code);
	}
}

static void say(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *why, size_t cap, const char *fmt, ...)
{
	if (!why || !cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

void backup_kdf_defaults(struct backup_kdf_params *kp)
{
	kp->n = 1u << 15;
	kp->r = 8;
	kp->p = 1;
}

void backup_now_rfc3339(char *out, size_t cap)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%09ldZ", base, (long)ts.tv_nsec);
}

/* A sealed file's bytes: checked against its name (not for config). */
static int load_sealed(struct backup_repo *repo, enum backup_file t,
		       const uint8_t id[32], size_t max, uint8_t **buf,
		       size_t *len)
{
	char hex[BACKUP_ID_HEX] = "";
	if (id)
		backup_id_hex(id, hex);
	int rc = repo->be->ops->load(repo->be, t, id ? hex : NULL, max, buf,
				     len);
	if (rc)
		return rc == -EFBIG ? BACKUP_ECORRUPT : rc;
	if (id) {
		uint8_t h[32];
		backup_sha256(*buf, *len, h);
		if (memcmp(h, id, 32)) {
			free(*buf);
			*buf = NULL;
			return BACKUP_ECORRUPT;
		}
	}
	return 0;
}

/* Decrypts in place: the plaintext starts at buf + 16. */
static int open_sealed(const struct backup_key *key, uint8_t *buf, size_t len,
		       size_t *plain_len)
{
	if (len < BACKUP_CRYPTO_OVERHEAD)
		return BACKUP_ECORRUPT;
	if (backup_open(key, buf, len, buf + BACKUP_IV_SIZE))
		return BACKUP_ECORRUPT;
	*plain_len = len - BACKUP_CRYPTO_OVERHEAD;
	return 0;
}

int backup_repo_load_file(struct backup_repo *repo, enum backup_file t,
			  const uint8_t id[32], uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	size_t n = 0, plen = 0;
	int rc = load_sealed(repo, t, id, t == BACKUP_FILE_CONFIG
				  ? CONFIG_MAX : UNPACKED_FILE_MAX, &buf, &n);
	if (!rc)
		rc = open_sealed(&repo->master, buf, n, &plen);
	if (!rc && t == BACKUP_FILE_CONFIG) {
		/* config is never compressed */
		rc = backup_unpacked_decode(buf + BACKUP_IV_SIZE, plen, CONFIG_MAX,
					    out, len);
		if (rc == 0 && (*out)[0] != '{')
			rc = BACKUP_ECORRUPT;
	} else if (!rc) {
		rc = backup_unpacked_decode(buf + BACKUP_IV_SIZE, plen,
					    BACKUP_UNPACKED_MAX, out, len);
		if (rc == 0 && repo->version < 2 && (*out)[0] != '{' &&
		    (*out)[0] != '[')
			rc = BACKUP_ECORRUPT;
	}
	if (rc == -EINVAL || rc == -EFBIG)
		rc = BACKUP_ECORRUPT;
	if (rc && rc != BACKUP_ECORRUPT && *out) {
		free(*out);
		*out = NULL;
	}
	free(buf);
	return rc;
}

int backup_repo_load_json(struct backup_repo *repo, enum backup_file t,
			  const uint8_t id[32], json_t **out)
{
	uint8_t *text = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = backup_repo_load_file(repo, t, id, &text, &len);
	if (rc)
		return rc;
	json_error_t jerr;
	*out = json_loadb((const char *)text, len, 0, &jerr);
	free(text);
	return *out ? 0 : BACKUP_ECORRUPT;
}

static int save_sealed(struct backup_repo *repo, enum backup_file t,
		       const uint8_t *plain, size_t len, uint8_t id_out[32])
{
	uint8_t *sealed = malloc(len + BACKUP_CRYPTO_OVERHEAD);
	if (!sealed)
		return -ENOMEM;
	int rc = backup_seal(&repo->master, plain, len, sealed);
	uint8_t id[32];
	char hex[BACKUP_ID_HEX];
	if (!rc) {
		backup_sha256(sealed, len + BACKUP_CRYPTO_OVERHEAD, id);
		backup_id_hex(id, hex);
		rc = repo->be->ops->save(repo->be, t,
					 t == BACKUP_FILE_CONFIG ? NULL : hex,
					 sealed, len + BACKUP_CRYPTO_OVERHEAD);
	}
	free(sealed);
	if (!rc && id_out)
		memcpy(id_out, id, 32);
	return rc;
}

int backup_repo_save_json(struct backup_repo *repo, enum backup_file t,
			  const json_t *j, uint8_t id_out[32])
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	uint8_t *enc = NULL;
	size_t len = 0;
	int rc = backup_unpacked_encode(text, strlen(text),
					t == BACKUP_FILE_CONFIG ? 1
								: repo->version,
					repo->zstd_level, &enc, &len);
	free(text);
	if (!rc)
		rc = save_sealed(repo, t, enc, len, id_out);
	free(enc);
	return rc;
}

int backup_repo_save_pack(struct backup_repo *repo, const uint8_t *buf,
			  size_t len, uint8_t id_out[32])
{
	uint8_t id[32];
	char hex[BACKUP_ID_HEX];
	backup_sha256(buf, len, id);
	backup_id_hex(id, hex);
	int rc = repo->be->ops->save(repo->be, BACKUP_FILE_PACK, hex, buf, len);
	if (!rc)
		memcpy(id_out, id, 32);
	return rc;
}

int backup_repo_seal_blob(struct backup_repo *repo, int type,
			  const void *plain, size_t len, uint8_t **out,
			  size_t *out_len, struct backup_pack_entry *e)
{
	uint8_t id[32];

	backup_sha256(plain, len, id);
	return backup_repo_seal_blob_id(repo, type, id, plain, len, out,
					out_len, e);
}

int backup_repo_seal_blob_id(struct backup_repo *repo, int type,
			     const uint8_t id[32], const void *plain,
			     size_t len, uint8_t **out, size_t *out_len,
			     struct backup_pack_entry *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->id, id, 32);
	e->type = (uint8_t)type;
	const void *src = plain;
	size_t n = len;
	uint8_t *z = NULL;
	if (repo->version >= 2 && len > 0) {
		size_t cap = backup_zstd_bound(len);
		z = malloc(cap);
		if (!z)
			return -ENOMEM;
		long zn = backup_zstd_compress(plain, len, repo->zstd_level, z,
					       cap);
		if (zn > 0 && (size_t)zn < len) {
			src = z;
			n = (size_t)zn;
			e->compressed = 1;
			e->uncompressed_length = (uint32_t)len;
		}
	}
	uint8_t *sealed = malloc(n + BACKUP_CRYPTO_OVERHEAD);
	int rc = sealed ? backup_seal(&repo->master, src, n, sealed) : -ENOMEM;
	free(z);
	if (rc) {
		free(sealed);
		return rc;
	}
	e->length = (uint32_t)(n + BACKUP_CRYPTO_OVERHEAD);
	*out = sealed;
	*out_len = n + BACKUP_CRYPTO_OVERHEAD;
	return 0;
}

int backup_repo_pack_trailer(struct backup_repo *repo,
			     const struct backup_pack_entry *e, size_t n,
			     uint8_t **out, size_t *out_len)
{
	size_t hl = backup_pack_header_size(e, n);
	uint8_t *plain = malloc(hl ? hl : 1);
	uint8_t *t = malloc(hl + BACKUP_CRYPTO_OVERHEAD + 4);
	int rc = plain && t ? 0 : -ENOMEM;
	if (!rc) {
		backup_pack_header_build(e, n, plain);
		rc = backup_seal(&repo->master, plain, hl, t);
	}
	free(plain);
	if (rc) {
		free(t);
		return rc;
	}
	uint32_t sl = (uint32_t)(hl + BACKUP_CRYPTO_OVERHEAD);
	uint8_t *p = t + sl;
	p[0] = (uint8_t)sl;
	p[1] = (uint8_t)(sl >> 8);
	p[2] = (uint8_t)(sl >> 16);
	p[3] = (uint8_t)(sl >> 24);
	*out = t;
	*out_len = sl + 4;
	return 0;
}

int backup_repo_pack_header(struct backup_repo *repo, const uint8_t pack[32],
			    struct backup_pack_entry **e, size_t *n)
{
	char hex[BACKUP_ID_HEX];
	backup_id_hex(pack, hex);
	struct backup_backend *be = repo->be;
	uint64_t size;
	uint8_t last4[4];
	uint32_t hl;
	int rc = be->ops->size(be, BACKUP_FILE_PACK, hex, &size);
	if (!rc && size < 4)
		return BACKUP_ECORRUPT;
	if (!rc)
		rc = be->ops->load_range(be, BACKUP_FILE_PACK, hex, size - 4, 4,
					 last4);
	if (rc)
		return rc;
	if (backup_pack_trailer(size, last4, &hl))
		return BACKUP_ECORRUPT;
	uint8_t *h = malloc(hl);
	if (!h)
		return -ENOMEM;
	size_t plen = 0;
	rc = be->ops->load_range(be, BACKUP_FILE_PACK, hex, size - 4 - hl, hl, h);
	if (!rc)
		rc = open_sealed(&repo->master, h, hl, &plen);
	if (!rc && backup_pack_header_parse(h + BACKUP_IV_SIZE, plen,
					    size - 4 - hl, repo->version, e, n))
		rc = BACKUP_ECORRUPT;
	free(h);
	return rc;
}

struct index_load {
	struct backup_repo *repo;
	struct backup_index *idx;
	int strict;
	size_t bad;
};

static int index_one(const char *name, uint64_t size, void *ud)
{
	struct index_load *il = ud;
	(void)size;
	uint8_t id[32];
	uint8_t *text = NULL;
	size_t len = 0;
	const char *why = "cannot be read";
	int rc = backup_id_parse(name, id);
	if (!rc)
		rc = backup_repo_load_file(il->repo, BACKUP_FILE_INDEX, id, &text,
					   &len);
	if (rc == BACKUP_ECORRUPT)
		why = "is corrupt (hash, MAC or encoding)";
	if (!rc) {
		rc = backup_index_parse(il->idx, (const char *)text, len, &why);
		if (rc == -EINVAL)
			rc = BACKUP_ECORRUPT;
	}
	free(text);
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		il->bad++;
		fprintf(stderr, "hearth: index %s %s\n", name, why);
		return il->strict ? (rc ? rc : BACKUP_ECORRUPT) : 0;
	}
	return 0;
}

int backup_repo_load_index(struct backup_repo *repo, int strict,
			   struct backup_index **out, size_t *bad)
{
	struct index_load il = {repo, backup_index_new(), strict, 0};
	if (!il.idx)
		return -ENOMEM;
	int rc = repo->be->ops->list(repo->be, BACKUP_FILE_INDEX, index_one, &il);
	if (bad)
		*bad = il.bad;
	if (rc) {
		backup_index_free(il.idx);
		return rc;
	}
	*out = il.idx;
	return 0;
}

int backup_repo_unseal_blob(struct backup_repo *repo, const uint8_t id[32],
			    uint32_t uncompressed_length, uint8_t *buf, size_t len,
			    uint8_t **plain, size_t *n)
{
	size_t plen = 0;
	if (len > BACKUP_BLOB_MAX || uncompressed_length > BACKUP_BLOB_MAX)
		return BACKUP_ECORRUPT;
	int rc = open_sealed(&repo->master, buf, len, &plen);
	if (rc)
		return rc;
	uint8_t *p = buf + BACKUP_IV_SIZE;
	size_t want = plen;
	if (uncompressed_length) {
		want = uncompressed_length;
		p = malloc(want);
		if (!p)
			return -ENOMEM;
		if (backup_zstd_decompress(buf + BACKUP_IV_SIZE, plen, p, want)) {
			free(p);
			return BACKUP_ECORRUPT;
		}
	}
	uint8_t h[32];
	backup_sha256(p, want, h);
	if (memcmp(h, id, 32)) {
		if (p != buf + BACKUP_IV_SIZE)
			free(p);
		return BACKUP_ECORRUPT;
	}
	*plain = p;
	*n = want;
	return 0;
}

int backup_repo_check_mac(struct backup_repo *repo, const uint8_t *buf, size_t len)
{
	if (len < BACKUP_CRYPTO_OVERHEAD)
		return BACKUP_ECORRUPT;
	uint8_t mac[16];
	size_t n = len - BACKUP_CRYPTO_OVERHEAD;
	backup_poly1305_aes(&repo->master, buf, buf + BACKUP_IV_SIZE, n, mac);
	return sodium_memcmp(mac, buf + BACKUP_IV_SIZE + n, 16) ? BACKUP_ECORRUPT : 0;
}

struct prefetch {
	struct backup_blob_loc *v;
	size_t n, cap;
	int type;
};

static int prefetch_one(const uint8_t id[32], const struct backup_blob_loc *loc, void *ud)
{
	struct prefetch *pf = ud;
	(void)id;
	if (loc->type != pf->type)
		return 0;
	if (pf->n == pf->cap) {
		size_t nc = pf->cap ? pf->cap * 2 : 1024;
		struct backup_blob_loc *nv = realloc(pf->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		pf->v = nv;
		pf->cap = nc;
	}
	pf->v[pf->n++] = *loc;
	return 0;
}

static int by_pack_off(const void *a, const void *b)
{
	const struct backup_blob_loc *x = a, *y = b;
	int c = memcmp(x->pack, y->pack, 32);
	return c ? c : (x->offset > y->offset) - (x->offset < y->offset);
}

void backup_repo_prefetch_pack(struct backup_repo *repo, const uint8_t pack[32])
{
	char hex[BACKUP_ID_HEX];
	if (!repo->be->ops->prefetch)
		return;
	backup_id_hex(pack, hex);
	repo->be->ops->prefetch(repo->be, BACKUP_FILE_PACK, hex, 0, 0);
}

void backup_repo_prefetch(struct backup_repo *repo, const struct backup_index *idx, int type)
{
	struct prefetch pf = {.type = type};
	if (!repo->be->ops->prefetch || backup_index_each(idx, prefetch_one, &pf)) {
		free(pf.v);
		return;
	}
	if (pf.n)
		qsort(pf.v, pf.n, sizeof *pf.v, by_pack_off);
	for (size_t i = 0; i < pf.n;) {
		/* ranges of one pack less than 64 KiB apart become one */
		uint64_t from = pf.v[i].offset, to = from + pf.v[i].length;
		size_t j = i + 1;
		while (j < pf.n && !memcmp(pf.v[j].pack, pf.v[i].pack, 32) &&
		       pf.v[j].offset <= to + (64u << 10)) {
			uint64_t e = (uint64_t)pf.v[j].offset + pf.v[j].length;
			to = e > to ? e : to;
			j++;
		}
		char hex[BACKUP_ID_HEX];
		backup_id_hex(pf.v[i].pack, hex);
		repo->be->ops->prefetch(repo->be, BACKUP_FILE_PACK, hex, from, to - from);
		i = j;
	}
	free(pf.v);
}

int backup_repo_read_blob(struct backup_repo *repo,
			  const struct backup_index *idx, const uint8_t id[32],
			  int type, uint8_t **out, size_t *len)
{
	struct backup_blob_loc loc;
	if (backup_index_find(idx, id, type, &loc))
		return -ENOENT;
	/* A hostile index must not make us allocate gigabytes. */
	if (loc.length > BACKUP_BLOB_MAX ||
	    loc.uncompressed_length > BACKUP_BLOB_MAX)
		return BACKUP_ECORRUPT;
	char hex[BACKUP_ID_HEX];
	backup_id_hex(loc.pack, hex);
	uint8_t *buf = malloc(loc.length ? loc.length : 1);
	if (!buf)
		return -ENOMEM;
	uint8_t *plain = NULL;
	size_t n = 0;
	int rc = repo->be->ops->load_range(repo->be, BACKUP_FILE_PACK, hex,
					   loc.offset, loc.length, buf);
	if (!rc)
		rc = backup_repo_unseal_blob(repo, id, loc.uncompressed_length,
					     buf, loc.length, &plain, &n);
	if (!rc && plain == buf + BACKUP_IV_SIZE) {
		/* uncompressed: the plaintext moves to the front */
		memmove(buf, plain, n);
		uint8_t *shrunk = realloc(buf, n ? n : 1);
		plain = shrunk ? shrunk : buf;
		buf = NULL;
	}
	free(buf);
	if (rc)
		return rc;
	*out = plain;
	*len = n;
	return 0;
}

struct find {
	const char *prefix;
	size_t plen;
	int hits;
	char name[BACKUP_ID_HEX];
};

static int find_one(const char *name, uint64_t size, void *ud)
{
	struct find *f = ud;
	(void)size;
	if (strncmp(name, f->prefix, f->plen) == 0) {
		/* the same name twice (data/XX) is one file */
		if (!f->hits || strcmp(f->name, name))
			f->hits++;
		snprintf(f->name, sizeof(f->name), "%s", name);
	}
	return 0;
}

int backup_backend_find(struct backup_backend *be, enum backup_file t,
			const char *prefix, uint8_t id[32])
{
	struct find f = {prefix, strlen(prefix), 0, ""};
	for (size_t i = 0; i < f.plen; i++)
		if (!strchr("0123456789abcdef", prefix[i]))
			return -ENOENT;
	if (!f.plen || f.plen > 64)
		return -ENOENT;
	int rc = be->ops->list(be, t, find_one, &f);
	if (rc)
		return rc;
	if (!f.hits)
		return -ENOENT;
	if (f.hits > 1)
		return -EEXIST;
	return backup_id_parse(f.name, id);
}

int backup_repo_find(struct backup_repo *repo, enum backup_file t,
		     const char *prefix, uint8_t id[32])
{
	return backup_backend_find(repo->be, t, prefix, id);
}

/* Reads and checks the decrypted config. */
static int parse_config(struct backup_repo *repo, const uint8_t *text,
			size_t len, char *why, size_t cap)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)text, len, 0, &jerr);
	json_t *v = json_object_get(j, "version");
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *pol =
		json_string_value(json_object_get(j, "chunker_polynomial"));
	int rc = 0;
	if (!json_is_object(j) || !json_is_integer(v) || !pol) {
		say(why, cap, "config is not a restic repository config");
		rc = BACKUP_ECORRUPT;
	} else if (json_integer_value(v) != 1 && json_integer_value(v) != 2) {
		say(why, cap, "repository version %lld is not supported",
		    (long long)json_integer_value(v));
		rc = BACKUP_EVERSION;
	} else if (!id || backup_id_parse(id, repo->id)) {
		say(why, cap, "config: id is not 64 hex digits");
		rc = BACKUP_ECORRUPT;
	} else {
		char *end = NULL;
		unsigned long long p = strtoull(pol, &end, 16);
		if (!*pol || *end || !backup_poly_irreducible(p)) {
			say(why, cap, "config: chunker_polynomial is not an "
				      "irreducible polynomial of degree 53");
			rc = BACKUP_ECORRUPT;
		} else {
			repo->version = (int)json_integer_value(v);
			repo->chunker_polynomial = p;
		}
	}
	json_decref(j);
	return rc;
}

struct key_try {
	struct backup_repo *repo;
	const char *password;
	int tried, corrupt, opened;
	char corrupt_name[BACKUP_ID_HEX];
};

static int key_one(const char *name, uint64_t size, void *ud)
{
	struct key_try *kt = ud;
	(void)size;
	if (kt->tried++ >= KEYS_TRIED_MAX)
		return 0;
	struct backup_backend *be = kt->repo->be;
	uint8_t *buf = NULL, h[32], id[32];
	size_t len = 0;
	if (be->ops->load(be, BACKUP_FILE_KEY, name, BACKUP_KEYFILE_MAX, &buf,
			  &len))
		return 0;
	backup_sha256(buf, len, h);
	struct backup_keyfile kf;
	int ok = !backup_id_parse(name, id) && !memcmp(h, id, 32) &&
		 !backup_keyfile_parse((const char *)buf, len, &kf, NULL);
	free(buf);
	if (!ok) {
		kt->corrupt++;
		snprintf(kt->corrupt_name, sizeof(kt->corrupt_name), "%s", name);
		return 0;
	}
	if (backup_keyfile_unlock(&kf, kt->password, &kt->repo->master))
		return 0;
	memcpy(kt->repo->key_id, id, 32);
	kt->opened = 1;
	return 1; /* stop listing */
}

/* Whether the config file is Borg's (an INI file starting "[repository]"). */
static bool is_borg(struct backup_repo *repo, uint64_t size)
{
	static const char sig[] = "[repository]";
	uint8_t head[sizeof sig - 1];
	return size >= sizeof head &&
	       !repo->be->ops->load_range(repo->be, BACKUP_FILE_CONFIG, NULL, 0, sizeof head,
					  head) &&
	       !memcmp(head, sig, sizeof head);
}

static struct backup_repo *repo_new(const char *location, int *rc,
				    char *why, size_t why_cap)
{
	struct backup_repo *repo = calloc(1, sizeof(*repo));
	if (!repo) {
		*rc = -ENOMEM;
		return NULL;
	}
	repo->be = backup_backend_open_why(location, rc, why, why_cap);
	if (!repo->be) {
		free(repo);
		return NULL;
	}
	repo->zstd_level = 3;
	return repo;
}

int backup_repo_open(const char *location, const char *password,
		     struct backup_repo **out, char *why, size_t why_cap)
{
	char shown[BACKUP_LOC_MAX];
	backup_location_redact(location, shown, sizeof(shown));
	int rc = 0;
	*out = NULL;
	say(why, why_cap, "%s", "");
	struct backup_repo *repo = repo_new(location, &rc, why, why_cap);
	if (!repo) {
		if (!why || !why[0])
			say(why, why_cap, "%s: %s", shown, backup_strerror(rc));
		return rc;
	}
	uint64_t size;
	rc = repo->be->ops->size(repo->be, BACKUP_FILE_CONFIG, NULL, &size);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		say(why, why_cap, "%s is not a repository (no config file)",
		    shown);
		backup_repo_close(repo);
		return BACKUP_ENOREPO;
	}
	struct key_try kt = {repo, password, 0, 0, 0, ""};
	if (!rc)
		rc = repo->be->ops->list(repo->be, BACKUP_FILE_KEY, key_one, &kt);
	if (rc == 1)
		rc = 0;
	if (!rc && !kt.opened) {
		rc = BACKUP_EPASSWORD;
		if (!kt.tried && is_borg(repo, size)) {
			say(why, why_cap, "%s is a Borg repository, not a restic one", shown);
			rc = BACKUP_ENOREPO;
		} else if (!kt.tried) {
			/* every restic repository has a key: this is none */
			say(why, why_cap, "%s is not a repository (no key files)", shown);
			rc = BACKUP_ENOREPO;
		} else if (kt.corrupt)
			say(why, why_cap,
			    "wrong password or no key found (key file %.8s is "
			    "corrupt: its hash or JSON does not check)",
			    kt.corrupt_name);
		else
			say(why, why_cap, "wrong password or no key found");
	}
	uint8_t *text = NULL;
	size_t len = 0;
	if (!rc) {
		repo->version = 2; /* config is never compressed anyway */
		rc = backup_repo_load_file(repo, BACKUP_FILE_CONFIG, NULL, &text,
					   &len);
		char kh[BACKUP_ID_HEX];
		backup_id_hex(repo->key_id, kh);
		if (rc == BACKUP_ECORRUPT)
			say(why, why_cap, "config does not open with key %.8s: the key "
					  "belongs to another repository, or the config is "
					  "damaged", kh);
	}
	if (!rc)
		rc = parse_config(repo, text, len, why, why_cap);
	free(text);
	if (rc && why && !why[0])
		say(why, why_cap, "%s: %s", shown, backup_strerror(rc));
	if (rc) {
		backup_repo_close(repo);
		return rc;
	}
	*out = repo;
	return 0;
}

static int save_key(struct backup_backend *be, const struct backup_key *master,
		    const char *password, const struct backup_kdf_params *kp,
		    uint8_t id_out[32])
{
	char host[256] = "", created[64];
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	struct passwd *pw = getpwuid(getuid());
	backup_now_rfc3339(created, sizeof(created));
	size_t len = 0;
	char *text = backup_keyfile_make(master, password,
					 pw && pw->pw_name ? pw->pw_name : "",
					 host, created, kp->n, kp->r, kp->p,
					 &len);
	if (!text)
		return -ENOMEM;
	uint8_t id[32];
	char hex[BACKUP_ID_HEX];
	backup_sha256(text, len, id);
	backup_id_hex(id, hex);
	int rc = be->ops->save(be, BACKUP_FILE_KEY, hex, text, len);
	free(text);
	if (!rc && id_out)
		memcpy(id_out, id, 32);
	return rc;
}

int backup_repo_add_key(struct backup_repo *repo, const char *password,
			const struct backup_kdf_params *kp, uint8_t id_out[32])
{
	return save_key(repo->be, &repo->master, password, kp, id_out);
}

int backup_repo_init(const char *location, const char *password, int version,
		     const struct backup_kdf_params *kp,
		     struct backup_repo **out, char *why, size_t why_cap)
{
	return backup_repo_init_pol(location, password, version, kp, 0, out, why, why_cap);
}

int backup_repo_init_pol(const char *location, const char *password, int version,
			 const struct backup_kdf_params *kp, uint64_t polynomial,
			 struct backup_repo **out, char *why, size_t why_cap)
{
	char shown[BACKUP_LOC_MAX];
	backup_location_redact(location, shown, sizeof(shown));
	int rc = 0;
	*out = NULL;
	struct backup_repo *repo = repo_new(location, &rc, why, why_cap);
	if (!repo) {
		if (!why || !why[0])
			say(why, why_cap, "%s: %s", shown, backup_strerror(rc));
		return rc;
	}
	repo->version = version;
	backup_key_random(&repo->master);
	{
		struct backup_key tmp;
		backup_key_random(&tmp); /* 32 random bytes for the id */
		memcpy(repo->id, tmp.encrypt, 32);
		backup_key_wipe(&tmp);
	}
	repo->chunker_polynomial = polynomial ? polynomial : backup_poly_random();
	rc = repo->be->ops->create(repo->be);
	if (rc == -EEXIST)
		say(why, why_cap, "%s already holds a repository (config "
				  "exists)", location);
	else if (rc)
		say(why, why_cap, "%s: cannot create the layout: %s", shown,
		    strerror(-rc));
	if (!rc)
		rc = save_key(repo->be, &repo->master, password, kp,
			      repo->key_id);
	if (!rc) {
		char idhex[BACKUP_ID_HEX], pol[32];
		backup_id_hex(repo->id, idhex);
		snprintf(pol, sizeof(pol), "%llx",
			 (unsigned long long)repo->chunker_polynomial);
		json_t *cfg = json_pack("{s:i,s:s,s:s}", "version", version,
					"id", idhex, "chunker_polynomial", pol);
		rc = cfg ? backup_repo_save_json(repo, BACKUP_FILE_CONFIG, cfg,
						 NULL)
			 : -ENOMEM;
		json_decref(cfg);
		if (rc)
			say(why, why_cap, "%s: cannot write config: %s",
			    location, backup_strerror(rc));
	}
	if (rc) {
		backup_repo_close(repo);
		return rc;
	}
	*out = repo;
	return 0;
}

void backup_repo_close(struct backup_repo *repo)
{
	if (!repo)
		return;
	backup_key_wipe(&repo->master);
	backup_backend_free(repo->be);
	free(repo);
}
