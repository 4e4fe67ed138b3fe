/* SPDX-License-Identifier: MIT */
/* NOTIFY (RFC 1996) to the secondaries when a zone's serial changes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"

#define TRIES 5
#define RETRY_MS 2000

struct pending {
	struct pending *next;
	uint16_t id;
	int tries;
	struct sockaddr_any to;
	uint8_t msg[DNS_HEADER_LEN + DNS_NAME_MAX + 4];
	size_t len;
	char zone[DNS_NAME_TEXT_MAX];
};

struct known {
	struct dns_name apex;
	uint32_t serial;
};

struct dns_notify {
	struct dns_room *room;
	uv_udp_t sock4, sock6;
	bool open4, open6;
	uv_timer_t timer;
	struct pending *pending;
	struct known *known;
	size_t n_known;
	struct sockaddr_any *told; /* dns.secondaries at the last call */
	size_t n_told;
	int closing;
	uint64_t sent, acked, failed;
};

static void on_send(uv_udp_send_t *req, int status)
{
	(void)status;
	free(req);
}

static void transmit(struct dns_notify *n, struct pending *p)
{
	uv_udp_t *s = p->to.u.sa.sa_family == AF_INET6 ? &n->sock6 : &n->sock4;
	if (!(p->to.u.sa.sa_family == AF_INET6 ? n->open6 : n->open4))
		return;
	uv_udp_send_t *req = malloc(sizeof(*req));
	if (!req)
		return;
	uv_buf_t b = uv_buf_init((char *)p->msg, (unsigned)p->len);
	if (uv_udp_send(req, s, &b, 1, &p->to.u.sa, on_send))
		free(req);
	p->tries++;
	n->sent++;
}

static void on_timer(uv_timer_t *t)
{
	struct dns_notify *n = t->data;
	for (struct pending **pp = &n->pending; *pp;) {
		struct pending *p = *pp;
		if (p->tries >= TRIES) {
			char to[ADDR_TEXT_MAX];
			sockaddr_format(&p->to, to);
			log_warn("dns", "zone=%s NOTIFY to %s unanswered after "
					"%d tries",
				 p->zone, to, TRIES);
			n->failed++;
			*pp = p->next;
			free(p);
			continue;
		}
		transmit(n, p);
		pp = &p->next;
	}
	if (!n->pending)
		uv_timer_stop(t);
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	static char buf[512]; /* loop thread only */
	(void)h;
	(void)size;
	*b = uv_buf_init(buf, sizeof(buf));
}

static void on_recv(uv_udp_t *s, ssize_t nread, const uv_buf_t *b,
		    const struct sockaddr *from, unsigned flags)
{
	struct dns_notify *n = s->data;
	(void)flags;
	if (nread < DNS_HEADER_LEN || !from)
		return;
	const uint8_t *m = (const uint8_t *)b->base;
	uint16_t id = dns_get16(m), f = dns_get16(m + 2);
	if (!(f & DNS_F_QR) || DNS_OPCODE(f) != DNS_OP_NOTIFY)
		return;
	for (struct pending **pp = &n->pending; *pp; pp = &(*pp)->next) {
		struct pending *p = *pp;
		if (p->id != id || p->to.u.sa.sa_family != from->sa_family)
			continue;
		*pp = p->next;
		n->acked++;
		log_debug("dns", "zone=%s NOTIFY acknowledged", p->zone);
		free(p);
		return;
	}
}

static int open_sock(struct dns_notify *n, uv_udp_t *s, int family)
{
	struct sockaddr_any any = {0};
	if (family == AF_INET) {
		any.u.in.sin_family = AF_INET;
		any.len = sizeof(any.u.in);
	} else {
		any.u.in6.sin6_family = AF_INET6;
		any.len = sizeof(any.u.in6);
	}
	int rc = uv_udp_init(n->room->loop, s);
	if (rc)
		return rc;
	s->data = n;
	n->closing++; /* counted as open until closed */
	rc = uv_udp_bind(s, &any.u.sa, family == AF_INET6 ? UV_UDP_IPV6ONLY : 0);
	if (!rc)
		rc = uv_udp_recv_start(s, on_alloc, on_recv);
	return rc;
}

int dns_notify_open(struct dns_room *r, struct dns_notify **out)
{
	struct dns_notify *n = calloc(1, sizeof(*n));
	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->room = r;
	uv_timer_init(r->loop, &n->timer);
	n->timer.data = n;
	n->closing = 1;
	n->open4 = open_sock(n, &n->sock4, AF_INET) == 0;
	n->open6 = open_sock(n, &n->sock6, AF_INET6) == 0;
	*out = n;
	return 0;
}

static uint32_t known_serial(struct dns_notify *n, const struct dns_name *apex,
			     bool *found)
{
	for (size_t i = 0; i < n->n_known; i++)
		if (dns_name_equal(&n->known[i].apex, apex)) {
			*found = true;
			return n->known[i].serial;
		}
	*found = false;
	return 0;
}

