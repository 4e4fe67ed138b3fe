/* SPDX-License-Identifier: MIT */
/* Unit tests of zone text (POST zones with `zone`) turned into the RRsets a client would send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/api_priv.h"

/* The RRsets of @text for zone z.example. as compact JSON. */
static char *rrsets_of(const char *text, int *rc, struct api_err *e)
{
	struct api_zone z;
	json_t *arr = NULL;
	assert_int_equal(dns_api_zone_init(&z, "z.example."), 0);
	memset(e, 0, sizeof(*e));
	*rc = dns_api_zone_text_rrsets(&z, text, strlen(text), &arr, e);
	char *out = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	dns_api_zone_deinit(&z);
	return out;
}

static void test_bind_and_axfr(void **state)
{
	(void)state;
	int rc;
	struct api_err e;
	char *j = rrsets_of("$TTL 300\n"
			    "@ SOA ns1 h 5 1 2 3 4\n"
			    "WWW 60 A 192.0.2.1\n"
			    "    30 A 192.0.2.2\n"
			    "$ORIGIN sub.z.example.\n"
			    "mx MX 10 mail\n"
			    "z.example. 300 SOA ns2 h 6 1 2 3 4\n",
			    &rc, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(
		j, "[{\"name\":\"z.example.\",\"type\":\"SOA\",\"ttl\":300,"
		   "\"records\":[{\"content\":\"ns1.z.example. h.z.example. 5 "
		   "1 2 3 4\",\"disabled\":false}]},"
		   "{\"name\":\"www.z.example.\",\"type\":\"A\",\"ttl\":30,"
		   "\"records\":[{\"content\":\"192.0.2.1\",\"disabled\":false},"
		   "{\"content\":\"192.0.2.2\",\"disabled\":false}]},"
		   "{\"name\":\"mx.sub.z.example.\",\"type\":\"MX\",\"ttl\":300,"
		   "\"records\":[{\"content\":\"10 mail.sub.z.example.\","
		   "\"disabled\":false}]}]");
	free(j);
	/* Without $TTL: 3600, as pdns_server. */
	j = rrsets_of("a TXT \"x\"\n", &rc, &e);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(j, "\"ttl\":3600"));
	free(j);
}

static void test_errors(void **state)
{
	(void)state;
	int rc;
	struct api_err e;
	char *j = rrsets_of("a A 192.0.2.1\nb BOGUS 1\n", &rc, &e);
	assert_null(j);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(e.status, 422);
	assert_non_null(strstr(e.msg, "An error occurred while parsing the "
				      "zonedata: Parsing zone content on line 2 "
				      "of given string: "));
	j = rrsets_of("$INCLUDE /etc/passwd\n", &rc, &e);
	assert_null(j);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(e.msg, "line 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_and_axfr),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
