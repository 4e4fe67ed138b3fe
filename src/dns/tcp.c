/* SPDX-License-Identifier: MIT */
/* DNS over TCP on the loop (RFC 7766): framing, pipelining, idle timeout, cap. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/internal.h"
#include "proto/dns/axfr.h"
#include "proto/dns/dns.h"

#define FRAME_MAX (2 + 65535)

struct listener {
	uv_tcp_t h;
	struct dns_tcp *t;
};

struct conn {
	uv_tcp_t h; /* first: the handle pointer is the conn pointer */
	uv_timer_t idle;
	struct dns_tcp *t;
	struct conn *next, *prev;
	uint8_t *buf; /* partial frames */
	size_t len, cap;
	int closing; /* handles still to close */
	int refs;    /* forwarded queries still to answer */
	bool closed;
};

struct dns_tcp {
	struct dns_room *room;
	struct listener *l;
	size_t n_l;
	struct conn *conns;
	size_t n_conns;
	uint64_t idle_ms;
	size_t max_conns;
	uint64_t refused;
	bool closing;
	uint8_t scratch[DNS_MSG_MAX]; /* answers are built here, then copied */
};

struct write_req {
	uv_write_t req;
	uint8_t data[];
};

static void conn_maybe_free(struct conn *c)
{
	if (c->closed && c->closing == 0 && c->refs == 0) {
		free(c->buf);
		free(c);
	}
}

static void conn_freed(uv_handle_t *h)
{
	struct conn *c = h->data;
	c->closing--;
	conn_maybe_free(c);
}

static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	struct dns_tcp *t = c->t;
	if (c->prev)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->n_conns--;
	c->closing = 2;
	uv_close((uv_handle_t *)&c->idle, conn_freed);
	uv_close((uv_handle_t *)&c->h, conn_freed);
}

static void on_idle(uv_timer_t *timer)
{
	conn_close(timer->data);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;
	(void)suggested;
	if (c->cap - c->len < 4096 && c->cap < FRAME_MAX + 4096) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		if (cap > FRAME_MAX + 4096)
			cap = FRAME_MAX + 4096;
		uint8_t *p = realloc(c->buf, cap);
		if (p) {
			c->buf = p;
			c->cap = cap;
		}
	}
	*b = uv_buf_init((char *)c->buf + c->len, (unsigned)(c->cap - c->len));
}

static int send_frame(struct conn *c, const uint8_t *msg, size_t n)
{
	struct write_req *w = malloc(sizeof(*w) + 2 + n);
	if (!w)
		return -ENOMEM;
	dns_put16(w->data, (uint16_t)n);
	memcpy(w->data + 2, msg, n);
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)(n + 2));
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_written)) {
		free(w);
		return -EPIPE;
	}
	return 0;
}

/* True when the peer is one of dns.secondaries (address only). */
static bool peer_may_transfer(struct conn *c)
{
	struct sockaddr_any peer;
	int len = sizeof(peer.u.ss);
	if (uv_tcp_getpeername(&c->h, &peer.u.sa, &len))
		return false;
	const struct cfg_dns *d = dns_config(c->t->room->cfg);
	for (size_t i = 0; i < d->n_secondaries; i++) {
		const struct sockaddr_any *s = &d->secondaries[i];
		if (s->u.sa.sa_family != peer.u.sa.sa_family)
			continue;
		if (s->u.sa.sa_family == AF_INET &&
		    s->u.in.sin_addr.s_addr == peer.u.in.sin_addr.s_addr)
			return true;
		if (s->u.sa.sa_family == AF_INET6 &&
		    memcmp(&s->u.in6.sin6_addr, &peer.u.in6.sin6_addr, 16) == 0)
			return true;
	}
	return false;
}

/*
 * AXFR (and IXFR, answered with a full transfer as RFC 1995 allows) of a
 * zone apex to a listed secondary. Returns 1 when handled, 0 to let the
 * normal path answer (REFUSED), or a negative error.
 */
static int transfer(struct conn *c, const uint8_t *query, size_t len)
{
	struct dns_query q;
	if (dns_query_parse(query, len, &q) ||
	    (q.qtype != DNS_T_AXFR && q.qtype != DNS_T_IXFR) ||
	    DNS_OPCODE(q.flags) != DNS_OP_QUERY)
		return 0;
	const struct dns_snapshot *snap = dns_room_snapshot(c->t->room);
	const struct dns_zone *z = dns_zoneset_find(&snap->zs, &q.qname);
	if (!z || !dns_name_equal(&z->apex, &q.qname) || !peer_may_transfer(c))
		return 0;
	struct dns_axfr x;
	dns_axfr_init(&x, z);
	long n;
	while ((n = dns_axfr_next(&x, query, &q, c->t->scratch,
				  DNS_MSG_MAX)) > 0) {
		int rc = send_frame(c, c->t->scratch, (size_t)n);
		if (rc)
			return rc;
	}
	if (n < 0)
		return -EMSGSIZE;
	char apex[DNS_NAME_TEXT_MAX];
	dns_name_to_text(&z->apex, apex, sizeof(apex));
	log_info("dns", "zone=%s serial=%u transferred (%s)", apex, z->serial,
		 q.qtype == DNS_T_IXFR ? "IXFR as AXFR" : "AXFR");
	return 1;
}

