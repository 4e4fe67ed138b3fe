/* SPDX-License-Identifier: MIT */
/* The vm room's line in the room table: its config section and offline commands (hearth vm, hearth ssh). */
#include "vm/config.h"
#include "vm/vm_room.h"

const struct room_def vm_room_def = {
	.name = "vm",
	.help = "the vm room: VMs of lab.vms on libvirt (hearth vm plan, "
		"apply) and the lab's SSH certificate authority (hearth ssh); "
		"absent: defaults",
	.config = &vm_config_section,
	.config_size = sizeof(struct cfg_vmroom),
	.commands = vm_cli_commands,
};
