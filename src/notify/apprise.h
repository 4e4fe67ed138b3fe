/* SPDX-License-Identifier: MIT */
/* What the Apprise side's files share: its state, the dispatcher of notifications and the stored keys. */
#ifndef HEARTH_NOTIFY_APPRISE_H
#define HEARTH_NOTIFY_APPRISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "core/http_server.h"
#include "core/workq.h"
#include "notify/internal.h"
#include "proto/notify/apprise_target.h"

struct ap_job;

/* The Apprise side of the room: its server on notify.apprise.listen and
 * the notifications in flight. Loop thread only. */
#define AP_FAILED_KEPT 5

struct notify_apprise {
	struct notify_room *room;
	struct http_server *http; /* NULL without notify.apprise.listen */
	struct workq *workq;	  /* SMTP sessions (blocking libcurl) */
	struct ap_job *jobs;	  /* in flight (linked) */
	size_t njobs;
	int pending; /* API writes and jobs close waits for */
	bool closing;
	void (*close_done)(void *ud);
	/* From the config snapshot (strings belong to room->cfg). */
	struct apprise_endpoints ep;
	long timeout_ms;
	int retries;
	int retry_delay_ms;
	int64_t max_body;
	int recursion_max;
	int64_t attach_size; /* 0: attachments refused */
	/* /metrics: deliveries by scheme and result (0 ok, 1 failed) */
	uint64_t deliveries[APPRISE_SCHEME_COUNT][2];
	uint64_t requests, failures; /* notify calls, of which 424 */
	/* The last targets that failed, for the status page: a ring,
	 * @failed_next the slot written next; strings are owned. */
	struct ap_failure {
		char *url; /* masked */
		char *reason;
		int64_t at; /* unix s */
	} failed[AP_FAILED_KEPT];
	size_t failed_next;
};

/* Frees @ap and calls the room's close callback once it is closing and
 * nothing it waits for is left (apprise_room.c). */
void ap_close_check(struct notify_apprise *ap);

/* ---- the dispatcher (apprise_send.c) ---- */

/* Keeps @url (masked) and @reason as the newest failed target. */
void ap_failure_note(struct notify_apprise *ap, const char *url,
		     const char *reason);
/* Frees the failures kept (at close). */
void ap_failures_free(struct notify_apprise *ap);

/* One target's outcome. Strings live in the job's arena. */
struct ap_result {
	const char *url; /* the URL with secrets masked */
	const char *service;
	bool ok;
	const char *reason; /* NULL when ok */
};

typedef void (*ap_done_fn)(struct ap_job *j, void *ud);

/* A notification to many targets. @m's strings are copied. NULL when out
 * of memory. Free with ap_job_free (after its done callback, or instead
 * of starting it). */
struct ap_job *ap_job_new(struct notify_apprise *ap, const struct apprise_msg *m);
/* Adds the target @url. 0, -EINVAL (not a URL Apprise would load: @why)
 * or -ENOMEM. */
int ap_job_add(struct ap_job *j, const char *url, const char **why);
/* Adds the file @f (copied) to the message. 0 or -ENOMEM. */
int ap_job_attach(struct ap_job *j, const struct apprise_attach *f);
/* How many targets were added. */
size_t ap_job_count(const struct ap_job *j);
/* Sends to every target at once (each target's requests in order, each
 * with the timeout and bounded retries); @done runs on the loop once all
 * are over, never from inside this call. */
void ap_job_start(struct ap_job *j, ap_done_fn done, void *ud);
/* The results (valid until ap_job_free). */
const struct ap_result *ap_job_results(const struct ap_job *j, size_t *n);
/* The job's arena (strings that live as long as the job). */
struct arena *ap_job_arena(struct ap_job *j);
void ap_job_free(struct ap_job *j);
/* Stops waiting retries (the room closes): their targets fail. */
void ap_jobs_cancel(struct notify_apprise *ap);

/* The URL with its password and tokens masked (for results and logs). */
char *ap_mask_url(struct arena *a, const char *url);

/* ---- SMTP (apprise_smtp.c) ---- */

/* Sends @r (an APPRISE_REQ_SMTP request) with libcurl; runs on a pool
 * thread. Fills @err (empty on success). */
void ap_smtp_send(const struct apprise_request *r, long timeout_ms, char *err,
		  size_t errlen);

/* ---- stored keys (apprise_keys.c) ---- */

/* A key's stored config, read on the loop (the daemon's connection).
 * 0 (*text malloc'd, caller frees; *format "text" or "yaml"), -ENOENT,
 * or a hearth code. */
int ap_key_get(struct notify_apprise *ap, const char *key, char **text,
	       char format[8]);
/* Writes (or with @text NULL deletes) a key's config on the room's write
 * strand; @done(@ud, rc) runs on the loop after the commit (rc: 0,
 * -ENOENT for a delete of nothing, or a hearth code). */
int ap_key_put(struct notify_apprise *ap, const char *key, const char *format,
	       const char *text, void (*done)(void *ud, int rc), void *ud);

/* ---- the API (apprise_api.c) ---- */

/* Adds the Apprise API's routes to ap->http. */
int ap_api_register(struct notify_apprise *ap);

#endif
