/* SPDX-License-Identifier: MIT */
/* The dns room's line in the room table: its config, tables, lifecycle and commands. */
#include "dns/config.h"
#include "dns/dns_room.h"
#include "dns/internal.h"

const struct room_def dns_room_def = {
	.name = "dns",
	.help = "the dns room: authoritative zones; absent: no DNS",
	.config = &dns_config_section,
	.config_size = sizeof(struct cfg_dns),
	.migrations = dns_migrations,
	.ops = &dns_room_ops,
	.commands = dns_cli_commands,
	.check = dns_check_zones,
};
