/* SPDX-License-Identifier: MIT */
/* The dns room: authoritative zones served over UDP and TCP. */
#ifndef HEARTH_DNS_DNS_ROOM_H
#define HEARTH_DNS_DNS_ROOM_H

#include "core/room.h"

/* The room's lifecycle, for hearthd's room table. */
extern const struct room_ops dns_room_ops;

#endif
