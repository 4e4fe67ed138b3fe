/* SPDX-License-Identifier: MIT */
/* dns monitors: one query per check to dns_resolve_server (IPv4 or IPv6; UDP, or TCP with dns_transport: tcp), on the loop, read with hearth's DNS codec. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "proto/dns/dns.h"
#include "proto/watch/dnsq.h"
#include "watch/internal.h"

struct watch_dns_probe {
	struct watch_mon *m; /* NULL once delivered */
	watch_dns_lookup_fn lookup; /* a ping's name lookup, or NULL */
	uint16_t qtype;
	char server[64];	    /* for messages */
	char records[WATCH_MSG_MAX - 40];
	bool tcp;
	union {
		uv_udp_t udp;
		uv_tcp_t tcp;
	} h;
	uv_timer_t timer;
	uv_udp_send_t send;
	uv_connect_t conn;
	uv_write_t wr;
	uint8_t query[2 + WATCH_DNS_QUERY_MAX]; /* TCP: the length first */
	int qlen;
	struct sockaddr_storage to;
	uint16_t id;
	uint64_t t0;
	int handles;
	bool sending; /* a send, connect or write not yet called back */
	/* TCP: the answer as it arrives (its 2-byte length first) */
	uint8_t *in;
	size_t in_len;
};

static void probe_free(struct watch_dns_probe *p)
{
	free(p->in);
	free(p);
}

static void on_closed(uv_handle_t *h)
{
	struct watch_dns_probe *p = h->data;
	if (--p->handles == 0 && !p->sending)
		probe_free(p);
}

static void finish(struct watch_dns_probe *p, bool deliver, bool up,
		   const char *msg)
{
	struct watch_mon *m = p->m;
	if (!m)
		return;
	p->m = NULL;
	m->dns_probe = NULL;
	double ping = (double)(uv_now(m->room->loop) - p->t0);
	if (p->tcp)
		uv_read_stop((uv_stream_t *)&p->h.tcp);
	else
		uv_udp_recv_stop(&p->h.udp);
	uv_close((uv_handle_t *)&p->h, on_closed);
	uv_close((uv_handle_t *)&p->timer, on_closed);
	if (deliver && p->lookup)
		p->lookup(m, p->qtype, up ? p->records : NULL, msg);
	else if (deliver)
		watch_mon_result(m, up, msg, up ? ping : -1);
	else
		watch_mon_result(m, false, NULL, -1);
}

/* The query's send (UDP) or write (TCP) called back. */
static void sent(struct watch_dns_probe *p, int status)
{
	char msg[WATCH_MSG_MAX];
	p->sending = false;
	if (status < 0 && p->m) {
		snprintf(msg, sizeof(msg), "cannot send the query: %s",
			 uv_strerror(status));
		finish(p, true, false, msg);
	}
	if (!p->m && p->handles == 0)
		probe_free(p);
}

static void on_sent(uv_udp_send_t *req, int status)
{
	sent(req->data, status);
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	static char slab[65536]; /* loop thread only; read at once */
	(void)h;
	(void)size;
	*buf = uv_buf_init(slab, sizeof(slab));
}

/* An answer from the server asked: the verdict, or nothing when it is
 * not the answer to our query (keep waiting). */
static void answer(struct watch_dns_probe *p, const uint8_t *msg_, size_t n)
{
	const struct cfg_watch_monitor *c = p->m->cfg;
	char *records = p->records, msg[WATCH_MSG_MAX], rc_text[16], type[16];
	int count;
	int rcode = watch_dns_answer(msg_, n, p->id, p->qtype, records,
				     sizeof(p->records), &count);
	if (rcode < 0) {
		if (p->tcp) /* one answer on this connection, and it is bad */
			finish(p, true, false, "not a DNS answer to the query");
		return;
	}
	if (rcode != 0) {
		snprintf(msg, sizeof(msg), "%s", dns_rcode_name((unsigned)rcode,
								 rc_text));
		finish(p, true, false, msg);
		return;
	}
	if (!count) {
		snprintf(msg, sizeof(msg), "no %s record",
			 dns_type_name(p->qtype, type));
		finish(p, true, false, msg);
		return;
	}
	bool ok = true;
	if (c->expected_value && !p->lookup) {
		/* One of the records, as written in the answer. */
		ok = false;
		for (char *tok = records, *next; tok && !ok; tok = next) {
			next = strstr(tok, ", ");
			size_t len = next ? (size_t)(next - tok) : strlen(tok);
			ok = len == strlen(c->expected_value) &&
			     !strncasecmp(tok, c->expected_value, len);
			if (next)
				next += 2;
		}
	}
	snprintf(msg, sizeof(msg), "Records: %s%s", records,
		 ok ? "" : " (expected value not found)");
	finish(p, true, ok, msg);
}

