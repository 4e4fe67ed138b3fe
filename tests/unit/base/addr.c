/* SPDX-License-Identifier: MIT */
/* Unit tests of the base layer: addresses, buffers, arena, errors, log levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"

/* ---- addr.h ---- */

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

/* ---- buf.h ---- */

static void test_buf_growth(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	assert_int_equal(buf_puts(&b, "hello"), 0);
	assert_int_equal(buf_append(&b, ", ", 2), 0);
	assert_int_equal(buf_printf(&b, "%s %d", "world", 42), 0);
	assert_string_equal(b.data, "hello, world 42");
	assert_int_equal(b.len, strlen("hello, world 42"));

	/* Many appends grow the buffer; content stays intact. */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%04d", i), 0);
	assert_int_equal(b.len, 15 + 4000);
	assert_true(b.cap > b.len);
	assert_memory_equal(b.data + 15, "000000010002", 12);
	assert_string_equal(b.data + b.len - 4, "0999");

	/* A printf longer than any internal scratch buffer. */
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	size_t before = b.len;
	assert_int_equal(buf_printf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, before + 3001);
	assert_int_equal(b.data[before], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(strlen(b.data), b.len);

	/* Empty appends keep the string terminated. */
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.err, 0);
	buf_deinit(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	buf_deinit(&b);
}

static void test_buf_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "0123456789"), 0); /* exactly max */
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_puts(&b, "a"), -EMSGSIZE);
	assert_int_equal(b.err, -EMSGSIZE);
	/* Sticky: even an append that would fit now fails. */
	assert_int_equal(buf_append(&b, "", 0), -EMSGSIZE);
	assert_int_equal(buf_printf(&b, "%s", ""), -EMSGSIZE);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	buf_deinit(&b);

	buf_init(&b, 5);
	assert_int_equal(buf_printf(&b, "%d", 123456), -EMSGSIZE);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_puts(&b, "x"), -EMSGSIZE);
	buf_deinit(&b);

	/* A long printf over the cap. */
	char big[600];
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 500);
	assert_int_equal(buf_printf(&b, "%s", big), -EMSGSIZE);
	assert_int_equal(b.err, -EMSGSIZE);
	assert_int_equal(b.len, 0);
	buf_deinit(&b);
}

static void test_buf_steal(void **state)
{
	(void)state;
	struct buf b;
	size_t len = 99;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "stolen"), 0);
	char *p = buf_steal(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "stolen");
	assert_int_equal(len, 6);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 100);
	/* The buffer is usable again. */
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	buf_deinit(&b);
	free(p);

	/* Stealing an empty buffer gives NULL and length 0. */
	buf_init(&b, 0);
	p = buf_steal(&b, &len);
	assert_null(p);
	assert_int_equal(len, 0);
	p = buf_steal(&b, NULL);
	assert_null(p);
}

static void test_mem_const_eq(void **state)
{
	(void)state;
	assert_true(mem_const_eq("secret", 6, "secret", 6));
	assert_false(mem_const_eq("secreT", 6, "secret", 6));
	assert_false(mem_const_eq("Secret", 6, "secret", 6));
	assert_false(mem_const_eq("secre", 5, "secret", 6));
	assert_false(mem_const_eq("secret!", 7, "secret", 6));
	assert_false(mem_const_eq("", 0, "secret", 6));
	assert_false(mem_const_eq("secret", 6, "", 0));
	assert_true(mem_const_eq("", 0, "", 0));
	/* Bytes past the NUL count. */
	assert_false(mem_const_eq("ab\0c", 4, "ab\0d", 4));
	assert_true(mem_const_eq("ab\0c", 4, "ab\0c", 4));
	/* A prefix padded with zeros must still differ. */
	assert_false(mem_const_eq("ab", 2, "ab\0", 3));
	assert_false(mem_const_eq("ab\0", 3, "ab", 2));
}

/* ---- arena.h ---- */

