/* SPDX-License-Identifier: MIT */
/* The dhcp room's config schema: every key of `dhcp:`, its type, default, range and checks. */
#include "dhcp/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_room.h"
#include "proto/dhcp/options.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N

static int parse_range(const char *text, struct cfg_dhcp_range *out)
{
	char a[64], b[64];
	const char *dash = strchr(text, '-');
	struct ipaddr x, y;
	if (!dash || (size_t)(dash - text) >= sizeof(a) || strlen(dash + 1) >= sizeof(b))
		return -1;
	memcpy(a, text, (size_t)(dash - text));
	a[dash - text] = '\0';
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (ipaddr_parse(a, &x) || ipaddr_parse(b, &y) || x.family != AF_INET ||
	    y.family != AF_INET)
		return -1;
	out->start = (uint32_t)x.u.bytes[0] << 24 | (uint32_t)x.u.bytes[1] << 16 |
		     (uint32_t)x.u.bytes[2] << 8 | x.u.bytes[3];
	out->end = (uint32_t)y.u.bytes[0] << 24 | (uint32_t)y.u.bytes[1] << 16 |
		   (uint32_t)y.u.bytes[2] << 8 | y.u.bytes[3];
	return out->start <= out->end ? 0 : -ERANGE;
}

static void format_ip4(uint32_t ip, char out[ADDR_TEXT_MAX])
{
	struct ipaddr a = {.family = AF_INET};
	for (int k = 0; k < 4; k++)
		a.u.bytes[k] = (uint8_t)(ip >> (24 - 8 * k));
	ipaddr_format(&a, out);
}

static int dhcp_subnet_check(struct config *cfg, void *obj,
			     struct cfg_error *err)
{
	struct cfg_dhcp_subnet *s = obj;
	if (s->subnet.addr.family != AF_INET)
		return cfg_fail(err, &s->subnet_pos, "DHCP subnets are IPv4");
	/* No ranges: a subnet served by reservations (and INFORM) only. */
	s->ranges = arena_alloc(&cfg->arena,
				(s->n_range_text + 1) * sizeof(*s->ranges));
	if (!s->ranges)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_range_text; i++) {
		struct cfg_dhcp_range *r = &s->ranges[i];
		int rc = parse_range(s->range_text[i], r);
		if (rc == -ERANGE)
			return cfg_fail(err, &s->range_pos,
					"range '%s' is reversed: its first "
					"address comes after its last",
					s->range_text[i]);
		if (rc)
			return cfg_fail(err, &s->range_pos,
					"range '%s' must be FIRST-LAST IPv4 "
					"addresses", s->range_text[i]);
		struct ipaddr a = {.family = AF_INET}, b = {.family = AF_INET};
		for (int k = 0; k < 4; k++) {
			a.u.bytes[k] = (uint8_t)(r->start >> (24 - 8 * k));
			b.u.bytes[k] = (uint8_t)(r->end >> (24 - 8 * k));
		}
		if (!ipprefix_contains(&s->subnet, &a) ||
		    !ipprefix_contains(&s->subnet, &b))
			return cfg_fail(err, &s->range_pos,
					"range '%s' is outside the subnet",
					s->range_text[i]);
	}
	s->n_ranges = s->n_range_text;
	if (s->has_router && !ipprefix_contains(&s->subnet, &s->router))
		return cfg_fail(err, &s->pos, "router is outside the subnet");
	return 0;
}

static const struct cfg_field dhcp_route_fields[] = {
	FIELD(.key = "to", .type = CFG_PREFIX,
	      .off = F(struct cfg_dhcp_route, to), .required = true,
	      .reloadable = true, .help = "destination prefix"),
	FIELD(.key = "via", .type = CFG_IPADDR,
	      .off = F(struct cfg_dhcp_route, via), .required = true,
	      .reloadable = true, .help = "gateway"),
};
static const struct cfg_section dhcp_route_section = {
	.size = sizeof(struct cfg_dhcp_route), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dhcp_route, pos),
	.fields = dhcp_route_fields, .n_fields = N(dhcp_route_fields),
};

