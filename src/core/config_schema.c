/* SPDX-License-Identifier: MIT */
/* The schema of core's config keys (state_dir, log, http, lab) and the root that joins the rooms' sections. */
#include "core/config_schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "core/config_vms.h"
#include "core/room.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N

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
	FIELD(.key = "max_connections_per_client", .type = CFG_INT,
	      .off = F(struct cfg_http, max_connections_per_client),
	      .def = "32", .min = 1, .max = 65536,
	      .help = "connections open at once from one client address "
		      "(reserved_clients excepted); more are refused"),
	FIELD(.key = "header_timeout", .type = CFG_DURATION,
	      .off = F(struct cfg_http, header_timeout), .def = "10s",
	      .min = 1, .max = 3600,
	      .help = "a request's line and headers must arrive whole "
		      "within this long of the connection (or, kept alive, "
		      "of idle_timeout after the previous answer); slower "
		      "connections are closed"),
	FIELD(.key = "reserved_connections", .type = CFG_INT,
	      .off = F(struct cfg_http, reserved_connections), .def = "16",
	      .min = 0, .max = 65536,
	      .help = "of max_connections, how many (at most half) only "
		      "reserved_clients may use"),
	FIELD(.key = "reserved_clients", .type = CFG_LIST, .elem = CFG_PREFIX,
	      .elem_size = sizeof(struct ipprefix),
	      .off = F(struct cfg_http, reserved_clients),
	      .count_off = F(struct cfg_http, n_reserved_clients),
	      .set_off = F(struct cfg_http, has_reserved_clients),
	      .help = "prefixes of trusted clients: they may use "
		      "reserved_connections and have no per-client cap; "
		      "absent: loopback (127.0.0.0/8, ::1/128)"),
	FIELD(.key = "metrics_public", .type = CFG_BOOL,
	      .off = F(struct cfg_http, metrics_public), .def = "true",
	      .reloadable = true,
	      .help = "false: /metrics needs X-API-Key, or Basic auth with "
		      "the api_key as password"),
};
static const struct cfg_section http_section = {
	.fields = http_fields, .n_fields = N(http_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* ---- lab ---- */

const char *cfg_host_address_name(enum cfg_host_address a)
{
	switch (a) {
	case CFG_HOST_ADDRESS_NONE: return "none";
	case CFG_HOST_ADDRESS_DHCP: return "dhcp";
	case CFG_HOST_ADDRESS_STATIC: return "static";
	}
	return "?";
}

static int parse_host_address(const char *text, enum cfg_host_address *out)
{
	static const enum cfg_host_address all[] = {CFG_HOST_ADDRESS_NONE,
		CFG_HOST_ADDRESS_DHCP, CFG_HOST_ADDRESS_STATIC};
	for (size_t i = 0; i < N(all); i++)
		if (strcmp(text, cfg_host_address_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -EINVAL;
}

/* A Linux interface name: 1-15 bytes, none of '/', ':', whitespace. */
static bool is_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

static int check_ifname(struct cfg_error *err, const struct cfg_pos *pos,
			const char *key, const char *name)
{
	if (name && !is_ifname(name))
		return cfg_fail(err, pos,
				"%s '%s' is not an interface name (1-15 "
				"characters, no '/', ':' or spaces)", key, name);
	return 0;
}

/* The VLAN sub-interface `trunk.vlan` must fit an interface name too. */
static int check_vlan_name(struct cfg_error *err, const struct cfg_pos *pos,
			   const char *trunk, const struct cfg_network *n)
{
	if (!trunk || !n->has_vlan)
		return 0;
	if (strlen(trunk) + 1 + snprintf(NULL, 0, "%lld", (long long)n->vlan) > 15)
		return cfg_fail(err, pos,
				"VLAN interface '%s.%lld' would be longer than "
				"15 characters", trunk, (long long)n->vlan);
	return 0;
}

static int network_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_network *n = obj;
	int rc;
	if (!cfg_is_label(n->name))
		return cfg_fail(err, &n->pos,
				"network name '%s' is not a valid DNS label",
				n->name);
	if (n->has_gateway && !ipprefix_contains(&n->subnet, &n->gateway))
		return cfg_fail(err, &n->gateway_pos,
				"gateway is outside subnet of network '%s'",
				n->name);
	if ((rc = check_ifname(err, &n->bridge_pos, "bridge", n->bridge)) ||
	    (rc = check_ifname(err, &n->trunk_pos, "trunk", n->trunk)) ||
	    (rc = check_vlan_name(err, &n->trunk_pos, n->trunk, n)))
		return rc;
	if (parse_host_address(n->host_address_text, &n->host_address))
		return cfg_fail(err, &n->host_address_pos,
				"host_address must be none, dhcp or static");
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
	FIELD(.key = "bridge", .type = CFG_STRING,
	      .off = F(struct cfg_network, bridge),
	      .pos_off = F(struct cfg_network, bridge_pos), .reloadable = true,
	      .help = "the net room's bridge for the network (e.g. dmzbr), "
		      "STP off, its port the trunk's VLAN sub-interface"),
	FIELD(.key = "trunk", .type = CFG_STRING,
	      .off = F(struct cfg_network, trunk),
	      .pos_off = F(struct cfg_network, trunk_pos), .reloadable = true,
	      .help = "parent interface carrying the VLAN on a host (e.g. "
		      "eth0: eth0.30); without vlan the trunk itself is the "
		      "bridge's port; hosts' interfaces may override it"),
	FIELD(.key = "host_address", .type = CFG_STRING,
	      .off = F(struct cfg_network, host_address_text),
	      .pos_off = F(struct cfg_network, host_address_pos),
	      .def = "none", .reloadable = true,
	      .help = "the host's address on the network's links: none (no "
		      "address, IPv6 disabled, no RA accepted), dhcp (left to "
		      "a DHCP client) or static (the host's ip)"),
};
static const struct cfg_section network_section = {
	.size = sizeof(struct cfg_network),
	.name_off = F(struct cfg_network, name),
	.pos_off = F(struct cfg_network, pos),
	.fields = network_fields, .n_fields = N(network_fields),
	.check = network_check,
};

static const struct cfg_field iface_fields[] = {
	FIELD(.key = "network", .type = CFG_STRING,
	      .off = F(struct cfg_iface, network),
	      .pos_off = F(struct cfg_iface, network_pos), .required = true,
	      .reloadable = true, .help = "name of a lab network"),
	FIELD(.key = "trunk", .type = CFG_STRING,
	      .off = F(struct cfg_iface, trunk),
	      .pos_off = F(struct cfg_iface, trunk_pos), .reloadable = true,
	      .help = "parent interface on this host (default: the "
		      "network's trunk)"),
	FIELD(.key = "bridge", .type = CFG_STRING,
	      .off = F(struct cfg_iface, bridge),
	      .pos_off = F(struct cfg_iface, bridge_pos), .reloadable = true,
	      .help = "bridge on this host (default: the network's)"),
	FIELD(.key = "host_address", .type = CFG_STRING,
	      .off = F(struct cfg_iface, host_address_text),
	      .pos_off = F(struct cfg_iface, host_address_pos),
	      .reloadable = true,
	      .help = "none, dhcp or static (default: the network's)"),
	FIELD(.key = "ip", .type = CFG_IPADDR, .off = F(struct cfg_iface, ip),
	      .set_off = F(struct cfg_iface, has_ip),
	      .pos_off = F(struct cfg_iface, ip_pos), .reloadable = true,
	      .help = "with host_address static: the address (default: the "
		      "host's ip when inside the network)"),
};
static const struct cfg_section iface_section = {
	.size = sizeof(struct cfg_iface),
	.name_off = CFG_NONE, .pos_off = F(struct cfg_iface, pos),
	.fields = iface_fields, .n_fields = N(iface_fields),
};

static const struct cfg_network *find_network(const struct cfg_lab *lab,
					      const char *name)
{
	for (size_t i = 0; i < lab->n_networks; i++)
		if (strcmp(lab->networks[i].name, name) == 0)
			return &lab->networks[i];
	return NULL;
}

/* An interface of host @h; runs with the host, once the lab is read. */
static int iface_check(struct config *cfg, const struct cfg_host *h,
		       const struct cfg_iface *f, struct cfg_error *err)
{
	const struct cfg_network *n = find_network(&cfg->lab, f->network);
	enum cfg_host_address ha;
	int rc;
	if (!n)
		return cfg_fail(err, &f->network_pos, "unknown network '%s'",
				f->network);
	for (const struct cfg_iface *g = h->interfaces; g < f; g++)
		if (strcmp(g->network, f->network) == 0)
			return cfg_fail(err, &f->network_pos,
					"host '%s' lists network '%s' twice",
					h->name, f->network);
	if ((rc = check_ifname(err, &f->bridge_pos, "bridge", f->bridge)) ||
	    (rc = check_ifname(err, &f->trunk_pos, "trunk", f->trunk)) ||
	    (rc = check_vlan_name(err, &f->trunk_pos, f->trunk, n)))
		return rc;
	ha = n->host_address;
	if (f->host_address_text &&
	    parse_host_address(f->host_address_text, &ha))
		return cfg_fail(err, &f->host_address_pos,
				"host_address must be none, dhcp or static");
	if (!f->trunk && !n->trunk && !f->bridge && !n->bridge)
		return cfg_fail(err, &f->pos,
				"interface of host '%s' on network '%s' needs "
				"a trunk or a bridge (here or in the network)",
				h->name, f->network);
	if (f->has_ip && !ipprefix_contains(&n->subnet, &f->ip))
		return cfg_fail(err, &f->ip_pos,
				"ip is outside network '%s'", n->name);
	if (ha == CFG_HOST_ADDRESS_STATIC && !f->has_ip &&
	    !(h->has_ip && ipprefix_contains(&n->subnet, &h->ip)))
		return cfg_fail(err, &f->pos,
				"host_address static on network '%s' needs an "
				"ip (here, or the host's inside the network)",
				n->name);
	return 0;
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
	for (size_t i = 0; i < h->n_interfaces; i++) {
		int rc = iface_check(cfg, h, &h->interfaces[i], err);
		if (rc)
			return rc;
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
	FIELD(.key = "vm", .type = CFG_SECTION, .off = F(struct cfg_host, vm),
	      .set_off = F(struct cfg_host, has_vm), .reloadable = true,
	      .sub = &cfg_host_vm_section,
	      .help = "this host is a VM: the keys of a lab.vms entry but mac, "
		      "ip and network, which are the host's"),
	FIELD(.key = "interfaces", .type = CFG_LIST, .elem = CFG_SECTION,
	      .off = F(struct cfg_host, interfaces),
	      .count_off = F(struct cfg_host, n_interfaces),
	      .set_off = F(struct cfg_host, has_interfaces),
	      .reloadable = true, .sub = &iface_section,
	      .help = "the lab networks this host carries (the net room's "
		      "links on it); absent: every network with a trunk"),
};
static const struct cfg_section host_section = {
	.size = sizeof(struct cfg_host),
	.name_off = F(struct cfg_host, name),
	.pos_off = F(struct cfg_host, pos),
	.fields = host_fields, .n_fields = N(host_fields),
	.check = host_check,
};

#define SV struct cfg_service
static const struct cfg_field service_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(SV, name),
	      .pos_off = F(SV, name_pos), .required = true, .reloadable = true,
	      .help = "the service's name (its monitor's, in watch)"),
	FIELD(.key = "host", .type = CFG_STRING, .off = F(SV, host),
	      .pos_off = F(SV, host_pos), .reloadable = true,
	      .help = "a lab.hosts name (its ip is used), an address or a DNS "
		      "name"),
	FIELD(.key = "port", .type = CFG_INT, .off = F(SV, port),
	      .pos_off = F(SV, port_pos), .def = "0", .min = 0, .max = 65535,
	      .reloadable = true, .help = "TCP port on host"),
	FIELD(.key = "url", .type = CFG_STRING, .off = F(SV, url),
	      .pos_off = F(SV, url_pos), .reloadable = true,
	      .help = "http:// or https:// URL of the service"),
	FIELD(.key = "type", .type = CFG_STRING, .off = F(SV, type),
	      .pos_off = F(SV, type_pos), .reloadable = true,
	      .help = "its check: http (url), port (host + port) or ping "
		      "(host); absent: http with a url, else port"),
};
#undef SV

static int service_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_service *s = obj;
	if (s->url && strncmp(s->url, "http://", 7) &&
	    strncmp(s->url, "https://", 8))
		return cfg_fail(err, &s->url_pos,
				"url: '%s' is not http:// or https://", s->url);
	if (s->host && (!*s->host || strpbrk(s->host, " \t/@")))
		return cfg_fail(err, &s->host_pos,
				"host: '%s' is not a host name or an address",
				s->host);
	const char *t = s->type;
	if (t && strcmp(t, "http") && strcmp(t, "port") && strcmp(t, "ping"))
		return cfg_fail(err, &s->type_pos,
				"type: '%s' is not http, port or ping", t);
	if (!t)
		t = s->url ? "http" : "port";
	if (!strcmp(t, "http") && !s->url)
		return cfg_fail(err, s->type ? &s->type_pos : &s->pos,
				"url: service '%s' has no url to check "
				"(or give host and port)", s->name);
	if (!strcmp(t, "port") && (!s->host || !s->port))
		return cfg_fail(err, s->host ? &s->host_pos : &s->pos,
				"host, port: service '%s' needs both to be "
				"checked (or a url)", s->name);
	if (!strcmp(t, "ping") && !s->host)
		return cfg_fail(err, &s->type_pos,
				"host: service '%s' has no host to ping",
				s->name);
	return 0;
}

static const struct cfg_section service_section = {
	.size = sizeof(struct cfg_service), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_service, pos),
	.fields = service_fields, .n_fields = N(service_fields),
	.check = service_check,
};
static int policy_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	struct cfg_policy *p = obj;
	if (!find_network(&cfg->lab, p->from))
		return cfg_fail(err, &p->from_pos, "unknown network '%s'",
				p->from);
	if (!find_network(&cfg->lab, p->to))
		return cfg_fail(err, &p->to_pos, "unknown network '%s'", p->to);
	if (strcmp(p->action_text, "allow") && strcmp(p->action_text, "deny"))
		return cfg_fail(err, &p->action_pos,
				"action must be allow or deny");
	p->allow = strcmp(p->action_text, "allow") == 0;
	return 0;
}

