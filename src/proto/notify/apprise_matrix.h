/* SPDX-License-Identifier: MIT */
/* Matrix server mode (matrix://user:pass@host/#room) as a pure state machine: login, join each room, send. */
#ifndef HEARTH_PROTO_NOTIFY_APPRISE_MATRIX_H
#define HEARTH_PROTO_NOTIFY_APPRISE_MATRIX_H

#include <stddef.h>

#include "proto/notify/apprise_target.h"

/*
 * Apprise 1.2.0's NotifyMatrix without a webhook: POST
 * /_matrix/client/r0/login (m.login.password), then per room POST
 * /join/<room> (an alias's answer names the room id) and POST
 * /rooms/<id>/send/m.room.message; no rooms in the URL: GET /joined_rooms
 * first. Each request depends on the answer to the one before, so the
 * caller feeds every answer back in and gets the next request. Pure: no
 * I/O, no clock; strings in the caller's arena.
 */
struct apprise_matrix {
	int phase; /* internal */
	size_t room;
	char **rooms;
	size_t nrooms;
	const char *token, *home, *room_id;
	int errors;	    /* rooms that could not be joined or sent to */
	const char *why;    /* the first error */
};

/*
 * Advances @st: @status and @body are the answer to the previous request
 * (ignored on the first call: status 0). Returns 1 with *out the next
 * request, 0 when done (st->errors says whether all went), or -ENOMEM.
 */
int apprise_matrix_step(struct apprise_matrix *st, const struct apprise_target *t,
			const struct apprise_msg *m, long status, const char *body,
			size_t body_len, struct arena *a, struct apprise_request *out);

#endif
