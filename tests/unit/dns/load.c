/* SPDX-License-Identifier: MIT */
/* Unit tests of the zone file check every import runs before the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns/internal.h"

#define GOOD                                                               \
	"$TTL 300\n"                                                       \
	"@ SOA ns1 hostmaster 1 3600 600 86400 60\n"                       \
	"@ NS ns1\n"                                                       \
	"ns1 A 192.0.2.1\n"                                                \
	"www A 192.0.2.2\n"

static void refused(const char *extra, const char *want)
{
	char text[1024], why[512] = "";
	size_t n = 99;
	snprintf(text, sizeof(text), "%s%s", GOOD, extra);
	int rc = dns_import_check("z.example", text, strlen(text), "z.zone",
				  false, why, sizeof(why), &n);
	if (rc != -EINVAL || !strstr(why, want))
		fail_msg("'%s': rc %d why '%s', wanted '%s'", extra, rc, why,
			 want);
	assert_int_equal(n, 99);
}

static void test_good(void **state)
{
	(void)state;
	char why[512] = "";
	size_t n = 0;
	assert_int_equal(dns_import_check("z.example", GOOD, strlen(GOOD),
					  "z.zone", false, why, sizeof(why),
					  &n),
			 0);
	assert_int_equal(n, 4);
}

static void test_refused(void **state)
{
	(void)state;
	refused("www CNAME ns1\n", "z.zone:6: www.z.example.: CNAME and other data");
	refused("c CNAME www\nc TXT \"x\"\n", "z.zone:7: c.z.example.: CNAME and other data");
	refused("x.other. A 192.0.2.3\n", "z.zone:6: x.other. is outside the zone");
	refused("@ SOA a b 2 1 1 1 1\n", "z.zone:6: z.example.: more than one SOA");
	refused("s SOA a b 2 1 1 1 1\n", "z.zone:6: s.z.example.: SOA below the zone apex");
	refused("@ CNAME www\n", "z.zone:6: z.example.: CNAME at the zone apex");
	refused("www LOC 91 N 0 E 0\n", "z.zone:6: LOC record: bad LOC coordinate");
	char why[512];
	const char *nosoa = "@ NS ns1\nns1 A 192.0.2.1\n";
	assert_int_equal(dns_import_check("z.example", nosoa, strlen(nosoa),
					  "z.zone", false, why, sizeof(why),
					  NULL),
			 -EINVAL);
	assert_non_null(strstr(why, "no SOA record at z.example."));
}

static char published[8][1200];
static size_t n_published;

static int fake_publish(void *ud, const struct room_notify_msg *m)
{
	(void)ud;
	assert_true(n_published < 8);
	snprintf(published[n_published++], sizeof(published[0]),
		 "%s|%s|%d|%s|%s", m->event, m->title, m->priority, m->message,
		 m->tags ? m->tags[0] : "");
	return 0;
}

/* Refused zone files reach the notify room as "dns.zone_refused". */
static void test_refusals_published(void **state)
{
	(void)state;
	struct dns_refusals rf;
	struct room_notify_publisher n = {.publish = fake_publish};
	for (int round = 0; round < 2; round++) {
		memset(&rf, 0, sizeof(rf));
		rf.n = 2;
		rf.dropped = 3;
		snprintf(rf.at[0].zone, sizeof(rf.at[0].zone), "a.example");
		snprintf(rf.at[0].why, sizeof(rf.at[0].why),
			 "a.zone:6: www.a.example.: CNAME and other data");
		snprintf(rf.at[1].zone, sizeof(rf.at[1].zone), "b.example");
		snprintf(rf.at[1].why, sizeof(rf.at[1].why),
			 "b.zone: not found");
		if (round == 0) {
			/* no notify room: nothing published, rf emptied */
			dns_refusals_publish(&rf, NULL);
			assert_int_equal(n_published, 0);
			assert_int_equal(rf.n, 0);
		}
	}
	dns_refusals_publish(&rf, &n);
	assert_int_equal(n_published, 2);
	assert_string_equal(published[0],
			    "dns.zone_refused|Zone a.example refused|4|"
			    "a.zone:6: www.a.example.: CNAME and other data. "
			    "The zone is served as it was before.|warning");
	assert_non_null(strstr(published[1], "b.zone: not found"));
	assert_non_null(strstr(published[1], "More zone files were refused"));
	assert_int_equal(rf.n, 0);
	assert_int_equal(rf.dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refusals_published),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
