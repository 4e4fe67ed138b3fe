/* SPDX-License-Identifier: MIT */
/* Unit tests of the DHCP engine with scripted time, captured replies and a fake committer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "dhcp/dhcp_room.h"
#include "dhcp/engine.h"
#include "support/clock_script.h"

/*
 * The harness stands in for the room: replies are captured instead of
 * sent, commits land in a fake table ("the disk") at once or when the
 * test says, DNS registrations are recorded, and time only moves when the
 * test advances the scripted clock (which also drives the sweep timer).
 */

#define NET(d) (0x0a000000u | (d)) /* 10.0.0.d, host order */
#define WALL0 1700000000000LL

static const char *const yaml =
	"state_dir: /nonexistent\n"
	"lab:\n"
	"  domain: lab.test\n"
	"dhcp:\n"
	"  interfaces: [eth0]\n"
	"  subnets:\n"
	"    - subnet: 10.0.0.0/24\n"
	"      ranges: [10.0.0.10-10.0.0.13]\n"
	"      router: 10.0.0.1\n"
	"      dns: [10.0.0.1]\n"
	"      lease_time: 1h\n"
	"  reservations:\n"
	"    - mac: 02:00:00:00:00:99\n"
	"      ip: 10.0.0.50\n"
	"      hostname: fixed\n";

/* A 50-address pool whose holds shrink under 40 % free, relays limited
 * to a burst of 3 and 1 a second, no per-MAC limit. */
static const char *const yaml_pressure =
	"state_dir: /nonexistent\n"
	"dhcp:\n"
	"  interfaces: [eth0]\n"
	"  offer_hold: 60s\n"
	"  offer_hold_min: 4s\n"
	"  offer_pressure: 40\n"
	"  discover_rate_mac: 0\n"
	"  discover_rate_relay: 1\n"
	"  discover_burst_relay: 3\n"
	"  subnets:\n"
	"    - subnet: 10.0.0.0/24\n"
	"      ranges: [10.0.0.100-10.0.0.149]\n";

static const char *yaml_now = yaml;

struct row {
	uint32_t ip;
	int64_t expires;
	char state[16];
	char hostname[64];
};

struct h {
	struct config *cfg;
	struct clock *clock;
	struct dhcp_engine e;
	struct dhcp_iface ifc;
	struct room_dns_registrar dns;
	/* replies as they would have gone out */
	struct dhcp_out sent[32];
	size_t n_sent;
	/* the committer */
	bool defer;
	struct dhcp_batch *pending[8];
	size_t n_pending, n_commits;
	struct row disk[64];
	size_t n_disk;
	/* DNS */
	char dns_log[16][80];
	size_t n_dns;
	/* alerts published through the notify service */
	struct room_notify_publisher notify;
	char alerts[8][200];
	size_t n_alerts;
};

static struct h H;

static void on_send(void *ud, const struct dhcp_out *o)
{
	struct h *h = ud;
	assert_true(h->n_sent < 32);
	h->sent[h->n_sent++] = *o;
}

static int on_publish(void *ud, const struct room_notify_msg *m)
{
	struct h *h = ud;
	assert_true(h->n_alerts < 8);
	snprintf(h->alerts[h->n_alerts++], sizeof(h->alerts[0]), "%s|%s|%d|%s",
		 m->event, m->title, m->priority, m->message);
	return 0;
}

static struct row *disk_row(struct h *h, uint32_t ip)
{
	for (size_t i = 0; i < h->n_disk; i++)
		if (h->disk[i].ip == ip)
			return &h->disk[i];
	return NULL;
}

static void write_disk(struct h *h, const struct dhcp_batch *b)
{
	for (size_t i = 0; i < b->n_changes; i++) {
		const struct dhcp_store_change *c = &b->changes[i];
		uint32_t ip = c->put ? c->put->ip : c->del_ip;
		struct row *r = disk_row(h, ip);
		if (!c->put) {
			if (r)
				*r = h->disk[--h->n_disk];
			continue;
		}
		if (!r) {
			assert_true(h->n_disk < 64);
			r = &h->disk[h->n_disk++];
		}
		r->ip = ip;
		r->expires = c->put->expires;
		snprintf(r->state, sizeof(r->state), "%s", c->put->state);
		snprintf(r->hostname, sizeof(r->hostname), "%s",
			 c->put->hostname);
	}
}

