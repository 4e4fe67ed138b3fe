/* SPDX-License-Identifier: MIT */
/* Unit tests of the backup status line: restic's byte and duration formats, the percentage, the ETA, and no line off a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "backup/progress.h"

static void line_of(const struct backup_progress_counts *c, const char *noun, double secs,
		    const char *want)
{
	char line[512];
	int n = backup_progress_format(line, sizeof line, noun, c, secs);
	assert_string_equal(line, want);
	assert_int_equal(n, (int)strlen(want));
}

static void test_bytes(void **state)
{
	(void)state;
	char b[32];
	backup_progress_bytes(0, b, sizeof b);
	assert_string_equal(b, "0 B");
	backup_progress_bytes(1023, b, sizeof b);
	assert_string_equal(b, "1023 B");
	backup_progress_bytes(1536, b, sizeof b);
	assert_string_equal(b, "1.500 KiB");
	backup_progress_bytes(24u << 20, b, sizeof b);
	assert_string_equal(b, "24.000 MiB");
	backup_progress_bytes(5ull << 40, b, sizeof b);
	assert_string_equal(b, "5.000 TiB");
}

static void test_lines(void **state)
{
	(void)state;
	/* nothing known yet: no share, no ETA */
	struct backup_progress_counts c = {0, 0, 0, 0, 0};
	line_of(&c, "files", 0, "[0:00] 0 files 0 B, 0 errors, 0 B/s");
	/* a quarter of the bytes in 10 s: 30 s to go, by bytes not items */
	c = (struct backup_progress_counts){3, 25u << 20, 48, 100u << 20, 1};
	line_of(&c, "files", 10,
		"[0:10] 25.00%  3 files 25.000 MiB, total 48 files 100.000 MiB, 1 errors, "
		"2.500 MiB/s ETA 0:30");
	/* items only (check's packs): the share by items; hours */
	c = (struct backup_progress_counts){1, 4u << 20, 4, 0, 0};
	line_of(&c, "packs", 3700,
		"[1:01:40] 25.00%  1 packs 4.000 MiB, total 4 packs, 0 errors, 1.106 KiB/s "
		"ETA 3:05:00");
	/* done (or more than a scan guessed): 100 %, no ETA */
	c = (struct backup_progress_counts){5, 300, 4, 200, 0};
	line_of(&c, "files", 2, "[0:02] 100.00%  5 files 300 B, total 4 files 200 B, 0 errors, 150 B/s");
	/* under half a second there is no ETA to trust yet */
	c = (struct backup_progress_counts){1, 10, 2, 100, 0};
	line_of(&c, "blobs", 0.2, "[0:00] 10.00%  1 blobs 10 B, total 2 blobs 100 B, 0 errors, 50 B/s");
	/* cut to the buffer */
	char small[16];
	c = (struct backup_progress_counts){1, 10, 2, 100, 0};
	assert_int_equal(backup_progress_format(small, sizeof small, "files", &c, 1), 15);
	assert_string_equal(small, "[0:01] 10.00%  ");
}

static void test_off(void **state)
{
	(void)state;
	/* --json/--quiet, or no terminal (the test's stdout is not one):
	 * no status line, and every call takes the NULL */
	struct backup_progress *p = backup_progress_start("files", true);
	assert_null(p);
	backup_progress_total(p, 1, 1);
	backup_progress_add_total(p, 1, 1);
	backup_progress_add(p, 1, 1);
	backup_progress_error(p);
	backup_progress_stop(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
