/* SPDX-License-Identifier: MIT */
/* Unit tests of the watch room's config: Kuma's defaults, and refusals at FILE:LINE:COL naming the key. */
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
#include "core/room.h"
#include "watch/config.h"
#include "watch/watch_room.h"

/* Refused at @line:@col with @word1 and @word2 (may be NULL) in the
 * message. */
static void refused(const char *yaml, int line, int col, const char *word1,
		    const char *word2)
{
	const char *words[] = {word1, word2, NULL};
	unit_refused(yaml, line, col, words);
}

static void test_defaults_are_kumas(void **state)
{
	(void)state;
	struct config *c = unit_load_ok("watch:\n"
				   "  monitors:\n"
				   "    - name: web\n"
				   "      type: http\n"
				   "      url: http://127.0.0.1/\n"
				   "    - {name: p, type: push, token: abcd, "
				   "interval: 10s, timeout: 3s}\n");
	assert_true(room_enabled(c, &watch_room_def));
	const struct cfg_watch *w = watch_config(c);
	assert_int_equal(w->n_monitors, 2);
	const struct cfg_watch_monitor *m = &w->monitors[0];
	assert_int_equal(m->type, WATCH_HTTP);
	assert_int_equal(m->interval, 60);
	assert_int_equal(m->retries, 0);
	assert_int_equal(m->retry_interval, 60);
	assert_int_equal(m->timeout_ms, 48000); /* 0.8 x interval */
	assert_int_equal(m->resend_interval, 0);
	assert_int_equal(m->max_redirects, 10);
	assert_false(m->upside_down);
	assert_false(m->ignore_tls);
	assert_string_equal(m->method, "GET");
	assert_int_equal(m->n_codes, 1);
	assert_int_equal(m->codes[0].lo, 200);
	assert_int_equal(m->codes[0].hi, 299);
	assert_int_equal(m->depends_index, -1);
	assert_int_equal(w->monitors[1].type, WATCH_PUSH);
	assert_int_equal(w->monitors[1].timeout_ms, 3000);
	assert_int_equal(w->retention.heartbeats, 365 * 86400);
	assert_int_equal(w->retention.minutely, 86400);
	assert_int_equal(w->retention.hourly, 30 * 86400);
	config_unref(c);
}

static void test_dependencies_resolve(void **state)
{
	(void)state;
	struct config *c = unit_load_ok("watch:\n"
				   "  alerts: {to: ['ntfy:lab']}\n"
				   "  monitors:\n"
				   "    - {name: a, type: port, hostname: h, port: 1}\n"
				   "    - {name: b, type: port, hostname: h, port: 2,"
				   " depends_on: a}\n");
	const struct cfg_watch *w = watch_config(c);
	assert_int_equal(w->monitors[1].depends_index, 0);
	assert_int_equal(w->alerts.n_to, 1);
	assert_string_equal(w->alerts.to[0], "ntfy:lab");
	config_unref(c);
}

static void test_maintenance_windows(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"watch:\n  monitors: [{name: a, type: push, token: abcd}]\n"
		"  maintenance:\n"
		"    - {name: m}\n"
		"    - {name: s, strategy: single, start: '2026-12-02 10:00',"
		" end: '2026-12-02T12:30:00', timezone: '+01:00', monitors: [a]}\n"
		"    - {name: w, strategy: recurring-weekday, weekdays: [sat, 7],"
		" start_time: '22:00', end_time: '02:00', timezone: local}\n"
		"    - {name: d, strategy: recurring-day-of-month, days: [1, last],"
		" start_time: '00:00', end_time: '24:00'}\n"
		"    - {name: i, strategy: recurring-interval, interval_days: 3,"
		" first_day: '2026-12-01', start_time: '03:00', end_time: '04:00'}\n");
	const struct cfg_watch *w = watch_config(c);
	assert_int_equal(w->n_maintenance, 5);
	assert_int_equal(w->maintenance[0].rule.strategy, WATCH_MAINT_MANUAL);
	assert_true(w->maintenance[0].rule.active);
	assert_int_equal(w->maintenance[1].rule.end_s - w->maintenance[1].rule.start_s,
			 9000);
	assert_int_equal(w->maintenance[1].offset_s, 3600);
	assert_int_equal(w->maintenance[2].rule.weekdays, 1u << 6 | 1u << 0);
	assert_true(w->maintenance[2].local);
	assert_int_equal(w->maintenance[2].rule.start_min, 22 * 60);
	assert_int_equal(w->maintenance[3].rule.days, 1u << 1);
	assert_true(w->maintenance[3].rule.last_day);
	assert_int_equal(w->maintenance[4].rule.interval_days, 3);
	config_unref(c);
}

#define W "watch:\n  monitors:\n"

