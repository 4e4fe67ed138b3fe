/* SPDX-License-Identifier: MIT */
/* The watch room's config schema: every key of `watch:`, with Uptime Kuma's names and defaults, and its checks. */
#include "watch/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "proto/dns/dns.h"
#include "proto/watch/codes.h"
#include "proto/watch/jsonq.h"
#include "watch/watch_room.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define FIELD CFG_FIELD
#define N CFG_N
#define M struct cfg_watch_monitor

static const char *const type_names[] = {
	[WATCH_HTTP] = "http",
	[WATCH_KEYWORD] = "keyword",
	[WATCH_JSON_QUERY] = "json-query",
	[WATCH_PORT] = "port",
	[WATCH_PUSH] = "push",
	[WATCH_GROUP] = "group",
	[WATCH_PING] = "ping",
	[WATCH_DNS] = "dns",
	[WATCH_SMTP] = "smtp",
	[WATCH_REDIS] = "redis",
};

/* Kuma's types that a later hearth runs: refused with a clear word. */
static const char *const later_types[] = {
	"tls", "postgres", "mysql", "mariadb",
	"docker", "real-browser", "grpc-keyword", "mqtt",
	"steam", "gamedig", "sqlserver", "mongodb", "radius", "manual",
	"kafka-producer", "snmp", "rabbitmq", "ntp", "websocket-upgrade",
};

const char *watch_type_name(enum watch_type t)
{
	return type_names[t];
}

static int check_type(M *m, struct cfg_error *err)
{
	for (size_t i = 0; i < N(type_names); i++)
		if (strcmp(m->type_text, type_names[i]) == 0) {
			m->type = (enum watch_type)i;
			return 0;
		}
	for (size_t i = 0; i < N(later_types); i++)
		if (strcmp(m->type_text, later_types[i]) == 0)
			return cfg_fail(err, &m->type_pos,
					"type: monitor type '%s' is not supported "
					"yet (http, keyword, json-query, port, "
					"ping, dns, smtp, redis, push, group "
					"are)", m->type_text);
	return cfg_fail(err, &m->type_pos,
			"type: unknown monitor type '%s' (http, keyword, "
			"json-query, port, ping, dns, smtp, redis, push, "
			"group)",
			m->type_text);
}

/* redis://[[user]:password@]host[:port][/db] into the monitor's fields. */
static int check_redis(struct config *cfg, M *m, struct cfg_error *err)
{
	const char *s = m->conn_string;
	if (!s)
		return cfg_fail(err, &m->pos,
				"database_connection_string: a redis monitor "
				"needs redis://[:password@]host[:port][/db]");
	if (!strncmp(s, "rediss://", 9))
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: rediss:// (TLS) is "
				"not supported yet");
	if (strncmp(s, "redis://", 8))
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: '%s' is not "
				"redis://...", s);
	s += 8;
	const char *at = strrchr(s, '@'), *host = at ? at + 1 : s;
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		if (!colon)
			return cfg_fail(err, &m->conn_pos,
					"database_connection_string: the "
					"credentials are [user]:password");
		if (colon > s)
			m->db_user = arena_strndup(&cfg->arena, s, (size_t)(colon - s));
		m->db_password = arena_strndup(&cfg->arena, colon + 1,
					       (size_t)(at - colon - 1));
		if (!m->db_password)
			return -ENOMEM;
	}
	size_t hl = strcspn(host, ":/");
	if (!hl)
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: no host");
	m->hostname = arena_strndup(&cfg->arena, host, hl);
	if (!m->hostname)
		return -ENOMEM;
	const char *p = host + hl;
	m->port = 6379;
	char *end;
	if (*p == ':') {
		long v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < 1 || v > 65535 || (*end && *end != '/'))
			return cfg_fail(err, &m->conn_pos,
					"database_connection_string: bad port");
		m->port = v;
		p = end;
	}
	if (*p == '/' && p[1]) {
		long v = strtol(p + 1, &end, 10);
		if (*end || v < 0 || v > 1000)
			return cfg_fail(err, &m->conn_pos,
					"database_connection_string: bad database "
					"number");
		m->db_index = v;
	}
	return 0;
}

static int check_http(struct config *cfg, M *m, struct cfg_error *err)
{
	if (!m->url)
		return cfg_fail(err, &m->pos,
				"url: a %s monitor needs a url", m->type_text);
	if (strncmp(m->url, "http://", 7) != 0 &&
	    strncmp(m->url, "https://", 8) != 0)
		return cfg_fail(err, &m->url_pos,
				"url: '%s' is not an http:// or https:// URL",
				m->url);
	for (size_t i = 0; i < m->n_headers; i++) {
		const char *c = strchr(m->headers[i], ':');
		if (!c || c == m->headers[i] || strpbrk(m->headers[i], "\r\n"))
			return cfg_fail(err, &m->pos,
					"headers: '%s' is not 'Name: value'",
					m->headers[i]);
	}
	if (m->basic_auth && !strchr(m->basic_auth, ':'))
		return cfg_fail(err, &m->pos,
				"basic_auth: must be 'user:password'");
	size_t n = m->n_codes_text ? m->n_codes_text : 1;
	m->codes = arena_alloc(&cfg->arena, n * sizeof(*m->codes));
	if (!m->codes)
		return -ENOMEM;
	m->n_codes = n;
	if (!m->n_codes_text)
		m->codes[0] = (struct watch_code_range){200, 299};
	for (size_t i = 0; i < m->n_codes_text; i++)
		if (watch_code_range_parse(m->codes_text[i], &m->codes[i].lo,
					   &m->codes[i].hi))
			return cfg_fail(err, &m->codes_pos,
					"accepted_statuscodes: '%s' is not NNN "
					"or NNN-MMM (100-999)", m->codes_text[i]);
	if (m->type == WATCH_KEYWORD && (!m->keyword || !*m->keyword))
		return cfg_fail(err, &m->pos,
				"keyword: a keyword monitor needs a keyword");
	if (m->type == WATCH_JSON_QUERY) {
		char why[128];
		struct watch_jsonq *q = NULL;
		if (!m->json_path)
			return cfg_fail(err, &m->pos,
					"json_path: a json-query monitor needs "
					"a json_path");
		if (watch_jsonq_parse(m->json_path, &q, why, sizeof(why)))
			return cfg_fail(err, &m->json_path_pos,
					"json_path: %s", why);
		watch_jsonq_free(q);
		if (watch_jsonq_op_parse(m->json_operator) < 0)
			return cfg_fail(err, &m->json_operator_pos,
					"json_path_operator: '%s' is not ==, !=, "
					"<, <=, >, >= or contains",
					m->json_operator);
		if (!m->expected_value)
			return cfg_fail(err, &m->pos,
					"expected_value: a json-query monitor "
					"needs an expected_value");
	}
	return 0;
}

