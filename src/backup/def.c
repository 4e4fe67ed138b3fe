/* SPDX-License-Identifier: MIT */
/* The backup room's line in the room table: its config section, tables, jobs in the daemon and commands. */
#include "backup/backup_room.h"
#include "backup/config.h"
#include "backup/store.h"

const struct room_def backup_room_def = {
	.name = "backup",
	.help = "the backup room: encrypted, deduplicated backups in restic's "
		"repository format; absent: no backup jobs",
	.config = &backup_config_section,
	.config_size = sizeof(struct cfg_backup),
	.migrations = backup_migrations,
	.ops = &backup_room_ops,
	.commands = backup_cli_commands,
};
