/* SPDX-License-Identifier: MIT */
/* A YAML document read into a small tree of nodes, each with its line:column. */
#ifndef HEARTH_PROTO_YAML_TREE_H
#define HEARTH_PROTO_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

/*
 * Built on libyaml's event parser. The tree is deliberately plain: no
 * anchors or aliases (refused: expanding them is how "billion laughs"
 * documents explode), no tags, duplicate mapping keys refused, nesting
 * and node count bounded. Every node and string lives in the caller's
 * arena. Thread-safe (no shared state).
 */

enum yaml_kind {
	YAML_SCALAR,
	YAML_MAP, /* items: key, value, key, value, ... */
	YAML_SEQ,
};

struct yaml_node {
	enum yaml_kind kind;
	int line, col;	  /* 1-based */
	const char *text; /* YAML_SCALAR: NUL-terminated (may hold NULs
			     inside: use len) */
	size_t len;
	bool plain;	  /* scalar written without quotes or block style */
	size_t n;	  /* YAML_MAP: pairs; YAML_SEQ: items */
	struct yaml_node **items;
};

#define YAML_MAX_DEPTH 32
#define YAML_MAX_NODES 100000

struct yaml_error {
	int line, col; /* 1-based */
	char msg[200];
};

/*
 * Parses @len bytes. *root is NULL for an empty document (only blanks
 * and comments). Returns 0, -ENOMEM, or -EINVAL with @err filled.
 */
int yaml_tree_parse(const char *data, size_t len, struct arena *arena,
		    struct yaml_node **root, struct yaml_error *err);

/* True for a plain scalar "", "~", "null" (YAML's null). */
bool yaml_node_is_null(const struct yaml_node *n);

#endif
