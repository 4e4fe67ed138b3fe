/* SPDX-License-Identifier: MIT */
/* DNS protocol constants and type/class/rcode mnemonics. */
#ifndef HEARTH_PROTO_DNS_DNS_H
#define HEARTH_PROTO_DNS_DNS_H

#include <stdint.h>

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_HINFO = 13,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_DNAME = 39,
	DNS_T_OPT = 41,
	DNS_T_DS = 43,
	DNS_T_RRSIG = 46,
	DNS_T_NSEC = 47,
	DNS_T_DNSKEY = 48,
	DNS_T_TSIG = 250,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_ANY = 255,
	DNS_T_CAA = 257,
	DNS_T_MB = 7,
	DNS_T_MG = 8,
	DNS_T_MR = 9,
	DNS_T_RP = 17,
	DNS_T_AFSDB = 18,
	DNS_T_LOC = 29,
	DNS_T_NAPTR = 35,
	DNS_T_SSHFP = 44,
	DNS_T_TLSA = 52,
	DNS_T_CDS = 59,
	DNS_T_CDNSKEY = 60,
	DNS_T_OPENPGPKEY = 61,
	DNS_T_SVCB = 64,
	DNS_T_HTTPS = 65,
	DNS_T_EUI48 = 108,
	DNS_T_EUI64 = 109,
	DNS_T_URI = 256,
	DNS_T_ALIAS = 65401, /* PowerDNS's ALIAS, held as data */
};

enum dns_class {
	DNS_C_IN = 1,
	DNS_C_CH = 3,
	DNS_C_NONE = 254,
	DNS_C_ANY = 255,
};

enum dns_rcode {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_NOTAUTH = 9,
	DNS_R_BADVERS = 16, /* extended: needs OPT */
};

enum dns_opcode {
	DNS_OP_QUERY = 0,
	DNS_OP_NOTIFY = 4,
	DNS_OP_UPDATE = 5,
};

/* Header flag bits (in the 16-bit flags word). */
#define DNS_F_QR 0x8000u
#define DNS_F_AA 0x0400u
#define DNS_F_TC 0x0200u
#define DNS_F_RD 0x0100u
#define DNS_F_RA 0x0080u
#define DNS_F_AD 0x0020u
#define DNS_F_CD 0x0010u
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xfu)
#define DNS_RCODE(flags) ((flags)&0xfu)

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255   /* wire length, with the root label */
#define DNS_LABEL_MAX 63
#define DNS_UDP_MIN 512	   /* payload without EDNS */
#define DNS_MSG_MAX 65535

/* "A", "AAAA", ..., or "TYPE1234" for types without a mnemonic.
 * Writes into @buf (at least 16 bytes) and returns it. */
const char *dns_type_name(uint16_t type, char buf[16]);

/* Parses a mnemonic (case-insensitive) or "TYPEnnn". 0 or -EINVAL. */
int dns_type_parse(const char *text, uint16_t *out);

/* "NOERROR", "NXDOMAIN", ...; "RCODE23" otherwise. */
const char *dns_rcode_name(unsigned rcode, char buf[16]);

/* Reads/writes big-endian integers. */
static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
