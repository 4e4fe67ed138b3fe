/* SPDX-License-Identifier: MIT */
/* Unit tests for src/watch/spec.c: API bodies read with the config loader's rules, refusals naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "cmd/rooms.h"
#include "core/config_schema.h"
#include "watch/spec.h"

static struct config_schema schema;

/* Parses @body; returns the refusal ("" when accepted), *m the monitor. */
static int parse(const char *body, struct config **snap,
		 const struct cfg_watch_monitor **m, char *why, size_t n)
{
	json_t *o = json_loads(body, 0, NULL);
	assert_non_null(o);
	why[0] = '\0';
	int rc = watch_spec_parse(&schema, o, snap, m, why, n);
	json_decref(o);
	return rc;
}

static void accepted_with_the_configs_defaults(void **state)
{
	(void)state;
	struct config *snap;
	const struct cfg_watch_monitor *m;
	char why[160];
	assert_int_equal(parse("{\"name\":\"d\",\"type\":\"dns\",\"hostname\":"
			       "\"a.lab\",\"dns_resolve_type\":\"MX\","
			       "\"dns_transport\":\"tcp\",\"interval\":10,"
			       "\"description\":null}",
			       &snap, &m, why, sizeof(why)), 0);
	assert_int_equal(m->type, WATCH_DNS);
	assert_int_equal(m->dns_type, 15);
	assert_true(m->dns_tcp);
	assert_string_equal(m->dns_server, "1.1.1.1"); /* Kuma's default */
	assert_int_equal(m->timeout_ms, 8000);
	assert_int_equal(m->retry_interval, 60);
	assert_null(m->description);
	config_unref(snap);
	assert_int_equal(parse("{\"name\":\"r\",\"type\":\"redis\","
			       "\"database_connection_string\":"
			       "\"rediss://:pw@h:7000/3\"}",
			       &snap, &m, why, sizeof(why)), 0);
	assert_true(m->db_tls);
	assert_int_equal(m->port, 7000);
	assert_int_equal(m->db_index, 3);
	assert_string_equal(m->db_password, "pw");
	config_unref(snap);
	assert_int_equal(parse("{\"name\":\"h\",\"type\":\"http\",\"url\":"
			       "\"http://h/\",\"accepted_statuscodes\":"
			       "[\"200-299\",\"404\"]}",
			       &snap, &m, why, sizeof(why)), 0);
	assert_int_equal(m->n_codes, 2);
	assert_int_equal(m->codes[1].lo, 404);
	config_unref(snap);
	assert_int_equal(parse("{\"name\":\"p\",\"type\":\"push\",\"token\":"
			       "\"abcd\",\"tags\":[{\"name\":\"env\","
			       "\"value\":\"prod\"}]}",
			       &snap, &m, why, sizeof(why)), 0);
	assert_int_equal(m->n_tags, 1);
	assert_string_equal(m->tags[0].value, "prod");
	assert_string_equal(m->tags[0].color, "#4B5563");
	config_unref(snap);
}

static void refusals_name_the_field(void **state)
{
	(void)state;
	static const struct {
		const char *body, *why;
	} cases[] = {
		{"[]", "body: "},
		{"{\"type\":\"ping\",\"hostname\":\"h\"}", "name: required"},
		{"{\"name\":\"x\",\"type\":\"ping\",\"hostname\":\"h\","
		 "\"colour\":1}", "colour: unknown field"},
		{"{\"name\":\"x\",\"type\":\"ping\",\"hostname\":\"h\","
		 "\"interval\":0}", "interval: is out of range"},
		{"{\"name\":\"x\",\"type\":\"ping\",\"hostname\":\"h\","
		 "\"interval\":\"5s\"}", "interval: an integer"},
		{"{\"name\":\"x\",\"type\":\"ping\",\"hostname\":\"h\","
		 "\"upside_down\":1}", "upside_down: true or false"},
		{"{\"name\":\"x\",\"type\":\"ping\",\"hostname\":\"h\","
		 "\"parent\":\"g\"}", "parent: only in the config file"},
		{"{\"name\":\"x\",\"type\":\"port\",\"hostname\":\"h\"}",
		 "hostname: a port monitor needs both (hostname, port)"},
		{"{\"name\":\"x\",\"type\":\"push\",\"token\":\"a b\"}", "token: "},
		{"{\"name\":\"x\",\"type\":\"docker\"}", "type: monitor type "
							"'docker' is not "
							"supported yet"},
		{"{\"name\":\"x\",\"type\":\"smtp\",\"hostname\":\"h\",\"port\":25,"
		 "\"smtp_security\":\"tls\"}", "smtp_security: "},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *snap;
		const struct cfg_watch_monitor *m;
		char why[160];
		assert_int_equal(parse(cases[i].body, &snap, &m, why, sizeof(why)),
				 -EINVAL);
		assert_null(snap);
		if (strncmp(why, cases[i].why, strlen(cases[i].why)))
			fail_msg("%s: got '%s', want '%s...'", cases[i].body, why,
				 cases[i].why);
	}
}

