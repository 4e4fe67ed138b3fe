/* SPDX-License-Identifier: MIT */
/* DNS over TCP on the loop (RFC 7766): framing, pipelining, deadlines, back-pressure, caps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/err.h"
#include "base/log.h"
#include "core/metrics.h"
#include "dns/internal.h"
#include "proto/dns/axfr.h"
#include "proto/dns/dns.h"
#include "proto/dns/tcpconn.h"

/*
 * What one client can hold, and for how long (docs/security.md, DNS):
 * - a partial query: tcp_message_timeout from its first byte (bytes
 *   trickling in do not extend it);
 * - an open connection: tcp_idle_timeout after its last whole query or
 *   answer written, not counting time waiting for a forwarded answer;
 * - answers it does not read: tcp_max_queued bytes (and all connections
 *   together tcp_max_queued_total), then the connection is not read until
 *   half of that is written, and closed after tcp_stall_timeout without
 *   progress; at most MAX_PENDING forwarded queries in flight;
 * - connections: tcp_max_connections_per_client from one address, and at
 *   tcp_max_connections a new one evicts another (proto/dns/tcpconn.h).
 * A connection has one timer, set to its nearest deadline after every
 * event. An AXFR to a listed secondary is written as it is read: the
 * next messages are built only once its queue is under the low-water
 * mark again, so a secondary that does not read holds tcp_max_queued
 * bytes (plus a reference to the zone), never the whole zone.
 */

#define FRAME_MAX (2 + 65535)
#define MAX_PENDING 64 /* forwarded queries in flight per connection */

enum close_reason {
	CLOSE_PEER,	  /* the client closed, or an I/O error */
	CLOSE_IDLE,	  /* tcp_idle_timeout */
	CLOSE_MESSAGE,	  /* tcp_message_timeout */
	CLOSE_STALLED,	  /* tcp_stall_timeout */
	CLOSE_EVICTED,	  /* made room for a new connection */
	CLOSE_INVALID,	  /* not a DNS query, or out of memory */
	CLOSE_CLIENT_CAP, /* at accept: tcp_max_connections_per_client */
	CLOSE_FULL,	  /* at accept: tcp_max_connections, none evictable */
	CLOSE_SHUTDOWN,	  /* hearthd stops (not counted) */
	CLOSE_REASONS
};

static const char *const reason_names[CLOSE_REASONS] = {
	"peer",	   "idle",	 "message_timeout", "stalled", "evicted",
	"invalid", "client_cap", "full",	    "shutdown"};

struct listener {
	uv_tcp_t h;
	struct dns_tcp *t;
};

/* A transfer under way: the zone it reads (a reference of its own, so a
 * reload may replace the snapshot meanwhile) and where it stands. */
struct xfer {
	struct dns_zone *z;
	struct dns_axfr x;
	struct dns_query q; /* parsed from query[] */
	size_t len;
	uint8_t query[];
};

struct conn {
	uv_tcp_t h; /* first: the handle pointer is the conn pointer */
	uv_timer_t timer;
	struct dns_tcp *t;
	struct dns_tcpconn tc; /* in t->table while open and listed */
	struct conn *next, *prev; /* t->alive */
	uint8_t *buf;	       /* partial frames */
	size_t len, cap;
	size_t queued;	     /* answer bytes written but not yet sent */
	uint64_t last_msg;   /* last whole query (or the accept), ms */
	uint64_t last_write; /* last write done (or queue started), ms */
	uint64_t msg_start;  /* first byte of the partial query, ms */
	int closing;	     /* handles still to close */
	int refs;	     /* forwarded queries still to answer */
	struct ipaddr peer;  /* the client, from the accept */
	struct xfer *xfr;    /* an AXFR still being written, or NULL */
	bool listed, closed, paused, reading;
};

struct dns_tcp {
	struct dns_room *room;
	struct listener *l;
	size_t n_l;
	struct dns_tcpconn_table table;
	struct conn *alive; /* conns not yet freed: t outlives them */
	uint64_t idle_ms, msg_ms, stall_ms;
	size_t max_conns, max_per_client, max_queued, max_queued_total;
	size_t queued; /* over every connection */
	uint64_t backpressure;
	uint64_t closed_by[CLOSE_REASONS];
	bool closing;
	uint8_t scratch[DNS_MSG_MAX]; /* answers are built here, then copied */
};

struct write_req {
	uv_write_t req;
	size_t size;
	uint8_t data[];
};

static struct conn *conn_of(struct dns_tcpconn *tc)
{
	return (struct conn *)((char *)tc - offsetof(struct conn, tc));
}

