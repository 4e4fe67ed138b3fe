/* SPDX-License-Identifier: MIT */
/* The dns room: authoritative zones served over UDP and TCP. */
#ifndef HEARTH_DNS_DNS_ROOM_H
#define HEARTH_DNS_DNS_ROOM_H

#include "core/room.h"

/* The room, for the room table (src/cmd/rooms.c). */
extern const struct room_def dns_room_def;

/* Its parts, each defined in the file that owns it. */
extern const struct room_ops dns_room_ops;      /* room.c */
extern const struct cli_command dns_cli_commands[]; /* cli.c */
extern const char *const dns_migrations[];       /* store.c */

#endif
