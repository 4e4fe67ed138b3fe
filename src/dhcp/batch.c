/* SPDX-License-Identifier: MIT */
/* The DHCP engine's life and its batches: lease changes held with their ACKs until durable. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "dhcp/engine.h"

/* The batch being filled, with room for one more change, DNS change and
 * reply; NULL when out of memory. */
static struct dhcp_batch *open_batch(struct dhcp_engine *e)
{
	struct dhcp_batch *b = e->batch;
	if (b && (b->n_changes >= DHCP_BATCH * 2 ||
		  b->n_dnsops >= DHCP_BATCH * 2 || b->n_outs >= DHCP_BATCH ||
		  b->n_waiters >= DHCP_BATCH)) {
		dhcp_engine_flush(e, true);
		b = e->batch;
	}
	if (b)
		return b;
	b = e->spare;
	if (b) {
		e->spare = b->next;
	} else if (!(b = malloc(sizeof(*b)))) {
		log_error("dhcp", "no memory for a batch: change dropped");
		return NULL;
	}
	b->next = NULL;
	b->engine = e;
	b->n_changes = b->n_outs = b->n_dnsops = b->n_waiters = 0;
	b->status = 0;
	e->batch = b;
	return b;
}

void dhcp_engine_batch_put(struct dhcp_engine *e, const struct dhcp_lease *l)
{
	static const char *const states[] = {"offered", "bound", "declined"};
	struct dhcp_batch *b = open_batch(e);
	if (!b)
		return;
	/* A copy: the table may move before the batch is committed. */
	struct dhcp_lease *c = &b->copies[b->n_changes];
	*c = *l;
	struct dhcp_store_lease *sl = &b->leases[b->n_changes];
	*sl = (struct dhcp_store_lease){
		.ip = c->ip, .mac = c->mac, .client_id = c->cid,
		.client_id_len = c->cid_len, .hostname = c->hostname,
		.expires = c->expires, .state = states[c->state]};
	b->changes[b->n_changes].put = sl;
	b->changes[b->n_changes].del_ip = 0;
	b->n_changes++;
}

void dhcp_engine_batch_del(struct dhcp_engine *e, uint32_t ip)
{
	struct dhcp_batch *b = open_batch(e);
	if (!b)
		return;
	b->changes[b->n_changes].put = NULL;
	b->changes[b->n_changes].del_ip = ip;
	b->n_changes++;
}

void dhcp_engine_forget(struct dhcp_engine *e, uint32_t ip)
{
	dhcp_engine_batch_del(e, ip);
}

void dhcp_engine_batch_dns(struct dhcp_engine *e, bool add, const char *name,
			   const char *domain, uint32_t ip_host)
{
	if (!name || !*name || !domain || !*domain)
		return;
	struct dhcp_batch *b = open_batch(e);
	if (!b)
		return;
	struct dhcp_dnsop *op = &b->dnsops[b->n_dnsops++];
	op->add = add;
	snprintf(op->name, sizeof(op->name), "%s", name);
	snprintf(op->domain, sizeof(op->domain), "%s", domain);
	op->ip = htonl(ip_host);
}

void dhcp_engine_batch_out(struct dhcp_engine *e, const struct dhcp_out *o)
{
	struct dhcp_batch *b = open_batch(e);
	if (b)
		b->outs[b->n_outs++] = *o;
}

int dhcp_engine_when_committed(struct dhcp_engine *e,
			       void (*fn)(void *ud, int status), void *ud)
{
	/* Batches are committed in order: waiting for the one being filled
	 * also waits for those in flight before it. */
	struct dhcp_batch *b = open_batch(e);
	if (!b)
		return -ENOMEM;
	b->waiters[b->n_waiters++] = (struct dhcp_waiter){.fn = fn, .ud = ud};
	return 0;
}

static void call_waiters(struct dhcp_batch *b, int status)
{
	for (size_t i = 0; i < b->n_waiters; i++)
		b->waiters[i].fn(b->waiters[i].ud, status);
	b->n_waiters = 0;
}

void dhcp_engine_flush(struct dhcp_engine *e, bool now)
{
	struct dhcp_batch *b = e->batch;
	if (!b || (!now && e->n_inflight))
		return;
	e->batch = NULL;
	e->n_inflight++;
	e->io.commit(e->io.ud, b);
}

