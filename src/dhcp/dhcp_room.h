/* SPDX-License-Identifier: MIT */
/* The dhcp room: a DHCPv4 server whose leases register in the dns room. */
#ifndef HEARTH_DHCP_DHCP_ROOM_H
#define HEARTH_DHCP_DHCP_ROOM_H

#include "core/room.h"

/* The room's lifecycle, for hearthd's room table (after the dns room). */
extern const struct room_ops dhcp_room_ops;

#endif
