/* SPDX-License-Identifier: MIT */
/* Unit tests of base/log: level names and the threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>

#include "base/log.h"

static void test_log_level(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = {
		{"error", LOG_ERROR},
		{"warn", LOG_WARN},
		{"info", LOG_INFO},
		{"debug", LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		enum log_level l = (enum log_level)99;
		assert_int_equal(log_level_parse(levels[i].name, &l), 0);
		assert_int_equal(l, levels[i].level);
		assert_string_equal(log_level_name(levels[i].level),
				    levels[i].name);
	}
	static const char *const bad[] = {"", "INFO", "warning", "inf",
					  "debug ", "trace"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum log_level l = LOG_WARN;
		assert_int_equal(log_level_parse(bad[i], &l), -EINVAL);
		assert_int_equal(l, LOG_WARN); /* untouched on failure */
	}
	assert_string_equal(log_level_name((enum log_level)17), "?");

	enum log_level saved = log_threshold;
	log_set_level(LOG_DEBUG);
	assert_int_equal(log_threshold, LOG_DEBUG);
	log_set_level(saved);
	assert_int_equal(log_threshold, saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
