/* SPDX-License-Identifier: MIT */
/* Unit tests of the authoritative answer builder: its wire output for each kind of answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helpers.h"
#include "proto/dns/answer.h"

static const char zone_text[] =
	"$TTL 3600\n"
	"@ SOA ns1 host 1 3600 600 86400 300\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"ns1 AAAA 2001:db8::1\n"
	"www A 192.0.2.2\n"
	"www A 192.0.2.3\n"
	"mail MX 10 www\n"
	"alias CNAME alias2\n"
	"alias2 CNAME www\n"
	"out CNAME www.example.net.\n"
	"loop1 CNAME loop2\n"
	"loop2 CNAME loop1\n"
	"*.wild A 192.0.2.9\n"
	"*.wild TXT \"wild\"\n"
	"a.b.deep A 192.0.2.5\n"
	"sub NS ns.sub\n"
	"sub NS ns.other.example.\n"
	"ns.sub A 192.0.2.4\n"
	"multi A 192.0.2.10\n"
	"multi TXT \"t\"\n"
	"multi MX 5 www\n";

static struct dns_zone *zone;
static struct dns_zone *zones[1];
static struct dns_zoneset zs;
static const struct dns_answer_opts opts = {
	.version = "hearth-test", .id = "ns-test", .udp_payload = 1232,
};

static int setup(void **state)
{
	(void)state;
	/* The TC test's RRset: 30 strings of 60 bytes, > 1232 bytes. */
	static char text[sizeof(zone_text) + 4096];
	size_t n = (size_t)snprintf(text, sizeof(text), "%sbig TXT", zone_text);
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      " \"%02d%058d\"", i, 0);
	snprintf(text + n, sizeof(text) - n, "\n");
	zone = tzone("example.com.", text);
	zones[0] = zone;
	zs.zones = zones;
	zs.n = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_zone_free(zone);
	return 0;
}

/* Asks @name/@type (class IN) with an OPT of @payload (0: none) over
 * UDP or TCP and decodes the answer into @m. Returns the length. */
static size_t ask(const char *name, uint16_t type, int payload, bool tcp,
		  struct tmsg *m, struct dns_answer_info *info)
{
	uint8_t q[512], out[DNS_MSG_MAX];
	size_t ql = tquery(q, name, type, DNS_C_IN, payload);
	size_t n = dns_answer(&zs, q, ql, out, sizeof(out), tcp, &opts, info);
	assert_true(n > 0);
	tdecode(out, n, m);
	assert_int_equal(m->id, 0x1234);
	assert_true(m->flags & DNS_F_QR);
	assert_true(m->flags & DNS_F_RD); /* copied */
	assert_false(m->flags & DNS_F_RA);
	return n;
}

