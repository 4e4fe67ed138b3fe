/* SPDX-License-Identifier: MIT */
/* lab.vms in core's schema: the section of one VM, and the hosts VMs add to lab.hosts. */
#ifndef HEARTH_CORE_CONFIG_VMS_H
#define HEARTH_CORE_CONFIG_VMS_H

#include "core/config.h"
#include "core/config_schema.h"

/* The schema of one lab.vms entry, and of lab.hosts.NAME.vm (the same
 * keys but mac, ip and network, which are the host's). */
extern const struct cfg_section cfg_vm_section;
extern const struct cfg_section cfg_host_vm_section;

/*
 * Appends a host (name, ip, mac, network; from_vm set) to lab->hosts
 * for each lab.vms entry with an ip, then a VM to lab->vms for each host
 * with vm: (checked as a lab.vms entry), in the config's arena, after checking its
 * network exists and holds the ip and that no host has its name. Runs in
 * lab's check, before the checks across hosts (same ip, same mac), so
 * those cover VMs too. 0, HEARTH_ECONFIG with @err, or -ENOMEM.
 */
int cfg_lab_add_vm_hosts(struct config *cfg, struct cfg_lab *lab,
			 struct cfg_error *err);

#endif
