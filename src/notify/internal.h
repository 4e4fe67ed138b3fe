/* SPDX-License-Identifier: MIT */
/* What the notify room's files share: the room struct, its HTTP side and the Apprise hooks. */
#ifndef HEARTH_NOTIFY_INTERNAL_H
#define HEARTH_NOTIFY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "core/metrics.h"
#include "core/room.h"
#include "core/services.h"
#include "core/workq.h"
#include "notify/auth.h"
#include "notify/config.h"
#include "notify/msg.h"
#include "notify/sched.h"
#include "notify/store.h"
#include "proto/notify/ntfy_pub.h"

/* The Apprise side of the room (apprise*.c): its own server on
 * notify.apprise.listen, its keys and targets. Opaque here. */
struct notify_apprise;

struct notify_sub;

/* Counters for /metrics and /v1/stats. */
/* Where a message came from: a client's HTTP publish, or an event of
 * another room through notify.routes (the classes of /metrics). */
enum notify_source { NOTIFY_FROM_HTTP, NOTIFY_FROM_EVENT };

struct notify_stats {
	uint64_t published[2];	/* messages accepted, by enum notify_source */
	uint64_t delivered[4];	/* message events written, by notify_framing */
	uint64_t dropped;	/* subscribers dropped as too slow */
	uint64_t refused;	/* publishes answered 4xx */
	uint64_t subs[4];	/* open, by enum notify_framing */
	/* How long notify_deliver took per message (the loop's own work:
	 * matching, framing, queueing on every subscriber's stream). */
	struct metrics_hist fanout;
};

struct notify_room {
	uv_loop_t *loop;
	const struct clock *clock;
	struct metrics *metrics;
	struct http_client *http_client;
	struct config *cfg; /* a reference; swapped on reload */
	/*
	 * @store is the daemon's connection (loop thread): cache reads.
	 * Writes (publish, delivery of delayed messages, expiry) run on
	 * @strand through @wstore, the room's own connection, so the fsync
	 * never blocks the loop and commits land in order; the answer to a
	 * publish goes out after its commit (http_defer).
	 */
	struct store *store;
	struct store *wstore;
	struct workq_strand *strand;
	struct workq *workq; /* file reads for /file/ID */
	struct http_server *http; /* notify.listen */
	/* What the room offers the others (services->notify). */
	struct room_notify_publisher publisher;
	/* Users, tokens, ACL and visitor limits (auth.c). */
	struct notify_auth *auth;
	/* The Apprise side; NULL while it is not configured or built. */
	struct notify_apprise *apprise;
	/* Every open subscription (subscribe.c). */
	struct notify_sub *subs;
	struct notify_stats stats;
	/* Delayed messages (publish.c) and the expiry sweep. */
	struct notify_sched sched;
	struct clock_timer *sweep;
	bool due_running; /* a delivery of due messages is on the strand */
	/* Uploaded attachments: where, and how many bytes in all. */
	char files_dir[4096];
	int64_t files_total;
	char base_url[160]; /* without a trailing slash */
	/* Handles and strand jobs still to come back before the room can
	 * be freed (close). */
	int pending;
	bool closing;
};

/* ---- HTTP (api.c) ---- */

/* Adds the ntfy-compatible routes to @r->http. */
int notify_api_register(struct notify_room *r);
/* The request's header (@header) or query argument: a ntfy_get_fn over
 * a const struct http_request. */
const char *notify_req_get(void *req, const char *name, bool header);
/* Replies 200 with @text (a message's JSON) and "\n". */
void notify_reply_msg(struct http_response *resp, const char *text);

/* ---- access control (auth*.c; see notify/auth.h) ---- */

/* Bytes of @req's body that would be an attachment upload (for the
 * visitor's bandwidth): the body when a filename is given or it is past
 * notify.message_size_limit, else 0. */
int64_t notify_upload_bytes(struct notify_room *r,
			    const struct http_request *req);

/* POST /api/v1/notify/publish on the daemon's server (mgmt.c). */
int notify_mgmt_register(struct notify_room *r, struct http_server *http);

/* ---- subscriptions (subscribe.c) ---- */

/* GET /<topics>/<json|sse|raw|ws> (@topics the raw path segment). */
void notify_subscribe(struct notify_room *r, const struct http_request *req,
		      struct http_response *resp, const char *topics,
		      enum notify_framing f, const struct notify_who *who);
