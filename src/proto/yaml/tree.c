/* SPDX-License-Identifier: MIT */
/* libyaml events to a bounded node tree, refusing what a config never needs. */
#include "proto/yaml/tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A collection being filled: children gathered in a growable vector. */
struct frame {
	struct yaml_node *node;
	struct yaml_node **kids;
	size_t n, cap;
};

struct builder {
	struct arena *arena;
	struct yaml_error *err;
	struct frame stack[YAML_MAX_DEPTH];
	int depth;
	size_t nodes;
	struct yaml_node *root;
};

static int fail(struct builder *b, const yaml_mark_t *m, const char *fmt,
		const char *arg)
{
	b->err->line = m ? (int)m->line + 1 : 1;
	b->err->col = m ? (int)m->column + 1 : 1;
	snprintf(b->err->msg, sizeof(b->err->msg), fmt, arg ? arg : "");
	return -EINVAL;
}

static bool same_key(const struct yaml_node *a, const struct yaml_node *b)
{
	return a->kind == YAML_SCALAR && b->kind == YAML_SCALAR &&
	       a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

/* Adds @n to the open collection, or makes it the root. */
static int attach(struct builder *b, struct yaml_node *n)
{
	if (b->depth == 0) {
		b->root = n;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->node->kind == YAML_MAP && f->n % 2 == 0) {
		for (size_t i = 0; i < f->n; i += 2)
			if (same_key(f->kids[i], n)) {
				yaml_mark_t m = {0, (size_t)n->line - 1,
						 (size_t)n->col - 1};
				return fail(b, &m, "duplicate key '%s'",
					    n->text);
			}
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct yaml_node **k = realloc(f->kids, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		f->kids = k;
		f->cap = cap;
	}
	f->kids[f->n++] = n;
	return 0;
}

static struct yaml_node *new_node(struct builder *b, enum yaml_kind kind,
				  const yaml_mark_t *m)
{
	if (++b->nodes > YAML_MAX_NODES)
		return NULL;
	struct yaml_node *n = arena_alloc(b->arena, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	struct yaml_node *n;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return fail(b, m, "anchors and aliases are not supported%s", NULL);
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			return fail(b, m, "anchors and aliases are not supported%s", NULL);
		n = new_node(b, YAML_SCALAR, m);
		if (!n)
			return b->nodes > YAML_MAX_NODES
				       ? fail(b, m, "too many nodes%s", NULL)
				       : -ENOMEM;
		n->len = ev->data.scalar.length;
		n->text = arena_strndup(b->arena,
					(const char *)ev->data.scalar.value,
					n->len);
		if (!n->text)
			return -ENOMEM;
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return attach(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((ev->type == YAML_SEQUENCE_START_EVENT
			     ? ev->data.sequence_start.anchor
			     : ev->data.mapping_start.anchor))
			return fail(b, m, "anchors and aliases are not supported%s", NULL);
		if (b->depth == YAML_MAX_DEPTH)
			return fail(b, m, "nesting too deep%s", NULL);
		n = new_node(b, ev->type == YAML_MAPPING_START_EVENT ? YAML_MAP
								     : YAML_SEQ,
			     m);
		if (!n)
			return b->nodes > YAML_MAX_NODES
				       ? fail(b, m, "too many nodes%s", NULL)
				       : -ENOMEM;
		b->stack[b->depth++] = (struct frame){.node = n};
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		struct frame *f = &b->stack[--b->depth];
		n = f->node;
		n->n = n->kind == YAML_MAP ? f->n / 2 : f->n;
		if (f->n) {
			n->items = arena_alloc(b->arena,
					       f->n * sizeof(*n->items));
			if (!n->items) {
				free(f->kids);
				return -ENOMEM;
			}
			memcpy(n->items, f->kids, f->n * sizeof(*n->items));
		}
		free(f->kids);
		f->kids = NULL;
		return attach(b, n);
	}
	case YAML_DOCUMENT_START_EVENT:
		if (b->root)
			return fail(b, m, "only one document is allowed%s",
				    NULL);
		return 0;
	default:
		return 0;
	}
}

int yaml_tree_parse(const char *data, size_t len, struct arena *arena,
		    struct yaml_node **root, struct yaml_error *err)
{
	yaml_parser_t parser;
	struct builder b = {.arena = arena, .err = err};
	int rc = 0;
	bool done = false;

	*root = NULL;
	memset(err, 0, sizeof(*err));
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done && rc == 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR) {
				rc = -ENOMEM;
				break;
			}
			/* An error found at the end of the input (an
			 * unterminated quote) is reported where the
			 * unfinished construct began. */
			const yaml_mark_t *m = &parser.problem_mark;
			if (parser.context && m->index >= len)
				m = &parser.context_mark;
			const char *problem = parser.problem ? parser.problem
							     : "invalid YAML";
			if (parser.problem_mark.index < len &&
			    data[parser.problem_mark.index] == '\t')
				problem = "tab character where YAML allows "
					  "only spaces";
			rc = fail(&b, m, "%s", problem);
			if (parser.context) {
				size_t used = strlen(err->msg);
				snprintf(err->msg + used,
					 sizeof(err->msg) - used, " %s",
					 parser.context);
			}
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	while (b.depth > 0)
		free(b.stack[--b.depth].kids);
	yaml_parser_delete(&parser);
	if (rc == 0)
		*root = b.root;
	return rc;
}

bool yaml_node_is_null(const struct yaml_node *n)
{
	if (!n)
		return true;
	if (n->kind != YAML_SCALAR || !n->plain)
		return false;
	return n->len == 0 || (n->len == 1 && n->text[0] == '~') ||
	       (n->len == 4 && memcmp(n->text, "null", 4) == 0);
}
