/* SPDX-License-Identifier: MIT */
/* Unit tests of DNS names: text and wire forms, decompression, ordering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto/dns/name.h"

static struct dns_name name(const char *text)
{
	struct dns_name n;
	assert_int_equal(dns_name_from_text(text, strlen(text), NULL, &n), 0);
	return n;
}

static const char *text_of(const struct dns_name *n)
{
	static char buf[DNS_NAME_TEXT_MAX];
	assert_true(dns_name_to_text(n, buf, sizeof(buf)) > 0);
	return buf;
}

static void assert_wire(const struct dns_name *n, const char *wire, size_t len)
{
	assert_int_equal(n->len, len);
	assert_memory_equal(n->wire, wire, len);
}

static void test_from_text(void **state)
{
	(void)state;
	struct dns_name n, origin = name("example.com.");

	n = name("www.example.com.");
	assert_wire(&n, "\3www\7example\3com", 17);
	n = name(".");
	assert_wire(&n, "", 1);
	assert_int_equal(dns_name_labels(&n), 0);

	/* Relative names and "@" take the origin. */
	assert_int_equal(dns_name_from_text("www", 3, &origin, &n), 0);
	assert_string_equal(text_of(&n), "www.example.com.");
	assert_int_equal(dns_name_from_text("a.b", 3, &origin, &n), 0);
	assert_string_equal(text_of(&n), "a.b.example.com.");
	assert_int_equal(dns_name_from_text("@", 1, &origin, &n), 0);
	assert_true(dns_name_equal(&n, &origin));
	assert_int_equal(dns_name_from_text("x.", 2, &origin, &n), 0);
	assert_string_equal(text_of(&n), "x.");

	/* Without an origin, relative names and "@" are refused. */
	assert_int_equal(dns_name_from_text("www", 3, NULL, &n), -EINVAL);
	assert_int_equal(dns_name_from_text("@", 1, NULL, &n), -EINVAL);

	/* Case is kept. */
	n = name("WwW.Example.");
	assert_wire(&n, "\3WwW\7Example", 13);

	/* Only the given length is read. */
	assert_int_equal(dns_name_from_text("a.b.cdef", 4, NULL, &n), 0);
	assert_string_equal(text_of(&n), "a.b.");
}

static void test_from_text_escapes(void **state)
{
	(void)state;
	struct dns_name n;

	n = name("a\\.b.c.");
	assert_wire(&n, "\3a.b\1c", 7);
	assert_int_equal(dns_name_labels(&n), 2);
	n = name("\\065\\000\\255.");
	assert_wire(&n, "\3A\0\377", 5);
	n = name("a\\ b\\\\.");
	assert_wire(&n, "\4a b\\", 6);
	n = name("\\@.");
	assert_wire(&n, "\1@", 3);

	static const char *const bad[] = {
		"", "..", ".a.", "a..b.", "\\", "a\\", "\\25.", "\\2x5.",
		"\\256.", "a.\\",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			dns_name_from_text(bad[i], strlen(bad[i]), NULL, &n),
			-EINVAL);
}

static void test_limits(void **state)
{
	(void)state;
	struct dns_name n, origin;
	char buf[600];

	/* 63-byte label ok, 64 refused. */
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".");
	assert_int_equal(dns_name_from_text(buf, 64, NULL, &n), 0);
	assert_int_equal(n.len, 65);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".");
	assert_int_equal(dns_name_from_text(buf, 65, NULL, &n), -EINVAL);
	/* An escaped byte counts once. */
	buf[0] = '\0';
	for (int i = 0; i < 63; i++)
		strcat(buf, "\\046");
	strcat(buf, ".");
	assert_int_equal(dns_name_from_text(buf, strlen(buf), NULL, &n), 0);
	assert_int_equal(n.len, 65);

	/* 255 bytes of wire ok (127 one-byte labels), 256 refused. */
	buf[0] = '\0';
	for (int i = 0; i < 127; i++)
		strcat(buf, "a.");
	assert_int_equal(dns_name_from_text(buf, strlen(buf), NULL, &n), 0);
	assert_int_equal(n.len, 255);
	assert_int_equal(dns_name_labels(&n), 127);
	strcpy(buf, "bb.");
	for (int i = 0; i < 126; i++)
		strcat(buf, "a.");
	assert_int_equal(dns_name_from_text(buf, strlen(buf), NULL, &n),
			 -EINVAL);

	/* Four 63-byte labels: 4 * 64 + 1 = 257 wire bytes. */
	buf[0] = '\0';
	for (int i = 0; i < 4; i++) {
		memset(buf + strlen(buf), 'x', 63);
		buf[(i + 1) * 64 - 1] = '.';
		buf[(i + 1) * 64] = '\0';
	}
	assert_int_equal(dns_name_from_text(buf, strlen(buf), NULL, &n),
			 -EINVAL);

	/* A relative name that only overflows with the origin. */
	memset(buf, 'o', 63);
	buf[63] = '.';
	memset(buf + 64, 'p', 63);
	buf[127] = '.';
	memset(buf + 128, 'q', 63);
	strcpy(buf + 191, ".");
	assert_int_equal(dns_name_from_text(buf, strlen(buf), NULL, &origin),
			 0);
	assert_int_equal(origin.len, 193);
	memset(buf, 'r', 61);
	assert_int_equal(dns_name_from_text(buf, 61, &origin, &n), 0);
	assert_int_equal(n.len, 255);
	memset(buf, 'r', 62);
	assert_int_equal(dns_name_from_text(buf, 62, &origin, &n), -EINVAL);
}

