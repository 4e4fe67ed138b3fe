/* SPDX-License-Identifier: MIT */
/* Unit tests of the zone-file parser: a realistic zone, $INCLUDE from memory, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/rdata.h"
#include "proto/dns/zonefile.h"

#define MAX_RECORDS 64

/* Records as text, "owner ttl TYPE rdata", and include files by name. */
struct collect {
	char lines[MAX_RECORDS][512];
	int n;
	const char *const *files; /* name, content, name, content, ..., NULL */
	int includes;
	int stop_after; /* > 0: the record callback returns 42 at this one */
};

static int on_record(const struct dns_zf_record *rr, void *ud)
{
	struct collect *c = ud;
	static char rd[4 * DNS_RDATA_MAX + 4096];
	char owner[DNS_NAME_TEXT_MAX], tb[16];

	assert_true(c->n < MAX_RECORDS);
	assert_true(dns_name_to_text(&rr->owner, owner, sizeof(owner)) > 0);
	assert_true(dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, rd,
				      sizeof(rd)) >= 0);
	snprintf(c->lines[c->n], sizeof(c->lines[0]), "%.200s %u %s %.280s", owner,
		 (unsigned)rr->ttl, dns_type_name(rr->type, tb), rd);
	c->n++;
	if (c->stop_after && c->n == c->stop_after)
		return 42;
	return 0;
}

static int on_include(const char *from, const char *path, char **data,
		      size_t *len, char *resolved, size_t cap, void *ud)
{
	struct collect *c = ud;
	(void)from;
	c->includes++;
	for (const char *const *f = c->files; f && *f; f += 2) {
		if (strcmp(*f, path) == 0) {
			/* Exactly the bytes, no NUL: the parser must not need one. */
			*len = strlen(f[1]);
			*data = malloc(*len ? *len : 1);
			assert_non_null(*data);
			memcpy(*data, f[1], *len);
			snprintf(resolved, cap, "/zones/%s", path);
			return 0;
		}
	}
	return -ENOENT;
}

/* Parses @text from an exact-size heap copy. */
static int parse(const char *text, struct collect *c, struct dns_zf_error *err)
{
	struct dns_name origin;
	struct dns_zf_ops ops = {on_record, on_include, c};
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	assert_int_equal(dns_name_from_text("example.com.", 12, NULL, &origin),
			 0);
	int rc = dns_zonefile_parse(copy, len, "example.com.zone", &origin,
				    3600, &ops, err);
	free(copy);
	return rc;
}

static const char zone[] =
	"; example.com, with most of what a zone file can do\n"
	"$TTL 1h\n"
	"$ORIGIN example.com.\n"
	"@\tIN\tSOA\tns1 hostmaster (\n"
	"\t\t2024010101 ; serial\n"
	"\t\t3h         ; refresh\n"
	"\t\t15m        ; retry\n"
	"\t\t1w         ; expire\n"
	"\t\t1d )       ; minimum\n"
	"\tIN\tNS\tns1\n"
	"\t\tNS\tns2.example.net.\n"
	"\t\tMX\t10 mail\n"
	"\n"
	"ns1\t300\tIN\tA\t192.0.2.1\n"
	"ns1\tIN\t300\tAAAA\t2001:DB8::1 ; class and TTL either way\n"
	"mail\tin\ta\t192.0.2.2\n"
	"www\tCNAME\t@\n"
	"txt\tTXT\t\"hello; (world)\" \"a\\\"b\" (\n"
	"\t\t\"continued\" ) ; comment\n"
	"\tTXT\tunquoted words\\032here\n"
	"_sip._tcp\tSRV\t10 60 5060 sip\n"
	"@\tCAA\t0 issue \"letsencrypt.org\"\n"
	"host\\ name\tA\t192.0.2.3\n"
	"\\@\\.x\t1W2D\tA\t192.0.2.4\n"
	"x\tTYPE65280\t\\# 2 abcd\n"
	"y\tA\t\\# 4 C0000205\n"
	"ptr\tPTR\thost.example.org.\n"
	"$ORIGIN sub ; relative to the current origin\n"
	"a\tA\t192.0.2.5\n"
	"$INCLUDE hosts.inc\n"
	"$INCLUDE \"other.inc\" other.example.com.\n"
	"b\tA\t192.0.2.6\n"
	"$TTL 60\n"
	"c\tA\t192.0.2.7\r\n"
	"d\tDS\t60485 5 1 ( 2BB183AF5F22588179A5\r\n"
	"\t\t3B0A98631FAD1A292118 )\n"
	"e\tHINFO\t\"PC\" Linux\n"
	"f\tDNAME\tg\n"
	"h\tSPF\t\"v=spf1 -all\"\n"
	"; the end, without a newline";

