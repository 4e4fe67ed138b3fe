/* SPDX-License-Identifier: MIT */
/* The dhcp room's lifecycle: leases from the store, sockets, expiry, metrics. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "dhcp/config.h"
#include "dhcp/dhcp_room.h"
#include "dhcp/internal.h"

#define SWEEP_MS 2000

struct load_ctx {
	struct dhcp_room *r;
	int64_t now;
	uint32_t expired[256];
	size_t n_expired;
};

static int load_lease(const struct dhcp_store_lease *sl, void *ud)
{
	struct load_ctx *c = ud;
	if (sl->expires <= c->now) {
		if (c->n_expired < sizeof(c->expired) / sizeof(c->expired[0]))
			c->expired[c->n_expired++] = sl->ip;
		return 0;
	}
	struct dhcp_lease *l = dhcp_leases_put(&c->r->leases, sl->ip);
	if (!l)
		return -ENOMEM;
	memcpy(l->mac, sl->mac, 6);
	l->cid_len = (uint8_t)(sl->client_id_len < sizeof(l->cid)
				       ? sl->client_id_len
				       : sizeof(l->cid));
	memcpy(l->cid, sl->client_id, l->cid_len);
	dhcp_leases_reindex(&c->r->leases, l);
	snprintf(l->hostname, sizeof(l->hostname), "%s", sl->hostname);
	l->expires = sl->expires;
	l->state = strcmp(sl->state, "declined") == 0 ? DHCP_LEASE_DECLINED
						      : DHCP_LEASE_BOUND;
	return 0;
}

/* The domain a lease's name goes in: its subnet's, else the lab's. */
static const char *domain_for(struct dhcp_room *r, uint32_t ip_host)
{
	const struct cfg_dhcp *d = dhcp_config(r->cfg);
	struct ipaddr a = {.family = AF_INET};
	uint32_t be = htonl(ip_host);
	memcpy(a.u.bytes, &be, 4);
	for (size_t i = 0; i < d->n_subnets; i++)
		if (ipprefix_contains(&d->subnets[i].subnet, &a))
			return d->subnets[i].domain
				       ? d->subnets[i].domain
				       : (r->cfg->lab.enabled ? r->cfg->lab.domain
							       : NULL);
	return NULL;
}

/* Leases that outlived a restart get their names back in DNS. */
static void register_all(struct dhcp_room *r)
{
	size_t pos = 0;
	struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&r->leases, &pos))) {
		const char *dom = domain_for(r, l->ip);
		if (l->state != DHCP_LEASE_BOUND || !l->hostname[0] || !dom ||
		    !dhcp_config(r->cfg)->dns_register)
			continue;
		snprintf(l->domain, sizeof(l->domain), "%s", dom);
		dhcp_batch_dns(r, true, l->hostname, l->domain, l->ip);
		l->registered = true;
	}
	dhcp_flush(r);
}

static void on_sweep(uv_timer_t *t)
{
	struct dhcp_room *r = t->data;
	int64_t now = dhcp_now();
	size_t pos = 0;
	struct dhcp_lease *l;
	/* Deleting leaves a tombstone, so iteration may go on. */
	while ((l = dhcp_leases_next(&r->leases, &pos))) {
		if (l->expires > now)
			continue;
		char ip[16];
		struct in_addr a = {htonl(l->ip)};
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		if (l->state == DHCP_LEASE_BOUND)
			log_info("dhcp", "expired ip=%s host=%s", ip,
				 l->hostname[0] ? l->hostname : "-");
		dhcp_lease_end(r, l->ip);
	}
	dhcp_flush(r);
}

static void free_room(struct dhcp_room *r)
{
	dhcp_leases_free(&r->leases);
	free(r->ifs);
	free(r->outs);
	free(r->changes);
	free(r->change_leases);
	free(r->change_copies);
	config_unref(r->cfg);
	free(r);
}

static void on_closed(uv_handle_t *h)
{
	struct dhcp_room *r = h->data;
	if (h->type == UV_TIMER)
		free(h);
	if (--r->closing == 0)
		free_room(r);
}

static void room_close(void *room)
{
	struct dhcp_room *r = room;
	if (!r)
		return;
	dhcp_flush(r);
	dhcp_ping_close(r->ping);
	r->ping = NULL;
	r->closing = 1; /* released at the end of this function */
	for (size_t i = 0; i < r->n_ifs; i++) {
		struct dhcp_iface *ifc = &r->ifs[i];
		if (ifc->polling) {
			r->closing++;
			ifc->poll.data = r;
			uv_close((uv_handle_t *)&ifc->poll, on_closed);
		}
	}
	if (r->sweep) {
		r->closing++;
		r->sweep->data = r;
		uv_close((uv_handle_t *)r->sweep, on_closed);
		r->sweep = NULL;
	}
	/* Stopped polls no longer use their descriptors. */
	for (size_t i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].fd >= 0)
			close(r->ifs[i].fd);
	if (--r->closing == 0)
		free_room(r);
}

