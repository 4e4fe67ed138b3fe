/* SPDX-License-Identifier: MIT */
/* A bounded queue of sealed blobs and the worker threads that open them: the read paths (check --read-data, restore) read packs in order on one thread and decrypt, decompress and hash on others. */
#ifndef HEARTH_BACKUP_BLOBQ_H
#define HEARTH_BACKUP_BLOBQ_H

#include <stddef.h>

/* The head of a caller's item (embed it first). */
struct backup_blobq_item {
	struct backup_blobq_item *next;
	size_t bytes; /* what it holds, against the queue's bound */
};

/* Runs on a worker thread, one item at a time per thread; owns @it. */
typedef void (*backup_blobq_fn)(struct backup_blobq_item *it, void *ud);

struct backup_blobq;

/* A queue served by @threads workers (0: backup_blobq_push runs @fn
 * itself), holding at most @max_bytes of items queued or being worked
 * on (one item more than that is let through when none is in flight).
 * NULL when out of memory; when no thread starts it works inline. */
struct backup_blobq *backup_blobq_new(int threads, size_t max_bytes, backup_blobq_fn fn,
				      void *ud);
/* Hands @it to a worker; blocks while the bound is reached. */
void backup_blobq_push(struct backup_blobq *q, struct backup_blobq_item *it);
/* Waits until every item pushed so far has been worked on. */
void backup_blobq_drain(struct backup_blobq *q);
/* Drains, stops the workers and frees @q (NULL: nothing). */
void backup_blobq_free(struct backup_blobq *q);

/* Workers the read paths use: 2, or HEARTH_BACKUP_THREADS (0..16). */
int backup_blobq_threads(void);

#endif
