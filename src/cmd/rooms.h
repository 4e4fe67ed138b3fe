/* SPDX-License-Identifier: MIT */
/* The one table of rooms: hearthd, --check, --config-reference, the docs and the CLI read it. */
#ifndef HEARTH_CMD_ROOMS_H
#define HEARTH_CMD_ROOMS_H

#include "core/room.h"

/* Every room, NULL-terminated. Adding a room is one line in rooms.c. */
extern const struct room_def *const hearth_rooms[];

#endif
