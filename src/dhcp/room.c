/* SPDX-License-Identifier: MIT */
/* The dhcp room's lifecycle: leases from the store, commits on a strand, sockets, metrics. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "core/privs.h"
#include "dhcp/config.h"
#include "dhcp/dhcp_room.h"
#include "dhcp/internal.h"

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
	struct dhcp_lease *l = dhcp_leases_put(&c->r->eng.leases, sl->ip);
	if (!l)
		return -ENOMEM;
	memcpy(l->mac, sl->mac, 6);
	l->cid_len = (uint8_t)(sl->client_id_len < sizeof(l->cid)
				       ? sl->client_id_len
				       : sizeof(l->cid));
	if (l->cid_len) /* an empty BLOB reads as NULL */
		memcpy(l->cid, sl->client_id, l->cid_len);
	dhcp_leases_reindex(&c->r->eng.leases, l);
	snprintf(l->hostname, sizeof(l->hostname), "%s", sl->hostname);
	l->expires = sl->expires;
	l->state = strcmp(sl->state, "declined") == 0 ? DHCP_LEASE_DECLINED
						      : DHCP_LEASE_BOUND;
	return 0;
}

/* On a pool thread, in strand order: the batch's changes in one
 * transaction through the room's own connection. */
static void commit_work(void *ud)
{
	struct dhcp_batch *b = ud;
	struct dhcp_room *r = b->engine->io.ud;
	b->status = b->n_changes
			    ? dhcp_store_apply(r->wstore, b->changes, b->n_changes)
			    : 0;
}

static void free_room(struct dhcp_room *r);

static void commit_done(void *ud, int status)
{
	struct dhcp_batch *b = ud;
	struct dhcp_room *r = b->engine->io.ud;
	dhcp_engine_committed(&r->eng, b, status ? status : b->status);
	if (r->closing) {
		if (--r->closing == 0)
			free_room(r);
		return;
	}
	if (r->paused && r->eng.n_inflight < DHCP_MAX_INFLIGHT)
		dhcp_io_pause(r, false);
}

/* The engine's io.commit: onto the strand (in order, off the loop). */
static void commit(void *room, struct dhcp_batch *b)
{
	struct dhcp_room *r = room;
	int rc = workq_strand_submit(r->strand, commit_work, commit_done, b);
	if (rc)
		dhcp_engine_committed(&r->eng, b, rc);
	else if (r->closing)
		r->closing++; /* a commit made while closing */
}

static void free_room(struct dhcp_room *r)
{
	dhcp_engine_deinit(&r->eng);
	workq_strand_free(r->strand);
	store_free(r->wstore);
	/* The last ACKs went out through these; the polls are closed. */
	for (size_t i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].fd >= 0)
			close(r->ifs[i].fd);
	free(r->ifs);
	free(r);
}

static void on_closed(uv_handle_t *h)
{
	struct dhcp_room *r = h->data;
	if (--r->closing == 0)
		free_room(r);
}

static void room_close(void *room)
{
	struct dhcp_room *r = room;
	if (!r)
		return;
	/* The last changes go to the strand now; the room is freed once
	 * they (and every commit before them) came back. */
	r->closing = 1 + (int)r->eng.n_inflight; /* 1: this function */
	/* The other rooms close too, maybe before these commits come back:
	 * none is called from here on. The names return at the next start,
	 * when the stored leases register again. */
	r->eng.dns = NULL;
	r->eng.notify = NULL;
	dhcp_engine_flush(&r->eng, true); /* commit() counts itself */
	clock_timer_free(r->eng.sweep);
	r->eng.sweep = NULL;
	dhcp_ping_close(r->ping);
	r->ping = NULL;
	for (size_t i = 0; i < r->n_ifs; i++) {
		struct dhcp_iface *ifc = &r->ifs[i];
		if (ifc->polling) {
			r->closing++;
			ifc->poll.data = r;
			uv_close((uv_handle_t *)&ifc->poll, on_closed);
		}
	}
	if (--r->closing == 0)
		free_room(r);
}

static bool in_ranges(const struct cfg_dhcp_subnet *sn, uint32_t ip)
{
	for (size_t i = 0; i < sn->n_ranges; i++)
		if (ip >= sn->ranges[i].start && ip <= sn->ranges[i].end)
			return true;
	return false;
}

/* Per subnet, as Kea counts them: the addresses its ranges hold, and of
 * those the ones bound to a client or declined. A family's samples stay
 * together, so one pass per family. */
