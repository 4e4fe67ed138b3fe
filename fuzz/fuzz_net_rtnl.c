/* SPDX-License-Identifier: MIT */
/* libFuzzer target: bytes as an rtnetlink link or address message, read by the net room's parsers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/rtnl.h"

/*
 * The input is one netlink message (its own nlmsg_len is replaced by the
 * input's size, as mnl_cb_run hands over only whole messages); the first
 * byte picks link or address. Whatever the parsers accept must give a
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
	if (data[0] & 1) {
		struct ipprefix a;
		int ifindex;
		nlh->nlmsg_type = RTM_NEWADDR;
		if (net_rtnl_parse_addr(nlh, &ifindex, &a) == 0 &&
		    a.addr.family != AF_INET && a.addr.family != AF_INET6)
			abort();
		return 0;
	}
	struct net_seen s;
	nlh->nlmsg_type = RTM_NEWLINK;
	if (net_rtnl_parse_link(nlh, &s) == 0 &&
	    (strnlen(s.name, sizeof(s.name)) == sizeof(s.name) ||
	     strnlen(s.kind, sizeof(s.kind)) == sizeof(s.kind) ||
	     strnlen(s.alias, sizeof(s.alias)) == sizeof(s.alias)))
		abort();
	return 0;
}
