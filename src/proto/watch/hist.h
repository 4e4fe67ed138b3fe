/* SPDX-License-Identifier: MIT */
/* Response-time histograms for the aggregates' p95: √2-wide bins from 1 ms, kept as sparse text ("7:3,8:1"), merged and read back: pure. */
#ifndef HEARTH_PROTO_WATCH_HIST_H
#define HEARTH_PROTO_WATCH_HIST_H

#include <stddef.h>
#include <stdint.h>

/* Bin 0: below 1 ms; bin k (1..WATCH_HIST_BINS - 2): 2^((k-1)/2) up to
 * 2^(k/2) ms; the last: from 2^((BINS-2)/2) ms (about 2.9 s) on. */
#define WATCH_HIST_BINS 24

struct watch_hist {
	uint32_t n[WATCH_HIST_BINS];
};

/* The bin of a response time of @ms milliseconds (>= 0). */
int watch_hist_bin(double ms);

/* Adds the counts of "BIN:COUNT,..." text to @h (NULL or "" add
 * nothing); malformed parts are skipped. */
void watch_hist_add_text(struct watch_hist *h, const char *text);

/* @h as sparse text into @out (at most WATCH_HIST_TEXT bytes), "" when
 * empty. */
#define WATCH_HIST_TEXT (WATCH_HIST_BINS * 16)
void watch_hist_text(const struct watch_hist *h, char *out, size_t n);

/* The @q quantile (0..1) of @h: the upper edge of the bin it falls in,
 * kept within [@lo, @hi] (the exact min and max); -1 when empty. */
double watch_hist_quantile(const struct watch_hist *h, double q, double lo,
			   double hi);

#endif
