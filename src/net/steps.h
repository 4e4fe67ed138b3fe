/* SPDX-License-Identifier: MIT */
/* The plan's steps and their undo, run against the kernel through a small seam (real: rtnetlink and /proc/sys; tests: scripted). */
#ifndef HEARTH_NET_STEPS_H
#define HEARTH_NET_STEPS_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "net/plan.h"

/*
 * Why a seam: what a failed apply undoes (a deleted bridge made again
 * with its ports, sysctls and addresses) is the part of the room that is
 * hardest to reach for real, so the steps talk to the kernel only
 * through these calls and the unit tests script them (a failure at any
 * request) and read back every request the undo sent.
 */
struct net_io;

struct net_io_ops {
	/* The ifindex of link @name, or -ENODEV. */
	int (*link_index)(struct net_io *io, const char *name);
	/* Sends @nlh (built by net_rtnl_*_msg; the seam sets its sequence
	 * number) and waits for its ack: 0 or the kernel's -errno. */
	int (*request)(struct net_io *io, struct nlmsghdr *nlh);
	/* Whether the kernel has IPv6 (else sysctls are skipped). */
	bool (*has_ipv6)(struct net_io *io);
	/* Writes net.ipv6.conf.@link.@key = @value: 0 or -errno. */
	int (*sysctl_write)(struct net_io *io, const char *link,
			    const char *key, int value);
	/* Runs nft @text (replacing table inet hearth) / deletes the table:
	 * 0, or non-zero with the reason in @err. */
	int (*nft_run)(struct net_io *io, const char *text, char *err,
		       size_t errlen);
	int (*nft_delete)(struct net_io *io, char *err, size_t errlen);
};

struct net_io {
	const struct net_io_ops *ops;
};

/* net_apply (net/apply.h) on @io: the steps of @plan in order, and on a
 * failure the undo of those done, in reverse. Same contract otherwise. */
int net_steps_run(struct net_io *io, const struct net_plan *plan,
		  const struct net_desired *want, FILE *log, char *err,
		  size_t errlen);

#endif
