/* SPDX-License-Identifier: MIT */
/* PUT /api/v1/dns/zones/ZONE/file: a zone file replaces the stored zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"
#include "proto/dns/name.h"

#define PREFIX "/api/v1/dns/zones/"
#define SUFFIX "/file"

struct import_write {
	struct dns_write w;
	char zone[DNS_NAME_TEXT_MAX];
	char why[512];
	size_t records;
	size_t len;
	char text[]; /* the zone file, copied from the request */
};

static int import_work(struct dns_write *w, struct store *s)
{
	struct import_write *j = (struct import_write *)w;
	return dns_import_text(s, j->zone, j->text, j->len, j->zone, false,
			       j->why, sizeof(j->why), &j->records);
}

static void import_done(struct dns_write *w, struct http_response *resp)
{
	struct import_write *j = (struct import_write *)w;
	if (w->rc) {
		http_reply_error(resp, 422, "%s", j->why);
		return;
	}
	http_reply_json(resp, 200,
			json_pack("{s:s, s:I}", "zone", j->zone, "records",
				  (json_int_t)j->records));
}

static void import_free(struct dns_write *w)
{
	free(w);
}

/*
 * What `hearth dns import ZONE FILE` calls. The text is parsed whole
 * before anything is written; an error answers 422 with "file:line:
 * message" and leaves the stored zone as it was. $INCLUDE is refused:
 * the daemon cannot see the client's files. Parsing and the write run
 * on the room's write strand (write.c).
 */
static void put_file(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct dns_room *r = ud;
	const char *p = req->path + strlen(PREFIX);
	size_t n = strlen(p), sl = strlen(SUFFIX);
	if (n <= sl || n - sl >= DNS_NAME_TEXT_MAX ||
	    strcmp(p + n - sl, SUFFIX) != 0) {
		http_reply_error(resp, 404, "not found");
		return;
	}
	struct import_write *j = calloc(1, sizeof(*j) + req->body_len + 1);
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	memcpy(j->zone, p, n - sl);
	j->zone[n - sl] = '\0';
	memcpy(j->text, req->body, req->body_len);
	j->len = req->body_len;
	snprintf(j->why, sizeof(j->why), "the zone file was not imported");
	j->w.work = import_work;
	j->w.done = import_done;
	j->w.free = import_free;
	dns_write_submit(r, req, resp, &j->w);
}

static const struct http_route routes[] = {
	{.name = "dns_import", .method = "PUT", .path = PREFIX, .prefix = true,
	 .management = true, .fn = put_file,
	 .help = "replace a zone with the zone file in the body"},
};

int dns_import_register(struct dns_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
