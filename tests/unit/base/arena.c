/* SPDX-License-Identifier: MIT */
/* Unit tests of base/arena: aligned allocation and string copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

static void test_arena_alloc(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_int_equal(a.total, 0);

	for (size_t size = 1; size < 100; size += 7) {
		unsigned char *p = arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xab, size);
	}
	void *z = arena_alloc(&a, 0);
	assert_non_null(z);
	assert_int_equal((uintptr_t)z % alignof(max_align_t), 0);

	/* Many allocations across many chunks stay distinct and intact. */
	enum { N = 5000 };
	uint32_t **ptrs = calloc(N, sizeof(*ptrs));
	assert_non_null(ptrs);
	for (uint32_t i = 0; i < N; i++) {
		ptrs[i] = arena_alloc(&a, sizeof(uint32_t) * 3);
		assert_non_null(ptrs[i]);
		assert_int_equal(ptrs[i][0], 0);
		assert_int_equal(ptrs[i][2], 0);
		ptrs[i][0] = i;
		ptrs[i][1] = ~i;
		ptrs[i][2] = i * 7;
	}
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(ptrs[i][0], i);
		assert_int_equal(ptrs[i][1], ~i);
		assert_int_equal(ptrs[i][2], i * 7);
	}
	free(ptrs);
	assert_true(a.total >= (size_t)N * 12);

	/* Larger than a chunk. */
	size_t big = 3 * 4096 + 5;
	unsigned char *p = arena_alloc(&a, big);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
	for (size_t i = 0; i < big; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0x5a, big);
	/* And allocation continues normally after it. */
	unsigned char *q = arena_alloc(&a, 16);
	assert_non_null(q);
	assert_int_equal(q[0], 0);
	assert_true(q + 16 <= p || q >= p + big);

	/* Absurd sizes fail cleanly. */
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 8));

	arena_deinit(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	/* Reusable after deinit. */
	assert_non_null(arena_alloc(&a, 10));
	arena_deinit(&a);
	arena_deinit(NULL);
}

static void test_arena_strings(void **state)
{
	(void)state;
	struct arena a = {0};
	const char *src = "hello world";
	char *s = arena_strdup(&a, src);
	assert_non_null(s);
	assert_ptr_not_equal(s, src);
	assert_string_equal(s, "hello world");
	char *t = arena_strndup(&a, src, 5);
	assert_string_equal(t, "hello");
	char *e = arena_strdup(&a, "");
	assert_string_equal(e, "");
	char *z = arena_strndup(&a, "abc", 0);
	assert_string_equal(z, "");
	/* strndup copies exactly n bytes, even past a NUL-free region. */
	const char raw[4] = {'w', 'x', 'y', 'z'};
	char *r = arena_strndup(&a, raw, 4);
	assert_string_equal(r, "wxyz");
	/* A long string. */
	char longs[10000];
	memset(longs, 'q', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	char *l = arena_strdup(&a, longs);
	assert_string_equal(l, longs);
	assert_string_equal(s, "hello world"); /* earlier copies intact */
	arena_deinit(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alloc),
		cmocka_unit_test(test_arena_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
