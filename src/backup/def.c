/* SPDX-License-Identifier: MIT */
/* The backup room's line in the room table: its config section and offline commands (no daemon side yet). */
#include "backup/backup_room.h"
#include "backup/config.h"

const struct room_def backup_room_def = {
	.name = "backup",
	.help = "the backup room: encrypted, deduplicated backups in restic's "
		"repository format; absent: no backup jobs",
	.config = &backup_config_section,
	.config_size = sizeof(struct cfg_backup),
	.commands = backup_cli_commands,
};