static const char *const files[] = {
	"hosts.inc",
	"h1 A 192.0.2.10\n"
	"   AAAA 2001:db8::10\n"
	"$ORIGIN changed.example.\n"
	"$TTL 5\n"
	"h2 A 192.0.2.11\n",
	"other.inc",
	"@ A 192.0.2.20\n"
	"  TXT \"inherits the blank owner\"",
	NULL,
};

static void test_zone(void **state)
{
	(void)state;
	static const char *const want[] = {
		"example.com. 3600 SOA ns1.example.com. hostmaster.example.com. "
		"2024010101 10800 900 604800 86400",
		"example.com. 3600 NS ns1.example.com.",
		"example.com. 3600 NS ns2.example.net.",
		"example.com. 3600 MX 10 mail.example.com.",
		"ns1.example.com. 300 A 192.0.2.1",
		"ns1.example.com. 300 AAAA 2001:db8::1",
		"mail.example.com. 3600 A 192.0.2.2",
		"www.example.com. 3600 CNAME example.com.",
		"txt.example.com. 3600 TXT \"hello; (world)\" \"a\\\"b\" "
		"\"continued\"",
		"txt.example.com. 3600 TXT \"unquoted\" \"words here\"",
		"_sip._tcp.example.com. 3600 SRV 10 60 5060 sip.example.com.",
		"example.com. 3600 CAA 0 issue \"letsencrypt.org\"",
		"host\\032name.example.com. 3600 A 192.0.2.3",
		"\\@\\.x.example.com. 777600 A 192.0.2.4",
		"x.example.com. 3600 TYPE65280 \\# 2 abcd",
		"y.example.com. 3600 A 192.0.2.5",
		"ptr.example.com. 3600 PTR host.example.org.",
		"a.sub.example.com. 3600 A 192.0.2.5",
		"h1.sub.example.com. 3600 A 192.0.2.10",
		"h1.sub.example.com. 3600 AAAA 2001:db8::10",
		"h2.changed.example. 5 A 192.0.2.11",
		"other.example.com. 3600 A 192.0.2.20",
		"other.example.com. 3600 TXT \"inherits the blank owner\"",
		"b.sub.example.com. 3600 A 192.0.2.6",
		"c.sub.example.com. 60 A 192.0.2.7",
		"d.sub.example.com. 60 DS 60485 5 1 "
		"2bb183af5f22588179a53b0a98631fad1a292118",
		"e.sub.example.com. 60 HINFO \"PC\" \"Linux\"",
		"f.sub.example.com. 60 DNAME g.sub.example.com.",
		"h.sub.example.com. 60 SPF \"v=spf1 -all\"",
	};
	struct collect c = {.files = files};
	struct dns_zf_error err;

	int rc = parse(zone, &c, &err);
	if (rc)
		fail_msg("%s:%d: %s", err.file, err.line, err.msg);
	assert_int_equal(c.includes, 2);
	for (int i = 0; i < c.n && i < (int)(sizeof(want) / sizeof(want[0]));
	     i++)
		assert_string_equal(c.lines[i], want[i]);
	assert_int_equal(c.n, sizeof(want) / sizeof(want[0]));
}

static void test_ttl_defaults(void **state)
{
	(void)state;
	struct collect c = {0};
	struct dns_zf_error err;

	/* Without $TTL the caller's default; an explicit TTL is not sticky. */
	assert_int_equal(parse("a 10 A 192.0.2.1\n"
			       "b A 192.0.2.2\n"
			       "$TTL 1h30m\n"
			       "c A 192.0.2.3\n"
			       "d 0 A 192.0.2.4\n"
			       "e IN 4294967295 A 192.0.2.5\n",
			       &c, &err),
			 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.lines[0], "a.example.com. 10 A 192.0.2.1");
	assert_string_equal(c.lines[1], "b.example.com. 3600 A 192.0.2.2");
	assert_string_equal(c.lines[2], "c.example.com. 5400 A 192.0.2.3");
	assert_string_equal(c.lines[3], "d.example.com. 0 A 192.0.2.4");
	assert_string_equal(c.lines[4],
			    "e.example.com. 4294967295 A 192.0.2.5");

	/* Empty input, comments only, blank lines. */
	c.n = 0;
	assert_int_equal(parse("", &c, &err), 0);
	assert_int_equal(parse("; nothing\n\n   \n\t; more\n", &c, &err), 0);
	assert_int_equal(c.n, 0);
}

