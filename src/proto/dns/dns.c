/* SPDX-License-Identifier: MIT */
/* Type and rcode mnemonics. */
#include "proto/dns/dns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static const struct {
	uint16_t type;
	const char *name;
} types[] = {
	{DNS_T_A, "A"},	      {DNS_T_NS, "NS"},	      {DNS_T_CNAME, "CNAME"},
	{DNS_T_SOA, "SOA"},   {DNS_T_PTR, "PTR"},     {DNS_T_HINFO, "HINFO"},
	{DNS_T_MX, "MX"},     {DNS_T_TXT, "TXT"},     {DNS_T_AAAA, "AAAA"},
	{DNS_T_SRV, "SRV"},   {DNS_T_DNAME, "DNAME"}, {DNS_T_OPT, "OPT"},
	{DNS_T_DS, "DS"},     {DNS_T_RRSIG, "RRSIG"}, {DNS_T_NSEC, "NSEC"},
	{DNS_T_DNSKEY, "DNSKEY"}, {DNS_T_TSIG, "TSIG"}, {DNS_T_IXFR, "IXFR"},
	{DNS_T_AXFR, "AXFR"}, {DNS_T_ANY, "ANY"},     {DNS_T_CAA, "CAA"},
	{99, "SPF"},	      {DNS_T_MB, "MB"},	      {DNS_T_MG, "MG"},
	{DNS_T_MR, "MR"},     {DNS_T_RP, "RP"},	      {DNS_T_AFSDB, "AFSDB"},
	{DNS_T_LOC, "LOC"},   {DNS_T_NAPTR, "NAPTR"}, {DNS_T_SSHFP, "SSHFP"},
	{DNS_T_TLSA, "TLSA"}, {DNS_T_CDS, "CDS"},     {DNS_T_CDNSKEY, "CDNSKEY"},
	{DNS_T_OPENPGPKEY, "OPENPGPKEY"},	      {DNS_T_SVCB, "SVCB"},
	{DNS_T_HTTPS, "HTTPS"}, {DNS_T_EUI48, "EUI48"}, {DNS_T_EUI64, "EUI64"},
	{DNS_T_URI, "URI"},   {DNS_T_ALIAS, "ALIAS"},
};

const char *dns_type_name(uint16_t type, char buf[16])
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(buf, 16, "TYPE%u", (unsigned)type);
	return buf;
}

int dns_type_parse(const char *text, uint16_t *out)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcasecmp(types[i].name, text) == 0) {
			*out = types[i].type;
			return 0;
		}
	}
	if (strncasecmp(text, "TYPE", 4) == 0 && text[4]) {
		char *end;
		unsigned long v = strtoul(text + 4, &end, 10);
		if (*end || v > 65535 || text[4] < '0' || text[4] > '9')
			return -EINVAL;
		*out = (uint16_t)v;
		return 0;
	}
	return -EINVAL;
}

const char *dns_rcode_name(unsigned rcode, char buf[16])
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == DNS_R_BADVERS)
		return "BADVERS";
	snprintf(buf, 16, "RCODE%u", rcode);
	return buf;
}