static void collect(struct buf *out, void *ud)
{
	struct dhcp_room *r = ud;
	static const char *const names[] = {
		"invalid", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK",
		"NAK", "RELEASE", "INFORM",
	};
	metrics_family(out, "hearth_dhcp_received_total", "counter",
		       "DHCP messages received, by type");
	for (int i = 0; i < 9; i++)
		if (i != 2 && i != 5 && i != 6)
			metrics_sample(out, "hearth_dhcp_received_total",
				       (double)r->stats.rx[i], 1, "type",
				       names[i]);
	metrics_family(out, "hearth_dhcp_sent_total", "counter",
		       "DHCP replies sent, by type");
	for (int i = 2; i <= 6; i++)
		if (i == 2 || i == 5 || i == 6)
			metrics_sample(out, "hearth_dhcp_sent_total",
				       (double)r->stats.tx[i], 1, "type",
				       names[i]);
	metrics_family(out, "hearth_dhcp_pool_exhausted_total", "counter",
		       "DISCOVERs that found no free address");
	metrics_sample(out, "hearth_dhcp_pool_exhausted_total",
		       (double)r->stats.exhausted, 0);
	size_t bound = 0, pos = 0;
	const struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&r->leases, &pos)))
		bound += l->state == DHCP_LEASE_BOUND;
	metrics_family(out, "hearth_dhcp_leases", "gauge",
		       "leases currently bound");
	metrics_sample(out, "hearth_dhcp_leases", (double)bound, 0);
}

static int room_open(const struct room_ctx *ctx, const struct config *cfg,
		     void **out)
{
	struct dhcp_room *r = calloc(1, sizeof(*r));
	int rc;
	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->loop = ctx->loop;
	r->store = ctx->store;
	r->cfg = config_ref((struct config *)cfg);
	rc = dhcp_io_open(r);
	if (rc)
		goto fail;
	if (dhcp_config(cfg)->ping_check) {
		rc = dhcp_ping_open(r, &r->ping);
		if (rc) {
			log_error("dhcp", "ping_check: no ICMP socket: %s",
				  hearth_strerror(rc));
			goto fail;
		}
	}
	struct load_ctx lc = {.r = r, .now = dhcp_now()};
	rc = dhcp_store_leases(r->store, load_lease, &lc);
	if (rc)
		goto fail;
	for (size_t i = 0; i < lc.n_expired; i++)
		dhcp_batch_del(r, lc.expired[i]);
	log_info("dhcp", "%zu leases loaded", r->leases.n);
	rc = metrics_register(ctx->metrics, collect, r);
	if (!rc && ctx->http)
		rc = dhcp_api_register(r, ctx->http);
	if (rc)
		goto fail;
	*out = r;
	return 0;
fail:
	room_close(r);
	return rc;
}

/* The dns room's registrar, when it runs (read at each use, so the order
 * rooms opened in does not matter). */
static int room_bind(void *room, struct room_services *services)
{
	struct dhcp_room *r = room;
	r->svc = services;
	return 0;
}

static int room_start(void *room)
{
	struct dhcp_room *r = room;
	r->sweep = malloc(sizeof(*r->sweep));
	if (!r->sweep)
		return -ENOMEM;
	uv_timer_init(r->loop, r->sweep);
	r->sweep->data = r;
	uv_timer_start(r->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
	register_all(r);
	int rc = r->ping ? dhcp_ping_start(r->ping) : 0;
	return rc ? rc : dhcp_io_start(r);
}

/* Everything the dhcp room reads comes from the snapshot: taking it is
 * the whole reload, and cannot fail. */
static void room_reload_commit(void *room, const struct config *cfg,
			       void *staged)
{
	struct dhcp_room *r = room;
	(void)staged;
	config_unref(r->cfg);
	r->cfg = config_ref((struct config *)cfg);
}

static const char *room_state(void *room)
{
	(void)room;
	return "running";
}

const struct room_ops dhcp_room_ops = {
	.open = room_open,
	.bind = room_bind,
	.start = room_start,
	.reload_commit = room_reload_commit,
	.close = room_close,
	.state = room_state,
};