static void test_arena_alloc(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_int_equal(a.total, 0);

	for (size_t size = 1; size < 100; size += 7) {
		unsigned char *p = arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xab, size);
	}
	void *z = arena_alloc(&a, 0);
	assert_non_null(z);
	assert_int_equal((uintptr_t)z % alignof(max_align_t), 0);

	/* Many allocations across many chunks stay distinct and intact. */
	enum { N = 5000 };
	uint32_t **ptrs = calloc(N, sizeof(*ptrs));
	assert_non_null(ptrs);
	for (uint32_t i = 0; i < N; i++) {
		ptrs[i] = arena_alloc(&a, sizeof(uint32_t) * 3);
		assert_non_null(ptrs[i]);
		assert_int_equal(ptrs[i][0], 0);
		assert_int_equal(ptrs[i][2], 0);
		ptrs[i][0] = i;
		ptrs[i][1] = ~i;
		ptrs[i][2] = i * 7;
	}
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(ptrs[i][0], i);
		assert_int_equal(ptrs[i][1], ~i);
		assert_int_equal(ptrs[i][2], i * 7);
	}
	free(ptrs);
	assert_true(a.total >= (size_t)N * 12);

	/* Larger than a chunk. */
	size_t big = 3 * 4096 + 5;
	unsigned char *p = arena_alloc(&a, big);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
	for (size_t i = 0; i < big; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0x5a, big);
	/* And allocation continues normally after it. */
	unsigned char *q = arena_alloc(&a, 16);
	assert_non_null(q);
	assert_int_equal(q[0], 0);
	assert_true(q + 16 <= p || q >= p + big);

	/* Absurd sizes fail cleanly. */
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 8));

	arena_deinit(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	/* Reusable after deinit. */
	assert_non_null(arena_alloc(&a, 10));
	arena_deinit(&a);
	arena_deinit(NULL);
}

static void test_arena_strings(void **state)
{
	(void)state;
	struct arena a = {0};
	const char *src = "hello world";
	char *s = arena_strdup(&a, src);
	assert_non_null(s);
	assert_ptr_not_equal(s, src);
	assert_string_equal(s, "hello world");
	char *t = arena_strndup(&a, src, 5);
	assert_string_equal(t, "hello");
	char *e = arena_strdup(&a, "");
	assert_string_equal(e, "");
	char *z = arena_strndup(&a, "abc", 0);
	assert_string_equal(z, "");
	/* strndup copies exactly n bytes, even past a NUL-free region. */
	const char raw[4] = {'w', 'x', 'y', 'z'};
	char *r = arena_strndup(&a, raw, 4);
	assert_string_equal(r, "wxyz");
	/* A long string. */
	char longs[10000];
	memset(longs, 'q', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	char *l = arena_strdup(&a, longs);
	assert_string_equal(l, longs);
	assert_string_equal(s, "hello world"); /* earlier copies intact */
	arena_deinit(&a);
}

/* ---- err.h and log.h ---- */

static void test_strerror(void **state)
{
	(void)state;
	static const int codes[] = {
		HEARTH_ECONFIG, HEARTH_ESTORE, HEARTH_EHTTP, HEARTH_ECURL,
		HEARTH_EJSON, HEARTH_ESCHEMA, HEARTH_ETIMEDOUT,
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *t = hearth_strerror(codes[i]);
		assert_non_null(t);
		assert_true(strlen(t) > 0);
		assert_string_not_equal(t, "unknown error");
		/* Each code has its own text. */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(t, hearth_strerror(codes[j]));
	}
	assert_string_equal(hearth_strerror(HEARTH_ECONFIG),
			    "invalid configuration");
	assert_string_equal(hearth_strerror(HEARTH_ETIMEDOUT),
			    "request timed out");
	assert_string_equal(hearth_strerror(-ENOENT), strerror(ENOENT));
	assert_string_equal(hearth_strerror(-ECONNREFUSED),
			    strerror(ECONNREFUSED));
	assert_string_equal(hearth_strerror(0), "success");
	assert_non_null(hearth_strerror(-999999));
	assert_non_null(hearth_strerror(12345));
	assert_non_null(hearth_strerror(-1007));
}

static void test_log_level(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum log_level level;
	} levels[] = {
		{"error", LOG_ERROR},
		{"warn", LOG_WARN},
		{"info", LOG_INFO},
		{"debug", LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		enum log_level l = (enum log_level)99;
		assert_int_equal(log_level_parse(levels[i].name, &l), 0);
		assert_int_equal(l, levels[i].level);
		assert_string_equal(log_level_name(levels[i].level),
				    levels[i].name);
	}
	static const char *const bad[] = {"", "INFO", "warning", "inf",
					  "debug ", "trace"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum log_level l = LOG_WARN;
		assert_int_equal(log_level_parse(bad[i], &l), -EINVAL);
		assert_int_equal(l, LOG_WARN); /* untouched on failure */
	}
	assert_string_equal(log_level_name((enum log_level)17), "?");

	enum log_level saved = log_threshold;
	log_set_level(LOG_DEBUG);
	assert_int_equal(log_threshold, LOG_DEBUG);
	log_set_level(saved);
	assert_int_equal(log_threshold, saved);
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
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_steal),
		cmocka_unit_test(test_mem_const_eq),
		cmocka_unit_test(test_arena_alloc),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_log_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
