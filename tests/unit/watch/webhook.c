/* SPDX-License-Identifier: MIT */
/* Unit tests of the webhook alert body: Uptime Kuma's {heartbeat, monitor, msg} with its field names and values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "support/room_config.h"
#include "watch/internal.h"

static json_t *body(const struct watch_mon *m, const struct watch_beat *b,
		    const char *text, const char *msg)
{
	char *s = watch_webhook_json(m, b, text, msg);
	assert_non_null(s);
	json_t *j = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(j);
	return j;
}

static void test_down_and_up(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"watch:\n  monitors:\n"
		"    - {name: web, type: keyword, url: 'http://10.0.0.5/', "
		"keyword: ok, interval: 30s, retries: 2, description: front, "
		"accepted_statuscodes: ['200-299', '404']}\n");
	struct watch_mon m = {.cfg = &watch_config(c)->monitors[0], .id = 7,
			      .ping_ms = -1,
			      .time_ms = 1764650096789LL}; /* 2025-12-02 */
	struct watch_beat b = {.status = WATCH_DOWN, .important = true,
			       .alert = WATCH_ALERT_DOWN, .duration_ms = 30500};
	json_t *j = body(&m, &b, "keyword [ok] not in [x]",
			 "[web] [\xf0\x9f\x94\xb4 Down] keyword [ok] not in [x]");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
			    "[web] [\xf0\x9f\x94\xb4 Down] keyword [ok] not in "
			    "[x]");
	json_t *hb = json_object_get(j, "heartbeat");
	assert_int_equal(json_integer_value(json_object_get(hb, "monitorID")), 7);
	assert_int_equal(json_integer_value(json_object_get(hb, "status")), 0);
	assert_string_equal(json_string_value(json_object_get(hb, "time")),
			    "2025-12-02 04:34:56.789");
	assert_string_equal(json_string_value(json_object_get(hb,
							      "localDateTime")),
			    "2025-12-02 04:34:56");
	assert_string_equal(json_string_value(json_object_get(hb, "msg")),
			    "keyword [ok] not in [x]");
	assert_true(json_is_null(json_object_get(hb, "ping")));
	assert_true(json_is_true(json_object_get(hb, "important")));
	assert_int_equal(json_integer_value(json_object_get(hb, "duration")), 30);
	assert_string_equal(json_string_value(json_object_get(hb, "timezone")),
			    "UTC");
	json_t *mo = json_object_get(j, "monitor");
	assert_int_equal(json_integer_value(json_object_get(mo, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(mo, "name")), "web");
	assert_string_equal(json_string_value(json_object_get(mo, "type")),
			    "keyword");
	assert_string_equal(json_string_value(json_object_get(mo, "url")),
			    "http://10.0.0.5/");
	assert_string_equal(json_string_value(json_object_get(mo, "keyword")),
			    "ok");
	assert_string_equal(json_string_value(json_object_get(mo,
							      "description")),
			    "front");
	assert_int_equal(json_integer_value(json_object_get(mo, "interval")), 30);
	assert_int_equal(json_integer_value(json_object_get(mo, "maxretries")), 2);
	assert_true(json_is_true(json_object_get(mo, "active")));
	assert_true(json_is_false(json_object_get(mo, "upsideDown")));
	json_t *codes = json_object_get(mo, "accepted_statuscodes");
	assert_int_equal(json_array_size(codes), 2);
	assert_string_equal(json_string_value(json_array_get(codes, 1)), "404");
	assert_true(json_is_null(json_object_get(mo, "dns_resolve_server")));
	/* No connection string, password or token in a webhook. */
	assert_null(json_object_get(mo, "databaseConnectionString"));
	json_decref(j);

	/* UP, with a ping; paused shows inactive. */
	m.ping_ms = 12.5;
	m.paused = true;
	b = (struct watch_beat){.status = WATCH_UP, .alert = WATCH_ALERT_UP};
	j = body(&m, &b, "200 - OK", "[web] [\xe2\x9c\x85 Up] 200 - OK");
	hb = json_object_get(j, "heartbeat");
	assert_int_equal(json_integer_value(json_object_get(hb, "status")), 1);
	assert_true(json_real_value(json_object_get(hb, "ping")) == 12.5);
	assert_true(json_is_false(json_object_get(hb, "important")));
	assert_true(json_is_false(json_object_get(json_object_get(j, "monitor"),
						  "active")));
	json_decref(j);
	config_unref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_and_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
