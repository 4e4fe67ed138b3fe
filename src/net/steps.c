/* SPDX-License-Identifier: MIT */
/* The plan's steps: each one as rtnetlink requests and sysctl writes through the net_io seam, its undo, and the rollback of a failed apply. */
#include "net/steps.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "net/rtnl.h"

static int link_index(struct net_io *io, const char *name)
{
	return io->ops->link_index(io, name);
}

static int link_req(struct net_io *io, const struct net_rtnl_link *l)
{
	char buf[NET_RTNL_BUF];
	return io->ops->request(io, net_rtnl_link_msg(buf, 0, l));
}

/* A link request that sets nothing yet. */
static struct net_rtnl_link nothing(void)
{
	return (struct net_rtnl_link){.stp = -1, .master = -1, .up = -1};
}

/* A link request on an existing link by name: nothing set but @l's. */
static int set_link(struct net_io *io, const char *name,
		    struct net_rtnl_link l)
{
	int ifindex = link_index(io, name);
	if (ifindex < 0)
		return ifindex;
	l.type = RTM_NEWLINK;
	l.ifindex = ifindex;
	return link_req(io, &l);
}

static int delete(struct net_io *io, const char *name)
{
	int ifindex = link_index(io, name);
	if (ifindex < 0)
		return ifindex;
	struct net_rtnl_link l = nothing();
	l.type = RTM_DELLINK;
	l.ifindex = ifindex;
	return link_req(io, &l);
}

static int create(struct net_io *io, const char *kind, const char *name,
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
		if ((l.parent = link_index(io, parent)) < 0)
			return l.parent;
		l.vlan = vlan;
	}
	int rc = link_req(io, &l);
	if (rc || !alias || !*alias)
		return rc;
	/* The kernel takes IFLA_IFALIAS only on a link that exists. */
	struct net_rtnl_link a = nothing();
	a.alias = alias;
	rc = set_link(io, name, a);
	if (rc)
		delete(io, name);
	return rc;
}

static int set_master(struct net_io *io, const char *link, const char *master)
{
	int m = *master ? link_index(io, master) : 0;
	if (m < 0)
		return m;
	struct net_rtnl_link l = nothing();
	l.master = m;
	return set_link(io, link, l);
}

static int addr(struct net_io *io, uint16_t type, const char *link,
		const struct ipprefix *a)
{
	char buf[NET_RTNL_BUF];
	int ifindex = link_index(io, link);
	if (ifindex < 0)
		return ifindex;
	return io->ops->request(io, net_rtnl_addr_msg(buf, 0, type, ifindex, a));
}

static int sysctl(struct net_io *io, const char *link, const char *key,
		  int value, const char *u, FILE *log)
{
	if (!io->ops->has_ipv6(io) || value < 0)
		return 0;
	if (log)
		fprintf(log, "  %ssysctl net.ipv6.conf.%s.%s=%d\n", u, link, key,
			value);
	return io->ops->sysctl_write(io, link, key, value);
}

static bool is_link_local(const struct ipprefix *a)
{
	return a->addr.family == AF_INET6 && a->addr.u.bytes[0] == 0xfe &&
	       (a->addr.u.bytes[1] & 0xc0) == 0x80;
}

/*
 * The undo of a DELETE: the link made again as it was. The kernel made
 * it anew with STP off (a bridge), IPv6 defaults, no address, down and
 * without ports: each of those is put back from the snapshot. What can
 * be is (a failure is logged, and only a failure to make the link at all
 * is returned); a port that
 * is gone (deleted by this apply, and made again by its own undo, which
 * names its master) is skipped.
 */
static int remake(struct net_io *io, const struct net_op *op,
		  const struct net_snapshot *sn, FILE *log)
{
	const char *u = "undo: ";
	char text[ADDR_TEXT_MAX];
	int rc;
#define KEEP(expr)                                                     \
	do {                                                           \
		if ((rc = (expr)) && log)                              \
			fprintf(log, "  undo failed: %s\n", strerror(-rc)); \
	} while (0)

	if (log)
		fprintf(log, "  %sip link add %s type %s (alias %s)\n", u, op->link,
			op->old_kind, op->old_alias);
	rc = create(io, op->old_kind, op->link, op->other, op->vlan,
		    op->old_alias);
	if (rc)
		return rc;
	if (sn && !strcmp(op->old_kind, "bridge") && sn->link.stp > 0) {
		struct net_rtnl_link l = nothing();
		if (log)
			fprintf(log, "  %sip link set %s type bridge stp_state "
				     "%d\n", u, op->link, sn->link.stp);
		l.kind = "bridge";
		l.stp = sn->link.stp;
		KEEP(set_link(io, op->link, l));
	}
	if (sn) {
		KEEP(sysctl(io, op->link, "disable_ipv6", sn->link.disable_ipv6,
			    u, log));
		KEEP(sysctl(io, op->link, "accept_ra", sn->link.accept_ra, u,
			    log));
	}
	for (size_t i = 0; sn && i < sn->link.n_addrs; i++) {
		const struct ipprefix *a = &sn->link.addrs[i];
		/* Link-local comes back by itself; IPv6 needs it on. */
		if (is_link_local(a) ||
		    (a->addr.family == AF_INET6 && sn->link.disable_ipv6 == 1))
			continue;
		ipprefix_format(a, text);
		if (log)
			fprintf(log, "  %sip addr add %s dev %s\n", u, text,
				op->link);
		rc = addr(io, RTM_NEWADDR, op->link, a);
		KEEP(rc == -EEXIST ? 0 : rc);
	}
	if (*op->old_other) {
		if (log)
			fprintf(log, "  %sip link set %s master %s\n", u, op->link,
				op->old_other);
		KEEP(set_master(io, op->link, op->old_other));
	}
	for (size_t i = 0; sn && i < sn->n_ports; i++) {
		if (link_index(io, sn->ports[i]) < 0)
			continue;
		if (log)
			fprintf(log, "  %sip link set %s master %s\n", u,
				sn->ports[i], op->link);
		KEEP(set_master(io, sn->ports[i], op->link));
	}
	if (sn && sn->link.up) {
		struct net_rtnl_link l = nothing();
		if (log)
			fprintf(log, "  %sip link set %s up\n", u, op->link);
		l.up = 1;
		KEEP(set_link(io, op->link, l));
	}
#undef KEEP
	return 0;
}