/* Encodes the option's value text into the snapshot's arena. */
static int encode_option(struct config *cfg, struct cfg_dhcp_option *o)
{
	uint8_t buf[DHCP_OPTION_MAX];
	size_t n = 0;
	if (dhcp_option_encode(o->value, buf, &n))
		return -1;
	o->data = arena_alloc(&cfg->arena, n ? n : 1);
	if (!o->data)
		return -1;
	memcpy(o->data, buf, n);
	o->len = n;
	return 0;
}

static int dhcp_option_check(struct config *cfg, void *obj,
			     struct cfg_error *err)
{
	struct cfg_dhcp_option *o = obj;
	if (o->code == 53 || o->code == 54 || o->code == 51)
		return cfg_fail(err, &o->pos,
				"option %lld is the server's to set",
				(long long)o->code);
	if (encode_option(cfg, o))
		return cfg_fail(err, &o->value_pos,
				"option value must be ip:A[,B...], text:..., "
				"hex:0a0b..., u8:N, u16:N or u32:N");
	return 0;
}

static const struct cfg_field dhcp_option_fields[] = {
	FIELD(.key = "code", .type = CFG_INT,
	      .off = F(struct cfg_dhcp_option, code), .min = 1, .max = 254,
	      .required = true, .reloadable = true, .help = "option number"),
	FIELD(.key = "value", .type = CFG_STRING,
	      .off = F(struct cfg_dhcp_option, value),
	      .pos_off = F(struct cfg_dhcp_option, value_pos),
	      .required = true, .reloadable = true,
	      .help = "ip:A[,B...], text:..., hex:0a0b..., u8:N, u16:N, u32:N"),
};
static const struct cfg_section dhcp_option_section = {
	.size = sizeof(struct cfg_dhcp_option), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dhcp_option, pos),
	.fields = dhcp_option_fields, .n_fields = N(dhcp_option_fields),
	.check = dhcp_option_check,
};

static const struct cfg_field dhcp_class_fields[] = {
	FIELD(.key = "vendor", .type = CFG_STRING,
	      .off = F(struct cfg_dhcp_class, vendor), .required = true,
	      .reloadable = true,
	      .help = "matches clients whose vendor class (option 60) starts "
		      "with this"),
	FIELD(.key = "options", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dhcp_option_section,
	      .off = F(struct cfg_dhcp_class, options),
	      .count_off = F(struct cfg_dhcp_class, n_options),
	      .reloadable = true, .help = "{code, value} for those clients"),
};
static const struct cfg_section dhcp_class_section = {
	.size = sizeof(struct cfg_dhcp_class), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dhcp_class, pos),
	.fields = dhcp_class_fields, .n_fields = N(dhcp_class_fields),
};