static void on_commit(void *ud, struct dhcp_batch *b)
{
	struct h *h = ud;
	h->n_commits++;
	if (h->defer) {
		assert_true(h->n_pending < 8);
		h->pending[h->n_pending++] = b;
		return;
	}
	write_disk(h, b);
	dhcp_engine_committed(&h->e, b, 0);
}

/* The committer reports on the oldest pending batch. */
static void complete(struct h *h, int status)
{
	assert_true(h->n_pending > 0);
	struct dhcp_batch *b = h->pending[0];
	memmove(h->pending, h->pending + 1,
		--h->n_pending * sizeof(h->pending[0]));
	if (!status)
		write_disk(h, b);
	dhcp_engine_committed(&h->e, b, status);
}

static int dns_add(void *ud, const char *name, const char *domain, uint32_t ip)
{
	struct h *h = ud;
	char a[16];
	inet_ntop(AF_INET, &ip, a, sizeof(a));
	if (h->n_dns < 16)
		snprintf(h->dns_log[h->n_dns++], 80, "+%s.%s %s", name, domain,
			 a);
	return 0;
}

static void dns_remove(void *ud, const char *name, const char *domain,
		       uint32_t ip)
{
	struct h *h = ud;
	char a[16];
	inet_ntop(AF_INET, &ip, a, sizeof(a));
	if (h->n_dns < 16)
		snprintf(h->dns_log[h->n_dns++], 80, "-%s.%s %s", name, domain,
			 a);
}

static void dns_flush(void *ud)
{
	(void)ud;
}

static int setup(void **state)
{
	struct h *h = &H;
	struct cfg_error err;
	/* The config is read as hearthd reads it, with the dhcp room's
	 * section (the only room this test links). */
	static const struct room_def *const rooms[] = {&dhcp_room_def, NULL};
	static struct config_schema schema;
	memset(h, 0, sizeof(*h));
	if (config_schema_init(&schema, rooms) ||
	    config_load_buffer(&schema, yaml_now, strlen(yaml_now), "engine.yaml",
			       &h->cfg, &err)) {
		print_error("config: %d:%d: %s\n", err.line, err.col, err.msg);
		return -1;
	}
	if (clock_script_new(0, WALL0, &h->clock))
		return -1;
	h->dns = (struct room_dns_registrar){.ud = h, .add = dns_add,
					     .remove = dns_remove,
					     .flush = dns_flush};
	struct dhcp_engine_io io = {.ud = h, .send = on_send,
				    .commit = on_commit};
	if (dhcp_engine_init(&h->e, h->cfg, h->clock, &io, &h->dns))
		return -1;
	h->notify = (struct room_notify_publisher){.ud = h,
						   .publish = on_publish};
	h->e.notify = &h->notify;
	snprintf(h->ifc.name, sizeof(h->ifc.name), "eth0");
	h->ifc.addr = htonl(NET(1));
	h->ifc.fd = -1;
	if (dhcp_engine_start(&h->e))
		return -1;
	*state = h;
	return 0;
}

static int setup_pressure(void **state)
{
	yaml_now = yaml_pressure;
	return setup(state);
}

static int teardown(void **state)
{
	struct h *h = *state;
	yaml_now = yaml;
	while (h->n_pending)
		complete(h, -ECANCELED);
	dhcp_engine_deinit(&h->e);
	clock_script_free(h->clock);
	config_unref(h->cfg);
	return 0;
}

/* ---- client messages ---- */

struct req {
	uint8_t type;
	uint8_t mac_last; /* chaddr 02:00:00:00:00:XX */
	uint32_t ciaddr;  /* host order; 0: none */
	uint32_t want;	  /* option 50 */
	uint32_t server;  /* option 54 */
	const char *hostname;
	uint32_t giaddr; /* host order; 0: not relayed */
	uint16_t mac_hi; /* chaddr 02:00:00:00:HH:XX with mac_last */
};

