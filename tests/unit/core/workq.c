/* SPDX-License-Identifier: MIT */
/* Unit tests of the work queue: strand order, completion on the loop, shutdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core/workq.h"

#define N 64

/* Shared by the jobs of one test; the loop thread checks the results. */
struct run {
	uv_loop_t loop;
	struct workq *wq;
	struct workq_strand *strand;
	pthread_t loop_thread;
	pthread_mutex_t mu;
	int worked[N * 2]; /* indices in the order @work ran */
	size_t n_worked;
	int finished[N * 2]; /* indices in the order @done ran */
	int status[N * 2];
	size_t n_finished;
	atomic_int in_strand; /* strand jobs running right now */
	atomic_int max_in_strand;
	atomic_int started;   /* set by a blocking job once it runs */
	atomic_int release;   /* lets the blocking job return */
	atomic_int on_loop;   /* a @work ran on the loop thread */
	int chain;	      /* jobs left to submit from @done */
};

struct job {
	struct run *run;
	int index;
	bool on_strand;
	bool blocks;
};

static struct job jobs[N * 2];

static void nap(long us)
{
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
}

static void work(void *ud)
{
	struct job *j = ud;
	struct run *r = j->run;
	if (pthread_equal(pthread_self(), r->loop_thread))
		atomic_store(&r->on_loop, 1); /* no cmocka asserts off its thread */
	if (j->on_strand) {
		int now = atomic_fetch_add(&r->in_strand, 1) + 1;
		int max = atomic_load(&r->max_in_strand);
		while (now > max &&
		       !atomic_compare_exchange_weak(&r->max_in_strand, &max,
						     now))
			;
	}
	if (j->blocks) {
		atomic_store(&r->started, 1);
		for (int i = 0; i < 5000 && !atomic_load(&r->release); i++)
			nap(1000);
	} else {
		nap((long)(rand() % 300)); /* shuffle pool threads */
	}
	pthread_mutex_lock(&r->mu);
	r->worked[r->n_worked++] = j->index;
	pthread_mutex_unlock(&r->mu);
	if (j->on_strand)
		atomic_fetch_sub(&r->in_strand, 1);
}

static void done(void *ud, int status);

static int submit(struct run *r, int i, bool on_strand)
{
	jobs[i] = (struct job){.run = r, .index = i, .on_strand = on_strand};
	return on_strand ? workq_strand_submit(r->strand, work, done, &jobs[i])
			 : workq_submit(r->wq, work, done, &jobs[i]);
}

static void done(void *ud, int status)
{
	struct job *j = ud;
	struct run *r = j->run;
	assert_true(pthread_equal(pthread_self(), r->loop_thread));
	r->status[j->index] = status;
	r->finished[r->n_finished++] = j->index;
	if (r->chain > 0) {
		r->chain--;
		assert_int_equal(submit(r, j->index + 1, true), 0);
	}
}

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(uv_loop_init(&r->loop), 0);
	r->loop_thread = pthread_self();
	pthread_mutex_init(&r->mu, NULL);
	assert_int_equal(workq_new(&r->loop, &r->wq), 0);
	assert_int_equal(workq_strand_new(r->wq, &r->strand), 0);
}

static void run_finish(struct run *r)
{
	assert_false(atomic_load(&r->on_loop));
	workq_strand_free(r->strand);
	workq_shutdown(r->wq, false);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	struct workq_stats st;
	workq_get_stats(r->wq, &st);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.running, 0);
	workq_free(r->wq);
	assert_int_equal(uv_loop_close(&r->loop), 0);
	pthread_mutex_destroy(&r->mu);
}

static void test_strand_runs_in_order_one_at_a_time(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	run_init(r);
	for (int i = 0; i < N; i++)
		assert_int_equal(submit(r, i, true), 0);
	struct workq_stats st;
	workq_get_stats(r->wq, &st);
	assert_int_equal(st.queued + st.running, N);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(r->n_worked, N);
	assert_int_equal(r->n_finished, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(r->worked[i], i);
		assert_int_equal(r->finished[i], i);
		assert_int_equal(r->status[i], 0);
	}
	assert_int_equal(atomic_load(&r->max_in_strand), 1);
	workq_get_stats(r->wq, &st);
	assert_int_equal(st.completed, N);
	assert_int_equal(st.cancelled, 0);
	run_finish(r);
	free(r);
}

