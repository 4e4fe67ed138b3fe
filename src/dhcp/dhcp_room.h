/* SPDX-License-Identifier: MIT */
/* The dhcp room: a DHCPv4 server whose leases register in the dns room. */
#ifndef HEARTH_DHCP_DHCP_ROOM_H
#define HEARTH_DHCP_DHCP_ROOM_H

#include "core/room.h"

/* The room, for the room table (src/cmd/rooms.c). */
extern const struct room_def dhcp_room_def;

/* Its parts, each defined in the file that owns it. */
extern const struct room_ops dhcp_room_ops;      /* room.c */
extern const struct cli_command dhcp_cli_commands[]; /* cli.c */
extern const char *const dhcp_migrations[];       /* store.c */
/* room_def.check: counts the subnets (config.c; the section's own checks
 * already ran when the config loaded). */
int dhcp_check_config(const struct config *cfg, struct cfg_error *err,
		      struct room_check_summary *sum);

#endif