static void windows_read_with_the_configs_rules(void **state)
{
	(void)state;
	struct config *snap;
	const struct cfg_watch_maint *mw;
	char why[160];
	json_t *o = json_loads("{\"name\":\"w\",\"strategy\":\"cron\","
			       "\"cron\":\"30 2 * * mon-fri\",\"duration\":5400,"
			       "\"monitors\":[\"a\"]}", 0, NULL);
	assert_int_equal(watch_window_spec_parse(&schema, o, &snap, &mw, why,
						 sizeof(why)), 0);
	assert_string_equal(mw->name, "w");
	assert_int_equal(mw->rule.duration_s, 5400);
	assert_int_equal(mw->n_monitors, 0); /* left to the caller */
	config_unref(snap);
	json_decref(o);
	o = json_loads("{\"name\":\"w\",\"strategy\":\"manual\","
		       "\"monitors\":[1]}", 0, NULL);
	assert_int_equal(watch_window_spec_parse(&schema, o, &snap, &mw, why,
						 sizeof(why)), -EINVAL);
	assert_string_equal(why, "monitors: a list of monitor names");
	json_decref(o);
	o = json_loads("{\"name\":\"w\",\"strategy\":\"weekly\"}", 0, NULL);
	assert_int_equal(watch_window_spec_parse(&schema, o, &snap, &mw, why,
						 sizeof(why)), -EINVAL);
	assert_true(!strncmp(why, "strategy:", 9));
	json_decref(o);
}