void dhcp_engine_committed(struct dhcp_engine *e, struct dhcp_batch *b,
			   int status)
{
	e->n_inflight--;
	if (status) {
		e->stats.commit_failed++;
		log_error("dhcp", "leases not saved (%s): %zu replies dropped",
			  hearth_strerror(status), b->n_outs);
	}
	/* Names first, so a client that has its ACK can be resolved. */
	struct room_dns_registrar *dns = e->dns;
	for (size_t i = 0; !status && dns && i < b->n_dnsops; i++) {
		struct dhcp_dnsop *op = &b->dnsops[i];
		if (op->add)
			dns->add(dns->ud, op->name, op->domain, op->ip);
		else
			dns->remove(dns->ud, op->name, op->domain, op->ip);
	}
	if (!status && dns && b->n_dnsops)
		dns->flush(dns->ud);
	for (size_t i = 0; !status && i < b->n_outs; i++)
		e->io.send(e->io.ud, &b->outs[i]);
	call_waiters(b, status);
	b->next = e->spare;
	e->spare = b;
	dhcp_engine_flush(e, false);
}

void dhcp_engine_sweep(struct dhcp_engine *e)
{
	int64_t now = dhcp_engine_now(e);
	size_t pos = 0;
	struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&e->leases, &pos))) {
		if (l->expires > now)
			continue;
		char ip[16];
		struct in_addr a = {htonl(l->ip)};
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		if (l->state == DHCP_LEASE_BOUND)
			log_info("dhcp", "expired ip=%s host=%s", ip,
				 l->hostname[0] ? l->hostname : "-");
		dhcp_engine_lease_end(e, l->ip);
	}
	dhcp_engine_flush(e, false);
}

static void on_sweep(struct clock_timer *t, void *ud)
{
	(void)t;
	dhcp_engine_sweep(ud);
}

/* The domain a lease's name goes in: its subnet's, else the lab's. */
static const char *domain_for(struct dhcp_engine *e, uint32_t ip_host)
{
	const struct cfg_dhcp *d = dhcp_config(e->cfg);
	struct ipaddr a = {.family = AF_INET};
	uint32_t be = htonl(ip_host);
	memcpy(a.u.bytes, &be, 4);
	for (size_t i = 0; i < d->n_subnets; i++)
		if (ipprefix_contains(&d->subnets[i].subnet, &a))
			return d->subnets[i].domain
				       ? d->subnets[i].domain
				       : (e->cfg->lab.enabled ? e->cfg->lab.domain
							       : NULL);
	return NULL;
}

int dhcp_engine_start(struct dhcp_engine *e)
{
	/* Leases that outlived a restart get their names back in DNS. */
	size_t pos = 0;
	struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&e->leases, &pos))) {
		const char *dom = domain_for(e, l->ip);
		if (l->state != DHCP_LEASE_BOUND || !l->hostname[0] || !dom ||
		    !dhcp_config(e->cfg)->dns_register)
			continue;
		snprintf(l->domain, sizeof(l->domain), "%s", dom);
		dhcp_engine_batch_dns(e, true, l->hostname, l->domain, l->ip);
		l->registered = true;
	}
	dhcp_engine_flush(e, false);
	int rc = clock_timer_new(e->clock, on_sweep, e, &e->sweep);
	if (!rc)
		clock_timer_start(e->sweep, DHCP_SWEEP_MS, DHCP_SWEEP_MS);
	return rc;
}

int dhcp_engine_init(struct dhcp_engine *e, const struct config *cfg,
		     const struct clock *clock, const struct dhcp_engine_io *io,
		     struct room_dns_registrar *dns)
{
	memset(e, 0, sizeof(*e));
	e->clock = clock;
	e->io = *io;
	e->dns = dns;
	e->cfg = config_ref((struct config *)cfg);
	return 0;
}

void dhcp_engine_set_config(struct dhcp_engine *e, const struct config *cfg)
{
	config_unref(e->cfg);
	e->cfg = config_ref((struct config *)cfg);
}

void dhcp_engine_deinit(struct dhcp_engine *e)
{
	if (!e)
		return;
	clock_timer_free(e->sweep);
	e->sweep = NULL;
	if (e->batch)
		call_waiters(e->batch, -ECANCELED);
	free(e->batch);
	while (e->spare) {
		struct dhcp_batch *b = e->spare;
		e->spare = b->next;
		free(b);
	}
	e->batch = NULL;
	dhcp_leases_free(&e->leases);
	config_unref(e->cfg);
	e->cfg = NULL;
}
