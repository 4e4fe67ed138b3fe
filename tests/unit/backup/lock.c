/* SPDX-License-Identifier: MIT */
/* Unit tests of restic locks: exclusive vs shared, stale ones (a dead PID) ignored and removed, and restic 0.14 honouring our lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup/lock.h"

static char dir[64], path[128];
static const struct backup_kdf_params kp = {1024, 8, 1};

static int restic_check(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "RESTIC_PASSWORD=pw RESTIC_CACHE_DIR=%s/cache restic -r %s "
		 "check >/dev/null 2>&1", dir, path);
	return system(cmd);
}

static void test_locks(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hearth-lock-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/repo", dir);
	struct backup_repo *r = NULL;
	char why[256];
	assert_int_equal(backup_repo_init(path, "pw", 2, &kp, &r, why,
					  sizeof(why)), 0);
	uint8_t ex[32], a[32], b[32];
	assert_int_equal(backup_repo_lock(r, 1, ex, why, sizeof(why)), 0);
	assert_int_equal(backup_repo_lock(r, 0, a, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "an exclusive lock"));
	/* restic 0.14 reads our lock and refuses to check meanwhile. */
	assert_int_not_equal(restic_check(), 0);
	assert_int_equal(backup_repo_lock_refresh(r, 1, ex), 0);
	assert_int_equal(backup_repo_lock(r, 1, a, why, sizeof(why)), -EBUSY);
	assert_int_equal(backup_repo_unlock(r, ex), 0);
	assert_int_equal(restic_check(), 0);
	/* Shared locks live together; they keep an exclusive one out. */
	assert_int_equal(backup_repo_lock(r, 0, a, why, sizeof(why)), 0);
	assert_int_equal(backup_repo_lock(r, 0, b, why, sizeof(why)), 0);
	assert_int_equal(backup_repo_lock(r, 1, ex, why, sizeof(why)), -EBUSY);
	size_t removed = 9;
	assert_int_equal(backup_repo_remove_locks(r, 0, &removed), 0);
	assert_int_equal(removed, 0); /* ours are alive */
	assert_int_equal(backup_repo_remove_locks(r, 1, &removed), 0);
	assert_int_equal(removed, 2);
	/* A lock of a process that is gone is stale at once. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	json_t *j = json_pack("{s:s,s:b,s:s,s:s,s:i,s:i,s:i}", "time",
			      "2099-01-01T00:00:00Z", "exclusive", 1,
			      "hostname", host, "username", "x", "pid",
			      (int)child, "uid", 0, "gid", 0);
	uint8_t dead[32];
	assert_int_equal(backup_repo_save_json(r, BACKUP_FILE_LOCK, j, dead), 0);
	json_decref(j);
	assert_int_equal(backup_repo_lock(r, 1, ex, why, sizeof(why)), 0);
	assert_int_equal(backup_repo_unlock(r, ex), 0);
	assert_int_equal(backup_repo_remove_locks(r, 0, &removed), 0);
	assert_int_equal(removed, 1);
	backup_repo_close(r);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s && rm -rf %s", dir, dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
