/* SPDX-License-Identifier: MIT */
/* Who may read and write topics: notify.default_access for anonymous clients; credentials are refused until users exist. */
#include <string.h>
#include <strings.h>

#include "notify/api.h"
#include "notify/internal.h"

/* Credentials ntfy reads: Basic or Bearer in Authorization, or ?auth=
 * (base64url of such a header, for browsers' WebSockets). Other schemes
 * (WebPush, vapid) count as anonymous, as in ntfy. */
static bool has_credentials(const struct http_request *req)
{
	const char *a = http_request_header(req, "Authorization");
	if (a && (strncasecmp(a, "Basic ", 6) == 0 ||
		  strncasecmp(a, "Bearer ", 7) == 0))
		return true;
	const char *q = http_request_arg(req, "auth");
	if (!q)
		q = http_request_arg(req, "authorization");
	return q && *q;
}

int notify_access_check(struct notify_room *r, const struct http_request *req,
			struct http_response *resp, enum notify_op op)
{
	const struct cfg_notify *n = notify_config(r->cfg);
	if (has_credentials(req)) {
		/* No user or token can match yet (users and tokens are not
		 * built): ntfy answers wrong credentials 401, even on a
		 * topic anonymous clients may use. */
		notify_reply_error(resp, 401, 40101, "unauthorized");
		http_reply_header(resp, "WWW-Authenticate", "Basic realm=\"ntfy\"");
		return 401;
	}
	bool ok;
	switch (n->default_access) {
	case NOTIFY_ACCESS_READ_WRITE:
		ok = true;
		break;
	case NOTIFY_ACCESS_READ_ONLY:
		ok = op == NOTIFY_READ;
		break;
	case NOTIFY_ACCESS_WRITE_ONLY:
		ok = op == NOTIFY_WRITE;
		break;
	default:
		ok = false;
	}
	if (ok)
		return 0;
	notify_reply_error(resp, 403, 40301, "forbidden");
	return 403;
}
