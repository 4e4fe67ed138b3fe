/* SPDX-License-Identifier: MIT */
/* Prometheus text exposition: a registry of collectors and sample writers. */
#ifndef HEARTH_CORE_METRICS_H
#define HEARTH_CORE_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * Each room keeps its own counters (plain or atomic integers in its own
 * structs) and registers a collector that writes them on scrape, so the
 * hot paths never touch a shared registry. Not thread-safe: register and
 * render on the loop thread.
 */
struct metrics;

typedef void (*metrics_collect_fn)(struct buf *out, void *ud);

int metrics_new(struct metrics **out);
void metrics_free(struct metrics *m);

/* Adds a collector; they run in registration order. 0 or -ENOMEM. */
int metrics_register(struct metrics *m, metrics_collect_fn fn, void *ud);

/* Writes the whole exposition into @out. Returns out->err. */
int metrics_render(struct metrics *m, struct buf *out);

/* "# HELP name help\n# TYPE name type\n" */
void metrics_family(struct buf *out, const char *name, const char *type,
		    const char *help);

/*
 * "name{k1="v1",...} value\n" with label values escaped. @n_labels pairs
 * of const char * (key, value) follow @n_labels.
 */
void metrics_sample(struct buf *out, const char *name, double value,
		    int n_labels, ...);

/* A family with one sample and no labels: metrics_family, then
 * metrics_sample(out, name, value, 0). */
void metrics_value(struct buf *out, const char *name, const char *type,
		   const char *help, double value);

/*
 * A latency histogram in seconds with fixed buckets from 100 us to 2.5 s
 * (metrics_hist_bounds) and +Inf. Observing is lock-free (relaxed
 * atomics), so any thread may observe into a histogram it shares, or each
 * worker keeps its own and the collector sums them with metrics_hist_add.
 */
#define METRICS_HIST_BOUNDS 14
extern const double metrics_hist_bounds[METRICS_HIST_BOUNDS];

struct metrics_hist {
	/* Per bucket (not cumulative); the last is above every bound. */
	atomic_uint_fast64_t n[METRICS_HIST_BOUNDS + 1];
	atomic_uint_fast64_t sum_ns;
};

/* A plain sum of histograms, for the collector. Zero it before adding. */
struct metrics_hist_sum {
	uint64_t n[METRICS_HIST_BOUNDS + 1];
	uint64_t sum_ns;
};

/* Monotonic now in nanoseconds (CLOCK_MONOTONIC), for durations. Any
 * thread. */
uint64_t metrics_now_ns(void);

/* Counts one duration of @ns nanoseconds. Any thread. */
void metrics_hist_observe(struct metrics_hist *h, uint64_t ns);

/* Adds @h (read with relaxed loads) into @acc. */
void metrics_hist_add(struct metrics_hist_sum *acc,
		      const struct metrics_hist *h);

/*
 * Writes name_bucket{[label="value",]le="..."} (cumulative), name_sum (in
 * seconds) and name_count; @label NULL for none. The caller writes the
 * family line (type "histogram") once before.
 */
void metrics_hist_write(struct buf *out, const char *name,
			const struct metrics_hist_sum *s, const char *label,
			const char *value);

#endif