static int monitor_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	M *m = obj;
	int rc = check_type(m, err);
	if (rc)
		return rc;
	if (!*m->name)
		return cfg_fail(err, &m->name_pos, "name: must not be empty");
	switch (m->type) {
	case WATCH_HTTP:
	case WATCH_KEYWORD:
	case WATCH_JSON_QUERY:
		rc = check_http(cfg, m, err);
		break;
	case WATCH_PORT:
	case WATCH_SMTP:
		if (!m->hostname || !m->port)
			rc = cfg_fail(err, &m->pos,
				      "hostname, port: a %s monitor needs both",
				      m->type_text);
		else if (m->type == WATCH_SMTP &&
			 strcmp(m->smtp_security, "nostarttls") &&
			 strcmp(m->smtp_security, "starttls"))
			rc = cfg_fail(err, &m->smtp_security_pos,
				      "smtp_security: '%s' is not nostarttls or "
				      "starttls%s", m->smtp_security,
				      strcmp(m->smtp_security, "secure")
					      ? ""
					      : " (secure is not supported yet)");
		break;
	case WATCH_PUSH:
		if (!m->token)
			rc = cfg_fail(err, &m->pos,
				      "token: a push monitor needs a token "
				      "(its URL is /api/push/<token>)");
		else if (strlen(m->token) < 4 ||
			 strspn(m->token, "abcdefghijklmnopqrstuvwxyz"
					  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789-_") != strlen(m->token))
			rc = cfg_fail(err, &m->token_pos,
				      "token: 4 or more letters, digits, - or _");
		break;
	case WATCH_GROUP:
		break; /* its children say how it is */
	case WATCH_REDIS:
		rc = check_redis(cfg, m, err);
		break;
	case WATCH_DNS: {
		static const char *const types[] = {"A", "AAAA", "CAA", "CNAME",
						    "MX", "NS", "PTR", "SOA",
						    "SRV", "TXT"};
		size_t k = 0;
		struct in_addr a;
		while (k < N(types) && strcmp(types[k], m->dns_type_text))
			k++;
		if (!m->hostname)
			rc = cfg_fail(err, &m->pos,
				      "hostname: a dns monitor needs the name to "
				      "resolve");
		else if (k == N(types) ||
			 dns_type_parse(m->dns_type_text, &m->dns_type))
			rc = cfg_fail(err, &m->dns_type_pos,
				      "dns_resolve_type: '%s' is not A, AAAA, CAA, "
				      "CNAME, MX, NS, PTR, SOA, SRV or TXT",
				      m->dns_type_text);
		else if (inet_pton(AF_INET, m->dns_server, &a) != 1)
			rc = cfg_fail(err, &m->dns_server_pos,
				      "dns_resolve_server: '%s' is not an IPv4 "
				      "address", m->dns_server);
		break;
	}
	case WATCH_PING:
		if (!m->hostname)
			rc = cfg_fail(err, &m->pos,
				      "hostname: a ping monitor needs a hostname "
				      "(IPv4)");
		break;
	}
	if (rc)
		return rc;
	/* Kuma: 0 (or none) is 0.8 x interval. */
	m->timeout_ms = m->timeout ? m->timeout * 1000 : m->interval * 800;
	m->depends_index = -1;
	m->parent_index = -1;
	return 0;
}

static const struct cfg_field monitor_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(M, name),
	      .pos_off = F(M, name_pos), .required = true, .reloadable = true,
	      .help = "the monitor's name, unique (alerts say [name])"),
	FIELD(.key = "id", .type = CFG_INT, .off = F(M, id),
	      .pos_off = F(M, id_pos), .min = 1, .max = 1000000000,
	      .reloadable = true,
	      .help = "a stable number: history follows it across renames "
		      "(absent: history follows the name)"),
	FIELD(.key = "type", .type = CFG_STRING, .off = F(M, type_text),
	      .pos_off = F(M, type_pos), .required = true, .reloadable = true,
	      .help = "Uptime Kuma's type: http, keyword, json-query, port, "
		      "ping, dns, smtp, redis, push, group"),
	FIELD(.key = "description", .type = CFG_STRING,
	      .off = F(M, description), .reloadable = true,
	      .help = "free text"),
	FIELD(.key = "url", .type = CFG_STRING, .off = F(M, url),
	      .pos_off = F(M, url_pos), .reloadable = true,
	      .help = "http, keyword, json-query: the URL requested"),
	FIELD(.key = "method", .type = CFG_STRING, .off = F(M, method),
	      .def = "GET", .reloadable = true, .help = "HTTP method"),
	FIELD(.key = "headers", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(M, headers),
	      .count_off = F(M, n_headers), .reloadable = true,
	      .help = "request headers, each 'Name: value'"),
	FIELD(.key = "body", .type = CFG_STRING, .off = F(M, body),
	      .reloadable = true, .help = "request body"),
	FIELD(.key = "basic_auth", .type = CFG_STRING, .off = F(M, basic_auth),
	      .reloadable = true, .help = "'user:password' for HTTP Basic auth"),
	FIELD(.key = "bearer", .type = CFG_STRING, .off = F(M, bearer),
	      .reloadable = true, .help = "a token sent as Authorization: Bearer"),
	FIELD(.key = "accepted_statuscodes", .type = CFG_LIST,
	      .elem = CFG_STRING, .elem_size = sizeof(const char *),
	      .off = F(M, codes_text), .count_off = F(M, n_codes_text),
	      .pos_off = F(M, codes_pos), .reloadable = true,
	      .help = "status codes that count as UP: NNN or NNN-MMM "
		      "(default 200-299)"),
	FIELD(.key = "max_redirects", .type = CFG_INT,
	      .off = F(M, max_redirects), .def = "10", .min = 0, .max = 100,
	      .reloadable = true, .help = "redirects followed (0: none)"),
	FIELD(.key = "ignore_tls", .type = CFG_BOOL, .off = F(M, ignore_tls),
	      .def = "false", .reloadable = true,
	      .help = "true: do not verify the server's TLS certificate"),
	FIELD(.key = "expiry_notification", .type = CFG_BOOL,
	      .off = F(M, expiry_notification), .def = "false",
	      .reloadable = true,
	      .help = "https: alert once as the certificate's days left cross "
		      "each of watch.tls_expiry_days"),
	FIELD(.key = "keyword", .type = CFG_STRING, .off = F(M, keyword),
	      .reloadable = true,
	      .help = "keyword: text the body must contain (case-sensitive)"),
	FIELD(.key = "invert_keyword", .type = CFG_BOOL,
	      .off = F(M, invert_keyword), .def = "false", .reloadable = true,
	      .help = "keyword: UP when the body does not contain it"),
	FIELD(.key = "json_path", .type = CFG_STRING, .off = F(M, json_path),
	      .pos_off = F(M, json_path_pos), .reloadable = true,
	      .help = "json-query: a path into the JSON body ($.a.b[0], "
		      "a.b, $['k'])"),
	FIELD(.key = "json_path_operator", .type = CFG_STRING,
	      .off = F(M, json_operator), .pos_off = F(M, json_operator_pos),
	      .def = "==", .reloadable = true,
	      .help = "json-query: ==, !=, <, <=, >, >= or contains"),
	FIELD(.key = "expected_value", .type = CFG_STRING,
	      .off = F(M, expected_value), .reloadable = true,
	      .help = "json-query: what the value is compared with; dns: a "
		      "record the answer must hold"),
	FIELD(.key = "hostname", .type = CFG_STRING, .off = F(M, hostname),
	      .reloadable = true,
	      .help = "port, ping: the host connected to / pinged; dns: the "
		      "name resolved"),
	FIELD(.key = "port", .type = CFG_INT, .off = F(M, port), .def = "0",
	      .min = 0, .max = 65535, .reloadable = true,
	      .help = "port: the TCP port"),
	FIELD(.key = "dns_resolve_type", .type = CFG_STRING,
	      .off = F(M, dns_type_text), .pos_off = F(M, dns_type_pos),
	      .def = "A", .reloadable = true,
	      .help = "dns: A, AAAA, CAA, CNAME, MX, NS, PTR, SOA, SRV or TXT"),
	FIELD(.key = "dns_resolve_server", .type = CFG_STRING,
	      .off = F(M, dns_server), .pos_off = F(M, dns_server_pos),
	      .def = "1.1.1.1", .reloadable = true,
	      .help = "dns: the server asked (IPv4; port: port, default 53)"),
	FIELD(.key = "database_connection_string", .type = CFG_STRING,
	      .off = F(M, conn_string), .pos_off = F(M, conn_pos),
	      .reloadable = true,
	      .help = "redis: redis://[[user]:password@]host[:port][/db]"),
	FIELD(.key = "smtp_security", .type = CFG_STRING,
	      .off = F(M, smtp_security), .pos_off = F(M, smtp_security_pos),
	      .def = "nostarttls", .reloadable = true,
	      .help = "smtp: nostarttls (a 220 greeting and EHLO suffice) or "
		      "starttls (EHLO must offer STARTTLS)"),
	FIELD(.key = "ping_count", .type = CFG_INT, .off = F(M, ping_count),
	      .def = "1", .min = 1, .max = 100, .reloadable = true,
	      .help = "ping: echo requests a check sends (UP when one is "
		      "answered)"),
	FIELD(.key = "ping_timeout", .type = CFG_DURATION,
	      .off = F(M, ping_timeout), .def = "2s", .min = 1, .max = 60,
	      .reloadable = true,
	      .help = "ping: how long each request waits for its reply"),
	FIELD(.key = "token", .type = CFG_STRING, .off = F(M, token),
	      .pos_off = F(M, token_pos), .reloadable = true,
	      .help = "push: the secret of its URL /api/push/<token>"),
	FIELD(.key = "interval", .type = CFG_DURATION, .off = F(M, interval),
	      .def = "60s", .min = 1, .max = 24 * 86400, .reloadable = true,
	      .help = "time between checks (push: the longest silence)"),
	FIELD(.key = "retries", .type = CFG_INT, .off = F(M, retries),
	      .def = "0", .min = 0, .max = 1000, .reloadable = true,
	      .help = "failed checks shown PENDING before DOWN (Kuma's "
		      "maxretries)"),
	FIELD(.key = "retry_interval", .type = CFG_DURATION,
	      .off = F(M, retry_interval), .def = "60s", .min = 1,
	      .max = 24 * 86400, .reloadable = true,
	      .help = "time between checks while PENDING (and while "
		      "up_retries are counted)"),
	FIELD(.key = "timeout", .type = CFG_DURATION, .off = F(M, timeout),
	      .def = "0", .min = 0, .max = 86400, .reloadable = true,
	      .help = "a check slower than this fails; 0: 0.8 x interval"),
	FIELD(.key = "resend_interval", .type = CFG_INT,
	      .off = F(M, resend_interval), .def = "0", .min = 0,
	      .max = 100000, .reloadable = true,
	      .help = "while DOWN, alert again every N DOWN beats (0: never)"),
	FIELD(.key = "upside_down", .type = CFG_BOOL, .off = F(M, upside_down),
	      .def = "false", .reloadable = true,
	      .help = "invert the check: a failing check is UP"),
	FIELD(.key = "up_retries", .type = CFG_INT, .off = F(M, up_retries),
	      .def = "0", .min = 0, .max = 1000, .reloadable = true,
	      .help = "after DOWN, successful checks held back (still DOWN) "
		      "before UP, against flapping"),
	FIELD(.key = "depends_on", .type = CFG_STRING, .off = F(M, depends_on),
	      .pos_off = F(M, depends_pos), .reloadable = true,
	      .help = "name of a monitor this one needs: while it is DOWN, "
		      "this one is DOWN by dependency and sends no alert"),
	FIELD(.key = "parent", .type = CFG_STRING, .off = F(M, parent),
	      .pos_off = F(M, parent_pos), .reloadable = true,
	      .help = "name of the group monitor this one belongs to (the "
		      "worst of a group's children is the group's state)"),
};
static const struct cfg_section monitor_section = {
	.size = sizeof(M), .name_off = CFG_NONE, .pos_off = F(M, pos),
	.fields = monitor_fields, .n_fields = N(monitor_fields),
	.check = monitor_check,
};

