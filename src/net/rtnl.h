/* SPDX-License-Identifier: MIT */
/* rtnetlink messages the net room sends and reads, built and parsed with libmnl. Pure (buffers only, no socket). */
#ifndef HEARTH_NET_RTNL_H
#define HEARTH_NET_RTNL_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "net/plan.h"

/* Room for any message built here (attributes are small). */
#define NET_RTNL_BUF 4096

/* What a link message carries; a member left at its "none" value adds
 * no attribute. */
struct net_rtnl_link {
	uint16_t type;	   /* RTM_NEWLINK or RTM_DELLINK */
	bool create;	   /* NLM_F_CREATE | NLM_F_EXCL */
	int ifindex;	   /* 0: none (a new link goes by name) */
	const char *name;  /* IFLA_IFNAME, NULL none */
	const char *kind;  /* IFLA_LINKINFO/IFLA_INFO_KIND, NULL none */
	int parent;	   /* IFLA_LINK, 0 none */
	int vlan;	   /* IFLA_INFO_DATA/IFLA_VLAN_ID (kind vlan), 0 none */
	int stp;	   /* IFLA_INFO_DATA/IFLA_BR_STP_STATE (kind bridge), -1 none */
	int master;	   /* IFLA_MASTER: -1 none, 0 no master, else ifindex */
	const char *alias; /* IFLA_IFALIAS, NULL none ("" clears it) */
	int up;		   /* IFF_UP: -1 leave, 0 down, 1 up */
};

/* A link message for @l into @buf (NET_RTNL_BUF bytes), with
 * NLM_F_REQUEST | NLM_F_ACK and @seq. Returns the header in @buf. */
struct nlmsghdr *net_rtnl_link_msg(void *buf, uint32_t seq,
				   const struct net_rtnl_link *l);

/* RTM_NEWADDR (with NLM_F_CREATE | NLM_F_EXCL) or RTM_DELADDR of @a
 * (address and prefix length) on @ifindex. */
struct nlmsghdr *net_rtnl_addr_msg(void *buf, uint32_t seq, uint16_t type,
				   int ifindex, const struct ipprefix *a);

/* A dump request: RTM_GETLINK or RTM_GETADDR (@family AF_UNSPEC: all). */
struct nlmsghdr *net_rtnl_dump_msg(void *buf, uint32_t seq, uint16_t type);

/* Reads an RTM_NEWLINK message into @out (sysctls and addresses left
 * unknown/empty: -1, 0). 0, or -EINVAL when malformed. */
int net_rtnl_parse_link(const struct nlmsghdr *nlh, struct net_seen *out);

/* Reads an RTM_NEWADDR message: the link's index and the address with
 * its prefix length. 0, or -EINVAL (malformed or not IPv4/IPv6). */
int net_rtnl_parse_addr(const struct nlmsghdr *nlh, int *ifindex,
			struct ipprefix *out);

/* What an rtnetlink notification (RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR,
 * RTM_DELADDR) is about, for the daemon's drift watch. */
struct net_rtnl_event {
	bool is_link;		 /* a link message; else an address one */
	int ifindex;
	char name[NET_IFNAMSIZ]; /* a link's IFLA_IFNAME ("" for addresses) */
	bool is_owned;		 /* a link whose ifalias is NET_ALIAS_PREFIX... */
};

/* Reads @nlh into @ev: 0, or -EINVAL when it is none of those four or
 * is malformed. */
int net_rtnl_parse_event(const struct nlmsghdr *nlh, struct net_rtnl_event *ev);

#endif
