/* SPDX-License-Identifier: MIT */
/* Forwarder settings (routes, upstreams, aliases, cache size) and its metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "dns/forward_priv.h"

/* Something the workers may still be reading (a cache, access
 * settings), freed after a grace period on liburcu's call_rcu thread. */
struct old_ptr {
	struct rcu_head head;
	void *p;
	void (*free)(void *);
};

static void old_ptr_free(struct rcu_head *h)
{
	struct old_ptr *o = caa_container_of(h, struct old_ptr, head);
	o->free(o->p);
	free(o);
}

/* Frees @p with @fn once no worker can read it. Loop thread
 * (registered with RCU, offline). */
static void free_after_readers(void *p, void (*fn)(void *))
{
	struct old_ptr *o = malloc(sizeof(*o));
	if (!o) {
		synchronize_rcu();
		fn(p);
		return;
	}
	o->p = p;
	o->free = fn;
	rcu_thread_online(); /* QSBR: call_rcu wants an online thread */
	call_rcu(&o->head, old_ptr_free);
	rcu_thread_offline();
}

static void cache_free(void *c)
{
	dns_cache_free(c);
}

/* Publishes @c (may be NULL) as the cache; the counters of the one it
 * replaces carry over. Loop thread (registered with RCU, offline). */
static void cache_replace(struct dns_fwd *f, struct dns_cache *c)
{
	struct dns_cache *old = rcu_xchg_pointer(&f->cache, c);
	if (!old)
		return;
	struct dns_cache_stats st;
	dns_cache_stats(old, &st);
	f->old_hits += st.hits;
	f->old_misses += st.misses;
	free_after_readers(old, cache_free);
}

/* allow_recursion (absent: loopback and the lab's subnets) and the rate
 * limit, in one allocation. NULL when out of memory. */
static struct dns_access *access_new(const struct config *cfg)
{
	const struct cfg_dns *d = dns_config(cfg);
	size_t n = d->has_allow_recursion ? d->n_allow_recursion
					  : 2 + cfg->lab.n_networks;
	struct dns_access *a = calloc(1, sizeof(*a) + n * sizeof(*a->allow));
	if (!a)
		return NULL;
	a->allow = (struct ipprefix *)(a + 1);
	if (d->has_allow_recursion) {
		if (n)
			memcpy(a->allow, d->allow_recursion,
			       n * sizeof(*a->allow));
	} else {
		ipprefix_parse("127.0.0.0/8", &a->allow[0]);
		ipprefix_parse("::1/128", &a->allow[1]);
		for (size_t i = 0; i < cfg->lab.n_networks; i++)
			a->allow[2 + i] = cfg->lab.networks[i].subnet;
	}
	a->n_allow = n;
	a->rrl = (struct dns_rrl_params){
		.rate = (uint32_t)d->rrl.responses_per_second,
		.slip = (uint32_t)d->rrl.slip,
		.window = (uint32_t)d->rrl.window,
		.v4_prefix = (unsigned)d->rrl.ipv4_prefix,
		.v6_prefix = (unsigned)d->rrl.ipv6_prefix,
	};
	return a;
}

/* Servers named in /etc/resolv.conf, port 53. */
static size_t system_resolvers(struct sockaddr_any *out, size_t max)
{
	FILE *fp = fopen("/etc/resolv.conf", "re");
	size_t n = 0;
	char line[512];
	if (!fp)
		return 0;
	while (n < max && fgets(line, sizeof(line), fp)) {
		char addr[256];
		if (sscanf(line, " nameserver %255s", addr) == 1 &&
		    sockaddr_parse(addr, 53, &out[n]) == 0)
			n++;
	}
	fclose(fp);
	return n;
}

size_t dns_fwd_upstreams(const struct config *cfg, struct sockaddr_any *out,
			 size_t max)
{
	const struct cfg_dns *d = dns_config(cfg);
	if (!d->has_upstream)
		return system_resolvers(out, max);
	size_t n = d->n_upstream < max ? d->n_upstream : max;
	memcpy(out, d->upstream, n * sizeof(*out));
	return n;
}

static int parse_side(const char *text, struct ipprefix *p)
{
	if (strchr(text, '/'))
		return ipprefix_parse(text, p);
	memset(p, 0, sizeof(*p));
	p->len = 32;
	return ipaddr_parse(text, &p->addr);
}

