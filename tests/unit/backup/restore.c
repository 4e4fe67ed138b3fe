/* SPDX-License-Identifier: MIT */
/* Unit tests of restore against a hostile repository (trees naming "..", "a/b" and a symlink then a directory alike write nothing outside the target) and of the read paths' worker threads (restore, check --read-data) on damaged packs. */
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

#include "backup/archive.h"
#include "backup/check.h"
#include "backup/repo.h"
#include "proto/backup/packer.h"
#include "proto/backup/snapshot.h"
#include "proto/backup/tree.h"

static char dir[64];

static int seal_cb(void *ud, const uint8_t *plain, size_t n, struct buf *out)
{
	struct backup_repo *r = ud;
	uint8_t *t = malloc(n + BACKUP_CRYPTO_OVERHEAD);
	int rc = t ? backup_seal(&r->master, plain, n, t) : -ENOMEM;
	if (!rc)
		rc = buf_append(out, t, n + BACKUP_CRYPTO_OVERHEAD);
	free(t);
	return rc;
}

/* One pack holding the given blobs of one type, added to the index doc. */
static void put_pack_id(struct backup_repo *r, json_t *doc, int type, const char **blobs, size_t n,
			struct bk_id *ids, uint8_t pid[32], struct backup_pack_entry *e)
{
	struct bk_packer p;

	bk_packer_init(&p, (enum bk_blob_type)type, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t *sealed;
		size_t len;
		assert_int_equal(backup_repo_seal_blob(r, type, blobs[i], strlen(blobs[i]), &sealed, &len, &e[i]), 0);
		memcpy(ids[i].b, e[i].id, 32);
		assert_int_equal(bk_packer_add(&p, &ids[i], sealed, len, e[i].uncompressed_length), 0);
		free(sealed);
	}
	assert_int_equal(bk_packer_finish(&p, seal_cb, r), 0);
	assert_int_equal(backup_repo_save_pack(r, (uint8_t *)p.data.data, p.data.len, pid), 0);
	for (size_t i = 0; i < n; i++)
		e[i].offset = p.entries[i].offset;
	assert_int_equal(backup_index_doc_add_pack(doc, pid, e, n), 0);
	bk_packer_deinit(&p);
}

static void put_pack(struct backup_repo *r, json_t *doc, int type, const char **blobs, size_t n,
		     struct bk_id *ids)
{
	uint8_t pid[32];
	struct backup_pack_entry e[8];
	put_pack_id(r, doc, type, blobs, n, ids, pid, e);
}

/* A tree's JSON from nodes in the order given (duplicates allowed: hostile). */
static char *tree_json(struct bk_node *nodes, size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "{\"nodes\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(&b, ",");
		assert_int_equal(bk_node_encode(&b, &nodes[i]), 0);
	}
	buf_puts(&b, "]}\n");
	return buf_steal(&b, NULL);
}

static void node(struct bk_node *n, const char *name, enum bk_node_type type)
{
	memset(n, 0, sizeof *n);
	n->name = (char *)name;
	n->name_len = strlen(name);
	n->type = type;
	n->mode = type == BK_NODE_DIR ? (BK_GOMODE_DIR | 0755) : 0644;
	n->mtime.sec = n->atime.sec = n->ctime.sec = 1700000000;
}

