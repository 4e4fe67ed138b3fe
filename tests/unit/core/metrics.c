/* SPDX-License-Identifier: MIT */
/* Unit tests of the Prometheus text writers and the collector registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "core/metrics.h"

static void collect_a(struct buf *out, void *ud)
{
	int *calls = ud;
	(*calls)++;
	metrics_family(out, "a_total", "counter", "things of kind a");
	metrics_sample(out, "a_total", 3, 0);
}

static void collect_b(struct buf *out, void *ud)
{
	int *calls = ud;
	(*calls)++;
	metrics_family(out, "b_bytes", "gauge", "bytes of b");
	metrics_sample(out, "b_bytes", 1024, 1, "room", "dns");
}

static void test_registry(void **state)
{
	(void)state;
	struct metrics *m = NULL;
	struct buf out;
	int a = 0, b = 0;

	assert_int_equal(metrics_new(&m), 0);
	assert_non_null(m);

	/* Nothing registered: empty output. */
	buf_init(&out, 0);
	assert_int_equal(metrics_render(m, &out), 0);
	assert_int_equal(out.len, 0);
	buf_deinit(&out);

	assert_int_equal(metrics_register(m, collect_a, &a), 0);
	assert_int_equal(metrics_register(m, collect_b, &b), 0);
	buf_init(&out, 0);
	assert_int_equal(metrics_render(m, &out), 0);
	assert_string_equal(out.data, "# HELP a_total things of kind a\n"
				      "# TYPE a_total counter\n"
				      "a_total 3\n"
				      "# HELP b_bytes bytes of b\n"
				      "# TYPE b_bytes gauge\n"
				      "b_bytes{room=\"dns\"} 1024\n");
	assert_int_equal(a, 1);
	assert_int_equal(b, 1);
	buf_deinit(&out);

	/* Each render runs every collector again. */
	buf_init(&out, 0);
	assert_int_equal(metrics_render(m, &out), 0);
	assert_int_equal(a, 2);
	assert_int_equal(b, 2);
	buf_deinit(&out);

	/* A capped buffer reports the overflow. */
	buf_init(&out, 40);
	assert_int_equal(metrics_render(m, &out), -EMSGSIZE);
	buf_deinit(&out);
	metrics_free(m);
	metrics_free(NULL);
}

static void test_many_collectors(void **state)
{
	(void)state;
	struct metrics *m = NULL;
	struct buf out;
	int calls = 0;
	assert_int_equal(metrics_new(&m), 0);
	/* Past any initial capacity. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(metrics_register(m, i % 2 ? collect_b
							   : collect_a,
						  &calls),
				 0);
	buf_init(&out, 0);
	assert_int_equal(metrics_render(m, &out), 0);
	assert_int_equal(calls, 50);
	/* Registration order: a, b, a, b, ... */
	const char *first_a = strstr(out.data, "a_total 3");
	const char *first_b = strstr(out.data, "b_bytes{");
	assert_non_null(first_a);
	assert_non_null(first_b);
	assert_true(first_a < first_b);
	assert_true(out.data == strstr(out.data, "# HELP a_total"));
	buf_deinit(&out);
	metrics_free(m);
}

static void test_family(void **state)
{
	(void)state;
	struct buf out;
	buf_init(&out, 0);
	metrics_family(&out, "hearth_up", "gauge", "1 while the daemon runs");
	assert_string_equal(out.data, "# HELP hearth_up 1 while the daemon runs\n"
				      "# TYPE hearth_up gauge\n");
	buf_deinit(&out);
}

static void test_sample_labels(void **state)
{
	(void)state;
	struct buf out;

	buf_init(&out, 0);
	metrics_sample(&out, "x_total", 7, 0);
	assert_string_equal(out.data, "x_total 7\n");
	buf_deinit(&out);

	buf_init(&out, 0);
	metrics_sample(&out, "x_total", 7, 1, "route", "healthz");
	assert_string_equal(out.data, "x_total{route=\"healthz\"} 7\n");
	buf_deinit(&out);

	buf_init(&out, 0);
	metrics_sample(&out, "x_total", 12, 2, "route", "api", "code", "200");
	assert_string_equal(out.data,
			    "x_total{route=\"api\",code=\"200\"} 12\n");
	buf_deinit(&out);

	/* Escaping of backslash, double quote and newline; other bytes as is. */
	buf_init(&out, 0);
	metrics_sample(&out, "x", 1, 1, "v", "a\\b\"c\nd'e\tf");
	assert_string_equal(out.data, "x{v=\"a\\\\b\\\"c\\nd'e\tf\"} 1\n");
	buf_deinit(&out);

	buf_init(&out, 0);
	metrics_sample(&out, "x", 1, 2, "k", "\\\\", "q", "\"\"");
	assert_string_equal(out.data, "x{k=\"\\\\\\\\\",q=\"\\\"\\\"\"} 1\n");
	buf_deinit(&out);

	/* An empty label value. */
	buf_init(&out, 0);
	metrics_sample(&out, "x", 2, 1, "k", "");
	assert_string_equal(out.data, "x{k=\"\"} 2\n");
	buf_deinit(&out);

	/* Samples append. */
	buf_init(&out, 0);
	metrics_sample(&out, "a", 1, 0);
	metrics_sample(&out, "b", 2, 0);
	assert_string_equal(out.data, "a 1\nb 2\n");
	buf_deinit(&out);
}

