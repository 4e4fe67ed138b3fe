/* SPDX-License-Identifier: MIT */
/* The net room's plan: the links lab: wants on a host, the links it has, and the steps between them. Pure (no I/O). */
#ifndef HEARTH_NET_PLAN_H
#define HEARTH_NET_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/addr.h"
#include "core/config.h"

/*
 * Why a pure plan: `hearth net plan` prints it, `apply` runs it and the
 * unit tests check it, all from the same two inputs (what lab: says and
 * what the kernel has), so what plan shows is exactly what apply does.
 * Links hearth creates carry the ifalias NET_ALIAS_PREFIX + network; a
 * link without it is never changed except a trunk the config names
 * (brought up, or made an untagged bridge port).
 */

#define NET_IFNAMSIZ 16 /* IFNAMSIZ */
#define NET_ALIAS_MAX 128
#define NET_ALIAS_PREFIX "hearth:"
#define NET_MAX_ADDRS 8 /* addresses of a link looked at */

enum net_kind {
	NET_KIND_BRIDGE,   /* created: a bridge, STP off */
	NET_KIND_VLAN,	   /* created: trunk.vlan, an 802.1Q sub-interface */
	NET_KIND_EXISTING, /* a trunk the config names: must exist, up */
};

/* A link as the lab wants it on this host. */
struct net_want {
	enum net_kind kind;
	char name[NET_IFNAMSIZ];
	char network[64];	   /* the lab network it serves */
	char parent[NET_IFNAMSIZ]; /* VLAN: its trunk */
	int vlan;
	char master[NET_IFNAMSIZ]; /* a port of this bridge; "" none */
	/* IPv6 off and accept_ra 0: created links with host_address none,
	 * every VLAN bridge port, and a trunk that is the untagged port of a
	 * network with host_address none; addresses (created links): none
	 * removes the IPv4 ones, static wants exactly addr, dhcp leaves them. */
	bool no_ipv6;
	enum cfg_host_address host_address;
	struct ipprefix addr; /* static */
};

struct net_desired {
	struct net_want *links; /* malloc'd; net_desired_free */
	size_t n, cap;
	/* The nftables table: text rendered from lab.policy (malloc'd), NULL
	 * when the lab has no policy. */
	char *table;
	char table_comment[64]; /* the comment the table carries */
};

