/* SPDX-License-Identifier: MIT */
/* Unit tests of RDATA: text <-> wire for every type, generic form, unpacking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"

#define T_SPF 99
#define TEXT_CAP (4 * DNS_RDATA_MAX + 4096)

static struct dns_name origin;
static uint8_t wire[DNS_RDATA_MAX], wire2[DNS_RDATA_MAX];
static char text[TEXT_CAP];
static char why[128];

static int setup(void **state)
{
	(void)state;
	return dns_name_from_text("example.com.", 12, NULL, &origin);
}

/* Parses @in, expects @want_wire, prints @want_text, and parses the
 * printed text back (without an origin) to the same bytes. */
static void check(uint16_t type, const char *in, const void *want_wire,
		  size_t want_len, const char *want_text)
{
	size_t n = 0, n2 = 0;
	int rc = dns_rdata_from_text(type, in, strlen(in), &origin, wire,
				     sizeof(wire), &n, why);
	if (rc)
		fail_msg("'%s': %d %s", in, rc, why);
	if (want_wire) {
		assert_int_equal(n, want_len);
		assert_memory_equal(wire, want_wire, n);
	}
	int tl = dns_rdata_to_text(type, wire, n, text, sizeof(text));
	assert_true(tl >= 0);
	assert_int_equal((size_t)tl, strlen(text));
	assert_string_equal(text, want_text);
	rc = dns_rdata_from_text(type, text, (size_t)tl, NULL, wire2,
				 sizeof(wire2), &n2, why);
	if (rc)
		fail_msg("'%s' back: %d %s", text, rc, why);
	assert_int_equal(n2, n);
	assert_memory_equal(wire2, wire, n);
}

/* Expects -EINVAL with @reason somewhere in the message. */
static void refuse(uint16_t type, const char *in, const char *reason)
{
	size_t n = 12345;
	why[0] = '\0';
	int rc = dns_rdata_from_text(type, in, strlen(in), &origin, wire,
				     sizeof(wire), &n, why);
	if (rc != -EINVAL)
		fail_msg("'%s' accepted (%d)", in, rc);
	assert_int_equal(n, 12345);
	if (!strstr(why, reason))
		fail_msg("'%s': reason '%s', wanted '%s'", in, why, reason);
}

