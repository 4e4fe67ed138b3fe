/* SPDX-License-Identifier: MIT */
/* Uptime Kuma's webhook body for alerts: {heartbeat, monitor, msg} with Kuma's field names. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "watch/internal.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Kuma's heartbeat.toJSON() and the zone fields its notifications add
 * (hearth keeps time in UTC). */
static json_t *heartbeat_json(const struct watch_mon *m,
			      const struct watch_beat *b, const char *text)
{
	char when[32], local[32];
	watch_kuma_time(m->time_ms, when);
	snprintf(local, sizeof(local), "%.19s", when); /* no milliseconds */
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "monitorID", json_integer(m->id));
	json_object_set_new(o, "status", json_integer((int)b->status));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "msg", json_string(text ? text : ""));
	json_object_set_new(o, "ping", m->ping_ms >= 0 ? json_real(m->ping_ms)
						       : json_null());
	json_object_set_new(o, "important", json_boolean(b->important));
	json_object_set_new(o, "duration",
			    json_integer(b->duration_ms / 1000));
	json_object_set_new(o, "timezone", json_string("UTC"));
	json_object_set_new(o, "timezoneOffset", json_string("+00:00"));
	json_object_set_new(o, "localDateTime", json_string(local));
	return o;
}

/* Kuma's monitor.toJSON() without sensitive data: the fields hearth
 * has, under Kuma's names. */
static json_t *monitor_json(const struct watch_mon *m)
{
	const struct cfg_watch_monitor *c = m->cfg;
	json_t *o = json_object(), *codes = json_array();
	if (!o || !codes) {
		json_decref(o);
		json_decref(codes);
		return NULL;
	}
	for (size_t i = 0; i < c->n_codes_text; i++)
		json_array_append_new(codes, json_string(c->codes_text[i]));
	if (!c->n_codes_text && c->n_codes)
		json_array_append_new(codes, json_string("200-299"));
	json_object_set_new(o, "id", json_integer(m->id));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "description", str_or_null(c->description));
	json_object_set_new(o, "pathName", json_string(c->name));
	json_object_set_new(o, "parent", str_or_null(c->parent));
	json_object_set_new(o, "url", str_or_null(c->url));
	json_object_set_new(o, "method", str_or_null(c->method));
	json_object_set_new(o, "hostname", str_or_null(c->hostname));
	json_object_set_new(o, "port", c->port ? json_integer(c->port)
					       : json_null());
	json_object_set_new(o, "maxretries", json_integer(c->retries));
	json_object_set_new(o, "active", json_boolean(!m->paused));
	json_object_set_new(o, "type", json_string(watch_type_name(c->type)));
	json_object_set_new(o, "timeout", json_real((double)c->timeout_ms /
						    1000.0));
	json_object_set_new(o, "interval", json_integer(c->interval));
	json_object_set_new(o, "retryInterval", json_integer(c->retry_interval));
	json_object_set_new(o, "resendInterval",
			    json_integer(c->resend_interval));
	json_object_set_new(o, "keyword", str_or_null(c->keyword));
	json_object_set_new(o, "invertKeyword", json_boolean(c->invert_keyword));
	json_object_set_new(o, "expiryNotification",
			    json_boolean(c->expiry_notification));
	json_object_set_new(o, "ignoreTls", json_boolean(c->ignore_tls));
	json_object_set_new(o, "upsideDown", json_boolean(c->upside_down));
	json_object_set_new(o, "maxredirects", json_integer(c->max_redirects));
	json_object_set_new(o, "accepted_statuscodes", codes);
	json_object_set_new(o, "dns_resolve_type",
			    c->type == WATCH_DNS ? json_string(c->dns_type_text)
						 : json_null());
	json_object_set_new(o, "dns_resolve_server",
			    c->type == WATCH_DNS ? json_string(c->dns_server)
						 : json_null());
	json_object_set_new(o, "jsonPath", str_or_null(c->json_path));
	json_object_set_new(o, "expectedValue", str_or_null(c->expected_value));
	json_object_set_new(o, "databaseQuery", str_or_null(c->db_query));
	json_object_set_new(o, "tags", json_array());
	json_object_set_new(o, "notificationIDList", json_object());
	json_object_set_new(o, "maintenance",
			    json_boolean(m->st.has_beat &&
					 m->st.status == WATCH_MAINTENANCE));
	return o;
}

char *watch_webhook_json(const struct watch_mon *m, const struct watch_beat *b,
			 const char *text, const char *msg)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "heartbeat", heartbeat_json(m, b, text));
	json_object_set_new(o, "monitor", monitor_json(m));
	json_object_set_new(o, "msg", json_string(msg));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}
