/* SPDX-License-Identifier: MIT */
/* Unit tests of the net room's rtnetlink messages: built into a buffer, read back attribute by attribute (no socket). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "net/rtnl.h"

static struct net_rtnl_link none(void)
{
	return (struct net_rtnl_link){.stp = -1, .master = -1, .up = -1};
}

struct seen_attrs {
	const struct nlattr *tb[IFLA_MAX + 1];
};

static int collect(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_get_type(a) <= IFLA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void test_create_bridge(void **state)
{
	(void)state;
	char buf[NET_RTNL_BUF];
	struct net_rtnl_link l = none();
	l.type = RTM_NEWLINK;
	l.create = true;
	l.name = "dmzbr";
	l.kind = "bridge";
	l.stp = 0;
	struct nlmsghdr *nlh = net_rtnl_link_msg(buf, 7, &l);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
						   NLM_F_CREATE | NLM_F_EXCL);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_change, 0);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	assert_true(mnl_attr_parse(nlh, sizeof(*ifi), collect, tb) >= 0);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFNAME]), "dmzbr");
	assert_null(tb[IFLA_MASTER]);
	assert_null(tb[IFLA_LINK]);
	assert_null(tb[IFLA_IFALIAS]);
	const struct nlattr *info[IFLA_MAX + 1] = {0};
	assert_true(mnl_attr_parse_nested(tb[IFLA_LINKINFO], collect, info) >= 0);
	assert_string_equal(mnl_attr_get_str(info[IFLA_INFO_KIND]), "bridge");
	const struct nlattr *data[IFLA_MAX + 1] = {0};
	assert_true(mnl_attr_parse_nested(info[IFLA_INFO_DATA], collect, data) >= 0);
	assert_non_null(data[IFLA_BR_STP_STATE]);
	assert_int_equal(mnl_attr_get_u32(data[IFLA_BR_STP_STATE]), 0);
}

static void test_create_vlan_and_parse_back(void **state)
{
	(void)state;
	char buf[NET_RTNL_BUF];
	struct net_rtnl_link l = none();
	l.type = RTM_NEWLINK;
	l.create = true;
	l.ifindex = 9;
	l.name = "eth0.30";
	l.kind = "vlan";
	l.parent = 2;
	l.vlan = 30;
	l.master = 8;
	l.alias = "hearth:dmz";
	l.up = 1;
	struct nlmsghdr *nlh = net_rtnl_link_msg(buf, 1, &l);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	assert_true(mnl_attr_parse(nlh, sizeof(*ifi), collect, tb) >= 0);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_LINK]), 2);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MASTER]), 8);
	assert_string_equal(mnl_attr_get_str(tb[IFLA_IFALIAS]), "hearth:dmz");

	/* The kernel's dump answers look the same: the parser reads it. */
	struct net_seen s;
	assert_int_equal(net_rtnl_parse_link(nlh, &s), 0);
	assert_int_equal(s.ifindex, 9);
	assert_string_equal(s.name, "eth0.30");
	assert_string_equal(s.kind, "vlan");
	assert_int_equal(s.vlan, 30);
	assert_int_equal(s.parent, 2);
	assert_int_equal(s.master, 8);
	assert_string_equal(s.alias, "hearth:dmz");
	assert_true(s.up);
	assert_int_equal(s.stp, -1);
	assert_int_equal(s.disable_ipv6, -1);
}

static void test_set_master_and_stp(void **state)
{
	(void)state;
	char buf[NET_RTNL_BUF];
	struct net_rtnl_link l = none();
	l.type = RTM_NEWLINK;
	l.ifindex = 4;
	l.master = 0; /* nomaster */
	struct nlmsghdr *nlh = net_rtnl_link_msg(buf, 2, &l);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 4);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	assert_true(mnl_attr_parse(nlh, sizeof(*ifi), collect, tb) >= 0);
	assert_null(tb[IFLA_IFNAME]);
	assert_non_null(tb[IFLA_MASTER]);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MASTER]), 0);
	assert_null(tb[IFLA_LINKINFO]);

	/* A bridge's STP on an existing link, read back by the parser. */
	l = none();
	l.type = RTM_NEWLINK;
	l.ifindex = 5;
	l.name = "hypbr";
	l.kind = "bridge";
	l.stp = 1;
	nlh = net_rtnl_link_msg(buf, 3, &l);
	struct net_seen s;
	assert_int_equal(net_rtnl_parse_link(nlh, &s), 0);
	assert_string_equal(s.kind, "bridge");
	assert_int_equal(s.stp, 1);
	assert_int_equal(s.master, 0);
	assert_false(s.up);
}

