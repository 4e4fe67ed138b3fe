/* SPDX-License-Identifier: MIT */
/* What the net room's files share. */
#ifndef HEARTH_NET_INTERNAL_H
#define HEARTH_NET_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "core/config.h"

/* This machine's lab host: @configured, else the short hostname when
 * lab.hosts has it, else NULL. Writes into @buf. */
const char *net_this_host(const struct cfg_lab *lab, const char *configured,
			  char *buf, size_t cap);

/*
 * Pings from each row to each lab host with an IPv4 ip, and prints the
 * matrix to @out with what lab.policy says: rows are this host (@host,
 * or unnamed) and every lab host with a network namespace of its name
 * (/run/netns/NAME). *as_expected is false when a cell differs from the
 * policy. Blocks (bounded: 2 tries of 1 s per cell, rows in parallel);
 * needs root. 0 or a negative errno.
 */
int net_check_run(const struct cfg_lab *lab, const char *host, FILE *out,
		  bool *as_expected);

#endif
