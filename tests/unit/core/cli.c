/* SPDX-License-Identifier: MIT */
/* Unit tests for src/core/cli.c: human durations, aligned tables, --json taken out of argv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/cli.h"

static void test_duration(void **state)
{
	(void)state;
	char out[64];
	static const struct {
		double s;
		const char *want;
	} cases[] = {
		{0, "0 s"},	    {12.7, "12 s"},	 {60, "1 m 0 s"},
		{397, "6 m 37 s"},  {3600, "1 h 0 m"},	 {7530, "2 h 5 m"},
		{86400 * 3 + 3600 * 4 + 59, "3 d 4 h"}, {-5, "0 s"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_duration(cases[i].s, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

static void test_table(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	struct cli_table t;
	cli_table_init(&t, 3);
	cli_table_row(&t, "ZONE", "KIND", "SERIAL");
	cli_table_row(&t, "a-much-longer-name.example.", "Native", "7");
	cli_table_row(&t, "b.", NULL, "2026120101");
	cli_table_print(&t, f);
	fclose(f);
	assert_string_equal(text,
			    "ZONE                         KIND    SERIAL\n"
			    "a-much-longer-name.example.  Native  7\n"
			    "b.                           -       2026120101\n");
	free(text);
	assert_int_equal(t.rows, 0); /* emptied by print */
}

static void test_take_json(void **state)
{
	(void)state;
	char a[] = "www", b[] = "--json", c[] = "A", d[] = "--json";
	char *argv[] = {a, b, c, d};
	int argc = 4;
	assert_true(cli_take_json(&argc, argv));
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0], "www");
	assert_string_equal(argv[1], "A");
	assert_false(cli_take_json(&argc, argv));
	assert_int_equal(argc, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_take_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
