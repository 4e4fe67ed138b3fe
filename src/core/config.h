/* SPDX-License-Identifier: MIT */
/* The configuration snapshot: one YAML file parsed against a typed schema. */
#ifndef HEARTH_CORE_CONFIG_H
#define HEARTH_CORE_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/addr.h"
#include "base/arena.h"
#include "base/log.h"

/*
 * A snapshot is immutable once loaded and shared by reference count: a
 * reload builds a new one and swaps it in, so readers never see a
 * half-applied config. All strings and arrays inside belong to ->arena.
 */

/* Where a value stood in the file (1-based); 0 when it came from a default. */
struct cfg_pos {
	int line, col;
};

struct cfg_log {
	enum log_level level;
};

struct cfg_http {
	bool enabled;
	struct sockaddr_any listen;
	const char *api_key; /* NULL: management API refuses everything */
	int64_t max_header_bytes;
	int64_t max_body_bytes;
	int64_t max_connections;
	int64_t idle_timeout; /* seconds */
	int64_t max_streams;  /* streams + WebSockets open at once */
	int64_t max_streams_per_client;
	int64_t max_connections_per_client;
	int64_t header_timeout; /* seconds */
	int64_t reserved_connections;
	struct ipprefix *reserved_clients;
	size_t n_reserved_clients;
	bool has_reserved_clients; /* absent: loopback */
	bool metrics_public;	   /* false: /metrics needs the key */
};

/* What a lab network's links carry on a host (lab.networks.NAME.host_address). */
enum cfg_host_address {
	CFG_HOST_ADDRESS_NONE,	 /* no address: IPv6 off, no RA accepted */
	CFG_HOST_ADDRESS_DHCP,	 /* a DHCP client's business: left alone */
	CFG_HOST_ADDRESS_STATIC, /* the host's ip on the network, set by hearth */
};

/* The name of a host_address value ("none", "dhcp", "static"). */
const char *cfg_host_address_name(enum cfg_host_address a);

struct cfg_network {
	const char *name;
	struct cfg_pos pos;
	int64_t vlan;
	bool has_vlan;
	struct ipprefix subnet;
	struct cfg_pos subnet_pos;
	struct ipaddr gateway;
	bool has_gateway;
	struct cfg_pos gateway_pos;
	/* The net room's links on a host carrying the network: a VLAN
	 * sub-interface `trunk.vlan` (the trunk itself without vlan) as the
	 * port of `bridge`. NULL when not given. */
	const char *bridge;
	struct cfg_pos bridge_pos;
	const char *trunk;
	struct cfg_pos trunk_pos;
	const char *host_address_text;
	struct cfg_pos host_address_pos;
	enum cfg_host_address host_address; /* from host_address_text */
};

/* One of a host's interfaces (lab.hosts.NAME.interfaces[]): a lab network
 * it carries, with the network's trunk, bridge and host_address unless
 * given here. */
struct cfg_iface {
	struct cfg_pos pos;
	const char *network;
	struct cfg_pos network_pos;
	const char *trunk; /* NULL: the network's */
	struct cfg_pos trunk_pos;
	const char *bridge; /* NULL: the network's */
	struct cfg_pos bridge_pos;
	const char *host_address_text; /* NULL: the network's */
	struct cfg_pos host_address_pos;
	struct ipaddr ip; /* static address; default the host's ip */
	bool has_ip;
	struct cfg_pos ip_pos;
};

/* One isolation rule (lab.policy[]): traffic from a network to another. */
struct cfg_policy {
	struct cfg_pos pos;
	const char *from, *to; /* lab network names */
	struct cfg_pos from_pos, to_pos;
	const char *action_text;
	struct cfg_pos action_pos;
	bool allow; /* action: allow (true) or deny */
};

/* lab.vms.<name>.disks[]: an extra disk, a new volume in a pool. */
struct cfg_vm_disk {
	const char *name; /* volume name suffix: NAME-<name>.qcow2 */
	struct cfg_pos pos;
	int64_t size;	  /* bytes */
	const char *pool; /* NULL: the VM's pool */
};

/* lab.vms.<name>.cloud_init: what the NoCloud seed carries. */
struct cfg_vm_cloud_init {
	const char *user; /* the login user cloud-init creates */
	const char **packages;
	size_t n_packages;
	const char **ssh_keys; /* authorized_keys lines for the user */
	size_t n_ssh_keys;
	const char *user_data; /* a file of #cloud-config merged after ours */
	struct cfg_pos user_data_pos;
};

/* lab.vms.<name>: a VM on libvirt; its mac + ip are also a lab host. */
struct cfg_vm {
	const char *name;
	struct cfg_pos pos;
	const char *domain; /* libvirt domain name (NULL: name) */
	const char *hypervisor; /* libvirt URI (NULL: vm.uri) */
	struct cfg_pos hypervisor_pos;
	int64_t vcpus;
	int64_t memory; /* bytes */
	struct cfg_pos memory_pos;
	struct macaddr mac;
	bool has_mac;
	struct cfg_pos mac_pos;
	struct ipaddr ip;
	bool has_ip;
	struct cfg_pos ip_pos;
	const char *network; /* a lab network (its bridge) */
	struct cfg_pos network_pos;
	const char *bridge; /* the bridge, overriding the network's */
	const char *image;  /* base image: an absolute qcow2 path or POOL/VOLUME */
	struct cfg_pos image_pos;
	int64_t disk_size; /* bytes of the overlay (0: the image's) */
	struct cfg_pos disk_size_pos;
	const char *pool; /* NULL: vm.pool */
	struct cfg_vm_disk *disks;
	size_t n_disks;
	bool autostart;
	const char *kernel, *initrd, *cmdline; /* direct kernel boot */
	struct cfg_vm_cloud_init cloud_init;
	bool has_cloud_init;
};

