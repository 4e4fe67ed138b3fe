/* SPDX-License-Identifier: MIT */
/* The net room's config section (net:): whether hearthd keeps lab:'s links applied, and which lab host this is. */
#ifndef HEARTH_NET_CONFIG_H
#define HEARTH_NET_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

/* The links themselves come from lab.networks, lab.hosts[].interfaces
 * and lab.policy; this section only says what hearthd does with them. */
struct cfg_net {
	bool apply;	  /* false: plan only (logged), nothing changed */
	int64_t recheck;  /* seconds between drift rechecks (apply); 0 none */
	const char *host; /* the lab host this is; NULL: the hostname */
	struct cfg_pos host_pos;
};

/* The section of @cfg (defaults when the file has none). */
const struct cfg_net *net_config(const struct config *cfg);

#endif
