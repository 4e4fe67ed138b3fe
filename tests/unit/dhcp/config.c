/* SPDX-License-Identifier: MIT */
/* Unit tests of the dhcp room's config checks: reservations, lab hosts and ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "cmd/rooms.h"
#include "support/room_config.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "dhcp/config.h"

#define HEAD "dhcp:\n  interfaces: [lo]\n"

static void test_accepts_what_does_not_conflict(void **state)
{
	(void)state;
	/* Adjacent ranges, disjoint subnets, a reservation restating a lab
	 * host, another for a client of its own. */
	struct config *c = unit_load_ok(
		HEAD
		"  subnets:\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.10-10.0.0.50, 10.0.0.51-10.0.0.60]\n"
		"    - subnet: 10.0.1.0/24\n"
		"      ranges: [10.0.1.10-10.0.1.10]\n"
		"  reservations:\n"
		"    - {mac: '52:54:00:00:00:01', ip: 10.0.0.5}\n"
		"    - {mac: '52:54:00:00:00:02', ip: 10.0.0.6}\n"
		"    - {client_id: '01:aa:bb', ip: 10.0.1.7}\n"
		"lab:\n"
		"  hosts:\n"
		"    web: {ip: 10.0.0.5, mac: '52:54:00:00:00:01'}\n"
		"    nas: {ip: 10.0.0.9}\n");
	const struct cfg_dhcp *d = dhcp_config(c);
	assert_int_equal(d->n_subnets, 2);
	assert_int_equal(d->subnets[0].n_ranges, 2);
	assert_int_equal(d->reservations[0].mac_pos.line, 9);
	config_unref(c);
}

static void test_reservation_ip_twice(void **state)
{
	(void)state;
	unit_refused(HEAD
		"  subnets: [{subnet: 10.0.0.0/24}]\n"
		"  reservations:\n"
		"    - {mac: '52:54:00:00:00:01', ip: 10.0.0.5}\n"
		"    - {client_id: '01:aa', ip: 10.0.0.5}\n",
		6, 32, (const char *const[]){"10.0.0.5", "reserved twice",
					     "line 5", NULL});
}

static void test_reservation_mac_of_lab_host(void **state)
{
	(void)state;
	static const char *const words[] = {"52:54:00:00:00:01",
					    "lab host 'web'", "10.0.0.5",
					    "10.0.0.6", NULL};
	const char *dhcp = HEAD
		"  subnets: [{subnet: 10.0.0.0/24}]\n"
		"  reservations:\n"
		"    - {mac: '52:54:00:00:00:01', ip: 10.0.0.6}\n";
	const char *lab = "lab:\n  hosts:\n"
			  "    web: {ip: 10.0.0.5, mac: '52:54:00:00:00:01'}\n";
	char yaml[1024];
	/* Whichever section comes first in the file. */
	snprintf(yaml, sizeof(yaml), "%s%s", dhcp, lab);
	unit_refused(yaml, 5, 13, words);
	snprintf(yaml, sizeof(yaml), "%s%s", lab, dhcp);
	unit_refused(yaml, 8, 13, words);
	/* lab: off: its hosts reserve nothing, so nothing conflicts. */
	snprintf(yaml, sizeof(yaml), "%slab:\n  enabled: false\n  hosts:\n"
		 "    web: {ip: 10.0.0.5, mac: '52:54:00:00:00:01'}\n", dhcp);
	config_unref(unit_load_ok(yaml));
}

static void test_reservation_ip_of_lab_host(void **state)
{
	(void)state;
	unit_refused(HEAD
		"  subnets: [{subnet: 10.0.0.0/24}]\n"
		"  reservations:\n"
		"    - {mac: '52:54:00:00:00:02', ip: 10.0.0.9}\n"
		"lab:\n  hosts:\n    nas: {ip: 10.0.0.9}\n",
		5, 38, (const char *const[]){"10.0.0.9", "lab host 'nas'",
					     NULL});
}

static void test_range_reversed(void **state)
{
	(void)state;
	unit_refused(HEAD
		"  subnets:\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.9-10.0.0.8]\n",
		5, 15, (const char *const[]){"10.0.0.9-10.0.0.8", "reversed",
					     NULL});
}

static void test_ranges_overlap(void **state)
{
	(void)state;
	/* In one subnet: the later range is named, with where the earlier
	 * one stands and the first address both hold. */
	unit_refused(HEAD
		"  subnets:\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.10-10.0.0.50, 10.0.0.50-10.0.0.60]\n",
		5, 15, (const char *const[]){"10.0.0.50-10.0.0.60", "overlaps",
					     "10.0.0.10-10.0.0.50",
					     "at 10.0.0.50", NULL});
	/* One inside another. */
	unit_refused(HEAD
		"  subnets:\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.10-10.0.0.50, 10.0.0.20-10.0.0.21]\n",
		5, 15, (const char *const[]){"overlaps", "at 10.0.0.20", NULL});
	/* Across subnets (the same subnet listed twice). */
	unit_refused(HEAD
		"  subnets:\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.10-10.0.0.50]\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.5-10.0.0.10]\n",
		7, 15, (const char *const[]){"10.0.0.5-10.0.0.10", "overlaps",
					     "line 5", "at 10.0.0.10", NULL});
}

static void test_range_outside_subnet(void **state)
{
	(void)state;
	unit_refused(HEAD
		"  subnets:\n"
		"    - subnet: 10.0.0.0/24\n"
		"      ranges: [10.0.0.250-10.0.1.5]\n",
		5, 15, (const char *const[]){"outside", NULL});
}

static void test_check_counts_subnets(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		HEAD "  subnets: [{subnet: 10.0.0.0/24}, {subnet: 10.0.1.0/24}]\n"
		"dns:\n  listen: [127.0.0.1:5353]\n  upstream: []\n"
		"  zones: [{name: a.test}, {name: b.test}]\n");
	struct room_check_summary sum;
	struct cfg_error err;
	char line[256];
	assert_int_equal(room_check_all(c, &err, &sum), 0);
	room_check_summary_format(&sum, line, sizeof(line));
	assert_string_equal(line,
			    "ok: 2 rooms (dns, dhcp), 2 zones, 0 records, "
			    "2 subnets");
	config_unref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_what_does_not_conflict),
		cmocka_unit_test(test_reservation_ip_twice),
		cmocka_unit_test(test_reservation_mac_of_lab_host),
		cmocka_unit_test(test_reservation_ip_of_lab_host),
		cmocka_unit_test(test_range_reversed),
		cmocka_unit_test(test_ranges_overlap),
		cmocka_unit_test(test_range_outside_subnet),
		cmocka_unit_test(test_check_counts_subnets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
