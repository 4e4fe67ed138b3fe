/* SPDX-License-Identifier: MIT */
/* The PowerDNS API's servers/localhost/config: hearth's settings under pdns names. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/addr.h"
#include "dns/api_priv.h"
#include "dns/config.h"
#include "dns/internal.h"

/*
 * pdns_server lists every setting as {"type": "ConfigSetting", "name",
 * "value"} with the value as text; hearth lists the pdns settings that
 * have a meaning here, from the running config. pdns_server 4.7 has no
 * config/{name} for the authoritative server (404), nor does hearth.
 */

static void add(json_t *arr, const char *name, const char *value)
{
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "type",
					     "ConfigSetting", "name", name,
					     "value", value));
}

static void add_int(json_t *arr, const char *name, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	add(arr, name, buf);
}

/* Addresses joined with ',' as pdns writes address lists. */
static void add_addrs(json_t *arr, const char *name,
		      const struct sockaddr_any *a, size_t n)
{
	char out[512] = "";
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		char one[ADDR_TEXT_MAX];
		sockaddr_format(&a[i], one);
		int w = snprintf(out + used, sizeof(out) - used, "%s%s",
				 i ? "," : "", one);
		if (w < 0 || (size_t)w >= sizeof(out) - used)
			break;
		used += (size_t)w;
	}
	add(arr, name, out);
}

void dns_api_config_list(struct api_call *c)
{
	const struct cfg_dns *d = dns_config(c->room->cfg);
	json_t *arr = json_array();
	add_addrs(arr, "also-notify", d->secondaries, d->n_secondaries);
	add(arr, "api", "yes");
	add(arr, "api-key", "***");
	add(arr, "daemon", "no");
	add_addrs(arr, "local-address", d->listen, d->n_listen);
	add(arr, "local-port", "53");
	add(arr, "log-dns-queries", d->log_queries ? "yes" : "no");
	add_int(arr, "max-tcp-connections", d->tcp_max_connections);
	add_int(arr, "max-tcp-connections-per-client",
		d->tcp_max_connections_per_client);
	add(arr, "primary", "yes");
	add(arr, "query-logging", d->log_queries ? "yes" : "no");
	add(arr, "server-id", d->identity.id ? d->identity.id : "");
	add_int(arr, "tcp-idle-timeout", d->tcp_idle_timeout);
	add_int(arr, "udp-truncation-threshold", d->udp_payload);
	add(arr, "version-string",
	    d->identity.version && *d->identity.version ? d->identity.version
							  : "anonymous");
	add(arr, "webserver", "yes");
	http_reply_json(c->resp, 200, arr);
}