/* The same address and port as the server asked. */
static bool from_server(const struct watch_dns_probe *p,
			const struct sockaddr *from)
{
	if (!from || from->sa_family != p->to.ss_family)
		return false;
	if (from->sa_family == AF_INET) {
		const struct sockaddr_in *f = (const void *)from,
					 *t = (const void *)&p->to;
		return f->sin_addr.s_addr == t->sin_addr.s_addr &&
		       f->sin_port == t->sin_port;
	}
	const struct sockaddr_in6 *f = (const void *)from,
				  *t = (const void *)&p->to;
	return !memcmp(&f->sin6_addr, &t->sin6_addr, sizeof(f->sin6_addr)) &&
	       f->sin6_port == t->sin6_port;
}

static void on_recv(uv_udp_t *u, ssize_t n, const uv_buf_t *buf,
		    const struct sockaddr *from, unsigned flags)
{
	struct watch_dns_probe *p = u->data;
	(void)flags;
	if (!p->m || n <= 0 || !from_server(p, from))
		return; /* not from the server asked */
	answer(p, (const uint8_t *)buf->base, (size_t)n);
}

/* ---- TCP: a 2-byte length, then the message (RFC 1035 4.2.2) ---- */

static void tcp_alloc(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	struct watch_dns_probe *p = h->data;
	(void)size;
	if (!p->in)
		p->in = malloc(2 + 65535);
	*buf = p->in ? uv_buf_init((char *)p->in + p->in_len,
				   (unsigned)(2 + 65535 - p->in_len))
		     : uv_buf_init(NULL, 0);
}

static void tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct watch_dns_probe *p = s->data;
	char msg[WATCH_MSG_MAX];
	(void)buf;
	if (!p->m)
		return;
	if (n < 0) {
		snprintf(msg, sizeof(msg), "the server closed the connection "
					   "(%s)", uv_strerror((int)n));
		finish(p, true, false, msg);
		return;
	}
	p->in_len += (size_t)n;
	if (p->in_len < 2)
		return;
	size_t want = (size_t)p->in[0] << 8 | p->in[1];
	if (p->in_len >= 2 + want)
		answer(p, p->in + 2, want);
	else if (p->in_len >= 2 + 65535)
		finish(p, true, false, "not a DNS answer to the query");
}

static void tcp_written(uv_write_t *req, int status)
{
	sent(req->data, status);
}

static void tcp_connected(uv_connect_t *req, int status)
{
	struct watch_dns_probe *p = req->data;
	char msg[WATCH_MSG_MAX];
	p->sending = false;
	if (!p->m) {
		if (p->handles == 0)
			probe_free(p);
		return;
	}
	uv_buf_t b = uv_buf_init((char *)p->query, (unsigned)p->qlen + 2);
	int rc = status;
	if (!rc)
		rc = uv_read_start((uv_stream_t *)&p->h.tcp, tcp_alloc, tcp_read);
	if (!rc)
		rc = uv_write(&p->wr, (uv_stream_t *)&p->h.tcp, &b, 1,
			      tcp_written);
	if (rc) {
		snprintf(msg, sizeof(msg), "connect: %s", uv_strerror(rc));
		finish(p, true, false, msg);
		return;
	}
	p->sending = true;
}

static void on_timeout(uv_timer_t *t)
{
	struct watch_dns_probe *p = t->data;
	char msg[WATCH_MSG_MAX];
	snprintf(msg, sizeof(msg), "no answer from %s within %lldms",
		 p->server, p->m ? (long long)p->m->cfg->timeout_ms : 0LL);
	finish(p, true, false, msg);
}

