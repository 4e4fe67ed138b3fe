/* SPDX-License-Identifier: MIT */
/* Unit tests of the repository layer on a temp dir: init, packs and index written and read back, corruption caught, and restic 0.14 checking what we wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/repo.h"

static char dir[64], path[128];
static const struct backup_kdf_params kp = {1024, 8, 1};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hearth-repo-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/repo", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s && rm -rf %s", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A pack of three blobs and its index file; returns the pack's id. */
static void write_pack(struct backup_repo *r, uint8_t *blobs[3],
		       size_t lens[3], struct backup_pack_entry e[3],
		       uint8_t pack[32])
{
	size_t total = 0, cap = 0;
	uint8_t *file = NULL;
	for (int i = 0; i < 3; i++) {
		uint8_t *sealed;
		size_t n;
		if (i == 1) { /* the archiver's way: the id known already */
			uint8_t id[32];
			backup_sha256(blobs[i], lens[i], id);
			assert_int_equal(backup_repo_seal_blob_id(r, 0, id,
								  blobs[i], lens[i],
								  &sealed, &n,
								  &e[i]), 0);
			assert_memory_equal(e[i].id, id, 32);
		} else {
			assert_int_equal(backup_repo_seal_blob(r, i == 2, blobs[i],
							       lens[i], &sealed, &n,
							       &e[i]), 0);
		}
		e[i].offset = (uint32_t)total;
		cap = total + n;
		file = realloc(file, cap);
		memcpy(file + total, sealed, n);
		total += n;
		free(sealed);
	}
	uint8_t *trailer;
	size_t tl;
	assert_int_equal(backup_repo_pack_trailer(r, e, 3, &trailer, &tl), 0);
	file = realloc(file, total + tl);
	memcpy(file + total, trailer, tl);
	free(trailer);
	assert_int_equal(backup_repo_save_pack(r, file, total + tl, pack), 0);
	free(file);
	json_t *doc = backup_index_doc_new();
	assert_int_equal(backup_index_doc_add_pack(doc, pack, e, 3), 0);
	uint8_t idx_id[32];
	assert_int_equal(backup_repo_save_json(r, BACKUP_FILE_INDEX, doc,
					       idx_id), 0);
	json_decref(doc);
}

static void test_write_read(void **state)
{
	(void)state;
	struct backup_repo *r = NULL;
	char why[256];
	assert_int_equal(backup_repo_init(path, "pw", 2, &kp, &r, why,
					  sizeof(why)), 0);
	assert_int_equal(r->version, 2);
	/* random (incompressible), repetitive (compressed), a tree */
	size_t lens[3] = {70000, 200000, 0};
	uint8_t *blobs[3];
	blobs[0] = malloc(lens[0]);
	for (size_t i = 0; i < lens[0]; i++)
		blobs[0][i] = (uint8_t)((i * 2654435761u) >> 13);
	blobs[1] = malloc(lens[1]);
	memset(blobs[1], 'a', lens[1]);
	const char *tree = "{\"nodes\":[]}\n";
	lens[2] = strlen(tree);
	blobs[2] = (uint8_t *)strdup(tree);
	struct backup_pack_entry e[3];
	uint8_t pack[32];
	write_pack(r, blobs, lens, e, pack);
	assert_true(e[1].compressed);
	backup_repo_close(r);

	/* Reopened with the password: the index finds every blob. */
	assert_int_equal(backup_repo_open(path, "pw", &r, why, sizeof(why)), 0);
	struct backup_index *idx = NULL;
	size_t bad = 9;
	assert_int_equal(backup_repo_load_index(r, 1, &idx, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(backup_index_blobs(idx), 3);
	for (int i = 0; i < 3; i++) {
		uint8_t *out;
		size_t n;
		assert_int_equal(backup_repo_read_blob(r, idx, e[i].id, i == 2,
						       &out, &n), 0);
		assert_int_equal(n, lens[i]);
		assert_memory_equal(out, blobs[i], n);
		free(out);
	}
	struct backup_pack_entry *he;
	size_t hn;
	assert_int_equal(backup_repo_pack_header(r, pack, &he, &hn), 0);
	assert_int_equal(hn, 3);
	assert_memory_equal(he[1].id, e[1].id, 32);
	assert_int_equal(he[2].offset, e[2].offset);
	free(he);

	/* restic 0.14 reads and checks every byte of it. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "RESTIC_PASSWORD=pw restic -r %s check --read-data "
		 ">/dev/null 2>&1", path);
	assert_int_equal(system(cmd), 0);

	/* A flipped byte in the pack: the blob fails its MAC. */
	char hex[BACKUP_ID_HEX], file[256];
	backup_id_hex(pack, hex);
	snprintf(file, sizeof(file), "%s/data/%.2s/%s", path, hex, hex);
	chmod(file, 0600);
	FILE *f = fopen(file, "r+b");
	assert_non_null(f);
	fseek(f, (long)e[1].offset + 40, SEEK_SET);
	int c = fgetc(f);
	fseek(f, (long)e[1].offset + 40, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
	uint8_t *out = NULL;
	size_t n;
	assert_int_equal(backup_repo_read_blob(r, idx, e[1].id, 0, &out, &n),
			 BACKUP_ECORRUPT);
	assert_null(out);
	/* the others in the same pack are still fine */
	assert_int_equal(backup_repo_read_blob(r, idx, e[0].id, 0, &out, &n), 0);
	free(out);
	backup_index_free(idx);
	backup_repo_close(r);
	for (int i = 0; i < 3; i++)
		free(blobs[i]);
}

static void test_refusals(void **state)
{
	(void)state;
	struct backup_repo *r = NULL;
	char why[256];
	assert_int_equal(backup_repo_init(path, "pw", 2, &kp, &r, why,
					  sizeof(why)), 0);
	backup_repo_close(r);
	/* twice: refused, the first one intact */
	assert_int_equal(backup_repo_init(path, "pw", 2, &kp, &r, why,
					  sizeof(why)), -EEXIST);
	assert_int_equal(backup_repo_open(path, "nope", &r, why, sizeof(why)),
			 BACKUP_EPASSWORD);
	assert_null(r);
	assert_string_equal(why, "wrong password or no key found");
	assert_int_equal(backup_repo_open(dir, "pw", &r, why, sizeof(why)),
			 BACKUP_ENOREPO);
	char other[160];
	snprintf(other, sizeof(other), "%s/none", dir);
	assert_int_equal(backup_repo_open(other, "pw", &r, why, sizeof(why)),
			 BACKUP_ENOREPO);
	assert_int_equal(backup_repo_open(path, "pw", &r, why, sizeof(why)), 0);
	backup_repo_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