static void test_callback_stops(void **state)
{
	(void)state;
	struct collect c = {.stop_after = 2};
	struct dns_zf_error err;
	assert_int_equal(parse("a A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n",
			       &c, &err),
			 42);
	assert_int_equal(c.n, 2);
}

static void test_not_nul_terminated(void **state)
{
	(void)state;
	struct collect c = {0};
	struct dns_zf_error err;
	struct dns_name origin;
	struct dns_zf_ops ops = {on_record, NULL, &c};
	const char text[] = "a A 192.0.2.1\nb A 192.0.2.2\n";

	dns_name_from_text("example.com.", 12, NULL, &origin);
	/* Cut in the middle of the address: the parser sees only "192.0". */
	assert_int_equal(dns_zonefile_parse(text, 23, "cut", &origin, 60, &ops,
					    &err),
			 -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "bad IPv4 address '192.0'"));
	assert_int_equal(c.n, 1);
}

struct bad_case {
	const char *text;
	int line;
	const char *msg;
};

static void test_errors(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{"a A 192.0.2.1\nb AAA 192.0.2.1\n", 2, "unknown type 'AAA'"},
		{"\n\nb A 192.0.2.300\n", 3,
		 "A record: bad IPv4 address '192.0.2.300'"},
		{"a A 1.2.3.4\n@ SOA ns1 h (\n1 2 3\n4 5\n", 2,
		 "unbalanced parentheses"},
		{"a A 1.2.3.4 )\n", 1, "unbalanced parentheses"},
		{"a TXT ( ( \"x\" ) )\n", 1, "nested parentheses"},
		{"a A 1.2.3.4\n\n; c\n"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 " A 1.2.3.4\n",
		 4, "owner: label longer than 63"},
		{"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
		 "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
		 "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
		 "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a A "
		 "1.2.3.4\n",
		 1, "owner: name too long"},
		{"a CNAME b..c\n", 1, "CNAME record: empty label"},
		{"a CH A 1.2.3.4\n", 1, "class 'CH' not supported (only IN)"},
		{"a 60 CLASS3 A 1.2.3.4\n", 1, "class 'CLASS3' not supported"},
		{"a IN IN A 1.2.3.4\n", 1, "two classes"},
		{"a 60 60 A 1.2.3.4\n", 1, "two TTLs"},
		{"a 60 IN\n", 1, "missing type"},
		{"a\n", 1, "missing type"},
		{"a 4294967296 A 1.2.3.4\n", 1, "TTL '4294967296' out of range"},
		{"a 1x A 1.2.3.4\n", 1, "bad TTL '1x'"},
		{"a AXFR 1.2.3.4\n", 1, "type 'AXFR' cannot appear"},
		{"a ANY 1.2.3.4\n", 1, "class 'ANY' not supported"},
		{"a OPT \\# 0\n", 1, "type 'OPT' cannot appear"},
		{"a \"A\" 1.2.3.4\n", 1, "unknown type '\"A\"'"},
		{"a A\n", 1, "A record: missing rdata"},
		{"a MX 70000 b\n", 1, "MX record: MX preference '70000' out of range"},
		{"a TXT \"abc\n\"\n", 1, "unterminated quoted string"},
		{"a TXT \"abc", 1, "unterminated quoted string"},
		{"a TXT abc\\\ndef\n", 1, "escaped newline"},
		{"  A 1.2.3.4\n", 1, "no previous owner name"},
		{"\"a\" A 1.2.3.4\n", 1, "owner cannot be a quoted string"},
		{"$TTL\n", 1, "$TTL needs one value"},
		{"$TTL 1h 2h\n", 1, "$TTL needs one value"},
		{"a A 1.2.3.4\n$TTL 1q\n", 2, "bad TTL '1q'"},
		{"$ORIGIN\n", 1, "$ORIGIN needs one name"},
		{"$ORIGIN a..b\n", 1, "$ORIGIN: empty label"},
		{"$GENERATE 1-10 h$ A 1.2.3.$\n", 1,
		 "too many arguments to $GENERATE"},
		{"$FOO x\n", 1, "unknown directive '$FOO'"},
		{"$INCLUDE\n", 1, "$INCLUDE needs a file name"},
		{"$INCLUDE a b c\n", 1, "too many arguments to $INCLUDE"},
		{"$INCLUDE missing.inc\n", 1,
		 "cannot include 'missing.inc': No such file or directory"},
		{"$INCLUDE \"\"\n", 1, "empty $INCLUDE file name"},
		{"$INCLUDE x.inc a..b\n", 1, "$INCLUDE origin: empty label"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collect c = {0};
		struct dns_zf_error err;
		int rc = parse(cases[i].text, &c, &err);
		if (rc != -EINVAL)
			fail_msg("case %zu accepted (%d)", i, rc);
		if (err.line != cases[i].line ||
		    !strstr(err.msg, cases[i].msg) ||
		    strcmp(err.file, "example.com.zone") != 0)
			fail_msg("case %zu: %s:%d: %s; wanted line %d '%s'", i,
				 err.file, err.line, err.msg, cases[i].line,
				 cases[i].msg);
	}
}