static void test_hostile_tree_stays_in_target(void **state)
{
	(void)state;
	struct backup_repo *r;
	char repo[128], target[128], outside[128], probe[256], why[256];
	struct bk_id data[2], inner[1], root[1];
	struct backup_restore_stats st;
	size_t errors = 0;

	snprintf(dir, sizeof dir, "/tmp/hearth-restore-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(repo, sizeof repo, "%s/repo", dir);
	snprintf(target, sizeof target, "%s/target", dir);
	snprintf(outside, sizeof outside, "%s/outside", dir);
	assert_int_equal(mkdir(outside, 0700), 0);
	const struct backup_kdf_params kp = {1024, 8, 1};
	assert_int_equal(backup_repo_init(repo, "pw", 2, &kp, &r, why, sizeof why), 0);
	json_t *doc = backup_index_doc_new();

	const char *contents[2] = {"evil\n", "fine\n"};
	put_pack(r, doc, BACKUP_BLOB_DATA, contents, 2, data);

	/* inner: one file "pwned" */
	struct bk_node in[1];
	node(&in[0], "pwned", BK_NODE_FILE);
	in[0].content = &data[0];
	in[0].n_content = 1;
	in[0].size = 5;
	char *inner_json = tree_json(in, 1);

	/* the first pack must exist before the inner tree's id is known: trees go in their own */
	const char *t1[1] = {inner_json};
	put_pack(r, doc, BACKUP_BLOB_TREE, t1, 1, inner);

	struct bk_node rn[6];
	node(&rn[0], "..", BK_NODE_DIR);
	rn[0].has_subtree = true, rn[0].subtree = inner[0];
	node(&rn[1], "a/b", BK_NODE_FILE);
	rn[1].content = &data[0], rn[1].n_content = 1;
	node(&rn[2], "link", BK_NODE_SYMLINK);
	rn[2].linktarget = outside, rn[2].linktarget_len = strlen(outside);
	node(&rn[3], "ok", BK_NODE_FILE);
	rn[3].content = &data[1], rn[3].n_content = 1;
	node(&rn[4], "link", BK_NODE_DIR); /* the same name again (not adjacent), now a directory */
	rn[4].has_subtree = true, rn[4].subtree = inner[0];
	node(&rn[5], "zdir", BK_NODE_DIR);
	rn[5].has_subtree = true, rn[5].subtree = inner[0];
	char *root_json = tree_json(rn, 6);
	const char *t0[1] = {root_json};
	put_pack(r, doc, BACKUP_BLOB_TREE, t0, 1, root);
	assert_int_equal(backup_repo_save_json(r, BACKUP_FILE_INDEX, doc, (uint8_t[32]){0}), 0);
	json_decref(doc);

	struct bk_snapshot s = {0};
	struct buf b;
	s.tree = root[0];
	s.time.sec = 1700000000;
	assert_int_equal(bk_strv_push(&s.paths, "/x"), 0);
	buf_init(&b, 0);
	assert_int_equal(bk_snapshot_encode(&b, &s), 0);
	json_t *sj = json_loads(b.data, 0, NULL);
	uint8_t sid[32];
	assert_int_equal(backup_repo_save_json(r, BACKUP_FILE_SNAPSHOT, sj, sid), 0);
	json_decref(sj);
	buf_deinit(&b);
	bk_strv_deinit(&s.paths);

	assert_int_equal(backup_restore(r, sid, target, &st, &errors), 0);
	assert_true(errors >= 3); /* "..", "a/b", the second "link" */
	/* nothing escaped: not through "..", not through the symlink */
	snprintf(probe, sizeof probe, "%s/pwned", dir);
	assert_int_equal(access(probe, F_OK), -1);
	snprintf(probe, sizeof probe, "%s/pwned", outside);
	assert_int_equal(access(probe, F_OK), -1);
	/* what is fine is restored */
	struct stat sb;
	snprintf(probe, sizeof probe, "%s/link", target);
	assert_int_equal(lstat(probe, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	snprintf(probe, sizeof probe, "%s/ok", target);
	FILE *f = fopen(probe, "r");
	char got[16] = "";
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof got, f));
	fclose(f);
	assert_string_equal(got, "fine\n");
	snprintf(probe, sizeof probe, "%s/zdir/pwned", target);
	assert_int_equal(access(probe, F_OK), 0);

	free(inner_json);
	free(root_json);
	backup_repo_close(r);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Flips the byte at @off of pack @pid (from the end when @off < 0). */
static void flip(const char *repo, const uint8_t pid[32], long off)
{
	char hex[BACKUP_ID_HEX], path[256];
	backup_id_hex(pid, hex);
	snprintf(path, sizeof path, "%s/data/%.2s/%s", repo, hex, hex);
	chmod(path, 0600);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET), 0);
	fputc(c ^ 0x10, f);
	fclose(f);
}

static void count_line(const char *line, void *ud)
{
	(void)line;
	(*(size_t *)ud)++;
}

static char *blob_text(char c, size_t n)
{
	char *t = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		t[i] = (char)(c + (char)(i % 7 == 0)); /* compressible */
	t[n] = 0;
	return t;
}

/* The read paths' worker threads: restore writes every file's blobs at
 * their offsets, a damaged blob costs only its file, a damaged pack
 * header nothing (restore goes through the index); check --read-data
 * names both damaged packs and the blobs they hit. */
