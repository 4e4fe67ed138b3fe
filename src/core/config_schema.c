/* SPDX-License-Identifier: MIT */
/* The schema of hearth's config file: every key, its type, default and range. */
#include "core/config_schema.h"

#include <errno.h>
#include <stdarg.h>

#include "base/buf.h"
#include "base/err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F(type, member) offsetof(type, member)
#define FIELD(...) ((struct cfg_field){.set_off = CFG_NONE, .pos_off = CFG_NONE, \
	.count_off = CFG_NONE, __VA_ARGS__})
#define N(a) (sizeof(a) / sizeof((a)[0]))

int cfg_vfail(struct cfg_error *err, const struct cfg_pos *pos,
	      const char *fmt, va_list ap)
{
	err->line = pos ? pos->line : 0;
	err->col = pos ? pos->col : 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return HEARTH_ECONFIG;
}

int cfg_fail(struct cfg_error *err, const struct cfg_pos *pos,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = cfg_vfail(err, pos, fmt, ap);
	va_end(ap);
	return rc;
}

bool cfg_is_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* ---- log ---- */

static const struct cfg_field log_fields[] = {
	FIELD(.key = "level", .type = CFG_LOGLEVEL,
	      .off = F(struct cfg_log, level), .def = "info",
	      .reloadable = true,
	      .help = "error, warn, info or debug; -v on the command line "
		      "raises it"),
};
static const struct cfg_section log_section = {
	.fields = log_fields, .n_fields = N(log_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* ---- http ---- */

static const struct cfg_field http_fields[] = {
	FIELD(.key = "listen", .type = CFG_SOCKADDR,
	      .off = F(struct cfg_http, listen), .def = "127.0.0.1:8080",
	      .help = "ADDR:PORT serving /healthz, /metrics, the web UI and "
		      "the APIs"),
	FIELD(.key = "api_key", .type = CFG_STRING,
	      .off = F(struct cfg_http, api_key), .reloadable = true,
	      .help = "value of X-API-Key the management API requires; "
		      "without it the management API refuses every request"),
	FIELD(.key = "max_header_bytes", .type = CFG_SIZE,
	      .off = F(struct cfg_http, max_header_bytes), .def = "16k",
	      .min = 4096, .max = 1048576,
	      .help = "request line plus headers; larger requests get 431"),
	FIELD(.key = "max_body_bytes", .type = CFG_SIZE,
	      .off = F(struct cfg_http, max_body_bytes), .def = "1M",
	      .min = 0, .max = 1073741824, .reloadable = true,
	      .help = "request body; larger bodies get 413"),
	FIELD(.key = "max_connections", .type = CFG_INT,
	      .off = F(struct cfg_http, max_connections), .def = "512",
	      .min = 1, .max = 65536,
	      .help = "concurrent HTTP connections; more are refused"),
	FIELD(.key = "idle_timeout", .type = CFG_DURATION,
	      .off = F(struct cfg_http, idle_timeout), .def = "30s",
	      .min = 1, .max = 3600,
	      .help = "an idle connection is closed after this long"),
	FIELD(.key = "max_streams", .type = CFG_INT,
	      .off = F(struct cfg_http, max_streams), .def = "4096",
	      .min = 1, .max = 1048576,
	      .help = "streaming responses and WebSockets open at once; "
		      "more get 429"),
	FIELD(.key = "max_streams_per_client", .type = CFG_INT,
	      .off = F(struct cfg_http, max_streams_per_client), .def = "256",
	      .min = 1, .max = 1048576,
	      .help = "streaming responses and WebSockets open at once from "
		      "one client address; more get 429"),
};
static const struct cfg_section http_section = {
	.fields = http_fields, .n_fields = N(http_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* ---- lab ---- */

static int network_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_network *n = obj;
	if (!cfg_is_label(n->name))
		return cfg_fail(err, &n->pos,
				"network name '%s' is not a valid DNS label",
				n->name);
	if (n->has_gateway && !ipprefix_contains(&n->subnet, &n->gateway))
		return cfg_fail(err, &n->gateway_pos,
				"gateway is outside subnet of network '%s'",
				n->name);
	return 0;
}

static const struct cfg_field network_fields[] = {
	FIELD(.key = "vlan", .type = CFG_INT,
	      .off = F(struct cfg_network, vlan),
	      .set_off = F(struct cfg_network, has_vlan), .min = 1,
	      .max = 4094, .reloadable = true, .help = "802.1Q VLAN id"),
	FIELD(.key = "subnet", .type = CFG_PREFIX,
	      .off = F(struct cfg_network, subnet),
	      .pos_off = F(struct cfg_network, subnet_pos), .required = true,
	      .reloadable = true, .help = "the network's prefix, e.g. "
					  "192.168.30.0/24"),
	FIELD(.key = "gateway", .type = CFG_IPADDR,
	      .off = F(struct cfg_network, gateway),
	      .set_off = F(struct cfg_network, has_gateway),
	      .pos_off = F(struct cfg_network, gateway_pos),
	      .reloadable = true, .help = "default router, inside subnet"),
};
static const struct cfg_section network_section = {
	.size = sizeof(struct cfg_network),
	.name_off = F(struct cfg_network, name),
	.pos_off = F(struct cfg_network, pos),
	.fields = network_fields, .n_fields = N(network_fields),
	.check = network_check,
};

static const struct cfg_network *find_network(const struct cfg_lab *lab,
					      const char *name)
{
	for (size_t i = 0; i < lab->n_networks; i++)
		if (strcmp(lab->networks[i].name, name) == 0)
			return &lab->networks[i];
	return NULL;
}

static int host_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	struct cfg_host *h = obj;
	if (!cfg_is_label(h->name))
		return cfg_fail(err, &h->pos,
				"host name '%s' is not a valid DNS label",
				h->name);
	if (h->has_mac && !h->has_ip)
		return cfg_fail(err, &h->mac_pos,
				"host '%s' has a mac but no ip to reserve",
				h->name);
	if (h->has_public && !h->has_ip)
		return cfg_fail(err, &h->public_pos,
				"host '%s' has a public address but no ip",
				h->name);
	if (h->has_public && h->public_ip.family != AF_INET)
		return cfg_fail(err, &h->public_pos,
				"public address of host '%s' must be IPv4",
				h->name);
	if (h->network) {
		/* Checks run after the whole lab section is parsed. */
		const struct cfg_network *n = find_network(&cfg->lab, h->network);
		if (!n)
			return cfg_fail(err, &h->network_pos,
					"unknown network '%s'", h->network);
		if (h->has_ip && !ipprefix_contains(&n->subnet, &h->ip))
			return cfg_fail(err, &h->ip_pos,
					"ip of host '%s' is outside network "
					"'%s'", h->name, n->name);
	}
	return 0;
}

static const struct cfg_field host_fields[] = {
	FIELD(.key = "ip", .type = CFG_IPADDR, .off = F(struct cfg_host, ip),
	      .set_off = F(struct cfg_host, has_ip),
	      .pos_off = F(struct cfg_host, ip_pos), .reloadable = true,
	      .help = "address inside the lab: A/AAAA + PTR records"),
	FIELD(.key = "mac", .type = CFG_MAC, .off = F(struct cfg_host, mac),
	      .set_off = F(struct cfg_host, has_mac),
	      .pos_off = F(struct cfg_host, mac_pos), .reloadable = true,
	      .help = "with ip: a DHCP reservation"),
	FIELD(.key = "network", .type = CFG_STRING,
	      .off = F(struct cfg_host, network),
	      .pos_off = F(struct cfg_host, network_pos), .reloadable = true,
	      .help = "name of a lab network; ip must lie inside it"),
	FIELD(.key = "public", .type = CFG_IPADDR,
	      .off = F(struct cfg_host, public_ip),
	      .set_off = F(struct cfg_host, has_public),
	      .pos_off = F(struct cfg_host, public_pos), .reloadable = true,
	      .help = "address on the internet side of the NAT: a hairpin "
		      "alias public -> ip"),
};
static const struct cfg_section host_section = {
	.size = sizeof(struct cfg_host),
	.name_off = F(struct cfg_host, name),
	.pos_off = F(struct cfg_host, pos),
	.fields = host_fields, .n_fields = N(host_fields),
	.check = host_check,
};

static int lab_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_lab *lab = obj;
	/* One address, one MAC, one public address per host. */
	for (size_t i = 0; i < lab->n_hosts; i++) {
		const struct cfg_host *a = &lab->hosts[i];
		for (size_t j = 0; j < i; j++) {
			const struct cfg_host *b = &lab->hosts[j];
			if (a->has_ip && b->has_ip &&
			    ipaddr_equal(&a->ip, &b->ip))
				return cfg_fail(err, &a->ip_pos,
						"host '%s' has the same ip as "
						"host '%s'", a->name, b->name);
			if (a->has_mac && b->has_mac &&
			    memcmp(&a->mac, &b->mac, sizeof(a->mac)) == 0)
				return cfg_fail(err, &a->mac_pos,
						"host '%s' has the same mac as "
						"host '%s'", a->name, b->name);
			if (a->has_public && b->has_public &&
			    ipaddr_equal(&a->public_ip, &b->public_ip))
				return cfg_fail(err, &a->public_pos,
						"host '%s' has the same public "
						"address as host '%s'", a->name,
						b->name);
		}
	}
	return 0;
}

static const struct cfg_field lab_fields[] = {
	FIELD(.key = "domain", .type = CFG_DNSNAME,
	      .off = F(struct cfg_lab, domain),
	      .pos_off = F(struct cfg_lab, domain_pos), .def = "lab.internal",
	      .reloadable = true, .help = "the lab's DNS domain"),
	FIELD(.key = "networks", .type = CFG_MAP,
	      .off = F(struct cfg_lab, networks),
	      .count_off = F(struct cfg_lab, n_networks), .reloadable = true,
	      .sub = &network_section,
	      .help = "name -> {vlan, subnet, gateway}"),
	FIELD(.key = "hosts", .type = CFG_MAP, .off = F(struct cfg_lab, hosts),
	      .count_off = F(struct cfg_lab, n_hosts), .reloadable = true,
	      .sub = &host_section,
	      .help = "name -> {ip, mac, network, public}"),
};
static const struct cfg_section lab_section = {
	.fields = lab_fields, .n_fields = N(lab_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = lab_check,
};

/* ---- dns ---- */

static int dns_zone_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	struct cfg_dns_zone *z = obj;
	for (size_t i = 0; i < cfg->dns.n_zones; i++) {
		const struct cfg_dns_zone *o = &cfg->dns.zones[i];
		if (o == z)
			break;
		if (strcmp(o->name, z->name) == 0)
			return cfg_fail(err, &z->name_pos,
					"zone '%s' is listed twice", z->name);
	}
	return 0;
}

static const struct cfg_field dns_zone_fields[] = {
	FIELD(.key = "name", .type = CFG_DNSNAME,
	      .off = F(struct cfg_dns_zone, name),
	      .pos_off = F(struct cfg_dns_zone, name_pos), .required = true,
	      .reloadable = true, .help = "the zone's apex"),
	FIELD(.key = "file", .type = CFG_PATH,
	      .off = F(struct cfg_dns_zone, file), .reloadable = true,
	      .help = "RFC 1035 master file imported into the store at start "
		      "and on SIGHUP"),
};
static const struct cfg_section dns_zone_section = {
	.size = sizeof(struct cfg_dns_zone), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dns_zone, pos),
	.fields = dns_zone_fields, .n_fields = N(dns_zone_fields),
	.check = dns_zone_check,
};

