/* SPDX-License-Identifier: MIT */
/* libFuzzer target: bytes as an rtnetlink link or address message (a dump answer or a notification), read by the net room's parsers. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/rtnl.h"

/*
 * The input is one netlink message (its own nlmsg_len is replaced by the
 * input's size, as mnl_cb_run hands over only whole messages); the first
 * byte picks link or address (bit 0) and new or del (bit 1, the drift
 * watch's notifications). Whatever the parsers accept must give a
 * NUL-terminated name, kind and alias within their buffers.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[NET_RTNL_BUF] __attribute__((aligned(8)));
	if (size < 1 + sizeof(struct nlmsghdr) || size - 1 > sizeof(buf))
		return 0;
	memcpy(buf, data + 1, size - 1);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	nlh->nlmsg_len = (uint32_t)(size - 1);
	bool del = data[0] & 2;
	struct net_rtnl_event ev;
	if (data[0] & 1) {
		struct ipprefix a;
		int ifindex;
		nlh->nlmsg_type = del ? RTM_DELADDR : RTM_NEWADDR;
		if (net_rtnl_parse_event(nlh, &ev) == 0 && (ev.is_link || *ev.name))
			abort();
		nlh->nlmsg_type = RTM_NEWADDR;
		if (net_rtnl_parse_addr(nlh, &ifindex, &a) == 0 &&
		    a.addr.family != AF_INET && a.addr.family != AF_INET6)
			abort();
		return 0;
	}
	nlh->nlmsg_type = del ? RTM_DELLINK : RTM_NEWLINK;
	if (net_rtnl_parse_event(nlh, &ev) == 0 &&
	    (!ev.is_link || strnlen(ev.name, sizeof(ev.name)) == sizeof(ev.name)))
		abort();
	struct net_seen s;
	nlh->nlmsg_type = RTM_NEWLINK;
	if (net_rtnl_parse_link(nlh, &s) == 0 &&
	    (strnlen(s.name, sizeof(s.name)) == sizeof(s.name) ||
	     strnlen(s.kind, sizeof(s.kind)) == sizeof(s.kind) ||
	     strnlen(s.alias, sizeof(s.alias)) == sizeof(s.alias)))
		abort();
	return 0;
}
