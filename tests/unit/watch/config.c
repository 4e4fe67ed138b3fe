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
#include "watch/internal.h"
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

/* UTC seconds of "YYYY-MM-DD HH:MM[:SS]". */
static int64_t utc(const char *text)
{
	int64_t t;
	assert_int_equal(watch_maint_parse_datetime(text, &t), 0);
	return t;
}

/* Cron windows in IANA zones, across the DST changes of 2027 (Berlin:
 * 03-28 and 10-31 at 01:00 UTC; New York: 03-14 07:00, 11-07 06:00 UTC),
 * at scripted instants: one code path for the room and the pages. */
static void test_cron_windows_across_dst(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"watch:\n  monitors: [{name: a, type: push, token: abcd}]\n"
		"  maintenance:\n"
		"    - {name: c, strategy: cron, cron: '0 3 * * *', duration: 60m,"
		" timezone: Europe/Berlin}\n"
		"    - {name: g, strategy: cron, cron: '30 2 * * *', duration: 30m,"
		" timezone: Europe/Berlin}\n"
		"    - {name: n, strategy: cron, cron: '30 1 * * sun', duration: 20m,"
		" timezone: America/New_York, start: '2027-01-01 00:00',"
		" end: '2027-12-31 00:00'}\n"
		"    - {name: x, strategy: cron, cron: '* * * * *', duration: 5m,"
		" active: false}\n"
		"    - {name: s, strategy: single, start: '2027-03-28 01:30',"
		" end: '2027-03-28 03:30', timezone: Europe/Berlin}\n");
	const struct cfg_watch *w = watch_config(c);
	const struct cfg_watch_maint *cw = &w->maintenance[0],
				     *g = &w->maintenance[1],
				     *n = &w->maintenance[2],
				     *x = &w->maintenance[3],
				     *s = &w->maintenance[4];
	assert_string_equal(cw->zone, "Europe/Berlin");
	assert_int_equal(cw->rule.strategy, WATCH_MAINT_CRON);
	assert_int_equal(cw->rule.duration_s, 3600);
	/* 03:00 CET = 02:00 UTC the day before the change ... */
	assert_false(watch_window_on(cw, utc("2027-03-27 01:59:59")));
	assert_true(watch_window_on(cw, utc("2027-03-27 02:00")));
	assert_true(watch_window_on(cw, utc("2027-03-27 02:59:59")));
	assert_false(watch_window_on(cw, utc("2027-03-27 03:00")));
	/* ... 03:00 CEST = 01:00 UTC on it (a fixed +01:00 would say 02:00) */
	assert_true(watch_window_on(cw, utc("2027-03-28 01:00")));
	assert_true(watch_window_on(cw, utc("2027-03-28 01:59")));
	assert_false(watch_window_on(cw, utc("2027-03-28 02:30")));
	/* ... and 03:00 CET again = 02:00 UTC after clocks go back. */
	assert_false(watch_window_on(cw, utc("2027-10-31 01:30")));
	assert_true(watch_window_on(cw, utc("2027-10-31 02:00")));
	assert_true(watch_window_on(cw, utc("2027-10-31 02:59")));
	/* 02:30 does not exist on 03-28: the window starts as far past the
	 * jump (03:30 CEST = 01:30 UTC); on 10-31 it exists twice: once. */
	assert_false(watch_window_on(g, utc("2027-03-28 01:29")));
	assert_true(watch_window_on(g, utc("2027-03-28 01:30")));
	assert_false(watch_window_on(g, utc("2027-03-28 02:00")));
	assert_true(watch_window_on(g, utc("2027-10-31 00:30")));
	assert_false(watch_window_on(g, utc("2027-10-31 01:00")));
	assert_false(watch_window_on(g, utc("2027-10-31 01:35")));
	/* New York, Sundays 01:30 local: EST, then EDT, the repeated hour
	 * once (01:30 EDT = 05:30 UTC), and the date range. */
	assert_true(watch_window_on(n, utc("2027-03-14 06:30")));
	assert_false(watch_window_on(n, utc("2027-03-14 06:50")));
	assert_true(watch_window_on(n, utc("2027-03-21 05:45")));
	assert_false(watch_window_on(n, utc("2027-03-21 06:35")));
	assert_true(watch_window_on(n, utc("2027-11-07 05:30")));
	assert_false(watch_window_on(n, utc("2027-11-07 06:35")));
	assert_false(watch_window_on(n, utc("2026-12-27 06:35"))); /* before */
	assert_false(watch_window_on(n, utc("2028-01-02 06:35"))); /* after */
	/* Not active: never on. */
	assert_false(watch_window_on(x, utc("2027-03-28 01:30")));
	/* Kuma's status and slot, as the API lists them. */
	static const struct {
		int window;
		const char *at, *status, *offset;
	} st[] = {
		{0, "2027-03-28 01:30", "under-maintenance", "+02:00"},
		{0, "2027-03-28 02:30", "scheduled", "+02:00"},
		{2, "2026-12-27 06:35", "scheduled", "-05:00"},
		{2, "2028-01-02 06:35", "ended", "-05:00"},
		{3, "2027-03-28 01:30", "inactive", "+00:00"},
		{4, "2027-03-28 01:00", "under-maintenance", "+02:00"},
		{4, "2027-03-28 02:00", "ended", "+02:00"},
	};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		json_t *j = watch_window_json(&w->maintenance[st[i].window],
					      (size_t)st[i].window, utc(st[i].at));
		assert_string_equal(json_string_value(json_object_get(j, "status")),
				    st[i].status);
		assert_string_equal(json_string_value(json_object_get(
					    j, "timezoneOffset")), st[i].offset);
		assert_int_equal(json_integer_value(json_object_get(j, "id")),
				 st[i].window + 1);
		json_decref(j);
	}
	json_t *j = watch_window_json(cw, 0, utc("2027-03-28 01:30"));
	json_t *slot = json_array_get(json_object_get(j, "timeslotList"), 0);
	assert_string_equal(json_string_value(json_object_get(slot, "startDate")),
			    "2027-03-28T01:00:00Z");
	assert_string_equal(json_string_value(json_object_get(slot, "endDate")),
			    "2027-03-28T02:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(j, "durationMinutes")),
			 60);
	json_decref(j);
	/* A single window's wall-clock ends in the zone: 01:30 CET (00:30
	 * UTC) to 03:30 CEST (01:30 UTC). */
	assert_false(watch_window_on(s, utc("2027-03-28 00:29")));
	assert_true(watch_window_on(s, utc("2027-03-28 00:30")));
	assert_true(watch_window_on(s, utc("2027-03-28 01:29")));
	assert_false(watch_window_on(s, utc("2027-03-28 01:30")));
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
	/* mariadb is mysql by another name: the same needs. */
	refused(W "    - {name: a, type: mariadb}\n", 3, 7,
		"database_connection_string:", "mysql://");
	refused(W "    - {name: a, type: dns, hostname: x, dns_transport: "
		  "quic}\n", 3, 56, "dns_transport:", "quic");
	c = unit_load_ok(W "    - {name: a, type: dns, hostname: x, "
			 "dns_resolve_server: '::1', dns_transport: tcp}\n");
	assert_true(watch_config(c)->monitors[0].dns_tcp);
	config_unref(c);
	/* Aliases, and the tls type's default port and ca_file. */
	c = unit_load_ok(W "    - {name: a, type: tcp, hostname: h, port: 22}\n"
			 "    - {name: b, type: mariadb, database_connection_string: "
			 "'mysql://u:p@h/d'}\n"
			 "    - {name: c, type: tls, hostname: h, ca_file: /x.pem}\n");
	const struct cfg_watch *aw = watch_config(c);
	assert_int_equal(aw->monitors[0].type, WATCH_PORT);
	assert_int_equal(aw->monitors[1].type, WATCH_MYSQL);
	assert_int_equal(aw->monitors[2].type, WATCH_TLS);
	assert_int_equal(aw->monitors[2].port, 443);
	assert_string_equal(aw->monitors[2].ca_file, "/x.pem");
	config_unref(c);
}

