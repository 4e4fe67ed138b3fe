/* SPDX-License-Identifier: MIT */
/* Ping monitors: ICMP echo from one socket per room (raw, else datagram), replies matched by sequence, on the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "proto/watch/icmp.h"
#include "watch/internal.h"

/*
 * One socket serves every ping monitor: a raw ICMP socket when the
 * daemon may open one (opened at start, before privileges drop), else a
 * datagram ICMP socket (net.ipv4.ping_group_range). Each request takes
 * the next sequence number, so a reply finds its probe by it (and, on a
 * raw socket, which sees every echo reply of the host, by our id too).
 * A check sends ping_count requests one after the other, each waiting
 * ping_timeout for its reply; it is UP when one came back, its time the
 * average round trip.
 */

struct watch_icmp {
	int fd;
	bool raw;
	uint16_t ident;
	uint16_t seq;
	uv_poll_t poll;
	struct watch_ping_probe *probes; /* in flight */
	bool closing;
};

struct watch_ping_probe {
	struct watch_ping_probe *next;
	struct watch_icmp *icmp;
	struct watch_mon *m; /* NULL once delivered */
	struct sockaddr_in to;
	uv_timer_t timer;
	uint64_t t0_ns;
	uint16_t seq;
	int sent, got;
	double rtt_sum;
	bool waiting; /* a request is out */
};

static void unlink_probe(struct watch_ping_probe *p)
{
	struct watch_ping_probe **pp = &p->icmp->probes;
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
}

static void on_probe_closed(uv_handle_t *h)
{
	free(h->data);
}

/* Reports (when @deliver) and lets go of @p. */
static void probe_end(struct watch_ping_probe *p, bool deliver)
{
	struct watch_mon *m = p->m;
	p->m = NULL;
	unlink_probe(p);
	uv_close((uv_handle_t *)&p->timer, on_probe_closed);
	if (!m)
		return;
	m->probe = NULL;
	m->ping_probe = NULL;
	if (!deliver) {
		watch_mon_result(m, false, NULL, -1);
		return;
	}
	char msg[WATCH_MSG_MAX], ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &p->to.sin_addr, ip, sizeof(ip));
	if (p->got)
		snprintf(msg, sizeof(msg), "%d of %d replies from %s", p->got,
			 p->sent, ip);
	else
		snprintf(msg, sizeof(msg), "no reply from %s (%d sent)", ip,
			 p->sent);
	watch_mon_result(m, p->got > 0, msg, p->got ? p->rtt_sum / p->got : -1);
}

static void on_probe_timer(uv_timer_t *t);

/* The next request, or the end. */
static void send_next(struct watch_ping_probe *p)
{
	struct watch_icmp *ic = p->icmp;
	if (!p->m || p->sent >= p->m->cfg->ping_count) {
		probe_end(p, true);
		return;
	}
	uint8_t pkt[WATCH_ICMP_ECHO_LEN];
	p->seq = ++ic->seq;
	watch_icmp_echo(pkt, ic->ident, p->seq);
	p->sent++;
	p->t0_ns = uv_hrtime();
	p->waiting = true;
	if (sendto(ic->fd, pkt, sizeof(pkt), MSG_DONTWAIT,
		   (struct sockaddr *)&p->to, sizeof(p->to)) < 0)
		log_debug("watch", "ping %s: %s", p->m->cfg->name, strerror(errno));
	uv_timer_start(&p->timer, on_probe_timer,
		       (uint64_t)p->m->cfg->ping_timeout * 1000, 0);
}

