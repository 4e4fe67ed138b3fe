/* SPDX-License-Identifier: MIT */
/* The schema of lab.vms (VMs on libvirt) and their hosts: a VM's mac + ip join lab.hosts, so DNS, DHCP and watch derive from them as from any host. */
#include "core/config_vms.h"

#include <string.h>

#include "base/err.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N

static int disk_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_vm_disk *d = obj;
	if (!cfg_is_label(d->name))
		return cfg_fail(err, &d->pos, "disk name '%s' is not a valid "
				"label (letters, digits, hyphens)", d->name);
	return 0;
}

static const struct cfg_field disk_fields[] = {
	FIELD(.key = "size", .type = CFG_SIZE, .off = F(struct cfg_vm_disk, size),
	      .required = true, .min = 1048576, .max = 70368744177664,
	      .reloadable = true, .help = "size of the new volume (20G)"),
	FIELD(.key = "pool", .type = CFG_STRING, .off = F(struct cfg_vm_disk, pool),
	      .reloadable = true, .help = "storage pool (default: the VM's)"),
};
static const struct cfg_section disk_section = {
	.size = sizeof(struct cfg_vm_disk),
	.name_off = F(struct cfg_vm_disk, name),
	.pos_off = F(struct cfg_vm_disk, pos),
	.fields = disk_fields, .n_fields = N(disk_fields), .check = disk_check,
};