#define MW struct cfg_watch_maint

static int maint_times(MW *w, struct cfg_error *err)
{
	if (!w->start_time || !w->end_time)
		return cfg_fail(err, &w->pos,
				"start_time, end_time: a %s window needs both "
				"(HH:MM)", w->strategy_text);
	if (watch_maint_parse_time(w->start_time, &w->rule.start_min))
		return cfg_fail(err, &w->start_time_pos,
				"start_time: '%s' is not HH:MM", w->start_time);
	if (watch_maint_parse_time(w->end_time, &w->rule.end_min))
		return cfg_fail(err, &w->end_time_pos,
				"end_time: '%s' is not HH:MM", w->end_time);
	if (w->rule.start_min == w->rule.end_min)
		return cfg_fail(err, &w->end_time_pos,
				"end_time: the window would be empty");
	return 0;
}

static int maint_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	MW *w = obj;
	struct watch_maint_rule *r = &w->rule;
	static const char *const names[] = {
		[WATCH_MAINT_MANUAL] = "manual",
		[WATCH_MAINT_SINGLE] = "single",
		[WATCH_MAINT_WEEKDAY] = "recurring-weekday",
		[WATCH_MAINT_DAY_OF_MONTH] = "recurring-day-of-month",
		[WATCH_MAINT_INTERVAL] = "recurring-interval",
		[WATCH_MAINT_CRON] = "cron",
	};
	size_t k = 0;
	while (k < N(names) && strcmp(names[k], w->strategy_text))
		k++;
	if (k == N(names))
		return cfg_fail(err, &w->strategy_pos,
				"strategy: '%s' is not manual, single, "
				"recurring-weekday, recurring-day-of-month, "
				"recurring-interval or cron", w->strategy_text);
	r->strategy = (enum watch_maint_strategy)k;
	r->active = w->active;
	if (!strcmp(w->timezone, "local") ||
	    !strcmp(w->timezone, "SAME_AS_SERVER")) {
		w->local = true;
	} else if (watch_maint_parse_offset(w->timezone, &w->offset_s)) {
		if (!tz_valid(w->timezone))
			return cfg_fail(err, &w->timezone_pos,
					"timezone: '%s' is not UTC, local, "
					"+HH:MM or a zone of the system's tzdata "
					"(e.g. Europe/Berlin)", w->timezone);
		w->zone = w->timezone;
	}
	switch (r->strategy) {
	case WATCH_MAINT_MANUAL:
		return 0;
	case WATCH_MAINT_CRON: {
		char why[160];
		if (!w->cron)
			return cfg_fail(err, &w->pos,
					"cron: a cron window needs its starts "
					"(minute hour day month weekday)");
		if (watch_cron_parse(w->cron, &r->cron, why, sizeof(why)))
			return cfg_fail(err, &w->cron_pos, "cron: %s", why);
		if (!w->duration)
			return cfg_fail(err, &w->pos,
					"duration: a cron window needs one "
					"(e.g. 60m)");
		r->duration_s = w->duration;
		if (w->start && watch_maint_parse_datetime(w->start, &r->from_s))
			return cfg_fail(err, &w->start_pos,
					"start: '%s' is not YYYY-MM-DD HH:MM",
					w->start);
		if (w->end && watch_maint_parse_datetime(w->end, &r->until_s))
			return cfg_fail(err, &w->end_pos,
					"end: '%s' is not YYYY-MM-DD HH:MM", w->end);
		if (w->start && w->end && r->until_s <= r->from_s)
			return cfg_fail(err, &w->end_pos, "end: not after start");
		return 0;
	}
	case WATCH_MAINT_SINGLE:
		if (!w->start || !w->end)
			return cfg_fail(err, &w->pos,
					"start, end: a single window needs both "
					"(YYYY-MM-DD HH:MM)");
		if (watch_maint_parse_datetime(w->start, &r->start_s))
			return cfg_fail(err, &w->start_pos,
					"start: '%s' is not YYYY-MM-DD HH:MM",
					w->start);
		if (watch_maint_parse_datetime(w->end, &r->end_s))
			return cfg_fail(err, &w->end_pos,
					"end: '%s' is not YYYY-MM-DD HH:MM", w->end);
		if (r->end_s <= r->start_s)
			return cfg_fail(err, &w->end_pos,
					"end: not after start");
		return 0;
	case WATCH_MAINT_WEEKDAY:
		if (!w->n_weekdays)
			return cfg_fail(err, &w->pos,
					"weekdays: a recurring-weekday window "
					"needs some");
		for (size_t i = 0; i < w->n_weekdays; i++) {
			int d = watch_maint_parse_weekday(w->weekdays[i]);
			if (d < 0)
				return cfg_fail(err, &w->weekdays_pos,
						"weekdays: '%s' is not a day "
						"(mon..sun, 0-7)", w->weekdays[i]);
			r->weekdays |= (uint8_t)(1u << d);
		}
		break;
	case WATCH_MAINT_DAY_OF_MONTH:
		if (!w->n_days)
			return cfg_fail(err, &w->pos,
					"days: a recurring-day-of-month window "
					"needs some");
		for (size_t i = 0; i < w->n_days; i++) {
			char *end;
			long d = strtol(w->days[i], &end, 10);
			if (!strcmp(w->days[i], "last") ||
			    !strcmp(w->days[i], "lastDay"))
				r->last_day = true;
			else if (*end || end == w->days[i] || d < 1 || d > 31)
				return cfg_fail(err, &w->days_pos,
						"days: '%s' is not 1-31 or last",
						w->days[i]);
			else
				r->days |= 1u << d;
		}
		break;
	case WATCH_MAINT_INTERVAL:
		if (!w->interval_days || !w->first_day)
			return cfg_fail(err, &w->pos,
					"interval_days, first_day: a "
					"recurring-interval window needs both");
		if (watch_maint_parse_date(w->first_day, &r->first_day))
			return cfg_fail(err, &w->first_day_pos,
					"first_day: '%s' is not YYYY-MM-DD",
					w->first_day);
		r->interval_days = (int)w->interval_days;
		break;
	}
	return maint_times(w, err);
}

