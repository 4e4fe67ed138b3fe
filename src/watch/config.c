/* SPDX-License-Identifier: MIT */
/* The watch room's config schema: every key of `watch:`, with Uptime Kuma's names and defaults, and its checks. */
#include "watch/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "proto/dns/dns.h"
#include "proto/watch/codes.h"
#include "proto/watch/dburl.h"
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
	[WATCH_POSTGRES] = "postgres",
	[WATCH_MYSQL] = "mysql",
	[WATCH_TLS] = "tls",
};

/* Other names users write for a type (the and MariaDB's). */
static const struct {
	const char *name;
	enum watch_type type;
} type_aliases[] = {{"tcp", WATCH_PORT}, {"mariadb", WATCH_MYSQL}};

/* Kuma's types that a later hearth runs: refused with a clear word. */
static const char *const later_types[] = {
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
	for (size_t i = 0; i < N(type_aliases); i++)
		if (strcmp(m->type_text, type_aliases[i].name) == 0) {
			m->type = type_aliases[i].type;
			return 0;
		}
	for (size_t i = 0; i < N(later_types); i++)
		if (strcmp(m->type_text, later_types[i]) == 0)
			return cfg_fail(err, &m->type_pos,
					"type: monitor type '%s' is not supported "
					"yet (http, keyword, json-query, port, "
					"ping, dns, smtp, tls, redis, postgres, "
					"mysql, push, group are)", m->type_text);
	return cfg_fail(err, &m->type_pos,
			"type: unknown monitor type '%s' (http, keyword, "
			"json-query, port, ping, dns, smtp, tls, redis, "
			"postgres, mysql, push, group)",
			m->type_text);
}

/* A connection string read with the parser of proto/watch/dburl.h: its
 * parts copied into the arena; 0 or the refusal. */
static int conn_url(struct config *cfg, M *m, struct watch_dburl *u,
		    struct cfg_error *err)
{
	char buf[WATCH_DBURL_MAX + 8], why[64];
	if (watch_dburl_parse(m->conn_string, u, buf, sizeof(buf), why,
			      sizeof(why)))
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: %s", why);
	const char **parts[] = {&u->user, &u->password, &u->host, &u->path,
				&u->query};
	for (size_t i = 0; i < N(parts); i++)
		if (*parts[i] && !(*parts[i] = arena_strdup(&cfg->arena, *parts[i])))
			return -ENOMEM;
	m->hostname = u->host;
	m->db_user = u->user;
	m->db_password = u->password;
	return 0;
}

/* redis[s]://[[user]:password@]host[:port][/db] into the monitor's fields. */
static int check_redis(struct config *cfg, M *m, struct cfg_error *err)
{
	struct watch_dburl u;
	if (!m->conn_string)
		return cfg_fail(err, &m->pos,
				"database_connection_string: a redis monitor "
				"needs redis://[:password@]host[:port][/db]");
	int rc = conn_url(cfg, m, &u, err);
	if (rc)
		return rc;
	if (strcmp(u.scheme, "redis") && strcmp(u.scheme, "rediss"))
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: '%s' is not "
				"redis://... or rediss://...", m->conn_string);
	m->db_tls = !strcmp(u.scheme, "rediss");
	m->port = u.port ? u.port : 6379;
	if (u.path) {
		char *end;
		long v = strtol(u.path, &end, 10);
		if (*end || end == u.path || v < 0 || v > 1000)
			return cfg_fail(err, &m->conn_pos,
					"database_connection_string: bad database "
					"number");
		m->db_index = v;
	}
	return 0;
}

/* mysql://user:password@host[:port]/database (Kuma's form). */
static int check_mysql(struct config *cfg, M *m, struct cfg_error *err)
{
	struct watch_dburl u;
	if (!m->conn_string)
		return cfg_fail(err, &m->pos,
				"database_connection_string: a mysql monitor "
				"needs mysql://user:password@host[:port]/database");
	int rc = conn_url(cfg, m, &u, err);
	if (rc)
		return rc;
	if (strcmp(u.scheme, "mysql") && strcmp(u.scheme, "mariadb"))
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: '%s' is not "
				"mysql://...", m->conn_string);
	if (u.query)
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: options (?...) are "
				"not supported");
	m->port = u.port ? u.port : 3306;
	m->db_name = u.path;
	return 0;
}

/* libpq reads the string itself (a postgres:// URI or key=value pairs);
 * refused here with libpq's own words. */
