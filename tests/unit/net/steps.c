/* SPDX-License-Identifier: MIT */
/* Unit tests of the net room's steps and rollback, against a scripted kernel behind the net_io seam. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/plan.h"
#include "net/rtnl.h"
#include "net/steps.h"
#include "support/room_config.h"

/* The kernel as the steps see it: links by name and index, and every
 * request written down as a line ("newlink dmzbr create bridge stp 0"). */
struct fake {
	struct net_io io;
	struct {
		char name[NET_IFNAMSIZ];
		int ifindex;
	} links[32];
	size_t n_links;
	int next_index;
	char reqs[64][160];
	size_t n_reqs;
	int fail_at;	 /* the request (1-based) that fails with -EBUSY */
	bool nft_fails;	 /* nft_run fails */
};

static struct fake *fake_of(struct net_io *io)
{
	return (struct fake *)io;
}

static const char *fake_name(struct fake *f, int ifindex)
{
	for (size_t i = 0; i < f->n_links; i++)
		if (f->links[i].ifindex == ifindex)
			return f->links[i].name;
	return "?";
}

static void fake_add(struct fake *f, const char *name, int ifindex)
{
	assert_true(f->n_links < 32);
	snprintf(f->links[f->n_links].name, NET_IFNAMSIZ, "%s", name);
	f->links[f->n_links++].ifindex = ifindex;
}

static int fake_index(struct net_io *io, const char *name)
{
	struct fake *f = fake_of(io);
	for (size_t i = 0; i < f->n_links; i++)
		if (!strcmp(f->links[i].name, name))
			return f->links[i].ifindex;
	return -ENODEV;
}

static void line(struct fake *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void line(struct fake *f, const char *fmt, ...)
{
	assert_true(f->n_reqs < 64);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reqs[f->n_reqs++], sizeof(f->reqs[0]), fmt, ap);
	va_end(ap);
}

struct tb {
	const struct nlattr *a[IFLA_MAX + 1];
};

static int collect(const struct nlattr *attr, void *data)
{
	struct tb *t = data;
	if (mnl_attr_get_type(attr) <= IFLA_MAX)
		t->a[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* One request, decoded into a line and done to the fake's links. */
static int fake_request(struct net_io *io, struct nlmsghdr *nlh)
{
	struct fake *f = fake_of(io);
	char text[160] = "";
	size_t used = 0;
#define ADD(...) (used += (size_t)snprintf(text + used, sizeof(text) - used, __VA_ARGS__))
	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
		struct tb t = {0};
		struct ipprefix a = {0};
		char addr[ADDR_TEXT_MAX];
		mnl_attr_parse(nlh, sizeof(*ifa), collect, &t);
		a.addr.family = ifa->ifa_family;
		a.len = ifa->ifa_prefixlen;
		memcpy(a.addr.u.bytes, mnl_attr_get_payload(t.a[IFA_LOCAL]),
		       ifa->ifa_family == AF_INET ? 4 : 16);
		ipprefix_format(&a, addr);
		ADD("%s %s %s", nlh->nlmsg_type == RTM_NEWADDR ? "addr add" : "addr del",
		    addr, fake_name(f, (int)ifa->ifa_index));
	} else {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		struct tb t = {0};
		mnl_attr_parse(nlh, sizeof(*ifi), collect, &t);
		bool del = nlh->nlmsg_type == RTM_DELLINK;
		const char *name = t.a[IFLA_IFNAME]
					   ? mnl_attr_get_str(t.a[IFLA_IFNAME])
					   : fake_name(f, ifi->ifi_index);
		ADD("%s %s", del ? "del" : "set", name);
		if (nlh->nlmsg_flags & NLM_F_CREATE)
			memcpy(text, "new", 3);
		if (t.a[IFLA_LINKINFO]) {
			struct tb info = {0}, data = {0};
			mnl_attr_parse_nested(t.a[IFLA_LINKINFO], collect, &info);
			ADD(" %s", mnl_attr_get_str(info.a[IFLA_INFO_KIND]));
			if (info.a[IFLA_INFO_DATA]) {
				mnl_attr_parse_nested(info.a[IFLA_INFO_DATA], collect,
						      &data);
				if (data.a[IFLA_BR_STP_STATE])
					ADD(" stp %u", mnl_attr_get_u32(
							       data.a[IFLA_BR_STP_STATE]));
			}
		}
		if (t.a[IFLA_IFALIAS])
			ADD(" alias %s", mnl_attr_get_str(t.a[IFLA_IFALIAS]));
		if (t.a[IFLA_MASTER]) {
			uint32_t m = mnl_attr_get_u32(t.a[IFLA_MASTER]);
			ADD(" master %s", m ? fake_name(f, (int)m) : "none");
		}
		if (ifi->ifi_change & IFF_UP)
			ADD(" %s", ifi->ifi_flags & IFF_UP ? "up" : "down");
	}
#undef ADD
	line(f, "%s", text);
	if ((int)f->n_reqs == f->fail_at)
		return -EBUSY;
	/* The kernel's side of it: links come and go. */
	if (nlh->nlmsg_type == RTM_NEWLINK && (nlh->nlmsg_flags & NLM_F_CREATE)) {
		struct tb t = {0};
		mnl_attr_parse(nlh, sizeof(struct ifinfomsg), collect, &t);
		fake_add(f, mnl_attr_get_str(t.a[IFLA_IFNAME]), f->next_index++);
	} else if (nlh->nlmsg_type == RTM_DELLINK) {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		for (size_t i = 0; i < f->n_links; i++)
			if (f->links[i].ifindex == ifi->ifi_index)
				f->links[i] = f->links[--f->n_links];
	}
	return 0;
}

static bool fake_has_ipv6(struct net_io *io)
{
	(void)io;
	return true;
}

static int fake_sysctl(struct net_io *io, const char *link, const char *key,
		       int value)
{
	struct fake *f = fake_of(io);
	line(f, "sysctl %s %s=%d", link, key, value);
	return (int)f->n_reqs == f->fail_at ? -EBUSY : 0;
}

static int fake_nft_run(struct net_io *io, const char *text, char *err,
			size_t errlen)
{
	struct fake *f = fake_of(io);
	(void)text;
	line(f, "nft table");
	if (!f->nft_fails)
		return 0;
	snprintf(err, errlen, "Operation not permitted");
	return 1;
}

static int fake_nft_delete(struct net_io *io, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	line(fake_of(io), "nft delete");
	return 0;
}

static const struct net_io_ops fake_ops = {
	.link_index = fake_index,
	.request = fake_request,
	.has_ipv6 = fake_has_ipv6,
	.sysctl_write = fake_sysctl,
	.nft_run = fake_nft_run,
	.nft_delete = fake_nft_delete,
};

static struct net_seen *seen(struct net_observed *o, struct fake *f,
			     int ifindex, const char *name, const char *kind,
			     const char *alias)
{
	struct net_seen s = {.ifindex = ifindex, .stp = -1, .up = true,
			     .disable_ipv6 = 0, .accept_ra = 1};
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.kind, sizeof(s.kind), "%s", kind);
	snprintf(s.alias, sizeof(s.alias), "%s", alias);
	assert_int_equal(net_observed_add(o, &s), 0);
	fake_add(f, name, ifindex);
	return &o->links[o->n - 1];
}