static const struct cfg_field maint_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(MW, name),
	      .required = true, .reloadable = true, .help = "the window's name"),
	FIELD(.key = "description", .type = CFG_STRING,
	      .off = F(MW, description), .reloadable = true, .help = "free text"),
	FIELD(.key = "monitors", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(MW, monitors),
	      .count_off = F(MW, n_monitors), .pos_off = F(MW, monitors_pos),
	      .reloadable = true,
	      .help = "names of the monitors it covers (absent: all)"),
	FIELD(.key = "strategy", .type = CFG_STRING, .off = F(MW, strategy_text),
	      .pos_off = F(MW, strategy_pos), .def = "manual",
	      .reloadable = true,
	      .help = "manual, single, recurring-weekday, "
		      "recurring-day-of-month, recurring-interval or cron"),
	FIELD(.key = "active", .type = CFG_BOOL, .off = F(MW, active),
	      .def = "true", .reloadable = true,
	      .help = "manual: on while true; any other: false turns the "
		      "window off (Kuma's inactive)"),
	FIELD(.key = "start", .type = CFG_STRING, .off = F(MW, start),
	      .pos_off = F(MW, start_pos), .reloadable = true,
	      .help = "single: YYYY-MM-DD HH:MM; cron: no window before it"),
	FIELD(.key = "end", .type = CFG_STRING, .off = F(MW, end),
	      .pos_off = F(MW, end_pos), .reloadable = true,
	      .help = "single: YYYY-MM-DD HH:MM; cron: no window after it"),
	FIELD(.key = "cron", .type = CFG_STRING, .off = F(MW, cron),
	      .pos_off = F(MW, cron_pos), .reloadable = true,
	      .help = "cron: when windows start, in the zone's wall clock "
		      "(minute hour day-of-month month day-of-week; names, "
		      "ranges, */N, @daily...)"),
	FIELD(.key = "duration", .type = CFG_DURATION, .off = F(MW, duration),
	      .pos_off = F(MW, duration_pos), .def = "0", .min = 0,
	      .max = 366LL * 86400, .reloadable = true,
	      .help = "cron: how long each window lasts (e.g. 90m)"),
	FIELD(.key = "weekdays", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(MW, weekdays),
	      .count_off = F(MW, n_weekdays), .pos_off = F(MW, weekdays_pos),
	      .reloadable = true,
	      .help = "recurring-weekday: mon..sun (or 0-7, 0 and 7 Sunday)"),
	FIELD(.key = "days", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(MW, days),
	      .count_off = F(MW, n_days), .pos_off = F(MW, days_pos),
	      .reloadable = true,
	      .help = "recurring-day-of-month: 1-31, or last"),
	FIELD(.key = "interval_days", .type = CFG_INT,
	      .off = F(MW, interval_days), .def = "0", .min = 0, .max = 3650,
	      .reloadable = true,
	      .help = "recurring-interval: every this many days"),
	FIELD(.key = "first_day", .type = CFG_STRING, .off = F(MW, first_day),
	      .pos_off = F(MW, first_day_pos), .reloadable = true,
	      .help = "recurring-interval: YYYY-MM-DD of the first window"),
	FIELD(.key = "start_time", .type = CFG_STRING, .off = F(MW, start_time),
	      .pos_off = F(MW, start_time_pos), .reloadable = true,
	      .help = "recurring: HH:MM the window opens"),
	FIELD(.key = "end_time", .type = CFG_STRING, .off = F(MW, end_time),
	      .pos_off = F(MW, end_time_pos), .reloadable = true,
	      .help = "recurring: HH:MM it closes (before start_time: the "
		      "next day)"),
	FIELD(.key = "timezone", .type = CFG_STRING, .off = F(MW, timezone),
	      .pos_off = F(MW, timezone_pos), .def = "UTC", .reloadable = true,
	      .help = "UTC, local (the server's; SAME_AS_SERVER too), +HH:MM / "
		      "-HH:MM, or an IANA zone of the system's tzdata "
		      "(Europe/Berlin; DST followed)"),
};
static const struct cfg_section maint_section = {
	.size = sizeof(MW), .name_off = CFG_NONE, .pos_off = F(MW, pos),
	.fields = maint_fields, .n_fields = N(maint_fields),
	.check = maint_check,
};