static const struct cfg_field dns_forward_fields[] = {
	FIELD(.key = "domain", .type = CFG_DNSNAME,
	      .off = F(struct cfg_dns_forward, domain), .required = true,
	      .reloadable = true,
	      .help = "names at and below it go to this server"),
	FIELD(.key = "to", .type = CFG_SOCKADDR53,
	      .off = F(struct cfg_dns_forward, to), .required = true,
	      .reloadable = true, .help = "ADDR[:PORT] of the server"),
};
static const struct cfg_section dns_forward_section = {
	.size = sizeof(struct cfg_dns_forward), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dns_forward, pos),
	.fields = dns_forward_fields, .n_fields = N(dns_forward_fields),
};

/* An alias side: an IPv4 address or prefix (dnsmasq alias= semantics). */
static bool alias_side_ok(const char *s)
{
	struct ipaddr a;
	struct ipprefix p;
	if (strchr(s, '/'))
		return ipprefix_parse(s, &p) == 0 && p.addr.family == AF_INET;
	return ipaddr_parse(s, &a) == 0 && a.family == AF_INET;
}

static int dns_alias_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_dns_alias *a = obj;
	if (!alias_side_ok(a->from))
		return cfg_fail(err, &a->from_pos,
				"alias 'from' must be an IPv4 address or prefix");
	if (!alias_side_ok(a->to))
		return cfg_fail(err, &a->to_pos,
				"alias 'to' must be an IPv4 address or prefix");
	return 0;
}

