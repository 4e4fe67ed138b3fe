/* SPDX-License-Identifier: MIT */
/* The notify room's hooks for the Apprise side: stand-ins until apprise*.c replaces this file. */
#include <errno.h>

#include "notify/internal.h"

int notify_apprise_open(struct notify_room *r, const struct room_ctx *ctx)
{
	(void)ctx;
	r->apprise = NULL;
	return 0;
}

int notify_apprise_start(struct notify_room *r)
{
	(void)r;
	return 0;
}

void notify_apprise_reload(struct notify_room *r, const struct config *cfg)
{
	(void)r;
	(void)cfg;
}

void notify_apprise_close(struct notify_room *r, void (*done)(void *ud))
{
	done(r);
}

int notify_apprise_route(struct notify_room *r, const char *url,
			 const struct room_notify_msg *m)
{
	(void)r;
	(void)url;
	(void)m;
	return -ENOSYS;
}