/* Tags: name, optional value, colour #rrggbb (Kuma's grey by default). */
static void test_tags(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		W "    - {name: a, type: push, token: abcd, tags: [{name: env, "
		  "value: prod, color: '#DC2626'}, {name: nas}]}\n");
	const struct cfg_watch_monitor *m = &watch_config(c)->monitors[0];
	assert_int_equal(m->n_tags, 2);
	assert_string_equal(m->tags[0].name, "env");
	assert_string_equal(m->tags[0].value, "prod");
	assert_string_equal(m->tags[0].color, "#DC2626");
	assert_null(m->tags[1].value);
	assert_string_equal(m->tags[1].color, "#4B5563");
	config_unref(c);
	refused(W "    - {name: a, type: push, token: abcd, tags: [{name: x, "
		  "color: red}]}\n", 3, 66, "tags:", "#rrggbb");
	refused(W "    - {name: a, type: push, token: abcd, tags: [{value: "
		  "x}]}\n", 3, 49, "name", NULL);
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
	/* gw is the file's (a push); nas and v6 are derived (ICMPv6 for v6);
	 * nameless not. */
	assert_int_equal(w->n_monitors, 3);
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
	m = &w->monitors[2];
	assert_string_equal(m->name, "v6");
	assert_int_equal(m->type, WATCH_PING);
	assert_string_equal(m->hostname, "fd00::5");
	assert_true(m->from_lab);
	config_unref(c);
	/* Off by default: nothing derived. */
	snprintf(yaml, sizeof(yaml), "%swatch: {}\n", lab);
	c = unit_load_ok(yaml);
	assert_int_equal(watch_config(c)->n_monitors, 0);
	config_unref(c);
}

