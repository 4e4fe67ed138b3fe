/* SPDX-License-Identifier: MIT */
/* The notify room's line in the room table: its config, tables, lifecycle and commands. */
#include "notify/config.h"
#include "notify/notify_room.h"

const struct room_def notify_room_def = {
	.name = "notify",
	.help = "the notify room: ntfy-compatible topics and the "
		"Apprise-compatible API; absent: no notifications",
	.config = &notify_config_section,
	.config_size = sizeof(struct cfg_notify),
	.migrations = notify_migrations,
	.ops = &notify_room_ops,
	.commands = notify_cli_commands,
};
