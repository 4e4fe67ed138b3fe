/* SPDX-License-Identifier: MIT */
/* Unit tests of base/buf: growth, the size cap, stealing the bytes, constant-time compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static void test_buf_growth(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_append(&b, ", ", 2), 0);
	assert_int_equal(buf_printf(&b, "%s %d", "world", 42), 0);
	assert_string_equal(b.data, "hello, world 42");
	assert_int_equal(b.len, strlen("hello, world 42"));

	/* Many appends grow the buffer; content stays intact. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%04d", i), 0);
	assert_int_equal(b.len, 15 + 4000);
	assert_true(b.cap > b.len);
	assert_memory_equal(b.data + 15, "000000010002", 12);
	assert_string_equal(b.data + b.len - 4, "0999");

	/* A printf longer than any internal scratch buffer. */
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	size_t before = b.len;
	assert_int_equal(buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, before + 3001);
	assert_int_equal(b.data[before], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(strlen(b.data), b.len);

	/* Empty appends keep the string terminated. */
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.err, 0);
	buf_deinit(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_deinit(&b);
}

static void test_buf_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "0123456789"), 0); /* exactly max */
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_puts(&b, "a"), -EMSGSIZE);
	assert_int_equal(b.err, -EMSGSIZE);
	/* Sticky: even an append that would fit now fails. */
	assert_int_equal(buf_append(&b, "", 0), -EMSGSIZE);
	assert_int_equal(buf_printf(&b, "%s", ""), -EMSGSIZE);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	buf_deinit(&b);

	buf_init(&b, 5);
	assert_int_equal(buf_printf(&b, "%d", 123456), -EMSGSIZE);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_puts(&b, "x"), -EMSGSIZE);
	buf_deinit(&b);

	/* A long printf over the cap. */
	char big[600];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 500);
	assert_int_equal(buf_printf(&b, "%s", big), -EMSGSIZE);
	assert_int_equal(b.err, -EMSGSIZE);
	assert_int_equal(b.len, 0);
	buf_deinit(&b);
}

static void test_buf_steal(void **state)
{
	(void)state;
	struct buf b;
	size_t len = 99;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "stolen"), 0);
	char *p = buf_steal(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "stolen");
	assert_int_equal(len, 6);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 100);
	/* The buffer is usable again. */
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	buf_deinit(&b);
	free(p);

	/* Stealing an empty buffer gives NULL and length 0. */
	buf_init(&b, 0);
	p = buf_steal(&b, &len);
	assert_null(p);
	assert_int_equal(len, 0);
	p = buf_steal(&b, NULL);
	assert_null(p);
}

static void test_mem_const_eq(void **state)
{
	(void)state;
	assert_true(mem_const_eq("secret", 6, "secret", 6));
	assert_false(mem_const_eq("secreT", 6, "secret", 6));
	assert_false(mem_const_eq("Secret", 6, "secret", 6));
	assert_false(mem_const_eq("secre", 5, "secret", 6));
	assert_false(mem_const_eq("secret!", 7, "secret", 6));
	assert_false(mem_const_eq("", 0, "secret", 6));
	assert_false(mem_const_eq("secret", 6, "", 0));
	assert_true(mem_const_eq("", 0, "", 0));
	/* Bytes past the NUL count. */
	assert_false(mem_const_eq("ab\0c", 4, "ab\0d", 4));
	assert_true(mem_const_eq("ab\0c", 4, "ab\0c", 4));
	/* A prefix padded with zeros must still differ. */
	assert_false(mem_const_eq("ab", 2, "ab\0", 3));
	assert_false(mem_const_eq("ab\0", 3, "ab", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_steal),
		cmocka_unit_test(test_mem_const_eq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