int dns_fwd_configure(struct dns_fwd *f, const struct config *cfg)
{
	const struct cfg_dns *d = dns_config(cfg);
	struct route *routes = calloc(d->n_forward + 1, sizeof(*routes));
	struct sockaddr_any *up = calloc(d->n_upstream + 8, sizeof(*up));
	struct dns_alias *alias =
		calloc(d->n_alias + cfg->lab.n_hosts + 1, sizeof(*alias));
	struct dns_health *health =
		calloc(d->n_upstream + 8 + d->n_forward + 1, sizeof(*health));
	struct dns_access *access = access_new(cfg);
	if (!routes || !up || !alias || !health || !access) {
		free(routes);
		free(up);
		free(alias);
		free(health);
		free(access);
		return -ENOMEM;
	}
	struct dns_name root;
	dns_name_root(&root);
	size_t nr = 0, nu = 0, na = 0;
	for (size_t i = 0; i < d->n_forward; i++) {
		const char *dom = d->forward[i].domain;
		if (dns_name_from_text(dom, strlen(dom), &root,
				       &routes[nr].domain))
			continue;
		routes[nr++].to = d->forward[i].to;
	}
	if (d->has_upstream) {
		if (d->n_upstream)
			memcpy(up, d->upstream, d->n_upstream * sizeof(*up));
		nu = d->n_upstream;
	} else {
		nu = system_resolvers(up, 8);
	}
	for (size_t i = 0; i < d->n_alias; i++) {
		if (parse_side(d->alias[i].from, &alias[na].from) ||
		    parse_side(d->alias[i].to, &alias[na].to))
			continue;
		na++;
	}
	/* The NAT problem solved once: a lab host's public address reads as
	 * its private one inside the lab. */
	for (size_t i = 0; cfg->lab.enabled && i < cfg->lab.n_hosts; i++) {
		const struct cfg_host *h = &cfg->lab.hosts[i];
		if (!h->has_public || !h->has_ip || h->ip.family != AF_INET)
			continue;
		alias[na].from.addr = h->public_ip;
		alias[na].from.len = 32;
		alias[na].to.addr = h->ip;
		alias[na].to.len = 32;
		na++;
	}
	/* Health starts afresh: the servers may be others now, and the
	 * tries in flight report to nobody. */
	for (size_t i = 0; i < nu + nr; i++)
		dns_health_init(&health[i]);
	for (struct req *r = f->reqs; r; r = r->next) {
		for (unsigned i = 0; i < DNS_FWD_MAX_TRIES; i++)
			r->health[i] = NO_HEALTH;
		r->probing = false;
	}
	free(f->health);
	f->health = health;
	free(f->routes);
	free(f->up);
	free(f->alias);
	f->routes = routes;
	f->n_routes = nr;
	f->up = up;
	f->n_up = nu;
	f->next_up = 0;
	f->alias = alias;
	f->n_alias = na;
	f->timeout_ms = d->upstream_timeout > 0 ? (uint64_t)d->upstream_timeout
						: 1;
	f->payload = (uint16_t)d->udp_payload;
	atomic_store(&f->payload_atomic, f->payload);
	f->max_inflight = (size_t)d->forward_max_inflight;
	f->max_per_client = (size_t)d->forward_max_inflight_per_client;
	uint64_t backoff = (uint64_t)d->upstream_backoff * 1000;
	f->hp = (struct dns_health_params){
		.down_after = (unsigned)d->upstream_down_after,
		.backoff_ms = backoff,
		.backoff_max_ms = backoff > 60000 ? backoff : 60000,
		/* three tries and a TCP retry, and some */
		.probe_lost_ms = 4 * f->timeout_ms + 1000,
	};
	struct dns_access *old = __atomic_exchange_n(&f->access, access,
						     __ATOMIC_ACQ_REL);
	if (old)
		free_after_readers(old, free);
	/* New sockets for the new upstreams; the old ones close once the
	 * tries waiting on them are done. */
	dns_fwd_socks_retire(f);
	/* Cached answers carry the old aliases and routes: start afresh. */
	if ((size_t)d->cache_size != f->cache_size) {
		struct dns_cache *c = d->cache_size
			? dns_cache_new((size_t)d->cache_size, 0) : NULL;
		cache_replace(f, c);
		f->cache_size = c ? (size_t)d->cache_size : 0;
	} else if (f->cache) {
		dns_cache_flush(f->cache);
	}
	atomic_store(&f->enabled, nr + nu > 0);
	return 0;
}

size_t dns_fwd_cache_flush(struct dns_fwd *f, const struct dns_name *name)
{
	if (!f || !f->cache)
		return 0;
	if (name)
		return dns_cache_flush_name(f->cache, name);
	struct dns_cache_stats st;
	dns_cache_stats(f->cache, &st);
	dns_cache_flush(f->cache);
	return st.entries;
}

void dns_fwd_cache_stats(struct dns_fwd *f, struct dns_cache_stats *out,
			 size_t *capacity)
{
	*out = (struct dns_cache_stats){0};
	*capacity = 0;
	if (!f)
		return;
	if (f->cache)
		dns_cache_stats(f->cache, out);
	out->hits += f->old_hits;
	out->misses += f->old_misses + atomic_load(&f->uncached);
	*capacity = f->cache ? f->cache_size : 0;
}