static void test_to_text(void **state)
{
	(void)state;
	struct dns_name n;
	char buf[DNS_NAME_TEXT_MAX];

	dns_name_root(&n);
	assert_string_equal(text_of(&n), ".");

	memcpy(n.wire, "\5a.b c\3\"\\;\2()\2@$\1\0\1\377\0", 21);
	n.len = 21;
	assert_string_equal(text_of(&n),
			    "a\\.b\\032c.\\\"\\\\\\;.\\(\\).\\@\\$.\\000.\\255.");

	/* Every printed name parses back to the same bytes. */
	struct dns_name back;
	assert_int_equal(dns_name_from_text(buf, (size_t)dns_name_to_text(
						      &n, buf, sizeof(buf)),
					    NULL, &back),
			 0);
	assert_wire(&back, (const char *)n.wire, n.len);

	/* Too small a buffer. */
	n = name("www.example.");
	assert_int_equal(dns_name_to_text(&n, buf, 12), -ENOSPC);
	assert_int_equal(dns_name_to_text(&n, buf, 13), 12);
	assert_int_equal(dns_name_to_text(&n, buf, 1), -ENOSPC);

	/* The longest text fits DNS_NAME_TEXT_MAX. */
	n.len = 0;
	for (int i = 0; i < 4; i++) {
		unsigned l = i < 3 ? 63 : 61;
		n.wire[n.len++] = (uint8_t)l;
		memset(n.wire + n.len, 0xff, l);
		n.len = (uint8_t)(n.len + l);
	}
	n.wire[n.len++] = 0;
	assert_int_equal(n.len, 255);
	int l = dns_name_to_text(&n, buf, sizeof(buf));
	assert_int_equal(l, 250 * 4 + 4);
}

/* A message: 12-byte header, then the given bytes. */
static size_t msg(uint8_t *out, const void *body, size_t len)
{
	memset(out, 0, 12);
	memcpy(out + 12, body, len);
	return 12 + len;
}

static void test_unpack(void **state)
{
	(void)state;
	uint8_t m[600];
	struct dns_name n;
	size_t off, len;

	/* Plain. */
	len = msg(m, "\3www\7example\3com\0\xff", 18);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
	assert_int_equal(off, 29);
	assert_string_equal(text_of(&n), "www.example.com.");

	/* A pointer back to the first name; a pointer to a pointer. */
	len = msg(m, "\7example\3com\0" "\3www\xc0\x0c" "\4mail\xc0\x19", 26);
	off = 25;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
	assert_string_equal(text_of(&n), "www.example.com.");
	assert_int_equal(off, 31);
	assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
	assert_string_equal(text_of(&n), "mail.www.example.com.");
	assert_int_equal(off, 12 + 26);
	/* Only a pointer. */
	len = msg(m, "\7example\0\xc0\x0c", 11);
	off = 21;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
	assert_string_equal(text_of(&n), "example.");
	assert_int_equal(off, 23);

	/* Pointer to itself, forward, loops. */
	len = msg(m, "\xc0\x0c", 2);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	len = msg(m, "\xc0\x0e\0", 3);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	len = msg(m, "\1a\xc0\x10" "\1b\xc0\x0c", 8); /* 12 -> 16 -> 12 */
	off = 16;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	/* A pointer into the name it belongs to. */
	len = msg(m, "\1a\1b\xc0\x0e", 6);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);

	/* Truncation: in a label, before the root, in a pointer. */
	len = msg(m, "\3www\7exa", 8);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	len = msg(m, "\3www", 4);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	len = msg(m, "\0\3www\xc0", 6);
	off = 13;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	off = 100;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);

	/* Reserved label types 0x40 and 0x80. */
	len = msg(m, "\x41x\0", 3);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	len = msg(m, "\x81x\0", 3);
	off = 12;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);

	/* Longer than 255 once decompressed. */
	uint8_t body[600];
	size_t b = 0;
	for (int i = 0; i < 3; i++) {
		body[b++] = 63;
		memset(body + b, 'a', 63);
		b += 63;
	}
	body[b++] = 0; /* 193 bytes at 12 */
	body[b++] = 62;
	memset(body + b, 'b', 62);
	b += 62;
	body[b++] = 0xc0;
	body[b++] = 12;
	len = msg(m, body, b);
	off = 12 + 193;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), -EBADMSG);
	body[193] = 61; /* now exactly 255 */
	memmove(body + 194 + 61, body + 194 + 62, 2);
	len = msg(m, body, b - 1);
	off = 12 + 193;
	assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
	assert_int_equal(n.len, 255);
}