static uint64_t now_ms(const struct dns_tcp *t)
{
	return uv_now(t->room->loop);
}

static void tcp_maybe_free(struct dns_tcp *t)
{
	if (t->closing && t->n_l == 0 && !t->alive) {
		free(t->l);
		free(t);
	}
}

static void xfer_free(struct conn *c)
{
	if (c->xfr) {
		dns_zone_free(c->xfr->z);
		free(c->xfr);
		c->xfr = NULL;
	}
}

static void conn_maybe_free(struct conn *c)
{
	if (c->closed && c->closing == 0 && c->refs == 0) {
		struct dns_tcp *t = c->t;
		xfer_free(c);
		if (c->prev)
			c->prev->next = c->next;
		else
			t->alive = c->next;
		if (c->next)
			c->next->prev = c->prev;
		free(c->buf);
		free(c);
		tcp_maybe_free(t);
	}
}

static void conn_freed(uv_handle_t *h)
{
	struct conn *c = h->data;
	c->closing--;
	conn_maybe_free(c);
}

static void conn_close(struct conn *c, enum close_reason why)
{
	if (c->closed)
		return;
	c->closed = true;
	struct dns_tcp *t = c->t;
	if (c->listed)
		dns_tcpconn_remove(&t->table, &c->tc);
	c->listed = false;
	if (why != CLOSE_SHUTDOWN)
		t->closed_by[why]++;
	c->closing = 2;
	uv_close((uv_handle_t *)&c->timer, conn_freed);
	uv_close((uv_handle_t *)&c->h, conn_freed);
}

static bool queue_full(const struct conn *c)
{
	const struct dns_tcp *t = c->t;
	return c->queued >= t->max_queued ||
	       (c->queued > 0 && t->queued >= t->max_queued_total) ||
	       c->refs >= MAX_PENDING;
}

/* No further query is read while a transfer is being written: answers
 * keep the order of the queries. */
static bool over_limit(const struct conn *c)
{
	return queue_full(c) || c->xfr;
}

/* The low-water mark a stopped connection waits for. */
static bool below_low(const struct conn *c)
{
	const struct dns_tcp *t = c->t;
	return c->queued <= t->max_queued / 2 &&
	       (c->queued == 0 || t->queued <= t->max_queued_total / 2) &&
	       c->refs <= MAX_PENDING / 2;
}

static void on_timer(uv_timer_t *timer);

/* Files the connection under its state and sets its timer to the nearest
 * deadline. */
static void update(struct conn *c)
{
	struct dns_tcp *t = c->t;
	uint64_t now = now_ms(t);
	enum dns_tcpconn_state s = DNS_TCPCONN_IDLE;
	if (c->paused && c->queued > 0)
		s = DNS_TCPCONN_BLOCKED;
	else if (c->len > 0 && !c->paused)
		s = DNS_TCPCONN_READING;
	else if (c->refs > 0 || c->queued > 0 || c->len > 0)
		s = DNS_TCPCONN_BUSY;
	dns_tcpconn_set_state(&t->table, &c->tc, s, now);

	uint64_t due = UINT64_MAX;
	/* Idle: nothing to answer and nothing to write (a connection with
	 * answers queued is governed by the stall timeout). */
	if (c->refs == 0 && c->queued == 0 && !c->xfr) {
		uint64_t base = c->last_msg > c->last_write ? c->last_msg
							    : c->last_write;
		due = base + t->idle_ms;
	}
	if (c->len > 0 && !c->paused && c->msg_start + t->msg_ms < due)
		due = c->msg_start + t->msg_ms;
	if (c->queued > 0 && c->last_write + t->stall_ms < due)
		due = c->last_write + t->stall_ms;
	if (due == UINT64_MAX) {
		uv_timer_stop(&c->timer);
		return;
	}
	uv_timer_start(&c->timer, on_timer, due > now ? due - now : 0, 0);
}