static void send_req(struct h *h, const struct req *q)
{
	uint8_t p[576] = {0};
	size_t n = 240;
	p[0] = DHCP_BOOTREQUEST;
	p[1] = 1;
	p[2] = 6;
	p[4] = q->mac_last; /* xid */
	uint32_t ci = htonl(q->ciaddr);
	memcpy(p + 12, &ci, 4);
	uint32_t gi = htonl(q->giaddr);
	memcpy(p + 24, &gi, 4);
	uint8_t mac[6] = {2, 0, 0, (uint8_t)(q->mac_hi >> 8), (uint8_t)q->mac_hi,
			  q->mac_last};
	memcpy(p + 28, mac, 6);
	p[236] = 0x63;
	p[237] = 0x82;
	p[238] = 0x53;
	p[239] = 0x63;
	p[n++] = DHCP_OPT_MSG_TYPE;
	p[n++] = 1;
	p[n++] = q->type;
	if (q->want) {
		uint32_t v = htonl(q->want);
		p[n++] = DHCP_OPT_REQUESTED_IP;
		p[n++] = 4;
		memcpy(p + n, &v, 4);
		n += 4;
	}
	if (q->server) {
		uint32_t v = htonl(q->server);
		p[n++] = DHCP_OPT_SERVER_ID;
		p[n++] = 4;
		memcpy(p + n, &v, 4);
		n += 4;
	}
	if (q->hostname) {
		size_t l = strlen(q->hostname);
		p[n++] = DHCP_OPT_HOSTNAME;
		p[n++] = (uint8_t)l;
		memcpy(p + n, q->hostname, l);
		n += l;
	}
	p[n++] = DHCP_OPT_END;
	dhcp_engine_handle(&h->e, &h->ifc, p, n < 300 ? 300 : n);
	dhcp_engine_flush(&h->e, false); /* the end of a burst */
}

/* The @i-th reply captured, parsed; its type must be @type. */
static struct dhcp_msg *reply(struct h *h, size_t i, uint8_t type)
{
	static struct dhcp_msg m;
	assert_true(i < h->n_sent);
	assert_int_equal(dhcp_msg_parse(h->sent[i].buf, h->sent[i].len, &m), 0);
	assert_int_equal(m.op, DHCP_BOOTREPLY);
	assert_int_equal(m.type, type);
	uint32_t sid;
	assert_int_equal(dhcp_opt_ip(&m, DHCP_OPT_SERVER_ID, &sid), 0);
	assert_int_equal(ntohl(sid), NET(1));
	return &m;
}

static uint32_t yiaddr(const struct dhcp_msg *m)
{
	return ntohl(m->yiaddr);
}

static int64_t now_s(struct h *h)
{
	return clock_wall_s(h->clock);
}

/* DISCOVER, then REQUEST what was offered: the address bound. */
static uint32_t dora(struct h *h, uint8_t mac_last, const char *hostname)
{
	size_t first = h->n_sent;
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = mac_last});
	assert_int_equal(h->n_sent, first + 1);
	uint32_t ip = yiaddr(reply(h, first, DHCP_OFFER));
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = mac_last,
				  .want = ip, .server = NET(1),
				  .hostname = hostname});
	assert_int_equal(h->n_sent, first + 2);
	assert_int_equal(yiaddr(reply(h, first + 1, DHCP_ACK)), ip);
	return ip;
}

/* ---- tests ---- */

static void test_discover_offer_request_ack(void **state)
{
	struct h *h = *state;
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->n_sent, 1);
	struct dhcp_msg *m = reply(h, 0, DHCP_OFFER);
	assert_int_equal(yiaddr(m), NET(10));
	uint32_t lt;
	assert_int_equal(dhcp_opt_u32(m, DHCP_OPT_LEASE_TIME, &lt), 0);
	assert_int_equal(lt, 3600);
	assert_int_equal(h->n_disk, 0); /* an offer is not durable */
	struct dhcp_lease *l = dhcp_leases_by_ip(&h->e.leases, NET(10));
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_OFFERED);

	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .want = NET(10), .server = NET(1),
				  .hostname = "alpha"});
	assert_int_equal(h->n_sent, 2);
	m = reply(h, 1, DHCP_ACK);
	assert_int_equal(yiaddr(m), NET(10));
	assert_int_equal(h->n_disk, 1);
	assert_int_equal(h->disk[0].ip, NET(10));
	assert_string_equal(h->disk[0].state, "bound");
	assert_string_equal(h->disk[0].hostname, "alpha");
	assert_int_equal(h->disk[0].expires, now_s(h) + 3600);
	assert_int_equal(h->n_dns, 1);
	assert_string_equal(h->dns_log[0], "+alpha.lab.test 10.0.0.10");
	assert_int_equal(h->e.stats.rx[DHCP_DISCOVER], 1);
	assert_int_equal(h->e.stats.tx[DHCP_ACK], 1);
}

