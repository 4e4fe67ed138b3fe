/* SPDX-License-Identifier: MIT */
/* Prometheus text exposition: a registry of collectors and sample writers. */
#ifndef HEARTH_CORE_METRICS_H
#define HEARTH_CORE_METRICS_H

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

#endif
