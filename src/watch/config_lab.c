/* SPDX-License-Identifier: MIT */
/* Monitors derived from lab: (watch.from_lab): a check per lab.services entry, a ping per lab host. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "base/addr.h"
#include "watch/config.h"

#define M struct cfg_watch_monitor

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
 * with an address (IPv4, or IPv6: ICMPv6), appended to the list; a monitor of the file with
 * that name wins; a service may not share a host's name. */
int watch_derive_from_lab(struct config *cfg, struct cfg_watch *w,
			  struct cfg_error *err)
{
	const struct cfg_lab *lab = &cfg->lab;
	if (!w->from_lab || !lab->enabled || !(lab->n_hosts + lab->n_services))
		return 0;
	M *all = arena_alloc(&cfg->arena, (w->n_monitors + lab->n_hosts +
					   lab->n_services) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (w->n_monitors)
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
		if (!h->has_ip || taken(all, n, h->name))
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

