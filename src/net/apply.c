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

/* ---- apply ---- */

static int link_index(const char *name)
{
	unsigned i = if_nametoindex(name);
	return i ? (int)i : -ENODEV;
}

static int link_req(struct nl *nl, const struct net_rtnl_link *l)
{
	char buf[NET_RTNL_BUF];
	return nl_talk(nl, net_rtnl_link_msg(buf, nl->seq++, l), NULL, NULL);
}

/* A link request on an existing link by name: nothing set but @l's. */
static int set_link(struct nl *nl, const char *name, struct net_rtnl_link l)
{
	int ifindex = link_index(name);
	if (ifindex < 0)
		return ifindex;
	l.type = RTM_NEWLINK;
	l.ifindex = ifindex;
	return link_req(nl, &l);
}

/* A link request that sets nothing yet. */
static struct net_rtnl_link nothing(void)
{
	return (struct net_rtnl_link){.stp = -1, .master = -1, .up = -1};
}

static int delete(struct nl *nl, const char *name)
{
	int ifindex = link_index(name);
	if (ifindex < 0)
		return ifindex;
	struct net_rtnl_link l = nothing();
	l.type = RTM_DELLINK;
	l.ifindex = ifindex;
	return link_req(nl, &l);
}

static int create(struct nl *nl, const char *kind, const char *name,
		  const char *parent, int vlan, const char *alias)
{
	struct net_rtnl_link l = nothing();
	l.type = RTM_NEWLINK;
	l.create = true;
	l.name = name;
	l.kind = kind;
	if (strcmp(kind, "bridge") == 0)
		l.stp = 0;
	if (strcmp(kind, "vlan") == 0) {
		if ((l.parent = link_index(parent)) < 0)
			return l.parent;
		l.vlan = vlan;
	}
	int rc = link_req(nl, &l);
	if (rc || !alias)
		return rc;
	/* The kernel takes IFLA_IFALIAS only on a link that exists. */
	struct net_rtnl_link a = nothing();
	a.alias = alias;
	rc = set_link(nl, name, a);
	if (rc)
		delete(nl, name);
	return rc;
}

static int set_master(struct nl *nl, const char *link, const char *master)
{
	int m = *master ? link_index(master) : 0;
	if (m < 0)
		return m;
	struct net_rtnl_link l = nothing();
	l.master = m;
	return set_link(nl, link, l);
}

static int addr(struct nl *nl, uint16_t type, const char *link,
		const struct ipprefix *a)
{
	char buf[NET_RTNL_BUF];
	int ifindex = link_index(link);
	if (ifindex < 0)
		return ifindex;
	return nl_talk(nl, net_rtnl_addr_msg(buf, nl->seq++, type, ifindex, a),
		       NULL, NULL);
}

