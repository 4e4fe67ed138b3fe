/* SPDX-License-Identifier: MIT */
/* Names of DHCP leases: the dns room's registrar for the other rooms. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"

#define PUBLISH_DELAY_MS 20

static void on_publish(uv_timer_t *t)
{
	struct dns_room *r = t->data;
	dns_room_refresh(r);
}

static void schedule(struct dns_room *r)
{
	if (r->dyn_timer && !uv_is_active((uv_handle_t *)r->dyn_timer))
		uv_timer_start(r->dyn_timer, on_publish, PUBLISH_DELAY_MS, 0);
}

static int fqdn_of(const char *name, const char *domain, struct dns_name *out)
{
	char text[DNS_NAME_TEXT_MAX];
	snprintf(text, sizeof(text), "%s.%s.", name, domain);
	int rc = dns_name_from_text(text, strlen(text), NULL, out);
	if (!rc)
		dns_name_lower(out);
	return rc;
}

/* Removes the A and PTR a lease put in for @fqdn (any address). */
static bool drop(struct dns_room *r, const struct dns_name *fqdn)
{
	bool changed = false;
	size_t w = 0;
	for (size_t i = 0; i < r->n_dyn; i++) {
		struct dns_lab_rr *rr = &r->dyn[i];
		bool mine = (rr->type == DNS_T_A &&
			     dns_name_equal(&rr->owner, fqdn)) ||
			    (rr->type == DNS_T_PTR && rr->rdlen == fqdn->len &&
			     memcmp(rr->rdata, fqdn->wire, fqdn->len) == 0);
		if (mine) {
			changed = true;
			continue;
		}
		r->dyn[w++] = *rr;
	}
	r->n_dyn = w;
	return changed;
}

/* True when the current snapshot serves @fqdn with data that is not a
 * lease's: such a name is never taken over. */
static bool static_name(struct dns_room *r, const struct dns_name *fqdn)
{
	const struct dns_zone *z = dns_zoneset_find(&r->snap->zs, fqdn);
	if (!z)
		return false;
	const struct dns_node *n = dns_zone_find(z, fqdn->wire, fqdn->len);
	if (!n || n->nsets == 0)
		return false;
	for (size_t i = 0; i < r->n_dyn; i++)
		if (r->dyn[i].type == DNS_T_A &&
		    dns_name_equal(&r->dyn[i].owner, fqdn))
			return false; /* it is ours */
	return true;
}

static int reg_add(void *ud, const char *name, const char *domain, uint32_t ip)
{
	struct dns_room *r = ud;
	struct dns_name fqdn, zone;
	if (fqdn_of(name, domain, &fqdn) ||
	    dns_name_from_text(domain, strlen(domain),
			       &(struct dns_name){.len = 1}, &zone))
		return -EINVAL;
	dns_name_lower(&zone);
	if (static_name(r, &fqdn)) {
		log_warn("dns", "lease name %s.%s is a static record; not "
				"registered",
			 name, domain);
		return -EEXIST;
	}
	drop(r, &fqdn);
	if (r->n_dyn + 2 > r->cap_dyn) {
		size_t cap = r->cap_dyn ? r->cap_dyn * 2 : 32;
		struct dns_lab_rr *p = realloc(r->dyn, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		r->dyn = p;
		r->cap_dyn = cap;
	}
	struct dns_lab_rr *a = &r->dyn[r->n_dyn];
	memset(a, 0, sizeof(*a));
	a->zone = zone;
	a->owner = fqdn;
	a->type = DNS_T_A;
	a->rdlen = 4;
	memcpy(a->rdata, &ip, 4);
	a->dynamic = true;
	struct ipaddr addr = {.family = AF_INET};
	memcpy(addr.u.bytes, &ip, 4);
	struct dns_lab_rr *p = &r->dyn[r->n_dyn + 1];
	if (dns_lab_ptr(r->cfg, &addr, &fqdn, p) == 0) {
		p->dynamic = true;
		r->n_dyn += 2;
	} else {
		r->n_dyn += 1;
	}
	log_info("dns", "registered %s.%s", name, domain);
	schedule(r);
	return 0;
}

static void reg_remove(void *ud, const char *name, const char *domain,
		       uint32_t ip)
{
	struct dns_room *r = ud;
	struct dns_name fqdn;
	(void)ip;
	if (fqdn_of(name, domain, &fqdn))
		return;
	if (drop(r, &fqdn)) {
		log_info("dns", "unregistered %s.%s", name, domain);
		schedule(r);
	}
}

static void reg_flush(void *ud)
{
	struct dns_room *r = ud;
	if (r->dyn_timer && uv_is_active((uv_handle_t *)r->dyn_timer)) {
		uv_timer_stop(r->dyn_timer);
		dns_room_refresh(r);
	}
}

/* The watch room's view of the forwarder's servers (the config in use). */
static size_t resolvers(void *ud, struct sockaddr_storage *out, size_t max)
{
	struct dns_room *r = ud;
	struct sockaddr_any up[8];
	size_t n = dns_fwd_upstreams(r->cfg, up, max < 8 ? max : 8);
	for (size_t i = 0; i < n; i++)
		out[i] = up[i].u.ss;
	return n;
}

int dns_dynamic_open(struct dns_room *r, struct room_services *svc)
{
	r->dyn_timer = malloc(sizeof(*r->dyn_timer));
	if (!r->dyn_timer)
		return -ENOMEM;
	uv_timer_init(r->loop, r->dyn_timer);
	r->dyn_timer->data = r;
	r->registrar = (struct room_dns_registrar){
		.ud = r, .add = reg_add, .remove = reg_remove,
		.flush = reg_flush};
	svc->dns = &r->registrar;
	r->resolvers = (struct room_dns_resolvers){.ud = r,
						   .upstreams = resolvers};
	svc->resolvers = &r->resolvers;
	return 0;
}

static void timer_freed(uv_handle_t *h)
{
	free(h);
}

void dns_dynamic_close(struct dns_room *r)
{
	if (r->dyn_timer)
		uv_close((uv_handle_t *)r->dyn_timer, timer_freed);
	r->dyn_timer = NULL;
	free(r->dyn);
	r->dyn = NULL;
	r->n_dyn = r->cap_dyn = 0;
}