static void on_timer(uv_timer_t *timer)
{
	struct conn *c = timer->data;
	struct dns_tcp *t = c->t;
	uint64_t now = now_ms(t);
	uint64_t base = c->last_msg > c->last_write ? c->last_msg
						    : c->last_write;
	if (c->queued > 0 && now >= c->last_write + t->stall_ms)
		conn_close(c, CLOSE_STALLED);
	else if (c->len > 0 && !c->paused && now >= c->msg_start + t->msg_ms)
		conn_close(c, CLOSE_MESSAGE);
	else if (c->refs == 0 && c->queued == 0 && !c->xfr &&
		 now >= base + t->idle_ms)
		conn_close(c, CLOSE_IDLE);
	else
		update(c);
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

static void process(struct conn *c);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* Reading resumes once the queues are below their low-water marks. */
static void maybe_resume(struct conn *c)
{
	if (!c->closed && c->paused && below_low(c))
		process(c);
}

static void on_written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct conn *c = req->handle->data;
	struct dns_tcp *t = c->t;
	size_t low_total = t->max_queued_total / 2;
	bool crossed = t->queued > low_total;
	c->queued -= w->size;
	t->queued -= w->size;
	crossed = crossed && t->queued <= low_total;
	free(w);
	if (c->closed || t->closing)
		return;
	if (status < 0) {
		conn_close(c, CLOSE_PEER);
		return;
	}
	c->last_write = now_ms(t);
	if (c->paused)
		maybe_resume(c);
	else
		update(c);
	if (!crossed)
		return;
	/* Those stopped by the total, whose own queue is low already. */
	for (int s = 0; s < DNS_TCPCONN_NSTATES; s++) {
		struct dns_tcpconn *e = t->table.lists[s].head;
		while (e) {
			struct dns_tcpconn *next = e->next;
			maybe_resume(conn_of(e));
			e = next;
		}
	}
}

static int send_frame(struct conn *c, const uint8_t *msg, size_t n)
{
	struct write_req *w = malloc(sizeof(*w) + 2 + n);
	if (!w)
		return -ENOMEM;
	w->size = 2 + n;
	dns_put16(w->data, (uint16_t)n);
	memcpy(w->data + 2, msg, n);
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)(n + 2));
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_written)) {
		free(w);
		return -EPIPE;
	}
	if (c->queued == 0)
		c->last_write = now_ms(c->t); /* the stall clock starts */
	c->queued += w->size;
	c->t->queued += w->size;
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
 * Writes the transfer's next messages while the connection's queue has
 * room; at the end logs it and lets queries be read again. 0, or a
 * negative error (the connection is then closed).
 */
static int xfer_pump(struct conn *c)
{
	struct xfer *x = c->xfr;
	long n = 0;
	while (!queue_full(c) &&
	       (n = dns_axfr_next(&x->x, x->query, &x->q, c->t->scratch,
				  DNS_MSG_MAX)) > 0) {
		int rc = send_frame(c, c->t->scratch, (size_t)n);
		if (rc)
			return rc;
	}
	if (n < 0)
		return -EMSGSIZE;
	if (n > 0 || queue_full(c))
		return 0; /* more when the secondary has read some */
	char apex[DNS_NAME_TEXT_MAX];
	dns_name_to_text(&x->z->apex, apex, sizeof(apex));
	log_info("dns", "zone=%s serial=%u transferred (%s)", apex,
		 x->z->serial,
		 x->q.qtype == DNS_T_IXFR ? "IXFR as AXFR" : "AXFR");
	xfer_free(c);
	return 0;
}

/*
 * AXFR (and IXFR, answered with a full transfer as RFC 1995 allows) of a
 * zone apex to a listed secondary: starts the transfer (xfer_pump writes
 * it). Returns 1 when handled, 0 to let the normal path answer
 * (REFUSED), or a negative error.
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
	struct xfer *x = malloc(sizeof(*x) + len);
	if (!x)
		return -ENOMEM;
	memcpy(x->query, query, len);
	x->len = len;
	if (dns_query_parse(x->query, len, &x->q)) {
		free(x);
		return -EBADMSG;
	}
	x->z = dns_zone_ref((struct dns_zone *)z);
	dns_axfr_init(&x->x, x->z);
	c->xfr = x;
	int rc = xfer_pump(c);
	return rc ? rc : 1;
}

/* A forwarded query's answer; answers may come out of order (RFC 7766
 * §6.2.1.1 allows it, the ids tell them apart). */
static void fwd_reply(void *ud, const uint8_t *msg, size_t len)
{
	struct conn *c = ud;
	c->refs--;
	if (!c->closed) {
		if (send_frame(c, msg, len))
			conn_close(c, CLOSE_PEER);
		else if (c->paused)
			maybe_resume(c);
		else
			update(c);
	}
	conn_maybe_free(c);
}

/* Answers the complete frames in the buffer, in order, while the
 * connection is under its limits. Sets *n_msgs to how many it took. */