static void test_threaded_restore_and_check(void **state)
{
	(void)state;
	struct backup_repo *r;
	char repo[128], target[128], probe[256], why[256];
	struct bk_id a[3], b[2], c[1], root[1];
	uint8_t pa[32], pb[32], pc[32];
	struct backup_pack_entry ea[8], eb[8], ec[8];

	snprintf(dir, sizeof dir, "/tmp/hearth-restore-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(repo, sizeof repo, "%s/repo", dir);
	snprintf(target, sizeof target, "%s/target", dir);
	const struct backup_kdf_params kp = {1024, 8, 1};
	assert_int_equal(backup_repo_init(repo, "pw", 2, &kp, &r, why, sizeof why), 0);
	json_t *doc = backup_index_doc_new();
	char *ta[3] = {blob_text('a', 70000), blob_text('d', 5000), blob_text('g', 300000)};
	char *tb[2] = {blob_text('j', 9000), blob_text('m', 40000)};
	char *tc[1] = {blob_text('p', 20000)};
	put_pack_id(r, doc, BACKUP_BLOB_DATA, (const char **)ta, 3, a, pa, ea);
	put_pack_id(r, doc, BACKUP_BLOB_DATA, (const char **)tb, 2, b, pb, eb);
	put_pack_id(r, doc, BACKUP_BLOB_DATA, (const char **)tc, 1, c, pc, ec);

	struct bk_id xs[3] = {a[0], a[1], b[0]};
	struct bk_node rn[4];
	node(&rn[0], "w", BK_NODE_FILE);
	rn[0].content = c, rn[0].n_content = 1;
	node(&rn[1], "x", BK_NODE_FILE);
	rn[1].content = xs, rn[1].n_content = 3;
	node(&rn[2], "y", BK_NODE_FILE);
	rn[2].content = &a[2], rn[2].n_content = 1;
	node(&rn[3], "z", BK_NODE_FILE);
	rn[3].content = &b[1], rn[3].n_content = 1;
	char *root_json = tree_json(rn, 4);
	const char *t0[1] = {root_json};
	put_pack(r, doc, BACKUP_BLOB_TREE, t0, 1, root);
	assert_int_equal(backup_repo_save_json(r, BACKUP_FILE_INDEX, doc, (uint8_t[32]){0}), 0);
	json_decref(doc);
	struct bk_snapshot s = {0};
	struct buf bf;
	s.tree = root[0];
	s.time.sec = 1700000000;
	assert_int_equal(bk_strv_push(&s.paths, "/x"), 0);
	buf_init(&bf, 0);
	assert_int_equal(bk_snapshot_encode(&bf, &s), 0);
	json_t *sj = json_loads(bf.data, 0, NULL);
	uint8_t sid[32];
	assert_int_equal(backup_repo_save_json(r, BACKUP_FILE_SNAPSHOT, sj, sid), 0);
	json_decref(sj);
	buf_deinit(&bf);
	bk_strv_deinit(&s.paths);

	flip(repo, pb, (long)eb[1].offset + (long)eb[1].length / 2); /* z's blob */
	flip(repo, pc, -10);					   /* pack C's header */

	struct backup_restore_stats st;
	size_t errors = 0;
	assert_int_equal(backup_restore(r, sid, target, &st, &errors), 0);
	assert_int_equal(errors, 1);
	assert_int_equal(st.files, 4);
	snprintf(probe, sizeof probe, "%s/z", target);
	assert_int_equal(access(probe, F_OK), -1); /* no file with wrong contents */
	const char *want[3] = {"w", "x", "y"};
	for (int i = 0; i < 3; i++) {
		size_t len = 0;
		char *all = NULL;
		if (i == 0)
			all = strdup(tc[0]);
		else if (i == 1) {
			all = malloc(70000 + 5000 + 9000 + 1);
			strcpy(all, ta[0]);
			strcat(all, ta[1]);
			strcat(all, tb[0]);
		} else
			all = strdup(ta[2]);
		len = strlen(all);
		snprintf(probe, sizeof probe, "%s/%s", target, want[i]);
		FILE *f = fopen(probe, "rb");
		assert_non_null(f);
		char *got = malloc(len + 2);
		assert_int_equal(fread(got, 1, len + 1, f), len);
		fclose(f);
		assert_memory_equal(got, all, len);
		free(got);
		free(all);
	}

	struct backup_index *idx = NULL;
	assert_int_equal(backup_repo_load_index(r, 1, &idx, NULL), 0);
	struct backup_check_read rd = {.mode = 1, .damaged = backup_idset_new()};
	struct backup_check_result res;
	size_t lines = 0;
	assert_int_equal(backup_repo_check_packs(r, idx, &rd, count_line, &lines, &res), 0);
	assert_int_equal(res.packs, 4);
	assert_int_equal(res.packs_read, 4);
	assert_int_equal(res.blobs, 3 + 2 + 1); /* A, B and the tree; not C (its header is gone) */
	assert_true(res.errors >= 5); /* b[1]; B's hash; C's header, its blob, its hash */
	assert_int_equal(lines, res.errors);
	assert_true(backup_idset_has(rd.damaged, b[1].b));
	assert_true(backup_idset_has(rd.damaged, c[0].b));
	assert_false(backup_idset_has(rd.damaged, b[0].b));
	assert_int_equal(backup_idset_count(rd.damaged), 2);
	backup_idset_free(rd.damaged);
	backup_index_free(idx);

	for (int i = 0; i < 3; i++)
		free(ta[i]);
	free(tb[0]), free(tb[1]), free(tc[0]);
	free(root_json);
	backup_repo_close(r);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_tree_stays_in_target),
		cmocka_unit_test(test_threaded_restore_and_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
