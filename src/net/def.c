/* SPDX-License-Identifier: MIT */
/* The net room's line in the room table: its config section, lifecycle and commands. */
#include "net/config.h"
#include "net/net_room.h"

const struct room_def net_room_def = {
	.name = "net",
	.help = "the net room: lab.networks' VLAN sub-interfaces and bridges, "
		"and lab.policy as table inet hearth; absent: hearthd leaves "
		"links alone (hearth net plan, apply and check work anyway)",
	.config = &net_config_section,
	.config_size = sizeof(struct cfg_net),
	.ops = &net_room_ops,
	.commands = net_cli_commands,
};
