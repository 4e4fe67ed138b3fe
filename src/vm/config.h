/* SPDX-License-Identifier: MIT */
/* The vm room's config section: the default hypervisor URI, storage pool and CA directory (the VMs themselves are lab.vms). */
#ifndef HEARTH_VM_CONFIG_H
#define HEARTH_VM_CONFIG_H

#include "core/config.h"
#include "core/config_schema.h"

/* Strings belong to the config snapshot's arena. */
struct cfg_vmroom {
	const char *uri;    /* default libvirt URI of a VM */
	const char *pool;   /* default storage pool */
	const char *ca_dir; /* NULL: STATE_DIR/ssh-ca */
	const char *virt_type; /* domain type: kvm, qemu (TCG) */
	int64_t host_cert_validity; /* seconds a VM's host certificate lasts */
};

extern const struct cfg_section vm_config_section;

/* The section in @cfg (defaults when absent). */
const struct cfg_vmroom *vm_config(const struct config *cfg);

#endif
