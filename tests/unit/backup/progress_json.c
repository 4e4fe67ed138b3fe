/* SPDX-License-Identifier: MIT */
/* Unit tests of restic's JSON status message (backup --json): its fields in restic 0.14's order, Go's omitempty, the share and the time left, never a cut line, at most 4 a second from the thread; and where backup_summary_vpath puts a target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup/cli_summary.h"
#include "backup/progress.h"

static void json_of(const struct backup_progress_counts *c, double secs, const char *want)
{
	char line[512];
	int n = backup_progress_format_json(line, sizeof line, c, secs);
	assert_string_equal(line, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_status(void **state)
{
	(void)state;
	/* at the start: only what restic always writes */
	struct backup_progress_counts c = {0, 0, 0, 0, 0};
	json_of(&c, 0, "{\"message_type\":\"status\",\"percent_done\":0}\n");
	/* a quarter of the bytes after 10 s: 30 s left; the share by bytes */
	c = (struct backup_progress_counts){3, 25u << 20, 48, 100u << 20, 1};
	json_of(&c, 10.4,
		"{\"message_type\":\"status\",\"seconds_elapsed\":10,\"seconds_remaining\":31,"
		"\"percent_done\":0.25,\"total_files\":48,\"files_done\":3,"
		"\"total_bytes\":104857600,\"bytes_done\":26214400,\"error_count\":1}\n");
	/* totals not known yet: no share, no time left */
	c = (struct backup_progress_counts){2, 100, 0, 0, 0};
	json_of(&c, 3, "{\"message_type\":\"status\",\"seconds_elapsed\":3,\"percent_done\":0,"
		       "\"files_done\":2,\"bytes_done\":100}\n");
	/* more than the scan guessed: 1, nothing left */
	c = (struct backup_progress_counts){5, 300, 4, 200, 0};
	json_of(&c, 2, "{\"message_type\":\"status\",\"seconds_elapsed\":2,\"percent_done\":1,"
		       "\"total_files\":4,\"files_done\":5,\"total_bytes\":200,"
		       "\"bytes_done\":300}\n");
	/* a buffer too small for the message: nothing rather than half */
	char small[40];
	assert_int_equal(backup_progress_format_json(small, sizeof small, &c, 2), 0);
	assert_string_equal(small, "");
	assert_int_equal(backup_progress_format_json(small, 0, &c, 2), 0);
}

/* The thread's messages on stdout: one at once, then one each 250 ms at
 * most, none when stopped; a warning goes to stderr without one. */
static void test_thread(void **state)
{
	(void)state;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(pfd[1], STDOUT_FILENO), STDOUT_FILENO);
	struct timespec t0, t1, nap = {0, 100 * 1000000L};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct backup_progress *p = backup_progress_start_json();
	assert_non_null(p);
	backup_progress_total(p, 10, 1000);
	for (int i = 0; i < 7; i++) {
		backup_progress_add(p, 1, 100);
		nanosleep(&nap, NULL);
	}
	backup_progress_stop(p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(pfd[1]);
	char out[8192];
	ssize_t n = read(pfd[0], out, sizeof out - 1);
	close(pfd[0]);
	assert_true(n > 0);
	out[n] = '\0';
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int lines = 0;
	for (char *q = out; (q = strchr(q, '\n')); q++)
		lines++;
	/* ~0.7 s: the first at once, then every 250 ms, never more than 4 a second */
	assert_true(lines >= 2);
	assert_true(lines <= 4 * secs + 1);
	assert_non_null(strstr(out, "{\"message_type\":\"status\""));
	assert_non_null(strstr(out, "\"total_files\":10"));
	assert_null(strchr(out, '\r'));
	assert_null(strstr(out, "\x1b["));
}

static void vpath(const char *arg, const char *want)
{
	char out[64];
	backup_summary_vpath(arg, out, sizeof out);
	assert_string_equal(out, want);
}

static void test_vpath(void **state)
{
	(void)state;
	vpath("src", "/src");
	vpath("./src/", "/src");
	vpath("a//b/./c/", "/a/b/c");
	vpath("/srv/data", "/srv/data");
	vpath("/srv//data///", "/srv/data");
	vpath("libvirt/dom/vdb", "/libvirt/dom/vdb");
	vpath(".hidden/x", "/.hidden/x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_vpath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
