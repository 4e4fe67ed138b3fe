/* SPDX-License-Identifier: MIT */
/* Unit tests of the response-time histograms: bins, the sparse text and its merging, bad text skipped, quantiles within min..max. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "proto/watch/hist.h"

static void test_bins(void **state)
{
	(void)state;
	assert_int_equal(watch_hist_bin(0), 0);
	assert_int_equal(watch_hist_bin(0.5), 0);
	assert_int_equal(watch_hist_bin(-3), 0);
	assert_int_equal(watch_hist_bin(NAN), 0);
	assert_int_equal(watch_hist_bin(1), 1);
	assert_int_equal(watch_hist_bin(1.4), 1);
	assert_int_equal(watch_hist_bin(1.5), 2);
	assert_int_equal(watch_hist_bin(100), 14); /* 2^6.5 = 90.5 .. 128 */
	assert_int_equal(watch_hist_bin(128), 15);
	assert_int_equal(watch_hist_bin(1e9), WATCH_HIST_BINS - 1);
}

static void test_text(void **state)
{
	(void)state;
	struct watch_hist h = {0};
	char t[WATCH_HIST_TEXT];
	watch_hist_text(&h, t, sizeof(t));
	assert_string_equal(t, "");
	watch_hist_add_text(&h, "7:3,8:1");
	watch_hist_add_text(&h, "8:2,23:4");
	watch_hist_add_text(&h, NULL);
	watch_hist_add_text(&h, "");
	watch_hist_add_text(&h, "x,24:9,-1:2,5:,:7,9:1"); /* only 9:1 */
	watch_hist_text(&h, t, sizeof(t));
	assert_string_equal(t, "7:3,8:3,9:1,23:4");
	/* Every bin at the largest count fits. */
	for (int k = 0; k < WATCH_HIST_BINS; k++)
		h.n[k] = UINT32_MAX;
	watch_hist_text(&h, t, sizeof(t));
	assert_non_null(strstr(t, "23:4294967295"));
	watch_hist_add_text(&h, "3:5"); /* would overflow: skipped */
	assert_int_equal(h.n[3], UINT32_MAX);
}

static void test_quantiles(void **state)
{
	(void)state;
	struct watch_hist h = {0};
	assert_true(watch_hist_quantile(&h, 0.95, 0, 0) < 0);
	/* 1..100 ms: p95 is in 2^6.5 .. 2^7 (90.5 .. 128), kept <= max. */
	for (int v = 1; v <= 100; v++)
		h.n[watch_hist_bin(v)]++;
	assert_true(fabs(watch_hist_quantile(&h, 0.95, 1, 100) - 100) < 1e-9);
	assert_true(fabs(watch_hist_quantile(&h, 0.5, 1, 100) - 64) < 1e-9);
	/* One slow beat in 40 does not move the p95; three do. */
	struct watch_hist g = {0};
	g.n[watch_hist_bin(20)] = 39;
	g.n[watch_hist_bin(900)] = 1;
	assert_true(fabs(watch_hist_quantile(&g, 0.95, 20, 900) -
			 pow(2, 4.5)) < 1e-9);
	g.n[watch_hist_bin(900)] = 3;
	assert_true(fabs(watch_hist_quantile(&g, 0.95, 20, 900) - 900) < 1e-9);
	/* The open last bin: the max. */
	struct watch_hist o = {0};
	o.n[WATCH_HIST_BINS - 1] = 2;
	assert_true(fabs(watch_hist_quantile(&o, 0.95, 4000, 5000) - 5000) <
		    1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bins),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_quantiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
