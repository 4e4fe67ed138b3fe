/* SPDX-License-Identifier: MIT */
/* rtnetlink link and address messages: built into a buffer and parsed back with libmnl. */
#include "net/rtnl.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static struct nlmsghdr *header(void *buf, uint32_t seq, uint16_t type,
			       uint16_t flags)
{
	memset(buf, 0, NET_RTNL_BUF);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

struct nlmsghdr *net_rtnl_link_msg(void *buf, uint32_t seq,
				   const struct net_rtnl_link *l)
{
	struct nlmsghdr *nlh = header(buf, seq, l->type,
				      NLM_F_ACK | (l->create ? NLM_F_CREATE |
								       NLM_F_EXCL
							     : 0));
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l->ifindex;
	if (l->up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = l->up ? IFF_UP : 0;
	}
	if (l->name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
	if (l->parent > 0)
		mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)l->parent);
	if (l->master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)l->master);
	if (l->alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, l->alias);
	if (l->kind) {
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, l->kind);
		bool vlan = strcmp(l->kind, "vlan") == 0 && l->vlan > 0;
		bool stp = strcmp(l->kind, "bridge") == 0 && l->stp >= 0;
		if (vlan || stp) {
			struct nlattr *data =
				mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
			if (vlan)
				mnl_attr_put_u16(nlh, IFLA_VLAN_ID,
						 (uint16_t)l->vlan);
			if (stp)
				mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE,
						 (uint32_t)l->stp);
			mnl_attr_nest_end(nlh, data);
		}
		mnl_attr_nest_end(nlh, info);
	}
	return nlh;
}

struct nlmsghdr *net_rtnl_addr_msg(void *buf, uint32_t seq, uint16_t type,
				   int ifindex, const struct ipprefix *a)
{
	struct nlmsghdr *nlh = header(buf, seq, type,
				      NLM_F_ACK | (type == RTM_NEWADDR
							   ? NLM_F_CREATE |
								     NLM_F_EXCL
							   : 0));
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	bool v4 = a->addr.family == AF_INET;
	ifa->ifa_family = (uint8_t)a->addr.family;
	ifa->ifa_prefixlen = (uint8_t)a->len;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	size_t n = v4 ? 4 : 16;
	mnl_attr_put(nlh, IFA_LOCAL, n, a->addr.u.bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, n, a->addr.u.bytes);
	return nlh;
}

struct nlmsghdr *net_rtnl_dump_msg(void *buf, uint32_t seq, uint16_t type)
{
	struct nlmsghdr *nlh = header(buf, seq, type, NLM_F_DUMP);
	if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
	} else {
		struct ifinfomsg *ifi =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
	}
	return nlh;
}

/* Attribute tables: one slot per type up to @max, NULL when absent. */
struct attrs {
	const struct nlattr **tb;
	int max;
};

static int collect(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);
	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static void copy_str(char *dst, size_t cap, const struct nlattr *a)
{
	dst[0] = '\0';
	if (!a || mnl_attr_get_payload_len(a) == 0)
		return;
	size_t n = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);
	size_t len = strnlen(s, n);
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int get_u32(const struct nlattr *a, int *out)
{
	if (!a)
		return 0;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EINVAL;
	*out = (int)mnl_attr_get_u32(a);
	return 0;
}

static int parse_linkinfo(const struct nlattr *info, struct net_seen *out)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = {0};
	struct attrs a = {tb, IFLA_INFO_MAX};
	if (mnl_attr_parse_nested(info, collect, &a) < 0)
		return -EINVAL;
	copy_str(out->kind, sizeof(out->kind), tb[IFLA_INFO_KIND]);
	if (!tb[IFLA_INFO_DATA])
		return 0;
	if (strcmp(out->kind, "vlan") == 0) {
		const struct nlattr *vt[IFLA_VLAN_MAX + 1] = {0};
		struct attrs v = {vt, IFLA_VLAN_MAX};
		if (mnl_attr_parse_nested(tb[IFLA_INFO_DATA], collect, &v) < 0)
			return -EINVAL;
		if (vt[IFLA_VLAN_ID]) {
			if (mnl_attr_validate(vt[IFLA_VLAN_ID], MNL_TYPE_U16) < 0)
				return -EINVAL;
			out->vlan = mnl_attr_get_u16(vt[IFLA_VLAN_ID]);
		}
	} else if (strcmp(out->kind, "bridge") == 0) {
		const struct nlattr *bt[IFLA_BR_MAX + 1] = {0};
		struct attrs b = {bt, IFLA_BR_MAX};
		if (mnl_attr_parse_nested(tb[IFLA_INFO_DATA], collect, &b) < 0)
			return -EINVAL;
		if (get_u32(bt[IFLA_BR_STP_STATE], &out->stp))
			return -EINVAL;
	}
	return 0;
}

int net_rtnl_parse_link(const struct nlmsghdr *nlh, struct net_seen *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	struct attrs a = {tb, IFLA_MAX};
	memset(out, 0, sizeof(*out));
	out->stp = out->disable_ipv6 = out->accept_ra = -1;
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
		return -EINVAL;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), collect, &a) < 0)
		return -EINVAL;
	if (!tb[IFLA_IFNAME])
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	out->up = (ifi->ifi_flags & IFF_UP) != 0;
	copy_str(out->name, sizeof(out->name), tb[IFLA_IFNAME]);
	copy_str(out->alias, sizeof(out->alias), tb[IFLA_IFALIAS]);
	if (get_u32(tb[IFLA_LINK], &out->parent) ||
	    get_u32(tb[IFLA_MASTER], &out->master))
		return -EINVAL;
	/* IFLA_LINK of a plain link is its own index. */
	if (out->parent == out->ifindex)
		out->parent = 0;
	if (tb[IFLA_LINKINFO])
		return parse_linkinfo(tb[IFLA_LINKINFO], out);
	return 0;
}

int net_rtnl_parse_addr(const struct nlmsghdr *nlh, int *ifindex,
			struct ipprefix *out)
{
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	struct attrs a = {tb, IFA_MAX};
	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifaddrmsg)))
		return -EINVAL;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifa), collect, &a) < 0)
		return -EINVAL;
	size_t n = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	/* IPv4 names the address IFA_LOCAL (IFA_ADDRESS is the peer on
	 * point-to-point links); IPv6 only has IFA_ADDRESS. */
	const struct nlattr *at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!n || !at || mnl_attr_get_payload_len(at) != n)
		return -EINVAL;
	out->addr.family = ifa->ifa_family;
	memcpy(out->addr.u.bytes, mnl_attr_get_payload(at), n);
	out->len = ifa->ifa_prefixlen;
	*ifindex = (int)ifa->ifa_index;
	return 0;
}

int net_rtnl_parse_event(const struct nlmsghdr *nlh, struct net_rtnl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifaddrmsg)))
			return -EINVAL;
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
		ev->ifindex = (int)ifa->ifa_index;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	struct attrs a = {tb, IFLA_MAX};
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
		return -EINVAL;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), collect, &a) < 0)
		return -EINVAL;
	char alias[NET_ALIAS_MAX];
	ev->is_link = true;
	ev->ifindex = ifi->ifi_index;
	copy_str(ev->name, sizeof(ev->name), tb[IFLA_IFNAME]);
	copy_str(alias, sizeof(alias), tb[IFLA_IFALIAS]);
	ev->is_owned = strncmp(alias, NET_ALIAS_PREFIX,
			       sizeof(NET_ALIAS_PREFIX) - 1) == 0;
	return 0;
}