/* A link as the kernel has it. */
struct net_seen {
	int ifindex;
	char name[NET_IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND: "bridge", "vlan", "" */
	char alias[NET_ALIAS_MAX];
	int parent; /* IFLA_LINK (a VLAN's trunk), 0 none */
	int vlan;   /* IFLA_VLAN_ID, 0 none */
	int master; /* IFLA_MASTER, 0 none */
	bool up;    /* IFF_UP */
	int stp;    /* IFLA_BR_STP_STATE, -1 unknown */
	int disable_ipv6, accept_ra; /* sysctls, -1 unknown */
	struct ipprefix addrs[NET_MAX_ADDRS];
	size_t n_addrs;
};

struct net_observed {
	struct net_seen *links; /* malloc'd; net_observed_free */
	size_t n, cap;
	/* net.ipv6.conf.default's disable_ipv6 and accept_ra (what a new
	 * link gets; what a released trunk goes back to), -1 unknown. */
	int default_disable_ipv6, default_accept_ra;
	/* Whether table inet hearth exists, and its listing (malloc'd). */
	bool has_table;
	char *table_listing;
};

enum net_op_type {
	NET_OP_CREATE_BRIDGE, /* link; alias */
	NET_OP_CREATE_VLAN,   /* link on other (trunk), vlan; alias */
	NET_OP_DELETE,	      /* link (undo: re-create as kind/other/vlan) */
	NET_OP_MASTER,	      /* link's master := other ("" none) */
	NET_OP_UP,	      /* link up (undo: down) */
	NET_OP_STP,	      /* bridge link's STP state := value */
	NET_OP_ALIAS,	      /* link's ifalias := alias */
	NET_OP_SYSCTL,	      /* net.ipv6.conf.LINK.SYSCTL := value */
	NET_OP_ADDR_ADD,      /* addr on link */
	NET_OP_ADDR_DEL,
	NET_OP_TABLE,	      /* replace table inet hearth with the text */
	NET_OP_TABLE_DELETE,  /* delete table inet hearth */
};

/* One step, with what it replaces so a failed apply can undo it. */
struct net_op {
	enum net_op_type type;
	char link[NET_IFNAMSIZ];
	char other[NET_IFNAMSIZ];
	int vlan;
	int value;
	char sysctl[16]; /* "disable_ipv6", "accept_ra" */
	char alias[NET_ALIAS_MAX];
	struct ipprefix addr;
	/* Undo. */
	char old_other[NET_IFNAMSIZ]; /* MASTER, DELETE: the previous master */
	int old_value;		      /* STP, SYSCTL */
	char old_alias[NET_ALIAS_MAX];
	char old_kind[16]; /* DELETE: what to re-create */
	size_t snap;	   /* DELETE: 1 + its net_plan.snaps index; 0 none */
	/* The link is one this plan creates: undone by deleting it. */
	bool on_new_link;
};

/* A link as it was when a step deletes it, so the undo makes it again
 * with what the kernel dropped with it: its STP state, sysctls,
 * addresses, up state and (a bridge) its ports. */
struct net_snapshot {
	struct net_seen link;
	char (*ports)[NET_IFNAMSIZ]; /* malloc'd; net_plan_free */
	size_t n_ports;
};

enum net_verb {
	NET_CREATE,
	NET_CHANGE,
	NET_LEAVE,
	NET_REMOVE,
	NET_CONFLICT, /* the plan cannot be applied (why says it) */
};

/* What the plan does to one link (or to the table). */
struct net_item {
	enum net_verb verb;
	char link[NET_IFNAMSIZ + 16]; /* "dmzbr", "table inet hearth" */
	char network[64];
	char why[256];
	size_t first_op, n_ops;
};

struct net_plan {
	struct net_item *items; /* malloc'd; net_plan_free */
	size_t n_items, cap_items;
	struct net_op *ops;
	size_t n_ops, cap_ops;
	struct net_snapshot *snaps; /* of the links DELETE steps take */
	size_t n_snaps, cap_snaps;
	size_t conflicts; /* items with NET_CONFLICT: apply refuses */
	size_t changes;	  /* items that change something */
};

/* The name of VLAN @vlan's sub-interface on @trunk: "trunk.vlan" when it
 * fits IFNAMSIZ, else a prefix of the trunk, 4 hex digits of a hash of
 * its whole name and ".vlan" ("enp0s31f6a1b2.30"): unique per trunk
 * unless two hashes meet, which net_desired_build refuses. */
void net_vlan_name(const char *trunk, int vlan, char out[NET_IFNAMSIZ]);

/*
 * Fills @out with the links lab: wants on host @host (a lab.hosts name,
 * or NULL/unknown: every network with a trunk or bridge, as for a host
 * without `interfaces`). Returns 0, -ENOMEM, or -EINVAL with the reason
 * in @err (host_address static with no address for this host; two
 * networks whose links would have one name, both named). The
 * table text comes from net_policy_render. The caller frees @out with
 * net_desired_free (also after a failure).
 */
int net_desired_build(const struct cfg_lab *lab, const char *host,
		      struct net_desired *out, char *err, size_t errlen);
void net_desired_free(struct net_desired *d);

/* Whether nft's @listing of the table is what @text (a rendering of
 * net_policy_render) defines, whitespace and blank lines aside. */
bool net_table_matches(const char *listing, const char *text);

/* Adds a link to @o (copied); -ENOMEM. For the observer and tests. */
int net_observed_add(struct net_observed *o, const struct net_seen *s);
void net_observed_free(struct net_observed *o);
/* A link of @o by name or ifindex, or NULL. */
const struct net_seen *net_observed_find(const struct net_observed *o,
					 const char *name);
const struct net_seen *net_observed_by_index(const struct net_observed *o,
					     int ifindex);

/* Computes the steps from @seen to @want into @plan (zeroed by the
 * caller; net_plan_free it). 0 or -ENOMEM. */
int net_plan_build(const struct net_desired *want,
		   const struct net_observed *seen, struct net_plan *plan);
void net_plan_free(struct net_plan *p);

/* "create", "change", "leave", "remove", "conflict". */
const char *net_verb_name(enum net_verb v);

/* Writes the plan as people read it, one line per item:
 * "create  dmzbr  (dmz) bridge, STP off, IPv6 off". */
void net_plan_print(const struct net_plan *p, FILE *f);

#endif
