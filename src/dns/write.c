/* SPDX-License-Identifier: MIT */
/* The dns room's API writes off the loop: one strand, the room's own connection, answers after commit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/api_priv.h"
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
 *
 * The new snapshot is built on the strand too, right after the commit,
 * on the same connection, from the strand's last snapshot (room->head):
 * only the changed zone is read and built, and the loop only swaps the
 * pointer. Strand jobs and their completions alternate (workq.h), so
 * builds are serial and publish in commit order; a reload or lease
 * names published in between are reconciled by dns_room_publish_built.
 */

static void run(void *ud)
{
	struct dns_write *w = ud;
	struct dns_room *r = w->room;
	w->rc = w->work(w, r->wstore);
	if (w->rc || w->store_only)
		return;
	/* The new zones, off the loop: the edited zone patched where it
	 * can be, else only the zones whose version or lease names differ
	 * from the strand's last snapshot are built. */
	if (w->patch &&
	    dns_build_patched(w->cfg, w->dyn, w->n_dyn, r->head, w->zone,
			      w->v_before, w->v_after, w->patch, w,
			      &w->built) == 0) {
		w->built_degraded = -1;
		return;
	}
	bool degraded = false;
	int rc = dns_build(r->wstore, w->cfg, w->dyn, w->n_dyn, r->head, NULL,
			   false, &w->built, &degraded);
	w->built_degraded = degraded;
	if (rc) {
		log_warn("dns", "building the zones after a write: %s; "
				"retried on the loop",
			 hearth_strerror(rc));
		w->built = NULL;
	}
}

/* What dns_write_submit added to the job. */
static void release(struct dns_write *w)
{
	dns_snapshot_free(w->built);
	w->built = NULL;
	config_unref(w->cfg);
	w->cfg = NULL;
	free(w->dyn);
	w->dyn = NULL;
	w->free(w);
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
		if (!w->rc && !r->closing && !w->store_only) {
			dns_room_publish_built(r, w->built, w->built_degraded);
			w->built = NULL;
		}
		w->done(w, resp);
	}
	dns_api_cors(resp);
	http_pending_finish(w->pending);
	release(w);
	if (r->closing && r->writes == 0)
		dns_room_free(r);
}

void dns_write_submit(struct dns_room *r, const struct http_request *req,
		      struct http_response *resp, struct dns_write *w)
{
	w->room = r;
	w->patch = NULL;
	w->cfg = config_ref(r->cfg);
	w->built = NULL;
	w->dyn = NULL;
	w->n_dyn = 0;
	if (r->n_dyn) {
		w->dyn = malloc(r->n_dyn * sizeof(*w->dyn));
		if (!w->dyn) {
			http_reply_error(resp, 500, "out of memory");
			release(w);
			return;
		}
		memcpy(w->dyn, r->dyn, r->n_dyn * sizeof(*w->dyn));
		w->n_dyn = r->n_dyn;
	}
	w->pending = http_defer(req, resp, NULL, NULL);
	if (!w->pending) {
		release(w); /* resp is a 500 */
		return;
	}
	int rc = workq_strand_submit(r->wstrand, run, finish, w);
	if (rc) {
		struct http_response *p = http_pending_response(w->pending);
		http_reply_error(p, 503, "cannot queue the write: %s",
				 hearth_strerror(rc));
		http_pending_finish(w->pending);
		release(w);
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
