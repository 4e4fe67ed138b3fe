/* SPDX-License-Identifier: MIT */
/* The dns room's config schema: every key of `dns:`, its type, default, range and checks. */
#include "dns/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dns_room.h"
#include "dns/soa.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N

/* dns.soa's names: mname "", a lab host (one label) or a DNS name;
 * rname one label, a DNS name or user@domain. */
static int soa_check(const struct config *cfg, const struct cfg_dns_soa *s,
		     struct cfg_error *err)
{
	const char *m = s->mname;
	if (m[0] && !strchr(m, '.')) {
		const struct cfg_lab *lab = &cfg->lab;
		const struct cfg_host *h = NULL;
		for (size_t i = 0; lab->enabled && i < lab->n_hosts; i++)
			if (strcasecmp(lab->hosts[i].name, m) == 0)
				h = &lab->hosts[i];
		if (!h || !h->has_ip || !lab->domain)
			return cfg_fail(err, &s->mname_pos,
					"dns.soa.mname '%s': one label names a "
					"lab host with an ip (its address is "
					"served); there is none: give a lab "
					"host or a full name",
					m);
	} else if (m[0] && !dns_soa_name_ok(m)) {
		return cfg_fail(err, &s->mname_pos,
				"dns.soa.mname '%s' is not a DNS name", m);
	}
	if (!s->rname[0] || !dns_soa_name_ok(s->rname))
		return cfg_fail(err, &s->rname_pos,
				"dns.soa.rname '%s' is not a mailbox (a label "
				"such as hostmaster, a DNS name or user@domain)",
				s->rname);
	return 0;
}

/* Each zone once (checked on the whole section, once zones are read). */
static int dns_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	const struct cfg_dns *d = obj;
	int rc = soa_check(cfg, &d->soa, err);
	if (rc)
		return rc;
	for (size_t j = 0; j < d->n_zones; j++) {
		const struct cfg_dns_zone *z = &d->zones[j];
		for (size_t i = 0; i < j; i++)
			if (strcmp(d->zones[i].name, z->name) == 0)
				return cfg_fail(err, &z->name_pos,
						"zone '%s' is listed twice",
						z->name);
	}
	return 0;
}