static void on_probe_timer(uv_timer_t *t)
{
	struct watch_ping_probe *p = t->data;
	p->waiting = false; /* lost */
	send_next(p);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct watch_icmp *ic = h->data;
	(void)events;
	if (status < 0)
		return;
	for (int n = 0; n < 256; n++) {
		uint8_t buf[1500];
		ssize_t len = recv(ic->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0)
			return;
		uint16_t id, seq;
		uint32_t from;
		if (watch_icmp_reply(buf, (size_t)len, ic->raw, &id, &seq, &from) ||
		    (ic->raw && id != ic->ident))
			continue;
		for (struct watch_ping_probe *p = ic->probes; p; p = p->next) {
			if (!p->waiting || p->seq != seq ||
			    (ic->raw && from != p->to.sin_addr.s_addr))
				continue;
			p->waiting = false;
			p->got++;
			p->rtt_sum += (double)(uv_hrtime() - p->t0_ns) / 1e6;
			uv_timer_stop(&p->timer);
			send_next(p);
			break;
		}
	}
}

/* Opens the room's ICMP socket once; 0 or a negative code. */
static int icmp_open(struct watch_room *r)
{
	if (r->icmp)
		return 0;
	struct watch_icmp *ic = calloc(1, sizeof(*ic));
	if (!ic)
		return -ENOMEM;
	ic->raw = true;
	ic->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_ICMP);
	if (ic->fd < 0) {
		ic->raw = false;
		ic->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				IPPROTO_ICMP);
	}
	if (ic->fd < 0) {
		int rc = -errno;
		free(ic);
		return rc;
	}
	if (getrandom(&ic->ident, sizeof(ic->ident), 0) != sizeof(ic->ident))
		ic->ident = (uint16_t)getpid();
	int rc = uv_poll_init_socket(r->loop, &ic->poll, ic->fd);
	if (rc) {
		close(ic->fd);
		free(ic);
		return rc;
	}
	ic->poll.data = ic;
	uv_poll_start(&ic->poll, UV_READABLE, on_readable);
	r->icmp = ic;
	log_info("watch", "ping: %s ICMP socket", ic->raw ? "raw" : "datagram");
	return 0;
}

int watch_ping_open(struct watch_room *r, const struct config *cfg)
{
	const struct cfg_watch *w = watch_config(cfg);
	for (size_t i = 0; i < w->n_monitors; i++)
		if (w->monitors[i].type == WATCH_PING) {
			int rc = icmp_open(r);
			if (rc)
				log_warn("watch", "ping monitors: no ICMP socket: "
						  "%s", strerror(-rc));
			return 0; /* they beat DOWN saying so */
		}
	return 0;
}

void watch_ping_start(struct watch_mon *m)
{
	struct watch_room *r = m->room;
	char msg[WATCH_MSG_MAX];
	struct in_addr a;
	if (inet_pton(AF_INET, m->cfg->hostname, &a) != 1) {
		snprintf(msg, sizeof(msg), "ping: '%s' is not an IPv4 address "
					   "(names are not resolved yet)",
			 m->cfg->hostname);
		watch_mon_result(m, false, msg, -1);
		return;
	}
	if (!r->icmp && icmp_open(r)) {
		watch_mon_result(m, false, "ping: no ICMP socket (needs "
					   "CAP_NET_RAW or ping_group_range)", -1);
		return;
	}
	struct watch_ping_probe *p = calloc(1, sizeof(*p));
	if (!p || uv_timer_init(r->loop, &p->timer)) {
		free(p);
		watch_mon_result(m, false, "out of memory", -1);
		return;
	}
	p->timer.data = p;
	p->icmp = r->icmp;
	p->m = m;
	p->to = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = a};
	p->next = r->icmp->probes;
	r->icmp->probes = p;
	m->ping_probe = p;
	send_next(p);
}

void watch_ping_cancel(struct watch_ping_probe *p)
{
	probe_end(p, false);
}

static void on_icmp_closed(uv_handle_t *h)
{
	struct watch_icmp *ic = h->data;
	close(ic->fd);
	free(ic);
}

void watch_ping_close(struct watch_room *r)
{
	struct watch_icmp *ic = r->icmp;
	if (!ic)
		return;
	/* The socket goes on the next turn of the loop; the probes first. */
	r->icmp = NULL;
	uv_close((uv_handle_t *)&ic->poll, on_icmp_closed);
	while (ic->probes)
		probe_end(ic->probes, false);
}