static void test_redis_strings(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"watch:\n  monitors:\n"
		"    - {name: a, type: redis, database_connection_string: "
		"'redis://u:p@w@cache.lab:6380/3'}\n"
		"    - {name: b, type: redis, database_connection_string: "
		"'redis://10.0.0.5'}\n");
	const struct cfg_watch *w = watch_config(c);
	const struct cfg_watch_monitor *a = &w->monitors[0], *b = &w->monitors[1];
	assert_string_equal(a->db_user, "u");
	assert_string_equal(a->db_password, "p@w");
	assert_string_equal(a->hostname, "cache.lab");
	assert_int_equal(a->port, 6380);
	assert_int_equal(a->db_index, 3);
	assert_null(b->db_password);
	assert_string_equal(b->hostname, "10.0.0.5");
	assert_int_equal(b->port, 6379);
	assert_false(b->db_tls);
	config_unref(c);
	c = unit_load_ok("watch:\n  monitors:\n"
			 "    - {name: a, type: redis, database_connection_string: "
			 "'rediss://:p%40ss@[::1]:6380'}\n");
	a = &watch_config(c)->monitors[0];
	assert_true(a->db_tls);
	assert_null(a->db_user);
	assert_string_equal(a->db_password, "p@ss");
	assert_string_equal(a->hostname, "::1");
	assert_int_equal(a->port, 6380);
	config_unref(c);
	refused("watch:\n  monitors:\n"
		"    - {name: a, type: redis}\n", 3, 7,
		"database_connection_string:", NULL);
	refused("watch:\n  monitors:\n"
		"    - {name: a, type: redis, database_connection_string: "
		  "'redis://h:99999'}\n", 3, 58, "bad port", NULL);
	refused("watch:\n  monitors:\n"
		"    - {name: a, type: redis, database_connection_string: "
		  "'mysql://h'}\n", 3, 58, "not redis://", NULL);
}

static void test_database_strings(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"watch:\n  monitors:\n"
		"    - {name: a, type: mysql, database_connection_string: "
		"'mysql://hearth:s%3Acret@db.lab/app', database_query: "
		"'SELECT 2'}\n"
		"    - {name: b, type: postgres, database_connection_string: "
		"'postgres://u:p@127.0.0.1:5433/app'}\n"
		"    - {name: c, type: postgres, database_connection_string: "
		"'host=127.0.0.1 user=u dbname=app'}\n");
	const struct cfg_watch *w = watch_config(c);
	const struct cfg_watch_monitor *a = &w->monitors[0];
	assert_int_equal(a->type, WATCH_MYSQL);
	assert_string_equal(a->db_user, "hearth");
	assert_string_equal(a->db_password, "s:cret");
	assert_string_equal(a->hostname, "db.lab");
	assert_int_equal(a->port, 3306);
	assert_string_equal(a->db_name, "app");
	assert_string_equal(a->db_query, "SELECT 2");
	assert_int_equal(w->monitors[1].type, WATCH_POSTGRES);
	assert_null(w->monitors[1].db_query); /* SELECT 1 when run */
	assert_int_equal(w->monitors[2].type, WATCH_POSTGRES);
	config_unref(c);
	refused(W "    - {name: a, type: mysql}\n", 3, 7,
		"database_connection_string:", "mysql://");
	refused(W "    - {name: a, type: mysql, database_connection_string: "
		  "'mysql://u:p@:3306/x'}\n", 3, 58, "no host", NULL);
	refused(W "    - {name: a, type: mysql, database_connection_string: "
		  "'postgres://u@h/x'}\n", 3, 58, "not mysql://", NULL);
	refused(W "    - {name: a, type: postgres, database_connection_string: "
		  "'host=h bogus=1'}\n", 3, 61, "database_connection_string:",
		"bogus");
	refused(W "    - {name: a, type: postgres}\n", 3, 7,
		"database_connection_string:", NULL);
	refused(W "    - {name: a, type: mariadb}\n", 3, 23, "type:", "mysql");
	refused(W "    - {name: a, type: dns, hostname: x, dns_transport: "
		  "quic}\n", 3, 56, "dns_transport:", "quic");
	c = unit_load_ok(W "    - {name: a, type: dns, hostname: x, "
			 "dns_resolve_server: '::1', dns_transport: tcp}\n");
	assert_true(watch_config(c)->monitors[0].dns_tcp);
	config_unref(c);
}

