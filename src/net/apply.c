/* SPDX-License-Identifier: MIT */
/* Observing and changing links: an rtnetlink socket (libmnl), /proc/sys/net/ipv6/conf, and the plan's steps with their undo. */
#include "net/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/policy.h"
#include "net/rtnl.h"
#include "net/steps.h"

struct nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	char buf[32768]; /* MNL_SOCKET_DUMP_SIZE */
};

static int nl_open(struct nl *nl)
{
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = -errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return rc;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Sends @nlh and reads answers through @cb until the ack or the dump's
 * end. 0 or the kernel's -errno. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *ud)
{
	uint32_t seq = nlh->nlmsg_seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		int rc = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, ud);
		if (rc == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

/* ---- observe ---- */

struct observing {
	struct net_observed *o;
	int rc;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct observing *ob = data;
	struct net_seen s;
	if (net_rtnl_parse_link(nlh, &s) == 0 && !ob->rc)
		ob->rc = net_observed_add(ob->o, &s);
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct observing *ob = data;
	struct ipprefix a;
	int ifindex;
	if (net_rtnl_parse_addr(nlh, &ifindex, &a))
		return MNL_CB_OK;
	for (size_t i = 0; i < ob->o->n; i++) {
		struct net_seen *s = &ob->o->links[i];
		if (s->ifindex == ifindex && s->n_addrs < NET_MAX_ADDRS)
			s->addrs[s->n_addrs++] = a;
	}
	return MNL_CB_OK;
}

static bool have_ipv6(void)
{
	return access("/proc/sys/net/ipv6/conf", F_OK) == 0;
}

static void sysctl_path(char *out, size_t cap, const char *link,
			const char *key)
{
	snprintf(out, cap, "/proc/sys/net/ipv6/conf/%s/%s", link, key);
}

static int sysctl_read(const char *link, const char *key)
{
	char path[128], text[32] = {0};
	sysctl_path(path, sizeof(path), link, key);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	return n > 0 ? atoi(text) : -1;
}

static int sysctl_write(const char *link, const char *key, int value)
{
	char path[128], text[32];
	sysctl_path(path, sizeof(path), link, key);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int n = snprintf(text, sizeof(text), "%d\n", value);
	int rc = write(fd, text, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return rc;
}

int net_observe(struct net_observed *o, bool need_table, char *err,
		size_t errlen)
{
	struct nl nl = {0};
	struct observing ob = {.o = o};
	char buf[NET_RTNL_BUF];
	int rc = nl_open(&nl);
	if (rc) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	rc = nl_talk(&nl, net_rtnl_dump_msg(buf, nl.seq++, RTM_GETLINK),
		     on_link, &ob);
	if (!rc)
		rc = ob.rc;
	if (!rc)
		rc = nl_talk(&nl, net_rtnl_dump_msg(buf, nl.seq++, RTM_GETADDR),
			     on_addr, &ob);
	nl_close(&nl);
	if (rc) {
		snprintf(err, errlen, "reading links: %s", strerror(-rc));
		return rc;
	}
	bool v6 = have_ipv6();
	o->default_disable_ipv6 = v6 ? sysctl_read("default", "disable_ipv6") : -1;
	o->default_accept_ra = v6 ? sysctl_read("default", "accept_ra") : -1;
	for (size_t i = 0; i < o->n; i++) {
		struct net_seen *s = &o->links[i];
		/* Without IPv6 in the kernel there is none to turn off. */
		s->disable_ipv6 = v6 ? sysctl_read(s->name, "disable_ipv6") : 1;
		s->accept_ra = v6 ? sysctl_read(s->name, "accept_ra") : 0;
	}
	char why[256] = "";
	rc = net_nft_observe(&o->has_table, &o->table_listing, why, sizeof(why));
	/* No nftables here (no nf_tables in the kernel): no table of ours
	 * either, which is only a problem when the lab wants one. */
	if (rc == -EIO && !need_table)
		return 0;
	if (rc)
		snprintf(err, errlen, "reading table inet hearth: %s",
			 *why ? why : strerror(-rc));
	return rc;
}

/* ---- apply: the kernel behind the steps' seam ---- */

struct real_io {
	struct net_io io;
	struct nl nl;
};

static int real_link_index(struct net_io *io, const char *name)
{
	(void)io;
	unsigned i = if_nametoindex(name);
	return i ? (int)i : -ENODEV;
}

static int real_request(struct net_io *io, struct nlmsghdr *nlh)
{
	struct real_io *r = (struct real_io *)io;
	nlh->nlmsg_seq = r->nl.seq++;
	return nl_talk(&r->nl, nlh, NULL, NULL);
}

static bool real_has_ipv6(struct net_io *io)
{
	(void)io;
	return have_ipv6();
}

static int real_sysctl_write(struct net_io *io, const char *link,
			     const char *key, int value)
{
	(void)io;
	return sysctl_write(link, key, value);
}

static int real_nft_run(struct net_io *io, const char *text, char *err,
			size_t errlen)
{
	(void)io;
	return net_nft_run(text, err, errlen);
}

static int real_nft_delete(struct net_io *io, char *err, size_t errlen)
{
	(void)io;
	return net_nft_delete(err, errlen);
}

static const struct net_io_ops real_ops = {
	.link_index = real_link_index,
	.request = real_request,
	.has_ipv6 = real_has_ipv6,
	.sysctl_write = real_sysctl_write,
	.nft_run = real_nft_run,
	.nft_delete = real_nft_delete,
};

int net_apply(const struct net_plan *plan, const struct net_desired *want,
	      FILE *log, char *err, size_t errlen)
{
	struct real_io r = {.io = {.ops = &real_ops}};
	int rc;
	if (plan->conflicts)
		return net_steps_run(&r.io, plan, want, log, err, errlen);
	if ((rc = nl_open(&r.nl))) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	rc = net_steps_run(&r.io, plan, want, log, err, errlen);
	nl_close(&r.nl);
	return rc;
}

int net_sync(const struct cfg_lab *lab, const char *host, bool apply,
	     FILE *out, struct net_result *res, char *err, size_t errlen)
{
	struct net_desired want = {0};
	struct net_observed seen = {0};
	struct net_plan plan = {0};
	int rc;
	memset(res, 0, sizeof(*res));
	if ((rc = net_desired_build(lab, host, &want, err, errlen)) ||
	    (rc = net_observe(&seen, want.table != NULL, err, errlen)))
		goto out;
	if ((rc = net_plan_build(&want, &seen, &plan))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	res->changes = plan.changes;
	res->conflicts = plan.conflicts;
	if (out)
		net_plan_print(&plan, out);
	if (apply && plan.conflicts) {
		snprintf(err, errlen, "%zu conflicts; nothing changed",
			 plan.conflicts);
		rc = -EINVAL;
	} else if (apply && plan.changes) {
		rc = net_apply(&plan, &want, out, err, errlen);
		res->applied = rc == 0;
	}
out:
	net_plan_free(&plan);
	net_observed_free(&seen);
	net_desired_free(&want);
	return rc;
}