static void test_exact_answer(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	ask("WWW.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_string_equal(m.qname, "WWW.example.com."); /* case kept */
	assert_int_equal(m.n[0], 2);
	assert_string_equal(m.rr[0][0], "WWW.example.com. 3600 A 192.0.2.2");
	assert_string_equal(m.rr[0][1], "WWW.example.com. 3600 A 192.0.2.3");
	assert_int_equal(m.n[1], 0);
	assert_int_equal(m.n[2], 0);
	assert_true(info.authoritative);
	assert_false(info.forwardable);
	assert_int_equal(info.rcode, DNS_R_NOERROR);

	/* MX: the target's addresses come along in the additional section. */
	ask("mail.example.com.", DNS_T_MX, 0, false, &m, &info);
	assert_int_equal(m.n[0], 1);
	assert_string_equal(m.rr[0][0],
			    "mail.example.com. 3600 MX 10 www.example.com.");
	assert_int_equal(m.n[2], 2);
	assert_string_equal(m.rr[2][0], "www.example.com. 3600 A 192.0.2.2");
	assert_string_equal(m.rr[2][1], "www.example.com. 3600 A 192.0.2.3");

	/* NS at the apex: A and AAAA of the server. */
	ask("example.com.", DNS_T_NS, 0, false, &m, &info);
	assert_int_equal(m.n[0], 1);
	assert_string_equal(m.rr[0][0], "example.com. 3600 NS ns1.example.com.");
	assert_int_equal(m.n[2], 2);
	assert_string_equal(m.rr[2][0], "ns1.example.com. 3600 A 192.0.2.1");
	assert_string_equal(m.rr[2][1], "ns1.example.com. 3600 AAAA 2001:db8::1");
}

static const char soa_line[] =
	"example.com. 300 SOA ns1.example.com. host.example.com. 1 3600 600 "
	"86400 300";

static void test_negative_answers(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	/* NXDOMAIN: the SOA in authority with TTL min(TTL, MINIMUM)
	 * (RFC 2308 §3), 300 here, not the record's 3600. */
	ask("nope.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NXDOMAIN);
	assert_int_equal(info.rcode, DNS_R_NXDOMAIN);
	assert_int_equal(m.n[0], 0);
	assert_int_equal(m.n[1], 1);
	assert_string_equal(m.rr[1][0], soa_line);
	/* Below an existing name too. */
	ask("x.www.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NXDOMAIN);

	/* NODATA: the name exists, the type does not. */
	ask("www.example.com.", DNS_T_TXT, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(m.n[0], 0);
	assert_int_equal(m.n[1], 1);
	assert_string_equal(m.rr[1][0], soa_line);
	/* An empty non-terminal exists: NODATA, not NXDOMAIN. */
	ask("b.deep.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 0);
	assert_string_equal(m.rr[1][0], soa_line);
}

static void test_cname_chains(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	ask("alias.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 4);
	assert_string_equal(m.rr[0][0],
			    "alias.example.com. 3600 CNAME alias2.example.com.");
	assert_string_equal(m.rr[0][1],
			    "alias2.example.com. 3600 CNAME www.example.com.");
	assert_string_equal(m.rr[0][2], "www.example.com. 3600 A 192.0.2.2");
	assert_string_equal(m.rr[0][3], "www.example.com. 3600 A 192.0.2.3");

	/* Asking for the CNAME itself gives just it. */
	ask("alias.example.com.", DNS_T_CNAME, 0, false, &m, &info);
	assert_int_equal(m.n[0], 1);

	/* A target outside the zone is left to the resolver. */
	ask("out.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 1);
	assert_string_equal(m.rr[0][0],
			    "out.example.com. 3600 CNAME www.example.net.");
	assert_int_equal(m.n[1], 0);

	/* A loop ends after a bounded number of hops. */
	ask("loop1.example.com.", DNS_T_A, 0, true, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_true(m.n[0] >= 2 && m.n[0] <= 10);
	assert_string_equal(m.rr[0][0],
			    "loop1.example.com. 3600 CNAME loop2.example.com.");
}

static void test_wildcards(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	/* Synthesised with the query name as owner (RFC 4592). */
	ask("x.wild.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(m.n[0], 1);
	assert_string_equal(m.rr[0][0], "x.wild.example.com. 3600 A 192.0.2.9");
	ask("y.x.wild.example.com.", DNS_T_TXT, 0, false, &m, &info);
	assert_int_equal(m.n[0], 1);
	assert_string_equal(m.rr[0][0],
			    "y.x.wild.example.com. 3600 TXT \"wild\"");
	/* The wildcard's type missing: NODATA. */
	ask("x.wild.example.com.", DNS_T_MX, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 0);
	assert_string_equal(m.rr[1][0], soa_line);
	/* The parent of "*" exists (empty non-terminal): no synthesis. */
	ask("wild.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 0);
	/* No wildcard at the closest encloser: NXDOMAIN. */
	ask("x.deep.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NXDOMAIN);
}

static void test_referrals_and_glue(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	ask("host.sub.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_false(m.flags & DNS_F_AA); /* a referral is not authoritative */
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 0);
	assert_int_equal(m.n[1], 2);
	assert_string_equal(m.rr[1][0],
			    "sub.example.com. 3600 NS ns.sub.example.com.");
	assert_string_equal(m.rr[1][1],
			    "sub.example.com. 3600 NS ns.other.example.");
	/* Glue only for the in-zone server. */
	assert_int_equal(m.n[2], 1);
	assert_string_equal(m.rr[2][0], "ns.sub.example.com. 3600 A 192.0.2.4");

	/* The cut itself refers too; glue is never an answer. */
	ask("sub.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_false(m.flags & DNS_F_AA);
	assert_int_equal(m.n[1], 2);
	ask("ns.sub.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_false(m.flags & DNS_F_AA);
	assert_int_equal(m.n[0], 0);
	assert_int_equal(m.n[1], 2);

	/* DS lives on the parent side: none here, authoritatively. */
	ask("sub.example.com.", DNS_T_DS, 0, false, &m, &info);
	assert_true(m.flags & DNS_F_AA);
	assert_int_equal(m.n[0], 0);
	assert_string_equal(m.rr[1][0], soa_line);
}

static void test_any_rfc8482(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	/* One RRset answers ANY. */
	ask("multi.example.com.", DNS_T_ANY, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 1);
	assert_string_equal(m.rr[0][0], "multi.example.com. 3600 A 192.0.2.10");
	/* The whole RRset, not one record of it. */
	ask("www.example.com.", DNS_T_ANY, 0, false, &m, &info);
	assert_int_equal(m.n[0], 2);
	assert_string_equal(m.rr[0][1], "www.example.com. 3600 A 192.0.2.3");
	/* The apex holds only SOA and NS: one of them. */
	ask("example.com.", DNS_T_ANY, 0, false, &m, &info);
	assert_int_equal(m.n[0], 1);
	assert_true(strstr(m.rr[0][0], " NS ") || strstr(m.rr[0][0], " SOA "));
	/* ANY for a missing name: NXDOMAIN as usual. */
	ask("none.example.com.", DNS_T_ANY, 0, false, &m, &info);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NXDOMAIN);
}

static void test_truncation(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	/* 512 bytes without EDNS: the RRset does not fit, so none of it is
	 * sent and TC is set. */
	size_t n = ask("big.example.com.", DNS_T_TXT, 0, false, &m, &info);
	assert_true(n <= 512);
	assert_true(m.flags & DNS_F_TC);
	assert_int_equal(m.n[0], 0);
	/* With EDNS 1232 it still does not fit (~1900 bytes). */
	n = ask("big.example.com.", DNS_T_TXT, 1232, false, &m, &info);
	assert_true(n <= 1232);
	assert_true(m.flags & DNS_F_TC);
	assert_int_equal(m.n[0], 0);
	assert_int_equal(m.n[2], 1); /* the OPT still fits */
	/* A client offering 4096 is held to our 1232. */
	n = ask("big.example.com.", DNS_T_TXT, 4096, false, &m, &info);
	assert_true(m.flags & DNS_F_TC);
	/* TCP: all of it. */
	n = ask("big.example.com.", DNS_T_TXT, 0, true, &m, &info);
	assert_false(m.flags & DNS_F_TC);
	assert_int_equal(m.n[0], 1);
	assert_true(n > 1232);
	/* Small answers fit in 512. */
	ask("www.example.com.", DNS_T_A, 0, false, &m, &info);
	assert_false(m.flags & DNS_F_TC);
}

static void test_edns(void **state)
{
	(void)state;
	struct tmsg m;
	struct dns_answer_info info;
	/* Our OPT, with our payload, goes last in additional. */
	ask("mail.example.com.", DNS_T_MX, 4096, false, &m, &info);
	assert_int_equal(m.n[2], 3);
	assert_string_equal(m.rr[2][2], "OPT payload=1232 rcode=0");
	/* Without EDNS in the query, none in the answer. */
	ask("mail.example.com.", DNS_T_MX, 0, false, &m, &info);
	assert_int_equal(m.n[2], 2);

	/* EDNS version 1: BADVERS (16), upper bits in the OPT. */
	uint8_t q[512], out[1024];
	size_t ql = tquery(q, "www.example.com.", DNS_T_A, DNS_C_IN, 1232);
	q[ql - 11 + 6] = 1; /* the OPT's version byte */
	size_t n = dns_answer(&zs, q, ql, out, sizeof(out), false, &opts, &info);
	tdecode(out, n, &m);
	assert_int_equal(info.rcode, DNS_R_BADVERS);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_BADVERS & 0xf);
	assert_int_equal(m.n[0], 0);
	assert_int_equal(m.n[2], 1);
	assert_string_equal(m.rr[2][0], "OPT payload=1232 rcode=1");

	/* Two OPT records: FORMERR. */
	ql = tquery(q, "www.example.com.", DNS_T_A, DNS_C_IN, 1232);
	memcpy(q + ql, q + ql - 11, 11);
	ql += 11;
	dns_put16(q + 10, 2);
	n = dns_answer(&zs, q, ql, out, sizeof(out), false, &opts, &info);
	tdecode(out, n, &m);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_FORMERR);
}

static void test_other_cases(void **state)
{
	(void)state;
	uint8_t q[512], out[1024];
	struct tmsg m;
	struct dns_answer_info info;
	/* No zone holds it: REFUSED, and a resolver's job when RD is set. */
	size_t ql = tquery(q, "www.example.net.", DNS_T_A, DNS_C_IN, 0);
	size_t n = dns_answer(&zs, q, ql, out, sizeof(out), false, &opts, &info);
	tdecode(out, n, &m);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_REFUSED);
	assert_true(info.forwardable);
	assert_false(info.authoritative);
	dns_put16(q + 2, 0); /* RD clear */
	dns_answer(&zs, q, ql, out, sizeof(out), false, &opts, &info);
	assert_false(info.forwardable);

	/* CHAOS version.bind from the options. */
	ql = tquery(q, "version.bind.", DNS_T_TXT, DNS_C_CH, 0);
	n = dns_answer(&zs, q, ql, out, sizeof(out), false, &opts, &info);
	tdecode(out, n, &m);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_NOERROR);
	assert_int_equal(m.n[0], 1);

	/* AXFR over this path is refused (tcp.c handles transfers). */
	ql = tquery(q, "example.com.", DNS_T_AXFR, DNS_C_IN, 0);
	n = dns_answer(&zs, q, ql, out, sizeof(out), true, &opts, &info);
	tdecode(out, n, &m);
	assert_int_equal(DNS_RCODE(m.flags), DNS_R_REFUSED);

	/* No question: FORMERR with the header only. */
	ql = tquery(q, "www.example.com.", DNS_T_A, DNS_C_IN, 0);
	dns_put16(q + 4, 0);
	n = dns_answer(&zs, q, ql, out, sizeof(out), false, &opts, &info);
	assert_int_equal(n, DNS_HEADER_LEN);
	assert_int_equal(DNS_RCODE(dns_get16(out + 2)), DNS_R_FORMERR);
	/* A response or a runt is dropped. */
	ql = tquery(q, "www.example.com.", DNS_T_A, DNS_C_IN, 0);
	dns_put16(q + 2, DNS_F_QR);
	assert_int_equal(dns_answer(&zs, q, ql, out, sizeof(out), false,
				    &opts, &info), 0);
	assert_int_equal(dns_answer(&zs, q, 5, out, sizeof(out), false, &opts,
				    &info), 0);
}

/* The parsed entry point writes exactly what the one that parses does. */
static void test_parsed_entry_point(void **state)
{
	(void)state;
	const char *names[] = {"www.example.com.", "alias.example.com.",
			       "nope.example.com.", "host.sub.example.com.",
			       "x.wild.example.com.", "www.example.net."};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t q[512], a[2048], b[2048];
		struct dns_answer_info ia, ib;
		struct dns_query pq;
		size_t ql = tquery(q, names[i], DNS_T_A, DNS_C_IN, 1232);
		size_t na = dns_answer(&zs, q, ql, a, sizeof(a), false, &opts,
				       &ia);
		int rc = dns_query_parse(q, ql, &pq);
		assert_int_equal(rc, 0);
		size_t nb = dns_answer_parsed(&zs, rc, &pq, q, ql, b,
					      sizeof(b), false, &opts, &ib);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na);
		assert_memory_equal(&ia, &ib, sizeof(ia));
	}
}

/* dns_answer_rrset_size is exact: an RRset whose answer is 65535 bytes
 * is served whole over TCP, one byte more gets only TC. */
static void test_rrset_size_limit(void **state)
{
	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		struct dns_name apex = tname("example.com."),
				owner = tname("t.example.com.");
		struct dns_zone_builder *b = dns_zone_builder_new(&apex);
		uint8_t rd[256];
		char why[128];
		memset(rd, 'x', sizeof(rd));
		dns_zone_builder_add(b, &apex, DNS_T_SOA, 60,
				     (const uint8_t *)"\0\0\0\0\0\1\0\0\0\1"
						      "\0\0\0\1\0\0\0\1\0\0\0\1",
				     22, why);
		size_t count = 0, bytes = 0;
		/* 244 records of 256 bytes, then one that ends the answer
		 * at 65535 bytes (+ @extra). */
		for (int i = 0; i < 245; i++) {
			size_t len = i < 244 ? 256 : 89 + (size_t)extra;
			rd[0] = (uint8_t)(len - 1);
			rd[1] = (uint8_t)i; /* distinct records */
			assert_int_equal(dns_zone_builder_add(b, &owner, DNS_T_TXT,
							      60, rd,
							      (uint16_t)len, why),
					 0);
			count++;
			bytes += len;
		}
		size_t want = dns_answer_rrset_size(owner.len, count, bytes);
		assert_int_equal(want, 65535 + (size_t)extra);
		struct dns_zone *z = NULL;
		assert_int_equal(dns_zone_build(b, &z, why), 0);
		struct dns_zoneset one = {.zones = &z, .n = 1};
		uint8_t q[512], out[DNS_MSG_MAX];
		size_t ql = tquery(q, "t.example.com.", DNS_T_TXT, DNS_C_IN, 1232);
		struct dns_answer_info info;
		size_t n = dns_answer(&one, q, ql, out, sizeof(out), true, &opts,
				      &info);
		/* The header only: too many records for tdecode. */
		assert_true(n >= DNS_HEADER_LEN);
		uint16_t flags = dns_get16(out + 2), an = dns_get16(out + 6);
		if (extra) {
			assert_true(flags & DNS_F_TC);
			assert_int_equal(an, 0);
		} else {
			assert_false(flags & DNS_F_TC);
			assert_int_equal(an, count);
			assert_int_equal(n, want);
		}
		dns_zone_free(z);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_answer),
		cmocka_unit_test(test_negative_answers),
		cmocka_unit_test(test_cname_chains),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_referrals_and_glue),
		cmocka_unit_test(test_any_rfc8482),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_rrset_size_limit),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_other_cases),
		cmocka_unit_test(test_parsed_entry_point),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
