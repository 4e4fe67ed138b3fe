/* SPDX-License-Identifier: MIT */
/* A VM as hearth wants it (from lab.vms) and as a hypervisor shows it (from its domain XML): the plain values planning compares. */
#ifndef HEARTH_VM_SPEC_H
#define HEARTH_VM_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "core/config.h"

#define VM_MAX_DISKS 8
#define VM_NAME_MAX 128
#define VM_PATH_MAX 512
/* Bytes of domain XML we read from a hypervisor. */
#define VM_DOMAIN_XML_MAX (1u << 20)
/* The namespace of hearth's <metadata> element in a domain it owns. */
#define VM_XMLNS "https://hearth.invalid/xmlns/vm/1"

struct vm_disk {
	char name[64];		/* from lab.vms.X.disks */
	char pool[VM_NAME_MAX];
	char volume[VM_NAME_MAX + 16]; /* X-NAME.qcow2 */
	uint64_t size;		/* bytes */
};

/* What hearth wants (and, read back from the metadata, what it applied). */
struct vm_spec {
	char name[64];		  /* lab name (DNS label) */
	char domain[VM_NAME_MAX]; /* libvirt domain name */
	char uuid[40];		  /* when redefining: the domain's; else "" */
	char uri[256];		  /* hypervisor */
	char virt_type[16];	  /* kvm, qemu */
	unsigned vcpus;
	uint64_t memory_kib;
	char mac[18];		/* "52:54:00:..": empty when libvirt picks */
	char bridge[64];
	char pool[VM_NAME_MAX];
	char image[VM_PATH_MAX]; /* absolute path, or POOL/VOLUME */
	uint64_t disk_size;	 /* bytes; 0: the image's */
	char root_volume[VM_NAME_MAX]; /* NAME.qcow2 in pool */
	char seed_volume[VM_NAME_MAX]; /* NAME-cidata.iso in pool */
	struct vm_disk disks[VM_MAX_DISKS];
	size_t n_disks;
	bool autostart;
	char seed_hash[20]; /* hex of the seed's content hash (first 16) */
	/* Direct kernel boot (optional): kernel, initrd, command line. */
	char kernel[VM_PATH_MAX], initrd[VM_PATH_MAX], cmdline[VM_PATH_MAX];
};

/* What a hypervisor shows of a domain. */
struct vm_observed {
	char domain[VM_NAME_MAX];
	bool running;
	bool autostart;
	/* Live values from its XML. */
	unsigned vcpus;
	uint64_t memory_kib;
	char mac[18];
	char bridge[64];
	char root_pool[VM_NAME_MAX], root_volume[VM_NAME_MAX];
	size_t n_disks; /* disks besides vda and the seed */
	/* hearth's metadata: set when hearth defined it; then ->applied
	 * holds what it applied. */
	bool owned;
	struct vm_spec applied;
};

/*
 * The spec of lab.vms entry @v: defaults from the vm section @uri,
 * @pool, @virt_type; the bridge from v->bridge, else @bridge_of_network
 * (the network's bridge name; may be NULL: the network's name).
 * Returns 0, or -ENAMETOOLONG naming nothing (names are checked short
 * by the config).
 */
int vm_spec_from_config(const struct cfg_vm *v, const char *uri,
			const char *pool, const char *virt_type,
			const char *bridge_of_network, struct vm_spec *out);

/* Appends @s with XML's five special characters escaped. */
void vm_xml_escape(struct buf *b, const char *s);

/* Renders hearth's domain XML template for @s (with its metadata). 0 or
 * the buf's error. */
int vm_domain_xml(const struct vm_spec *s, struct buf *out);

/*
 * Reads domain XML from a hypervisor (at most VM_DOMAIN_XML_MAX bytes;
 * untrusted: bounded, no network, no entities) into @o (running and
 * autostart are left for the caller). 0, or -EINVAL with @why.
 */
int vm_domain_parse(const char *xml, size_t len, struct vm_observed *o,
		    const char **why);

#endif
