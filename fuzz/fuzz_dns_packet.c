/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as a DNS query to the authoritative answerer, and as an upstream's reply. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/answer.h"
#include "proto/dns/dns.h"
#include "proto/dns/msg.h"
#include "proto/dns/relay.h"
#include "proto/dns/zonefile.h"

/*
 * The two packet parsers that face the network: queries from clients
 * (dns_answer over UDP and TCP limits) and answers from upstreams (the
 * relay helpers walk them, age TTLs, rewrite aliases and copy them for a
 * client). Neither may crash, read out of bounds, or emit a response
 * that does not parse as a message.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char zone_text[] =
	"$TTL 3600\n"
	"@ SOA ns1 host 1 3600 600 86400 300\n"
	"@ NS ns1\n@ NS ns2.other.example.\n"
	"ns1 A 192.0.2.1\nns1 AAAA 2001:db8::1\n"
	"www A 192.0.2.2\nmail MX 10 www\nalias CNAME www\n"
	"loop1 CNAME loop2\nloop2 CNAME loop1\nout CNAME www.example.net.\n"
	"*.wild A 192.0.2.3\n*.wild TXT \"wild\"\n"
	"sub NS ns.sub\nns.sub A 192.0.2.4\n"
	"_sip._tcp SRV 0 5 5060 www\ntxt TXT \"a\" \"b\"\n"
	"caa CAA 0 issue \"ca.example\"\n";

static struct dns_zoneset zs;
static struct dns_zone_builder *builder;

static int add(const struct dns_zf_record *rr, void *ud)
{
	char why[128];
	(void)ud;
	return dns_zone_builder_add(builder, &rr->owner, rr->type, rr->ttl,
				    rr->rdata, rr->rdlen, why);
}

static void setup(void)
{
	static struct dns_zone *zone;
	struct dns_name apex;
	struct dns_zf_error err;
	char why[128];
	if (zone)
		return;
	if (dns_name_from_text("example.com.", 12, NULL, &apex))
		abort();
	builder = dns_zone_builder_new(&apex);
	struct dns_zf_ops ops = {.record = add};
	if (!builder ||
	    dns_zonefile_parse(zone_text, sizeof(zone_text) - 1, "fuzz.zone",
			       &apex, 3600, &ops, &err) ||
	    dns_zone_build(builder, &zone, why))
		abort();
	static struct dns_zone *zones[1];
	zones[0] = zone;
	zs.zones = zones;
	zs.n = 1;
}

/* A response must at least have a header and echo the id. */
static void check_response(const uint8_t *q, size_t qlen, const uint8_t *r,
			   size_t n, size_t cap)
{
	if (n == 0)
		return;
	if (n < DNS_HEADER_LEN || n > cap || qlen < 2 ||
	    memcmp(q, r, 2) != 0 || !(dns_get16(r + 2) & DNS_F_QR))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_MSG_MAX];
	static uint8_t copy[DNS_MSG_MAX];
	struct dns_answer_info info;
	struct dns_answer_opts opts = {.version = "fuzz", .id = "fuzz",
				       .udp_payload = 1232};
	setup();
	if (size > DNS_MSG_MAX)
		return 0;

	size_t n = dns_answer(&zs, data, size, out, 4096, false, &opts, &info);
	check_response(data, size, out, n, 4096);
	n = dns_answer(&zs, data, size, out, sizeof(out), true, &opts, &info);
	check_response(data, size, out, n, sizeof(out));

	/* The same bytes as an upstream's answer to a fixed question. */
	static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0,
					0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x',
					'a', 'm', 'p', 'l', 'e', 3, 'n', 'e',
					't', 0, 0, 1, 0, 1};
	struct dns_query q;
	if (dns_query_parse(query, sizeof(query), &q))
		abort();
	memcpy(copy, data, size);
	if (dns_relay_check(copy, size, dns_get16(copy), &q) == 0) {
		bool inside;
		size_t len = dns_relay_strip_opt(copy, size, &inside);
		(void)dns_relay_ttl(copy, len);
		dns_relay_age(copy, len, 100);
		struct dns_alias al = {0};
		ipprefix_parse("192.0.2.0/24", &al.from);
		ipprefix_parse("10.0.0.0/8", &al.to);
		dns_relay_alias(copy, len, &al, 1);
		size_t m = dns_relay_to_client(out, sizeof(out), 512, copy, len,
					       query, &q, 1232);
		if (m > sizeof(out))
			abort();
	}
	return 0;
}