static void test_a_aaaa(void **state)
{
	(void)state;
	check(DNS_T_A, "192.0.2.1", "\xc0\0\2\1", 4, "192.0.2.1");
	check(DNS_T_A, "  10.0.0.255\t", "\12\0\0\377", 4, "10.0.0.255");
	refuse(DNS_T_A, "192.0.2", "bad IPv4 address '192.0.2'");
	refuse(DNS_T_A, "192.0.2.256", "bad IPv4 address");
	refuse(DNS_T_A, "\"192.0.2.1\"", "bad IPv4 address");
	refuse(DNS_T_A, "2001:db8::1", "bad IPv4 address");
	refuse(DNS_T_A, "192.0.2.1 192.0.2.2", "unexpected '192.0.2.2'");
	refuse(DNS_T_A, "", "missing rdata");
	refuse(DNS_T_A, "   ", "missing rdata");

	check(DNS_T_AAAA, "2001:DB8:0:0:0:0:0:1",
	      "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16, "2001:db8::1");
	check(DNS_T_AAAA, "::", NULL, 0, "::");
	check(DNS_T_AAAA, "::ffff:192.0.2.1", NULL, 0, "::ffff:192.0.2.1");
	check(DNS_T_AAAA, "fe80:0:0:1:0:0:0:1", NULL, 0, "fe80:0:0:1::1");
	refuse(DNS_T_AAAA, "2001:db8::g", "bad IPv6 address");
	refuse(DNS_T_AAAA, "192.0.2.1", "bad IPv6 address");
	refuse(DNS_T_AAAA, "1:2:3:4:5:6:7:8:9", "bad IPv6 address");
}

static void test_names(void **state)
{
	(void)state;
	static const uint16_t types[] = {DNS_T_NS, DNS_T_CNAME, DNS_T_PTR,
					 DNS_T_DNAME};
	for (size_t i = 0; i < 4; i++) {
		check(types[i], "ns1", "\3ns1\7example\3com", 17,
		      "ns1.example.com.");
		check(types[i], "@", "\7example\3com", 13, "example.com.");
		check(types[i], "Other.NET.", "\5Other\3NET", 11, "Other.NET.");
		check(types[i], ".", "", 1, ".");
		check(types[i], "a\\.b\\032c", NULL, 0,
		      "a\\.b\\032c.example.com.");
		refuse(types[i], "a..b", "empty label");
		refuse(types[i], "a b", "unexpected 'b'");
		refuse(types[i], "\"quoted\"", "quoted");
	}

	char big[400];
	memset(big, 'a', 64);
	strcpy(big + 64, ".com.");
	refuse(DNS_T_NS, big, "label longer than 63");
	big[0] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(big, "abc.");
	refuse(DNS_T_NS, big, "name too long");
	/* Only too long once the origin is added. */
	big[0] = '\0';
	for (int i = 0; i < 81; i++)
		strcat(big, "ab.");
	strcat(big, "a");
	refuse(DNS_T_CNAME, big, "name too long");
	refuse(DNS_T_NS, "x\\", "bad escape");
	refuse(DNS_T_NS, "x\\300", "bad escape");

	/* Without an origin, relative names are refused. */
	size_t n;
	assert_int_equal(dns_rdata_from_text(DNS_T_NS, "ns1", 3, NULL, wire,
					     sizeof(wire), &n, why),
			 -EINVAL);
	assert_non_null(strstr(why, "without an origin"));
}

static void test_soa(void **state)
{
	(void)state;
	check(DNS_T_SOA, "ns1 hostmaster 2024010101 3600 900 604800 86400",
	      "\3ns1\7example\3com\0" "\12hostmaster\7example\3com\0"
	      "\x78\xa3\xf1\x75" "\0\0\x0e\x10" "\0\0\x03\x84"
	      "\0\x09\x3a\x80" "\0\1\x51\x80",
	      13 + 4 + 13 + 11 + 20,
	      "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 "
	      "604800 86400");
	/* TTL units in the timers, any case. */
	check(DNS_T_SOA, "ns1.x. h.x. 1 1h 15M 1w 1d2h3m4s", NULL, 0,
	      "ns1.x. h.x. 1 3600 900 604800 93784");
	check(DNS_T_SOA, "@ @ 4294967295 0 0 0 4294967295", NULL, 0,
	      "example.com. example.com. 4294967295 0 0 0 4294967295");

	refuse(DNS_T_SOA, "ns1 h 4294967296 1 2 3 4",
	       "SOA serial '4294967296' out of range");
	refuse(DNS_T_SOA, "ns1 h 1h 1 2 3 4", "bad SOA serial '1h'");
	refuse(DNS_T_SOA, "ns1 h 1 4294967296 2 3 4",
	       "SOA refresh '4294967296' out of range");
	refuse(DNS_T_SOA, "ns1 h 1 7102w 2 3 4", "out of range");
	refuse(DNS_T_SOA, "ns1 h 1 1h30 2 3 4", "bad SOA refresh");
	refuse(DNS_T_SOA, "ns1 h 1 h 2 3 4", "bad SOA refresh");
	refuse(DNS_T_SOA, "ns1 h 1 1x 2 3 4", "bad SOA refresh");
	refuse(DNS_T_SOA, "ns1 h 1 2 3 4", "missing SOA minimum");
	refuse(DNS_T_SOA, "ns1 h 1 2 3 4 5 6", "unexpected '6'");
	refuse(DNS_T_SOA, "ns1", "missing SOA rname");
	refuse(DNS_T_SOA, "ns1 h -1 2 3 4 5", "bad SOA serial");
}

static void test_mx_srv(void **state)
{
	(void)state;
	check(DNS_T_MX, "10 mail", "\0\12\4mail\7example\3com", 20,
	      "10 mail.example.com.");
	check(DNS_T_MX, "0 .", "\0\0", 3, "0 .");
	check(DNS_T_MX, "65535 a.b.", NULL, 0, "65535 a.b.");
	check(DNS_T_MX, "007 a.b.", "\0\7\1a\1b", 7, "7 a.b.");
	refuse(DNS_T_MX, "65536 mail", "MX preference '65536' out of range");
	refuse(DNS_T_MX, "99999999999999999999 mail", "out of range");
	refuse(DNS_T_MX, "-1 mail", "bad MX preference '-1'");
	refuse(DNS_T_MX, "+1 mail", "bad MX preference");
	refuse(DNS_T_MX, "10", "missing MX exchange");
	refuse(DNS_T_MX, "mail 10", "bad MX preference");

	check(DNS_T_SRV, "10 60 5060 sip",
	      "\0\12\0\x3c\x13\xc4\3sip\7example\3com", 23,
	      "10 60 5060 sip.example.com.");
	check(DNS_T_SRV, "0 0 0 .", "\0\0\0\0\0\0", 7, "0 0 0 .");
	refuse(DNS_T_SRV, "1 2 65536 x", "SRV port '65536' out of range");
	refuse(DNS_T_SRV, "1 2 3", "missing SRV target");
}

static void test_txt(void **state)
{
	(void)state;
	check(DNS_T_TXT, "\"hello world\"", "\13hello world", 12,
	      "\"hello world\"");
	check(DNS_T_TXT, "\"a\" b \"\" c\\ d", "\1a\1b\0\3c d", 9,
	      "\"a\" \"b\" \"\" \"c d\"");
	check(DNS_T_TXT, "\"q\\\"b\\\\s\" \"\\001\\255\\x\\;\" ;",
	      "\5q\"b\\s\4\1\377x;\1;", 13,
	      "\"q\\\"b\\\\s\" \"\\001\\255x;\" \";\"");
	/* Semicolons and parentheses are data inside quotes; tabs escaped. */
	check(DNS_T_TXT, "\"v=spf1 (x) ; -all\"\t\"tab\\009\"", NULL, 0,
	      "\"v=spf1 (x) ; -all\" \"tab\\009\"");
	check(T_SPF, "\"v=spf1 -all\"", "\13v=spf1 -all", 12,
	      "\"v=spf1 -all\"");
	/* Quote right after a word ends it. */
	check(DNS_T_TXT, "ab\"cd\"", "\2ab\2cd", 6, "\"ab\" \"cd\"");
	/* Well-formed UTF-8 is written as it is (as PowerDNS keeps the
	 * text it was given); any other byte past ASCII as \DDD: a lone
	 * lead byte, an overlong form, a surrogate, a C1 control. */
	check(DNS_T_TXT, "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8d\xb5\"",
	      "\16caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8d\xb5", 15,
	      "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8d\xb5\"");
	check(DNS_T_TXT, "\"caf\\195\\169\"", NULL, 0, "\"caf\xc3\xa9\"");
	check(DNS_T_TXT, "\"\\195x\\192\\128\\237\\160\\128\\194\\128\\244\\144\\128\\128\"",
	      NULL, 0,
	      "\"\\195x\\192\\128\\237\\160\\128\\194\\128\\244\\144\\128\\128\"");
	check(DNS_T_TXT, "\"\\226\\130\"", NULL, 0, "\"\\226\\130\"");
	check(DNS_T_CAA, "0 issue \"\xc3\xa9\"", NULL, 0, "0 issue \"\xc3\xa9\"");

	/* Longer than 255: split into 255-byte strings. */
	char in[1200], want[1200];
	uint8_t w[1200];
	memset(in, 'x', sizeof(in));
	in[0] = '"';
	in[301] = '"';
	in[302] = '\0';
	snprintf(want, sizeof(want), "\"%.255s\" \"%.45s\"", in + 1, in + 1);
	memset(w, 'x', sizeof(w));
	w[0] = 255;
	w[256] = 45;
	check(DNS_T_TXT, in, w, 302, want);
	in[256] = '"';
	in[257] = '\0';
	snprintf(want, sizeof(want), "\"%.255s\"", in + 1);
	check(DNS_T_TXT, in, w, 256, want); /* exactly 255: one string */
	assert_int_equal(strlen(text), 257);
	memset(in, 'y', 511);
	in[0] = '"';
	in[511] = '"';
	in[512] = '\0';
	check(DNS_T_TXT, in, NULL, 0, text);
	assert_int_equal(strlen(text), 2 * 257 + 1);
	/* Escapes count as one byte each. */
	strcpy(in, "\"");
	for (int i = 0; i < 256; i++)
		strcat(in, "\\200");
	strcat(in, "\"");
	size_t n;
	assert_int_equal(dns_rdata_from_text(DNS_T_TXT, in, strlen(in), NULL,
					     wire, sizeof(wire), &n, why),
			 0);
	assert_int_equal(n, 258);
	assert_int_equal(wire[0], 255);
	assert_int_equal(wire[256], 1);
	assert_int_equal(wire[257], 200);

	refuse(DNS_T_TXT, "\"abc", "unterminated quoted string");
	refuse(DNS_T_TXT, "\"abc\\\"", "unterminated quoted string");
	refuse(DNS_T_TXT, "\"\\256\"", "bad escape");
	refuse(DNS_T_TXT, "\"\\25\"", "bad escape");
	refuse(DNS_T_TXT, "abc\\", "bad escape");
	refuse(DNS_T_TXT, "", "missing rdata");

	/* A 65535-byte TXT does not fit with its length bytes. */
	char *huge = malloc(70000);
	assert_non_null(huge);
	memset(huge, 'z', 70000);
	huge[0] = '"';
	huge[65300] = '"';
	assert_int_equal(dns_rdata_from_text(DNS_T_TXT, huge, 65301, NULL, wire,
					     sizeof(wire), &n, why),
			 -EMSGSIZE);
	/* ... nor when the caller's buffer is small. */
	assert_int_equal(dns_rdata_from_text(DNS_T_TXT, "abc", 3, NULL, wire, 3,
					     &n, why),
			 -EMSGSIZE);
	assert_int_equal(dns_rdata_from_text(DNS_T_TXT, "abc", 3, NULL, wire, 4,
					     &n, why),
			 0);
	free(huge);
}

static void test_hinfo_caa_ds(void **state)
{
	(void)state;
	check(DNS_T_HINFO, "\"INTEL-386\" \"Unix\"", "\11INTEL-386\4Unix", 15,
	      "\"INTEL-386\" \"Unix\"");
	check(DNS_T_HINFO, "PC Linux", NULL, 0, "\"PC\" \"Linux\"");
	check(DNS_T_HINFO, "\"\" \"\"", "\0\0", 2, "\"\" \"\"");
	refuse(DNS_T_HINFO, "PC", "missing HINFO os");
	refuse(DNS_T_HINFO, "a b c", "unexpected 'c'");
	char in[600];
	memset(in, 'h', 300);
	in[300] = '\0';
	strcat(in, " os");
	refuse(DNS_T_HINFO, in, "longer than 255");

	check(DNS_T_CAA, "0 issue \"letsencrypt.org\"",
	      "\0\5issueletsencrypt.org", 22, "0 issue \"letsencrypt.org\"");
	check(DNS_T_CAA, "128 iodef mailto:ca@example.com", NULL, 0,
	      "128 iodef \"mailto:ca@example.com\"");
	check(DNS_T_CAA, "0 issue \"\"", "\0\5issue", 7, "0 issue \"\"");
	check(DNS_T_CAA, "0 Tag9 \"a\\\"b;c\\010\"", "\0\4Tag9a\"b;c\n", 12,
	      "0 Tag9 \"a\\\"b;c\\010\"");
	refuse(DNS_T_CAA, "0 is-sue \"x\"", "bad CAA tag 'is-sue'");
	refuse(DNS_T_CAA, "0 \"issue\" \"x\"", "bad CAA tag");
	refuse(DNS_T_CAA, "256 issue \"x\"", "CAA flags '256' out of range");
	refuse(DNS_T_CAA, "0 issue", "missing CAA value");
	refuse(DNS_T_CAA, "0 issue \"x\" y", "unexpected 'y'");

	check(DNS_T_DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
	      "\xec\x45\5\1\x2b\xb1\x83\xaf\x5f\x22\x58\x81\x79\xa5\x3b\x0a"
	      "\x98\x63\x1f\xad\x1a\x29\x21\x18",
	      24, "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
	/* Hex in any case, split by blanks; written in lower case as
	 * PowerDNS writes it. */
	check(DNS_T_DS, "60485 5 1 2bb183af5f2258 8179a53b0a98631fad1a292118",
	      NULL, 0, "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
	refuse(DNS_T_DS, "60485 5 1", "missing DS digest");
	refuse(DNS_T_DS, "60485 5 1 ABC", "odd number of hex digits");
	refuse(DNS_T_DS, "60485 5 1 XY", "bad hex 'XY'");
	refuse(DNS_T_DS, "65536 5 1 AB", "DS key tag '65536' out of range");
	refuse(DNS_T_DS, "1 256 1 AB", "DS algorithm '256' out of range");
}

static void test_generic(void **state)
{
	(void)state;
	/* RFC 3597 §5 examples. */
	check(65280, "\\# 4 0A000001", "\12\0\0\1", 4, "\\# 4 0a000001");
	check(65280, "\\# 0", "", 0, "\\# 0");
	check(65280, "\\# 6 0a 00 00 01 ab cD", "\12\0\0\1\xab\xcd", 6,
	      "\\# 6 0a000001abcd");
	/* Known types accept it and print their own form. */
	check(DNS_T_A, "\\# 4 0A000001", "\12\0\0\1", 4, "10.0.0.1");
	check(DNS_T_MX, "\\# 5 000a 01 61 00", "\0\12\1a", 5, "10 a.");
	check(DNS_T_TXT, "\\# 3 02 6869", "\2hi", 3, "\"hi\"");
	check(DNS_T_CAA, "\\# 4 00017830", "\0\1x0", 4, "0 x \"0\"");
	/* Types without a text form here use it both ways; the others
	 * are written in their own form. */
	check(DNS_T_DNSKEY, "\\# 5 01000308ff", NULL, 0, "256 3 8 /w==");
	check(DNS_T_RRSIG, "\\# 1 ff", NULL, 0, "\\# 1 ff");

	refuse(65280, "\\# 4 0A0000", "length 4 but 3 bytes");
	refuse(65280, "\\# 2 0A0000", "length 2 but 3 bytes");
	refuse(65280, "\\# 1 0", "odd number of hex digits");
	refuse(65280, "\\# 1 0g", "bad hex");
	refuse(65280, "\\# 65536", "out of range");
	refuse(65280, "\\#", "missing length");
	refuse(65280, "\\# x", "bad length");
	refuse(65280, "0A000001", "no text form");
	refuse(DNS_T_DNSKEY, "\\# 4 01000308", "not valid DNSKEY rdata");
	/* ... and must fit the type. */
	refuse(DNS_T_A, "\\# 3 0A0000", "not valid A rdata");
	refuse(DNS_T_MX, "\\# 4 000a 01 61", "not valid MX rdata");
	refuse(DNS_T_MX, "\\# 4 000a c000", "not valid MX rdata");
	refuse(DNS_T_TXT, "\\# 0", "not valid TXT rdata");
	refuse(DNS_T_TXT, "\\# 2 0561", "not valid TXT rdata");
	refuse(DNS_T_CAA, "\\# 4 00012078", "not valid CAA rdata");
	refuse(DNS_T_DS, "\\# 4 00010101", "not valid DS rdata");
	refuse(DNS_T_SOA, "\\# 21 00 00 " "00000000000000000000000000000000000000",
	       "not valid SOA rdata");

	/* A generic-looking quoted string is just TXT. */
	check(DNS_T_TXT, "\"\\\\#\" 4", "\2\\#\0014", 5, "\"\\\\#\" \"4\"");
}

/* Names only (MB, MG, MR, ALIAS, RP, AFSDB). */
static void test_name_types(void **state)
{
	(void)state;
	check(DNS_T_MB, "mb", "\2mb\7example\3com", 16, "mb.example.com.");
	check(DNS_T_MG, "mg.example.org.", NULL, 0, "mg.example.org.");
	check(DNS_T_MR, "mr", NULL, 0, "mr.example.com.");
	check(DNS_T_ALIAS, "target.example.net.", NULL, 0,
	      "target.example.net.");
	check(DNS_T_RP, "admin.example.org. txt", NULL, 0,
	      "admin.example.org. txt.example.com.");
	/* RFC 1183 2.2 */
	check(DNS_T_AFSDB, "1 afs.", "\0\1\3afs", 7, "1 afs.");
	refuse(DNS_T_RP, "admin.example.org.", "missing RP txt name");
	refuse(DNS_T_AFSDB, "70000 afs.", "out of range");
	refuse(DNS_T_ALIAS, "a. b.", "unexpected 'b.'");
}

static void test_loc(void **state)
{
	(void)state;
	/* RFC 1876 appendix: the wire of 42 21 54 N 71 06 18 W -24m 30m */
	check(DNS_T_LOC, "42 21 54 N 71 06 18 W -24m 30m",
	      "\x00\x33\x16\x13\x89\x17\x2d\xd0\x70\xbe\x15\xf0\x00\x98\x8d\x20",
	      16, "42 21 54.000 N 71 6 18.000 W -24.00m 30.00m 10000.00m 10.00m");
	check(DNS_T_LOC,
	      "52 22 23.000 N 4 53 32.000 E -2.00m 1.00m 10000.00m 10.00m",
	      NULL, 0, "52 22 23.000 N 4 53 32.000 E -2.00m 1.00m 10000.00m 10.00m");
	check(DNS_T_LOC, "0 N 0 E 0", NULL, 0,
	      "0 0 0.000 N 0 0 0.000 E 0.00m 1.00m 10000.00m 10.00m");
	check(DNS_T_LOC, "90 S 180 W 100.5m 0m 2m 3m", NULL, 0,
	      "90 0 0.000 S 180 0 0.000 W 100.50m 0.00m 2.00m 3.00m");
	refuse(DNS_T_LOC, "91 N 0 E 0", "bad LOC coordinate");
	refuse(DNS_T_LOC, "1 60 N 0 E 0", "bad LOC coordinate");
	refuse(DNS_T_LOC, "1 N 181 E 0", "bad LOC coordinate");
	refuse(DNS_T_LOC, "1 N 1 E", "missing LOC altitude");
	refuse(DNS_T_LOC, "1 N 1 E 0 15m", "one digit");
	refuse(DNS_T_LOC, "1 N 1 E 0 1 1 1 1", "unexpected '1'");
	refuse(DNS_T_LOC, "\\# 16 01000000000000000000000000000000",
	       "not valid LOC");
}

static void test_hex_base64_types(void **state)
{
	(void)state;
	/* RFC 4255 3.3; hex written in lower case as PowerDNS does */
	check(DNS_T_SSHFP, "2 1 123456789ABCDEF67890123456789ABCDEF67890",
	      "\2\1\x12\x34\x56\x78\x9a\xbc\xde\xf6\x78\x90\x12\x34\x56\x78"
	      "\x9a\xbc\xde\xf6\x78\x90", 22,
	      "2 1 123456789abcdef67890123456789abcdef67890");
	check(DNS_T_TLSA, "3 1 1 ABCDEF0123", "\3\1\1\xab\xcd\xef\x01\x23", 8,
	      "3 1 1 abcdef0123");
	check(DNS_T_CDS, "0 0 0 00", "\0\0\0\0\0", 5, "0 0 0 00");
	refuse(DNS_T_SSHFP, "2 1", "missing SSHFP data");
	refuse(DNS_T_TLSA, "3 1 1 XYZ", "bad hex");
	/* RFC 4034 2.3 (key shortened) */
	check(DNS_T_DNSKEY, "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3 Cbl+BBZH4b/0PY1kxkmvHjcZc8no",
	      NULL, 0,
	      "256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8no");
	check(DNS_T_DNSKEY, "257 3 13 AQ==", "\1\1\3\15\1", 5, "257 3 13 AQ==");
	check(DNS_T_CDNSKEY, "0 3 0 AA==", "\0\0\3\0\0", 5, "0 3 0 AA==");
	check(DNS_T_OPENPGPKEY, "AAEC", "\0\1\2", 3, "AAEC");
	check(DNS_T_OPENPGPKEY, "AAE=", "\0\1", 2, "AAE=");
	refuse(DNS_T_DNSKEY, "256 3 8", "missing DNSKEY key");
	refuse(DNS_T_DNSKEY, "256 3 8 A*==", "bad base64");
	/* Padding may be left out; it is written back. */
	check(DNS_T_OPENPGPKEY, "AAE", "\0\1", 2, "AAE=");
	refuse(DNS_T_OPENPGPKEY, "AA=E", "bad base64");
}

static void test_misc_types(void **state)
{
	(void)state;
	/* RFC 7043 3.2 and 4.2 */
	check(DNS_T_EUI48, "00-00-5e-00-53-2a", "\0\0\x5e\0\x53\x2a", 6,
	      "00-00-5e-00-53-2a");
	check(DNS_T_EUI64, "00-00-5E-EF-10-00-00-2A",
	      "\0\0\x5e\xef\x10\0\0\x2a", 8, "00-00-5e-ef-10-00-00-2a");
	refuse(DNS_T_EUI48, "00:00:5e:00:53:2a", "bad EUI48");
	refuse(DNS_T_EUI64, "00-00-5e-00-53-2a", "bad EUI64");
	/* RFC 3403 6.2 */
	check(DNS_T_NAPTR,
	      "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:customer-service@example.com!\" _sip._udp.example.com.",
	      NULL, 0,
	      "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:customer-service@example.com!\" _sip._udp.example.com.");
	check(DNS_T_NAPTR, "10 20 \"\" \"\" \"\" .", "\0\12\0\24\0\0\0\0", 8,
	      "10 20 \"\" \"\" \"\" .");
	refuse(DNS_T_NAPTR, "10 20 \"u\" \"E2U+sip\" \"x\"",
	       "missing NAPTR replacement");
	/* RFC 7553 4.5 */
	check(DNS_T_URI, "10 1 \"ftp://ftp1.example.com/public\"",
	      "\0\12\0\1ftp://ftp1.example.com/public", 33,
	      "10 1 \"ftp://ftp1.example.com/public\"");
	refuse(DNS_T_URI, "10 1 \"\"", "bad URI target");
	check(DNS_T_HINFO, "PC Linux", NULL, 0, "\"PC\" \"Linux\"");
}

static void test_svcb(void **state)
{
	(void)state;
	/* RFC 9460 appendix D.1 and D.2 */
	check(DNS_T_SVCB, "0 foo.example.com.",
	      "\0\0\3foo\7example\3com", 19, "0 foo.example.com.");
	check(DNS_T_SVCB, "1 .", "\0\1", 3, "1 .");
	check(DNS_T_SVCB, "16 foo.example.com. port=53",
	      "\0\x10\3foo\7example\3com\0\0\3\0\2\0\x35", 25,
	      "16 foo.example.com. port=53");
	check(DNS_T_SVCB, "1 foo.example.com. key667=hello",
	      "\0\1\3foo\7example\3com\0\x02\x9b\0\5hello", 28,
	      "1 foo.example.com. key667=\"hello\"");
	check(DNS_T_SVCB, "1 foo.example.com. key667=\"hello\\210qoo\"",
	      "\0\1\3foo\7example\3com\0\x02\x9b\0\x09hello\xd2qoo", 32,
	      "1 foo.example.com. key667=\"hello\\210qoo\"");
	check(DNS_T_SVCB, "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
	      NULL, 0, "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1");
	check(DNS_T_SVCB,
	      "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1",
	      "\0\x10\3foo\7example\3org\0"
	      "\0\0\0\4\0\1\0\4"
	      "\0\1\0\x09\2h2\5h3-19"
	      "\0\4\0\4\xc0\0\2\1", 48,
	      "16 foo.example.org. mandatory=alpn,ipv4hint alpn=h2,h3-19 ipv4hint=192.0.2.1");
	check(DNS_T_HTTPS, "1 . alpn=h2 no-default-alpn ech=AAEC ipv6hint=2001:db8::1",
	      NULL, 0, "1 . alpn=h2 no-default-alpn ech=\"AAEC\" ipv6hint=2001:db8::1");
	check(DNS_T_HTTPS, "1 . key65000", "\0\1\0\xfd\xe8\0\0", 7,
	      "1 . key65000");
	refuse(DNS_T_SVCB, "1 . port=53 port=54", "given twice");
	refuse(DNS_T_SVCB, "1 . port", "needs a value");
	refuse(DNS_T_SVCB, "1 . bogus=1", "bad SVCB parameter 'bogus=1'");
	refuse(DNS_T_SVCB, "1 . port=70000", "out of range");
	refuse(DNS_T_SVCB, "1 . ipv4hint=1.2.3", "bad SVCB value");
	refuse(DNS_T_SVCB, "1 . key70000=a", "bad SVCB parameter");
	refuse(DNS_T_HTTPS, "\\# 8 0001 00 0003 0001 00", "not valid HTTPS");
}

/* RFC 3597 form for any type, and the mnemonic "TYPEnnn" form. */
static void test_generic_any(void **state)
{
	(void)state;
	uint16_t t;
	assert_int_equal(dns_type_parse("TYPE12345", &t), 0);
	assert_int_equal(t, 12345);
	check(t, "\\# 4 0a000001", "\12\0\0\1", 4, "\\# 4 0a000001");
	assert_int_equal(dns_type_parse("loc", &t), 0);
	assert_int_equal(t, DNS_T_LOC);
	check(DNS_T_EUI48, "\\# 6 00005e00532a", NULL, 0, "00-00-5e-00-53-2a");
	const char *names[] = {"LOC", "EUI48", "EUI64", "SVCB", "HTTPS",
			       "SSHFP", "TLSA", "NAPTR", "DS", "DNSKEY", "CDS",
			       "CDNSKEY", "OPENPGPKEY", "URI", "HINFO", "RP",
			       "AFSDB", "MB", "MG", "MR", "ALIAS"};
	char tb[16];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(dns_type_parse(names[i], &t), 0);
		assert_string_equal(dns_type_name(t, tb), names[i]);
	}
	assert_int_equal(dns_type_parse("ALIAS", &t), 0);
	assert_int_equal(t, 65401);
}

static void test_to_text_errors(void **state)
{
	(void)state;
	char small[8];

	/* Malformed wire for known types. */
	assert_int_equal(dns_rdata_to_text(DNS_T_A, (const uint8_t *)"\1\2\3", 3,
					   text, sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_NS, (const uint8_t *)"\3ab", 3,
					   text, sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_NS,
					   (const uint8_t *)"\1a\0\0", 4, text,
					   sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_NS,
					   (const uint8_t *)"\xc0\0", 2, text,
					   sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_TXT, (const uint8_t *)"\3ab",
					   3, text, sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_HINFO, (const uint8_t *)"\0",
					   1, text, sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_SOA, (const uint8_t *)"\0\0",
					   2, text, sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_SRV,
					   (const uint8_t *)"\0\0\0\0\0", 5,
					   text, sizeof(text)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_to_text(DNS_T_CAA,
					   (const uint8_t *)"\0\0x", 3, text,
					   sizeof(text)),
			 -EBADMSG);

	/* Too small a buffer, never written past. */
	memset(small, '#', sizeof(small));
	assert_int_equal(dns_rdata_to_text(DNS_T_A,
					   (const uint8_t *)"\xc0\0\2\1", 4,
					   small, 9 - 1),
			 -ENOSPC);
	char fit[10];
	assert_int_equal(dns_rdata_to_text(DNS_T_A,
					   (const uint8_t *)"\xc0\0\2\1", 4,
					   fit, 10),
			 9);
	assert_int_equal(dns_rdata_to_text(DNS_T_A,
					   (const uint8_t *)"\xc0\0\2\1", 4,
					   fit, 9),
			 -ENOSPC);
	assert_int_equal(dns_rdata_to_text(65280, (const uint8_t *)"\1", 1, fit,
					   0),
			 -ENOSPC);

	/* The longest text: 65535 bytes of \DDD in TXT strings. */
	uint8_t *big = malloc(DNS_RDATA_MAX);
	assert_non_null(big);
	memset(big, 1, DNS_RDATA_MAX);
	for (size_t i = 0; i < DNS_RDATA_MAX; i += 256)
		big[i] = 255;
	size_t last = (DNS_RDATA_MAX / 256) * 256;
	big[last] = (uint8_t)(DNS_RDATA_MAX - last - 1);
	int tl = dns_rdata_to_text(DNS_T_TXT, big, DNS_RDATA_MAX, text,
				   sizeof(text));
	assert_true(tl > 4 * 65000);
	size_t n;
	assert_int_equal(dns_rdata_from_text(DNS_T_TXT, text, (size_t)tl, NULL,
					     wire, sizeof(wire), &n, why),
			 0);
	assert_int_equal(n, DNS_RDATA_MAX);
	assert_memory_equal(wire, big, n);
	free(big);
}

/* A message: header, the name example.com. at 12, then @rd. */
static size_t message(uint8_t *m, const void *rd, size_t len)
{
	memset(m, 0, 12);
	memcpy(m + 12, "\7example\3com\0", 13);
	memcpy(m + 25, rd, len);
	return 25 + len;
}

static void unpack_ok(uint16_t type, const void *rd, size_t rdlen,
		      const void *want, size_t want_len)
{
	uint8_t m[600], out[600];
	size_t ml = message(m, rd, rdlen), n = 0;
	assert_int_equal(dns_rdata_unpack(type, m, ml, 25, (uint16_t)rdlen, out,
					  sizeof(out), &n),
			 0);
	assert_int_equal(n, want_len);
	assert_memory_equal(out, want, n);
	/* A message with bytes after the RDATA gives the same. */
	m[ml] = 0xc0;
	m[ml + 1] = 0x0c;
	assert_int_equal(dns_rdata_unpack(type, m, ml + 2, 25, (uint16_t)rdlen,
					  out, sizeof(out), &n),
			 0);
	assert_int_equal(n, want_len);
}

static void unpack_bad(uint16_t type, const void *rd, size_t rdlen,
		       size_t extra)
{
	uint8_t m[600], out[600];
	size_t n = 0;
	/* Zero bytes after the RDATA would complete a name read past it. */
	size_t ml = message(m, rd, rdlen);
	memset(m + ml, 0, extra);
	ml += extra;
	assert_int_equal(dns_rdata_unpack(type, m, ml, 25, (uint16_t)rdlen, out,
					  sizeof(out), &n),
			 -EBADMSG);
}

static void test_unpack(void **state)
{
	(void)state;
	/* Compressed names are expanded where RFC 3597 allows them. */
	unpack_ok(DNS_T_NS, "\3ns1\xc0\x0c", 6, "\3ns1\7example\3com", 17);
	unpack_ok(DNS_T_CNAME, "\xc0\x0c", 2, "\7example\3com", 13);
	unpack_ok(DNS_T_PTR, "\1x\0", 3, "\1x", 3);
	unpack_ok(DNS_T_MX, "\0\12\4mail\xc0\x0c", 9,
		  "\0\12\4mail\7example\3com", 20);
	/* SOA rname points into its own mname. */
	unpack_ok(DNS_T_SOA,
		  "\3ns1\xc0\x0c\xc0\x19" "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5",
		  28,
		  "\3ns1\7example\3com\0\3ns1\7example\3com\0"
		  "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5",
		  54);
	/* Others are copied and checked. */
	unpack_ok(DNS_T_A, "\1\2\3\4", 4, "\1\2\3\4", 4);
	unpack_ok(DNS_T_TXT, "\2hi\0", 4, "\2hi\0", 4);
	unpack_ok(DNS_T_SRV, "\0\1\0\2\0\3\1a\0", 9, "\0\1\0\2\0\3\1a\0", 9);
	unpack_ok(65280, "\xc0\x0c", 2, "\xc0\x0c", 2);
	unpack_ok(65280, "", 0, "", 0);

	/* Wrong sizes for fixed-size types. */
	unpack_bad(DNS_T_A, "\1\2\3", 3, 1);
	unpack_bad(DNS_T_A, "\1\2\3\4\5", 5, 0);
	unpack_bad(DNS_T_AAAA, "\1\2\3\4", 4, 0);
	/* A name running past the RDATA, or bytes left after it. */
	unpack_bad(DNS_T_NS, "\3ns", 3, 3);
	unpack_bad(DNS_T_NS, "\3ns1\xc0", 5, 1);
	unpack_bad(DNS_T_NS, "\xc0\x0c\0", 3, 0);
	unpack_bad(DNS_T_CNAME, "\1a\0\0", 4, 0);
	unpack_bad(DNS_T_MX, "\0", 1, 2);
	unpack_bad(DNS_T_MX, "\0\12\xc0\x0c\0", 5, 0);
	unpack_bad(DNS_T_SOA, "\xc0\x0c\xc0\x0c\0\0\0\1", 8, 20);
	unpack_bad(DNS_T_SOA,
		   "\xc0\x0c\xc0\x0c\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5\0",
		   25, 0);
	/* A forward pointer, and a pointer in SRV (never compressed). */
	unpack_bad(DNS_T_NS, "\xc0\x1b\0", 3, 0);
	unpack_bad(DNS_T_SRV, "\0\1\0\2\0\3\xc0\x0c", 8, 0);
	unpack_bad(DNS_T_TXT, "\3hi", 3, 1);
	unpack_bad(DNS_T_TXT, "", 0, 0);
	unpack_bad(DNS_T_HINFO, "\1a", 2, 0);
	unpack_bad(DNS_T_CAA, "\0\0", 2, 0);
	unpack_bad(DNS_T_DS, "\0\1\2\3", 4, 0);

	/* RDATA beyond the message, and @off beyond it. */
	uint8_t m[64], out[64];
	size_t ml = message(m, "\1\2\3\4", 4), n;
	assert_int_equal(dns_rdata_unpack(DNS_T_A, m, ml - 1, 25, 4, out,
					  sizeof(out), &n),
			 -EBADMSG);
	assert_int_equal(dns_rdata_unpack(65280, m, ml, 40, 0, out, sizeof(out),
					  &n),
			 -EBADMSG);
	assert_int_equal(dns_rdata_unpack(65280, m, ml, ml, 0, out, sizeof(out),
					  &n),
			 0);
	assert_int_equal(n, 0);
	/* Too small an output buffer. */
	ml = message(m, "\3ns1\xc0\x0c", 6);
	assert_int_equal(dns_rdata_unpack(DNS_T_NS, m, ml, 25, 6, out, 16, &n),
			 -EMSGSIZE);
	assert_int_equal(dns_rdata_unpack(DNS_T_NS, m, ml, 25, 6, out, 17, &n),
			 0);
	assert_int_equal(dns_rdata_unpack(DNS_T_A, m, ml, 25, 4, out, 3, &n),
			 -EMSGSIZE);
}

static void test_target(void **state)
{
	(void)state;
	assert_int_equal(dns_rdata_target(DNS_T_NS, (const uint8_t *)"\1a\0", 3),
			 0);
	assert_int_equal(
		dns_rdata_target(DNS_T_MX, (const uint8_t *)"\0\1\1a\0", 5), 2);
	assert_int_equal(dns_rdata_target(DNS_T_SRV,
					  (const uint8_t *)"\0\1\0\2\0\3\1a\0",
					  9),
			 6);
	assert_int_equal(dns_rdata_target(DNS_T_MX, (const uint8_t *)"\0\1\1a",
					  4),
			 -1);
	assert_int_equal(dns_rdata_target(DNS_T_SRV, (const uint8_t *)"\0", 1),
			 -1);
	assert_int_equal(dns_rdata_target(DNS_T_CNAME,
					  (const uint8_t *)"\1a\0", 3),
			 -1);
	assert_int_equal(dns_rdata_target(DNS_T_A, (const uint8_t *)"\1\2\3\4",
					  4),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_aaaa),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_soa),
		cmocka_unit_test(test_mx_srv),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_hinfo_caa_ds),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_name_types),
		cmocka_unit_test(test_loc),
		cmocka_unit_test(test_hex_base64_types),
		cmocka_unit_test(test_misc_types),
		cmocka_unit_test(test_svcb),
		cmocka_unit_test(test_generic_any),
		cmocka_unit_test(test_to_text_errors),
		cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_target),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