static void pages_read_groups_left_to_the_caller(void **state)
{
	(void)state;
	struct config *snap;
	const struct cfg_watch_page *p;
	char why[160];
	json_t *o = json_loads("{\"slug\":\"lab\",\"auto_refresh\":60,"
			       "\"groups\":[{\"name\":\"A\",\"monitors\":"
			       "[\"web\",7]},{\"name\":\"B\"}],\"incident\":"
			       "{\"title\":\"t\",\"date\":\"2026-12-02 08:00\"}}",
			       0, NULL);
	assert_int_equal(watch_page_spec_parse(&schema, o, &snap, &p, why,
					       sizeof(why)), 0);
	assert_string_equal(p->slug, "lab");
	assert_string_equal(p->title, "Status"); /* the config's default */
	assert_string_equal(p->theme, "auto");
	assert_int_equal(p->auto_refresh, 60);
	assert_int_equal(p->n_groups, 2);
	assert_string_equal(p->groups[0].name, "A");
	assert_int_equal(p->groups[0].n_monitors, 0); /* left to the caller */
	assert_int_equal(p->incident.created_s, 1796198400);
	config_unref(snap);
	/* The body itself keeps its monitors. */
	assert_int_equal(json_array_size(json_object_get(
				 json_array_get(json_object_get(o, "groups"), 0),
				 "monitors")), 2);
	json_decref(o);
	static const struct {
		const char *body, *why;
	} bad[] = {
		{"{\"slug\":\"x\",\"groups\":[{\"name\":\"G\",\"monitors\":[0]}]}",
		 "groups: monitors: a list of monitor names or ids"},
		{"{\"slug\":\"x\",\"groups\":[{\"name\":\"G\",\"monitors\":\"a\"}]}",
		 "groups: monitors: a list of monitor names or ids"},
		{"{\"slug\":\"x\",\"groups\":[1]}", "groups: a list of objects"},
		{"{\"slug\":\"x\",\"groups\":{}}", "groups: a list"},
		{"{\"slug\":\"A B\"}", "slug: lower-case letters, digits, - and _"},
		{"{\"slug\":\"x\",\"auto_refresh\":\"1m\"}",
		 "auto_refresh: an integer"},
		{"[]", "body: the body must be a JSON object"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_loads(bad[i].body, 0, NULL);
		assert_non_null(o);
		assert_int_equal(watch_page_spec_parse(&schema, o, &snap, &p, why,
						       sizeof(why)), -EINVAL);
		assert_string_equal(why, bad[i].why);
		assert_null(snap);
		json_decref(o);
	}
}

static void notifications_read_with_their_events(void **state)
{
	(void)state;
	struct config *snap;
	const struct cfg_watch_notification *n;
	char why[160];
	json_t *o = json_loads("{\"name\":\"ops\",\"to\":\"ntfy:ops\","
			       "\"events\":[\"down\",\"resend\"]}", 0, NULL);
	assert_int_equal(watch_notif_spec_parse(&schema, o, &snap, &n, why,
						sizeof(why)), 0);
	assert_string_equal(n->name, "ops");
	assert_int_equal(n->n_to, 1);
	assert_int_equal(n->mask, WATCH_NOTIFY_DOWN | WATCH_NOTIFY_RESEND);
	assert_false(n->is_default);
	config_unref(snap);
	json_decref(o);
	o = json_loads("{\"name\":\"all\",\"to\":[\"tgram://t/c\"],"
		       "\"default\":true}", 0, NULL);
	assert_int_equal(watch_notif_spec_parse(&schema, o, &snap, &n, why,
						sizeof(why)), 0);
	assert_int_equal(n->mask, WATCH_NOTIFY_ALL); /* every event */
	assert_true(n->is_default);
	config_unref(snap);
	json_decref(o);
	static const struct {
		const char *body, *why;
	} bad[] = {
		{"{\"name\":\"x\"}", "to: notification 'x' goes nowhere "
					"(ntfy:TOPIC or Apprise URLs)"},
		{"{\"name\":\"x\",\"to\":[\"ops\"]}",
		 "to: 'ops' is neither ntfy:TOPIC nor an Apprise URL (SCHEME://...)"},
		{"{\"name\":\"x y\",\"to\":[\"ntfy:a\"]}",
		 "name: 1-64 letters, digits, '-', '_' or '.'"},
		{"{\"name\":\"x\",\"to\":[\"ntfy:a\"],\"events\":[\"late\"]}",
		 "events: 'late' is not down, up, cert_expiry or resend"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_loads(bad[i].body, 0, NULL);
		assert_non_null(o);
		assert_int_equal(watch_notif_spec_parse(&schema, o, &snap, &n, why,
							sizeof(why)), -EINVAL);
		assert_string_equal(why, bad[i].why);
		json_decref(o);
	}
	/* A monitor's notifications: their shape checked, left out. */
	const struct cfg_watch_monitor *m;
	assert_int_equal(parse("{\"name\":\"p\",\"type\":\"push\",\"token\":"
			       "\"tok1\",\"notifications\":[\"ops\"]}",
			       &snap, &m, why, sizeof(why)), 0);
	assert_int_equal(m->n_notifications, 0);
	assert_false(m->notifications_set);
	config_unref(snap);
	assert_int_equal(parse("{\"name\":\"p\",\"type\":\"push\",\"token\":"
			       "\"tok1\",\"notifications\":\"ops\"}",
			       &snap, &m, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "notifications: a list of notification names");
}

int main(void)
{
	assert_int_equal(config_schema_init(&schema, hearth_rooms), 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted_with_the_configs_defaults),
		cmocka_unit_test(refusals_name_the_field),
		cmocka_unit_test(windows_read_with_the_configs_rules),
		cmocka_unit_test(pages_read_groups_left_to_the_caller),
		cmocka_unit_test(notifications_read_with_their_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