/* The ACK leaves only once its batch is durable; the next burst's
 * changes wait for the commit in flight and then go as one batch; a
 * failed commit sends nothing. */
static void test_ack_only_after_commit(void **state)
{
	struct h *h = *state;
	h->defer = true;
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .want = NET(10)});
	assert_int_equal(h->n_sent, 0);
	assert_int_equal(h->n_pending, 1);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = NET(11)});
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 3,
				  .want = NET(12)});
	assert_int_equal(h->n_pending, 1); /* still filling */
	assert_int_equal(h->n_sent, 0);
	complete(h, 0);
	assert_int_equal(h->n_sent, 1);
	assert_int_equal(yiaddr(reply(h, 0, DHCP_ACK)), NET(10));
	assert_int_equal(h->n_pending, 1); /* the other two, handed over */
	assert_int_equal(h->pending[0]->n_outs, 2);
	complete(h, -EIO);
	assert_int_equal(h->n_sent, 1); /* no ACK for what is not saved */
	assert_int_equal(h->e.stats.commit_failed, 1);
	assert_int_equal(h->n_disk, 1);
	assert_int_equal(h->n_commits, 2);
	/* The clients retry: acknowledged once durable. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = NET(11)});
	complete(h, 0);
	assert_int_equal(h->n_sent, 2);
	assert_int_equal(yiaddr(reply(h, 1, DHCP_ACK)), NET(11));
}

static void test_renew_and_rebind(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 1, "alpha");
	/* RENEWING at T1: unicast, ciaddr set, no server id. */
	clock_script_advance(h->clock, 1800 * 1000);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .ciaddr = ip});
	assert_int_equal(h->n_sent, 3);
	assert_int_equal(yiaddr(reply(h, 2, DHCP_ACK)), ip);
	assert_int_equal(ntohl(h->sent[2].to.sin_addr.s_addr), ip);
	assert_int_equal(ntohs(h->sent[2].to.sin_port), 68);
	assert_int_equal(disk_row(h, ip)->expires, now_s(h) + 3600);
	assert_string_equal(disk_row(h, ip)->hostname, "alpha"); /* kept */
	/* REBINDING past T2 of the renewed lease. */
	clock_script_advance(h->clock, 3200 * 1000);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .ciaddr = ip});
	assert_int_equal(yiaddr(reply(h, 3, DHCP_ACK)), ip);
	assert_int_equal(disk_row(h, ip)->expires, now_s(h) + 3600);
	assert_int_equal(h->n_dns, 1); /* registered once, not again */
}

static void test_init_reboot(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 1, NULL);
	/* Another network: NAK, broadcast. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = 0x0a010005u});
	struct dhcp_msg *m = reply(h, 2, DHCP_NAK);
	assert_int_equal(yiaddr(m), 0);
	assert_true(m->opt[DHCP_OPT_MESSAGE].present);
	assert_int_equal(h->sent[2].to.sin_addr.s_addr, INADDR_BROADCAST);
	/* Someone else's address: NAK. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = ip});
	reply(h, 3, DHCP_NAK);
	/* Its own address after a reboot: ACK. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .want = ip});
	assert_int_equal(yiaddr(reply(h, 4, DHCP_ACK)), ip);
	assert_int_equal(h->e.stats.tx[DHCP_NAK], 2);
	assert_int_equal(h->n_disk, 1);
}

static void test_decline_quarantine_expires(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 1, "alpha");
	send_req(h, &(struct req){.type = DHCP_DECLINE, .mac_last = 1,
				  .want = ip, .server = NET(1)});
	assert_int_equal(h->n_sent, 2); /* no reply to a DECLINE */
	struct row *r = disk_row(h, ip);
	assert_non_null(r);
	assert_string_equal(r->state, "declined");
	assert_int_equal(r->expires, now_s(h) + DHCP_DECLINE_HOLD);
	assert_string_equal(h->dns_log[1], "-alpha.lab.test 10.0.0.10");
	/* Nobody gets it while quarantined, not even by asking for it. */
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 2,
				  .want = ip});
	assert_int_not_equal(yiaddr(reply(h, 2, DHCP_OFFER)), ip);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 3,
				  .want = ip});
	reply(h, 3, DHCP_NAK);
	/* The sweep ends the quarantine once its time is up. */
	clock_script_advance(h->clock, (DHCP_DECLINE_HOLD - 10) * 1000);
	assert_non_null(disk_row(h, ip));
	clock_script_advance(h->clock, 10 * 1000 + DHCP_SWEEP_MS);
	assert_null(disk_row(h, ip));
	assert_null(dhcp_leases_by_ip(&h->e.leases, ip));
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 3,
				  .want = ip});
	assert_int_equal(yiaddr(reply(h, 4, DHCP_ACK)), ip);
}

