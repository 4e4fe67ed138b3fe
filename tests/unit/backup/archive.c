/* SPDX-License-Identifier: MIT */
/* Unit test of the backup pass and locks: an exclusive lock refuses a backup, the backup leaves no lock, restic 0.14 checks the result. */
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
#include "backup/lock.h"

static char dir[64], repo_path[128];
static struct backup_repo *repo;

static int setup(void **state)
{
	(void)state;
	const struct backup_kdf_params kp = {1024, 8, 1};
	char why[256];
	snprintf(dir, sizeof dir, "/tmp/hearth-lock-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(repo_path, sizeof repo_path, "%s/repo", dir);
	return backup_repo_init(repo_path, "pw", 2, &kp, &repo, why, sizeof why);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[160];
	backup_repo_close(repo);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int restic_check(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "printf pw > %s/pw && RESTIC_CACHE_DIR=%s/cache restic -q -r %s --password-file %s/pw check "
		 ">/dev/null 2>&1", dir, dir, repo_path, dir);
	return system(cmd);
}

static void test_backup_under_locks(void **state)
{
	(void)state;
	uint8_t lock[32];
	char why[256];

	/* an exclusive lock stops a backup; once released the backup runs */
	assert_int_equal(backup_repo_lock(repo, 1, lock, why, sizeof why), 0);
	const char *paths[] = {dir};
	struct backup_archive_opts o = {.paths = paths, .n_paths = 1, .host = "h"};
	struct backup_archive_stats st;
	size_t errors = 0;
	char sub[160];
	snprintf(sub, sizeof sub, "%s/src", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	paths[0] = sub;
	/* 3 MiB of noise: several chunks, so the sealer thread has work */
	char file[200];
	snprintf(file, sizeof file, "%s/noise", sub);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < (3 << 20) / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		fwrite(&x, 8, 1, f);
	}
	fclose(f);
	assert_int_equal(backup_archive(repo, &o, &st, &errors), -EBUSY);
	assert_int_equal(backup_repo_unlock(repo, lock), 0);
	assert_int_equal(backup_archive(repo, &o, &st, &errors), 0);
	assert_true(st.blobs_new >= 3);
	assert_int_equal(restic_check(), 0); /* and no lock is left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backup_under_locks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
