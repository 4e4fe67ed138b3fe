/* SPDX-License-Identifier: MIT */
/* PUT /api/v1/dns/zones/ZONE/file: a zone file replaces the stored zone. */
#include <stdio.h>
#include <string.h>

#include "dns/internal.h"
#include "proto/dns/name.h"

#define PREFIX "/api/v1/dns/zones/"
#define SUFFIX "/file"

/*
 * What `hearth dns import ZONE FILE` calls. The text is parsed whole
 * before anything is written; an error answers 422 with "file:line:
 * message" and leaves the stored zone as it was. $INCLUDE is refused:
 * the daemon cannot see the client's files.
 */
static void put_file(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct dns_room *r = ud;
	const char *p = req->path + strlen(PREFIX);
	size_t n = strlen(p), sl = strlen(SUFFIX);
	char zone[DNS_NAME_TEXT_MAX], why[512];
	if (n <= sl || n - sl >= sizeof(zone) ||
	    strcmp(p + n - sl, SUFFIX) != 0) {
		http_reply_error(resp, 404, "not found");
		return;
	}
	memcpy(zone, p, n - sl);
	zone[n - sl] = '\0';
	size_t records = 0;
	int rc = dns_import_text(r->store, zone, req->body, req->body_len,
				 zone, false, why, sizeof(why), &records);
	if (rc) {
		http_reply_error(resp, 422, "%s", why);
		return;
	}
	dns_room_refresh(r);
	http_reply_json(resp, 200,
			json_pack("{s:s, s:I}", "zone", zone, "records",
				  (json_int_t)records));
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