static void test_release(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 1, "alpha");
	/* A RELEASE from another client changes nothing. */
	send_req(h, &(struct req){.type = DHCP_RELEASE, .mac_last = 2,
				  .ciaddr = ip, .server = NET(1)});
	assert_non_null(disk_row(h, ip));
	send_req(h, &(struct req){.type = DHCP_RELEASE, .mac_last = 1,
				  .ciaddr = ip, .server = NET(1)});
	assert_int_equal(h->n_sent, 2);
	assert_null(disk_row(h, ip));
	assert_null(dhcp_leases_by_ip(&h->e.leases, ip));
	assert_int_equal(h->n_dns, 2);
	assert_string_equal(h->dns_log[1], "-alpha.lab.test 10.0.0.10");
}

static void test_inform(void **state)
{
	struct h *h = *state;
	send_req(h, &(struct req){.type = DHCP_INFORM, .mac_last = 7,
				  .ciaddr = NET(77)});
	assert_int_equal(h->n_sent, 1);
	struct dhcp_msg *m = reply(h, 0, DHCP_ACK);
	assert_int_equal(yiaddr(m), 0);
	assert_false(m->opt[DHCP_OPT_LEASE_TIME].present);
	uint32_t router;
	assert_int_equal(dhcp_opt_ip(m, DHCP_OPT_ROUTER, &router), 0);
	assert_int_equal(ntohl(router), NET(1));
	assert_int_equal(ntohl(h->sent[0].to.sin_addr.s_addr), NET(77));
	assert_int_equal(h->n_commits, 0);
	assert_int_equal(h->e.leases.n, 0);
}

static void test_reservation_by_mac(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 0x99, "ignored");
	assert_int_equal(ip, NET(50)); /* outside the ranges: reserved */
	assert_string_equal(disk_row(h, ip)->hostname, "fixed");
	assert_string_equal(h->dns_log[0], "+fixed.lab.test 10.0.0.50");
	/* Nobody else may have it. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = NET(50)});
	reply(h, 2, DHCP_NAK);
}

static void test_previous_address_returned(void **state)
{
	struct h *h = *state;
	uint32_t a = dora(h, 1, NULL);
	uint32_t b = dora(h, 2, NULL);
	assert_int_not_equal(a, b);
	/* A comes back (it forgot its lease): same address, though the
	 * cursor has moved on, and even when it asks for another. */
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1,
				  .want = NET(13)});
	assert_int_equal(yiaddr(reply(h, 4, DHCP_OFFER)), a);
}

static void test_pool_exhaustion(void **state)
{
	struct h *h = *state;
	for (uint8_t c = 1; c <= 4; c++)
		dora(h, c, NULL);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 5});
	assert_int_equal(h->n_sent, 8); /* no OFFER */
	assert_int_equal(h->e.stats.exhausted, 1);
	/* The operator hears of it once, through the notify room. */
	assert_int_equal(h->n_alerts, 1);
	assert_non_null(strstr(h->alerts[0], "dhcp.pool_exhausted|"));
	assert_non_null(strstr(h->alerts[0], "02:00:00:00:00:05"));
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 6});
	assert_int_equal(h->e.stats.exhausted, 2);
	assert_int_equal(h->n_alerts, 1); /* not again within 10 minutes */
	clock_script_advance(h->clock, DHCP_ALERT_EVERY_MS);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 7});
	assert_int_equal(h->n_alerts, 2); /* still full: a reminder */
	assert_int_equal(h->n_sent, 8);
	/* The leases run out; the pool is free again. */
	clock_script_advance(h->clock, 3600 * 1000 + DHCP_SWEEP_MS);
	assert_int_equal(h->n_disk, 0);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 5});
	assert_int_equal(h->n_sent, 9);
	reply(h, 8, DHCP_OFFER);
}

