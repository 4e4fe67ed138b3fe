/* SPDX-License-Identifier: MIT */
/* Unit tests of the backup pass: an exclusive lock refuses a backup, the backup leaves no lock, the pipeline across packs and index files, an unchanged tree stores nothing; restic 0.14 checks the results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
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

static size_t count_files(const char *sub)
{
	char p[200];
	size_t n = 0;
	struct dirent *e;
	DIR *d;

	snprintf(p, sizeof p, "%s/%s", repo_path, sub);
	if (!(d = opendir(p)))
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The pipeline across packs: 12000 small files (packs close at 5000
 * blobs, an index file at 10000) and 20 MiB of noise (16 MiB packs); a
 * second backup reads nothing and stores none of the target's trees (the
 * files and directories were read without touching their atime). */
static void test_many_blobs_then_nothing_new(void **state)
{
	(void)state;
	char sub[160], file[220];
	const char *paths[] = {sub};
	struct backup_archive_opts o = {.paths = paths, .n_paths = 1, .host = "h"};
	struct backup_archive_stats st;
	size_t errors = 0;
	uint64_t x = 88172645463325252ull;

	snprintf(sub, sizeof sub, "%s/src", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (int i = 0; i < 12000; i++) {
		snprintf(file, sizeof file, "%s/d%d", sub, i / 1000);
		if (i % 1000 == 0)
			assert_int_equal(mkdir(file, 0700), 0);
		snprintf(file, sizeof file, "%s/d%d/f%d", sub, i / 1000, i);
		FILE *f = fopen(file, "w");
		assert_non_null(f);
		fprintf(f, "small file %d\n", i);
		fclose(f);
	}
	snprintf(file, sizeof file, "%s/noise", sub);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	for (int i = 0; i < (20 << 20) / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		fwrite(&x, 8, 1, f);
	}
	fclose(f);
	assert_int_equal(backup_archive(repo, &o, &st, &errors), 0);
	assert_int_equal(errors, 0);
	assert_int_equal(st.files, 12001);
	assert_true(st.blobs_new > 12000);
	/* data: 5000 small files, 5000, the other 2000 and noise up to 16 MiB,
	 * the rest of the noise; trees: 1 */
	assert_int_equal(st.packs, 5);
	assert_int_equal(count_files("index"), 2);
	assert_int_equal(count_files("snapshots"), 1);

	assert_int_equal(backup_archive(repo, &o, &st, &errors), 0);
	assert_int_equal(st.files_unchanged, 12001);
	assert_int_equal(st.bytes_read, 0);
	/* the trees of src and its 12 directories are the same blobs; the
	 * two above it (for /tmp and the root) may change under other
	 * processes using /tmp */
	assert_true(st.blobs_known >= 13);
	assert_true(st.blobs_new <= 2);
	assert_true(st.packs <= 1);
	assert_int_equal(count_files("snapshots"), 2);
	assert_int_equal(restic_check(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backup_under_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_blobs_then_nothing_new, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
