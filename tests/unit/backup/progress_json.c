/* SPDX-License-Identifier: MIT */
/* Unit tests of restic's JSON status message (backup --json): its fields in restic 0.14's order, Go's omitempty, the share and the time left, never a cut line; and where backup_summary_vpath puts a target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

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
		cmocka_unit_test(test_vpath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