static void test_expiry_sweep(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 1, "alpha");
	/* An offer nobody took: held for DHCP_OFFER_HOLD, never durable. */
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 2});
	uint32_t offered = yiaddr(reply(h, 2, DHCP_OFFER));
	size_t commits = h->n_commits;
	clock_script_advance(h->clock, (DHCP_OFFER_HOLD + 2) * 1000);
	assert_null(dhcp_leases_by_ip(&h->e.leases, offered));
	assert_int_equal(h->n_commits, commits); /* nothing to write */
	assert_non_null(disk_row(h, ip));
	/* Just before the end the lease is there; a sweep after, gone. */
	clock_script_advance(h->clock, (3600 - DHCP_OFFER_HOLD - 4) * 1000);
	assert_non_null(dhcp_leases_by_ip(&h->e.leases, ip));
	clock_script_advance(h->clock, 2 * DHCP_SWEEP_MS);
	assert_null(dhcp_leases_by_ip(&h->e.leases, ip));
	assert_null(disk_row(h, ip));
	assert_string_equal(h->dns_log[1], "-alpha.lab.test 10.0.0.10");
}


/* ---- starvation: offer holds, re-offers, rate limits ---- */

static int64_t held_until(struct h *h, uint32_t ip)
{
	struct dhcp_lease *l = dhcp_leases_by_ip(&h->e.leases, ip);
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_OFFERED);
	return l->expires;
}

/* 50 DISCOVERs from 50 MACs: the first 30 offers (while 40 % of the pool
 * is left) hold 60 s, the rest ever less, the last the minimum. */
static void test_offer_hold_shrinks_under_pressure(void **state)
{
	struct h *h = *state;
	int64_t prev = INT64_MAX;
	for (int i = 1; i <= 50; i++) {
		h->n_sent = 0;
		send_req(h, &(struct req){.type = DHCP_DISCOVER,
					  .mac_last = (uint8_t)i});
		uint32_t ip = yiaddr(reply(h, 0, DHCP_OFFER));
		int64_t hold = held_until(h, ip) - now_s(h);
		if (i <= 30)
			assert_int_equal(hold, 60); /* 20 of 50 left: 40 % */
		assert_true(hold <= prev);
		prev = hold;
		if (i == 31)
			assert_int_equal(hold, 4 + 56 * 19 / 20);
	}
	assert_int_equal(prev, 4);
	assert_int_equal(dhcp_engine_offers_held(&h->e), 50);
	assert_int_equal(h->e.stats.exhausted, 0);
	/* The short holds end first: the pool has room again within the
	 * minimum hold, though nobody REQUESTed. */
	clock_script_advance(h->clock, 5000);
	assert_int_equal(dhcp_engine_offers_held(&h->e), 49);
	clock_script_advance(h->clock, 60 * 1000);
	assert_int_equal(dhcp_engine_offers_held(&h->e), 0);
}

/* The pool is full of offers: the next client is offered the address
 * whose hold ends first; whichever of the two REQUESTs first gets it,
 * the other a NAK. Bound addresses are never offered again. */
