/* SPDX-License-Identifier: MIT */
/* The work queue: blocking work on libuv's thread pool, completion on the loop. */
#ifndef HEARTH_CORE_WORKQ_H
#define HEARTH_CORE_WORKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"

/*
 * Rooms hand blocking work (SQLite writes with synchronous=FULL, hashing,
 * compression, fsync, file I/O) to the work queue: @work runs on a pool
 * thread, then @done runs on the loop thread. The pool is libuv's
 * (uv_queue_work), shared with libuv's own fs and getaddrinfo requests;
 * its size is UV_THREADPOOL_SIZE (default 4, read once when the pool
 * first starts), so long jobs on many threads can delay each other.
 *
 * A strand is a serial lane: its jobs run one at a time in submission
 * order, and their @done callbacks run in that order too (job N+1 starts
 * after job N's @done returned). Writes to one SQLite connection go
 * through one strand, so the connection is only ever used by one thread
 * at a time and commits land in the order they were made.
 *
 * Shutdown: workq_shutdown refuses new jobs (submit returns -ECANCELED,
 * @done is not called). Jobs already submitted still run and their @done
 * gets 0, so what a room accepted becomes durable; with @cancel_pending,
 * jobs that have not started get @done(-ECANCELED) instead (their @work
 * never runs). Either way every accepted job gets exactly one @done on
 * the loop, and uv_run returns once they have: the queue holds no
 * handles, only requests, so uv_loop_close succeeds afterwards.
 *
 * Everything here is loop-thread only except @work itself.
 */
struct workq;
struct workq_strand;

/* Runs on a pool thread; must not touch the loop or loop-owned state. */
typedef void (*workq_work_fn)(void *ud);
/* Runs on the loop thread: @status is 0 when @work ran, -ECANCELED when
 * it was cancelled before it started. */
typedef void (*workq_done_fn)(void *ud, int status);

/* *out is owned by the caller: workq_free it after the loop finished
 * every job. 0 or -ENOMEM. */
int workq_new(uv_loop_t *loop, struct workq **out);
/* Frees the queue; it must be idle (no jobs queued or running). NULL ok. */
void workq_free(struct workq *wq);

/* Queues a job with no ordering against other jobs. @ud belongs to the
 * caller, who may free it in @done. 0, -ENOMEM or -ECANCELED (shut down). */
int workq_submit(struct workq *wq, workq_work_fn work, workq_done_fn done,
		 void *ud);

/* A serial lane on @wq. *out is owned by the caller (workq_strand_free). */
int workq_strand_new(struct workq *wq, struct workq_strand **out);
/* Frees the strand; jobs still on it run (or are cancelled) as usual and
 * the memory goes after the last @done. NULL ok. */
void workq_strand_free(struct workq_strand *s);
/* Queues a job behind the strand's earlier ones. As workq_submit. */
int workq_strand_submit(struct workq_strand *s, workq_work_fn work,
			workq_done_fn done, void *ud);

/* Refuses new jobs; see the shutdown paragraph above. */
void workq_shutdown(struct workq *wq, bool cancel_pending);

/* Jobs waiting (on a strand or in the pool) and running right now. */
struct workq_stats {
	size_t queued;
	size_t running;
	uint64_t completed; /* @done callbacks run */
	uint64_t cancelled; /* of which with -ECANCELED */
};
void workq_get_stats(const struct workq *wq, struct workq_stats *out);

/* A metrics collector (metrics_register(m, workq_collect, wq)). */
void workq_collect(struct buf *out, void *wq);

#endif
