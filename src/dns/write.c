/* SPDX-License-Identifier: MIT */
/* The dns room's API writes off the loop: one strand, the room's own connection, answers after commit. */
#include <errno.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/internal.h"

/*
 * Every write the API makes (zone create, settings, RRsets, delete, zone
 * file import) is a read-modify-write of one zone. It runs whole on the
 * room's write strand, on a connection of its own (store_open_peer), so
 * the fsync of synchronous=FULL never blocks the loop, two writes to one
 * zone never interleave, and they commit in the order they arrived. The
 * HTTP answer waits (http_defer) and goes out from the completion, after
 * the commit and after the new zones are published: nothing is
 * acknowledged before it is durable and served. When the room closes
 * with writes in flight, it is freed by the last completion.
 */

static void run(void *ud)
{
	struct dns_write *w = ud;
	w->rc = w->work(w, w->room->wstore);
}

static void finish(void *ud, int status)
{
	struct dns_write *w = ud;
	struct dns_room *r = w->room;
	struct http_response *resp = http_pending_response(w->pending);
	r->writes--;
	if (status) {
		http_reply_error(resp, 503, "the dns room is shutting down");
	} else {
		if (!w->rc && !r->closing)
			dns_room_refresh(r);
		w->done(w, resp);
	}
	http_pending_finish(w->pending);
	w->free(w);
	if (r->closing && r->writes == 0)
		dns_room_free(r);
}

void dns_write_submit(struct dns_room *r, const struct http_request *req,
		      struct http_response *resp, struct dns_write *w)
{
	w->room = r;
	w->pending = http_defer(req, resp, NULL, NULL);
	if (!w->pending) {
		w->free(w); /* resp is a 500 */
		return;
	}
	int rc = workq_strand_submit(r->wstrand, run, finish, w);
	if (rc) {
		struct http_response *p = http_pending_response(w->pending);
		http_reply_error(p, 503, "cannot queue the write: %s",
				 hearth_strerror(rc));
		http_pending_finish(w->pending);
		w->free(w);
		return;
	}
	r->writes++;
}

int dns_write_open(struct dns_room *r, const struct room_ctx *ctx)
{
	int rc = store_open_peer(r->store, &r->wstore);
	if (!rc)
		rc = workq_strand_new(ctx->workq, &r->wstrand);
	if (rc)
		log_error("dns", "cannot set up the API's writer: %s",
			  hearth_strerror(rc));
	return rc;
}

void dns_write_close(struct dns_room *r)
{
	workq_strand_free(r->wstrand);
	r->wstrand = NULL;
	store_free(r->wstore);
	r->wstore = NULL;
}
