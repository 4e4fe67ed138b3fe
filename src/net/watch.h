/* SPDX-License-Identifier: MIT */
/* The drift watch's rtnetlink socket on the daemon's loop: link and address notifications, handed on one by one. */
#ifndef HEARTH_NET_WATCH_H
#define HEARTH_NET_WATCH_H

#include <uv.h>

#include "net/rtnl.h"

struct net_watch;

/* Called on the loop thread for each notification; @ev NULL when some
 * were lost (the socket's buffer overflowed: anything may have changed). */
typedef void (*net_watch_fn)(const struct net_rtnl_event *ev, void *ud);

/* Opens a NETLINK_ROUTE socket (libmnl) subscribed to RTMGRP_LINK,
 * RTMGRP_IPV4_IFADDR and RTMGRP_IPV6_IFADDR in the calling thread's
 * network namespace, polled on @loop. *out is the caller's
 * (net_watch_close). 0 or a negative errno. Loop thread. */
int net_watch_open(uv_loop_t *loop, net_watch_fn fn, void *ud,
		   struct net_watch **out);

/* Stops the callbacks at once; the memory goes in the handle's close
 * callback (the loop must run once more). NULL is fine. */
void net_watch_close(struct net_watch *w);

#endif
