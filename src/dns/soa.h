/* SPDX-License-Identifier: MIT */
/* The SOA and NS hearth makes for the zones it creates (dns.soa): names, timers, glue. */
#ifndef HEARTH_DNS_SOA_H
#define HEARTH_DNS_SOA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "core/config.h"
#include "proto/dns/name.h"

/* True when @s is a DNS name (the final dot optional) or user@domain. */
bool dns_soa_name_ok(const char *s);

/* What hearth puts at the apex of a zone it makes. */
struct dns_soa_made {
	struct dns_name mname; /* SOA MNAME, and the NS */
	struct dns_name rname; /* SOA RNAME */
	uint32_t refresh, retry, expire, minimum;
	uint32_t ttl; /* of the SOA, the NS and the glue */
	/* An A (AAAA) for mname in this zone: mname lies in it and nothing
	 * else gives it an address. */
	bool glue;
	struct ipaddr addr;
};

/*
 * The SOA/NS for zone @apex from @cfg's dns.soa: mname is dns.soa.mname
 * (one label: that lab host in lab.domain), else ns.<lab.domain> when
 * lab hosts with addresses make a lab zone (glue in that zone unless a
 * lab host is called "ns"), else ns.<apex> with glue; the glue's
 * address is the first dns.listen address that is not a wildcard, else
 * one of the machine's (getifaddrs: IPv4 first, loopback last). rname
 * is dns.soa.rname (one label: below @apex; user@domain: user.domain).
 * 0, or -EINVAL when a name does not fit. Any thread.
 */
int dns_soa_make(const struct config *cfg, const struct dns_name *apex,
		 struct dns_soa_made *out);

/* The SOA RDATA of @m with @serial into @rd (room for two names + 20);
 * returns its length. */
size_t dns_soa_rdata(const struct dns_soa_made *m, uint32_t serial,
		     uint8_t *rd);

/* A hash of what dns_soa_make gives for @apex (a lab zone's serial moves
 * when it changes). */
uint32_t dns_soa_hash(const struct dns_soa_made *m);

#endif
