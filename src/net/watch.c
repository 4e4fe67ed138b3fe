/* SPDX-License-Identifier: MIT */
/* An rtnetlink notification socket polled on the loop: drained when readable, each message parsed and handed to the room. */
#include "net/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>

struct net_watch {
	uv_poll_t poll;
	struct mnl_socket *sock;
	net_watch_fn fn;
	void *ud;
	char buf[32768]; /* MNL_SOCKET_DUMP_SIZE: a notification burst */
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct net_watch *w = data;
	struct net_rtnl_event ev;
	if (net_rtnl_parse_event(nlh, &ev) == 0)
		w->fn(&ev, w->ud);
	return MNL_CB_OK;
}

/* Bounded: at most 64 reads a wake-up (the rest comes next time). */
static void on_readable(uv_poll_t *h, int status, int events)
{
	struct net_watch *w = h->data;
	(void)events;
	if (status < 0)
		return;
	for (int i = 0; i < 64 && w->fn; i++) {
		ssize_t n = mnl_socket_recvfrom(w->sock, w->buf, sizeof(w->buf));
		if (n < 0) {
			if (errno == ENOBUFS)
				w->fn(NULL, w->ud);
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return; /* EAGAIN: drained */
		}
		/* Notifications carry sequence 0 and port 0 (the kernel). */
		mnl_cb_run(w->buf, (size_t)n, 0, 0, on_msg, w);
	}
}

int net_watch_open(uv_loop_t *loop, net_watch_fn fn, void *ud,
		   struct net_watch **out)
{
	struct net_watch *w = calloc(1, sizeof(*w));
	int rc;
	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->ud = ud;
	if (!(w->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK |
							       SOCK_CLOEXEC))) {
		rc = -errno;
		goto fail;
	}
	if (mnl_socket_bind(w->sock,
			    RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = uv_poll_init_socket(loop, &w->poll,
				      mnl_socket_get_fd(w->sock))))
		goto fail;
	w->poll.data = w;
	if ((rc = uv_poll_start(&w->poll, UV_READABLE, on_readable))) {
		net_watch_close(w);
		return rc;
	}
	*out = w;
	return 0;
fail:
	if (w->sock)
		mnl_socket_close(w->sock);
	free(w);
	return rc;
}

static void on_closed(uv_handle_t *h)
{
	struct net_watch *w = h->data;
	mnl_socket_close(w->sock);
	free(w);
}

void net_watch_close(struct net_watch *w)
{
	if (!w)
		return;
	w->fn = NULL;
	uv_close((uv_handle_t *)&w->poll, on_closed);
}
