/* SPDX-License-Identifier: MIT */
/* Unit tests of the SOA and NS hearth makes for its zones (dns.soa). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cmd/rooms.h"
#include "support/room_config.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "dns/soa.h"

static struct config *load(const char *dns_extra, const char *lab)
{
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
		 "dns:\n  listen: [\"%s\"]\n%s%s",
		 strstr(dns_extra, "#wild") ? "0.0.0.0:5353" : "127.0.0.9:5353",
		 dns_extra, lab);
	struct config *c = NULL;
	struct cfg_error err;
	if (config_load_buffer(unit_schema(), yaml, strlen(yaml), "t.yaml", &c, &err))
		fail_msg("%s:%d:%d: %s\n%s", err.file, err.line, err.col,
			 err.msg, yaml);
	return c;
}

static const char LAB[] =
	"lab:\n  domain: lab.example\n"
	"  networks: {dmz: {subnet: 192.168.30.0/24}}\n"
	"  hosts:\n"
	"    router: {ip: 192.168.30.1, network: dmz}\n"
	"    v6: {ip: \"2001:db8::6\"}\n";

struct want {
	const char *mname, *rname;
	bool glue;
	const char *addr; /* the glue's, when glue */
};

static void made(struct config *c, const char *apex, const struct want *w)
{
	struct dns_name a;
	struct dns_soa_made m;
	char mn[DNS_NAME_TEXT_MAX], rn[DNS_NAME_TEXT_MAX], ad[64] = "";
	assert_int_equal(dns_name_from_text(apex, strlen(apex), NULL, &a), 0);
	assert_int_equal(dns_soa_make(c, &a, &m), 0);
	dns_name_to_text(&m.mname, mn, sizeof(mn));
	dns_name_to_text(&m.rname, rn, sizeof(rn));
	if (m.glue)
		inet_ntop(m.addr.family, m.addr.u.bytes, ad, sizeof(ad));
	if (strcmp(mn, w->mname) || strcmp(rn, w->rname) || m.glue != w->glue ||
	    (w->glue && w->addr && strcmp(ad, w->addr)))
		fail_msg("%s: got %s %s glue %d %s; want %s %s glue %d %s", apex,
			 mn, rn, m.glue, ad, w->mname, w->rname, w->glue,
			 w->addr ? w->addr : "");
}

static void test_defaults(void **state)
{
	(void)state;
	struct config *c = load("", "");
	made(c, "z.example.", &(struct want){"ns.z.example.",
					     "hostmaster.z.example.", true,
					     "127.0.0.9"});
	struct dns_name a;
	struct dns_soa_made m;
	dns_name_from_text("z.example.", 10, NULL, &a);
	assert_int_equal(dns_soa_make(c, &a, &m), 0);
	assert_int_equal(m.refresh, 10800);
	assert_int_equal(m.retry, 3600);
	assert_int_equal(m.expire, 604800);
	assert_int_equal(m.minimum, 3600);
	assert_int_equal(m.ttl, 3600);
	uint8_t rd[600];
	size_t n = dns_soa_rdata(&m, 42, rd);
	assert_int_equal(n, m.mname.len + m.rname.len + 20);
	assert_int_equal(rd[m.mname.len + m.rname.len + 3], 42);
	config_unref(c);

	/* With a lab zone: one server for all, its glue in the lab zone. */
	c = load("", LAB);
	made(c, "lab.example.", &(struct want){"ns.lab.example.",
					       "hostmaster.lab.example.", true,
					       "127.0.0.9"});
	made(c, "30.168.192.in-addr.arpa.",
	     &(struct want){"ns.lab.example.",
			    "hostmaster.30.168.192.in-addr.arpa.", false, NULL});
	made(c, "other.example.", &(struct want){"ns.lab.example.",
						 "hostmaster.other.example.",
						 false, NULL});
	config_unref(c);

	/* Listening everywhere: one of the machine's addresses. */
	c = load("  #wild\n", "");
	made(c, "z.example.", &(struct want){"ns.z.example.",
					     "hostmaster.z.example.", true,
					     NULL});
	config_unref(c);
}

static void test_configured(void **state)
{
	(void)state;
	struct config *c = load("  soa: {mname: router, rname: "
				"john.doe@example.org, refresh: 2h, "
				"minimum: 0}\n",
				LAB);
	made(c, "lab.example.", &(struct want){"router.lab.example.",
					       "john\\.doe.example.org.", false,
					       NULL});
	struct dns_name a;
	struct dns_soa_made m;
	dns_name_from_text("lab.example.", 12, NULL, &a);
	assert_int_equal(dns_soa_make(c, &a, &m), 0);
	assert_int_equal(m.refresh, 7200);
	assert_int_equal(m.minimum, 0);
	uint32_t h = dns_soa_hash(&m);
	config_unref(c);

	c = load("  soa: {mname: NS1.Example.NET, rname: admin.example.org.}\n",
		 LAB);
	made(c, "lab.example.", &(struct want){"ns1.example.net.",
					       "admin.example.org.", false,
					       NULL});
	dns_soa_make(c, &a, &m);
	assert_int_not_equal(dns_soa_hash(&m), h);
	config_unref(c);

	/* A lab host called ns is the server's address: no glue. */
	char lab[512];
	snprintf(lab, sizeof(lab), "%s    ns: {ip: 192.168.30.53}\n", LAB);
	c = load("", lab);
	made(c, "lab.example.", &(struct want){"ns.lab.example.",
					       "hostmaster.lab.example.", false,
					       NULL});
	config_unref(c);
}

static void test_names(void **state)
{
	(void)state;
	const char *ok[] = {"hostmaster", "a.example", "a.example.",
			    "user@example.org", "first.last@example.org"};
	const char *bad[] = {"", "a..b", "@example.org", "user@", "a@b@c",
			     "with space", "."};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!dns_soa_name_ok(ok[i]))
			fail_msg("'%s' refused", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dns_soa_name_ok(bad[i]))
			fail_msg("'%s' taken", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_configured),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
