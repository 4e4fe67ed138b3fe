/* SPDX-License-Identifier: MIT */
/* Ping monitors: ICMP and ICMPv6 echo from one socket per family (raw, else datagram), replies matched by sequence, names resolved through lab hosts and the dns room's upstreams, on the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "core/config.h"
#include "core/services.h"
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
 *
 * A hostname that is not an address is a lab host's name (as written
 * in lab.hosts, or under lab.domain), or else asked of the dns room's
 * first upstream (dns.upstream) for A and then AAAA records: never the
 * system's resolver, so a monitor sees what the lab's DNS says.
 */

struct watch_icmp {
	int fd;
	int family; /* AF_INET, AF_INET6 */
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
	struct sockaddr_storage to;
	uv_timer_t timer;
	uint64_t t0_ns;
	uint16_t seq;
	int sent, got;
	double rtt_sum;
	bool waiting; /* a request is out */
};

static const void *addr_of(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return &((const struct sockaddr_in *)a)->sin_addr;
	return &((const struct sockaddr_in6 *)a)->sin6_addr;
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family &&
	       !memcmp(addr_of(a), addr_of(b),
		       a->ss_family == AF_INET ? 4 : 16);
}

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
	char msg[WATCH_MSG_MAX], ip[INET6_ADDRSTRLEN];
	inet_ntop(p->to.ss_family, addr_of(&p->to), ip, sizeof(ip));
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
	if (ic->family == AF_INET)
		watch_icmp_echo(pkt, ic->ident, p->seq);
	else
		watch_icmp6_echo(pkt, ic->ident, p->seq);
	p->sent++;
	p->t0_ns = uv_hrtime();
	p->waiting = true;
	if (sendto(ic->fd, pkt, sizeof(pkt), MSG_DONTWAIT,
		   (struct sockaddr *)&p->to,
		   ic->family == AF_INET ? sizeof(struct sockaddr_in)
					 : sizeof(struct sockaddr_in6)) < 0)
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
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t len = recvfrom(ic->fd, buf, sizeof(buf), MSG_DONTWAIT,
				       (struct sockaddr *)&from, &flen);
		if (len < 0)
			return;
		uint16_t id, seq;
		uint32_t from4;
		int bad = ic->family == AF_INET
				  ? watch_icmp_reply(buf, (size_t)len, ic->raw,
						     &id, &seq, &from4)
				  : watch_icmp6_reply(buf, (size_t)len, &id, &seq);
		if (bad || (ic->raw && id != ic->ident))
			continue;
		for (struct watch_ping_probe *p = ic->probes; p; p = p->next) {
			/* A raw socket sees every reply to the host: ours come
			 * from the address pinged (a datagram socket's are
			 * ours already). */
			if (!p->waiting || p->seq != seq ||
			    (ic->raw && !same_addr(&from, &p->to)))
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

/* Opens the room's ICMP (@family AF_INET) or ICMPv6 socket once; 0 or a
 * negative code. */
static int icmp_open(struct watch_room *r, int family)
{
	struct watch_icmp **slot = family == AF_INET ? &r->icmp : &r->icmp6;
	if (*slot)
		return 0;
	struct watch_icmp *ic = calloc(1, sizeof(*ic));
	if (!ic)
		return -ENOMEM;
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	ic->family = family;
	ic->raw = true;
	ic->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (ic->fd < 0) {
		ic->raw = false;
		ic->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				proto);
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
	*slot = ic;
	log_info("watch", "ping: %s %s socket", ic->raw ? "raw" : "datagram",
		 family == AF_INET ? "ICMP" : "ICMPv6");
	return 0;
}

int watch_ping_open(struct watch_room *r, const struct config *cfg)
{
	const struct cfg_watch *w = watch_config(cfg);
	for (size_t i = 0; i < w->n_monitors; i++)
		if (w->monitors[i].type == WATCH_PING) {
			int rc = icmp_open(r, AF_INET);
			if (rc)
				log_warn("watch", "ping monitors: no ICMP socket: "
						  "%s", strerror(-rc));
			rc = icmp_open(r, AF_INET6);
			if (rc)
				log_warn("watch", "ping monitors: no ICMPv6 "
						  "socket: %s", strerror(-rc));
			return 0; /* they beat DOWN saying so */
		}
	return 0;
}

/* The echo requests to @to. */
static void ping_go(struct watch_mon *m, const struct sockaddr_storage *to)
{
	struct watch_room *r = m->room;
	int fam = to->ss_family;
	struct watch_icmp *ic = fam == AF_INET ? r->icmp : r->icmp6;
	if (!ic && !icmp_open(r, fam))
		ic = fam == AF_INET ? r->icmp : r->icmp6;
	if (!ic) {
		watch_mon_result(m, false, fam == AF_INET
					   ? "ping: no ICMP socket (needs "
					     "CAP_NET_RAW or ping_group_range)"
					   : "ping: no ICMPv6 socket (needs "
					     "CAP_NET_RAW or ping_group_range)",
				 -1);
		return;
	}
	struct watch_ping_probe *p = calloc(1, sizeof(*p));
	if (!p || uv_timer_init(r->loop, &p->timer)) {
		free(p);
		watch_mon_result(m, false, "out of memory", -1);
		return;
	}
	p->timer.data = p;
	p->icmp = ic;
	p->m = m;
	p->to = *to;
	p->next = ic->probes;
	ic->probes = p;
	m->ping_probe = p;
	send_next(p);
}

/* @text as an IPv4 or IPv6 address into @out; true when it is one. */
static bool parse_ip(const char *text, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		return true;
	}
	return false;
}