static void test_unordered_jobs_complete_on_the_loop(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	run_init(r);
	for (int i = 0; i < N; i++)
		assert_int_equal(submit(r, i, false), 0);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(r->n_worked, N);
	assert_int_equal(r->n_finished, N);
	bool seen[N] = {false};
	for (int i = 0; i < N; i++) {
		assert_false(seen[r->finished[i]]);
		seen[r->finished[i]] = true;
		assert_int_equal(r->status[r->finished[i]], 0);
	}
	run_finish(r);
	free(r);
}

/* A job submitted from a strand job's @done runs after it, still in
 * order (the strand does not start two at once then). */
static void test_submit_from_done_keeps_order(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	run_init(r);
	r->chain = N - 1;
	assert_int_equal(submit(r, 0, true), 0);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(r->n_finished, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(r->worked[i], i);
	assert_int_equal(atomic_load(&r->max_in_strand), 1);
	run_finish(r);
	free(r);
}

/* Shut down without cancelling: accepted jobs still run and complete
 * with 0; new ones are refused. */
static void test_shutdown_drains(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	run_init(r);
	for (int i = 0; i < N / 2; i++)
		assert_int_equal(submit(r, i, true), 0);
	for (int i = N / 2; i < N; i++)
		assert_int_equal(submit(r, i, false), 0);
	workq_shutdown(r->wq, false);
	assert_int_equal(submit(r, N, true), -ECANCELED);
	assert_int_equal(submit(r, N + 1, false), -ECANCELED);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(r->n_worked, N);
	assert_int_equal(r->n_finished, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(r->status[i], 0);
	int next = 0; /* the strand's jobs, in order among the others */
	for (size_t i = 0; i < r->n_worked; i++)
		if (r->worked[i] < N / 2)
			assert_int_equal(r->worked[i], next++);
	assert_int_equal(next, N / 2);
	run_finish(r);
	free(r);
}

/* Shut down cancelling: the job running finishes, the strand's waiting
 * jobs get done(-ECANCELED) in order and never run. */
static void test_shutdown_cancels_waiting(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	run_init(r);
	jobs[0] = (struct job){.run = r, .index = 0, .on_strand = true,
			       .blocks = true};
	assert_int_equal(workq_strand_submit(r->strand, work, done, &jobs[0]),
			 0);
	for (int i = 1; i < 10; i++)
		assert_int_equal(submit(r, i, true), 0);
	for (int i = 0; i < 5000 && !atomic_load(&r->started); i++)
		nap(1000);
	assert_true(atomic_load(&r->started));
	workq_shutdown(r->wq, true);
	atomic_store(&r->release, 1);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(r->n_worked, 1);
	assert_int_equal(r->n_finished, 10);
	assert_int_equal(r->status[0], 0);
	for (int i = 1; i < 10; i++) {
		assert_int_equal(r->finished[i], i);
		assert_int_equal(r->status[i], -ECANCELED);
	}
	struct workq_stats st;
	workq_get_stats(r->wq, &st);
	assert_int_equal(st.cancelled, 9);
	run_finish(r);
	free(r);
}

/* Freeing a strand with jobs on it: they still run; the strand goes
 * after the last one (ASan checks the memory). */
static void test_strand_free_with_pending_jobs(void **state)
{
	(void)state;
	struct run *r = malloc(sizeof(*r));
	run_init(r);
	for (int i = 0; i < 8; i++)
		assert_int_equal(submit(r, i, true), 0);
	workq_strand_free(r->strand);
	assert_int_equal(workq_strand_new(r->wq, &r->strand), 0);
	assert_int_equal(uv_run(&r->loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(r->n_finished, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(r->finished[i], i);
	run_finish(r);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strand_runs_in_order_one_at_a_time),
		cmocka_unit_test(test_unordered_jobs_complete_on_the_loop),
		cmocka_unit_test(test_submit_from_done_keeps_order),
		cmocka_unit_test(test_shutdown_drains),
		cmocka_unit_test(test_shutdown_cancels_waiting),
		cmocka_unit_test(test_strand_free_with_pending_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