static int check_postgres(M *m, struct cfg_error *err)
{
	if (!m->conn_string)
		return cfg_fail(err, &m->pos,
				"database_connection_string: a postgres monitor "
				"needs postgres://user:password@host[:port]/db");
	char *why = NULL;
	PQconninfoOption *o = PQconninfoParse(m->conn_string, &why);
	if (!o) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s", why ? why : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		PQfreemem(why);
		return cfg_fail(err, &m->conn_pos,
				"database_connection_string: %s", msg);
	}
	PQconninfoFree(o);
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
	case WATCH_TLS:
		if (!m->port)
			m->port = 443;
		/* fall through */
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
	case WATCH_MYSQL:
		rc = check_mysql(cfg, m, err);
		break;
	case WATCH_POSTGRES:
		rc = check_postgres(m, err);
		break;
	case WATCH_DNS: {
		static const char *const types[] = {"A", "AAAA", "CAA", "CNAME",
						    "MX", "NS", "PTR", "SOA",
						    "SRV", "TXT"};
		size_t k = 0;
		struct in_addr a;
		struct in6_addr a6;
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
		else if (inet_pton(AF_INET, m->dns_server, &a) != 1 &&
			 inet_pton(AF_INET6, m->dns_server, &a6) != 1)
			rc = cfg_fail(err, &m->dns_server_pos,
				      "dns_resolve_server: '%s' is not an IPv4 "
				      "or IPv6 address", m->dns_server);
		else if (strcmp(m->dns_transport, "udp") &&
			 strcmp(m->dns_transport, "tcp"))
			rc = cfg_fail(err, &m->dns_transport_pos,
				      "dns_transport: '%s' is not udp or tcp",
				      m->dns_transport);
		m->dns_tcp = !strcmp(m->dns_transport, "tcp");
		break;
	}
	case WATCH_PING:
		if (!m->hostname)
			rc = cfg_fail(err, &m->pos,
				      "hostname: a ping monitor needs a hostname "
				      "(an address, a lab host or a name)");
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

#define T struct cfg_watch_tag
static int tag_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	T *t = obj;
	if (!*t->name)
		return cfg_fail(err, &t->pos, "tags: a tag's name must not be "
						"empty");
	if (strlen(t->color) != 7 || t->color[0] != '#' ||
	    strspn(t->color + 1, "0123456789abcdefABCDEF") != 6)
		return cfg_fail(err, &t->color_pos,
				"tags: color '%s' is not #rrggbb", t->color);
	return 0;
}