/* Asks @server for @name's @qtype records; the verdict to @m's result,
 * or its records to @lookup. */
static void probe_start(struct watch_mon *m, const char *name, uint16_t qtype,
			const struct sockaddr_storage *server, bool tcp,
			watch_dns_lookup_fn lookup)
{
	struct watch_room *r = m->room;
	const struct cfg_watch_monitor *c = m->cfg;
	struct watch_dns_probe *p = calloc(1, sizeof(*p));
	if (!p) {
		if (lookup)
			lookup(m, qtype, NULL, "out of memory");
		else
			watch_mon_result(m, false, "out of memory", -1);
		return;
	}
	if (getrandom(&p->id, sizeof(p->id), 0) != sizeof(p->id))
		p->id = (uint16_t)rand();
	int qlen = watch_dns_query(p->query + 2, p->id, name, qtype);
	if (qlen < 0) {
		free(p);
		if (lookup)
			lookup(m, qtype, NULL, "not a DNS name");
		else
			watch_mon_result(m, false, "hostname: not a DNS name", -1);
		return;
	}
	p->qlen = qlen;
	p->query[0] = (uint8_t)(qlen >> 8);
	p->query[1] = (uint8_t)qlen;
	p->to = *server;
	p->qtype = qtype;
	p->lookup = lookup;
	const void *ip = server->ss_family == AF_INET
				 ? (const void *)&((const struct sockaddr_in *)
							   server)->sin_addr
				 : (const void *)&((const struct sockaddr_in6 *)
							   server)->sin6_addr;
	inet_ntop(server->ss_family, ip, p->server, sizeof(p->server));
	p->tcp = tcp;
	if (p->tcp)
		uv_tcp_init(r->loop, &p->h.tcp);
	else
		uv_udp_init(r->loop, &p->h.udp);
	uv_timer_init(r->loop, &p->timer);
	p->h.udp.data = p->timer.data = p->send.data = p;
	p->conn.data = p->wr.data = p;
	p->handles = 2;
	p->m = m;
	p->t0 = uv_now(r->loop);
	m->dns_probe = p;
	uv_timer_start(&p->timer, on_timeout, (uint64_t)c->timeout_ms, 0);
	int rc;
	if (p->tcp) {
		rc = uv_tcp_connect(&p->conn, &p->h.tcp,
				    (const struct sockaddr *)&p->to,
				    tcp_connected);
		p->sending = !rc;
	} else {
		uv_buf_t b = uv_buf_init((char *)p->query + 2, (unsigned)qlen);
		rc = uv_udp_send(&p->send, &p->h.udp, &b, 1,
				 (const struct sockaddr *)&p->to, on_sent);
		if (!rc) {
			p->sending = true;
			rc = uv_udp_recv_start(&p->h.udp, on_alloc, on_recv);
		}
	}
	if (rc) {
		char msg[WATCH_MSG_MAX];
		snprintf(msg, sizeof(msg), "cannot send the query: %s",
			 uv_strerror(rc));
		finish(p, true, false, msg);
	}
}

void watch_dns_start(struct watch_mon *m)
{
	const struct cfg_watch_monitor *c = m->cfg;
	struct sockaddr_storage to = {0};
	uint16_t port = htons(c->port ? (uint16_t)c->port : 53);
	struct sockaddr_in *v4 = (struct sockaddr_in *)&to;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&to;
	if (inet_pton(AF_INET, c->dns_server, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = port;
	} else {
		inet_pton(AF_INET6, c->dns_server, &v6->sin6_addr);
		v6->sin6_family = AF_INET6;
		v6->sin6_port = port;
	}
	probe_start(m, c->hostname, c->dns_type, &to, c->dns_tcp, NULL);
}

void watch_dns_lookup(struct watch_mon *m, const char *name, uint16_t qtype,
		      const struct sockaddr_storage *server,
		      watch_dns_lookup_fn cb)
{
	probe_start(m, name, qtype, server, false, cb);
}

void watch_dns_cancel(struct watch_dns_probe *p)
{
	finish(p, false, false, NULL);
}