static const struct cfg_field policy_fields[] = {
	FIELD(.key = "from", .type = CFG_STRING,
	      .off = F(struct cfg_policy, from),
	      .pos_off = F(struct cfg_policy, from_pos), .required = true,
	      .reloadable = true, .help = "the network traffic comes from"),
	FIELD(.key = "to", .type = CFG_STRING, .off = F(struct cfg_policy, to),
	      .pos_off = F(struct cfg_policy, to_pos), .required = true,
	      .reloadable = true, .help = "the network it goes to"),
	FIELD(.key = "action", .type = CFG_STRING,
	      .off = F(struct cfg_policy, action_text),
	      .pos_off = F(struct cfg_policy, action_pos), .required = true,
	      .reloadable = true,
	      .help = "allow or deny (return traffic of an allowed "
		      "connection is always let through)"),
};
static const struct cfg_section policy_section = {
	.size = sizeof(struct cfg_policy),
	.name_off = CFG_NONE, .pos_off = F(struct cfg_policy, pos),
	.fields = policy_fields, .n_fields = N(policy_fields),
	.check = policy_check,
};

/* The bridges and VLAN links hosts get: one network per bridge name. */
static int lab_check_bridges(const struct cfg_lab *lab, struct cfg_error *err)
{
	for (size_t i = 0; i < lab->n_networks; i++) {
		const struct cfg_network *a = &lab->networks[i];
		for (size_t j = 0; a->bridge && j < i; j++) {
			const struct cfg_network *b = &lab->networks[j];
			if (b->bridge && strcmp(a->bridge, b->bridge) == 0)
				return cfg_fail(err, &a->bridge_pos,
						"network '%s' has the same "
						"bridge as network '%s'",
						a->name, b->name);
		}
	}
	return 0;
}