static void test_from_lab(void **state)
{
	(void)state;
	static const char *const lab =
		"lab:\n  hosts:\n"
		"    gw: {ip: 192.168.1.1}\n"
		"    nas: {ip: 192.168.1.5}\n"
		"    v6: {ip: 'fd00::5'}\n"
		"    nameless: {}\n";
	char yaml[512];
	snprintf(yaml, sizeof(yaml),
		 "%swatch:\n  from_lab: true\n  lab_interval: 30s\n"
		 "  monitors: [{name: gw, type: push, token: abcd}]\n", lab);
	struct config *c = unit_load_ok(yaml);
	const struct cfg_watch *w = watch_config(c);
	/* gw is the file's (a push); nas is derived; v6 and nameless not. */
	assert_int_equal(w->n_monitors, 2);
	assert_int_equal(w->monitors[0].type, WATCH_PUSH);
	assert_false(w->monitors[0].from_lab);
	const struct cfg_watch_monitor *m = &w->monitors[1];
	assert_string_equal(m->name, "nas");
	assert_int_equal(m->type, WATCH_PING);
	assert_string_equal(m->hostname, "192.168.1.5");
	assert_true(m->from_lab);
	assert_int_equal(m->interval, 30);
	assert_int_equal(m->retries, 1);
	assert_int_equal(m->timeout_ms, 24000);
	config_unref(c);
	/* Off by default: nothing derived. */
	snprintf(yaml, sizeof(yaml), "%swatch: {}\n", lab);
	c = unit_load_ok(yaml);
	assert_int_equal(watch_config(c)->n_monitors, 0);
	config_unref(c);
}

static void test_disabled(void **state)
{
	(void)state;
	struct config *c = unit_load_ok("watch:\n  enabled: false\n");
	assert_false(room_enabled(c, &watch_room_def));
	assert_true(room_disabled(c, &watch_room_def));
	config_unref(c);
}

static void test_refusals(void **state)
{
	(void)state;
	refused(W "    - {name: a, type: pushy, token: abcd}\n", 3, 23, "type:",
		"pushy");
	refused(W "    - {name: a, type: tls}\n", 3, 23, "not supported yet",
		NULL);
	refused(W "    - {name: a, type: dns}\n", 3, 7, "hostname:", NULL);
	refused(W "    - {name: a, type: dns, hostname: x, dns_resolve_type: AXFR}\n",
		3, 59, "dns_resolve_type:", "AXFR");
	refused(W "    - {name: a, type: dns, hostname: x, dns_resolve_server: "
		  "dns.google}\n", 3, 61, "dns_resolve_server:", "dns.google");
	refused(W "    - {name: a, type: http}\n", 3, 7, "url:", NULL);
	refused(W "    - {name: a, type: http, url: ftp://x}\n", 3, 34, "url:",
		"ftp://x");
	refused(W "    - {name: a, type: http, url: 'http://x',"
		  " accepted_statuscodes: ['2xx']}\n",
		3, 68, "accepted_statuscodes:", "2xx");
	refused(W "    - {name: a, type: keyword, url: 'http://x'}\n", 3, 7,
		"keyword:", NULL);
	refused(W "    - {name: a, type: json-query, url: 'http://x',"
		  " json_path: '$.a[', expected_value: '1'}\n",
		3, 63, "json_path:", NULL);
	refused(W "    - {name: a, type: json-query, url: 'http://x',"
		  " json_path: '$.a', json_path_operator: '=~',"
		  " expected_value: '1'}\n",
		3, 90, "json_path_operator:", "=~");
	refused(W "    - {name: a, type: port, hostname: h}\n", 3, 7,
		"port", NULL);
	refused(W "    - {name: a, type: ping}\n", 3, 7, "hostname:", NULL);
	refused(W "    - {name: a, type: smtp, hostname: h}\n", 3, 7,
		"hostname, port:", NULL);
	refused(W "    - {name: a, type: smtp, hostname: h, port: 25,"
		  " smtp_security: secure}\n", 3, 67, "smtp_security:",
		"not supported yet");
	refused(W "    - {name: a, type: push}\n", 3, 7, "token:", NULL);
	refused(W "    - {name: a, type: push, token: 'a b c d'}\n", 3, 36,
		"token:", NULL);
	refused(W "    - {name: a, type: push, token: abcd, interval: 0}\n", 3,
		52, "interval", NULL);
	refused(W "    - {name: a, type: push, token: abcd}\n"
		  "    - {name: a, type: push, token: efgh}\n",
		4, 14, "name:", "twice");
	refused(W "    - {name: a, type: push, token: abcd}\n"
		  "    - {name: b, type: push, token: abcd}\n",
		4, 36, "token:", "'a'");
	refused(W "    - {name: a, type: push, token: abcd, id: 7}\n"
		  "    - {name: b, type: push, token: efgh, id: 7}\n",
		4, 46, "id:", "'a'");
	refused(W "    - {name: a, type: push, token: abcd, depends_on: c}\n",
		3, 54, "depends_on:", "'c'");
	refused(W "    - {name: a, type: push, token: abcd, depends_on: b}\n"
		  "    - {name: b, type: push, token: efgh, depends_on: a}\n",
		3, 54, "depends_on:", "itself");
	refused(W "    - {name: a, type: push, token: abcd, parent: b}\n"
		  "    - {name: b, type: push, token: efgh}\n",
		3, 50, "parent:", "not a group");
	refused(W "    - {name: a, type: push, token: abcd, parent: c}\n",
		3, 50, "parent:", "'c'");
	refused(W "    - {name: a, type: group, parent: b}\n"
		  "    - {name: b, type: group, parent: a}\n",
		3, 38, "parent:", "itself");
#define MW "watch:\n  monitors: [{name: a, type: push, token: abcd}]\n" \
	   "  maintenance:\n"
	refused(MW "    - {name: w, strategy: cron}\n", 4, 27, "strategy:",
		"cron is not supported yet");
	refused(MW "    - {name: w, strategy: single, start: '2026-12-02 10:00'}\n",
		4, 7, "start, end:", NULL);
	refused(MW "    - {name: w, strategy: single, start: '2026-12-02 10:00',"
		   " end: '2026-12-02 09:00'}\n", 4, 67, "end:", "not after");
	refused(MW "    - {name: w, strategy: single, start: 'tomorrow',"
		   " end: '2026-12-02 09:00'}\n", 4, 42, "start:", "tomorrow");
	refused(MW "    - {name: w, strategy: recurring-weekday, weekdays: [funday],"
		   " start_time: '01:00', end_time: '02:00'}\n", 4, 56,
		"weekdays:", "funday");
	refused(MW "    - {name: w, strategy: recurring-weekday, weekdays: [mon]}\n",
		4, 7, "start_time, end_time:", NULL);
	refused(MW "    - {name: w, strategy: recurring-day-of-month, days: [32],"
		   " start_time: '01:00', end_time: '02:00'}\n", 4, 57, "days:",
		"32");
	refused(MW "    - {name: w, timezone: Europe/Brussels}\n", 4, 27,
		"timezone:", "not supported yet");
	refused(MW "    - {name: w, monitors: [b]}\n", 4, 27, "monitors:", "'b'");
}