static void expect_sample(double v, const char *want)
{
	struct buf out;
	char got[64], line[64];
	buf_init(&out, 0);
	metrics_sample(&out, "v", v, 0);
	snprintf(got, sizeof(got), "%s", out.data ? out.data : "(null)");
	buf_deinit(&out);
	snprintf(line, sizeof(line), "v %s\n", want);
	if (strcmp(got, line) != 0)
		fail_msg("value %.17g: got '%s', want '%s'", v, got, line);
}

static void test_sample_values(void **state)
{
	(void)state;
	/* Integers print without a fraction or exponent. */
	expect_sample(0, "0");
	expect_sample(1, "1");
	expect_sample(-3, "-3");
	expect_sample(42, "42");
	expect_sample(1e6, "1000000");
	expect_sample(18446744073.0, "18446744073");
	expect_sample(123456789012345.0, "123456789012345");
	/* Fractions keep their digits. */
	expect_sample(0.5, "0.5");
	expect_sample(-0.25, "-0.25");
	expect_sample(3.14159, "3.14159");
	expect_sample(0.1, "0.1");
	expect_sample(1e-9, "1e-09");
	expect_sample(2.5e20, "2.5e+20");
	expect_sample(NAN, "NaN");
}

/* The exposition format spells infinities "+Inf" and "-Inf". */
static void test_sample_infinity(void **state)
{
	(void)state;
	expect_sample(INFINITY, "+Inf");
	expect_sample(-INFINITY, "-Inf");
}

/* 50 us, 300 us (two), 2 ms, 3 s: sub-millisecond buckets are told
 * apart; buckets are cumulative; the sum is in seconds. */
static void test_histogram(void **state)
{
	(void)state;
	struct metrics_hist a = {0}, b = {0};
	struct metrics_hist_sum s = {0};
	struct buf out;
	metrics_hist_observe(&a, 50000);
	metrics_hist_observe(&a, 300000);
	metrics_hist_observe(&b, 300000);
	metrics_hist_observe(&b, 2000000);
	metrics_hist_observe(&b, 3000000000u);
	metrics_hist_add(&s, &a);
	metrics_hist_add(&s, &b);
	buf_init(&out, 0);
	metrics_hist_write(&out, "x_seconds", &s, "transport", "udp");
	assert_int_equal(out.err, 0);
	assert_non_null(strstr(out.data,
			       "x_seconds_bucket{transport=\"udp\",le=\"0.0001\"} 1\n"
			       "x_seconds_bucket{transport=\"udp\",le=\"0.00025\"} 1\n"
			       "x_seconds_bucket{transport=\"udp\",le=\"0.0005\"} 3\n"
			       "x_seconds_bucket{transport=\"udp\",le=\"0.001\"} 3\n"
			       "x_seconds_bucket{transport=\"udp\",le=\"0.0025\"} 4\n"));
	assert_non_null(strstr(out.data,
			       "x_seconds_bucket{transport=\"udp\",le=\"2.5\"} 4\n"
			       "x_seconds_bucket{transport=\"udp\",le=\"+Inf\"} 5\n"
			       "x_seconds_sum{transport=\"udp\"} 3.00265\n"
			       "x_seconds_count{transport=\"udp\"} 5\n"));
	buf_deinit(&out);

	/* No label; an observation exactly on a bound counts in it. */
	struct metrics_hist c = {0};
	struct metrics_hist_sum t = {0};
	metrics_hist_observe(&c, 1000000);
	metrics_hist_add(&t, &c);
	buf_init(&out, 0);
	metrics_hist_write(&out, "y_seconds", &t, NULL, NULL);
	assert_non_null(strstr(out.data, "y_seconds_bucket{le=\"0.0005\"} 0\n"
					 "y_seconds_bucket{le=\"0.001\"} 1\n"));
	assert_non_null(strstr(out.data, "y_seconds_sum 0.001\n"
					 "y_seconds_count 1\n"));
	buf_deinit(&out);
	assert_true(metrics_now_ns() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_many_collectors),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_sample_labels),
		cmocka_unit_test(test_sample_values),
		cmocka_unit_test(test_sample_infinity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