/* "vm" for a host a lab.vms entry made, else "host". */
static const char *kind(const struct cfg_host *h)
{
	return h->from_vm ? "vm" : "host";
}

static int lab_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	struct cfg_lab *lab = obj;
	int rc = cfg_lab_add_vm_hosts(cfg, lab, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < lab->n_services; i++) {
		struct cfg_service *s = &lab->services[i];
		for (size_t j = 0; j < i; j++)
			if (!strcmp(lab->services[j].name, s->name))
				return cfg_fail(err, &s->name_pos,
						"name: service '%s' is declared "
						"twice (also at line %d)",
						s->name, lab->services[j].pos.line);
		for (size_t h = 0; s->host && h < lab->n_hosts; h++)
			if (!strcmp(lab->hosts[h].name, s->host))
				s->lab_host = &lab->hosts[h];
		if (s->lab_host && !s->lab_host->has_ip)
			return cfg_fail(err, &s->host_pos,
					"host: lab host '%s' has no ip", s->host);
		if (s->host && !s->lab_host && !strchr(s->host, '.') &&
		    !strchr(s->host, ':'))
			return cfg_fail(err, &s->host_pos,
					"host: '%s' is not a lab host (nor a "
					"dotted name or an address)", s->host);
	}
	rc = lab_check_bridges(lab, err);
	if (rc)
		return rc;
	/* One address, one MAC, one public address per host. */
	for (size_t i = 0; i < lab->n_hosts; i++) {
		const struct cfg_host *a = &lab->hosts[i];
		for (size_t j = 0; j < i; j++) {
			const struct cfg_host *b = &lab->hosts[j];
			if (a->has_ip && b->has_ip &&
			    ipaddr_equal(&a->ip, &b->ip))
				return cfg_fail(err, &a->ip_pos,
						"%s '%s' has the same ip as "
						"%s '%s'", kind(a), a->name,
						kind(b), b->name);
			if (a->has_mac && b->has_mac &&
			    memcmp(&a->mac, &b->mac, sizeof(a->mac)) == 0)
				return cfg_fail(err, &a->mac_pos,
						"%s '%s' has the same mac as "
						"%s '%s'", kind(a), a->name,
						kind(b), b->name);
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
	      .help = "name -> {vlan, subnet, gateway, bridge, trunk, "
		      "host_address}"),
	FIELD(.key = "hosts", .type = CFG_MAP, .off = F(struct cfg_lab, hosts),
	      .count_off = F(struct cfg_lab, n_hosts), .reloadable = true,
	      .sub = &host_section,
	      .help = "name -> {ip, mac, network, public, interfaces}"),
	FIELD(.key = "services", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &service_section, .off = F(struct cfg_lab, services),
	      .count_off = F(struct cfg_lab, n_services), .reloadable = true,
	      .help = "{name, host, port, url, type}: the lab's services; "
		      "watch.from_lab derives their checks"),
	FIELD(.key = "policy", .type = CFG_LIST, .elem = CFG_SECTION,
	      .off = F(struct cfg_lab, policy),
	      .count_off = F(struct cfg_lab, n_policy), .reloadable = true,
	      .sub = &policy_section,
	      .help = "isolation between networks: {from, to, action}; the "
		      "first match wins, traffic no rule names passes "
		      "(the net room's nftables table inet hearth)"),
	FIELD(.key = "vms", .type = CFG_MAP, .off = F(struct cfg_lab, vms),
	      .count_off = F(struct cfg_lab, n_vms), .reloadable = true,
	      .sub = &cfg_vm_section,
	      .help = "name -> {hypervisor, vcpus, memory, mac, ip, network, "
		      "image, disk_size, disks, autostart, cloud_init}: VMs on "
		      "libvirt (hearth vm); with ip they are lab hosts too"),
};
static const struct cfg_section lab_section = {
	.fields = lab_fields, .n_fields = N(lab_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = lab_check,
};

/* ---- root ---- */

static const struct cfg_field core_fields[] = {
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
	      .set_off = F(struct config, lab.enabled),
	      .disabled_off = F(struct config, lab.disabled), .reloadable = true,
	      .sub = &lab_section,
	      .help = "the one description of the lab"),
};

