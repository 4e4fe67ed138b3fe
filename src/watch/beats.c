/* SPDX-License-Identifier: MIT */
/* The watch room's heartbeat writer: the beats of a loop tick in one transaction on the work-queue strand, and retention. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "watch/internal.h"

/*
 * Beats are queued as they happen; a zero-delay timer flushes them on
 * the next turn of the loop, so every beat of one tick lands in one
 * transaction. One batch is on the strand at a time: beats made while it
 * commits wait for the next, so a slow disk makes bigger transactions,
 * never more of them. The strand's own connection does the writing
 * (WAL: the loop's connection reads meanwhile); the hourly retention
 * pass runs on the same strand, so writers never meet.
 */

#define QUEUE_MAX 100000 /* beats held while the disk is stuck */
#define PRUNE_EVERY_MS (3600 * 1000)
#define WATCH_KEEP_LAST 100 /* beats per monitor kept whatever their age */

struct job {
	struct watch_room *r;
	struct watch_queued_beat *beats;
	size_t n;
	bool prune;
	int (*work)(struct store *, void *); /* a write of the API */
	void (*work_done)(void *, int);
	void *ud;
	int64_t now_s;
	struct cfg_watch_retention keep;
	int rc;
};

/* Frees @n beats, answering the pushes among them: 200 when @rc is 0. */
static void free_beats(struct watch_queued_beat *q, size_t n, int rc)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].msg);
		if (!q[i].pending)
			continue;
		watch_push_answer(http_pending_response(q[i].pending),
				  rc ? 503 : 200,
				  rc ? "the heartbeat was not saved" : NULL);
		http_pending_finish(q[i].pending);
	}
	free(q);
}

static void run(void *ud)
{
	struct job *j = ud;
	if (j->work) {
		j->rc = j->work(j->r->wstore, j->ud);
		return;
	}
	if (j->prune) {
		j->rc = watch_store_prune(j->r->wstore, j->now_s,
					  j->keep.heartbeats, j->keep.minutely,
					  j->keep.hourly, j->keep.daily);
		if (!j->rc)
			j->rc = watch_store_prune_detail(j->r->wstore, j->now_s,
							 j->keep.detailed,
							 WATCH_KEEP_LAST);
		return;
	}
	struct watch_store_beat *b = malloc(j->n * sizeof(*b));
	if (!b) {
		j->rc = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < j->n; i++) {
		b[i] = j->beats[i].b;
		b[i].msg = j->beats[i].msg;
	}
	j->rc = watch_store_beats(j->r->wstore, b, j->n);
	free(b);
}

static void submit(struct watch_room *r, struct job *j);

static void done(void *ud, int status)
{
	struct job *j = ud;
	struct watch_room *r = j->r;
	int rc = status ? status : j->rc;
	r->jobs--;
	if (j->work) {
		j->work_done(j->ud, rc);
	} else if (!j->prune) {
		if (rc) {
			r->write_errors++;
			log_warn("watch", "%zu heartbeats not written: %s", j->n,
				 hearth_strerror(rc));
		} else {
			r->beats_written += j->n;
			r->batches_written++;
		}
		free_beats(j->beats, j->n, rc);
		r->batch = NULL;
		r->n_batch = 0;
	} else if (rc) {
		log_warn("watch", "history retention: %s", hearth_strerror(rc));
	}
	free(j);
	if (r->n_queue)
		watch_beats_flush(r); /* what came while this one committed */
	watch_room_maybe_free(r);
}

static void submit(struct watch_room *r, struct job *j)
{
	int rc = workq_strand_submit(r->strand, run, done, j);
	if (rc) {
		log_warn("watch", "cannot queue a history write: %s",
			 hearth_strerror(rc));
		if (!j->prune && !j->work) {
			free_beats(j->beats, j->n, rc);
			r->batch = NULL;
			r->n_batch = 0;
		}
		free(j);
		return;
	}
	r->jobs++;
}

int watch_write_submit(struct watch_room *r, int (*work)(struct store *, void *),
		       void (*done_fn)(void *, int), void *ud)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	*j = (struct job){.r = r, .work = work, .work_done = done_fn, .ud = ud};
	int rc = workq_strand_submit(r->strand, run, done, j);
	if (rc) {
		free(j);
		return rc;
	}
	r->jobs++;
	return 0;
}

void watch_beats_flush(struct watch_room *r)
{
	if (!r->n_queue || r->batch)
		return; /* nothing, or the batch in flight calls again */
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return; /* retried at the next beat */
	j->r = r;
	j->beats = r->batch = r->queue;
	j->n = r->n_batch = r->n_queue;
	r->queue = NULL;
	r->n_queue = r->cap_queue = 0;
	submit(r, j);
}

static void on_flush(struct clock_timer *t, void *ud)
{
	(void)t;
	watch_beats_flush(ud);
}

static void refuse(struct http_pending *p)
{
	if (!p)
		return;
	watch_push_answer(http_pending_response(p), 503,
			  "the heartbeat cannot be saved now");
	http_pending_finish(p);
}

void watch_beats_queue(struct watch_room *r, const struct watch_store_beat *b,
		       struct http_pending *p)
{
	if (r->n_queue == r->cap_queue) {
		size_t cap = r->cap_queue ? 2 * r->cap_queue : 64;
		struct watch_queued_beat *q =
			cap > QUEUE_MAX ? NULL
					: realloc(r->queue, cap * sizeof(*q));
		if (!q) {
			/* The disk is stuck (or no memory): the beat is
			 * lost, and counted. */
			r->write_errors++;
			refuse(p);
			return;
		}
		r->queue = q;
		r->cap_queue = cap;
	}
	struct watch_queued_beat *e = &r->queue[r->n_queue];
	e->b = *b;
	e->msg = strdup(b->msg ? b->msg : "");
	if (!e->msg) {
		refuse(p);
		return;
	}
	e->b.msg = NULL;
	e->pending = p;
	r->n_queue++;
	if (!r->closing && !clock_timer_is_active(r->flush_timer))
		clock_timer_start(r->flush_timer, 0, 0);
}

static void on_prune(struct clock_timer *t, void *ud)
{
	(void)t;
	struct watch_room *r = ud;
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->r = r;
	j->prune = true;
	j->now_s = clock_wall_s(r->clock);
	j->keep = watch_config(r->cfg)->retention;
	submit(r, j);
}

int watch_beats_open(struct watch_room *r, const struct room_ctx *ctx)
{
	int rc = store_open_peer(r->store, &r->wstore);
	if (!rc)
		rc = workq_strand_new(ctx->workq, &r->strand);
	if (!rc)
		rc = clock_timer_new(r->clock, on_flush, r, &r->flush_timer);
	if (!rc)
		rc = clock_timer_new(r->clock, on_prune, r, &r->prune_timer);
	if (rc) {
		log_error("watch", "cannot set up the history writer: %s",
			  hearth_strerror(rc));
		return rc;
	}
	/* A first pass soon after start, then hourly. */
	clock_timer_start(r->prune_timer, 60 * 1000, PRUNE_EVERY_MS);
	return 0;
}

void watch_beats_close(struct watch_room *r)
{
	clock_timer_free(r->flush_timer);
	r->flush_timer = NULL;
	clock_timer_free(r->prune_timer);
	r->prune_timer = NULL;
	free_beats(r->queue, r->n_queue, -ECANCELED);
	r->queue = NULL;
	r->n_queue = 0;
	workq_strand_free(r->strand);
	r->strand = NULL;
	store_free(r->wstore);
	r->wstore = NULL;
}
