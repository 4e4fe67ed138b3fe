/* SPDX-License-Identifier: MIT */
/* The watch room's line in the room table: its config, tables, lifecycle and commands. */
#include "watch/config.h"
#include "watch/watch_room.h"

const struct room_def watch_room_def = {
	.name = "watch",
	.help = "the watch room: uptime monitors, history and alerts; absent: "
		"no monitoring",
	.config = &watch_config_section,
	.config_size = sizeof(struct cfg_watch),
	.migrations = watch_migrations,
	.ops = &watch_room_ops,
	.commands = watch_cli_commands,
};
