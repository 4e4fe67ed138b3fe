/* SPDX-License-Identifier: MIT */
/* The watch room's lifecycle. */
#include <errno.h>
#include <stdlib.h>

#include "watch/config.h"
#include "watch/watch_room.h"

struct watch_room {
	const struct config *cfg;
};

static int room_open(const struct room_ctx *ctx, const struct config *cfg,
		     void **out)
{
	(void)ctx;
	struct watch_room *r = calloc(1, sizeof(*r));
	*out = r;
	if (!r)
		return -ENOMEM;
	r->cfg = cfg;
	return 0;
}

static int room_start(void *room)
{
	(void)room;
	return 0;
}

static void room_close(void *room)
{
	free(room);
}

static const char *room_state(void *room)
{
	(void)room;
	return "running";
}

const struct room_ops watch_room_ops = {
	.open = room_open,
	.start = room_start,
	.close = room_close,
	.state = room_state,
};
