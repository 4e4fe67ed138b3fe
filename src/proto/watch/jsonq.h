/* SPDX-License-Identifier: MIT */
/* json-query monitors: a small path language into a JSON document and Kuma's comparison operators. */
#ifndef HEARTH_PROTO_WATCH_JSONQ_H
#define HEARTH_PROTO_WATCH_JSONQ_H

#include <jansson.h>
#include <stddef.h>

/*
 * The path language (a subset of JSONata / JSONPath that covers what
 * Kuma's users write): an optional `$`, then steps: `.name` (or a bare
 * first `name`), `[N]` (array index; negative counts from the end),
 * `["key"]` / `['key']` (any key; \\ and \" or \' escaped). Names are
 * letters, digits, `_`, `-` and `$`. "$" alone is the whole document.
 * Pure: no I/O; any thread.
 */
struct watch_jsonq;

#define WATCH_JSONQ_MAX_STEPS 64
#define WATCH_JSONQ_MAX_LEN 1024

/* Parses @expr into *out (owned by the caller: watch_jsonq_free). 0, or
 * -1 with a reason in @why ("unexpected ']' at 4"), or -ENOMEM. */
int watch_jsonq_parse(const char *expr, struct watch_jsonq **out, char *why,
		      size_t why_len);
void watch_jsonq_free(struct watch_jsonq *q);

/* The value @q leads to in @doc (borrowed from @doc), or NULL. */
json_t *watch_jsonq_eval(const struct watch_jsonq *q, json_t *doc);

enum watch_jsonq_op {
	WATCH_OP_EQ,
	WATCH_OP_NE,
	WATCH_OP_LT,
	WATCH_OP_LE,
	WATCH_OP_GT,
	WATCH_OP_GE,
	WATCH_OP_CONTAINS,
};

/* "==" ... "contains" (NULL: "=="), or -1. */
int watch_jsonq_op_parse(const char *text);

/*
 * Compares @value (NULL: the path led nowhere) with @expected by @op:
 * == and != compare the value's text (a string as is, a number as JSON
 * writes it, true/false/null, objects and arrays compact); contains
 * looks for @expected in that text (for an array: an element whose text
 * equals it, or in a string element); <, <=, >, >= compare numbers (the
 * value may be a numeric string). 1 true, 0 false, -1 not comparable.
 * The value's text goes to @actual (truncated to @actual_len).
 */
int watch_jsonq_compare(const json_t *value, enum watch_jsonq_op op,
			const char *expected, char *actual, size_t actual_len);

#endif
