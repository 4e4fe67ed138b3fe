/* SPDX-License-Identifier: MIT */
/* A restic repository (format 1 or 2) opened with a password: config, keys, unpacked JSON files, packs and blobs. */
#ifndef HEARTH_BACKUP_REPO_H
#define HEARTH_BACKUP_REPO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "backup/backend.h"
#include "proto/backup/crypto.h"
#include "proto/backup/index.h"
#include "proto/backup/pack.h"

/* Project codes of the repository layer (beside negated errno values). */
enum backup_err {
	BACKUP_ENOREPO = -1300,	  /* not a repository: no config, no key files, Borg's */
	BACKUP_EPASSWORD = -1301, /* no key opens with the password */
	BACKUP_ECORRUPT = -1302,  /* a file fails its MAC, hash or shape */
	BACKUP_EVERSION = -1303,  /* a config version we do not know */
};

/* The current UTC time as restic writes "created" in key files and "time"
 * in lock files: RFC 3339 with nine fractional digits and "Z". Any thread. */
void backup_now_rfc3339(char *out, size_t cap);
/* Text for a code from this layer or any hearth code. */
const char *backup_strerror(int code);

/*
 * An open repository. Nothing in it changes after open/init, so the
 * functions below may run from several threads at once on one repo
 * (sealing blobs, saving packs and JSON files, reading blobs) when its
 * backend allows it (the local one does). The index is the caller's:
 * readers may share it, a writer needs it alone.
 */
struct backup_repo {
	struct backup_backend *be;
	struct backup_key master;
	int version;		 /* 1 or 2 */
	uint8_t id[32];		 /* the config's id */
	uint64_t chunker_polynomial;
	uint8_t key_id[32];	 /* the key file that opened it */
	int zstd_level;		 /* for JSON files and blobs: 3 (auto) */
};

/* KDF parameters for new keys: restic 0.14's defaults (N 2^15, r 8,
 * p 1; restic calibrates p to about 0.5 s, hearth keeps these). */
struct backup_kdf_params {
	uint64_t n;
	uint32_t r, p;
};
void backup_kdf_defaults(struct backup_kdf_params *kp);

/*
 * Opens the repository at @location: reads config, tries the key files
 * (all of them, or only @key_hint when it is not NULL) with @password,
 * checks the config. *out is the caller's (backup_repo_close). Returns 0,
 * BACKUP_ENOREPO, BACKUP_EPASSWORD, BACKUP_ECORRUPT (config fails its
 * MAC or is not restic's JSON), BACKUP_EVERSION, or a negated errno.
 * @why (may be NULL) gets a one-line reason (static or in @why_buf).
 */
int backup_repo_open(const char *location, const char *password,
		     struct backup_repo **out, char *why, size_t why_cap);

/* Creates a repository (format @version) with one key for @password:
 * the layout, a random master key and polynomial, keys/ID then config. */
int backup_repo_init(const char *location, const char *password, int version,
		     const struct backup_kdf_params *kp,
		     struct backup_repo **out, char *why, size_t why_cap);

/* The same with the chunker polynomial given (restic's init
 * --copy-chunker-params: another repository's; 0: a random one). The
 * caller has checked it is irreducible of degree 53. */
int backup_repo_init_pol(const char *location, const char *password, int version,
			 const struct backup_kdf_params *kp, uint64_t polynomial,
			 struct backup_repo **out, char *why, size_t why_cap);

void backup_repo_close(struct backup_repo *repo);

/*
 * Loads an unpacked file (index, snapshot, lock; or config with @id
 * NULL): checks its name is the SHA-256 of its bytes, the MAC, and
 * decodes it (format 2's zstd). *out is malloc'd and NUL-terminated.
 * Returns 0, -ENOENT, BACKUP_ECORRUPT.
 */
int backup_repo_load_file(struct backup_repo *repo, enum backup_file t,
			  const uint8_t id[32], uint8_t **out, size_t *len);
/* The same, parsed: *out a new JSON reference. */
int backup_repo_load_json(struct backup_repo *repo, enum backup_file t,
			  const uint8_t id[32], json_t **out);
/*
 * Saves @j (compact, member order kept) as a new unpacked file of type
 * @t, compressed in format 2: sealed, named after the SHA-256 of the
 * sealed bytes (into @id_out), durable before it returns. For config
 * (never compressed, no id) @id_out may be NULL.
 */
int backup_repo_save_json(struct backup_repo *repo, enum backup_file t,
			  const json_t *j, uint8_t id_out[32]);