/* Does @op (or with @undo its inverse); writes the step to @log. */
static int run_op(struct net_io *io, const struct net_plan *plan,
		  const struct net_op *op, const struct net_desired *want,
		  bool undo, FILE *log, char *err, size_t errlen)
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
			return delete(io, op->link);
		}
		if (log && op->type == NET_OP_CREATE_BRIDGE)
			fprintf(log, "  ip link add %s type bridge stp_state 0 "
				     "(alias %s)\n", op->link, op->alias);
		else if (log)
			fprintf(log, "  ip link add link %s name %s type vlan "
				     "id %d (alias %s)\n",
				op->other, op->link, op->vlan, op->alias);
		return create(io, op->type == NET_OP_CREATE_BRIDGE ? "bridge"
								   : "vlan",
			      op->link, op->other, op->vlan, op->alias);
	case NET_OP_DELETE:
		if (!undo) {
			if (log)
				fprintf(log, "  ip link del %s\n", op->link);
			return delete(io, op->link);
		}
		return remake(io, op,
			      op->snap && op->snap <= plan->n_snaps
				      ? &plan->snaps[op->snap - 1]
				      : NULL,
			      log);
	case NET_OP_MASTER: {
		const char *m = undo ? op->old_other : op->other;
		if (log)
			fprintf(log, "  %sip link set %s %s%s\n", u, op->link,
				*m ? "master " : "nomaster", m);
		return set_master(io, op->link, m);
	}
	case NET_OP_UP:
		if (log)
			fprintf(log, "  %sip link set %s %s\n", u, op->link,
				undo ? "down" : "up");
		l.up = !undo;
		return set_link(io, op->link, l);
	case NET_OP_STP: {
		int v = undo ? op->old_value : op->value;
		if (log)
			fprintf(log, "  %sip link set %s type bridge stp_state "
				     "%d\n", u, op->link, v);
		l.kind = "bridge";
		l.stp = v;
		return set_link(io, op->link, l);
	}
	case NET_OP_ALIAS: {
		const char *a = undo ? op->old_alias : op->alias;
		if (log)
			fprintf(log, "  %sip link set %s alias '%s'\n", u,
				op->link, a);
		l.alias = a;
		return set_link(io, op->link, l);
	}
	case NET_OP_SYSCTL:
		return sysctl(io, op->link, op->sysctl,
			      undo ? op->old_value : op->value, u, log);
	case NET_OP_ADDR_ADD:
	case NET_OP_ADDR_DEL: {
		bool add = (op->type == NET_OP_ADDR_ADD) != undo;
		ipprefix_format(&op->addr, text);
		if (log)
			fprintf(log, "  %sip addr %s %s dev %s\n", u,
				add ? "add" : "del", text, op->link);
		rc = addr(io, add ? RTM_NEWADDR : RTM_DELADDR, op->link,
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
		return io->ops->nft_run(io, want->table, err, errlen) ? -EIO : 0;
	case NET_OP_TABLE_DELETE:
		if (undo)
			return 0;
		if (log)
			fprintf(log, "  nft delete table inet hearth\n");
		return io->ops->nft_delete(io, err, errlen) ? -EIO : 0;
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

int net_steps_run(struct net_io *io, const struct net_plan *plan,
		  const struct net_desired *want, FILE *log, char *err,
		  size_t errlen)
{
	size_t done = 0;
	int rc = 0;
	if (plan->conflicts) {
		snprintf(err, errlen, "the plan has %zu conflicts; nothing "
				      "changed", plan->conflicts);
		return -EINVAL;
	}
	for (; done < plan->n_ops; done++) {
		const struct net_op *op = &plan->ops[done];
		char why[200] = "";
		rc = run_op(io, plan, op, want, false, log, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s %s: %s%s%s; rolled back",
				 op_name(op->type),
				 *op->link ? op->link : "table inet hearth",
				 strerror(-rc), *why ? ": " : "", why);
			break;
		}
	}
	if (!rc)
		return 0;
	/* Undo in reverse; a link made here goes with its steps. */
	while (done-- > 0) {
		const struct net_op *op = &plan->ops[done];
		char why[200];
		bool creates = op->type == NET_OP_CREATE_BRIDGE ||
			       op->type == NET_OP_CREATE_VLAN;
		if (op->on_new_link && !creates)
			continue;
		int urc = run_op(io, plan, op, want, true, log, why, sizeof(why));
		if (urc && log)
			fprintf(log, "  undo failed: %s\n", strerror(-urc));
	}
	return rc;
}
