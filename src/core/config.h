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
};

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
};

struct cfg_lab {
	bool enabled;
	const char *domain; /* lower case, no trailing dot */
	struct cfg_pos domain_pos;
	struct cfg_network *networks;
	size_t n_networks;
	struct cfg_host *hosts;
	size_t n_hosts;
};

struct cfg_dns_zone {
	struct cfg_pos pos;
	const char *name; /* lower case, no trailing dot */
	struct cfg_pos name_pos;
	const char *file; /* RFC 1035 master file imported at start, or NULL */
};

struct cfg_dns_identity {
	const char *version; /* CHAOS version.bind; "" hides it */
	const char *id;	     /* CHAOS id.server; "" hides it */
};

struct cfg_dns_forward {
	struct cfg_pos pos;
	const char *domain; /* lower case, no trailing dot */
	struct sockaddr_any to;
};

struct cfg_dns_alias {
	struct cfg_pos pos;
	const char *from; /* IPv4 address or prefix (text, checked) */
	struct cfg_pos from_pos;
	const char *to;
	struct cfg_pos to_pos;
};

struct cfg_dns {
	bool enabled;
	struct sockaddr_any *listen;
	size_t n_listen;
	struct cfg_dns_zone *zones;
	size_t n_zones;
	int64_t udp_workers;
	int64_t udp_payload; /* our EDNS payload size */
	int64_t tcp_idle_timeout; /* seconds */
	int64_t tcp_max_connections;
	struct cfg_dns_identity identity;
	struct sockaddr_any *secondaries; /* may AXFR; get NOTIFY (port 53) */
	size_t n_secondaries;
	struct cfg_dns_forward *forward;
	size_t n_forward;
	struct sockaddr_any *upstream;
	size_t n_upstream;
	bool has_upstream; /* absent: the system's resolvers */
	struct cfg_dns_alias *alias;
	size_t n_alias;
	int64_t cache_size;	  /* entries */
	int64_t upstream_timeout; /* ms per try */
};

struct cfg_dhcp_route {
	struct cfg_pos pos;
	struct ipprefix to;
	struct ipaddr via;
};

struct cfg_dhcp_range {
	uint32_t start, end; /* host byte order, inclusive */
};

/* An extra option, by number, with its value already encoded. */
struct cfg_dhcp_option {
	struct cfg_pos pos;
	int64_t code;
	const char *value; /* "ip:A,B" | "text:..." | "hex:0a0b" | "u8:" | "u16:" | "u32:" */
	struct cfg_pos value_pos;
	uint8_t *data;	   /* encoded by the check */
	size_t len;
};

/* Options for clients whose vendor class (option 60) starts with @vendor. */
struct cfg_dhcp_class {
	struct cfg_pos pos;
	const char *vendor;
	struct cfg_dhcp_option *options;
	size_t n_options;
};

struct cfg_dhcp_subnet {
	struct cfg_pos pos;
	struct ipprefix subnet; /* IPv4 */
	struct cfg_pos subnet_pos;
	const char **range_text; /* "A-B" */
	size_t n_range_text;
	struct cfg_pos range_pos;
	struct cfg_dhcp_range *ranges; /* parsed from range_text */
	size_t n_ranges;
	struct ipaddr router;
	bool has_router;
	struct ipaddr *dns;
	size_t n_dns;
	const char *domain; /* NULL: lab.domain when lab is set */
	const char **search;
	size_t n_search;
	struct ipaddr *ntp;
	size_t n_ntp;
	int64_t lease_time; /* seconds */
	int64_t mtu;	    /* 0: not sent */
	struct cfg_dhcp_route *routes;
	size_t n_routes;
	const char *interface; /* NULL: chosen by address */
	struct cfg_dhcp_option *options;
	size_t n_options;
	struct cfg_dhcp_class *classes;
	size_t n_classes;
};

struct cfg_dhcp_reservation {
	struct cfg_pos pos;
	struct macaddr mac;
	bool has_mac;
	const char *client_id; /* hex "01:aa:bb..." */
	struct ipaddr ip;
	struct cfg_pos ip_pos;
	const char *hostname;
};

struct cfg_dhcp {
	bool enabled;
	const char **interfaces;
	size_t n_interfaces;
	int64_t port; /* server port; clients are port + 1 */
	struct cfg_dhcp_subnet *subnets;
	size_t n_subnets;
	struct cfg_dhcp_reservation *reservations;
	size_t n_reservations;
	bool ping_check;
	bool dns_register;
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
	struct cfg_dns dns;
	struct cfg_dhcp dhcp;
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
 * Parses @len bytes of YAML named @name (used in messages). On success
 * *out holds a new snapshot with one reference; on failure returns
 * HEARTH_ECONFIG (or -ENOMEM) and fills @err. Thread-safe.
 */
int config_load_buffer(const char *data, size_t len, const char *name,
		       struct config **out, struct cfg_error *err);

/* Reads @path (at most CONFIG_MAX_BYTES) and parses it. */
int config_load_file(const char *path, struct config **out,
		     struct cfg_error *err);

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

/* Writes the reference of every key (markdown table) to @f. */
void config_reference(FILE *f);

#endif