/* lab.services: a check each (http for a url, port for host + port, or
 * the type), marked as derived, before the hosts' pings. */
static void test_lab_services(void **state)
{
	(void)state;
	struct config *c = unit_load_ok(
		"lab:\n  hosts:\n"
		"    nas: {ip: 192.168.1.5}\n"
		"  services:\n"
		"    - {name: files, host: nas, port: 445}\n"
		"    - {name: wiki, url: 'https://wiki.lab.internal/'}\n"
		"    - {name: both, host: nas, port: 8080, url: 'http://nas:8080/'}\n"
		"    - {name: dbhost, host: db.lab.internal, port: 5432, type: ping}\n"
		"    - {name: web, host: '10.0.0.9', port: 80}\n"
		"watch:\n  from_lab: true\n  lab_interval: 20s\n"
		"  monitors: [{name: web, type: push, token: abcd}]\n");
	const struct cfg_watch *w = watch_config(c);
	/* web is the file's; four services, then nas's ping. */
	assert_int_equal(w->n_monitors, 6);
	const struct cfg_watch_monitor *m = w->monitors;
	assert_false(m[0].from_lab);
	assert_string_equal(m[1].name, "files");
	assert_int_equal(m[1].type, WATCH_PORT);
	assert_string_equal(m[1].hostname, "192.168.1.5");
	assert_int_equal(m[1].port, 445);
	assert_true(m[1].from_lab);
	assert_string_equal(m[1].service->name, "files");
	assert_int_equal(m[1].interval, 20);
	assert_string_equal(m[2].name, "wiki");
	assert_int_equal(m[2].type, WATCH_HTTP);
	assert_string_equal(m[2].url, "https://wiki.lab.internal/");
	assert_int_equal(m[2].n_codes, 1);
	assert_int_equal(m[2].codes[0].hi, 299);
	assert_int_equal(m[3].type, WATCH_HTTP); /* a url wins */
	assert_int_equal(m[4].type, WATCH_PING);
	assert_string_equal(m[4].hostname, "db.lab.internal");
	assert_string_equal(m[5].name, "nas");
	assert_int_equal(m[5].type, WATCH_PING);
	assert_null(m[5].service);
	config_unref(c);
	/* Without watch.from_lab: nothing derived. */
	c = unit_load_ok("lab:\n  services: [{name: a, url: 'http://a.lab/'}]\n"
			 "watch: {}\n");
	assert_int_equal(watch_config(c)->n_monitors, 0);
	config_unref(c);
}

