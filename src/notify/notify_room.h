/* SPDX-License-Identifier: MIT */
/* The notify room: ntfy-compatible topics and the Apprise-compatible API, one room. */
#ifndef HEARTH_NOTIFY_NOTIFY_ROOM_H
#define HEARTH_NOTIFY_NOTIFY_ROOM_H

#include "core/room.h"

/* The room, for the room table (src/cmd/rooms.c). */
extern const struct room_def notify_room_def;

/* Its parts, each defined in the file that owns it. */
extern const struct room_ops notify_room_ops;	       /* room.c */
extern const struct cli_command notify_cli_commands[]; /* cli.c */
extern const char *const notify_migrations[];	       /* store.c */

#endif
