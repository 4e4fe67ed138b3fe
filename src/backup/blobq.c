/* SPDX-License-Identifier: MIT */
/* The blob queue (see blobq.h): a mutex, two condition variables, a FIFO list. */
#include "backup/blobq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define MAX_THREADS 16

struct backup_blobq {
	pthread_mutex_t mu;
	pthread_cond_t work, room; /* an item queued / bytes freed or idle */
	struct backup_blobq_item *head, *tail;
	size_t max_bytes, bytes; /* queued + in flight */
	size_t busy;		 /* items queued or being worked on */
	bool stop;
	backup_blobq_fn fn;
	void *ud;
	pthread_t th[MAX_THREADS];
	int n_th;
};

int backup_blobq_threads(void)
{
	const char *v = getenv("HEARTH_BACKUP_THREADS");
	if (v && *v) {
		char *end;
		long n = strtol(v, &end, 10);
		if (!*end && n >= 0 && n <= MAX_THREADS)
			return (int)n;
	}
	return 2;
}

static void *worker(void *arg)
{
	struct backup_blobq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->head && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		struct backup_blobq_item *it = q->head;
		if (!it)
			break; /* stopping and nothing left */
		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		size_t bytes = it->bytes;
		pthread_mutex_unlock(&q->mu);
		q->fn(it, q->ud);
		pthread_mutex_lock(&q->mu);
		q->bytes -= bytes;
		q->busy--;
		pthread_cond_broadcast(&q->room);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct backup_blobq *backup_blobq_new(int threads, size_t max_bytes, backup_blobq_fn fn,
				      void *ud)
{
	struct backup_blobq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->max_bytes = max_bytes;
	q->fn = fn;
	q->ud = ud;
	if (pthread_mutex_init(&q->mu, NULL)) {
		free(q);
		return NULL;
	}
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->room, NULL);
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&q->th[q->n_th], NULL, worker, q) == 0)
			q->n_th++;
	return q;
}

void backup_blobq_push(struct backup_blobq *q, struct backup_blobq_item *it)
{
	if (!q->n_th) {
		q->fn(it, q->ud);
		return;
	}
	it->next = NULL;
	pthread_mutex_lock(&q->mu);
	while (q->busy && q->bytes + it->bytes > q->max_bytes)
		pthread_cond_wait(&q->room, &q->mu);
	q->bytes += it->bytes;
	q->busy++;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
}

void backup_blobq_drain(struct backup_blobq *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->busy)
		pthread_cond_wait(&q->room, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

void backup_blobq_free(struct backup_blobq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->n_th; i++)
		pthread_join(q->th[i], NULL);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
