/* SPDX-License-Identifier: MIT */
/* The dhcp room's config section: its structs and schema. */
#ifndef HEARTH_DHCP_CONFIG_H
#define HEARTH_DHCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "core/config.h"
#include "core/config_schema.h"

/* All strings and arrays belong to the snapshot's arena (immutable). */
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
	struct cfg_pos mac_pos;
	const char *client_id; /* hex "01:aa:bb..." */
	struct ipaddr ip;
	struct cfg_pos ip_pos;
	const char *hostname;
};

struct cfg_dhcp {
	const char **interfaces;
	size_t n_interfaces;
	int64_t port; /* server port; clients are port + 1 */
	struct cfg_dhcp_subnet *subnets;
	size_t n_subnets;
	struct cfg_dhcp_reservation *reservations;
	size_t n_reservations;
	bool ping_check;
	bool dns_register;
	/* Offers under pressure (engine.c): the hold is offer_hold while at
	 * least offer_pressure % of a subnet's pool is free, then shrinks
	 * linearly to offer_hold_min as the pool fills. */
	int64_t offer_hold;	/* seconds */
	int64_t offer_hold_min; /* seconds */
	int64_t offer_pressure; /* percent of the pool free; 0: never shrink */
	/* DISCOVERs a second (0: no limit) and the burst banked, per client
	 * hardware address and per relay (giaddr). */
	int64_t mac_rate, mac_burst;
	int64_t relay_rate, relay_burst;
};

/* The `dhcp:` section's schema (read by the config loader). */
extern const struct cfg_section dhcp_config_section;

/* The dhcp section of @cfg (defaults when the file has none). */
const struct cfg_dhcp *dhcp_config(const struct config *cfg);

#endif
