/* SPDX-License-Identifier: MIT */
/* Collector registry and Prometheus text format writers. */
#include "core/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct collector {
	metrics_collect_fn fn;
	void *ud;
};

struct metrics {
	struct collector *c;
	size_t n, cap;
};

int metrics_new(struct metrics **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->c);
	free(m);
}

int metrics_register(struct metrics *m, metrics_collect_fn fn, void *ud)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct collector *c = realloc(m->c, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		m->c = c;
		m->cap = cap;
	}
	m->c[m->n++] = (struct collector){fn, ud};
	return 0;
}

int metrics_render(struct metrics *m, struct buf *out)
{
	for (size_t i = 0; i < m->n; i++)
		m->c[i].fn(out, m->c[i].ud);
	return out->err;
}

void metrics_family(struct buf *out, const char *name, const char *type,
		    const char *help)
{
	/* Help text is ours (never user input) and has no newlines. */
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void escape_label(struct buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			buf_puts(out, "\\\\");
		else if (*v == '"')
			buf_puts(out, "\\\"");
		else if (*v == '\n')
			buf_puts(out, "\\n");
		else
			buf_append(out, v, 1);
	}
}

void metrics_sample(struct buf *out, const char *name, double value,
		    int n_labels, ...)
{
	buf_puts(out, name);
	if (n_labels > 0) {
		va_list ap;
		va_start(ap, n_labels);
		buf_puts(out, "{");
		for (int i = 0; i < n_labels; i++) {
			const char *k = va_arg(ap, const char *);
			const char *v = va_arg(ap, const char *);
			buf_printf(out, "%s%s=\"", i ? "," : "", k);
			escape_label(out, v);
			buf_puts(out, "\"");
		}
		buf_puts(out, "}");
		va_end(ap);
	}
	if (isnan(value))
		buf_puts(out, " NaN\n");
	else if (isinf(value))
		buf_puts(out, value > 0 ? " +Inf\n" : " -Inf\n");
	else if (value == floor(value) && fabs(value) < 1e15)
		buf_printf(out, " %.0f\n", value);
	else
		buf_printf(out, " %.15g\n", value);
}

void metrics_value(struct buf *out, const char *name, const char *type,
		   const char *help, double value)
{
	metrics_family(out, name, type, help);
	metrics_sample(out, name, value, 0);
}

const double metrics_hist_bounds[METRICS_HIST_BOUNDS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025,	0.05,	 0.1,	 0.25,	0.5,	1,     2.5};

uint64_t metrics_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* metrics_hist_bounds in nanoseconds: the hot path compares integers. */
static const uint64_t bounds_ns[METRICS_HIST_BOUNDS] = {
	100000,	  250000,    500000,	1000000,   2500000,
	5000000,  10000000,  25000000,	50000000,  100000000,
	250000000, 500000000, 1000000000, 2500000000u};

void metrics_hist_observe(struct metrics_hist *h, uint64_t ns)
{
	const memory_order r = memory_order_relaxed;
	size_t i = 0;
	while (i < METRICS_HIST_BOUNDS && ns > bounds_ns[i])
		i++;
	atomic_fetch_add_explicit(&h->n[i], 1, r);
	atomic_fetch_add_explicit(&h->sum_ns, ns, r);
}

void metrics_hist_add(struct metrics_hist_sum *acc,
		      const struct metrics_hist *h)
{
	const memory_order r = memory_order_relaxed;
	for (size_t i = 0; i <= METRICS_HIST_BOUNDS; i++)
		acc->n[i] += atomic_load_explicit(&h->n[i], r);
	acc->sum_ns += atomic_load_explicit(&h->sum_ns, r);
}

static void hist_line(struct buf *out, const char *name, const char *suffix,
		      double v, const char *label, const char *value,
		      const char *le)
{
	char full[128];
	snprintf(full, sizeof(full), "%s%s", name, suffix);
	if (label && le)
		metrics_sample(out, full, v, 2, label, value, "le", le);
	else if (label)
		metrics_sample(out, full, v, 1, label, value);
	else if (le)
		metrics_sample(out, full, v, 1, "le", le);
	else
		metrics_sample(out, full, v, 0);
}

void metrics_hist_write(struct buf *out, const char *name,
			const struct metrics_hist_sum *s, const char *label,
			const char *value)
{
	uint64_t cum = 0;
	for (size_t i = 0; i <= METRICS_HIST_BOUNDS; i++) {
		char le[32] = "+Inf";
		if (i < METRICS_HIST_BOUNDS)
			snprintf(le, sizeof(le), "%g", metrics_hist_bounds[i]);
		cum += s->n[i];
		hist_line(out, name, "_bucket", (double)cum, label, value, le);
	}
	hist_line(out, name, "_sum", (double)s->sum_ns / 1e9, label, value,
		  NULL);
	hist_line(out, name, "_count", (double)cum, label, value, NULL);
}
