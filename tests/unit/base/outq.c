/* SPDX-License-Identifier: MIT */
/* Unit tests of base/outq: direct sends, the backlog only for what the socket refused, the bound, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/outq.h"

/* A non-blocking socketpair with small buffers: sv[0] is written. */
static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	int small = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
}

/* Reads what is there from @fd into @out (at most @cap). */
static size_t drain(int fd, char *out, size_t cap)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, out + got, cap - got);
		if (n <= 0)
			return got;
		got += (size_t)n;
	}
}

static void test_outq_direct_send_keeps_nothing(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct outq q = OUTQ_INIT;
	struct iovec iov[3] = {{"5\r\n", 3}, {"hello", 5}, {"\r\n", 2}};
	assert_int_equal(outq_write(&q, sv[0], iov, 3, 100), 0);
	assert_int_equal(outq_pending(&q), 0);
	assert_null(q.data); /* an idle queue holds no memory */
	char got[64];
	assert_int_equal(drain(sv[1], got, sizeof(got)), 10);
	assert_memory_equal(got, "5\r\nhello\r\n", 10);
	close(sv[0]);
	close(sv[1]);
}

static void test_outq_backlog_in_order_then_freed(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct outq q = OUTQ_INIT;
	/* Fill the socket, then some: the rest waits in the queue. */
	size_t total = 256 * 1024;
	char *src = malloc(total), *dst = malloc(total + 16);
	for (size_t i = 0; i < total; i++)
		src[i] = (char)(i * 7 + i / 251);
	size_t off = 0;
	while (off < total) {
		size_t n = total - off < 1000 ? total - off : 1000;
		struct iovec iov = {src + off, n};
		assert_int_equal(outq_write(&q, sv[0], &iov, 1, total), 0);
		off += n;
	}
	assert_true(outq_pending(&q) > 0);
	assert_non_null(q.data);
	/* Read and flush in turns until everything is across, in order. */
	size_t got = 0;
	for (int i = 0; i < 100000 && got < total; i++) {
		got += drain(sv[1], dst + got, total + 16 - got);
		int rc = outq_flush(&q, sv[0]);
		assert_true(rc == 0 || rc == -EAGAIN);
	}
	got += drain(sv[1], dst + got, total + 16 - got);
	assert_int_equal(got, total);
	assert_memory_equal(src, dst, total);
	assert_int_equal(outq_pending(&q), 0);
	assert_null(q.data);
	free(src);
	free(dst);
	close(sv[0]);
	close(sv[1]);
}

static void test_outq_bound_is_atomic(void **state)
{
	(void)state;
	int sv[2];
	pair(sv);
	struct outq q = OUTQ_INIT;
	char block[1000];
	memset(block, 'x', sizeof(block));
	struct iovec iov = {block, sizeof(block)};
	/* Larger than the bound by itself: refused, nothing sent. */
	assert_int_equal(outq_write(&q, sv[0], &iov, 1, 999), -ENOBUFS);
	char got[2048];
	assert_int_equal(drain(sv[1], got, sizeof(got)), 0);
	/* A reader that never reads: the backlog stops at the bound. */
	int refused = 0;
	for (int i = 0; i < 10000 && !refused; i++) {
		int rc = outq_write(&q, sv[0], &iov, 1, 8000);
		assert_true(rc == 0 || rc == -ENOBUFS);
		refused = rc == -ENOBUFS;
	}
	assert_true(refused);
	assert_true(outq_pending(&q) <= 8000);
	assert_true(outq_pending(&q) > 8000 - sizeof(block));
	outq_clear(&q);
	assert_null(q.data);
	assert_int_equal(outq_pending(&q), 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_outq_before_connect_and_errors(void **state)
{
	(void)state;
	struct outq q = OUTQ_INIT;
	struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
	/* fd -1: queued only. */
	assert_int_equal(outq_write(&q, -1, iov, 2, 100), 0);
	assert_int_equal(outq_pending(&q), 4);
	assert_memory_equal(q.data + q.off, "abcd", 4);
	outq_clear(&q);
	/* A peer that is gone: the send's error. */
	int sv[2];
	pair(sv);
	close(sv[1]);
	assert_int_equal(outq_write(&q, sv[0], iov, 2, 100), -EPIPE);
	assert_int_equal(outq_pending(&q), 0);
	/* Nothing to send: nothing happens. */
	struct iovec none = {"", 0};
	assert_int_equal(outq_write(&q, sv[0], &none, 1, 100), 0);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outq_direct_send_keeps_nothing),
		cmocka_unit_test(test_outq_backlog_in_order_then_freed),
		cmocka_unit_test(test_outq_bound_is_atomic),
		cmocka_unit_test(test_outq_before_connect_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
