/* SPDX-License-Identifier: MIT */
/* The one table of rooms. Adding a room: its folder, and one line here. */
#include "cmd/rooms.h"

#include "backup/backup_room.h"
#include "dhcp/dhcp_room.h"
#include "dns/dns_room.h"
#include "net/net_room.h"
#include "notify/notify_room.h"
#include "vm/vm_room.h"
#include "watch/watch_room.h"

/* The order is the order of the config reference, /healthz and the CLI's
 * help; rooms find each other's services in bind(), whatever the order. */
const struct room_def *const hearth_rooms[] = {
	&dns_room_def,
	&dhcp_room_def,
	&notify_room_def,
	&watch_room_def,
	&backup_room_def,
	&net_room_def,
	&vm_room_def,
	NULL,
};
