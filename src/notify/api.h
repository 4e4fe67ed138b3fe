/* SPDX-License-Identifier: MIT */
/* Helpers of the ntfy-compatible API shared by its files: errors in ntfy's shape, CORS. */
#ifndef HEARTH_NOTIFY_API_H
#define HEARTH_NOTIFY_API_H

#include "core/http_server.h"

/* {"code":@code,"http":@http,"error":@error,"link":...} + "\n", with the
 * CORS header. */
void notify_reply_error(struct http_response *resp, int http, int code,
			const char *error);
/* Access-Control-Allow-Origin: * (once). */
void notify_cors(struct http_response *resp);

#endif
