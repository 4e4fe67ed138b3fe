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
};

static struct h H;

static void on_send(void *ud, const struct dhcp_out *o)
{
	struct h *h = ud;
	assert_true(h->n_sent < 32);
	h->sent[h->n_sent++] = *o;
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
	    config_load_buffer(&schema, yaml, strlen(yaml), "engine.yaml",
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
	snprintf(h->ifc.name, sizeof(h->ifc.name), "eth0");
	h->ifc.addr = htonl(NET(1));
	h->ifc.fd = -1;
	if (dhcp_engine_start(&h->e))
		return -1;
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct h *h = *state;
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
	uint8_t mac[6] = {2, 0, 0, 0, 0, q->mac_last};
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
