/* SPDX-License-Identifier: MIT */
/* The backup room's entry in the room table, and what its files name. */
#ifndef HEARTH_BACKUP_BACKUP_ROOM_H
#define HEARTH_BACKUP_BACKUP_ROOM_H

#include "core/cli.h"
#include "core/room.h"

extern const struct room_def backup_room_def;
/* The daemon side: the jobs of backup.jobs (room.c). */
extern const struct room_ops backup_room_ops;
/* `hearth backup …`: restic's commands on a repository, offline. */
extern const struct cli_command backup_cli_commands[];

#endif
