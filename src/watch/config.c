/* SPDX-License-Identifier: MIT */
/* The watch room's config schema: every key of `watch:`, with Uptime Kuma's names and defaults, and its checks. */
#include "watch/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

/* Kuma's types that a later hearth runs: refused with a clear word. */
static const char *const later_types[] = {
	"ping", "dns", "tls", "postgres", "mysql", "mariadb", "redis",
	"smtp", "group", "docker", "real-browser", "grpc-keyword", "mqtt",
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
					"push are)", m->type_text);
	return cfg_fail(err, &m->type_pos,
			"type: unknown monitor type '%s' (http, keyword, "
			"json-query, port, push)", m->type_text);
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
		if (!m->hostname || !m->port)
			rc = cfg_fail(err, &m->pos,
				      "hostname, port: a port monitor needs "
				      "both");
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
	}
	if (rc)
		return rc;
	/* Kuma: 0 (or none) is 0.8 x interval. */
	m->timeout_ms = m->timeout ? m->timeout * 1000 : m->interval * 800;
	m->depends_index = -1;
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
		      "push"),
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
	      .help = "json-query: what the value is compared with"),
	FIELD(.key = "hostname", .type = CFG_STRING, .off = F(M, hostname),
	      .reloadable = true, .help = "port: the host connected to"),
	FIELD(.key = "port", .type = CFG_INT, .off = F(M, port), .def = "0",
	      .min = 0, .max = 65535, .reloadable = true,
	      .help = "port: the TCP port"),
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
};
static const struct cfg_section monitor_section = {
	.size = sizeof(M), .name_off = CFG_NONE, .pos_off = F(M, pos),
	.fields = monitor_fields, .n_fields = N(monitor_fields),
	.check = monitor_check,
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

/* Across monitors: unique names, ids and tokens; dependencies that
 * exist and do not loop. */
static int watch_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_watch *w = obj;
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
	/* A chain longer than the list loops. */
	for (size_t j = 0; j < w->n_monitors; j++) {
		int k = (int)j;
		for (size_t steps = 0; k >= 0; steps++) {
			k = w->monitors[k].depends_index;
			if (k == (int)j || steps > w->n_monitors)
				return cfg_fail(err, &w->monitors[j].depends_pos,
						"depends_on: monitor '%s' depends "
						"on itself through '%s'",
						w->monitors[j].name,
						w->monitors[j].depends_on);
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
