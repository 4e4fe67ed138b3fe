/* SPDX-License-Identifier: MIT */
/* Response-time histograms: bins on a √2 scale, the sparse text form the aggregate tables store, quantiles. */
#include "proto/watch/hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int watch_hist_bin(double ms)
{
	if (!(ms >= 1))
		return 0;
	int k = (int)floor(2 * log2(ms)) + 1;
	return k >= WATCH_HIST_BINS ? WATCH_HIST_BINS - 1 : k;
}

void watch_hist_add_text(struct watch_hist *h, const char *text)
{
	const char *p = text;
	while (p && *p) {
		char *end;
		long bin = strtol(p, &end, 10);
		if (end == p || *end != ':') {
			p = strchr(p, ',');
			p = p ? p + 1 : NULL;
			continue;
		}
		const char *c = end + 1;
		unsigned long count = strtoul(c, &end, 10);
		if (end != c && bin >= 0 && bin < WATCH_HIST_BINS &&
		    count <= UINT32_MAX - h->n[bin])
			h->n[bin] += (uint32_t)count;
		p = strchr(end, ',');
		p = p ? p + 1 : NULL;
	}
}

void watch_hist_text(const struct watch_hist *h, char *out, size_t n)
{
	size_t used = 0;
	if (n)
		out[0] = '\0';
	for (int k = 0; k < WATCH_HIST_BINS; k++) {
		if (!h->n[k])
			continue;
		int w = snprintf(out + used, n > used ? n - used : 0, "%s%d:%u",
				 used ? "," : "", k, h->n[k]);
		if (w < 0 || used + (size_t)w >= n)
			return;
		used += (size_t)w;
	}
}

double watch_hist_quantile(const struct watch_hist *h, double q, double lo,
			   double hi)
{
	uint64_t total = 0;
	for (int k = 0; k < WATCH_HIST_BINS; k++)
		total += h->n[k];
	if (!total)
		return -1;
	/* The smallest bin whose cumulative count reaches q of the total. */
	double want = ceil(q * (double)total);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	int k = 0;
	for (; k < WATCH_HIST_BINS; k++) {
		seen += h->n[k];
		if ((double)seen >= want)
			break;
	}
	double v = k == WATCH_HIST_BINS - 1 ? hi : k == 0 ? 1 : pow(2, k / 2.0);
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return v;
}