#define PG struct cfg_watch_page_group
static const struct cfg_field page_group_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(PG, name),
	      .required = true, .reloadable = true, .help = "the group's title"),
	FIELD(.key = "monitors", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(PG, monitors),
	      .count_off = F(PG, n_monitors), .pos_off = F(PG, monitors_pos),
	      .reloadable = true, .help = "names of the monitors it shows"),
};
static const struct cfg_section page_group_section = {
	.size = sizeof(PG), .name_off = CFG_NONE, .pos_off = F(PG, pos),
	.fields = page_group_fields, .n_fields = N(page_group_fields),
};

#define INC struct cfg_watch_incident
static const struct cfg_field incident_fields[] = {
	FIELD(.key = "title", .type = CFG_STRING, .off = F(INC, title),
	      .reloadable = true, .help = "the incident's headline"),
	FIELD(.key = "content", .type = CFG_STRING, .off = F(INC, content),
	      .reloadable = true,
	      .help = "its text, Markdown: paragraphs, *emphasis*, **strong**, "
		      "`code`, [links](https://...)"),
	FIELD(.key = "style", .type = CFG_STRING, .off = F(INC, style),
	      .pos_off = F(INC, style_pos), .def = "primary", .reloadable = true,
	      .help = "info, warning, danger, primary, light or dark"),
	FIELD(.key = "date", .type = CFG_STRING, .off = F(INC, date),
	      .pos_off = F(INC, date_pos), .reloadable = true,
	      .help = "when it began, 'YYYY-MM-DD HH:MM' UTC (the RSS feed's "
		      "date)"),
};
static const struct cfg_section incident_section = {
	.fields = incident_fields, .n_fields = N(incident_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* "YYYY-MM-DD HH:MM[:SS]" (UTC) as unix seconds, or -1. */
static int64_t parse_utc(const char *t)
{
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
	size_t len = strlen(t);
	if (len == 16)
		sscanf(t, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &used);
	else if (len == 19)
		sscanf(t, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
		       &sec, &used);
	if (!used || (size_t)used != len || strspn(t, "0123456789-: ") != len ||
	    y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -1;
	/* days from civil (Howard Hinnant's algorithm) */
	int yy = y - (mo <= 2);
	int era = yy / 400, yoe = yy - era * 400;
	int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + sec;
}

#define PAGE struct cfg_watch_page
static int page_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	PAGE *p = obj;
	static const char *const styles[] = {"info", "warning", "danger",
					     "primary", "light", "dark"};
	INC *inc = &p->incident;
	size_t k = 0;
	while (k < N(styles) && strcmp(inc->style, styles[k]))
		k++;
	if (k == N(styles))
		return cfg_fail(err, &inc->style_pos,
				"incident.style: '%s' is not info, warning, "
				"danger, primary, light or dark", inc->style);
	if (inc->date && (inc->created_s = parse_utc(inc->date)) < 0)
		return cfg_fail(err, &inc->date_pos,
				"incident.date: '%s' is not 'YYYY-MM-DD HH:MM' "
				"(UTC)", inc->date);
	if (!*p->slug || strspn(p->slug, "abcdefghijklmnopqrstuvwxyz0123456789-_")
				 != strlen(p->slug))
		return cfg_fail(err, &p->slug_pos,
				"slug: lower-case letters, digits, - and _");
	if (strcmp(p->theme, "auto") && strcmp(p->theme, "light") &&
	    strcmp(p->theme, "dark"))
		return cfg_fail(err, &p->theme_pos,
				"theme: '%s' is not auto, light or dark",
				p->theme);
	return 0;
}

static const struct cfg_field page_fields[] = {
	FIELD(.key = "slug", .type = CFG_STRING, .off = F(PAGE, slug),
	      .pos_off = F(PAGE, slug_pos), .required = true,
	      .reloadable = true,
	      .help = "the page's name in its URLs: /status/<slug>"),
	FIELD(.key = "title", .type = CFG_STRING, .off = F(PAGE, title),
	      .def = "Status", .reloadable = true, .help = "the page's title"),
	FIELD(.key = "description", .type = CFG_STRING,
	      .off = F(PAGE, description), .reloadable = true,
	      .help = "text under the title"),
	FIELD(.key = "footer_text", .type = CFG_STRING,
	      .off = F(PAGE, footer_text), .reloadable = true,
	      .help = "text at the bottom"),
	FIELD(.key = "theme", .type = CFG_STRING, .off = F(PAGE, theme),
	      .pos_off = F(PAGE, theme_pos), .def = "auto", .reloadable = true,
	      .help = "auto (the reader's preference), light or dark"),
	FIELD(.key = "published", .type = CFG_BOOL, .off = F(PAGE, published),
	      .def = "true", .reloadable = true,
	      .help = "false: the page, its JSON and its monitors' badges are "
		      "not served"),
	FIELD(.key = "show_certificate_expiry", .type = CFG_BOOL,
	      .off = F(PAGE, show_certificate_expiry), .def = "false",
	      .reloadable = true,
	      .help = "show the days left on https monitors' certificates "
		      "(Kuma's showCertificateExpiry)"),
	FIELD(.key = "show_powered_by", .type = CFG_BOOL,
	      .off = F(PAGE, show_powered_by), .def = "true",
	      .reloadable = true, .help = "a 'Powered by hearth' line"),
	FIELD(.key = "auto_refresh", .type = CFG_DURATION,
	      .off = F(PAGE, auto_refresh), .def = "300s", .min = 0,
	      .max = 86400, .reloadable = true,
	      .help = "the HTML page reloads itself this often (0: never)"),
	FIELD(.key = "incident", .type = CFG_SECTION, .off = F(PAGE, incident),
	      .sub = &incident_section, .reloadable = true,
	      .help = "{title, content, style, date}: the pinned incident, "
		      "a banner on the page and an item of its RSS feed"),
	FIELD(.key = "groups", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &page_group_section, .off = F(PAGE, groups),
	      .count_off = F(PAGE, n_groups), .reloadable = true,
	      .help = "{name, monitors}: the page's sections"),
};
static const struct cfg_section page_section = {
	.size = sizeof(PAGE), .name_off = CFG_NONE, .pos_off = F(PAGE, pos),
	.fields = page_fields, .n_fields = N(page_fields), .check = page_check,
};

static const struct cfg_field alerts_fields[] = {
	FIELD(.key = "to", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *),
	      .off = F(struct cfg_watch_alerts, to),
	      .count_off = F(struct cfg_watch_alerts, n_to), .reloadable = true,
	      .help = "where DOWN/UP alerts go besides notify.routes for "
		      "watch.down/watch.up: Apprise URLs or ntfy:TOPIC"),
};
static const struct cfg_section alerts_section = {
	.fields = alerts_fields, .n_fields = N(alerts_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

#define R struct cfg_watch_retention
static const struct cfg_field retention_fields[] = {
	FIELD(.key = "heartbeats", .type = CFG_DURATION, .off = F(R, heartbeats),
	      .def = "365d", .min = 0, .max = 100LL * 365 * 86400,
	      .reloadable = true,
	      .help = "heartbeats are kept this long (Kuma's "
		      "keepDataPeriodDays; 0: forever); important beats too"),
	FIELD(.key = "minutely", .type = CFG_DURATION, .off = F(R, minutely),
	      .def = "24h", .min = 3600, .max = 365 * 86400, .reloadable = true,
	      .help = "per-minute aggregates are kept this long"),
	FIELD(.key = "hourly", .type = CFG_DURATION, .off = F(R, hourly),
	      .def = "30d", .min = 86400, .max = 10LL * 365 * 86400,
	      .reloadable = true, .help = "per-hour aggregates are kept this long"),
	FIELD(.key = "daily", .type = CFG_DURATION, .off = F(R, daily),
	      .def = "365d", .min = 86400, .max = 100LL * 365 * 86400,
	      .reloadable = true, .help = "per-day aggregates are kept this long"),
};
#undef R
static const struct cfg_section retention_section = {
	.fields = retention_fields, .n_fields = N(retention_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static int find_monitor(const struct cfg_watch *w, const char *name)
{
	for (size_t i = 0; i < w->n_monitors; i++)
		if (strcmp(w->monitors[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A derived monitor's settings: the lab's interval and retries, Kuma's
 * defaults for the rest. */
static M derived(const struct cfg_watch *w, const char *name,
		 struct cfg_pos pos, enum watch_type type)
{
	return (M){
		.pos = pos, .name = name, .name_pos = pos,
		.type_text = watch_type_name(type), .type = type,
		.method = "GET", .json_operator = "==",
		.interval = w->lab_interval, .retries = w->lab_retries,
		.retry_interval = w->lab_interval < 60 ? w->lab_interval : 60,
		.ping_count = 1, .ping_timeout = 2, .max_redirects = 10,
		.timeout_ms = w->lab_interval * 800, .depends_index = -1,
		.parent_index = -1, .from_lab = true,
	};
}

/* The address of lab host @h as text (in the arena), or NULL. */
static const char *host_ip(struct config *cfg, const struct cfg_host *h)
{
	char ip[ADDR_TEXT_MAX];
	ipaddr_format(&h->ip, ip);
	return arena_strdup(&cfg->arena, ip);
}

static bool taken(const M *all, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(all[k].name, name))
			return true;
	return false;
}

/* watch.from_lab: the check of each lab.services entry (http for a url,
 * port for host + port, or its type), then a ping monitor per lab host
 * with an IPv4 address, appended to the list; a monitor of the file with
 * that name wins; a service may not share a host's name. */
static int derive_from_lab(struct config *cfg, struct cfg_watch *w,
			   struct cfg_error *err)
{
	const struct cfg_lab *lab = &cfg->lab;
	if (!w->from_lab || !lab->enabled || !(lab->n_hosts + lab->n_services))
		return 0;
	M *all = arena_alloc(&cfg->arena, (w->n_monitors + lab->n_hosts +
					   lab->n_services) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (w->n_monitors) /* none: monitors is NULL */
		memcpy(all, w->monitors, w->n_monitors * sizeof(*all));
	size_t n = w->n_monitors;
	for (size_t i = 0; i < lab->n_services; i++) {
		const struct cfg_service *s = &lab->services[i];
		for (size_t h = 0; h < lab->n_hosts; h++)
			if (!strcmp(lab->hosts[h].name, s->name))
				return cfg_fail(err, &s->name_pos,
						"name: service '%s' has the name "
						"of a lab host (whose ping monitor "
						"watch.from_lab derives); name it "
						"e.g. '%s-svc'", s->name, s->name);
		if (taken(all, n, s->name))
			continue;
		const char *t = s->type ? s->type : s->url ? "http" : "port";
		enum watch_type type = !strcmp(t, "http")   ? WATCH_HTTP
				       : !strcmp(t, "ping") ? WATCH_PING
							    : WATCH_PORT;
		M m = derived(w, s->name, s->pos, type);
		m.service = s;
		if (type == WATCH_HTTP) {
			m.url = s->url;
			m.codes = arena_alloc(&cfg->arena, sizeof(*m.codes));
			if (!m.codes)
				return -ENOMEM;
			*m.codes = (struct watch_code_range){200, 299};
			m.n_codes = 1;
		} else {
			m.hostname = s->lab_host ? host_ip(cfg, s->lab_host)
						 : s->host;
			if (!m.hostname)
				return -ENOMEM;
			m.port = s->port;
		}
		all[n++] = m;
	}
	for (size_t i = 0; i < lab->n_hosts; i++) {
		const struct cfg_host *h = &lab->hosts[i];
		if (!h->has_ip || h->ip.family != AF_INET ||
		    taken(all, n, h->name))
			continue;
		M m = derived(w, h->name, h->pos, WATCH_PING);
		if (!(m.hostname = host_ip(cfg, h)))
			return -ENOMEM;
		all[n++] = m;
	}
	w->monitors = all;
	w->n_monitors = n;
	return 0;
}

/* Across monitors: unique names, ids and tokens; dependencies that
 * exist and do not loop. */
static int watch_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	struct cfg_watch *w = obj;
	int drc = derive_from_lab(cfg, w, err);
	if (drc)
		return drc;
	for (size_t j = 0; j < w->n_monitors; j++) {
		M *m = &w->monitors[j];
		for (size_t i = 0; i < j; i++) {
			const M *o = &w->monitors[i];
			if (strcmp(o->name, m->name) == 0)
				return cfg_fail(err, &m->name_pos,
						"name: monitor '%s' is defined "
						"twice (also at line %d)",
						m->name, o->pos.line);
			if (m->id && o->id == m->id)
				return cfg_fail(err, &m->id_pos,
						"id: %lld is also monitor '%s''s "
						"(line %d)", (long long)m->id,
						o->name, o->pos.line);
			if (m->token && o->token && strcmp(m->token, o->token) == 0)
				return cfg_fail(err, &m->token_pos,
						"token: also monitor '%s''s "
						"(line %d)", o->name, o->pos.line);
		}
	}
	for (size_t j = 0; j < w->n_monitors; j++) {
		M *m = &w->monitors[j];
		if (!m->depends_on)
			continue;
		m->depends_index = find_monitor(w, m->depends_on);
		if (m->depends_index < 0)
			return cfg_fail(err, &m->depends_pos,
					"depends_on: no monitor named '%s'",
					m->depends_on);
	}
	for (size_t j = 0; j < w->n_monitors; j++) {
		M *m = &w->monitors[j];
		if (!m->parent)
			continue;
		m->parent_index = find_monitor(w, m->parent);
		if (m->parent_index < 0)
			return cfg_fail(err, &m->parent_pos,
					"parent: no monitor named '%s'", m->parent);
		if (w->monitors[m->parent_index].type != WATCH_GROUP)
			return cfg_fail(err, &m->parent_pos,
					"parent: '%s' is not a group monitor",
					m->parent);
	}
	for (size_t j = 0; j < w->n_maintenance; j++) {
		const struct cfg_watch_maint *mw = &w->maintenance[j];
		for (size_t i = 0; i < mw->n_monitors; i++)
			if (find_monitor(w, mw->monitors[i]) < 0)
				return cfg_fail(err, &mw->monitors_pos,
						"monitors: no monitor named '%s'",
						mw->monitors[i]);
	}
	if (!w->n_tls_days) {
		static const int64_t dflt[] = {21, 14, 7};
		w->tls_days = arena_alloc(&cfg->arena, sizeof(dflt));
		if (!w->tls_days)
			return -ENOMEM;
		memcpy(w->tls_days, dflt, sizeof(dflt));
		w->n_tls_days = 3;
	}
	/* Highest first (a small list: insertion sort). */
	for (size_t i = 1; i < w->n_tls_days; i++)
		for (size_t k = i; k > 0 && w->tls_days[k] > w->tls_days[k - 1];
		     k--) {
			int64_t t = w->tls_days[k];
			w->tls_days[k] = w->tls_days[k - 1];
			w->tls_days[k - 1] = t;
		}
	for (size_t j = 0; j < w->n_pages; j++) {
		struct cfg_watch_page *pg = &w->pages[j];
		for (size_t i = 0; i < j; i++)
			if (!strcmp(w->pages[i].slug, pg->slug))
				return cfg_fail(err, &pg->slug_pos,
						"slug: '%s' is also the page at "
						"line %d", pg->slug,
						w->pages[i].pos.line);
		for (size_t g = 0; g < pg->n_groups; g++) {
			struct cfg_watch_page_group *gr = &pg->groups[g];
			gr->index = arena_alloc(&cfg->arena,
						(gr->n_monitors + 1) *
							sizeof(*gr->index));
			if (!gr->index)
				return -ENOMEM;
			for (size_t i = 0; i < gr->n_monitors; i++)
				if ((gr->index[i] = find_monitor(
					     w, gr->monitors[i])) < 0)
					return cfg_fail(err, &gr->monitors_pos,
							"monitors: no monitor "
							"named '%s'",
							gr->monitors[i]);
		}
	}
	/* A chain longer than the list loops. */
	for (size_t j = 0; j < w->n_monitors; j++) {
		for (int pass = 0; pass < 2; pass++) {
			int k = (int)j;
			for (size_t steps = 0; k >= 0; steps++) {
				k = pass ? w->monitors[k].parent_index
					 : w->monitors[k].depends_index;
				if (k != (int)j && steps <= w->n_monitors)
					continue;
				const M *m = &w->monitors[j];
				return pass ? cfg_fail(err, &m->parent_pos,
						       "parent: group '%s' "
						       "contains itself through "
						       "'%s'", m->name, m->parent)
					    : cfg_fail(err, &m->depends_pos,
						       "depends_on: monitor '%s' "
						       "depends on itself "
						       "through '%s'", m->name,
						       m->depends_on);
			}
		}
	}
	return 0;
}

static const struct cfg_field watch_fields[] = {
	FIELD(.key = "monitors", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &monitor_section, .off = F(struct cfg_watch, monitors),
	      .count_off = F(struct cfg_watch, n_monitors), .reloadable = true,
	      .help = "{name, type, url, hostname, port, token, interval, "
		      "retries, retry_interval, timeout, ...} as Uptime Kuma's "
		      "monitors"),
	FIELD(.key = "maintenance", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &maint_section, .off = F(struct cfg_watch, maintenance),
	      .count_off = F(struct cfg_watch, n_maintenance),
	      .reloadable = true,
	      .help = "maintenance windows: checks are skipped and beats are "
		      "MAINTENANCE (no alerts) while one covers a monitor"),
	FIELD(.key = "status_pages", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &page_section, .off = F(struct cfg_watch, pages),
	      .count_off = F(struct cfg_watch, n_pages), .reloadable = true,
	      .help = "{slug, title, description, groups: [{name, monitors}], "
		      "...}: public status pages, Kuma's status-page JSON and "
		      "badges"),
	FIELD(.key = "tls_expiry_days", .type = CFG_LIST, .elem = CFG_INT,
	      .elem_size = sizeof(int64_t), .off = F(struct cfg_watch, tls_days),
	      .count_off = F(struct cfg_watch, n_tls_days), .min = 1,
	      .max = 3650, .reloadable = true,
	      .help = "days before a certificate's expiry at which "
		      "expiry_notification alerts (default 7, 14, 21)"),
	FIELD(.key = "from_lab", .type = CFG_BOOL,
	      .off = F(struct cfg_watch, from_lab), .def = "false",
	      .reloadable = true,
	      .help = "true: every lab.services entry gets its check (http for "
		      "a url, port for host + port) and every lab.hosts entry "
		      "with an IPv4 ip a ping monitor, named after them (unless "
		      "a monitor has that name)"),
	FIELD(.key = "lab_interval", .type = CFG_DURATION,
	      .off = F(struct cfg_watch, lab_interval), .def = "60s", .min = 1,
	      .max = 86400, .reloadable = true,
	      .help = "interval of the monitors derived from lab"),
	FIELD(.key = "lab_retries", .type = CFG_INT,
	      .off = F(struct cfg_watch, lab_retries), .def = "1", .min = 0,
	      .max = 100, .reloadable = true,
	      .help = "retries of the monitors derived from lab"),
	FIELD(.key = "alerts", .type = CFG_SECTION,
	      .off = F(struct cfg_watch, alerts), .sub = &alerts_section,
	      .reloadable = true, .help = "DOWN and UP alerts (notify room)"),
	FIELD(.key = "retention", .type = CFG_SECTION,
	      .off = F(struct cfg_watch, retention), .sub = &retention_section,
	      .reloadable = true, .help = "how long history is kept"),
};
const struct cfg_section watch_config_section = {
	.fields = watch_fields, .n_fields = N(watch_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = watch_check,
};

const struct cfg_watch *watch_config(const struct config *cfg)
{
	return room_config(cfg, &watch_room_def);
}