int config_schema_init(struct config_schema *s,
		       const struct room_def *const *rooms)
{
	size_t n = 0;
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < N(core_fields); i++)
		s->fields[n++] = core_fields[i];
	for (const struct room_def *const *r = rooms; r && *r; r++) {
		if (s->n_rooms == CONFIG_MAX_ROOMS)
			return -E2BIG;
		size_t k = s->n_rooms++;
		if (!(*r)->config)
			continue;
		s->fields[n++] = FIELD(.key = (*r)->name, .type = CFG_ROOM,
			.off = F(struct config, rooms) +
			       k * sizeof(struct cfg_room) +
			       F(struct cfg_room, data),
			.set_off = F(struct config, rooms) +
				   k * sizeof(struct cfg_room) +
				   F(struct cfg_room, enabled),
			.disabled_off = F(struct config, rooms) +
					k * sizeof(struct cfg_room) +
					F(struct cfg_room, disabled),
			.sub = (*r)->config, .elem_size = (*r)->config_size,
			.help = (*r)->help);
	}
	s->rooms = rooms;
	s->root = (struct cfg_section){
		.fields = s->fields, .n_fields = n,
		.name_off = CFG_NONE, .pos_off = CFG_NONE,
	};
	return 0;
}

static int room_index(const struct config *cfg, const struct room_def *def)
{
	const struct config_schema *s = cfg->schema;
	for (size_t i = 0; s && i < s->n_rooms; i++)
		if (s->rooms[i] == def)
			return (int)i;
	return -1;
}

