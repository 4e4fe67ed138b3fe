/* SPDX-License-Identifier: MIT */
/* The vm room's config schema: every key of `vm:`. */
#include "vm/config.h"

#include "vm/vm_room.h"

#pragma GCC diagnostic ignored "-Woverride-init"

static const struct cfg_field vm_fields[] = {
	CFG_FIELD(.key = "uri", .type = CFG_STRING,
		  .off = CFG_F(struct cfg_vmroom, uri), .def = "qemu:///system",
		  .reloadable = true,
		  .help = "libvirt URI of VMs that name no hypervisor"),
	CFG_FIELD(.key = "pool", .type = CFG_STRING,
		  .off = CFG_F(struct cfg_vmroom, pool), .def = "default",
		  .reloadable = true,
		  .help = "storage pool of VM volumes (overlays, disks, "
			  "cloud-init seeds) unless a VM names its own"),
	CFG_FIELD(.key = "ca_dir", .type = CFG_PATH,
		  .off = CFG_F(struct cfg_vmroom, ca_dir), .reloadable = true,
		  .help = "the SSH certificate authority's directory (hearth "
			  "ssh ca init; default STATE_DIR/ssh-ca)"),
	CFG_FIELD(.key = "virt_type", .type = CFG_STRING,
		  .off = CFG_F(struct cfg_vmroom, virt_type), .def = "kvm",
		  .reloadable = true,
		  .help = "libvirt domain type: kvm, or qemu (TCG, no /dev/kvm)"),
	CFG_FIELD(.key = "host_cert_validity", .type = CFG_DURATION,
		  .off = CFG_F(struct cfg_vmroom, host_cert_validity),
		  .def = "365d", .min = 3600, .max = 3650 * 86400,
		  .reloadable = true,
		  .help = "how long the SSH host certificate of a VM's seed "
			  "lasts"),
};

const struct cfg_section vm_config_section = {
	.fields = vm_fields, .n_fields = CFG_N(vm_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

const struct cfg_vmroom *vm_config(const struct config *cfg)
{
	return room_config(cfg, &vm_room_def);
}