void dns_fwd_collect(struct dns_fwd *f, struct buf *out)
{
	struct dns_cache_stats cs;
	size_t capacity;
	dns_fwd_cache_stats(f, &cs, &capacity);
	metrics_family(out, "hearth_dns_cache_total", "counter",
		       "forwarding cache lookups and changes, by event");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.hits, 1,
		       "event", "hit");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.misses, 1,
		       "event", "miss");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.inserts, 1,
		       "event", "insert");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.evictions, 1,
		       "event", "eviction");
	metrics_family(out, "hearth_dns_cache_lookups_total", "counter",
		       "forwarding cache lookups, by result");
	metrics_sample(out, "hearth_dns_cache_lookups_total", (double)cs.hits,
		       1, "result", "hit");
	metrics_sample(out, "hearth_dns_cache_lookups_total",
		       (double)cs.misses, 1, "result", "miss");
	metrics_value(out, "hearth_dns_cache_inserts_total", "counter",
		      "answers stored in the forwarding cache",
		      (double)cs.inserts);
	metrics_value(out, "hearth_dns_cache_evictions_total", "counter",
		      "live answers dropped from the full forwarding cache "
		      "to make room",
		      (double)cs.evictions);
	metrics_value(out, "hearth_dns_cache_expired_total", "counter",
		      "expired answers dropped from the forwarding cache",
		      (double)cs.expired);
	metrics_value(out, "hearth_dns_cache_entries", "gauge",
		      "answers held in the forwarding cache",
		      (double)cs.entries);
	metrics_family(out, "hearth_dns_forward_total", "counter",
		       "queries sent upstream, and how they ended");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->forwarded,
		       1, "event", "forwarded");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->timeouts, 1,
		       "event", "timeout");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->servfail, 1,
		       "event", "servfail");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->tcp_retries,
		       1, "event", "tcp_retry");
	metrics_sample(out, "hearth_dns_forward_total",
		       (double)f->rejected_answers, 1, "event",
		       "rejected_answer");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->over_limit,
		       1, "event", "over_limit");
	metrics_sample(out, "hearth_dns_forward_total",
		       (double)f->over_client_limit, 1, "event",
		       "over_client_limit");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->all_down, 1,
		       "event", "upstreams_down");
	metrics_value(out, "hearth_dns_forward_inflight", "gauge",
		      "forwarded queries waiting upstream now",
		      (double)f->inflight);
	metrics_family(out, "hearth_dns_upstream_up", "gauge",
		       "1 while an upstream or forward server is in use, 0 "
		       "while it is down or probed");
	metrics_family(out, "hearth_dns_upstream_down_total", "counter",
		       "times an upstream or forward server was marked down");
	/* Labelled by server and by the domain it serves ("." for the
	 * upstreams). */
	for (size_t i = 0; i < f->n_up + f->n_routes; i++) {
		char text[ADDR_TEXT_MAX], dom[DNS_NAME_TEXT_MAX] = ".";
		if (i < f->n_up) {
			sockaddr_format(&f->up[i], text);
		} else {
			const struct route *rt = &f->routes[i - f->n_up];
			sockaddr_format(&rt->to, text);
			dns_name_to_text(&rt->domain, dom, sizeof(dom));
		}
		metrics_sample(out, "hearth_dns_upstream_up",
			       f->health[i].state == DNS_HEALTH_UP ? 1 : 0, 2,
			       "server", text, "domain", dom);
		metrics_sample(out, "hearth_dns_upstream_down_total",
			       (double)f->health[i].downs, 2, "server", text,
			       "domain", dom);
	}
	uint64_t dropped, slipped;
	dns_udp_access_counts(f->room->udp, &dropped, &slipped);
	metrics_value(out, "hearth_dns_recursion_refused_total", "counter",
		      "queries REFUSED because the client is outside dns.allow_recursion",
		      (double)atomic_load(&f->recursion_refused));
	metrics_family(out, "hearth_dns_rrl_total", "counter",
		       "UDP answers over dns.rrl's rate, by what became of "
		       "them");
	metrics_sample(out, "hearth_dns_rrl_total", (double)dropped, 1,
		       "action", "dropped");
	metrics_sample(out, "hearth_dns_rrl_total", (double)slipped, 1,
		       "action", "slipped");
	struct metrics_hist_sum lat = {0};
	metrics_hist_add(&lat, &f->latency);
	metrics_family(out, "hearth_dns_upstream_latency_seconds", "histogram",
		       "time from the first try upstream to its answer");
	metrics_hist_write(out, "hearth_dns_upstream_latency_seconds", &lat,
			   NULL, NULL);
}
