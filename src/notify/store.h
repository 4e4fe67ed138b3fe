/* SPDX-License-Identifier: MIT */
/* The notify room's tables: the message cache and the attachments. */
#ifndef HEARTH_NOTIFY_STORE_H
#define HEARTH_NOTIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"
#include "notify/msg.h"
#include "proto/notify/ntfy_params.h"

/*
 * Every function takes the connection to use: the loop's (reads) or the
 * room's writer on its strand (writes). Returns 0 or a hearth code.
 */

/* An uploaded attachment's row. */
struct notify_store_file {
	int64_t size, expires;
	const char *name, *type;
};

/* Stores @m (when it is cached: m->expires != 0; @published false for a
 * delayed one) and @f (may be NULL) in one transaction. */
int notify_store_put(struct store *s, const struct notify_msg *m,
		     bool published, const struct notify_store_file *f);
/* Marks delayed messages due at @now published, passing each (oldest
 * first, at most 1000) to @fn, in one transaction. */
int notify_store_take_due(struct store *s, int64_t now,
			  int (*fn)(const char *json, size_t len, void *ud),
			  void *ud);
/* The time of the next delayed message: 0, or -ENOENT when none. */
int notify_store_next_due(struct store *s, int64_t *at);
/* Deletes what expired by @now; @gone learns each expired attachment. */
int notify_store_expire(struct store *s, int64_t now,
			void (*gone)(const char *id, int64_t size, void *ud),
			void *ud);
/* The cached messages of @topic that @since selects, in order (time,
 * then arrival); @scheduled includes delayed ones not yet delivered. */
int notify_store_since(struct store *s, const char *topic,
		       const struct ntfy_since *since, bool scheduled,
		       int64_t now,
		       int (*fn)(const char *json, size_t len, int64_t seq,
				 void *ud),
		       void *ud);
/* The attachment @id unless it expired; @name and @type hold its
 * strings. -ENOENT when there is none. */
int notify_store_file(struct store *s, const char *id, int64_t now,
		      struct notify_store_file *out, char name[256],
		      char type[128]);
/* Bytes of all stored attachments. */
int notify_store_files_size(struct store *s, int64_t *total);
/* Messages in the cache. */
int notify_store_count(struct store *s, int64_t *n);

#endif
