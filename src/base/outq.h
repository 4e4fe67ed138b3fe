/* SPDX-License-Identifier: MIT */
/* Bounded output queue of a non-blocking socket: send now, keep only what did not go out. */
#ifndef HEARTH_BASE_OUTQ_H
#define HEARTH_BASE_OUTQ_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * Caller-allocated value, zero-initialised (or OUTQ_INIT). Bytes are sent
 * straight from the caller's buffers while nothing is queued; only what
 * the socket does not take at once is copied into ->data, which is
 * allocated while something is pending and freed once it has gone out
 * (an idle queue holds no memory). Not thread-safe.
 */
struct outq {
	char *data; /* data[off..len) still to send; NULL when empty */
	size_t off, len, cap;
};

#define OUTQ_INIT {0}

/*
 * Sends the @n buffers of @iov to @fd (one sendmsg, MSG_NOSIGNAL) when
 * nothing is queued, and queues (copies) what it did not take; behind a
 * backlog (or with @fd -1: not connected yet), all of it is queued. Atomic against @max: when what would be
 * pending exceeds @max bytes, nothing is sent or queued. Returns 0,
 * -ENOBUFS (over @max), -ENOMEM, or the send's -errno (-EPIPE,
 * -ECONNRESET, ...: the socket is unusable).
 */
int outq_write(struct outq *q, int fd, const struct iovec *iov, int n,
	       size_t max);

/* Sends what is queued. Returns 0 (empty now), -EAGAIN (some remains) or
 * the send's -errno. */
int outq_flush(struct outq *q, int fd);

/* Bytes queued and not yet sent. */
size_t outq_pending(const struct outq *q);

/* Drops what is queued and frees the buffer. */
void outq_clear(struct outq *q);

#endif