/* Saves a finished pack file (blobs, sealed header, its length): named
 * after the SHA-256 of @buf (into @id_out), durable on return. */
int backup_repo_save_pack(struct backup_repo *repo, const uint8_t *buf,
			  size_t len, uint8_t id_out[32]);

/*
 * Seals one blob for a pack: compresses (format 2, when it helps, at
 * repo->zstd_level) and encrypts @len bytes of @plain into *out
 * (malloc'd), filling @e (id = SHA-256 of @plain, type, lengths; offset
 * left to the caller).
 */
int backup_repo_seal_blob(struct backup_repo *repo, int type,
			  const void *plain, size_t len, uint8_t **out,
			  size_t *out_len, struct backup_pack_entry *e);
/* The same for a blob whose id (SHA-256 of @plain) the caller has
 * already computed: @id is trusted, not checked. */
int backup_repo_seal_blob_id(struct backup_repo *repo, int type,
			     const uint8_t id[32], const void *plain,
			     size_t len, uint8_t **out, size_t *out_len,
			     struct backup_pack_entry *e);
/* The trailer of a pack: the sealed header of @n entries and its 4-byte
 * length, malloc'd into *out (append it after the blobs). */
int backup_repo_pack_trailer(struct backup_repo *repo,
			     const struct backup_pack_entry *e, size_t n,
			     uint8_t **out, size_t *out_len);
/* Reads and checks a pack's header: *e malloc'd (*n entries). */
int backup_repo_pack_header(struct backup_repo *repo, const uint8_t pack[32],
			    struct backup_pack_entry **e, size_t *n);

/* Loads every index file into a new index (*out, backup_index_free).
 * @bad (may be NULL) counts index files that failed (skipped with a
 * message on stderr unless @strict, which makes them an error). */
int backup_repo_load_index(struct backup_repo *repo, int strict,
			   struct backup_index **out, size_t *bad);

/* The largest blob read (data blobs are at most 8 MiB; a tree of a huge
 * folder may be tens of MiB); larger ones are refused as corrupt. */
#define BACKUP_BLOB_MAX (128u << 20)

/* Reads blob @id of @type through @idx: decrypts, decompresses and checks
 * its SHA-256. *out malloc'd. -ENOENT when the index does not know it. */
int backup_repo_read_blob(struct backup_repo *repo,
			  const struct backup_index *idx, const uint8_t id[32],
			  int type, uint8_t **out, size_t *len);

/* Opens a sealed blob of @len bytes read into @buf (decrypted in
 * place): decompresses it when @uncompressed_length is not 0 and checks
 * its SHA-256 against @id. *plain is @buf + BACKUP_IV_SIZE (uncompressed)
 * or malloc'd (the caller frees it then). Any thread. 0,
 * BACKUP_ECORRUPT, -ENOMEM. */
int backup_repo_unseal_blob(struct backup_repo *repo, const uint8_t id[32],
			    uint32_t uncompressed_length, uint8_t *buf, size_t len,
			    uint8_t **plain, size_t *n);

/* Whether the sealed bytes @buf (IV || ciphertext || MAC) carry a valid
 * MAC under the master key, without decrypting: 0 or BACKUP_ECORRUPT.
 * Any thread. */
int backup_repo_check_mac(struct backup_repo *repo, const uint8_t *buf, size_t len);

/* Tells the backend that every blob of @type in @idx is read soon (trees
 * before a walk): their ranges are read ahead where the backend can.
 * Best effort. */
void backup_repo_prefetch(struct backup_repo *repo, const struct backup_index *idx, int type);
/* The same for the whole of pack @pack. */
void backup_repo_prefetch_pack(struct backup_repo *repo, const uint8_t pack[32]);

/* Resolves a unique prefix (>= 1 hex digit) of a file name of type @t;
 * -ENOENT when none, -EEXIST when ambiguous (restic's behaviour). */
int backup_repo_find(struct backup_repo *repo, enum backup_file t,
		     const char *prefix, uint8_t id[32]);
/* Same without a repository (key files are listed before opening). */
int backup_backend_find(struct backup_backend *be, enum backup_file t,
			const char *prefix, uint8_t id[32]);

/* Adds a key file for @password opening the same master key (*id_out
 * its id, may be NULL). */
int backup_repo_add_key(struct backup_repo *repo, const char *password,
			const struct backup_kdf_params *kp,
			uint8_t id_out[32]);

#endif
