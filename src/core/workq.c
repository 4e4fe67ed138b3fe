/* SPDX-License-Identifier: MIT */
/* The work queue: uv_queue_work jobs, strands as FIFOs that keep one job in the pool. */
#include "core/workq.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/log.h"
#include "core/metrics.h"

/*
 * A job is either in the pool (a uv_work_t request queued or running) or
 * waiting on its strand behind the strand's job in the pool. Jobs in the
 * pool are on wq->pool, so shutdown can try to cancel them (uv_cancel
 * succeeds only for a request no thread has picked up yet).
 */
struct job {
	uv_work_t req;
	struct workq *wq;
	struct workq_strand *strand; /* NULL: unordered */
	workq_work_fn work;
	workq_done_fn done;
	void *ud;
	struct job *next;		/* strand FIFO */
	struct job *pool_prev, *pool_next; /* wq->pool */
};

struct workq_strand {
	struct workq *wq;
	struct job *head, *tail; /* head is in the pool, unless in_done */
	int in_done; /* inside a job's @done: submit only appends */
	bool freed;
};

struct workq {
	uv_loop_t *loop;
	struct job *pool;
	bool shut;
	bool cancel; /* jobs not yet started get -ECANCELED */
	size_t queued;
	atomic_size_t running;
	uint64_t completed, cancelled;
};

static void on_work(uv_work_t *req)
{
	struct job *j = req->data;
	atomic_fetch_add(&j->wq->running, 1);
	j->work(j->ud);
	atomic_fetch_sub(&j->wq->running, 1);
}

static void pool_unlink(struct job *j)
{
	if (j->pool_prev)
		j->pool_prev->pool_next = j->pool_next;
	else
		j->wq->pool = j->pool_next;
	if (j->pool_next)
		j->pool_next->pool_prev = j->pool_prev;
	j->pool_prev = j->pool_next = NULL;
}

static void finish(struct job *j, int status)
{
	struct workq *wq = j->wq;
	wq->queued--;
	wq->completed++;
	if (status)
		wq->cancelled++;
	j->done(j->ud, status);
	free(j);
}

static void on_after_work(uv_work_t *req, int status);

static int to_pool(struct job *j)
{
	struct workq *wq = j->wq;
	j->req.data = j;
	int rc = uv_queue_work(wq->loop, &j->req, on_work, on_after_work);
	if (rc)
		return rc;
	j->pool_next = wq->pool;
	if (wq->pool)
		wq->pool->pool_prev = j;
	wq->pool = j;
	return 0;
}

/* The strand's head finished and its @done returned: hand the next job
 * to the pool (or, once cancelling, finish the rest with -ECANCELED). */
static void strand_advance(struct workq_strand *s)
{
	while (s->head) {
		struct job *j = s->head;
		if (!s->wq->cancel && to_pool(j) == 0)
			break;
		s->head = j->next;
		if (!s->head)
			s->tail = NULL;
		finish(j, -ECANCELED);
	}
	if (--s->in_done == 0 && s->freed && !s->head)
		free(s);
}

static void on_after_work(uv_work_t *req, int status)
{
	struct job *j = req->data;
	struct workq_strand *s = j->strand;
	pool_unlink(j);
	if (s) {
		s->in_done++;
		s->head = j->next;
		if (!s->head)
			s->tail = NULL;
	}
	finish(j, status == UV_ECANCELED ? -ECANCELED : 0);
	if (s)
		strand_advance(s);
}

static struct job *job_new(struct workq *wq, workq_work_fn work,
			   workq_done_fn done, void *ud, int *rc)
{
	*rc = wq->shut ? -ECANCELED : 0;
	if (*rc)
		return NULL;
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		*rc = -ENOMEM;
		return NULL;
	}
	j->wq = wq;
	j->work = work;
	j->done = done;
	j->ud = ud;
	return j;
}

int workq_submit(struct workq *wq, workq_work_fn work, workq_done_fn done,
		 void *ud)
{
	int rc;
	struct job *j = job_new(wq, work, done, ud, &rc);
	if (!j)
		return rc;
	rc = to_pool(j);
	if (rc) {
		free(j);
		return rc;
	}
	wq->queued++;
	return 0;
}

int workq_strand_submit(struct workq_strand *s, workq_work_fn work,
			workq_done_fn done, void *ud)
{
	int rc;
	struct job *j = job_new(s->wq, work, done, ud, &rc);
	if (!j)
		return rc;
	j->strand = s;
	if (!s->head && !s->in_done) {
		rc = to_pool(j);
		if (rc) {
			free(j);
			return rc;
		}
	}
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->wq->queued++;
	return 0;
}

int workq_strand_new(struct workq *wq, struct workq_strand **out)
{
	struct workq_strand *s = calloc(1, sizeof(*s));
	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->wq = wq;
	*out = s;
	return 0;
}

void workq_strand_free(struct workq_strand *s)
{
	if (!s)
		return;
	s->freed = true;
	if (!s->head && !s->in_done)
		free(s);
	/* else strand_advance frees it after the last job */
}

void workq_shutdown(struct workq *wq, bool cancel_pending)
{
	wq->shut = true;
	if (!cancel_pending)
		return;
	wq->cancel = true;
	/* Cancelled requests still complete through on_after_work, on the
	 * loop, with UV_ECANCELED; those already running finish normally. */
	for (struct job *j = wq->pool; j; j = j->pool_next)
		uv_cancel((uv_req_t *)&j->req);
}

int workq_new(uv_loop_t *loop, struct workq **out)
{
	struct workq *wq = calloc(1, sizeof(*wq));
	*out = NULL;
	if (!wq)
		return -ENOMEM;
	wq->loop = loop;
	atomic_init(&wq->running, 0);
	*out = wq;
	return 0;
}

void workq_free(struct workq *wq)
{
	if (wq && wq->queued) {
		/* Their completions would use the queue: leak it instead. */
		log_error("core", "work queue freed with %zu jobs pending",
			  wq->queued);
		return;
	}
	free(wq);
}

void workq_get_stats(const struct workq *wq, struct workq_stats *out)
{
	size_t running = atomic_load(&((struct workq *)wq)->running);
	out->running = running;
	out->queued = wq->queued > running ? wq->queued - running : 0;
	out->completed = wq->completed;
	out->cancelled = wq->cancelled;
}

void workq_collect(struct buf *out, void *ud)
{
	struct workq_stats st;
	workq_get_stats(ud, &st);
	metrics_value(out, "hearth_workq_queued", "gauge",
		      "jobs waiting for a pool thread",
		      (double)st.queued);
	metrics_value(out, "hearth_workq_running", "gauge",
		      "jobs running on a pool thread",
		      (double)st.running);
	metrics_value(out, "hearth_workq_completed_total", "counter",
		      "jobs completed (cancelled ones included)",
		      (double)st.completed);
	metrics_value(out, "hearth_workq_cancelled_total", "counter",
		      "jobs cancelled before they ran",
		      (double)st.cancelled);
}