/* Does @op (or with @undo its inverse); writes the step to @log. */
static int run_op(struct nl *nl, const struct net_op *op,
		  const struct net_desired *want, bool undo, FILE *log,
		  char *err, size_t errlen)
{
	char text[ADDR_TEXT_MAX];
	struct net_rtnl_link l = nothing();
	const char *u = undo ? "undo: " : "";
	int rc = 0;
	switch (op->type) {
	case NET_OP_CREATE_BRIDGE:
	case NET_OP_CREATE_VLAN:
		if (undo) {
			if (log)
				fprintf(log, "  %sip link del %s\n", u, op->link);
			return delete(nl, op->link);
		}
		if (log && op->type == NET_OP_CREATE_BRIDGE)
			fprintf(log, "  ip link add %s type bridge stp_state 0 "
				     "(alias %s)\n", op->link, op->alias);
		else if (log)
			fprintf(log, "  ip link add link %s name %s type vlan "
				     "id %d (alias %s)\n",
				op->other, op->link, op->vlan, op->alias);
		return create(nl, op->type == NET_OP_CREATE_BRIDGE ? "bridge"
								   : "vlan",
			      op->link, op->other, op->vlan, op->alias);
	case NET_OP_DELETE:
		if (!undo) {
			if (log)
				fprintf(log, "  ip link del %s\n", op->link);
			return delete(nl, op->link);
		}
		if (log)
			fprintf(log, "  %sip link add %s type %s%s%s\n", u,
				op->link, op->old_kind,
				*op->old_other ? " master " : "", op->old_other);
		rc = create(nl, op->old_kind, op->link, op->other, op->vlan,
			    op->old_alias);
		return rc || !*op->old_other ? rc
					     : set_master(nl, op->link,
							  op->old_other);
	case NET_OP_MASTER: {
		const char *m = undo ? op->old_other : op->other;
		if (log)
			fprintf(log, "  %sip link set %s %s%s\n", u, op->link,
				*m ? "master " : "nomaster", m);
		return set_master(nl, op->link, m);
	}
	case NET_OP_UP:
		if (log)
			fprintf(log, "  %sip link set %s %s\n", u, op->link,
				undo ? "down" : "up");
		l.up = !undo;
		return set_link(nl, op->link, l);
	case NET_OP_STP: {
		int v = undo ? op->old_value : op->value;
		if (log)
			fprintf(log, "  %sip link set %s type bridge stp_state "
				     "%d\n", u, op->link, v);
		l.kind = "bridge";
		l.stp = v;
		return set_link(nl, op->link, l);
	}
	case NET_OP_ALIAS: {
		const char *a = undo ? op->old_alias : op->alias;
		if (log)
			fprintf(log, "  %sip link set %s alias '%s'\n", u,
				op->link, a);
		l.alias = a;
		return set_link(nl, op->link, l);
	}
	case NET_OP_SYSCTL: {
		int v = undo ? op->old_value : op->value;
		if (!have_ipv6() || v < 0)
			return 0;
		if (log)
			fprintf(log, "  %ssysctl net.ipv6.conf.%s.%s=%d\n", u,
				op->link, op->sysctl, v);
		return sysctl_write(op->link, op->sysctl, v);
	}
	case NET_OP_ADDR_ADD:
	case NET_OP_ADDR_DEL: {
		bool add = (op->type == NET_OP_ADDR_ADD) != undo;
		ipprefix_format(&op->addr, text);
		if (log)
			fprintf(log, "  %sip addr %s %s dev %s\n", u,
				add ? "add" : "del", text, op->link);
		rc = addr(nl, add ? RTM_NEWADDR : RTM_DELADDR, op->link,
			  &op->addr);
		/* An address already gone is what deleting wants. */
		return !add && rc == -EADDRNOTAVAIL ? 0 : rc;
	}
	case NET_OP_TABLE:
		/* Last in a plan and atomic: nothing after it to undo for. */
		if (undo)
			return 0;
		if (log)
			fprintf(log, "  nft -f - (table inet hearth, %s)\n",
				want->table_comment);
		return net_nft_run(want->table, err, errlen) ? -EIO : 0;
	case NET_OP_TABLE_DELETE:
		if (undo)
			return 0;
		if (log)
			fprintf(log, "  nft delete table inet hearth\n");
		return net_nft_delete(err, errlen) ? -EIO : 0;
	}
	return -EINVAL;
}

static const char *op_name(enum net_op_type t)
{
	switch (t) {
	case NET_OP_CREATE_BRIDGE: return "creating bridge";
	case NET_OP_CREATE_VLAN: return "creating VLAN";
	case NET_OP_DELETE: return "deleting";
	case NET_OP_MASTER: return "setting the master of";
	case NET_OP_UP: return "bringing up";
	case NET_OP_STP: return "setting STP on";
	case NET_OP_ALIAS: return "setting the alias of";
	case NET_OP_SYSCTL: return "setting a sysctl of";
	case NET_OP_ADDR_ADD: return "adding an address to";
	case NET_OP_ADDR_DEL: return "removing an address from";
	case NET_OP_TABLE: return "replacing";
	case NET_OP_TABLE_DELETE: return "deleting";
	}
	return "?";
}

int net_apply(const struct net_plan *plan, const struct net_desired *want,
	      FILE *log, char *err, size_t errlen)
{
	struct nl nl = {0};
	size_t done = 0;
	int rc;
	if (plan->conflicts) {
		snprintf(err, errlen, "the plan has %zu conflicts; nothing "
				      "changed", plan->conflicts);
		return -EINVAL;
	}
	if ((rc = nl_open(&nl))) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(-rc));
		return rc;
	}
	for (; done < plan->n_ops; done++) {
		const struct net_op *op = &plan->ops[done];
		char why[200] = "";
		rc = run_op(&nl, op, want, false, log, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s %s: %s%s%s; rolled back",
				 op_name(op->type),
				 *op->link ? op->link : "table inet hearth",
				 strerror(-rc), *why ? ": " : "", why);
			break;
		}
	}
	if (rc) {
		/* Undo in reverse; a link made here goes with its steps. */
		while (done-- > 0) {
			const struct net_op *op = &plan->ops[done];
			char why[200];
			bool creates = op->type == NET_OP_CREATE_BRIDGE ||
				       op->type == NET_OP_CREATE_VLAN;
			if (op->on_new_link && !creates)
				continue;
			int urc = run_op(&nl, op, want, true, log, why,
					 sizeof(why));
			if (urc && log)
				fprintf(log, "  undo failed: %s\n",
					strerror(-urc));
		}
	}
	nl_close(&nl);
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
