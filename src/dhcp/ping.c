/* SPDX-License-Identifier: MIT */
/* dhcp.ping_check: an ICMP echo before a new address is offered. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "dhcp/internal.h"

/*
 * Like dnsmasq and Kea's ping check: a DISCOVER that would get an address
 * nobody holds waits while the address is pinged. No answer within
 * PING_MS: the DISCOVER is handled again and the address offered (and
 * remembered as checked for a while). An answer: the address is in use
 * by someone the server does not know; it is quarantined like a declined
 * one and the DISCOVER handled again, so another address is chosen.
 * The raw socket is opened while still privileged.
 */

#define PING_MS 400
#define PING_MAX 64	    /* DISCOVERs waiting at once; more skip the check */
#define CHECKED_FOR 60	    /* seconds a silent address counts as checked */

struct dhcp_ping {
	struct dhcp_room *r;
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;
	bool started;
	struct waiting {
		bool used;
		uint32_t ip; /* host order */
		uint16_t id, seq;
		uint64_t deadline;
		struct dhcp_iface *ifc;
		size_t len;
		uint8_t pkt[DHCP_MAX_LEN];
	} w[PING_MAX];
	struct {
		uint32_t ip;
		int64_t until;
	} checked[PING_MAX * 4];
	size_t next_checked;
	int closing;
};

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

bool dhcp_ping_checked(void *room, uint32_t ip, int64_t now)
{
	struct dhcp_ping *p = ((struct dhcp_room *)room)->ping;
	if (!p)
		return true;
	for (size_t i = 0; i < sizeof(p->checked) / sizeof(p->checked[0]); i++)
		if (p->checked[i].ip == ip && p->checked[i].until > now)
			return true;
	return false;
}

static void mark_checked(struct dhcp_ping *p, uint32_t ip, int64_t now)
{
	size_t n = sizeof(p->checked) / sizeof(p->checked[0]);
	p->checked[p->next_checked].ip = ip;
	p->checked[p->next_checked].until = now + CHECKED_FOR;
	p->next_checked = (p->next_checked + 1) % n;
}

static void finish(struct dhcp_ping *p, struct waiting *w, bool answered)
{
	struct dhcp_room *r = p->r;
	int64_t now = dhcp_engine_now(&r->eng);
	w->used = false;
	if (answered) {
		char ip[16];
		struct in_addr a = {htonl(w->ip)};
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		log_warn("dhcp", "ip=%s answers pings but has no lease: "
				 "quarantined",
			 ip);
		dhcp_engine_quarantine(&r->eng, w->ip, now);
	} else {
		mark_checked(p, w->ip, now);
	}
	dhcp_engine_handle_again(&r->eng, w->ifc, w->pkt, w->len);
	dhcp_engine_flush(&r->eng, false);
}

static void on_timer(uv_timer_t *t)
{
	struct dhcp_ping *p = t->data;
	uint64_t now = uv_now(p->r->loop);
	uint64_t next = 0;
	for (int i = 0; i < PING_MAX; i++) {
		struct waiting *w = &p->w[i];
		if (!w->used)
			continue;
		if (w->deadline <= now)
			finish(p, w, false);
		else if (!next || w->deadline < next)
			next = w->deadline;
	}
	if (next)
		uv_timer_start(&p->timer, on_timer, next - now, 0);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	struct dhcp_ping *p = h->data;
	uint8_t buf[1500];
	(void)events;
	if (status < 0)
		return;
	for (int n = 0; n < 64; n++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(p->fd, buf, sizeof(buf), MSG_DONTWAIT,
				       (struct sockaddr *)&from, &fl);
		if (len < 0)
			break;
		/* A raw ICMP socket hands over the IP header too. */
		size_t ihl = len >= 20 ? (size_t)(buf[0] & 0xf) * 4 : 0;
		if (!ihl || (size_t)len < ihl + 8)
			continue;
		const struct icmphdr *ic = (const struct icmphdr *)(buf + ihl);
		if (ic->type != ICMP_ECHOREPLY)
			continue;
		uint32_t ip = ntohl(from.sin_addr.s_addr);
		for (int i = 0; i < PING_MAX; i++) {
			struct waiting *w = &p->w[i];
			if (w->used && w->ip == ip &&
			    ntohs(ic->un.echo.id) == w->id) {
				finish(p, w, true);
				break;
			}
		}
	}
}

int dhcp_ping_open(struct dhcp_room *r, struct dhcp_ping **out)
{
	struct dhcp_ping *p = calloc(1, sizeof(*p));
	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->r = r;
	p->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       IPPROTO_ICMP);
	if (p->fd < 0) {
		int rc = -errno;
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int dhcp_ping_start(struct dhcp_ping *p)
{
	uv_timer_init(p->r->loop, &p->timer);
	p->timer.data = p;
	int rc = uv_poll_init(p->r->loop, &p->poll, p->fd);
	if (rc)
		return rc;
	p->poll.data = p;
	p->started = true;
	return uv_poll_start(&p->poll, UV_READABLE, on_readable);
}

bool dhcp_ping_defer(void *room, struct dhcp_iface *ifc, uint32_t ip,
		     const uint8_t *pkt, size_t len)
{
	struct dhcp_ping *p = ((struct dhcp_room *)room)->ping;
	if (!p || !p->started || len > DHCP_MAX_LEN)
		return false;
	struct waiting *w = NULL;
	for (int i = 0; i < PING_MAX; i++) {
		if (p->w[i].used && p->w[i].ip == ip)
			return true; /* already being checked */
		if (!p->w[i].used && !w)
			w = &p->w[i];
	}
	if (!w)
		return false; /* too many at once: offer without checking */
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)random();
	struct {
		struct icmphdr h;
		uint8_t data[8];
	} echo;
	memset(&echo, 0, sizeof(echo));
	echo.h.type = ICMP_ECHO;
	echo.h.un.echo.id = htons(id);
	echo.h.un.echo.sequence = htons(1);
	memcpy(echo.data, "hearth\0\0", 8);
	echo.h.checksum = htons(csum(&echo, sizeof(echo)));
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(ip)};
	if (sendto(p->fd, &echo, sizeof(echo), MSG_DONTWAIT,
		   (struct sockaddr *)&to, sizeof(to)) < 0)
		return false;
	w->used = true;
	w->ip = ip;
	w->id = id;
	w->ifc = ifc;
	w->len = len;
	memcpy(w->pkt, pkt, len);
	w->deadline = uv_now(p->r->loop) + PING_MS;
	log_debug("dhcp", "ping ip=%u.%u.%u.%u before offering it", ip >> 24,
		  (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	if (!uv_is_active((uv_handle_t *)&p->timer))
		uv_timer_start(&p->timer, on_timer, PING_MS, 0);
	return true;
}

static void on_closed(uv_handle_t *h)
{
	struct dhcp_ping *p = h->data;
	if (--p->closing == 0)
		free(p);
}

void dhcp_ping_close(struct dhcp_ping *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	if (!p->started) {
		free(p);
		return;
	}
	p->closing = 2;
	uv_close((uv_handle_t *)&p->poll, on_closed);
	uv_close((uv_handle_t *)&p->timer, on_closed);
}