static int drain(struct conn *c, size_t *n_msgs)
{
	size_t off = 0;
	int rc = 0;
	*n_msgs = 0;
	while (c->len - off >= 2 && !over_limit(c)) {
		size_t flen = dns_get16(c->buf + off);
		if (c->len - off < 2 + flen)
			break;
		const uint8_t *query = c->buf + off + 2;
		off += 2 + flen;
		++*n_msgs;
		rc = transfer(c, query, flen);
		if (rc < 0)
			break;
		if (rc == 1) {
			rc = 0;
			continue;
		}
		const struct dns_snapshot *snap = dns_room_snapshot(c->t->room);
		struct dns_fwd *fwdr = c->t->room->fwd;
		bool fwd = false;
		struct dns_query q;
		uint64_t t0 = metrics_now_ns();
		struct dns_qlog *qlog = &c->t->room->qlog;
		uint64_t start = dns_qlog_on(qlog) ? dns_qlog_now() : 0;
		size_t n = dns_serve(snap, &c->t->room->tcp_stats, query, flen,
				     c->t->scratch, DNS_MSG_MAX, true,
				     dns_fwd_enabled(fwdr) ? &fwd : NULL, &q);
		if (fwd) {
			/* The forwarder checks allow_recursion and counts
			 * in-flight queries by the client's address. */
			struct sockaddr_any peer = {0};
			int plen = sizeof(peer.u.ss);
			uv_tcp_getpeername(&c->h, &peer.u.sa, &plen);
			c->refs++;
			if (dns_fwd_submit_tcp(fwdr, &peer.u.sa, &q, query, flen,
					       fwd_reply, c))
				c->refs--;
			if (c->closed)
				break; /* the answer came at once and failed */
			continue;
		}
		if (n == 0) {
			dns_rings_corrupt(c->t->room->rings, &c->peer);
			rc = -EBADMSG; /* not a query: close */
			break;
		}
		metrics_hist_observe(&c->t->room->tcp_stats.answer[DNS_SRC_AUTH],
				     metrics_now_ns() - t0);
		dns_rings_answer(c->t->room->rings, &c->peer, true, &q,
				 c->t->scratch, n);
		if (start)
			dns_qlog_write(qlog, &c->peer, true, &q, c->t->scratch,
				       n, "auth", start);
		if ((rc = send_frame(c, c->t->scratch, n)))
			break;
	}
	if (off) {
		memmove(c->buf, c->buf + off, c->len - off);
		c->len -= off;
	}
	return rc;
}

/* Answers what is buffered, then reads on or stops reading (back-pressure)
 * and files the connection under its new state. */
static void process(struct conn *c)
{
	struct dns_tcp *t = c->t;
	if (c->paused && !below_low(c)) {
		update(c);
		return;
	}
	c->paused = false;
	size_t n_msgs = 0;
	int rc = c->xfr ? xfer_pump(c) : 0;
	if (!rc)
		rc = drain(c, &n_msgs);
	if (c->closed)
		return;
	if (rc) {
		conn_close(c, rc == -EBADMSG || rc == -ENOMEM ? CLOSE_INVALID
							     : CLOSE_PEER);
		return;
	}
	uint64_t now = now_ms(t);
	if (n_msgs) {
		c->last_msg = now;
		if (c->len > 0) { /* the next query has begun */
			c->msg_start = now;
			dns_tcpconn_touch(&t->table, &c->tc, now);
		}
	}
	if (over_limit(c)) {
		c->paused = true;
		if (c->reading) {
			uv_read_stop((uv_stream_t *)&c->h);
			c->reading = false;
			t->backpressure++;
		}
	} else if (c->cap && c->len == c->cap) {
		conn_close(c, CLOSE_INVALID); /* no memory for the frame */
		return;
	} else if (!c->reading) {
		if (uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read)) {
			conn_close(c, CLOSE_PEER);
			return;
		}
		c->reading = true;
	}
	update(c);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	(void)b;
	if (n < 0) {
		conn_close(c, CLOSE_PEER);
		return;
	}
	if (n == 0)
		return;
	if (c->len == 0)
		c->msg_start = now_ms(c->t);
	c->len += (size_t)n;
	process(c);
}

static bool peer_ip(struct conn *c, struct ipaddr *out)
{
	struct sockaddr_any peer;
	int len = sizeof(peer.u.ss);
	memset(out, 0, sizeof(*out));
	if (uv_tcp_getpeername(&c->h, &peer.u.sa, &len))
		return false;
	out->family = peer.u.sa.sa_family;
	if (out->family == AF_INET)
		out->u.v4 = peer.u.in.sin_addr;
	else if (out->family == AF_INET6)
		out->u.v6 = peer.u.in6.sin6_addr;
	else
		return false;
	return true;
}