static const struct cfg_field tag_fields[] = {
	FIELD(.key = "name", .type = CFG_STRING, .off = F(T, name),
	      .required = true, .reloadable = true, .help = "the tag's name"),
	FIELD(.key = "value", .type = CFG_STRING, .off = F(T, value),
	      .reloadable = true, .help = "its value, shown as name:value"),
	FIELD(.key = "color", .type = CFG_STRING, .off = F(T, color),
	      .pos_off = F(T, color_pos), .def = "#4B5563", .reloadable = true,
	      .help = "its colour, #rrggbb (Kuma's grey by default)"),
};
static const struct cfg_section tag_section = {
	.size = sizeof(T), .name_off = CFG_NONE, .pos_off = F(T, pos),
	.fields = tag_fields, .n_fields = N(tag_fields), .check = tag_check,
};
#undef T

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
		      "ping, dns, smtp, redis, postgres, mysql, push, group"),
	FIELD(.key = "description", .type = CFG_STRING,
	      .off = F(M, description), .reloadable = true,
	      .help = "free text"),
	FIELD(.key = "tags", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &tag_section, .off = F(M, tags), .count_off = F(M, n_tags),
	      .reloadable = true,
	      .help = "Kuma's tags: {name, value, color}, shown in the API and "
		      "on status pages"),
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
	FIELD(.key = "ca_file", .type = CFG_PATH, .off = F(M, ca_file),
	      .reloadable = true,
	      .help = "http, tls, rediss: PEM file of the CAs the server's "
		      "certificate must chain to (default: the system's)"),
	FIELD(.key = "expiry_notification", .type = CFG_BOOL,
	      .off = F(M, expiry_notification), .def = "false",
	      .reloadable = true,
	      .help = "https: alert once as the certificate's days left cross "
		      "each of watch.tls_expiry_days (a tls monitor always "
		      "does)"),
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
	      .help = "port, ping: the host connected to / pinged (ping: IPv4, "
		      "IPv6, a lab host, or a name asked of dns.upstream); "
		      "dns: the name resolved"),
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
	      .help = "dns: the server asked (IPv4 or IPv6; port: port, "
		      "default 53)"),
	FIELD(.key = "dns_transport", .type = CFG_STRING,
	      .off = F(M, dns_transport), .pos_off = F(M, dns_transport_pos),
	      .def = "udp", .reloadable = true,
	      .help = "dns: udp, or tcp (a length-prefixed query on a TCP "
		      "connection)"),
	FIELD(.key = "database_connection_string", .type = CFG_STRING,
	      .off = F(M, conn_string), .pos_off = F(M, conn_pos),
	      .reloadable = true,
	      .help = "redis: redis[s]://[[user]:password@]host[:port][/db]; "
		      "mysql: mysql://user:password@host[:port]/database; "
		      "postgres: postgres://user:password@host[:port]/database "
		      "or libpq's key=value form"),
	FIELD(.key = "database_query", .type = CFG_STRING,
	      .off = F(M, db_query), .reloadable = true,
	      .help = "postgres, mysql: the query run once connected "
		      "(default SELECT 1)"),
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
	FIELD(.key = "notifications", .type = CFG_LIST, .elem = CFG_STRING,
	      .elem_size = sizeof(const char *), .off = F(M, notifications),
	      .count_off = F(M, n_notifications),
	      .pos_off = F(M, notifications_pos), .reloadable = true,
	      .help = "names of watch.notifications its alerts go to (absent: "
		      "those marked default; [] none), besides watch.alerts.to"),
};
static const struct cfg_section monitor_section = {
	.size = sizeof(M), .name_off = CFG_NONE, .pos_off = F(M, pos),
	.fields = monitor_fields, .n_fields = N(monitor_fields),
	.check = monitor_check,
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
	FIELD(.key = "show_tags", .type = CFG_BOOL, .off = F(PAGE, show_tags),
	      .def = "false", .reloadable = true,
	      .help = "show the monitors' tags (Kuma's showTags)"),
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
const struct cfg_section watch_page_section = {
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
	FIELD(.key = "detailed", .type = CFG_DURATION, .off = F(R, detailed),
	      .def = "24h", .min = 0, .max = 100LL * 365 * 86400,
	      .reloadable = true,
	      .help = "beats that are not important (no status change) are "
		      "kept this long, a monitor's last 100 always (Kuma 2.x; "
		      "0: as heartbeats); the aggregates keep their story"),
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
	struct cfg_watch *w = obj;
	int drc = watch_derive_from_lab(cfg, w, err);
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
	for (size_t j = 0; j < w->n_notifications; j++)
		for (size_t i = 0; i < j; i++)
			if (!strcmp(w->notifications[i].name,
				    w->notifications[j].name))
				return cfg_fail(err, &w->notifications[j].name_pos,
						"name: notification '%s' is "
						"defined twice (also at line %d)",
						w->notifications[j].name,
						w->notifications[i].pos.line);
	for (size_t j = 0; j < w->n_monitors; j++) {
		M *m = &w->monitors[j];
		m->notifications_set = m->notifications_pos.line > 0;
		for (size_t i = 0; i < m->n_notifications; i++) {
			size_t k = 0;
			while (k < w->n_notifications &&
			       strcmp(w->notifications[k].name,
				      m->notifications[i]))
				k++;
			if (k == w->n_notifications)
				return cfg_fail(err, &m->notifications_pos,
						"notifications: no notification "
						"named '%s'", m->notifications[i]);
		}
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
	      .sub = &watch_maint_section, .off = F(struct cfg_watch, maintenance),
	      .count_off = F(struct cfg_watch, n_maintenance),
	      .reloadable = true,
	      .help = "maintenance windows: checks are skipped and beats are "
		      "MAINTENANCE (no alerts) while one covers a monitor"),
	FIELD(.key = "status_pages", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &watch_page_section, .off = F(struct cfg_watch, pages),
	      .count_off = F(struct cfg_watch, n_pages), .reloadable = true,
	      .help = "{slug, title, description, groups: [{name, monitors}], "
		      "...}: public status pages, Kuma's status-page JSON and "
		      "badges"),
	FIELD(.key = "notifications", .type = CFG_LIST, .elem = CFG_SECTION,
	      .sub = &watch_notification_section,
	      .off = F(struct cfg_watch, notifications),
	      .count_off = F(struct cfg_watch, n_notifications),
	      .reloadable = true,
	      .help = "{name, to, events, default}: named alert routes (Kuma's "
		      "notifications) that monitors name in `notifications`"),
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

const struct cfg_section *watch_monitor_section(void)
{
	return &monitor_section;
}

const struct cfg_watch *watch_config(const struct config *cfg)
{
	return room_config(cfg, &watch_room_def);
}
