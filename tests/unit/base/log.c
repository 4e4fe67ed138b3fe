/* SPDX-License-Identifier: MIT */
/* Unit tests of base/log: level names, the threshold and the ring of recent warnings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Runs @fn with stderr sent to /dev/null: the lines are the point, not
 * their echo. */
static void quietly(void (*fn)(void *), void *ud)
{
	int saved = dup(STDERR_FILENO);
	int null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDERR_FILENO);
	fn(ud);
	dup2(saved, STDERR_FILENO);
	close(null);
	close(saved);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_some(void *ud)
{
	(void)ud;
	log_warn("dns", "first %d", 1);
	log_info("core", "not kept");
	log_debug("core", "below the threshold");
	log_error("dhcp", "second <b>");
}

static void write_many(void *ud)
{
	int n = *(int *)ud;
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_warn("core", "long %s", big);
	for (int i = 0; i < n; i++)
		log_warn("core", "line %d", i);
}

/* "core: " and then a 2-byte character at LOG_RECENT_TEXT - 2. */
static void write_utf8(void *ud)
{
	(void)ud;
	char msg[LOG_RECENT_TEXT + 16];
	size_t n = LOG_RECENT_TEXT - 2 - 6;
	memset(msg, 'u', n);
	memcpy(msg + n, "\xc3\xa9tail", 7);
	log_warn("core", "%s", msg);
}

static void test_recent_keeps_warnings_newest_first(void **state)
{
	(void)state;
	struct log_recent got[LOG_RECENT_MAX + 4];
	uint64_t before, after;
	log_recent_copy(got, 0, &before);
	int64_t t0 = now_ms();
	quietly(write_some, NULL);
	size_t n = log_recent_copy(got, 2, &after);
	assert_int_equal(after, before + 2); /* info and debug are not kept */
	assert_int_equal(n, 2);
	assert_int_equal(got[0].level, LOG_ERROR);
	assert_string_equal(got[0].text, "dhcp: second <b>");
	assert_int_equal(got[1].level, LOG_WARN);
	assert_string_equal(got[1].text, "dns: first 1");
	assert_true(got[1].unix_ms >= t0 - 1000 && got[0].unix_ms <= now_ms());
	assert_true(got[1].unix_ms <= got[0].unix_ms);
	assert_int_equal(log_recent_copy(got, 1, NULL), 1);

	/* Past LOG_RECENT_MAX lines the oldest go; a long line is cut. */
	int many = LOG_RECENT_MAX + 8;
	quietly(write_many, &many);
	n = log_recent_copy(got, sizeof(got) / sizeof(got[0]), &after);
	assert_int_equal(n, LOG_RECENT_MAX);
	assert_int_equal(after, before + 2 + 1 + (uint64_t)many);
	for (size_t i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof(want), "core: line %d", many - 1 - (int)i);
		assert_string_equal(got[i].text, want);
	}
	int one = 0;
	quietly(write_many, &one);
	log_recent_copy(got, 1, NULL);
	assert_int_equal(strlen(got[0].text), LOG_RECENT_TEXT - 1);
	assert_memory_equal(got[0].text, "core: long xxx", 14);
	quietly(write_utf8, NULL);
	log_recent_copy(got, 1, NULL);
	/* "é" would straddle the cut at LOG_RECENT_TEXT - 1: it goes whole. */
	assert_int_equal(strlen(got[0].text), LOG_RECENT_TEXT - 2);
	assert_int_equal(got[0].text[LOG_RECENT_TEXT - 3], 'u');
}

static void *writer(void *ud)
{
	int n = *(int *)ud;
	for (int i = 0; i < n; i++)
		log_error("t", "from a thread %d", i);
	return NULL;
}

static void *reader(void *ud)
{
	int n = *(int *)ud;
	struct log_recent got[LOG_RECENT_MAX];
	for (int i = 0; i < n; i++) {
		size_t k = log_recent_copy(got, LOG_RECENT_MAX, NULL);
		for (size_t j = 0; j < k; j++)
			if (got[j].text[0] == '\0' ||
			    strlen(got[j].text) >= LOG_RECENT_TEXT)
				return (void *)1;
	}
	return NULL;
}

static void threads(void *ud)
{
	int n = *(int *)ud;
	pthread_t w[4], r;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&w[i], NULL, writer, &n), 0);
	assert_int_equal(pthread_create(&r, NULL, reader, &n), 0);
	void *bad = NULL;
	for (int i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	pthread_join(r, &bad);
	assert_null(bad);
}

/* Writers on four threads and a reader: every line counted, every kept
 * one whole (ThreadSanitizer and ASan builds check the rest). */
static void test_recent_threads(void **state)
{
	(void)state;
	uint64_t before, after;
	log_recent_copy(NULL, 0, &before);
	int n = 500;
	quietly(threads, &n);
	struct log_recent got[LOG_RECENT_MAX];
	size_t k = log_recent_copy(got, LOG_RECENT_MAX, &after);
	assert_int_equal(after, before + 4 * (uint64_t)n);
	assert_int_equal(k, LOG_RECENT_MAX);
	for (size_t i = 0; i < k; i++)
		assert_memory_equal(got[i].text, "t: from a thread ", 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_recent_keeps_warnings_newest_first),
		cmocka_unit_test(test_recent_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
