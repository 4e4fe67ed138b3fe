/* SPDX-License-Identifier: MIT */
/* Unit tests of base/roff: escaping text for the generated man pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "base/roff.h"

/* What roff_text writes for @in (static buffer). */
static const char *escaped(const char *in)
{
	static char out[512];
	out[0] = '\0'; /* fmemopen writes no NUL when nothing is written */
	FILE *f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	roff_text(f, in);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void test_plain_text_passes(void **state)
{
	(void)state;
	assert_string_equal(escaped("the lab's YAML config"),
			    "the lab's YAML config");
	assert_string_equal(escaped(""), "");
}

static void test_roff_specials_are_escaped(void **state)
{
	(void)state;
	/* Hyphens (option names stay ASCII in copy-paste), backslashes. */
	assert_string_equal(escaped("--check a\\b"), "\\-\\-check a\\eb");
	/* A leading control character would start a request. */
	assert_string_equal(escaped(".TH x"), "\\&.TH x");
	assert_string_equal(escaped("'br"), "\\&'br");
	/* Mid-line dots are text; newlines and tabs join into one line. */
	assert_string_equal(escaped("a.b\nc\td"), "a.b c d");
}

static void test_utf8_becomes_named_glyphs(void **state)
{
	(void)state;
	assert_string_equal(escaped("1–5"), "1\\[u2013]5");
	assert_string_equal(escaped("map → x"), "map \\[u2192] x");
	assert_string_equal(escaped("\xf0\x9f\x99\x82"), "\\[u1F642]");
	/* A truncated sequence or a stray byte is not passed through raw. */
	assert_string_equal(escaped("a\xe2\x80"), "a?");
	assert_string_equal(escaped("a\x80z\x01"), "a?z?");
}

static void test_header(void **state)
{
	(void)state;
	char out[256];
	FILE *f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	roff_header(f, "hearth.yaml", "5", "the config-file");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, ".TH \"HEARTH.YAML\" \"5\" \"\" \"hearth "
				 HEARTH_VERSION "\" \"hearth\"\n.SH NAME\n"
				 "hearth.yaml \\- the config\\-file\n.ad l\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes),
		cmocka_unit_test(test_roff_specials_are_escaped),
		cmocka_unit_test(test_utf8_becomes_named_glyphs),
		cmocka_unit_test(test_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