static void test_include_errors(void **state)
{
	(void)state;
	struct dns_zf_error err;

	/* An error inside an include names that file and its line. */
	static const char *const bad_inc[] = {
		"bad.inc", "ok A 192.0.2.1\n\n( x A 1.2.3.4\n", NULL,
	};
	struct collect c = {.files = bad_inc};
	assert_int_equal(parse("a A 192.0.2.1\n$INCLUDE bad.inc\n", &c, &err),
			 -EINVAL);
	assert_string_equal(err.file, "/zones/bad.inc");
	assert_int_equal(err.line, 3);
	assert_string_equal(err.msg, "unbalanced parentheses");
	assert_int_equal(c.n, 2);

	/* A file that includes itself stops at depth 8. */
	static const char *const loop[] = {
		"loop.inc", "l A 192.0.2.1\n$INCLUDE loop.inc\n", NULL,
	};
	struct collect c2 = {.files = loop};
	assert_int_equal(parse("$INCLUDE loop.inc\n", &c2, &err), -EINVAL);
	assert_string_equal(err.msg, "$INCLUDE nested more than 8 deep");
	assert_string_equal(err.file, "/zones/loop.inc");
	assert_int_equal(err.line, 2);
	assert_int_equal(c2.includes, 8);
	assert_int_equal(c2.n, 8);

	/* Without an include callback, $INCLUDE is refused. */
	struct dns_name origin;
	struct dns_zf_ops ops = {NULL, NULL, NULL};
	dns_name_from_text("example.com.", 12, NULL, &origin);
	const char *text = "a A 192.0.2.1\n$INCLUDE /etc/passwd\n";
	assert_int_equal(dns_zonefile_parse(text, strlen(text), "z", &origin,
					    60, &ops, &err),
			 -EINVAL);
	assert_string_equal(err.file, "z");
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "$INCLUDE is not allowed here");
}

static void test_limits(void **state)
{
	(void)state;
	struct collect c = {0};
	struct dns_zf_error err;
	size_t big = 70000;
	char *text = malloc(big + 64);
	assert_non_null(text);

	/* A comment line longer than 64 KiB. */
	strcpy(text, "a A 192.0.2.1\n;");
	size_t l = strlen(text);
	memset(text + l, 'x', big);
	strcpy(text + l + big, "\nb A 192.0.2.2\n");
	assert_int_equal(parse(text, &c, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "line longer than 65536 bytes"));

	/* A record over many lines, longer than 64 KiB in all. */
	strcpy(text, "t TXT (\n");
	l = strlen(text);
	while (l < big) {
		memcpy(text + l, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n", 43);
		l += 43;
	}
	strcpy(text + l, ")\n");
	c.n = 0;
	assert_int_equal(parse(text, &c, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "record longer than 65536 bytes"));
	assert_int_equal(c.n, 0);

	/* Just under the limit works, and TXT strings are split. */
	strcpy(text, "t TXT \"");
	l = strlen(text);
	memset(text + l, 'b', 60000);
	strcpy(text + l + 60000, "\"\n");
	c.n = 0;
	assert_int_equal(parse(text, &c, &err), 0);
	assert_int_equal(c.n, 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_ttl_defaults),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