static const struct cfg_field dhcp_subnet_fields[] = {
	FIELD(.key = "subnet", .type = CFG_PREFIX,
	      .off = F(struct cfg_dhcp_subnet, subnet),
	      .pos_off = F(struct cfg_dhcp_subnet, subnet_pos),
	      .required = true, .reloadable = true,
	      .help = "the IPv4 network, e.g. 192.168.30.0/24"),
	FIELD(.key = "ranges", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_dhcp_subnet, range_text),
	      .count_off = F(struct cfg_dhcp_subnet, n_range_text),
	      .pos_off = F(struct cfg_dhcp_subnet, range_pos),
	      .reloadable = true,
	      .help = "pools: FIRST-LAST addresses handed out"),
	FIELD(.key = "router", .type = CFG_IPADDR,
	      .off = F(struct cfg_dhcp_subnet, router),
	      .set_off = F(struct cfg_dhcp_subnet, has_router),
	      .reloadable = true, .help = "option 3"),
	FIELD(.key = "dns", .type = CFG_LIST, .elem = CFG_IPADDR,
	      .elem_size = sizeof(struct ipaddr),
	      .off = F(struct cfg_dhcp_subnet, dns),
	      .count_off = F(struct cfg_dhcp_subnet, n_dns),
	      .reloadable = true, .help = "option 6"),
	FIELD(.key = "domain", .type = CFG_DNSNAME,
	      .off = F(struct cfg_dhcp_subnet, domain), .reloadable = true,
	      .help = "option 15, and where leases are registered in DNS "
		      "(default: lab.domain)"),
	FIELD(.key = "search", .type = CFG_LIST, .elem = CFG_DNSNAME,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_dhcp_subnet, search),
	      .count_off = F(struct cfg_dhcp_subnet, n_search),
	      .reloadable = true, .help = "option 119"),
	FIELD(.key = "ntp", .type = CFG_LIST, .elem = CFG_IPADDR,
	      .elem_size = sizeof(struct ipaddr),
	      .off = F(struct cfg_dhcp_subnet, ntp),
	      .count_off = F(struct cfg_dhcp_subnet, n_ntp),
	      .reloadable = true, .help = "option 42"),
	FIELD(.key = "lease_time", .type = CFG_DURATION,
	      .off = F(struct cfg_dhcp_subnet, lease_time), .def = "1h",
	      .min = 10, .max = 31536000, .reloadable = true,
	      .help = "option 51; T1 at half, T2 at 7/8"),
	FIELD(.key = "mtu", .type = CFG_INT,
	      .off = F(struct cfg_dhcp_subnet, mtu), .def = "0", .min = 0,
	      .max = 65535, .reloadable = true,
	      .help = "option 26; 0 leaves it out"),
	FIELD(.key = "routes", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dhcp_route_section,
	      .off = F(struct cfg_dhcp_subnet, routes),
	      .count_off = F(struct cfg_dhcp_subnet, n_routes),
	      .reloadable = true, .help = "option 121: {to, via}"),
	FIELD(.key = "options", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dhcp_option_section,
	      .off = F(struct cfg_dhcp_subnet, options),
	      .count_off = F(struct cfg_dhcp_subnet, n_options),
	      .reloadable = true,
	      .help = "further options by number: {code, value}; sent when "
		      "the client asks for them"),
	FIELD(.key = "classes", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dhcp_class_section,
	      .off = F(struct cfg_dhcp_subnet, classes),
	      .count_off = F(struct cfg_dhcp_subnet, n_classes),
	      .reloadable = true,
	      .help = "{vendor, options}: options by vendor class (60), "
		      "e.g. PXE boot files"),
	FIELD(.key = "interface", .type = CFG_STRING,
	      .off = F(struct cfg_dhcp_subnet, interface), .reloadable = true,
	      .help = "serve this subnet on this interface (default: the "
		      "interface whose address lies in it; relays by giaddr)"),
};
static const struct cfg_section dhcp_subnet_section = {
	.size = sizeof(struct cfg_dhcp_subnet), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dhcp_subnet, pos),
	.fields = dhcp_subnet_fields, .n_fields = N(dhcp_subnet_fields),
	.check = dhcp_subnet_check,
};

static const struct cfg_field dhcp_reservation_fields[] = {
	FIELD(.key = "mac", .type = CFG_MAC,
	      .off = F(struct cfg_dhcp_reservation, mac),
	      .set_off = F(struct cfg_dhcp_reservation, has_mac),
	      .pos_off = F(struct cfg_dhcp_reservation, mac_pos),
	      .reloadable = true, .help = "the client's hardware address"),
	FIELD(.key = "client_id", .type = CFG_STRING,
	      .off = F(struct cfg_dhcp_reservation, client_id),
	      .reloadable = true,
	      .help = "or its option 61, as hex bytes 01:aa:bb:..."),
	FIELD(.key = "ip", .type = CFG_IPADDR,
	      .off = F(struct cfg_dhcp_reservation, ip),
	      .pos_off = F(struct cfg_dhcp_reservation, ip_pos),
	      .required = true, .reloadable = true,
	      .help = "the address it always gets"),
	FIELD(.key = "hostname", .type = CFG_DNSNAME,
	      .off = F(struct cfg_dhcp_reservation, hostname),
	      .reloadable = true, .help = "its DNS name (a single label)"),
};

static int dhcp_reservation_check(struct config *cfg, void *obj,
				  struct cfg_error *err)
{
	(void)cfg;
	struct cfg_dhcp_reservation *r = obj;
	if (!r->has_mac && !r->client_id)
		return cfg_fail(err, &r->pos,
				"a reservation needs a mac or a client_id");
	if (r->ip.family != AF_INET)
		return cfg_fail(err, &r->ip_pos, "reservations are IPv4");
	return 0;
}