static void add_addr(struct net_seen *s, const char *text, int len)
{
	assert_int_equal(ipaddr_parse(text, &s->addrs[s->n_addrs].addr), 0);
	s->addrs[s->n_addrs++].len = len;
}

/* Checks the requests from @from on are @want (NULL-terminated). */
static void expect(const struct fake *f, size_t from, const char *const *want)
{
	size_t i = 0;
	for (size_t k = from; getenv("NET_STEPS_DUMP") && k < f->n_reqs; k++)
		fprintf(stderr, "req %zu: %s\n", k, f->reqs[k]);
	for (; want[i]; i++) {
		assert_true(from + i < f->n_reqs);
		assert_string_equal(f->reqs[from + i], want[i]);
	}
	assert_int_equal(from + i, f->n_reqs);
}

/* A bridge hearth owns leaves lab: and is deleted; the table step after
 * it fails. The undo makes the bridge again as it was: STP, sysctls,
 * addresses (not the link-local one), both ports, up. */
static void test_deleted_bridge_comes_back_whole(void **state)
{
	(void)state;
	struct config *cfg = unit_load_ok(
		"lab:\n"
		"  networks:\n"
		"    hyp: {subnet: 10.77.40.0/24}\n"
		"    dmz: {subnet: 10.77.30.0/24}\n"
		"  policy:\n"
		"    - {from: hyp, to: dmz, action: allow}\n");
	struct net_desired want;
	struct net_observed o = {.default_disable_ipv6 = 0,
				 .default_accept_ra = 1};
	struct net_plan plan = {0};
	struct fake f = {.io = {.ops = &fake_ops}, .next_index = 10,
			 .nft_fails = true};
	char err[256];
	assert_int_equal(net_desired_build(&cfg->lab, NULL, &want, err,
					   sizeof(err)), 0);
	struct net_seen *t = seen(&o, &f, 2, "eth9", "", "");
	struct net_seen *b = seen(&o, &f, 3, "oldbr", "bridge", "hearth:old");
	struct net_seen *tap = seen(&o, &f, 4, "vnet0", "tun", "");
	b->stp = 1;
	b->accept_ra = 2;
	add_addr(b, "10.9.0.1", 24);
	add_addr(b, "fe80::1", 64);
	add_addr(b, "2001:db8::1", 64);
	t->master = tap->master = 3;
	t->disable_ipv6 = 1;
	t->accept_ra = 0;
	assert_int_equal(net_plan_build(&want, &o, &plan), 0);
	assert_int_equal(plan.conflicts, 0);

	char *log = NULL;
	size_t loglen = 0;
	FILE *lf = open_memstream(&log, &loglen);
	int rc = net_steps_run(&f.io, &plan, &want, lf, err, sizeof(err));
	fclose(lf);
	assert_int_equal(rc, -EIO);
	assert_string_equal(err, "replacing table inet hearth: Input/output "
				 "error: Operation not permitted; rolled back");
	static const char *const steps[] = {
		"del oldbr",
		"sysctl eth9 disable_ipv6=0",
		"sysctl eth9 accept_ra=1",
		"nft table",
		/* The undo, in reverse. */
		"sysctl eth9 accept_ra=0",
		"sysctl eth9 disable_ipv6=1",
		"new oldbr bridge stp 0",
		"set oldbr alias hearth:old",
		"set oldbr bridge stp 1",
		"sysctl oldbr disable_ipv6=0",
		"sysctl oldbr accept_ra=2",
		"addr add 10.9.0.1/24 oldbr",
		"addr add 2001:db8::1/64 oldbr",
		"set eth9 master oldbr",
		"set vnet0 master oldbr",
		"set oldbr up",
		NULL,
	};
	expect(&f, 0, steps);
	assert_true(fake_index(&f.io, "oldbr") >= 10);
	assert_non_null(strstr(log, "  undo: ip link add oldbr type bridge (alias hearth:old)\n"));
	assert_non_null(strstr(log, "  undo: ip link set vnet0 master oldbr\n"));
	assert_null(strstr(log, "undo failed"));
	free(log);

	/* A port gone by the time of the undo is skipped; a request the
	 * kernel refuses in the middle of the undo is logged and the rest
	 * still done. */
	size_t before = f.n_reqs;
	f.n_links = 0;
	fake_add(&f, "eth9", 2);
	f.fail_at = (int)before + 12; /* "addr add 10.9.0.1/24 oldbr" */
	log = NULL;
	lf = open_memstream(&log, &loglen);
	assert_int_equal(net_steps_run(&f.io, &plan, &want, lf, err, sizeof(err)),
			 -ENODEV); /* oldbr is not there to delete */
	fclose(lf);
	assert_int_equal(f.n_reqs, before); /* nothing done: nothing undone */
	free(log);
	fake_add(&f, "oldbr", 3);
	log = NULL;
	lf = open_memstream(&log, &loglen);
	assert_int_equal(net_steps_run(&f.io, &plan, &want, lf, err, sizeof(err)),
			 -EIO);
	fclose(lf);
	assert_string_equal(f.reqs[before + 11], "addr add 10.9.0.1/24 oldbr");
	assert_string_equal(f.reqs[before + 12], "addr add 2001:db8::1/64 oldbr");
	assert_non_null(strstr(log, "  undo failed: Device or resource busy\n"));
	assert_string_equal(f.reqs[f.n_reqs - 1], "set oldbr up");
	assert_string_equal(f.reqs[f.n_reqs - 2], "set eth9 master oldbr");
	for (size_t i = before; i < f.n_reqs; i++)
		assert_null(strstr(f.reqs[i], "vnet0"));
	free(log);

	net_plan_free(&plan);
	net_observed_free(&o);
	net_desired_free(&want);
	config_unref(cfg);
}

