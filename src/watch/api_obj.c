/* SPDX-License-Identifier: MIT */
/* What the API's status pages and notifications share: a body read as JSON, a key from the path, a write to the store answered once durable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "watch/internal.h"
#include "watch/store.h"

struct watch_obj_write *watch_obj_write_new(struct watch_room *r,
					    const char *kind)
{
	struct watch_obj_write *w = calloc(1, sizeof(*w));
	if (w) {
		w->r = r;
		w->kind = kind;
	}
	return w;
}

void watch_obj_write_free(struct watch_obj_write *w)
{
	if (!w)
		return;
	if (w->obj && w->free_obj)
		w->free_obj(w->obj);
	free(w->key);
	free(w->old_key);
	free(w->text);
	free(w);
}

static int obj_work(struct store *s, void *ud)
{
	struct watch_obj_write *w = ud;
	return watch_store_obj_put(s, w->kind, w->old_key, w->key, w->text);
}

static void obj_done(void *ud, int rc)
{
	struct watch_obj_write *w = ud;
	struct http_response *resp = http_pending_response(w->p);
	if (rc)
		http_reply_error(resp, 503, "not saved: %s", hearth_strerror(rc));
	else if (w->r->closing)
		http_reply_error(resp, 503, "the watch room is shutting down");
	else
		w->apply(w, resp);
	http_pending_finish(w->p);
	watch_obj_write_free(w);
}

void watch_obj_submit(struct watch_obj_write *w, const struct http_request *req,
		      struct http_response *resp)
{
	if (!w->key) {
		http_reply_error(resp, 500, "out of memory");
		watch_obj_write_free(w);
		return;
	}
	if (!(w->p = http_defer(req, resp, NULL, NULL))) {
		watch_obj_write_free(w);
		return;
	}
	int rc = watch_write_submit(w->r, obj_work, obj_done, w);
	if (rc) {
		http_reply_error(http_pending_response(w->p), 503,
				 "cannot queue the write: %s", hearth_strerror(rc));
		http_pending_finish(w->p);
		watch_obj_write_free(w);
	}
}

json_t *watch_body_json(const struct http_request *req,
			struct http_response *resp)
{
	json_error_t jerr;
	json_t *o = json_loadb(req->body, req->body_len, 0, &jerr);
	if (!o)
		http_reply_error(resp, 400, "body: not JSON: %s", jerr.text);
	else if (!json_is_object(o)) {
		http_reply_error(resp, 400, "body: the body must be a JSON object");
		json_decref(o);
		o = NULL;
	}
	return o;
}

int watch_path_key(const struct http_request *req, const char *prefix,
		   char *out, size_t cap, const char **rest)
{
	const char *s = req->path + strlen(prefix);
	size_t n = strcspn(s, "/");
	*rest = s + n;
	if (!n || n >= cap)
		return -ENOENT;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}
