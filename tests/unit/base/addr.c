/* SPDX-License-Identifier: MIT */
/* Unit tests of base/addr: IP addresses, socket addresses, prefixes, MAC addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "base/addr.h"

static void test_ipaddr_parse(void **state)
{
	(void)state;
	struct ipaddr a;
	char text[ADDR_TEXT_MAX];

	assert_int_equal(ipaddr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.u.bytes[0], 192);
	assert_int_equal(a.u.bytes[3], 1);
	ipaddr_format(&a, text);
	assert_string_equal(text, "192.0.2.1");

	assert_int_equal(ipaddr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.u.bytes[0], 0x20);
	assert_int_equal(a.u.bytes[1], 0x01);
	assert_int_equal(a.u.bytes[15], 1);
	ipaddr_format(&a, text);
	assert_string_equal(text, "2001:db8::1");

	/* Formatting normalises IPv6 text. */
	assert_int_equal(ipaddr_parse("2001:0DB8:0:0:0:0:0:0001", &a), 0);
	ipaddr_format(&a, text);
	assert_string_equal(text, "2001:db8::1");

	static const char *const bad[] = {
		"", "garbage", "192.0.2", "192.0.2.256", "192.0.2.1 ",
		" 192.0.2.1", "1.2.3.4.5", "::1::2", "192.0.2.1/24",
		"[::1]", "fe80::1%eth0", "0x7f.0.0.1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.family = 12345;
		assert_int_equal(ipaddr_parse(bad[i], &a), -EINVAL);
	}

	/* An unset address formats as "?". */
	memset(&a, 0, sizeof(a));
	ipaddr_format(&a, text);
	assert_string_equal(text, "?");
}

static void test_sockaddr_parse(void **state)
{
	(void)state;
	struct sockaddr_any sa;
	char text[ADDR_TEXT_MAX];

	assert_int_equal(sockaddr_parse("127.0.0.1:53", 0, &sa), 0);
	assert_int_equal(sa.u.sa.sa_family, AF_INET);
	assert_int_equal(sa.len, sizeof(struct sockaddr_in));
	assert_int_equal(sockaddr_port(&sa), 53);
	assert_int_equal(ntohl(sa.u.in.sin_addr.s_addr), 0x7f000001);
	sockaddr_format(&sa, text);
	assert_string_equal(text, "127.0.0.1:53");

	assert_int_equal(sockaddr_parse("[::1]:8080", 0, &sa), 0);
	assert_int_equal(sa.u.sa.sa_family, AF_INET6);
	assert_int_equal(sa.len, sizeof(struct sockaddr_in6));
	assert_int_equal(sockaddr_port(&sa), 8080);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sa.u.in6.sin6_addr));
	sockaddr_format(&sa, text);
	assert_string_equal(text, "[::1]:8080");

	/* Ports at the edges. */
	assert_int_equal(sockaddr_parse("10.0.0.1:1", 0, &sa), 0);
	assert_int_equal(sockaddr_port(&sa), 1);
	assert_int_equal(sockaddr_parse("10.0.0.1:65535", 0, &sa), 0);
	assert_int_equal(sockaddr_port(&sa), 65535);

	/* Bare addresses take the default port, or are refused without one. */
	assert_int_equal(sockaddr_parse("192.0.2.7", 8053, &sa), 0);
	assert_int_equal(sockaddr_port(&sa), 8053);
	sockaddr_format(&sa, text);
	assert_string_equal(text, "192.0.2.7:8053");
	assert_int_equal(sockaddr_parse("192.0.2.7", 0, &sa), -EINVAL);
	assert_int_equal(sockaddr_parse("[2001:db8::2]", 443, &sa), 0);
	assert_int_equal(sa.u.sa.sa_family, AF_INET6);
	assert_int_equal(sockaddr_port(&sa), 443);
	assert_int_equal(sockaddr_parse("[2001:db8::2]", 0, &sa), -EINVAL);
	assert_int_equal(sockaddr_parse("2001:db8::2", 443, &sa), 0);
	assert_int_equal(sa.u.sa.sa_family, AF_INET6);
	assert_int_equal(sockaddr_port(&sa), 443);
	assert_int_equal(sockaddr_parse("2001:db8::2", 0, &sa), -EINVAL);

	static const char *const bad[] = {
		"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "127.0.0.1:",
		"127.0.0.1:-1", "127.0.0.1:99999", "127.0.0.1:123456",
		"127.0.0.1:80x", "[::1:8080", "[::1", "::1]:8080",
		"[::1]8080", "[::1]:", "[::1]:0", "[::1]:65536",
		"[127.0.0.1:53", ":53", "", "[]:53", "host.example:53",
		"256.0.0.1:53",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sockaddr_parse(bad[i], 0, &sa) != -EINVAL)
			fail_msg("sockaddr_parse(\"%s\", 0) accepted", bad[i]);
		if (sockaddr_parse(bad[i], 80, &sa) != -EINVAL)
			fail_msg("sockaddr_parse(\"%s\", 80) accepted", bad[i]);
	}

	/* An unset address formats as "?" and has no port. */
	memset(&sa, 0, sizeof(sa));
	sockaddr_format(&sa, text);
	assert_string_equal(text, "?");
	assert_int_equal(sockaddr_port(&sa), 0);
}