static const struct cfg_section dhcp_reservation_section = {
	.size = sizeof(struct cfg_dhcp_reservation), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dhcp_reservation, pos),
	.fields = dhcp_reservation_fields,
	.n_fields = N(dhcp_reservation_fields),
	.check = dhcp_reservation_check,
};

/* No address handed out from two ranges (in one subnet or two). */
static int check_ranges(const struct cfg_dhcp *d, struct cfg_error *err)
{
	for (size_t sj = 0; sj < d->n_subnets; sj++) {
		const struct cfg_dhcp_subnet *s = &d->subnets[sj];
		for (size_t j = 0; j < s->n_ranges; j++) {
			const struct cfg_dhcp_range *r = &s->ranges[j];
			for (size_t si = 0; si <= sj; si++) {
				const struct cfg_dhcp_subnet *o = &d->subnets[si];
				size_t n = si == sj ? j : o->n_ranges;
				for (size_t i = 0; i < n; i++) {
					const struct cfg_dhcp_range *q = &o->ranges[i];
					if (r->start > q->end || q->start > r->end)
						continue;
					char at[ADDR_TEXT_MAX];
					format_ip4(r->start > q->start ? r->start
								       : q->start,
						   at);
					return cfg_fail(err, &s->range_pos,
							"range '%s' overlaps range "
							"'%s' (line %d) at %s",
							s->range_text[j],
							o->range_text[i],
							o->range_pos.line, at);
				}
			}
		}
	}
	return 0;
}

/* One client per reserved address, and a lab host's mac keeps its ip. */
static int check_reservations(const struct config *cfg,
			      const struct cfg_dhcp *d, struct cfg_error *err)
{
	const struct cfg_lab *lab = &cfg->lab;
	char ip[ADDR_TEXT_MAX], hip[ADDR_TEXT_MAX], mac[ADDR_TEXT_MAX];
	for (size_t j = 0; j < d->n_reservations; j++) {
		const struct cfg_dhcp_reservation *r = &d->reservations[j];
		ipaddr_format(&r->ip, ip);
		for (size_t i = 0; i < j; i++)
			if (ipaddr_equal(&d->reservations[i].ip, &r->ip))
				return cfg_fail(err, &r->ip_pos,
						"ip %s is reserved twice (also "
						"at line %d)", ip,
						d->reservations[i].ip_pos.line);
		for (size_t i = 0; lab->enabled && i < lab->n_hosts; i++) {
			const struct cfg_host *h = &lab->hosts[i];
			if (!h->has_ip || h->ip.family != AF_INET)
				continue;
			bool same_mac = r->has_mac && h->has_mac &&
					memcmp(&r->mac, &h->mac, sizeof(r->mac)) == 0;
			bool same_ip = ipaddr_equal(&r->ip, &h->ip);
			ipaddr_format(&h->ip, hip);
			if (same_mac && !same_ip) {
				macaddr_format(&r->mac, mac);
				return cfg_fail(err, &r->mac_pos,
						"mac %s is lab host '%s' (ip %s, "
						"line %d), reserved here for "
						"ip %s", mac, h->name, hip,
						h->pos.line, ip);
			}
			if (same_ip && !same_mac)
				return cfg_fail(err, &r->ip_pos,
						"ip %s is lab host '%s''s "
						"address (line %d), reserved "
						"here for another client", ip,
						h->name, h->pos.line);
		}
	}
	return 0;
}

/* Checks across subnets and reservations (and lab: hosts, which are
 * reservations too): what the engine could not serve consistently. */
static int dhcp_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	const struct cfg_dhcp *d = obj;
	int rc = check_ranges(d, err);
	return rc ? rc : check_reservations(cfg, d, err);
}