static const struct cfg_field dns_zone_fields[] = {
	FIELD(.key = "name", .type = CFG_DNSNAME,
	      .off = F(struct cfg_dns_zone, name),
	      .pos_off = F(struct cfg_dns_zone, name_pos), .required = true,
	      .reloadable = true, .help = "the zone's apex"),
	FIELD(.key = "file", .type = CFG_PATH,
	      .off = F(struct cfg_dns_zone, file),
	      .pos_off = F(struct cfg_dns_zone, file_pos), .reloadable = true,
	      .help = "RFC 1035 master file imported into the store at start "
		      "and on SIGHUP"),
};
static const struct cfg_section dns_zone_section = {
	.size = sizeof(struct cfg_dns_zone), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_dns_zone, pos),
	.fields = dns_zone_fields, .n_fields = N(dns_zone_fields),
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
	      .def = "", .reloadable = true,
	      .help = "CHAOS TXT version.bind; \"\" (the default) refuses "
		      "the query"),
	FIELD(.key = "id", .type = CFG_STRING,
	      .off = F(struct cfg_dns_identity, id), .def = "",
	      .reloadable = true,
	      .help = "CHAOS TXT id.server; \"\" (the default) refuses "
		      "the query"),
};
static const struct cfg_section dns_identity_section = {
	.fields = dns_identity_fields, .n_fields = N(dns_identity_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static const struct cfg_field dns_rrl_fields[] = {
	FIELD(.key = "responses_per_second", .type = CFG_INT,
	      .off = F(struct cfg_dns_rrl, responses_per_second), .def = "20",
	      .min = 0, .max = 1000000, .reloadable = true,
	      .help = "UDP answers a second to one client prefix outside "
		      "allow_recursion; 0 disables the limit"),
	FIELD(.key = "slip", .type = CFG_INT,
	      .off = F(struct cfg_dns_rrl, slip), .def = "2", .min = 0,
	      .max = 10, .reloadable = true,
	      .help = "every slip-th answer over the limit goes out truncated "
		      "(TC=1: real clients retry over TCP), the others are "
		      "dropped; 0 drops all, 1 truncates all"),
	FIELD(.key = "window", .type = CFG_DURATION,
	      .off = F(struct cfg_dns_rrl, window), .def = "15s", .min = 1,
	      .max = 3600, .reloadable = true,
	      .help = "a prefix over the limit stays limited until it has "
		      "been quiet for about this long"),
	FIELD(.key = "ipv4_prefix", .type = CFG_INT,
	      .off = F(struct cfg_dns_rrl, ipv4_prefix), .def = "24", .min = 8,
	      .max = 32, .reloadable = true,
	      .help = "IPv4 clients are counted by this prefix length"),
	FIELD(.key = "ipv6_prefix", .type = CFG_INT,
	      .off = F(struct cfg_dns_rrl, ipv6_prefix), .def = "56",
	      .min = 16, .max = 128, .reloadable = true,
	      .help = "IPv6 clients are counted by this prefix length"),
};
static const struct cfg_section dns_rrl_section = {
	.fields = dns_rrl_fields, .n_fields = N(dns_rrl_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static const struct cfg_field dns_soa_fields[] = {
	FIELD(.key = "mname", .type = CFG_STRING,
	      .off = F(struct cfg_dns_soa, mname),
	      .pos_off = F(struct cfg_dns_soa, mname_pos), .def = "",
	      .reloadable = true,
	      .help = "the primary name server: SOA MNAME and the NS of the "
		      "zones hearth makes; one label is that lab host "
		      "(NAME.lab.domain, its address served); \"\": "
		      "ns.<lab.domain> when lab hosts make a lab zone, else "
		      "ns.<zone>, with its address (glue: the first specific "
		      "dns.listen address, else one of the machine's) in the "
		      "zone that holds it"),
	FIELD(.key = "rname", .type = CFG_STRING,
	      .off = F(struct cfg_dns_soa, rname),
	      .pos_off = F(struct cfg_dns_soa, rname_pos), .def = "hostmaster",
	      .reloadable = true,
	      .help = "the zones' contact: one label is relative to each zone "
		      "(hostmaster.<zone>); or a full name or user@domain"),
	FIELD(.key = "refresh", .type = CFG_DURATION,
	      .off = F(struct cfg_dns_soa, refresh), .def = "3h", .min = 1,
	      .max = 2147483647, .reloadable = true,
	      .help = "SOA refresh: how often secondaries check the serial"),
	FIELD(.key = "retry", .type = CFG_DURATION,
	      .off = F(struct cfg_dns_soa, retry), .def = "1h", .min = 1,
	      .max = 2147483647, .reloadable = true,
	      .help = "SOA retry: after a failed refresh"),
	FIELD(.key = "expire", .type = CFG_DURATION,
	      .off = F(struct cfg_dns_soa, expire), .def = "7d", .min = 1,
	      .max = 2147483647, .reloadable = true,
	      .help = "SOA expire: secondaries stop answering after this long "
		      "without the primary"),
	FIELD(.key = "minimum", .type = CFG_DURATION,
	      .off = F(struct cfg_dns_soa, minimum), .def = "1h", .min = 0,
	      .max = 2147483647, .reloadable = true,
	      .help = "SOA minimum: how long resolvers cache a negative "
		      "answer (RFC 2308)"),
	FIELD(.key = "ttl", .type = CFG_DURATION,
	      .off = F(struct cfg_dns_soa, ttl), .def = "1h", .min = 0,
	      .max = 2147483647, .reloadable = true,
	      .help = "TTL of the SOA, NS and glue hearth makes"),
};
static const struct cfg_section dns_soa_section = {
	.fields = dns_soa_fields, .n_fields = N(dns_soa_fields),
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
	      .help = "a DNS TCP connection is closed after this long "
		      "without a whole query or an answer written (bytes of "
		      "a partial query do not count)"),
	FIELD(.key = "tcp_message_timeout", .type = CFG_DURATION,
	      .off = F(struct cfg_dns, tcp_message_timeout), .def = "3s",
	      .min = 1, .max = 3600, .reloadable = true,
	      .help = "a query over TCP must arrive whole within this long "
		      "of its first byte, or the connection is closed"),
	FIELD(.key = "tcp_stall_timeout", .type = CFG_DURATION,
	      .off = F(struct cfg_dns, tcp_stall_timeout), .def = "10s",
	      .min = 1, .max = 3600, .reloadable = true,
	      .help = "a DNS TCP connection whose queued answers make no "
		      "progress for this long is closed"),
	FIELD(.key = "tcp_max_connections", .type = CFG_INT,
	      .off = F(struct cfg_dns, tcp_max_connections), .def = "256",
	      .min = 1, .max = 65536, .reloadable = true,
	      .help = "concurrent DNS TCP connections; at the cap a new one "
		      "evicts the oldest idle (then the slowest partial, then "
		      "the longest blocked) connection, or is closed"),
	FIELD(.key = "tcp_max_connections_per_client", .type = CFG_INT,
	      .off = F(struct cfg_dns, tcp_max_connections_per_client),
	      .def = "16", .min = 0, .max = 65536, .reloadable = true,
	      .help = "concurrent DNS TCP connections from one address (an "
		      "IPv6 /128), loopback included; more are closed at "
		      "accept; 0: no cap"),
	FIELD(.key = "tcp_max_queued", .type = CFG_SIZE,
	      .off = F(struct cfg_dns, tcp_max_queued), .def = "64k",
	      .min = 4096, .max = 16777216, .reloadable = true,
	      .help = "answer bytes queued for one DNS TCP connection; over "
		      "it the connection is not read until half of it is "
		      "written"),
	FIELD(.key = "tcp_max_queued_total", .type = CFG_SIZE,
	      .off = F(struct cfg_dns, tcp_max_queued_total), .def = "4M",
	      .min = 65536, .max = 1073741824, .reloadable = true,
	      .help = "answer bytes queued over all DNS TCP connections; over "
		      "it no connection with answers queued is read until "
		      "half of it is written"),
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
	FIELD(.key = "log_queries", .type = CFG_BOOL,
	      .off = F(struct cfg_dns, log_queries), .def = "false",
	      .reloadable = true,
	      .help = "log each answer: client, name, type, rcode, source "
		      "(auth, cache, forward), latency; at most 50 lines a "
		      "second (hearthd -v turns it on too)"),
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
	FIELD(.key = "allow_recursion", .type = CFG_LIST, .elem = CFG_PREFIX,
	      .elem_size = sizeof(struct ipprefix),
	      .off = F(struct cfg_dns, allow_recursion),
	      .count_off = F(struct cfg_dns, n_allow_recursion),
	      .set_off = F(struct cfg_dns, has_allow_recursion),
	      .reloadable = true,
	      .help = "prefixes whose clients get names forwarded; others "
		      "get REFUSED for what no zone holds (zones stay "
		      "public); absent: loopback and every lab.networks "
		      "subnet"),
	FIELD(.key = "forward_max_inflight", .type = CFG_INT,
	      .off = F(struct cfg_dns, forward_max_inflight), .def = "4096",
	      .min = 1, .max = 1000000, .reloadable = true,
	      .help = "forwarded queries waiting upstream at once; more are "
		      "answered SERVFAIL"),
	FIELD(.key = "forward_max_inflight_per_client", .type = CFG_INT,
	      .off = F(struct cfg_dns, forward_max_inflight_per_client),
	      .def = "256", .min = 1, .max = 1000000, .reloadable = true,
	      .help = "the same, for one client address"),
	FIELD(.key = "upstream_down_after", .type = CFG_INT,
	      .off = F(struct cfg_dns, upstream_down_after), .def = "3",
	      .min = 1, .max = 1000, .reloadable = true,
	      .help = "consecutive unanswered tries that mark an upstream "
		      "down: skipped, then probed with one query at a time"),
	FIELD(.key = "upstream_backoff", .type = CFG_DURATION,
	      .off = F(struct cfg_dns, upstream_backoff), .def = "5s",
	      .min = 1, .max = 3600, .reloadable = true,
	      .help = "how long a down upstream is skipped before its probe; "
		      "doubles after each failed probe, up to 60s (or this "
		      "value when longer)"),
	FIELD(.key = "rrl", .type = CFG_SECTION,
	      .off = F(struct cfg_dns, rrl), .reloadable = true,
	      .sub = &dns_rrl_section,
	      .help = "response-rate limiting of UDP answers to clients "
		      "outside allow_recursion"),
	FIELD(.key = "soa", .type = CFG_SECTION,
	      .off = F(struct cfg_dns, soa), .reloadable = true,
	      .sub = &dns_soa_section,
	      .help = "the SOA and NS hearth makes for the zones it creates "
		      "(lab zones, config zones without a file, API zones "
		      "created without a SOA)"),
	FIELD(.key = "identity", .type = CFG_SECTION,
	      .off = F(struct cfg_dns, identity), .reloadable = true,
	      .sub = &dns_identity_section,
	      .help = "answers to CHAOS version.bind / id.server"),
};
const struct cfg_section dns_config_section = {
	.fields = dns_fields, .n_fields = N(dns_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = dns_check,
};

const struct cfg_dns *dns_config(const struct config *cfg)
{
	return room_config(cfg, &dns_room_def);
}