const void *room_config(const struct config *cfg, const struct room_def *def)
{
	int i = room_index(cfg, def);
	return i < 0 ? NULL : cfg->rooms[i].data;
}

bool room_enabled(const struct config *cfg, const struct room_def *def)
{
	int i = room_index(cfg, def);
	return i >= 0 && cfg->rooms[i].enabled;
}

bool room_disabled(const struct config *cfg, const struct room_def *def)
{
	int i = room_index(cfg, def);
	return i >= 0 && cfg->rooms[i].disabled;
}

int room_check_all(const struct config *cfg, struct cfg_error *err,
		   struct room_check_summary *sum)
{
	const struct config_schema *s = cfg->schema;
	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; s && i < s->n_rooms; i++) {
		const struct room_def *def = s->rooms[i];
		if (!cfg->rooms[i].enabled)
			continue;
		size_t used = strlen(sum->room_names);
		snprintf(sum->room_names + used, sizeof(sum->room_names) - used,
			 "%s%s", sum->rooms ? ", " : "", def->name);
		sum->rooms++;
		if (!def->check)
			continue;
		memset(err, 0, sizeof(*err));
		snprintf(err->file, sizeof(err->file), "%s",
			 cfg->path ? cfg->path : "");
		int rc = def->check(cfg, err, sum);
		if (rc == -ENOMEM)
			cfg_fail(err, NULL, "out of memory");
		if (rc)
			return rc;
	}
	return 0;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void room_check_summary_format(const struct room_check_summary *sum,
			       char *out, size_t cap)
{
	if (!sum->rooms) {
		snprintf(out, cap, "ok");
		return;
	}
	snprintf(out, cap, "ok: %zu %s (%s), %zu %s, %zu %s, %zu %s",
		 sum->rooms, plural(sum->rooms, "room", "rooms"),
		 sum->room_names, sum->zones, plural(sum->zones, "zone", "zones"),
		 sum->records, plural(sum->records, "record", "records"),
		 sum->subnets, plural(sum->subnets, "subnet", "subnets"));
}