/* The topics with open subscriptions, the busiest first (at most @max,
 * of the first 64 seen): [{topic, subscribers}]. A new reference. */
json_t *notify_sub_topics(struct notify_room *r, size_t max);
/* Sums @n counters. */
static inline uint64_t notify_sum(const uint64_t *v, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += v[i];
	return t;
}

/* The status page's view of the room (room_ops.summary; summary.c). */
json_t *notify_summary(void *room, bool details);

/* Writes @m to every subscription of its topic that wants it. */
void notify_deliver(struct notify_room *r, const struct notify_msg *m);
/* Ends every subscription (the room closes). */
void notify_subs_close(struct notify_room *r);
/* Splits a comma list of topics into @out (at most @cap), each checked:
 * returns how many, or -EINVAL with @err filled. */
int notify_topics_parse(const char *seg, char (*out)[65], size_t cap,
			struct ntfy_err *err);

/* ---- publishing (publish.c) ---- */

/* PUT/POST /<topic>[/<sid>], GET /<topic>/publish: options from headers
 * and query, the body as message or upload. */
void notify_publish_http(struct notify_room *r, const struct http_request *req,
			 struct http_response *resp, const char *topic,
			 const char *sid);
/* PUT/POST / with a JSON body. */
void notify_publish_json(struct notify_room *r, const struct http_request *req,
			 struct http_response *resp);
/* The cross-room publisher's ntfy:TOPIC leg. 0 or a negative code. */
int notify_publish_local(struct notify_room *r, const char *topic,
			 const struct room_notify_msg *m);
/* The same with an uploaded file (@fname, @len bytes of @data, copied)
 * stored as the message's attachment, within notify.attachment_*
 * limits: 0, -EINVAL, -EFBIG (too large, or the total is full), -ENOMEM. */
int notify_publish_local_file(struct notify_room *r, const char *topic,
			      const struct room_notify_msg *m, const char *fname,
			      const void *data, size_t len);
/* Starts the scheduler and the expiry sweep (the room's start). */
int notify_publish_start(struct notify_room *r);
/* The scheduler's due callback. */
void notify_publish_due(void *room, int64_t now);
/* Puts a job on the strand, counted in r->pending. */
int notify_strand_submit(struct notify_room *r, workq_work_fn work,
			 workq_done_fn done, void *ud);
/* A strand job came back: uncounts it (and frees the room when it was
 * the last thing close waited for). Returns true when the room is gone. */
bool notify_strand_done(struct notify_room *r);

/* ---- attachments (attach.c) ---- */

/* GET/HEAD /file/<id>[.ext]. */
void notify_file_serve(struct notify_room *r, const struct http_request *req,
		       struct http_response *resp, const char *name);
/* The MIME type of @data (sniffed; @name's extension as fallback) and
 * the extension for its URL (".png"; "" when unknown -> ".bin"). */
void notify_file_type(const void *data, size_t len, const char *name,
		      char type[128], char ext[16]);
/* Writes @data to @dir/@id durably (temp file, fsync, rename). Any
 * thread. 0 or a negative errno. */
int notify_file_write(const char *dir, const char *id, const void *data,
		      size_t len);
/* Removes @dir/@id (missing is fine). Any thread. */
void notify_file_remove(const char *dir, const char *id);

/* ---- the Apprise side (apprise_hook.c until it is built) ---- */

/* Opens the Apprise API on notify.apprise.listen when configured (binds
 * its socket: called from the room's open). 0 or a hearth code. */
int notify_apprise_open(struct notify_room *r, const struct room_ctx *ctx);
/* Starts serving it (the room's start). */
int notify_apprise_start(struct notify_room *r);
/* Takes a new config on reload (cannot fail). */
void notify_apprise_reload(struct notify_room *r, const struct config *cfg);
/* Closes it; the room's free waits until @done(@r) ran once. */
void notify_apprise_close(struct notify_room *r, void (*done)(void *ud));
/*
 * Sends @m to the Apprise URL @url of a route (asynchronously; the
 * outcome is logged and counted, never reported back). 0 when queued,
 * -ENOSYS while the Apprise side is not built, or a negative code.
 */
int notify_apprise_route(struct notify_room *r, const char *url,
			 const struct room_notify_msg *m);

#endif