/* Makes room for @c by the caps, evicting as needed. Returns the reason
 * to refuse it, or CLOSE_REASONS to take it. */
static enum close_reason admit(struct dns_tcp *t, const struct ipaddr *a)
{
	for (;;) {
		struct dns_tcpconn *victim;
		switch (dns_tcpconn_admit(&t->table, a, t->max_conns,
					  t->max_per_client, &victim)) {
		case DNS_TCPCONN_ACCEPT:
			return CLOSE_REASONS;
		case DNS_TCPCONN_EVICT:
			conn_close(conn_of(victim), CLOSE_EVICTED);
			continue;
		case DNS_TCPCONN_CLIENT_CAP:
			return CLOSE_CLIENT_CAP;
		case DNS_TCPCONN_FULL:
		default:
			return CLOSE_FULL;
		}
	}
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
	c->next = t->alive;
	if (t->alive)
		t->alive->prev = c;
	t->alive = c;
	uv_tcp_init(server->loop, &c->h);
	uv_timer_init(server->loop, &c->timer);
	c->h.data = c;
	c->timer.data = c;
	struct ipaddr a;
	if (uv_accept(server, (uv_stream_t *)&c->h) || !peer_ip(c, &a)) {
		conn_close(c, CLOSE_PEER);
		return;
	}
	c->peer = a;
	enum close_reason refuse = admit(t, &a);
	if (refuse != CLOSE_REASONS) {
		conn_close(c, refuse);
		return;
	}
	uint64_t now = now_ms(t);
	dns_tcpconn_add(&t->table, &c->tc, &a, now);
	c->listed = true;
	c->last_msg = now;
	uv_tcp_nodelay(&c->h, 1);
	process(c); /* starts reading and the idle timer */
}

void dns_tcp_set_limits(struct dns_tcp *t, const struct cfg_dns *cfg)
{
	t->idle_ms = (uint64_t)cfg->tcp_idle_timeout * 1000;
	t->msg_ms = (uint64_t)cfg->tcp_message_timeout * 1000;
	t->stall_ms = (uint64_t)cfg->tcp_stall_timeout * 1000;
	t->max_conns = (size_t)cfg->tcp_max_connections;
	t->max_per_client = (size_t)cfg->tcp_max_connections_per_client;
	t->max_queued = (size_t)cfg->tcp_max_queued;
	t->max_queued_total = (size_t)cfg->tcp_max_queued_total;
}

void dns_tcp_collect(struct dns_tcp *t, struct buf *out)
{
	if (!t)
		return;
	metrics_value(out, "hearth_dns_tcp_connections", "gauge",
		      "DNS TCP connections open",
		      (double)t->table.n);
	metrics_value(out, "hearth_dns_tcp_queued_bytes", "gauge",
		      "DNS TCP answer bytes queued, not yet sent",
		      (double)t->queued);
	metrics_value(out, "hearth_dns_tcp_backpressure_total", "counter",
		      "times a DNS TCP connection was no longer read because its answers were not read",
		      (double)t->backpressure);
	metrics_family(out, "hearth_dns_tcp_closed_total", "counter",
		       "DNS TCP connections closed (or refused at accept), by "
		       "reason");
	for (int i = 0; i < CLOSE_SHUTDOWN; i++)
		metrics_sample(out, "hearth_dns_tcp_closed_total",
			       (double)t->closed_by[i], 1, "reason",
			       reason_names[i]);
}

int dns_tcp_open(struct dns_room *r, const struct cfg_dns *cfg,
		 struct dns_tcp **out)
{
	struct dns_tcp *t = calloc(1, sizeof(*t));
	uint64_t seed = 0;
	int rc = 0;
	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->room = r;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)(uintptr_t)t;
	dns_tcpconn_table_init(&t->table, seed);
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
	t->n_l--;
	tcp_maybe_free(t);
}

void dns_tcp_close(struct dns_tcp *t)
{
	if (!t)
		return;
	t->closing = true;
	/* The forwarder closed first and dropped what it had in flight
	 * unanswered: nothing holds a connection but its handles now. */
	for (struct conn *c = t->alive, *next; c; c = next) {
		next = c->next;
		c->refs = 0;
		conn_close(c, CLOSE_SHUTDOWN);
		conn_maybe_free(c);
	}
	size_t n = t->n_l;
	if (n == 0) {
		tcp_maybe_free(t);
		return;
	}
	for (size_t i = 0; i < n; i++)
		uv_close((uv_handle_t *)&t->l[i].h, listeners_freed);
}
