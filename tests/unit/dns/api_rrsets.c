/* SPDX-License-Identifier: MIT */
/* Unit tests of the API's record content check: parse, re-render, compare, as pdns_server 4.7 does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "dns/api_priv.h"
#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"

static struct api_zone zone;

static int setup(void **state)
{
	(void)state;
	memset(&zone, 0, sizeof(zone));
	return dns_api_zone_init(&zone, "c.example.");
}

static int teardown(void **state)
{
	(void)state;
	dns_api_zone_deinit(&zone);
	return 0;
}

/* @content is accepted; its content as stored and shown is @want. */
static void takes(uint16_t type, const char *content, const char *want)
{
	struct api_record r = {0};
	struct api_err e = {0};
	int rc = dns_api_record_parse(&zone, "n.c.example.", type, content, &r,
				      &e);
	if (rc)
		fail_msg("'%s' refused: %d %s", content, rc, e.msg);
	if (strcmp(r.content, want) != 0)
		fail_msg("'%s' stored as '%s', wanted '%s'", content, r.content,
			 want);
	/* Stored as sent only when it is not hearth's own spelling. */
	char text[1024];
	size_t len = 0;
	uint8_t rd[1024];
	struct dns_name root;
	dns_name_root(&root);
	assert_int_equal(dns_rdata_from_text(type, content, strlen(content),
					     &root, rd, sizeof(rd), &len, text),
			 0);
	int n = dns_rdata_to_text(type, rd, len, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(r.as_sent, type != DNS_T_AAAA &&
					    strcasecmp(text, content) != 0);
}

/* @content is refused with 422 and exactly @msg. */
static void refuses(uint16_t type, const char *content, const char *msg)
{
	struct api_record r = {0};
	struct api_err e = {0};
	int rc = dns_api_record_parse(&zone, "n.c.example.", type, content, &r,
				      &e);
	if (rc != -EINVAL || e.status != 422 || strcmp(e.msg, msg) != 0)
		fail_msg("'%s': %d %d '%s', wanted '%s'", content, rc,
			 e.status, e.msg, msg);
}

static void test_canonical_forms_pass(void **state)
{
	(void)state;
	takes(DNS_T_MX, "10 MAIL.Example.", "10 MAIL.Example.");
	takes(DNS_T_AAAA, "2001:DB8:0:0::1", "2001:db8::1");
	takes(DNS_T_DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
	      "60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118");
	takes(DNS_T_LOC, "42 21 54.000 N 71 6 18.000 W -24.00m 30.00m "
			 "10000.00m 10.00m",
	      "42 21 54.000 N 71 6 18.000 W -24.00m 30.00m 10000.00m 10.00m");
	takes(DNS_T_SVCB, "16 foo.example.org. mandatory=alpn,ipv4hint "
			  "alpn=h2,h3-19 ipv4hint=192.0.2.1",
	      "16 foo.example.org. mandatory=alpn,ipv4hint alpn=h2,h3-19 "
	      "ipv4hint=192.0.2.1");
}

static void test_non_canonical_refused(void **state)
{
	(void)state;
	refuses(DNS_T_MX, "10 mail.example",
		"Record n.c.example./MX '10 mail.example': Not in expected "
		"format (parsed as '10 mail.example.')");
	refuses(DNS_T_MX, "10  mail.example.",
		"Record n.c.example./MX '10  mail.example.': Not in expected "
		"format (parsed as '10 mail.example.')");
	refuses(DNS_T_LOC, "42 21 54 N 71 06 18 W -24m 30m",
		"Record n.c.example./LOC '42 21 54 N 71 06 18 W -24m 30m': "
		"Not in expected format (parsed as '42 21 54.000 N 71 6 "
		"18.000 W -24.00m 30.00m 10000.00m 10.00m')");
	refuses(DNS_T_TXT, "\"a\"  \"b\"",
		"Record n.c.example./TXT '\"a\"  \"b\"': Not in expected "
		"format (parsed as '\"a\" \"b\"')");
	refuses(DNS_T_TXT, "hello",
		"Record n.c.example./TXT 'hello': Not in expected format "
		"(parsed as '\"hello\"')");
	refuses(DNS_T_SSHFP, "2 1 1234 abcd",
		"Record n.c.example./SSHFP '2 1 1234 abcd': Not in expected "
		"format (parsed as '2 1 1234abcd')");
	refuses(DNS_T_HTTPS, "1 . no-default-alpn alpn=h2",
		"Record n.c.example./HTTPS '1 . no-default-alpn alpn=h2': Not "
		"in expected format (parsed as '1 . alpn=h2 no-default-alpn')");
	/* Escapes outside character-strings still count: a name's spelling
	 * and SVCB values are compared as written. */
	refuses(DNS_T_CNAME, "a\\065.example.",
		"Record n.c.example./CNAME 'a\\065.example.': Not in expected "
		"format (parsed as 'aA.example.')");
	refuses(DNS_T_SVCB, "1 . key65000=\"\\065\"",
		"Record n.c.example./SVCB '1 . key65000=\"\\065\"': Not in "
		"expected format (parsed as '1 . key65000=\"A\"')");
}

static void test_strings_any_spelling(void **state)
{
	(void)state;
	/* As PowerDNS: inside the quotes of a character-string the bytes
	 * count, not their escapes; a spelling other than hearth's own is
	 * kept as sent. */
	takes(DNS_T_TXT, "\"\\065\"", "\"\\065\"");
	takes(DNS_T_TXT, "\"a\\;b\" \"\\\"q\\\"\"", "\"a\\;b\" \"\\\"q\\\"\"");
	takes(DNS_T_TXT, "\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"");
	takes(DNS_T_TXT, "\"caf\\195\\169\"", "\"caf\\195\\169\"");
	takes(DNS_T_TXT, "\"tab\\009\"", "\"tab\\009\"");
	takes(DNS_T_HINFO, "\"\\065\" \"b\"", "\"\\065\" \"b\"");
	takes(DNS_T_CAA, "0 issue \"a\\;b\"", "0 issue \"a\\;b\"");
	takes(DNS_T_NAPTR, "100 10 \"\\065\" \"\" \"\" .",
	      "100 10 \"\\065\" \"\" \"\" .");
	takes(DNS_T_URI, "10 1 \"\\065\"", "10 1 \"\\065\"");
	/* Case outside the strings is PowerDNS's too: the canonical text. */
	takes(DNS_T_CAA, "0 ISSUE \"\\065\"", "0 ISSUE \"\\065\"");
	/* ... but not around them. */
	refuses(DNS_T_TXT, "\"a\"\"b\"",
		"Record n.c.example./TXT '\"a\"\"b\"': Not in expected format "
		"(parsed as '\"a\" \"b\"')");
}

static void test_pdns_quirks(void **state)
{
	(void)state;
	refuses(DNS_T_A, "192.0.2.01",
		"Record n.c.example./A '192.0.2.01': Not in expected format "
		"(parsed as '192.0.2.1')");
	refuses(DNS_T_A, "0192.000.2.1",
		"Record n.c.example./A '0192.000.2.1': Not in expected format "
		"(parsed as '192.0.2.1')");
	refuses(DNS_T_AAAA, "::ffff:192.0.2.1",
		"Record n.c.example./AAAA '::ffff:192.0.2.1': Invalid IPv6 "
		"address");
	refuses(DNS_T_A, " 192.0.2.1",
		"Record n.c.example./A ' 192.0.2.1': Not in expected format "
		"(parsed as '192.0.2.1')");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_canonical_forms_pass,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_canonical_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings_any_spelling,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pdns_quirks, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