static void test_compare(void **state)
{
	(void)state;
	/* RFC 4034 §6.1, in canonical order. */
	static const char *const order[] = {
		"example.",	    "a.example.",	 "yljkjljk.a.example.",
		"Z.a.example.",	    "zABC.a.EXAMPLE.", "z.example.",
		"\\001.z.example.", "*.z.example.",	 "\\200.z.example.",
	};
	size_t k = sizeof(order) / sizeof(order[0]);
	for (size_t i = 0; i < k; i++) {
		struct dns_name a = name(order[i]);
		for (size_t j = 0; j < k; j++) {
			struct dns_name b = name(order[j]);
			int c = dns_name_compare(&a, &b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
	struct dns_name a = name("WWW.Example."), b = name("www.example."),
			root;
	dns_name_root(&root);
	assert_int_equal(dns_name_compare(&a, &b), 0);
	assert_true(dns_name_equal(&a, &b));
	assert_true(dns_name_compare(&root, &a) < 0);
	assert_true(dns_name_compare(&a, &root) > 0);
	a = name("ab.");
	b = name("a.");
	assert_true(dns_name_compare(&b, &a) < 0); /* shorter label first */
	assert_false(dns_name_equal(&a, &b));
}

static void test_subdomain_strip_prepend(void **state)
{
	(void)state;
	struct dns_name n = name("www.Example.com."), p = name("example.COM."),
			root, out;
	dns_name_root(&root);

	assert_true(dns_name_is_subdomain(&n, &p));
	assert_true(dns_name_is_subdomain(&p, &p));
	assert_true(dns_name_is_subdomain(&n, &root));
	assert_true(dns_name_is_subdomain(&root, &root));
	assert_false(dns_name_is_subdomain(&p, &n));
	struct dns_name other = name("wwwexample.com."), x = name("xexample.com.");
	assert_false(dns_name_is_subdomain(&other, &p));
	assert_false(dns_name_is_subdomain(&x, &p));

	dns_name_strip(&n, 1, &out);
	assert_string_equal(text_of(&out), "Example.com.");
	dns_name_strip(&n, 3, &out);
	assert_string_equal(text_of(&out), ".");
	dns_name_strip(&n, 0, &out);
	assert_true(dns_name_equal(&out, &n));
	out = n;
	dns_name_strip(&out, 2, &out); /* in place */
	assert_string_equal(text_of(&out), "com.");

	assert_int_equal(dns_name_suffix_offset(&n, 2), 4);
	assert_int_equal(dns_name_suffix_offset(&n, 0), 16);
	assert_int_equal(dns_name_suffix_offset(&n, 3), 0);

	assert_int_equal(dns_name_prepend(&p, "*", 1, &out), 0);
	assert_string_equal(text_of(&out), "*.example.COM.");
	assert_int_equal(dns_name_prepend(&root, "a", 1, &out), 0);
	assert_string_equal(text_of(&out), "a.");
	assert_int_equal(dns_name_prepend(&p, "", 0, &out), -EINVAL);
	char big[64];
	memset(big, 'x', sizeof(big));
	assert_int_equal(dns_name_prepend(&p, big, 64, &out), -EINVAL);
	assert_int_equal(dns_name_prepend(&p, big, 63, &out), 0);
	/* Past 255 bytes. */
	struct dns_name l = out;
	assert_int_equal(dns_name_prepend(&l, big, 63, &l), 0);
	assert_int_equal(dns_name_prepend(&l, big, 63, &l), 0);
	assert_int_equal(l.len, 13 + 3 * 64);
	assert_int_equal(dns_name_prepend(&l, big, 50, &out), -EINVAL);
	assert_int_equal(dns_name_prepend(&l, big, 49, &out), 0);
	assert_int_equal(out.len, 255);
}

static void test_hash_lower(void **state)
{
	(void)state;
	struct dns_name a = name("WWW.EXAMPLE.com."), b = name("www.example.COM."),
			c = name("www.example.net.");
	assert_int_equal(dns_name_hash(&a), dns_name_hash(&b));
	assert_int_not_equal(dns_name_hash(&a), dns_name_hash(&c));
	dns_name_lower(&a);
	assert_wire(&a, "\3www\7example\3com", 17);
	/* Only ASCII letters change. */
	struct dns_name d = name("\\128\\065[.");
	dns_name_lower(&d);
	assert_wire(&d, "\3\200a[", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_text),
		cmocka_unit_test(test_from_text_escapes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_to_text),
		cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_subdomain_strip_prepend),
		cmocka_unit_test(test_hash_lower),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