static void queue(struct dns_notify *n, const struct dns_zone *z,
		  const struct sockaddr_any *to)
{
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->to = *to;
	p->id = (uint16_t)(random() & 0xffff);
	dns_name_to_text(&z->apex, p->zone, sizeof(p->zone));
	uint8_t *m = p->msg;
	dns_put16(m, p->id);
	dns_put16(m + 2, (uint16_t)(DNS_OP_NOTIFY << 11 | DNS_F_AA));
	dns_put16(m + 4, 1);
	memcpy(m + DNS_HEADER_LEN, z->apex.wire, z->apex.len);
	size_t off = DNS_HEADER_LEN + z->apex.len;
	dns_put16(m + off, DNS_T_SOA);
	dns_put16(m + off + 2, DNS_C_IN);
	p->len = off + 4;
	p->next = n->pending;
	n->pending = p;
	transmit(n, p);
}

static bool same_addr(const struct sockaddr_any *a,
		      const struct sockaddr_any *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr &&
		       a->u.in.sin_port == b->u.in.sin_port;
	return memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0 &&
	       a->u.in6.sin6_port == b->u.in6.sin6_port;
}

/* True when @s was not among the secondaries of the last call (so it has
 * been told about no zone yet). */
static bool newly_listed(const struct dns_notify *n,
			 const struct sockaddr_any *s)
{
	for (size_t i = 0; i < n->n_told; i++)
		if (same_addr(&n->told[i], s))
			return false;
	return true;
}

/* Remembers @cfg's secondaries for the next call; on failure the old list
 * stays (the next call then announces to the new ones again). */
static void remember_secondaries(struct dns_notify *n,
				 const struct cfg_dns *cfg)
{
	struct sockaddr_any *t =
		calloc(cfg->n_secondaries + 1, sizeof(*t));
	if (!t)
		return;
	if (cfg->n_secondaries)
		memcpy(t, cfg->secondaries, cfg->n_secondaries * sizeof(*t));
	free(n->told);
	n->told = t;
	n->n_told = cfg->n_secondaries;
}

void dns_notify_zones(struct dns_notify *n, const struct dns_snapshot *snap,
		      const struct cfg_dns *cfg, bool initial)
{
	struct known *k = calloc(snap->zs.n + 1, sizeof(*k));
	if (!k)
		return;
	/* A secondary added on reload gets every zone, changed or not. */
	bool *fresh = calloc(cfg->n_secondaries + 1, sizeof(*fresh));
	if (!fresh) {
		free(k);
		return;
	}
	for (size_t s = 0; s < cfg->n_secondaries; s++)
		fresh[s] = initial || newly_listed(n, &cfg->secondaries[s]);
	for (size_t i = 0; i < snap->zs.n; i++) {
		const struct dns_zone *z = snap->zs.zones[i];
		bool found;
		uint32_t old = known_serial(n, &z->apex, &found);
		k[i].apex = z->apex;
		k[i].serial = z->serial;
		/* At start every zone is announced: secondaries may have
		 * missed changes while we were down. */
		bool changed = initial || !found || old != z->serial;
		size_t told = 0;
		for (size_t s = 0; s < cfg->n_secondaries; s++) {
			if (!changed && !fresh[s])
				continue;
			queue(n, z, &cfg->secondaries[s]);
			told++;
		}
		if (told) {
			char apex[DNS_NAME_TEXT_MAX];
			dns_name_to_text(&z->apex, apex, sizeof(apex));
			log_info("dns", "zone=%s serial=%u NOTIFY sent to %zu "
					"secondaries",
				 apex, z->serial, told);
		}
	}
	free(fresh);
	free(n->known);
	n->known = k;
	n->n_known = snap->zs.n;
	remember_secondaries(n, cfg);
	if (n->pending && !uv_is_active((uv_handle_t *)&n->timer))
		uv_timer_start(&n->timer, on_timer, RETRY_MS, RETRY_MS);
}

size_t dns_notify_zone(struct dns_notify *n, const struct dns_snapshot *snap,
		       const struct cfg_dns *cfg, const struct dns_name *apex)
{
	for (size_t i = 0; i < snap->zs.n; i++) {
		const struct dns_zone *z = snap->zs.zones[i];
		if (!dns_name_equal(&z->apex, apex))
			continue;
		for (size_t s = 0; s < cfg->n_secondaries; s++)
			queue(n, z, &cfg->secondaries[s]);
		if (n->pending && !uv_is_active((uv_handle_t *)&n->timer))
			uv_timer_start(&n->timer, on_timer, RETRY_MS, RETRY_MS);
		return cfg->n_secondaries;
	}
	return 0;
}

static void on_closed(uv_handle_t *h)
{
	struct dns_notify *n = h->data;
	if (--n->closing > 0)
		return;
	while (n->pending) {
		struct pending *p = n->pending;
		n->pending = p->next;
		free(p);
	}
	free(n->known);
	free(n->told);
	free(n);
}

void dns_notify_close(struct dns_notify *n)
{
	if (!n)
		return;
	uv_close((uv_handle_t *)&n->timer, on_closed);
	uv_close((uv_handle_t *)&n->sock4, on_closed);
	uv_close((uv_handle_t *)&n->sock6, on_closed);
}

void dns_notify_counts(struct dns_notify *n, uint64_t *sent, uint64_t *acked,
		       uint64_t *failed)
{
	*sent = n ? n->sent : 0;
	*acked = n ? n->acked : 0;
	*failed = n ? n->failed : 0;
}
