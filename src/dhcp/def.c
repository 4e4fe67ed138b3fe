/* SPDX-License-Identifier: MIT */
/* The dhcp room's line in the room table: its config, tables, lifecycle and commands. */
#include "dhcp/config.h"
#include "dhcp/dhcp_room.h"

const struct room_def dhcp_room_def = {
	.name = "dhcp",
	.help = "the dhcp room: DHCPv4 server; absent: no DHCP",
	.config = &dhcp_config_section,
	.config_size = sizeof(struct cfg_dhcp),
	.migrations = dhcp_migrations,
	.ops = &dhcp_room_ops,
	.commands = dhcp_cli_commands,
	.check = dhcp_check_config,
};
