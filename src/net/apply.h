/* SPDX-License-Identifier: MIT */
/* The net room's I/O: observing links over rtnetlink and sysctl, and applying a plan with rollback. */
#ifndef HEARTH_NET_APPLY_H
#define HEARTH_NET_APPLY_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"
#include "net/plan.h"

/*
 * Everything here works in the calling thread's network namespace and
 * blocks (netlink round trips, /proc/sys writes, libnftables): the CLI
 * calls it directly, the daemon from the work queue. Not thread-safe
 * against itself (one apply at a time per namespace).
 */

/* Reads the links (with addresses, STP, IPv6 sysctls) and table inet
 * hearth into @o (zeroed by the caller; net_observed_free it). Without
 * @need_table, nftables being unusable reads as "no table". 0 or a
 * negative errno with the reason in @err. */
int net_observe(struct net_observed *o, bool need_table, char *err,
		size_t errlen);

/*
 * Runs @plan's steps in order (refuses with -EINVAL when it has
 * conflicts). When a step fails, the steps done so far are undone in
 * reverse (a link this apply created is deleted) and the failure is
 * returned with the step and the kernel's reason in @err. Each step done
 * is written to @log (may be NULL) as "  ip link add dmzbr type bridge"
 * and the like.
 */
int net_apply(const struct net_plan *plan, const struct net_desired *want,
	      FILE *log, char *err, size_t errlen);

/* What a whole pass did. */
struct net_result {
	size_t changes, conflicts;
	bool applied;
};

/*
 * The room's one pass, for the CLI and the daemon: desired links of
 * @host from @lab, observed links, the plan (printed to @out, may be
 * NULL), and with @apply the apply. 0, or a negative errno with @err.
 */
int net_sync(const struct cfg_lab *lab, const char *host, bool apply,
	     FILE *out, struct net_result *res, char *err, size_t errlen);

#endif