#define LS "lab:\n  hosts: {nas: {ip: 192.168.1.5}, bare: {}}\n  services:\n"
static void test_lab_service_refusals(void **state)
{
	(void)state;
	refused(LS "    - {name: a, url: 'ftp://x/'}\n", 4, 22, "url:",
		"not http:// or https://");
	refused(LS "    - {name: a, host: nas}\n", 4, 23, "host, port:", "'a'");
	refused(LS "    - {name: a, type: http, host: nas}\n", 4, 23, "url:",
		"no url");
	refused(LS "    - {name: a}\n", 4, 7, "host, port:", NULL);
	refused(LS "    - {name: a, type: dns, url: 'http://x/'}\n", 4, 23,
		"type:", "'dns' is not http, port or ping");
	refused(LS "    - {name: a, host: nsa, port: 1}\n", 4, 23, "host:",
		"'nsa' is not a lab host");
	refused(LS "    - {name: a, host: bare, port: 1}\n", 4, 23, "host:",
		"no ip");
	refused(LS "    - {name: a, host: 'a b', port: 1}\n", 4, 23, "host:",
		NULL);
	refused(LS "    - {name: a, host: nas, port: 70000}\n", 4, 34, "port",
		NULL);
	refused(LS "    - {name: a, url: 'http://x/'}\n"
		   "    - {name: a, url: 'http://y/'}\n", 5, 14, "name:",
		"twice");
	refused(LS "    - {name: nas, url: 'http://x/'}\n"
		   "watch: {from_lab: true}\n", 4, 14, "name:",
		"lab host");
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
	refused(W "    - {name: a, type: docker}\n", 3, 23, "not supported yet",
		NULL);
	refused(W "    - {name: a, type: tls}\n", 3, 7, "hostname, port:", NULL);
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
	/* cron (was "not supported yet" before cron windows landed). */
	refused(MW "    - {name: w, strategy: cron}\n", 4, 7, "cron:",
		"needs its starts");
	refused(MW "    - {name: w, strategy: cron, cron: '0 25 * * *',"
		   " duration: 1h}\n", 4, 39, "cron: hour:", "'25' is not 0-23");
	refused(MW "    - {name: w, strategy: cron, cron: '0 3 * *'}\n", 4, 39,
		"cron:", "five fields");
	refused(MW "    - {name: w, strategy: cron, cron: '0 3 * * *'}\n", 4, 7,
		"duration:", NULL);
	refused(MW "    - {name: w, strategy: recurring, cron: '0 3 * * *'}\n",
		4, 27, "strategy:", "or cron");
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
	/* Zone names (were "not supported yet"): the system's tzdata. */
	refused(MW "    - {name: w, timezone: Europe/Nowhere}\n", 4, 27,
		"timezone:", "'Europe/Nowhere' is not UTC, local, +HH:MM or a "
		"zone of the system's tzdata");
	refused(MW "    - {name: w, timezone: ../../etc/passwd}\n", 4, 27,
		"timezone:", NULL);
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
		cmocka_unit_test(test_cron_windows_across_dst),
		cmocka_unit_test(test_redis_strings),
		cmocka_unit_test(test_database_strings),
		cmocka_unit_test(test_from_lab),
		cmocka_unit_test(test_lab_services),
		cmocka_unit_test(test_lab_service_refusals),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_status_page_incident),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
