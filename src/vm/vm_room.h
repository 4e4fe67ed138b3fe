/* SPDX-License-Identifier: MIT */
/* The vm room's entry in the room table: VMs on libvirt from lab.vms, and the lab's SSH certificate authority. */
#ifndef HEARTH_VM_VM_ROOM_H
#define HEARTH_VM_VM_ROOM_H

#include "core/cli.h"
#include "core/room.h"

extern const struct room_def vm_room_def;

/* `hearth vm …` and `hearth ssh …` (offline: libvirt and files). */
extern const struct cli_command vm_cli_commands[];

#endif
