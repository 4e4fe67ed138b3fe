/* SPDX-License-Identifier: MIT */
/* The net room's entry in the room table, and what its files name. */
#ifndef HEARTH_NET_NET_ROOM_H
#define HEARTH_NET_NET_ROOM_H

#include "core/cli.h"
#include "core/room.h"

extern const struct room_def net_room_def;
/* `hearth net plan|apply|check`: offline, on this host. */
extern const struct cli_command net_cli_commands[];
extern const struct room_ops net_room_ops;
extern const struct cfg_section net_config_section;

#endif