static const struct cfg_field dhcp_fields[] = {
	FIELD(.key = "interfaces", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_dhcp, interfaces),
	      .count_off = F(struct cfg_dhcp, n_interfaces), .required = true,
	      .help = "network interfaces to serve (and relays reach)"),
	FIELD(.key = "port", .type = CFG_INT, .off = F(struct cfg_dhcp, port),
	      .def = "67", .min = 1, .max = 65534,
	      .help = "server port; clients are at port + 1"),
	FIELD(.key = "subnets", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dhcp_subnet_section, .off = F(struct cfg_dhcp, subnets),
	      .count_off = F(struct cfg_dhcp, n_subnets), .reloadable = true,
	      .help = "{subnet, ranges, router, dns, domain, search, ntp, "
		      "lease_time, mtu, routes, interface}"),
	FIELD(.key = "reservations", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dhcp_reservation_section,
	      .off = F(struct cfg_dhcp, reservations),
	      .count_off = F(struct cfg_dhcp, n_reservations),
	      .reloadable = true,
	      .help = "{mac or client_id, ip, hostname}; lab hosts with mac + "
		      "ip are reservations too"),
	FIELD(.key = "ping_check", .type = CFG_BOOL,
	      .off = F(struct cfg_dhcp, ping_check), .def = "false",
	      .help = "ping an address new to a client before offering it; "
		      "one that answers is quarantined"),
	FIELD(.key = "dns_register", .type = CFG_BOOL,
	      .off = F(struct cfg_dhcp, dns_register), .def = "true",
	      .reloadable = true,
	      .help = "give each lease an A and PTR record in the dns room"),
	FIELD(.key = "offer_hold", .type = CFG_DURATION,
	      .off = F(struct cfg_dhcp, offer_hold), .def = "60s", .min = 1,
	      .max = 3600, .reloadable = true,
	      .help = "how long an offered address is held for its client "
		      "while the pool has room"),
	FIELD(.key = "offer_hold_min", .type = CFG_DURATION,
	      .off = F(struct cfg_dhcp, offer_hold_min), .def = "5s",
	      .min = 1, .max = 3600, .reloadable = true,
	      .help = "the hold when the pool is (nearly) full; at most "
		      "offer_hold"),
	FIELD(.key = "offer_pressure", .type = CFG_INT,
	      .off = F(struct cfg_dhcp, offer_pressure), .def = "25",
	      .min = 0, .max = 100, .reloadable = true,
	      .help = "percent of a pool left free under which the hold "
		      "shrinks toward offer_hold_min (0: never)"),
	FIELD(.key = "discover_rate_mac", .type = CFG_INT,
	      .off = F(struct cfg_dhcp, mac_rate), .def = "2", .min = 0,
	      .max = 100000, .reloadable = true,
	      .help = "DISCOVERs a second answered per client hardware "
		      "address (0: no limit)"),
	FIELD(.key = "discover_burst_mac", .type = CFG_INT,
	      .off = F(struct cfg_dhcp, mac_burst), .def = "10", .min = 1,
	      .max = 1000000, .reloadable = true,
	      .help = "DISCOVERs a client may send at once before "
		      "discover_rate_mac applies"),
	FIELD(.key = "discover_rate_relay", .type = CFG_INT,
	      .off = F(struct cfg_dhcp, relay_rate), .def = "100", .min = 0,
	      .max = 1000000, .reloadable = true,
	      .help = "DISCOVERs a second answered per relay agent (giaddr; "
		      "0: no limit)"),
	FIELD(.key = "discover_burst_relay", .type = CFG_INT,
	      .off = F(struct cfg_dhcp, relay_burst), .def = "500", .min = 1,
	      .max = 10000000, .reloadable = true,
	      .help = "DISCOVERs a relay may forward at once before "
		      "discover_rate_relay applies"),
};
const struct cfg_section dhcp_config_section = {
	.fields = dhcp_fields, .n_fields = N(dhcp_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = dhcp_check,
};

const struct cfg_dhcp *dhcp_config(const struct config *cfg)
{
	return room_config(cfg, &dhcp_room_def);
}


int dhcp_check_config(const struct config *cfg, struct cfg_error *err,
		      struct room_check_summary *sum)
{
	(void)err;
	const struct cfg_dhcp *d = dhcp_config(cfg);
	sum->subnets += d ? d->n_subnets : 0;
	return 0;
}