static void test_reoffer_when_full_first_request_wins(void **state)
{
	struct h *h = *state;
	uint32_t ip[5];
	for (uint8_t c = 1; c <= 4; c++) {
		send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = c});
		ip[c] = yiaddr(reply(h, c - 1, DHCP_OFFER));
		clock_script_advance(h->clock, 1000);
	}
	/* The fourth took the last address: its hold is the shortest. */
	assert_true(held_until(h, ip[4]) < held_until(h, ip[1]));
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 5});
	assert_int_equal(h->n_sent, 5);
	assert_int_equal(yiaddr(reply(h, 4, DHCP_OFFER)), ip[4]);
	assert_int_equal(h->e.stats.reoffered, 1);
	assert_int_equal(h->e.stats.exhausted, 0);
	/* The earlier client REQUESTs first: it wins. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 4,
				  .want = ip[4], .server = NET(1)});
	assert_int_equal(yiaddr(reply(h, 5, DHCP_ACK)), ip[4]);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 5,
				  .want = ip[4], .server = NET(1)});
	reply(h, 6, DHCP_NAK);
	/* Again, the later client first: it wins. */
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 6});
	assert_int_equal(yiaddr(reply(h, 7, DHCP_OFFER)), ip[1]);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 6,
				  .want = ip[1], .server = NET(1)});
	assert_int_equal(yiaddr(reply(h, 8, DHCP_ACK)), ip[1]);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .want = ip[1], .server = NET(1)});
	reply(h, 9, DHCP_NAK);
	assert_string_equal(disk_row(h, ip[1])->state, "bound");
	/* A client nobody offered ip[2] to cannot take it from its holder. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 7,
				  .want = ip[2], .server = NET(1)});
	reply(h, 10, DHCP_NAK);
	/* Bind the last two: nothing is left to offer, even again. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = ip[2], .server = NET(1)});
	reply(h, 11, DHCP_ACK);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 3,
				  .want = ip[3], .server = NET(1)});
	reply(h, 12, DHCP_ACK);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 8});
	assert_int_equal(h->n_sent, 13);
	assert_int_equal(h->e.stats.exhausted, 1);
	assert_int_equal(h->e.stats.reoffered, 2);
}

/* A re-offered address's earlier client keeps its claim only while its
 * own hold lasts. */
static void test_reoffer_claim_ends_with_hold(void **state)
{
	struct h *h = *state;
	for (uint8_t c = 1; c <= 4; c++)
		send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = c});
	uint32_t last = yiaddr(reply(h, 3, DHCP_OFFER));
	int64_t until = held_until(h, last); /* the minimum hold: 5 s */
	assert_int_equal(until - now_s(h), 5);
	clock_script_advance(h->clock, 3000);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 5});
	assert_int_equal(yiaddr(reply(h, 4, DHCP_OFFER)), last);
	clock_script_advance(h->clock, 2000); /* client 4's hold is over */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 4,
				  .want = last, .server = NET(1)});
	reply(h, 5, DHCP_NAK);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 5,
				  .want = last, .server = NET(1)});
	reply(h, 6, DHCP_ACK);
}

/* Defaults: 10 DISCOVERs at once from one MAC, then 2 a second; other
 * MACs are not affected; the time is the engine's clock. */
static void test_discover_rate_limit_per_mac(void **state)
{
	struct h *h = *state;
	for (int i = 0; i < 12; i++)
		send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->n_sent, 10);
	assert_int_equal(h->e.stats.limited_mac, 2);
	assert_int_equal(h->e.stats.rx[DHCP_DISCOVER], 12);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 2});
	assert_int_equal(h->n_sent, 11);
	clock_script_advance(h->clock, 499);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->n_sent, 11);
	clock_script_advance(h->clock, 1);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->n_sent, 12);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->n_sent, 12);
	assert_int_equal(h->e.stats.limited_mac, 4);
	/* REQUESTs are not limited. */
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 1,
				  .want = NET(10), .server = NET(1)});
	reply(h, 12, DHCP_ACK);
	/* Five seconds refill the burst. */
	h->n_sent = 0;
	clock_script_advance(h->clock, 5000);
	for (int i = 0; i < 11; i++)
		send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->n_sent, 10);
}

/* A relay (giaddr) gets a burst of 3 and 1 a second, whatever the MACs
 * behind it; direct clients are not affected. */
