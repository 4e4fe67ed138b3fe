/* SPDX-License-Identifier: MIT */
/* The vm room's line in the room table: its config section and offline commands (hearth vm, hearth ssh). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vm/config.h"
#include "vm/vm_room.h"

/* hearthd --check: the files lab.vms names on this host must be there
 * (a cloud-init user_data file is read by hearth vm apply). */
static int vm_check(const struct config *cfg, struct cfg_error *err,
		    struct room_check_summary *sum)
{
	(void)sum;
	for (size_t i = 0; i < cfg->lab.n_vms; i++) {
		const struct cfg_vm *v = &cfg->lab.vms[i];
		const char *f = v->cloud_init.user_data;
		if (f && access(f, R_OK))
			return cfg_fail(err, &v->cloud_init.user_data_pos,
					"vm '%s': cannot read user_data %s: %s",
					v->name, f, strerror(errno));
	}
	return 0;
}

const struct room_def vm_room_def = {
	.name = "vm",
	.help = "the vm room: VMs of lab.vms on libvirt (hearth vm plan, "
		"apply) and the lab's SSH certificate authority (hearth ssh); "
		"absent: defaults",
	.config = &vm_config_section,
	.config_size = sizeof(struct cfg_vmroom),
	.commands = vm_cli_commands,
	.check = vm_check,
};