static void test_parse_refuses_malformed(void **state)
{
	(void)state;
	char buf[NET_RTNL_BUF];
	struct net_seen s;
	struct net_rtnl_link l = none();
	l.type = RTM_NEWLINK;
	l.name = "x";
	struct nlmsghdr *nlh = net_rtnl_link_msg(buf, 1, &l);
	/* Cut inside the attributes: refused, not read past. */
	nlh->nlmsg_len -= 4;
	assert_int_equal(net_rtnl_parse_link(nlh, &s), -EINVAL);
	/* No name: not a link we can plan with. */
	l.name = NULL;
	nlh = net_rtnl_link_msg(buf, 1, &l);
	assert_int_equal(net_rtnl_parse_link(nlh, &s), -EINVAL);
	/* Another message type. */
	l.type = RTM_DELLINK;
	l.name = "x";
	nlh = net_rtnl_link_msg(buf, 1, &l);
	assert_int_equal(net_rtnl_parse_link(nlh, &s), -EINVAL);
	/* A wrong-sized VLAN id. */
	l = none();
	l.type = RTM_NEWLINK;
	l.name = "v";
	nlh = net_rtnl_link_msg(buf, 1, &l);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VLAN_ID, 30);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	assert_int_equal(net_rtnl_parse_link(nlh, &s), -EINVAL);
}

static void test_addr(void **state)
{
	(void)state;
	char buf[NET_RTNL_BUF];
	struct ipprefix a = {0}, back;
	int ifindex = 0;
	assert_int_equal(ipaddr_parse("10.77.30.1", &a.addr), 0);
	a.len = 24;
	struct nlmsghdr *nlh = net_rtnl_addr_msg(buf, 4, RTM_NEWADDR, 6, &a);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
						   NLM_F_CREATE | NLM_F_EXCL);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 6);
	assert_int_equal(net_rtnl_parse_addr(nlh, &ifindex, &back), 0);
	assert_int_equal(ifindex, 6);
	assert_int_equal(back.len, 24);
	assert_true(ipaddr_equal(&back.addr, &a.addr));

	assert_int_equal(ipaddr_parse("fd00::1", &a.addr), 0);
	a.len = 64;
	nlh = net_rtnl_addr_msg(buf, 5, RTM_DELADDR, 3, &a);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
	/* Only RTM_NEWADDR is a dump answer. */
	assert_int_equal(net_rtnl_parse_addr(nlh, &ifindex, &back), -EINVAL);
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(net_rtnl_parse_addr(nlh, &ifindex, &back), 0);
	assert_int_equal(back.addr.family, AF_INET6);
	assert_int_equal(back.len, 64);

	nlh = net_rtnl_dump_msg(buf, 9, RTM_GETLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_len, mnl_nlmsg_size(sizeof(struct ifinfomsg)));
}

/* Notifications the drift watch reads: links by name and alias,
 * addresses by index; anything else refused. */
static void test_events(void **state)
{
	(void)state;
	char buf[NET_RTNL_BUF];
	struct net_rtnl_event ev;
	struct net_rtnl_link l = none();
	l.type = RTM_NEWLINK;
	l.ifindex = 7;
	l.name = "dmzbr";
	l.alias = "hearth:dmz";
	assert_int_equal(net_rtnl_parse_event(net_rtnl_link_msg(buf, 1, &l), &ev), 0);
	assert_true(ev.is_link);
	assert_int_equal(ev.ifindex, 7);
	assert_string_equal(ev.name, "dmzbr");
	assert_true(ev.is_owned);
	l.type = RTM_DELLINK;
	l.alias = "hearthx"; /* not the prefix */
	assert_int_equal(net_rtnl_parse_event(net_rtnl_link_msg(buf, 1, &l), &ev), 0);
	assert_true(ev.is_link);
	assert_false(ev.is_owned);
	struct ipprefix a;
	assert_int_equal(ipaddr_parse("10.0.0.1", &a.addr), 0);
	a.len = 24;
	assert_int_equal(net_rtnl_parse_event(
				 net_rtnl_addr_msg(buf, 2, RTM_DELADDR, 9, &a), &ev),
			 0);
	assert_false(ev.is_link);
	assert_int_equal(ev.ifindex, 9);
	assert_string_equal(ev.name, "");
	struct nlmsghdr *nlh = net_rtnl_dump_msg(buf, 3, RTM_GETLINK);
	assert_int_equal(net_rtnl_parse_event(nlh, &ev), -EINVAL);
	nlh = net_rtnl_link_msg(buf, 1, &l);
	nlh->nlmsg_len = sizeof(*nlh) + 2; /* shorter than its ifinfomsg */
	assert_int_equal(net_rtnl_parse_event(nlh, &ev), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bridge),
		cmocka_unit_test(test_create_vlan_and_parse_back),
		cmocka_unit_test(test_set_master_and_stp),
		cmocka_unit_test(test_parse_refuses_malformed),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