static void test_status_page_incident(void **state)
{
	(void)state;
#define PW "watch:\n  monitors: [{name: a, type: push, token: abcd}]\n" \
	   "  status_pages:\n"
	struct config *c = unit_load_ok(
		PW "    - slug: lab\n"
		   "      incident: {title: Outage, content: '*slow* disks',"
		   " style: danger, date: '2026-12-01 22:30'}\n"
		   "      groups: [{name: G, monitors: [a]}]\n"
		   "    - slug: calm\n");
	const struct cfg_watch *w = watch_config(c);
	assert_int_equal(w->n_pages, 2);
	const struct cfg_watch_incident *i = &w->pages[0].incident;
	assert_string_equal(i->title, "Outage");
	assert_string_equal(i->content, "*slow* disks");
	assert_string_equal(i->style, "danger");
	assert_int_equal(i->created_s, 1796164200); /* 2026-12-01T22:30:00Z */
	/* None given: no title, no content, Kuma's default style. */
	assert_null(w->pages[1].incident.title);
	assert_null(w->pages[1].incident.content);
	assert_string_equal(w->pages[1].incident.style, "primary");
	assert_int_equal(w->pages[1].incident.created_s, 0);
	config_unref(c);
	refused(PW "    - slug: lab\n"
		   "      incident: {title: x, style: purple}\n", 5, 35,
		"incident.style:", "purple");
	refused(PW "    - slug: lab\n"
		   "      incident: {title: x, date: 'yesterday'}\n", 5, 34,
		"incident.date:", "yesterday");
	refused(PW "    - slug: lab\n"
		   "      incident: {title: x, date: '2026-13-01 10:00'}\n", 5,
		34, "incident.date:", NULL);
	refused(PW "    - slug: lab\n"
		   "      incident: {title: x, date: '2026-12-01 10:00:00x'}\n",
		5, 34, "incident.date:", NULL);
	refused(PW "    - slug: lab\n"
		   "      incident: {title: x, date: '2026-02-29 10:00'}\n", 5,
		34, "incident.date:", NULL);
	refused(PW "    - slug: lab\n"
		   "      incident: {title: x, date: '2026-04-31 10:00'}\n", 5,
		34, "incident.date:", NULL);
	c = unit_load_ok(PW "    - slug: lab\n"
		       "      incident: {title: x, date: '2028-02-29 23:59:59'}\n");
	assert_int_equal(watch_config(c)->pages[0].incident.created_s,
			 1835481599); /* 2028-02-29T23:59:59Z */
	config_unref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_kumas),
		cmocka_unit_test(test_dependencies_resolve),
		cmocka_unit_test(test_maintenance_windows),
		cmocka_unit_test(test_redis_strings),
		cmocka_unit_test(test_database_strings),
		cmocka_unit_test(test_from_lab),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_status_page_incident),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