static const struct cfg_field cloud_init_fields[] = {
	FIELD(.key = "user", .type = CFG_STRING,
	      .off = F(struct cfg_vm_cloud_init, user), .def = "debian",
	      .reloadable = true,
	      .help = "the login user cloud-init creates (its certificates "
		      "name it as principal)"),
	FIELD(.key = "packages", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_vm_cloud_init, packages),
	      .count_off = F(struct cfg_vm_cloud_init, n_packages),
	      .reloadable = true, .help = "packages cloud-init installs"),
	FIELD(.key = "ssh_keys", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_vm_cloud_init, ssh_keys),
	      .count_off = F(struct cfg_vm_cloud_init, n_ssh_keys),
	      .reloadable = true,
	      .help = "authorized_keys lines for the user (besides the "
		      "lab CA's certificates)"),
	FIELD(.key = "user_data", .type = CFG_PATH,
	      .off = F(struct cfg_vm_cloud_init, user_data),
	      .pos_off = F(struct cfg_vm_cloud_init, user_data_pos),
	      .reloadable = true,
	      .help = "a #cloud-config file merged after hearth's part "
		      "(multipart user-data)"),
};
static const struct cfg_section cloud_init_section = {
	.fields = cloud_init_fields, .n_fields = N(cloud_init_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static int vm_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_vm *v = obj;
	if (!cfg_is_label(v->name))
		return cfg_fail(err, &v->pos, "vm name '%s' is not a valid DNS "
				"label", v->name);
	if (!v->domain)
		v->domain = v->name;
	if (v->has_mac && !v->has_ip)
		return cfg_fail(err, &v->mac_pos, "vm '%s' has a mac but no ip "
				"to reserve", v->name);
	if (v->has_mac && (v->mac.b[0] & 1))
		return cfg_fail(err, &v->mac_pos, "mac of vm '%s' is a "
				"multicast address", v->name);
	if (!v->image)
		return cfg_fail(err, &v->pos, "vm '%s' needs an image (a qcow2 "
				"path or POOL/VOLUME)", v->name);
	if (v->image[0] != '/' && !strchr(v->image, '/'))
		return cfg_fail(err, &v->image_pos, "image of vm '%s' must be an "
				"absolute path or POOL/VOLUME", v->name);
	if (!v->network && !v->bridge)
		return cfg_fail(err, &v->pos, "vm '%s' needs a network (or a "
				"bridge)", v->name);
	return 0;
}

/* The first VM_ADDR_FIELDS are a VM's address; a host's vm: takes the
 * host's instead, so its section starts after them. */
#define VM_ADDR_FIELDS 3
static const struct cfg_field vm_fields[] = {
	FIELD(.key = "mac", .type = CFG_MAC, .off = F(struct cfg_vm, mac),
	      .set_off = F(struct cfg_vm, has_mac),
	      .pos_off = F(struct cfg_vm, mac_pos), .reloadable = true,
	      .help = "fixed MAC of its NIC; with ip: a DHCP reservation"),
	FIELD(.key = "ip", .type = CFG_IPADDR, .off = F(struct cfg_vm, ip),
	      .set_off = F(struct cfg_vm, has_ip),
	      .pos_off = F(struct cfg_vm, ip_pos), .reloadable = true,
	      .help = "its address: A + PTR records, and with mac a DHCP "
		      "reservation, as a lab host's"),
	FIELD(.key = "network", .type = CFG_STRING,
	      .off = F(struct cfg_vm, network),
	      .pos_off = F(struct cfg_vm, network_pos), .reloadable = true,
	      .help = "a lab network: the NIC joins its bridge; ip must lie "
		      "inside it"),
	FIELD(.key = "domain", .type = CFG_STRING, .off = F(struct cfg_vm, domain),
	      .reloadable = true, .help = "libvirt domain name (default: the "
					  "VM's name)"),
	FIELD(.key = "hypervisor", .type = CFG_STRING,
	      .off = F(struct cfg_vm, hypervisor),
	      .pos_off = F(struct cfg_vm, hypervisor_pos), .reloadable = true,
	      .help = "libvirt URI: qemu:///system, qemu+ssh://atlas/system "
		      "(default: vm.uri)"),
	FIELD(.key = "vcpus", .type = CFG_INT, .off = F(struct cfg_vm, vcpus),
	      .def = "1", .min = 1, .max = 256, .reloadable = true,
	      .help = "virtual CPUs"),
	FIELD(.key = "memory", .type = CFG_SIZE, .off = F(struct cfg_vm, memory),
	      .pos_off = F(struct cfg_vm, memory_pos), .def = "512M",
	      .min = 16777216, .max = 1099511627776, .reloadable = true,
	      .help = "memory (512M, 2G)"),
	FIELD(.key = "bridge", .type = CFG_STRING, .off = F(struct cfg_vm, bridge),
	      .reloadable = true,
	      .help = "the host bridge of its NIC (default: the network's)"),
	FIELD(.key = "image", .type = CFG_STRING, .off = F(struct cfg_vm, image),
	      .pos_off = F(struct cfg_vm, image_pos), .reloadable = true,
	      .help = "base image: an absolute qcow2 path or POOL/VOLUME; the "
		      "VM's disk is a copy-on-write overlay on it"),
	FIELD(.key = "disk_size", .type = CFG_SIZE,
	      .off = F(struct cfg_vm, disk_size),
	      .pos_off = F(struct cfg_vm, disk_size_pos), .min = 0,
	      .max = 70368744177664, .reloadable = true,
	      .help = "size of the overlay (default: the image's)"),
	FIELD(.key = "pool", .type = CFG_STRING, .off = F(struct cfg_vm, pool),
	      .reloadable = true, .help = "storage pool of its volumes "
					  "(default: vm.pool)"),
	FIELD(.key = "disks", .type = CFG_MAP, .off = F(struct cfg_vm, disks),
	      .count_off = F(struct cfg_vm, n_disks), .reloadable = true,
	      .sub = &disk_section,
	      .help = "extra disks: name -> {size, pool}"),
	FIELD(.key = "autostart", .type = CFG_BOOL,
	      .off = F(struct cfg_vm, autostart), .def = "true",
	      .reloadable = true, .help = "start with the hypervisor"),
	FIELD(.key = "kernel", .type = CFG_PATH, .off = F(struct cfg_vm, kernel),
	      .reloadable = true,
	      .help = "direct kernel boot: a kernel on the hypervisor (default: "
		      "the disk's boot loader)"),
	FIELD(.key = "initrd", .type = CFG_PATH, .off = F(struct cfg_vm, initrd),
	      .reloadable = true, .help = "direct kernel boot: its initramfs"),
	FIELD(.key = "cmdline", .type = CFG_STRING,
	      .off = F(struct cfg_vm, cmdline), .reloadable = true,
	      .help = "direct kernel boot: its command line"),
	FIELD(.key = "cloud_init", .type = CFG_SECTION,
	      .off = F(struct cfg_vm, cloud_init),
	      .set_off = F(struct cfg_vm, has_cloud_init), .reloadable = true,
	      .sub = &cloud_init_section,
	      .help = "the NoCloud seed: user, packages, keys, extra "
		      "user-data (always: hostname, SSH host certificate, "
		      "TrustedUserCAKeys)"),
};

const struct cfg_section cfg_vm_section = {
	.size = sizeof(struct cfg_vm),
	.name_off = F(struct cfg_vm, name),
	.pos_off = F(struct cfg_vm, pos),
	.fields = vm_fields, .n_fields = N(vm_fields), .check = vm_check,
};

const struct cfg_section cfg_host_vm_section = {
	.fields = vm_fields + VM_ADDR_FIELDS,
	.n_fields = N(vm_fields) - VM_ADDR_FIELDS,
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* lab.hosts.NAME.vm entries join lab.vms (after the map's own), with
 * the host's name, address and network. */
static int add_host_vms(struct config *cfg, struct cfg_lab *lab,
			struct cfg_error *err)
{
	size_t hosted = 0;
	for (size_t i = 0; i < lab->n_hosts; i++)
		hosted += lab->hosts[i].has_vm;
	if (!hosted)
		return 0;
	struct cfg_vm *all = arena_alloc(&cfg->arena, (lab->n_vms + hosted) *
					 sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (lab->n_vms)
		memcpy(all, lab->vms, lab->n_vms * sizeof(*all));
	size_t n = lab->n_vms;
	for (size_t i = 0; i < lab->n_hosts; i++) {
		const struct cfg_host *h = &lab->hosts[i];
		if (!h->has_vm)
			continue;
		for (size_t j = 0; j < lab->n_vms; j++)
			if (!strcmp(lab->vms[j].name, h->name))
				return cfg_fail(err, &h->pos, "host '%s' has vm: and "
						"is in lab.vms too", h->name);
		struct cfg_vm *v = &all[n++];
		*v = h->vm;
		v->name = h->name;
		v->pos = h->pos;
		v->ip = h->ip;
		v->has_ip = h->has_ip;
		v->ip_pos = h->ip_pos;
		v->mac = h->mac;
		v->has_mac = h->has_mac;
		v->mac_pos = h->mac_pos;
		v->network = h->network;
		v->network_pos = h->network_pos;
		int rc = vm_check(cfg, v, err);
		if (rc)
			return rc;
	}
	lab->vms = all;
	lab->n_vms = n;
	return 0;
}

int cfg_lab_add_vm_hosts(struct config *cfg, struct cfg_lab *lab,
			 struct cfg_error *err)
{
	/* The map's VMs become hosts; hosts with vm: are hosts already. */
	size_t own = lab->n_vms;
	if (!own)
		return add_host_vms(cfg, lab, err);
	struct cfg_host *all = arena_alloc(&cfg->arena, (lab->n_hosts +
				lab->n_vms) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (lab->n_hosts)
		memcpy(all, lab->hosts, lab->n_hosts * sizeof(*all));
	size_t n = lab->n_hosts;
	for (size_t i = 0; i < own; i++) {
		const struct cfg_vm *v = &lab->vms[i];
		for (size_t j = 0; j < lab->n_hosts; j++)
			if (!strcmp(lab->hosts[j].name, v->name))
				return cfg_fail(err, &v->pos, "vm '%s' has the "
						"same name as host '%s'", v->name,
						v->name);
		const struct cfg_network *net = NULL;
		for (size_t j = 0; v->network && j < lab->n_networks; j++)
			if (!strcmp(lab->networks[j].name, v->network))
				net = &lab->networks[j];
		if (v->network && !net)
			return cfg_fail(err, &v->network_pos, "unknown network "
					"'%s'", v->network);
		if (net && v->has_ip && !ipprefix_contains(&net->subnet, &v->ip))
			return cfg_fail(err, &v->ip_pos, "ip of vm '%s' is "
					"outside network '%s'", v->name, net->name);
		if (!v->has_ip)
			continue;
		all[n++] = (struct cfg_host){
			.name = v->name, .pos = v->pos, .ip = v->ip,
			.has_ip = true, .ip_pos = v->ip_pos, .mac = v->mac,
			.has_mac = v->has_mac, .mac_pos = v->mac_pos,
			.network = v->network, .network_pos = v->network_pos,
			.from_vm = true,
		};
	}
	lab->hosts = all;
	lab->n_hosts = n;
	/* The hosts just made carry no vm: of their own. */
	return add_host_vms(cfg, lab, err);
}
