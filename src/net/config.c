/* SPDX-License-Identifier: MIT */
/* The net room's config section: net.apply, net.recheck and net.host. */
#include "net/config.h"

#include <string.h>

#include "net/net_room.h"

#pragma GCC diagnostic ignored "-Woverride-init"

static int net_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	const struct cfg_net *n = obj;
	if (!n->host)
		return 0;
	for (size_t i = 0; i < cfg->lab.n_hosts; i++)
		if (strcmp(cfg->lab.hosts[i].name, n->host) == 0)
			return 0;
	return cfg_fail(err, &n->host_pos, "host '%s' is not in lab.hosts",
			n->host);
}

static const struct cfg_field net_fields[] = {
	CFG_FIELD(.key = "apply", .type = CFG_BOOL,
		  .off = CFG_F(struct cfg_net, apply), .def = "false",
		  .reloadable = true,
		  .help = "true: hearthd makes lab:'s links and table inet "
			  "hearth so at start, on every reload and whenever "
			  "they drift (needs CAP_NET_ADMIN); false: it only "
			  "logs the plan"),
	CFG_FIELD(.key = "recheck", .type = CFG_DURATION,
		  .off = CFG_F(struct cfg_net, recheck), .def = "5m", .min = 0,
		  .max = 86400, .reloadable = true,
		  .help = "with apply: how often hearthd re-reads the links' "
			  "sysctls and table inet hearth for drift rtnetlink "
			  "does not announce (links and addresses are watched "
			  "all the time); 0: never"),
	CFG_FIELD(.key = "host", .type = CFG_STRING,
		  .off = CFG_F(struct cfg_net, host),
		  .pos_off = CFG_F(struct cfg_net, host_pos), .reloadable = true,
		  .help = "the lab.hosts entry this machine is (its "
			  "interfaces); default: the short hostname"),
};
const struct cfg_section net_config_section = {
	.fields = net_fields, .n_fields = CFG_N(net_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = net_check,
};

const struct cfg_net *net_config(const struct config *cfg)
{
	return room_config(cfg, &net_room_def);
}
