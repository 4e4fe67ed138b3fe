/* SPDX-License-Identifier: MIT */
/* The watch room: Uptime Kuma-class monitors, their history and alerts. */
#ifndef HEARTH_WATCH_WATCH_ROOM_H
#define HEARTH_WATCH_WATCH_ROOM_H

#include "core/room.h"

/* The room, for the room table (src/cmd/rooms.c). */
extern const struct room_def watch_room_def;

/* Its parts, each defined in the file that owns it. */
extern const struct room_ops watch_room_ops;	      /* room.c */
extern const struct cli_command watch_cli_commands[]; /* cli.c */
extern const char *const watch_migrations[];	      /* store.c */

#endif
