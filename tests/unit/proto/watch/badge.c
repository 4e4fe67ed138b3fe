/* SPDX-License-Identifier: MIT */
/* Unit tests of the SVG badge builder: text widths, escaping, colours, Kuma's number format and the styles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/badge.h"

static char *svg_of(const struct watch_badge *b)
{
	struct buf o;
	buf_init(&o, 1 << 16);
	assert_int_equal(watch_badge_svg(&o, b), 0);
	buf_append(&o, "", 1);
	return buf_steal(&o, NULL);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_width(void **state)
{
	(void)state;
	/* Verdana 11 px: 'a' is 1226/2048 em. */
	assert_true(fabs(watch_badge_text_width("a", 0) - 1226 * 11.0 / 2048) <
		    1e-9);
	assert_true(watch_badge_text_width("", 0) == 0);
	assert_true(watch_badge_text_width(NULL, 0) == 0);
	assert_true(watch_badge_text_width("iii", 0) <
		    watch_badge_text_width("mmm", 0));
	assert_true(watch_badge_text_width("Uptime (24h)", 0) > 60 &&
		    watch_badge_text_width("Uptime (24h)", 0) < 80);
	/* A multi-byte character counts once, an emoji an em. */
	assert_true(fabs(watch_badge_text_width("\xc3\xa9", 0) -
			 watch_badge_text_width("0", 0)) < 1e-9);
	assert_true(fabs(watch_badge_text_width("\xf0\x9f\x94\xb4", 0) - 11) <
		    1e-9);
	assert_true(watch_badge_text_width("UP", 1) >
		    watch_badge_text_width("UP", 0));
}

static void test_escaping(void **state)
{
	(void)state;
	char *s = svg_of(&(struct watch_badge){
		.label = "<a href='x'>&", .message = "\"q\"\x01\x7f\xff\xc3\xa9"});
	assert_null(strstr(s, "<a "));
	assert_non_null(strstr(s, "&lt;a href=&#39;x&#39;&gt;&amp;"));
	/* Controls and a stray byte become '?'; é stays. */
	assert_non_null(strstr(s, "&quot;q&quot;?" "?" "?\xc3\xa9"));
	assert_null(strchr(s, '\x01'));
	/* An overlong '/' and a surrogate are refused too. */
	char *t = svg_of(&(struct watch_badge){.label = "x",
					       .message = "\xc0\xaf\xed\xa0\x80"});
	assert_non_null(strstr(t, ">?" "?" "?" "?" "?</text>"));
	free(s);
	free(t);
}

static void test_colors(void **state)
{
	(void)state;
	char c[16];
	assert_string_equal(watch_badge_color("brightgreen", c, sizeof(c)), "#4c1");
	assert_string_equal(watch_badge_color("Critical", c, sizeof(c)), "#e05d44");
	assert_string_equal(watch_badge_color("ff0000", c, sizeof(c)), "#ff0000");
	assert_string_equal(watch_badge_color("#abc", c, sizeof(c)), "#abc");
	assert_null(watch_badge_color("#abcde", c, sizeof(c)));
	assert_null(watch_badge_color("red\"/><script>", c, sizeof(c)));
	assert_null(watch_badge_color("", c, sizeof(c)));
	assert_null(watch_badge_color(NULL, c, sizeof(c)));
	/* Kuma's percentageToColor: its ends are its up and down colours. */
	assert_string_equal(watch_badge_uptime_color(1, c, sizeof(c)),
			    WATCH_BADGE_UP);
	assert_string_equal(watch_badge_uptime_color(0, c, sizeof(c)),
			    WATCH_BADGE_DOWN);
	assert_string_equal(watch_badge_uptime_color(2, c, sizeof(c)),
			    WATCH_BADGE_UP);
	assert_string_equal(watch_badge_uptime_color(0.5, c, sizeof(c)),
			    "#c2a30a");
}

static void test_precision(void **state)
{
	(void)state;
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{99.874, "99.87"}, {100, "100.0"}, {5.5, "5.500"}, {0, "0.000"},
		{99.996, "100.0"}, {12346, "1.235e+4"}, {0.1234, "0.1234"},
		{42, "42.00"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[32];
		watch_badge_precision(cases[i].v, 4, out, sizeof(out));
		assert_string_equal(out, cases[i].s);
	}
}

static void test_styles(void **state)
{
	(void)state;
	char *s = svg_of(&(struct watch_badge){.label = "Status",
					       .message = "Up",
					       .color = WATCH_BADGE_UP});
	assert_true(strncmp(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	assert_non_null(strstr(s, "fill=\"#66c20a\""));
	assert_non_null(strstr(s, "fill=\"#555\""));
	assert_non_null(strstr(s, "<title>Status: Up</title>"));
	assert_int_equal(count(s, ">Status</text>"), 1);
	assert_int_equal(count(s, "<text"), 2);
	assert_non_null(strstr(s, "height=\"20\""));
	assert_non_null(strstr(s, "rx=\"3\""));
	/* Width: both sides' text plus 10 px each. */
	int lw = (int)lround(watch_badge_text_width("Status", 0)) + 10;
	int mw = (int)lround(watch_badge_text_width("Up", 0)) + 10;
	char want[64];
	snprintf(want, sizeof(want), "width=\"%d\" height=\"20\" role", lw + mw);
	assert_non_null(strstr(s, want));
	free(s);

	/* No label: the message alone. */
	s = svg_of(&(struct watch_badge){.message = "N/A",
					 .color = WATCH_BADGE_NA});
	assert_null(strstr(s, "fill=\"#555\""));
	assert_non_null(strstr(s, "<title>N/A</title>"));
	assert_int_equal(count(s, "<text"), 1);
	free(s);

	s = svg_of(&(struct watch_badge){.label = "up", .message = "ok",
					 .style = "flat-square"});
	assert_non_null(strstr(s, "rx=\"0\""));
	assert_null(strstr(s, "linearGradient"));
	free(s);

	s = svg_of(&(struct watch_badge){.label = "up", .message = "ok",
					 .style = "for-the-badge"});
	assert_non_null(strstr(s, ">UP</text>"));
	assert_non_null(strstr(s, ">OK</text>"));
	assert_non_null(strstr(s, "height=\"28\""));
	free(s);

	s = svg_of(&(struct watch_badge){.label = "up", .message = "ok",
					 .style = "plastic"});
	assert_non_null(strstr(s, "height=\"18\""));
	free(s);

	s = svg_of(&(struct watch_badge){.label = "up", .message = "ok",
					 .style = "social"});
	assert_non_null(strstr(s, "font-weight=\"700\">up</text>"));
	free(s);

	/* Dark text on a light colour (Kuma's warn yellow). */
	s = svg_of(&(struct watch_badge){.label = "Cert Exp.", .message = "10 days",
					 .color = WATCH_BADGE_WARN});
	assert_non_null(strstr(s, "fill=\"#333\">10 days</text>"));
	assert_non_null(strstr(s, "fill=\"#fff\">Cert Exp.</text>"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_colors),
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_styles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