static const struct cfg_field dns_alias_fields[] = {
	FIELD(.key = "from", .type = CFG_STRING,
	      .off = F(struct cfg_dns_alias, from),
	      .pos_off = F(struct cfg_dns_alias, from_pos), .required = true,
	      .reloadable = true,
	      .help = "IPv4 address or prefix found in forwarded A records"),
	FIELD(.key = "to", .type = CFG_STRING,
	      .off = F(struct cfg_dns_alias, to),
	      .pos_off = F(struct cfg_dns_alias, to_pos), .required = true,
	      .reloadable = true,
	      .help = "what it becomes (a prefix keeps the host bits)"),
};
static const struct cfg_section dns_alias_section = {
	.size = sizeof(struct cfg_dns_alias), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dns_alias, pos),
	.fields = dns_alias_fields, .n_fields = N(dns_alias_fields),
	.check = dns_alias_check,
};

static const struct cfg_field dns_identity_fields[] = {
	FIELD(.key = "version", .type = CFG_STRING,
	      .off = F(struct cfg_dns_identity, version),
	      .def = "hearth " HEARTH_VERSION, .reloadable = true,
	      .help = "CHAOS TXT version.bind; \"\" refuses the query"),
	FIELD(.key = "id", .type = CFG_STRING,
	      .off = F(struct cfg_dns_identity, id), .def = "",
	      .reloadable = true,
	      .help = "CHAOS TXT id.server; \"\" refuses the query"),
};
static const struct cfg_section dns_identity_section = {
	.fields = dns_identity_fields, .n_fields = N(dns_identity_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static const struct cfg_field dns_fields[] = {
	FIELD(.key = "listen", .type = CFG_LIST, .elem = CFG_SOCKADDR,
	      .elem_size = sizeof(struct sockaddr_any),
	      .off = F(struct cfg_dns, listen),
	      .count_off = F(struct cfg_dns, n_listen), .required = true,
	      .help = "ADDR:PORT list; UDP and TCP on each"),
	FIELD(.key = "zones", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dns_zone_section, .off = F(struct cfg_dns, zones),
	      .count_off = F(struct cfg_dns, n_zones), .reloadable = true,
	      .help = "authoritative zones: {name, file?}"),
	FIELD(.key = "udp_workers", .type = CFG_INT,
	      .off = F(struct cfg_dns, udp_workers), .def = "0", .min = 0,
	      .max = 64,
	      .help = "UDP threads per address (SO_REUSEPORT); 0: half the "
		      "CPUs, at least one"),
	FIELD(.key = "udp_payload", .type = CFG_INT,
	      .off = F(struct cfg_dns, udp_payload), .def = "1232",
	      .min = 512, .max = 4096, .reloadable = true,
	      .help = "EDNS UDP payload size we advertise and honour"),
	FIELD(.key = "tcp_idle_timeout", .type = CFG_DURATION,
	      .off = F(struct cfg_dns, tcp_idle_timeout), .def = "10s",
	      .min = 1, .max = 3600, .reloadable = true,
	      .help = "an idle DNS TCP connection is closed after this long"),
	FIELD(.key = "tcp_max_connections", .type = CFG_INT,
	      .off = F(struct cfg_dns, tcp_max_connections), .def = "256",
	      .min = 1, .max = 65536, .reloadable = true,
	      .help = "concurrent DNS TCP connections; more are closed"),
	FIELD(.key = "secondaries", .type = CFG_LIST, .elem = CFG_SOCKADDR53,
	      .elem_size = sizeof(struct sockaddr_any),
	      .off = F(struct cfg_dns, secondaries),
	      .count_off = F(struct cfg_dns, n_secondaries), .reloadable = true,
	      .help = "ADDR[:PORT] of secondaries: they may AXFR every zone "
		      "and get a NOTIFY on each change; others are REFUSED"),
	FIELD(.key = "forward", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dns_forward_section, .off = F(struct cfg_dns, forward),
	      .count_off = F(struct cfg_dns, n_forward), .reloadable = true,
	      .help = "{domain, to}: per-domain forwarding; the longest "
		      "match wins; authoritative zones win over it"),
	FIELD(.key = "upstream", .type = CFG_LIST, .elem = CFG_SOCKADDR53,
	      .elem_size = sizeof(struct sockaddr_any),
	      .off = F(struct cfg_dns, upstream),
	      .count_off = F(struct cfg_dns, n_upstream),
	      .set_off = F(struct cfg_dns, has_upstream), .reloadable = true,
	      .help = "ADDR[:PORT] resolvers for everything else, tried in "
		      "turn; absent: those of /etc/resolv.conf; []: none "
		      "(REFUSED)"),
	FIELD(.key = "alias", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &dns_alias_section, .off = F(struct cfg_dns, alias),
	      .count_off = F(struct cfg_dns, n_alias), .reloadable = true,
	      .help = "{from, to}: rewrite A records in forwarded answers, "
		      "like dnsmasq's alias= (lab hosts with public: get one "
		      "each)"),
	FIELD(.key = "cache_size", .type = CFG_INT,
	      .off = F(struct cfg_dns, cache_size), .def = "10000", .min = 0,
	      .max = 10000000, .reloadable = true,
	      .help = "forwarded answers kept (entries); 0 disables the "
		      "cache"),
	FIELD(.key = "upstream_timeout", .type = CFG_INT,
	      .off = F(struct cfg_dns, upstream_timeout), .def = "1500",
	      .min = 50, .max = 30000, .reloadable = true,
	      .help = "milliseconds to wait for one upstream before trying "
		      "the next; SERVFAIL after three tries"),
	FIELD(.key = "identity", .type = CFG_SECTION,
	      .off = F(struct cfg_dns, identity), .reloadable = true,
	      .sub = &dns_identity_section,
	      .help = "answers to CHAOS version.bind / id.server"),
};
static const struct cfg_section dns_section = {
	.fields = dns_fields, .n_fields = N(dns_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* ---- dhcp ---- */

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
	return out->start <= out->end ? 0 : -1;
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
		if (parse_range(s->range_text[i], r))
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

/* Encodes "ip:A,B", "text:...", "hex:0a0b0c", "u8:N", "u16:N", "u32:N". */
static int encode_option(struct config *cfg, struct cfg_dhcp_option *o)
{
	uint8_t buf[255];
	size_t n = 0;
	const char *v = o->value, *colon = strchr(v, ':');
	if (!colon)
		return -1;
	size_t kl = (size_t)(colon - v);
	const char *rest = colon + 1;
	if (kl == 2 && strncmp(v, "ip", 2) == 0) {
		char one[64];
		for (const char *p = rest; *p;) {
			const char *comma = strchr(p, ',');
			size_t l = comma ? (size_t)(comma - p) : strlen(p);
			struct ipaddr a;
			if (l == 0 || l >= sizeof(one) || n + 4 > sizeof(buf))
				return -1;
			memcpy(one, p, l);
			one[l] = '\0';
			if (ipaddr_parse(one, &a) || a.family != AF_INET)
				return -1;
			memcpy(buf + n, a.u.bytes, 4);
			n += 4;
			p += l + (comma ? 1 : 0);
		}
	} else if (kl == 4 && strncmp(v, "text", 4) == 0) {
		n = strlen(rest);
		if (n > sizeof(buf))
			return -1;
		memcpy(buf, rest, n);
	} else if (kl == 3 && strncmp(v, "hex", 3) == 0) {
		for (const char *p = rest; *p;) {
			if (*p == ':' || *p == ' ') {
				p++;
				continue;
			}
			int hi = hex_digit(p[0]), lo = p[1] ? hex_digit(p[1]) : -1;
			if (hi < 0 || lo < 0 || n == sizeof(buf))
				return -1;
			buf[n++] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
	} else if ((kl == 2 && strncmp(v, "u8", 2) == 0) ||
		   (kl == 3 && strncmp(v, "u16", 3) == 0) ||
		   (kl == 3 && strncmp(v, "u32", 3) == 0)) {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(rest, &end, 10);
		size_t bytes = v[1] == '8' ? 1 : v[1] == '1' ? 2 : 4;
		if (errno || *end || !*rest ||
		    (bytes < 8 && x >> (8 * bytes)))
			return -1;
		for (size_t i = 0; i < bytes; i++)
			buf[i] = (uint8_t)(x >> (8 * (bytes - 1 - i)));
		n = bytes;
	} else {
		return -1;
	}
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
};
static const struct cfg_section dhcp_section = {
	.fields = dhcp_fields, .n_fields = N(dhcp_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* ---- root ---- */

static const struct cfg_field root_fields[] = {
	FIELD(.key = "state_dir", .type = CFG_PATH,
	      .off = F(struct config, state_dir), .def = "/var/lib/hearth",
	      .help = "directory of the SQLite store (created if missing)"),
	FIELD(.key = "user", .type = CFG_STRING, .off = F(struct config, user),
	      .help = "after binding sockets, drop to this user and its "
		      "group"),
	FIELD(.key = "log", .type = CFG_SECTION, .off = F(struct config, log),
	      .reloadable = true, .sub = &log_section, .help = "logging"),
	FIELD(.key = "http", .type = CFG_SECTION,
	      .off = F(struct config, http),
	      .set_off = F(struct config, http.enabled),
	      .sub = &http_section,
	      .help = "the HTTP server; absent: no HTTP at all"),
	FIELD(.key = "lab", .type = CFG_SECTION, .off = F(struct config, lab),
	      .set_off = F(struct config, lab.enabled), .reloadable = true,
	      .sub = &lab_section,
	      .help = "the one description of the lab"),
	FIELD(.key = "dns", .type = CFG_SECTION, .off = F(struct config, dns),
	      .set_off = F(struct config, dns.enabled), .sub = &dns_section,
	      .help = "the dns room: authoritative zones; absent: no DNS"),
	FIELD(.key = "dhcp", .type = CFG_SECTION, .off = F(struct config, dhcp),
	      .set_off = F(struct config, dhcp.enabled), .sub = &dhcp_section,
	      .help = "the dhcp room: DHCPv4 server; absent: no DHCP"),
};

const struct cfg_section cfg_root = {
	.fields = root_fields, .n_fields = N(root_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};
