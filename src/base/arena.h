/* SPDX-License-Identifier: MIT */
/* Bump allocator: many small allocations freed together (configs, requests). */
#ifndef HEARTH_BASE_ARENA_H
#define HEARTH_BASE_ARENA_H

#include <stddef.h>

struct arena_chunk;

/* Caller-allocated; zero-initialise or call arena_init. Not thread-safe. */
struct arena {
	struct arena_chunk *head;
	size_t total; /* bytes handed out, for limits and metrics */
};

void arena_init(struct arena *a);

/* Frees every allocation made from @a; @a may be reused afterwards. */
void arena_deinit(struct arena *a);

/* Zeroed, max-aligned memory owned by @a, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);

/* Copies of strings/bytes owned by @a; NULL when out of memory. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

#endif