static void test_ipprefix_parse(void **state)
{
	(void)state;
	struct ipprefix p;
	char text[ADDR_TEXT_MAX];

	assert_int_equal(ipprefix_parse("192.168.30.0/24", &p), 0);
	assert_int_equal(p.addr.family, AF_INET);
	assert_int_equal(p.len, 24);
	ipprefix_format(&p, text);
	assert_string_equal(text, "192.168.30.0/24");

	assert_int_equal(ipprefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(ipprefix_parse("10.1.2.3/32", &p), 0);
	assert_int_equal(p.len, 32);
	ipprefix_format(&p, text);
	assert_string_equal(text, "10.1.2.3/32");

	assert_int_equal(ipprefix_parse("2001:db8::/32", &p), 0);
	assert_int_equal(p.addr.family, AF_INET6);
	assert_int_equal(p.len, 32);
	ipprefix_format(&p, text);
	assert_string_equal(text, "2001:db8::/32");
	assert_int_equal(ipprefix_parse("::1/128", &p), 0);
	assert_int_equal(p.len, 128);

	static const char *const bad[] = {
		"192.168.30.1/24", /* host bits set */
		"192.168.30.128/24", "11.0.0.0/7", "2001:db8::1/64",
		"10.0.0.0/33",	   /* too long for IPv4 */
		"2001:db8::/129", "10.0.0.0", "10.0.0.0/", "10.0.0.0/x",
		"10.0.0.0/-1", "10.0.0.0/1000", "10.0.0.0/24/24", "/24",
		"garbage/24", "10.0.0.0/ 24", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ipprefix_parse(bad[i], &p) != -EINVAL)
			fail_msg("ipprefix_parse(\"%s\") accepted", bad[i]);
}

static void test_macaddr_parse(void **state)
{
	(void)state;
	struct macaddr m, m2;
	char text[ADDR_TEXT_MAX];
	static const uint8_t want[6] = {0xca, 0xfe, 0xc0, 0xff, 0xee, 0x08};

	assert_int_equal(macaddr_parse("ca:fe:c0:ff:ee:08", &m), 0);
	assert_memory_equal(m.b, want, 6);
	macaddr_format(&m, text);
	assert_string_equal(text, "ca:fe:c0:ff:ee:08");

	assert_int_equal(macaddr_parse("CA-FE-C0-FF-EE-08", &m2), 0);
	assert_memory_equal(m2.b, want, 6);
	assert_int_equal(macaddr_parse("Ca:fE:c0:Ff:eE:08", &m2), 0);
	assert_memory_equal(m2.b, want, 6);

	/* Round trip through the formatter. */
	assert_int_equal(macaddr_parse(text, &m2), 0);
	assert_memory_equal(m.b, m2.b, 6);

	static const char *const bad[] = {
		"ca:fe:c0:ff:ee", "ca:fe:c0:ff:ee:08:01", "ca:fe:c0:ff:ee:8",
		"ca:fe:c0:ff:ee:080", "cafe.c0ff.ee08", "cafec0ffee08",
		"ca:fe-c0:ff:ee:08", /* mixed separators */
		"ca.fe.c0.ff.ee.08", "ca:fe:c0:ff:ee:g8", "", "ca:fe:c0:ff:ee:08 ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (macaddr_parse(bad[i], &m) != -EINVAL)
			fail_msg("macaddr_parse(\"%s\") accepted", bad[i]);
}

static void test_prefix_contains_and_equal(void **state)
{
	(void)state;
	struct ipprefix p, p6, all;
	struct ipaddr a, b;

	assert_int_equal(ipprefix_parse("192.168.30.0/24", &p), 0);
	assert_int_equal(ipprefix_parse("2001:db8:30::/48", &p6), 0);
	assert_int_equal(ipprefix_parse("0.0.0.0/0", &all), 0);

	assert_int_equal(ipaddr_parse("192.168.30.0", &a), 0);
	assert_true(ipprefix_contains(&p, &a));
	assert_int_equal(ipaddr_parse("192.168.30.255", &a), 0);
	assert_true(ipprefix_contains(&p, &a));
	assert_true(ipprefix_contains(&all, &a));
	assert_false(ipprefix_contains(&p6, &a));
	assert_int_equal(ipaddr_parse("192.168.31.1", &a), 0);
	assert_false(ipprefix_contains(&p, &a));
	assert_int_equal(ipaddr_parse("192.168.29.255", &a), 0);
	assert_false(ipprefix_contains(&p, &a));

	assert_int_equal(ipaddr_parse("2001:db8:30:ffff::1", &a), 0);
	assert_true(ipprefix_contains(&p6, &a));
	assert_false(ipprefix_contains(&p, &a));
	assert_false(ipprefix_contains(&all, &a)); /* families differ */
	assert_int_equal(ipaddr_parse("2001:db8:31::1", &a), 0);
	assert_false(ipprefix_contains(&p6, &a));

	/* A /25 boundary inside a byte. */
	assert_int_equal(ipprefix_parse("10.0.0.128/25", &p), 0);
	assert_int_equal(ipaddr_parse("10.0.0.200", &a), 0);
	assert_true(ipprefix_contains(&p, &a));
	assert_int_equal(ipaddr_parse("10.0.0.127", &a), 0);
	assert_false(ipprefix_contains(&p, &a));

	assert_int_equal(ipaddr_parse("10.0.0.1", &a), 0);
	assert_int_equal(ipaddr_parse("10.0.0.1", &b), 0);
	assert_true(ipaddr_equal(&a, &b));
	assert_int_equal(ipaddr_parse("10.0.0.2", &b), 0);
	assert_false(ipaddr_equal(&a, &b));
	assert_int_equal(ipaddr_parse("::ffff:10.0.0.1", &b), 0);
	assert_false(ipaddr_equal(&a, &b)); /* different family */
	assert_int_equal(ipaddr_parse("2001:db8::1", &a), 0);
	assert_int_equal(ipaddr_parse("2001:db8:0::1", &b), 0);
	assert_true(ipaddr_equal(&a, &b));
	assert_int_equal(ipaddr_parse("2001:db8::2", &b), 0);
	assert_false(ipaddr_equal(&a, &b));
}

/* parse(format(x)) == x for every kind of address. */
static void test_format_round_trip(void **state)
{
	(void)state;
	char text[ADDR_TEXT_MAX];
	static const char *const ips[] = {"0.0.0.0", "255.255.255.255",
					  "10.1.2.3", "::", "::1", "fe80::1:2",
					  "2001:db8:0:1::ff", "::ffff:1.2.3.4"};
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		struct ipaddr a, b;
		assert_int_equal(ipaddr_parse(ips[i], &a), 0);
		ipaddr_format(&a, text);
		assert_string_equal(text, ips[i]);
		assert_int_equal(ipaddr_parse(text, &b), 0);
		assert_true(ipaddr_equal(&a, &b));
	}
	static const char *const sas[] = {"127.0.0.1:53", "0.0.0.0:65535",
					  "[::1]:8080", "[2001:db8::7]:1",
					  "[::ffff:10.0.0.1]:443"};
	for (size_t i = 0; i < sizeof(sas) / sizeof(sas[0]); i++) {
		struct sockaddr_any a, b;
		assert_int_equal(sockaddr_parse(sas[i], 0, &a), 0);
		sockaddr_format(&a, text);
		assert_string_equal(text, sas[i]);
		assert_int_equal(sockaddr_parse(text, 0, &b), 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(&a.u, &b.u, a.len);
	}
	static const char *const pfx[] = {"0.0.0.0/0", "10.0.0.0/8",
					  "192.168.30.0/24", "10.0.0.128/25",
					  "::/0", "2001:db8::/32", "::1/128"};
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		struct ipprefix a, b;
		assert_int_equal(ipprefix_parse(pfx[i], &a), 0);
		ipprefix_format(&a, text);
		assert_string_equal(text, pfx[i]);
		assert_int_equal(ipprefix_parse(text, &b), 0);
		assert_int_equal(a.len, b.len);
		assert_true(ipaddr_equal(&a.addr, &b.addr));
	}
	static const char *const macs[] = {"00:00:00:00:00:00",
					   "ff:ff:ff:ff:ff:ff",
					   "01:23:45:67:89:ab"};
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		struct macaddr a, b;
		assert_int_equal(macaddr_parse(macs[i], &a), 0);
		macaddr_format(&a, text);
		assert_string_equal(text, macs[i]);
		assert_int_equal(macaddr_parse(text, &b), 0);
		assert_memory_equal(a.b, b.b, 6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipaddr_parse),
		cmocka_unit_test(test_sockaddr_parse),
		cmocka_unit_test(test_ipprefix_parse),
		cmocka_unit_test(test_macaddr_parse),
		cmocka_unit_test(test_prefix_contains_and_equal),
		cmocka_unit_test(test_format_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