struct cfg_host {
	const char *name;
	struct cfg_pos pos;
	struct ipaddr ip;
	bool has_ip;
	struct cfg_pos ip_pos;
	struct macaddr mac;
	bool has_mac;
	struct cfg_pos mac_pos;
	const char *network; /* name of a lab network, or NULL */
	struct cfg_pos network_pos;
	struct ipaddr public_ip; /* address on the internet side of the NAT */
	bool has_public;
	struct cfg_pos public_pos;
	struct cfg_iface *interfaces; /* the networks the host carries */
	size_t n_interfaces;
	bool has_interfaces; /* absent: every network with a trunk */
	bool from_vm; /* derived from lab.vms (an entry there, not hosts) */
	/* lab.hosts.NAME.vm: this host is a VM (it joins lab.vms with the
	 * host's name, mac, ip and network). */
	struct cfg_vm vm;
	bool has_vm;
};

/* A lab service (lab.services[]): what watch and proxy derive from. */
struct cfg_service {
	struct cfg_pos pos;
	const char *name;
	struct cfg_pos name_pos;
	const char *host; /* a lab.hosts name, an address or a DNS name */
	struct cfg_pos host_pos;
	int64_t port;	  /* 0: none */
	struct cfg_pos port_pos;
	const char *url;  /* http:// or https://, or NULL */
	struct cfg_pos url_pos;
	const char *type; /* the check: http, port or ping; NULL: from the
			     rest (url: http, host + port: port) */
	struct cfg_pos type_pos;
	/* filled by the check */
	const struct cfg_host *lab_host; /* host names a lab host */
};


struct cfg_lab {
	bool enabled;
	bool disabled; /* the file says lab: {enabled: false} */
	const char *domain; /* lower case, no trailing dot */
	struct cfg_pos domain_pos;
	struct cfg_network *networks;
	size_t n_networks;
	struct cfg_host *hosts; /* lab.hosts, then one per lab.vms entry */
	size_t n_hosts;
	struct cfg_service *services;
	size_t n_services;
	struct cfg_policy *policy; /* in file order; the first match wins */
	size_t n_policy;
	struct cfg_vm *vms;
	size_t n_vms;
};

/* Rooms a config can hold sections for (the room table's size). */
#define CONFIG_MAX_ROOMS 16

struct config_schema;

/* A room's section: its struct (allocated in the arena, filled with
 * defaults when the file leaves the section out) and whether the file
 * has it, which enables the room. */
struct cfg_room {
	void *data;
	bool enabled;
	bool disabled; /* the section says enabled: false */
};

struct config {
	atomic_uint refs;
	struct arena arena;
	const char *path;
	const char *state_dir;
	const char *user; /* drop to this user after binding, or NULL */
	struct cfg_log log;
	struct cfg_http http;
	struct cfg_lab lab;
	const struct config_schema *schema; /* what the file was read with */
	struct cfg_room rooms[CONFIG_MAX_ROOMS]; /* as schema->rooms */
};

/* The first problem found, ready to print as "FILE:LINE:COL: message". */
struct cfg_error {
	char file[256];
	int line, col;
	char msg[256];
};

/* Largest config file accepted. */
#define CONFIG_MAX_BYTES (1024 * 1024)

/*
 * Parses @len bytes of YAML named @name (used in messages) against
 * @schema (core's keys and the rooms', see config_schema_init), which
 * must outlive the snapshot. On success *out holds a new snapshot with
 * one reference; on failure returns HEARTH_ECONFIG (or -ENOMEM) and
 * fills @err. Thread-safe.
 */
int config_load_buffer(const struct config_schema *schema, const char *data,
		       size_t len, const char *name, struct config **out,
		       struct cfg_error *err);

/* Reads @path (at most CONFIG_MAX_BYTES) and parses it. */
int config_load_file(const struct config_schema *schema, const char *path,
		     struct config **out, struct cfg_error *err);

/* Reference counting; unref of NULL is a no-op. Thread-safe. */
struct config *config_ref(struct config *c);
void config_unref(struct config *c);

/* Writes "FILE:LINE:COL: message\n" to @f. */
void config_error_print(const struct cfg_error *err, FILE *f);

/*
 * Calls @fn for each key whose value differs between @old and @new and
 * that only takes effect at restart. Returns the number of such keys.
 */
int config_restart_keys(const struct config *old, const struct config *new,
			void (*fn)(const char *key, void *ud), void *ud);

/* Writes the reference of every key of @schema (markdown table) to @f. */
void config_reference(const struct config_schema *schema, FILE *f);

/* The same reference as roff (.TP paragraphs) for hearth.yaml(5). */
void config_reference_roff(const struct config_schema *schema, FILE *f);

#endif
