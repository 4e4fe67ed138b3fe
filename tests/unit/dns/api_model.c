/* SPDX-License-Identifier: MIT */
/* Unit tests of the PowerDNS API's first serial per soa_edit_api kind, on a scripted date. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "support/clock_script.h"
#include "dns/api_priv.h"

/* 2026-03-04 10:00:00 UTC (the tests run with TZ=UTC). */
#define WALL_MS 1772618400000LL

static int64_t scripted_now(void)
{
	struct clock *c;
	assert_int_equal(clock_script_new(0, WALL_MS, &c), 0);
	int64_t now = clock_wall_s(c);
	clock_script_free(c);
	return now;
}

static void test_first_serial_per_kind(void **state)
{
	(void)state;
	int64_t now = scripted_now();
	static const struct {
		const char *kind;
		uint32_t given, want; /* want 1: @now */
	} cases[] = {
		{"DEFAULT", 0, 2026030401},	  {"default", 5, 2026030401},
		{"DEFAULT", 2026030405, 2026030406}, {"DEFAULT", 2030010100, 2030010101},
		{"DEFAULT", 4294967295u, 0},	  {"INCREASE", 0, 1},
		{"INCREASE", 77, 78},		  {"SOA-EDIT-INCREASE", 5, 6},
		{"increase", 4294967295u, 0},	  {"EPOCH", 0, 1},
		{"EPOCH", 4294967295u, 1},	  {"SOA-EDIT", 5, 5},
		{"INCEPTION-INCREMENT", 0, 0},	  {"INCEPTION-INCREMENT", 7, 7},
		{"NONE", 9, 9},			  {"", 0, 0},
		{"bogus", 3, 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t want = cases[i].want == 1 && strcasecmp(cases[i].kind,
								 "EPOCH") == 0
					? (uint32_t)now
					: cases[i].want;
		uint32_t got = dns_api_first_serial(cases[i].kind,
						    cases[i].given, now);
		if (got != want)
			fail_msg("%s %u: got %u, want %u", cases[i].kind,
				 (unsigned)cases[i].given, (unsigned)got,
				 (unsigned)want);
	}
}

static uint32_t created_serial(const char *json, int64_t now)
{
	json_error_t jerr;
	json_t *body = json_loads(json, 0, &jerr);
	assert_non_null(body);
	struct api_zone z = {0};
	struct api_err e = {0};
	int rc = dns_api_zone_from_create(&z, body, now, NULL, &e);
	if (rc)
		fail_msg("%s: %d %s", json, rc, e.msg);
	uint32_t serial = 0;
	assert_true(dns_api_zone_serial(&z, &serial));
	dns_api_zone_deinit(&z);
	json_decref(body);
	return serial;
}

static void test_created_zone_gets_the_first_serial(void **state)
{
	(void)state;
	int64_t now = scripted_now();
	/* Without an SOA, with serial 0 given, and with a SOA given: the
	 * date comes from the clock, not from the machine. */
	assert_int_equal(created_serial("{\"name\":\"a.example.\",\"kind\":"
					"\"Native\"}",
					now),
			 2026030401);
	assert_int_equal(created_serial("{\"name\":\"a.example.\",\"kind\":"
					"\"Native\",\"serial\":0}",
					now + 86400),
			 2026030501);
	assert_int_equal(
		created_serial("{\"name\":\"a.example.\",\"kind\":\"Native\","
			       "\"rrsets\":[{\"name\":\"a.example.\",\"type\":"
			       "\"SOA\",\"ttl\":60,\"records\":[{\"content\":"
			       "\"ns.a.example. h.a.example. 5 1 2 3 4\"}]}]}",
			       now),
		2026030401);
	assert_int_equal(created_serial("{\"name\":\"a.example.\",\"kind\":"
					"\"Native\",\"serial\":77,"
					"\"soa_edit_api\":\"INCREASE\"}",
					now),
			 78);
	assert_int_equal(created_serial("{\"name\":\"a.example.\",\"kind\":"
					"\"Native\",\"serial\":77,"
					"\"soa_edit_api\":\"\"}",
					now),
			 77);
	assert_int_equal(created_serial("{\"name\":\"a.example.\",\"kind\":"
					"\"Native\",\"soa_edit_api\":"
					"\"EPOCH\"}",
					now),
			 (uint32_t)now);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_serial_per_kind),
		cmocka_unit_test(test_created_zone_gets_the_first_serial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