/* A forwarded query's answer; answers may come out of order (RFC 7766
 * §6.2.1.1 allows it, the ids tell them apart). */
static void fwd_reply(void *ud, const uint8_t *msg, size_t len)
{
	struct conn *c = ud;
	if (!c->closed)
		send_frame(c, msg, len);
	c->refs--;
	conn_maybe_free(c);
}

/* Answers every complete frame in the buffer, in order. */
static int drain(struct conn *c)
{
	size_t off = 0;
	while (c->len - off >= 2) {
		size_t flen = dns_get16(c->buf + off);
		if (c->len - off < 2 + flen)
			break;
		int rc = transfer(c, c->buf + off + 2, flen);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			off += 2 + flen;
			continue;
		}
		const struct dns_snapshot *snap = dns_room_snapshot(c->t->room);
		struct dns_fwd *fwdr = c->t->room->fwd;
		bool fwd = false;
		struct dns_query q;
		size_t n = dns_serve(snap, &c->t->room->tcp_stats,
				     c->buf + off + 2, flen, c->t->scratch,
				     DNS_MSG_MAX, true,
				     dns_fwd_enabled(fwdr) ? &fwd : NULL, &q);
		if (fwd) {
			/* The forwarder checks allow_recursion and counts
			 * in-flight queries by the client's address. */
			struct sockaddr_any peer = {0};
			int plen = sizeof(peer.u.ss);
			uv_tcp_getpeername(&c->h, &peer.u.sa, &plen);
			c->refs++;
			if (dns_fwd_submit_tcp(fwdr, &peer.u.sa, &q,
					       c->buf + off + 2, flen,
					       fwd_reply, c))
				c->refs--;
			off += 2 + flen;
			continue;
		}
		off += 2 + flen;
		if (n == 0)
			return -EBADMSG; /* not a query: close */
		if ((rc = send_frame(c, c->t->scratch, n)))
			return rc;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return 0;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	(void)b;
	if (n < 0) {
		conn_close(c);
		return;
	}
	if (n == 0)
		return;
	c->len += (size_t)n;
	uv_timer_again(&c->idle);
	if (drain(c) || c->len == c->cap)
		conn_close(c);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	struct dns_tcp *t = l->t;
	if (status < 0)
		return;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->t = t;
	uv_tcp_init(server->loop, &c->h);
	uv_timer_init(server->loop, &c->idle);
	c->h.data = c;
	c->idle.data = c;
	c->next = t->conns;
	if (t->conns)
		t->conns->prev = c;
	t->conns = c;
	t->n_conns++;
	if (uv_accept(server, (uv_stream_t *)&c->h) ||
	    t->n_conns > t->max_conns) {
		if (t->n_conns > t->max_conns)
			t->refused++;
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->h, 1);
	uv_timer_start(&c->idle, on_idle, t->idle_ms, t->idle_ms);
	uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read);
}

void dns_tcp_set_limits(struct dns_tcp *t, const struct cfg_dns *cfg)
{
	t->idle_ms = (uint64_t)cfg->tcp_idle_timeout * 1000;
	t->max_conns = (size_t)cfg->tcp_max_connections;
}

int dns_tcp_open(struct dns_room *r, const struct cfg_dns *cfg,
		 struct dns_tcp **out)
{
	struct dns_tcp *t = calloc(1, sizeof(*t));
	int rc = 0;
	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->room = r;
	dns_tcp_set_limits(t, cfg);
	t->l = calloc(cfg->n_listen, sizeof(*t->l));
	if (!t->l) {
		free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_listen; i++) {
		struct listener *l = &t->l[i];
		l->t = t;
		uv_tcp_init(r->loop, &l->h);
		l->h.data = l;
		t->n_l++;
		unsigned flags = cfg->listen[i].u.sa.sa_family == AF_INET6
					 ? UV_TCP_IPV6ONLY
					 : 0;
		rc = uv_tcp_bind(&l->h, &cfg->listen[i].u.sa, flags);
		/* EADDRINUSE surfaces at listen, in dns_tcp_start. */
		if (rc) {
			char text[ADDR_TEXT_MAX];
			sockaddr_format(&cfg->listen[i], text);
			log_error("dns", "cannot listen on tcp %s: %s", text,
				  hearth_strerror(rc));
			dns_tcp_close(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

int dns_tcp_start(struct dns_tcp *t)
{
	for (size_t i = 0; i < t->n_l; i++) {
		int rc = uv_listen((uv_stream_t *)&t->l[i].h, 128, on_connection);
		if (rc)
			return rc;
	}
	return 0;
}

static void listeners_freed(uv_handle_t *h)
{
	struct listener *l = h->data;
	struct dns_tcp *t = l->t;
	if (--t->n_l > 0)
		return;
	free(t->l);
	free(t);
}

void dns_tcp_close(struct dns_tcp *t)
{
	if (!t)
		return;
	t->closing = true;
	while (t->conns)
		conn_close(t->conns);
	size_t n = t->n_l;
	if (n == 0) {
		free(t->l);
		free(t);
		return;
	}
	for (size_t i = 0; i < n; i++)
		uv_close((uv_handle_t *)&t->l[i].h, listeners_freed);
}