/* A refused request in the middle of creating: the links this apply
 * made are deleted, in reverse, and nothing else is undone on them. */
static void test_failed_create_is_deleted(void **state)
{
	(void)state;
	struct config *cfg = unit_load_ok(
		"lab:\n"
		"  networks:\n"
		"    dmz: {vlan: 30, subnet: 192.168.30.0/24, bridge: dmzbr,\n"
		"          trunk: eth0, host_address: none}\n");
	struct net_desired want;
	struct net_observed o = {0};
	struct net_plan plan = {0};
	struct fake f = {.io = {.ops = &fake_ops}, .next_index = 10};
	char err[256];
	assert_int_equal(net_desired_build(&cfg->lab, NULL, &want, err,
					   sizeof(err)), 0);
	seen(&o, &f, 2, "eth0", "", "");
	assert_int_equal(net_plan_build(&want, &o, &plan), 0);
	f.fail_at = 10; /* eth0.30's master */
	assert_int_equal(net_steps_run(&f.io, &plan, &want, NULL, err,
				       sizeof(err)), -EBUSY);
	assert_string_equal(err, "setting the master of eth0.30: Device or "
				 "resource busy; rolled back");
	static const char *const steps[] = {
		"new dmzbr bridge stp 0",
		"set dmzbr alias hearth:dmz",
		"sysctl dmzbr disable_ipv6=1",
		"sysctl dmzbr accept_ra=0",
		"set dmzbr up",
		"new eth0.30 vlan",
		"set eth0.30 alias hearth:dmz",
		"sysctl eth0.30 disable_ipv6=1",
		"sysctl eth0.30 accept_ra=0",
		"set eth0.30 master dmzbr",
		"del eth0.30",
		"del dmzbr",
		NULL,
	};
	expect(&f, 0, steps);
	net_plan_free(&plan);
	net_observed_free(&o);
	net_desired_free(&want);
	config_unref(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deleted_bridge_comes_back_whole),
		cmocka_unit_test(test_failed_create_is_deleted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
