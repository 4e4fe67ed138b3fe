/* SPDX-License-Identifier: MIT */
/* Collector registry and Prometheus text format writers. */
#include "core/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

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
