/* SPDX-License-Identifier: MIT */
/* Unit test of restore against a hostile repository: trees naming "..", "a/b" and a symlink then a directory alike write nothing outside the target. */
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
static void put_pack(struct backup_repo *r, json_t *doc, int type, const char **blobs, size_t n,
		     struct bk_id *ids)
{
	struct bk_packer p;
	struct backup_pack_entry e[8];
	uint8_t pid[32];

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_tree_stays_in_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
