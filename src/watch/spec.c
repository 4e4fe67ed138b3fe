/* SPDX-License-Identifier: MIT */
/* Monitors created through the API: the JSON body read into a monitor's settings (Kuma's defaults), naming the bad field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/watch/jsonq.h"
#include "watch/spec.h"

static int bad(char *why, size_t n, const char *fmt, const char *field)
{
	snprintf(why, n, fmt, field);
	return -EINVAL;
}

/* A string member (NULL when absent); -EINVAL when of another type. */
static int str(json_t *o, const char *k, const char **out, char *why,
	       size_t n)
{
	json_t *v = json_object_get(o, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !*json_string_value(v) ||
	    strlen(json_string_value(v)) > 2048)
		return bad(why, n, "%s: a non-empty string (at most 2048 bytes)",
			   k);
	*out = json_string_value(v);
	return 0;
}

static int num(json_t *o, const char *k, int64_t lo, int64_t hi, int64_t dflt,
	       int64_t *out, char *why, size_t n)
{
	json_t *v = json_object_get(o, k);
	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		snprintf(why, n, "%s: an integer from %lld to %lld", k,
			 (long long)lo, (long long)hi);
		return -EINVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

static int flag(json_t *o, const char *k, bool *out, char *why, size_t n)
{
	json_t *v = json_object_get(o, k);
	*out = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(why, n, "%s: true or false", k);
	*out = json_is_true(v);
	return 0;
}

int watch_spec_parse(json_t *o, struct cfg_watch_monitor *c, char *why,
		     size_t n)
{
	static const char *const known[] = {
		"name", "type", "url", "method", "keyword", "invert_keyword",
		"hostname", "port", "interval", "retries", "retry_interval",
		"timeout", "resend_interval", "upside_down", "up_retries",
		"max_redirects", "ignore_tls", "description", "json_path",
		"json_path_operator", "expected_value"};
	int rc;
	if (!json_is_object(o))
		return bad(why, n, "%s: the body must be a JSON object", "body");
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		size_t i = 0;
		while (i < sizeof(known) / sizeof(known[0]) && strcmp(k, known[i]))
			i++;
		if (i == sizeof(known) / sizeof(known[0])) {
			snprintf(why, n, "%.60s: unknown field", k);
			return -EINVAL;
		}
	}
	memset(c, 0, sizeof(*c));
	const char *type;
	if ((rc = str(o, "name", &c->name, why, n)) ||
	    (rc = str(o, "type", &type, why, n)) ||
	    (rc = str(o, "url", &c->url, why, n)) ||
	    (rc = str(o, "method", &c->method, why, n)) ||
	    (rc = str(o, "keyword", &c->keyword, why, n)) ||
	    (rc = str(o, "hostname", &c->hostname, why, n)) ||
	    (rc = str(o, "description", &c->description, why, n)) ||
	    (rc = str(o, "json_path", &c->json_path, why, n)) ||
	    (rc = str(o, "json_path_operator", &c->json_operator, why, n)) ||
	    (rc = str(o, "expected_value", &c->expected_value, why, n)))
		return rc;
	if (!c->name)
		return bad(why, n, "%s: required", "name");
	if (!type)
		return bad(why, n, "%s: required", "type");
	static const struct {
		const char *name;
		enum watch_type t;
	} types[] = {{"http", WATCH_HTTP}, {"keyword", WATCH_KEYWORD},
		     {"json-query", WATCH_JSON_QUERY}, {"port", WATCH_PORT},
		     {"ping", WATCH_PING}};
	size_t t = 0;
	while (t < sizeof(types) / sizeof(types[0]) && strcmp(type, types[t].name))
		t++;
	if (t == sizeof(types) / sizeof(types[0]))
		return bad(why, n, "%s: http, keyword, json-query, port or ping",
			   "type");
	c->type = types[t].t;
	c->type_text = types[t].name;
	if ((rc = num(o, "port", 0, 65535, 0, &c->port, why, n)) ||
	    (rc = num(o, "interval", 1, 24 * 86400, 60, &c->interval, why, n)) ||
	    (rc = num(o, "retries", 0, 1000, 0, &c->retries, why, n)) ||
	    (rc = num(o, "retry_interval", 1, 24 * 86400, 60, &c->retry_interval,
		      why, n)) ||
	    (rc = num(o, "timeout", 0, 86400, 0, &c->timeout, why, n)) ||
	    (rc = num(o, "resend_interval", 0, 100000, 0, &c->resend_interval,
		      why, n)) ||
	    (rc = num(o, "up_retries", 0, 1000, 0, &c->up_retries, why, n)) ||
	    (rc = num(o, "max_redirects", 0, 100, 10, &c->max_redirects, why,
		      n)) ||
	    (rc = flag(o, "upside_down", &c->upside_down, why, n)) ||
	    (rc = flag(o, "ignore_tls", &c->ignore_tls, why, n)) ||
	    (rc = flag(o, "invert_keyword", &c->invert_keyword, why, n)))
		return rc;
	if (!c->method)
		c->method = "GET";
	if (!c->json_operator)
		c->json_operator = "==";
	switch (c->type) {
	case WATCH_HTTP:
	case WATCH_KEYWORD:
	case WATCH_JSON_QUERY:
		if (!c->url || (strncmp(c->url, "http://", 7) &&
				strncmp(c->url, "https://", 8)))
			return bad(why, n, "%s: an http:// or https:// URL", "url");
		if (strpbrk(c->method, "\r\n :"))
			return bad(why, n, "%s: an HTTP method", "method");
		if (c->type == WATCH_KEYWORD && !c->keyword)
			return bad(why, n, "%s: required for a keyword monitor",
				   "keyword");
		if (c->type == WATCH_JSON_QUERY) {
			struct watch_jsonq *q = NULL;
			char jw[128];
			if (!c->json_path || !c->expected_value)
				return bad(why, n, "%s: json_path and "
						   "expected_value are required",
					   "json_path");
			if (watch_jsonq_parse(c->json_path, &q, jw, sizeof(jw)))
				return bad(why, n, "%s: not a path", "json_path");
			watch_jsonq_free(q);
			if (watch_jsonq_op_parse(c->json_operator) < 0)
				return bad(why, n, "%s: ==, !=, <, <=, >, >= or "
						   "contains", "json_path_operator");
		}
		break;
	case WATCH_PORT:
		if (!c->hostname || !c->port)
			return bad(why, n, "%s: hostname and port are required",
				   "hostname");
		break;
	case WATCH_PING:
		if (!c->hostname)
			return bad(why, n, "%s: required", "hostname");
		break;
	default:
		break;
	}
	c->timeout_ms = c->timeout ? c->timeout * 1000 : c->interval * 800;
	c->ping_count = 1;
	c->ping_timeout = 2;
	c->depends_index = -1;
	c->parent_index = -1;
	c->smtp_security = "nostarttls";
	c->dns_type_text = "A";
	c->dns_server = "127.0.0.1";
	return 0;
}