/* A lab host named @name ("nas", or "nas.<lab.domain>") with an
 * address: true with it in @out. */
static bool lab_host(const struct config *cfg, const char *name,
		     struct sockaddr_storage *out)
{
	const struct cfg_lab *lab = &cfg->lab;
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	for (size_t i = 0; lab->enabled && i < lab->n_hosts; i++) {
		const struct cfg_host *h = &lab->hosts[i];
		size_t hl = strlen(h->name);
		if (!h->has_ip || n < hl || strncasecmp(name, h->name, hl))
			continue;
		bool whole = n == hl;
		bool under = lab->domain && n == hl + 1 + strlen(lab->domain) &&
			     name[hl] == '.' &&
			     !strncasecmp(name + hl + 1, lab->domain,
					  n - hl - 1);
		if (!whole && !under)
			continue;
		memset(out, 0, sizeof(*out));
		if (h->ip.family == AF_INET) {
			struct sockaddr_in *v4 = (struct sockaddr_in *)out;
			v4->sin_family = AF_INET;
			v4->sin_addr = h->ip.u.v4;
		} else {
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
			v6->sin6_family = AF_INET6;
			v6->sin6_addr = h->ip.u.v6;
		}
		return true;
	}
	return false;
}

static void resolve(struct watch_mon *m, uint16_t qtype);

static void on_resolved(struct watch_mon *m, uint16_t qtype,
			const char *records, const char *why)
{
	char msg[WATCH_MSG_MAX], first[INET6_ADDRSTRLEN + 1];
	struct sockaddr_storage to;
	if (records) {
		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(records, ", "), records);
		if (parse_ip(first, &to)) {
			ping_go(m, &to);
			return;
		}
		why = "the answer is not an address";
	} else if (qtype == 1 && !strcmp(why, "no A record")) {
		resolve(m, 28); /* AAAA */
		return;
	}
	snprintf(msg, sizeof(msg), "ping: cannot resolve %s: %s",
		 m->cfg->hostname, why);
	watch_mon_result(m, false, msg, -1);
}

/* Asks the dns room's first upstream for @m's host's @qtype records. */
static void resolve(struct watch_mon *m, uint16_t qtype)
{
	struct watch_room *r = m->room;
	struct sockaddr_storage up[4];
	size_t n = r->resolvers ? r->resolvers->upstreams(r->resolvers->ud,
							   up, 4)
				: 0;
	if (!n) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg),
			 "ping: cannot resolve %s: not a lab host, and no DNS "
			 "upstream (dns.upstream; the dns room %s)",
			 m->cfg->hostname, r->resolvers ? "has none" : "is off");
		watch_mon_result(m, false, msg, -1);
		return;
	}
	watch_dns_lookup(m, m->cfg->hostname, qtype, &up[0], on_resolved);
}

void watch_ping_start(struct watch_mon *m)
{
	struct sockaddr_storage to;
	if (parse_ip(m->cfg->hostname, &to) ||
	    lab_host(m->room->cfg, m->cfg->hostname, &to))
		ping_go(m, &to);
	else
		resolve(m, 1); /* A, then AAAA */
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

static void icmp_close(struct watch_icmp **slot)
{
	struct watch_icmp *ic = *slot;
	if (!ic)
		return;
	/* The socket goes on the next turn of the loop; the probes first. */
	*slot = NULL;
	uv_close((uv_handle_t *)&ic->poll, on_icmp_closed);
	while (ic->probes)
		probe_end(ic->probes, false);
}

void watch_ping_close(struct watch_room *r)
{
	icmp_close(&r->icmp);
	icmp_close(&r->icmp6);
}
