/* SPDX-License-Identifier: MIT */
/* Unit tests of the files behind hearth backup serve: the layout, saves that never replace and check the name, listings, reads, removals. */
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

#include "backup/serve_fs.h"
#include "proto/backup/id.h"

static void parse(const char *p, struct backup_rest_path *out)
{
	const char *why;
	assert_int_equal(backup_rest_path_parse(p, out, &why), 0);
}

static void test_round_trip(void **state)
{
	(void)state;
	char root[] = "/tmp/hearth-serve-fs-XXXXXX";
	assert_non_null(mkdtemp(root));
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/lab/nas", root);
	assert_int_equal(backup_serve_fs_create(root, dir), 0);
	char p[256];
	snprintf(p, sizeof(p), "%s/data/ff", dir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(backup_serve_fs_create(root, dir), 0); /* again: fine */

	const char body[] = "a pack's bytes";
	uint8_t id[32];
	char hex[65], req[128];
	backup_sha256(body, sizeof(body), id);
	backup_id_hex(id, hex);
	struct backup_rest_path rp;
	snprintf(req, sizeof(req), "/lab/nas/data/%s", hex);
	parse(req, &rp);
	assert_int_equal(backup_serve_fs_save(dir, &rp, body, sizeof(body), 1), 0);
	assert_int_equal(backup_serve_fs_save(dir, &rp, body, sizeof(body), 1), -EEXIST);
	snprintf(p, sizeof(p), "%s/data/%.2s/%s", dir, hex, hex);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, (off_t)sizeof(body));

	/* a body that is not its name; config is not checked */
	struct backup_rest_path other, cfg;
	parse("/lab/nas/keys/0000000000000000000000000000000000000000000000000000000000000000", &other);
	assert_int_equal(backup_serve_fs_save(dir, &other, body, sizeof(body), 1), -EBADMSG);
	assert_int_equal(backup_serve_fs_save(dir, &other, body, sizeof(body), 0), 0);
	parse("/lab/nas/config", &cfg);
	assert_int_equal(backup_serve_fs_save(dir, &cfg, "cfg", 3, 1), 0);

	struct buf out;
	buf_init(&out, 0);
	assert_int_equal(backup_serve_fs_list(dir, "data", 1, &out), 0);
	char want[256];
	snprintf(want, sizeof(want), "[{\"name\":\"%s\",\"size\":%zu}]", hex, sizeof(body));
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	buf_deinit(&out);
	buf_init(&out, 0);
	assert_int_equal(backup_serve_fs_list(dir, "keys", 0, &out), 0);
	assert_memory_equal(out.data, "[\"0000", 6);
	buf_deinit(&out);

	int fd = -1;
	uint64_t size = 0;
	assert_int_equal(backup_serve_fs_open(dir, &rp, &fd, &size), 0);
	assert_int_equal(size, sizeof(body));
	close(fd);
	/* a symbolic link in place of a file is not followed */
	assert_int_equal(backup_serve_fs_remove(dir, &other), 0);
	snprintf(p, sizeof(p), "%s/keys/%s", dir, other.name);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(backup_serve_fs_open(dir, &other, &fd, &size), -ENOENT);
	unlink(p);

	assert_int_equal(backup_serve_fs_remove(dir, &rp), 0);
	assert_int_equal(backup_serve_fs_remove(dir, &rp), -ENOENT);
	assert_int_equal(backup_serve_fs_open(dir, &rp, &fd, &size), -ENOENT);
	/* no such repository */
	char nodir[128];
	snprintf(nodir, sizeof(nodir), "%s/none", root);
	assert_int_equal(backup_serve_fs_save(nodir, &cfg, "x", 1, 1), -ENOENT);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