static void collect_pools(struct buf *out, struct dhcp_room *r)
{
	static const struct {
		const char *name, *help;
		int state; /* -1: the pool's size */
	} fam[] = {
		{"hearth_dhcp_pool_addresses",
		 "addresses in the subnet's ranges", -1},
		{"hearth_dhcp_pool_assigned",
		 "addresses of the subnet's ranges bound to a client",
		 DHCP_LEASE_BOUND},
		{"hearth_dhcp_pool_declined",
		 "addresses of the subnet's ranges a client declined",
		 DHCP_LEASE_DECLINED},
	};
	const struct cfg_dhcp *c = dhcp_config(r->eng.cfg);
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		metrics_family(out, fam[f].name, "gauge", fam[f].help);
		for (size_t i = 0; i < c->n_subnets; i++) {
			const struct cfg_dhcp_subnet *sn = &c->subnets[i];
			char text[ADDR_TEXT_MAX];
			double n = 0;
			for (size_t k = 0; fam[f].state < 0 && k < sn->n_ranges;
			     k++)
				n += (double)(sn->ranges[k].end -
					      sn->ranges[k].start) + 1;
			size_t pos = 0;
			const struct dhcp_lease *l;
			while (fam[f].state >= 0 &&
			       (l = dhcp_leases_next(&r->eng.leases, &pos)))
				n += (int)l->state == fam[f].state &&
				     in_ranges(sn, l->ip);
			ipprefix_format(&sn->subnet, text);
			metrics_sample(out, fam[f].name, n, 1, "subnet", text);
		}
	}
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
				       (double)r->eng.stats.rx[i], 1, "type",
				       names[i]);
	metrics_family(out, "hearth_dhcp_sent_total", "counter",
		       "DHCP replies sent, by type");
	for (int i = 2; i <= 6; i++)
		if (i == 2 || i == 5 || i == 6)
			metrics_sample(out, "hearth_dhcp_sent_total",
				       (double)r->eng.stats.tx[i], 1, "type",
				       names[i]);
	metrics_value(out, "hearth_dhcp_pool_exhausted_total", "counter",
		      "DISCOVERs that found no free address",
		      (double)r->eng.stats.exhausted);
	size_t bound = 0, pos = 0;
	const struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&r->eng.leases, &pos)))
		bound += l->state == DHCP_LEASE_BOUND;
	metrics_value(out, "hearth_dhcp_leases", "gauge",
		      "leases currently bound",
		      (double)bound);
	collect_pools(out, r);
	metrics_value(out, "hearth_dhcp_offers_held", "gauge",
		      "addresses held by an OFFER not yet requested",
		      (double)dhcp_engine_offers_held(&r->eng));
	metrics_value(out, "hearth_dhcp_reoffered_total", "counter",
		      "held offers given to another client as the pool was full",
		      (double)r->eng.stats.reoffered);
	metrics_family(out, "hearth_dhcp_rate_limited_total", "counter",
		       "DISCOVERs dropped over the per-MAC or per-relay rate");
	metrics_sample(out, "hearth_dhcp_rate_limited_total",
		       (double)r->eng.stats.limited_mac, 1, "by", "mac");
	metrics_sample(out, "hearth_dhcp_rate_limited_total",
		       (double)r->eng.stats.limited_relay, 1, "by", "relay");
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
	struct dhcp_engine_io io = {
		.ud = r, .send = dhcp_io_send, .commit = commit,
	};
	if (dhcp_config(cfg)->ping_check) {
		io.ping_checked = dhcp_ping_checked;
		io.ping_defer = dhcp_ping_defer;
	}
	/* The dns room's registrar comes in bind(). */
	rc = dhcp_engine_init(&r->eng, cfg, ctx->clock, &io, NULL);
	if (!rc)
		rc = workq_strand_new(ctx->workq, &r->strand);
	if (!rc)
		rc = store_open_peer(r->store, &r->wstore);
	if (!rc)
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
	struct load_ctx lc = {.r = r, .now = dhcp_engine_now(&r->eng)};
	rc = dhcp_store_leases(r->store, load_lease, &lc);
	if (rc)
		goto fail;
	for (size_t i = 0; i < lc.n_expired; i++)
		dhcp_engine_forget(&r->eng, lc.expired[i]);
	log_info("dhcp", "%zu leases loaded", r->eng.leases.n);
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

/* Every room has opened: the dns room's registrar, if it runs, is on
 * offer now (before start, so leases loaded from the store register). */
static int room_bind(void *room, struct room_services *services)
{
	struct dhcp_room *r = room;
	r->eng.dns = services->dns;
	r->eng.notify = services->notify;
	return 0;
}

static int room_start(void *room)
{
	struct dhcp_room *r = room;
	int rc = dhcp_engine_start(&r->eng);
	if (!rc && r->ping)
		rc = dhcp_ping_start(r->ping);
	return rc ? rc : dhcp_io_start(r);
}

/* Everything the dhcp room reads comes from the snapshot: taking it is
 * the whole reload, and cannot fail. */
static void room_reload_commit(void *room, const struct config *cfg,
			       void *staged)
{
	struct dhcp_room *r = room;
	(void)staged;
	dhcp_engine_set_config(&r->eng, cfg);
}

/* After the drop: CAP_NET_ADMIN, for the ARP entry that lets a reply
 * reach a client without an address by unicast (io.c, arp_set). The
 * ping check's raw socket is opened before the drop and needs nothing
 * more to send and receive. */
static uint64_t room_capabilities(void *room)
{
	(void)room;
	return PRIVS_CAP(CAP_NET_ADMIN);
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
	.capabilities = room_capabilities,
	.summary = dhcp_summary,
};