static void test_discover_rate_limit_per_relay(void **state)
{
	struct h *h = *state;
	for (int i = 1; i <= 5; i++)
		send_req(h, &(struct req){.type = DHCP_DISCOVER,
					  .mac_last = (uint8_t)i,
					  .giaddr = NET(2)});
	assert_int_equal(h->n_sent, 3);
	assert_int_equal(ntohl(h->sent[0].to.sin_addr.s_addr), NET(2));
	assert_int_equal(h->e.stats.limited_relay, 2);
	assert_int_equal(h->e.stats.limited_mac, 0);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 9});
	assert_int_equal(h->n_sent, 4);
	/* Another relay has its own bucket. */
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 10,
				  .giaddr = NET(3)});
	assert_int_equal(h->n_sent, 5);
	clock_script_advance(h->clock, 1000);
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 6,
				  .giaddr = NET(2)});
	send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 7,
				  .giaddr = NET(2)});
	assert_int_equal(h->n_sent, 6);
	assert_int_equal(h->e.stats.limited_relay, 3);
}

/* A flood of 2048 MACs overflows the limiter's fixed table: none of them
 * is limited (a MAC the table forgot starts with a full burst again). */
static void test_rate_limit_table_is_bounded(void **state)
{
	struct h *h = *state;
	for (int i = 0; i < 12; i++)
		send_req(h, &(struct req){.type = DHCP_DISCOVER, .mac_last = 1});
	assert_int_equal(h->e.stats.limited_mac, 2);
	for (unsigned i = 0; i < 4 * DHCP_LIMIT_SLOTS; i++) {
		h->n_sent = 0;
		send_req(h, &(struct req){.type = DHCP_DISCOVER,
					  .mac_last = (uint8_t)i,
					  .mac_hi = (uint16_t)(1 + i / 256)});
	}
	assert_int_equal(h->e.stats.limited_mac, 2);
	assert_int_equal(h->e.stats.rx[DHCP_DISCOVER], 12 + 4 * DHCP_LIMIT_SLOTS);
}

/* ---- waiting for durability (the API's DELETE) ---- */

struct waited {
	int calls, status;
	size_t disk_then;
};

static void on_committed(void *ud, int status)
{
	struct waited *w = ud;
	w->calls++;
	w->status = status;
	w->disk_then = H.n_disk;
}

static void test_when_committed(void **state)
{
	struct h *h = *state;
	uint32_t ip = dora(h, 1, "alpha");
	assert_int_equal(h->n_disk, 1);
	h->defer = true;
	struct waited w = {0};
	dhcp_engine_lease_end(&h->e, ip);
	assert_int_equal(dhcp_engine_when_committed(&h->e, on_committed, &w), 0);
	dhcp_engine_flush(&h->e, false);
	assert_int_equal(h->n_pending, 1);
	assert_int_equal(w.calls, 0); /* not before the commit */
	complete(h, 0);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.status, 0);
	assert_int_equal(w.disk_then, 0); /* durable when told */
	assert_int_equal(h->n_dns, 2); /* the name left DNS first */
	/* Behind a batch in flight, and a failed commit says so. */
	struct waited w2 = {0};
	uint32_t ip2 = NET(11);
	send_req(h, &(struct req){.type = DHCP_REQUEST, .mac_last = 2,
				  .want = ip2});
	assert_int_equal(h->n_pending, 1);
	dhcp_engine_lease_end(&h->e, ip2);
	assert_int_equal(dhcp_engine_when_committed(&h->e, on_committed, &w2), 0);
	dhcp_engine_flush(&h->e, false);
	complete(h, 0); /* the REQUEST's batch */
	assert_int_equal(w2.calls, 0);
	complete(h, -EIO);
	assert_int_equal(w2.calls, 1);
	assert_int_equal(w2.status, -EIO);
	/* One left unflushed is cancelled at deinit (teardown). */
}

int main(void)
{
	log_set_level(LOG_ERROR);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_discover_offer_request_ack),
		T(test_ack_only_after_commit),
		T(test_renew_and_rebind),
		T(test_init_reboot),
		T(test_decline_quarantine_expires),
		T(test_release),
		T(test_inform),
		T(test_reservation_by_mac),
		T(test_previous_address_returned),
		T(test_pool_exhaustion),
		T(test_expiry_sweep),
		T(test_reoffer_when_full_first_request_wins),
		T(test_reoffer_claim_ends_with_hold),
		T(test_discover_rate_limit_per_mac),
		T(test_rate_limit_table_is_bounded),
		T(test_when_committed),
		cmocka_unit_test_setup_teardown(
			test_offer_hold_shrinks_under_pressure, setup_pressure,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_discover_rate_limit_per_relay, setup_pressure,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
