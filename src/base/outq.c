/* SPDX-License-Identifier: MIT */
/* Bounded output queue of a non-blocking socket: send now, keep only what did not go out. */
#include "base/outq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define OUTQ_MIN_CAP 256

size_t outq_pending(const struct outq *q)
{
	return q->len - q->off;
}

void outq_clear(struct outq *q)
{
	free(q->data);
	*q = (struct outq)OUTQ_INIT;
}

/* Room for @more bytes after the pending ones (moved to the front). */
static int reserve(struct outq *q, size_t more)
{
	size_t have = outq_pending(q);
	if (q->off) {
		memmove(q->data, q->data + q->off, have);
		q->off = 0;
		q->len = have;
	}
	if (have + more <= q->cap)
		return 0;
	size_t cap = q->cap ? q->cap : OUTQ_MIN_CAP;
	while (cap < have + more)
		cap *= 2;
	char *d = realloc(q->data, cap);
	if (!d)
		return -ENOMEM;
	q->data = d;
	q->cap = cap;
	return 0;
}

/* Queues @iov from byte @skip of the whole on. */
static int queue(struct outq *q, const struct iovec *iov, int n, size_t skip,
		 size_t total)
{
	if (reserve(q, total - skip))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		size_t l = iov[i].iov_len;
		if (skip >= l) {
			skip -= l;
			continue;
		}
		memcpy(q->data + q->len, (const char *)iov[i].iov_base + skip,
		       l - skip);
		q->len += l - skip;
		skip = 0;
	}
	return 0;
}

static ssize_t send_iov(int fd, const struct iovec *iov, int n)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov,
			   .msg_iovlen = (size_t)n};
	ssize_t r;
	do
		r = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	return r;
}

int outq_write(struct outq *q, int fd, const struct iovec *iov, int n,
	       size_t max)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (outq_pending(q) + total > max)
		return -ENOBUFS;
	if (!total)
		return 0;
	size_t sent = 0;
	if (!outq_pending(q) && fd >= 0) {
		ssize_t r = send_iov(fd, iov, n);
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		sent = r > 0 ? (size_t)r : 0;
		if (sent == total)
			return 0;
	}
	return queue(q, iov, n, sent, total);
}

int outq_flush(struct outq *q, int fd)
{
	while (outq_pending(q)) {
		ssize_t r;
		do
			r = send(fd, q->data + q->off, outq_pending(q),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
								       : -errno;
		q->off += (size_t)r;
	}
	outq_clear(q);
	return 0;
}
