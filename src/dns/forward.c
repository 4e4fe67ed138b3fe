/* SPDX-License-Identifier: MIT */
/* Forwarding on the loop: cache, per-domain routes, upstream sockets, aliases. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <urcu-qsbr.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/forward_priv.h"
#include "proto/dns/dns.h"

/*
 * Workers hand queries no zone holds to the loop through a locked inbox
 * and a uv_async_t, already parsed and in the one allocation the query
 * lives in until it is answered (struct req). Everything after that
 * (upstream sockets, the timer) is the loop's alone; the cache is
 * sharded and locks itself. When to send what where is decided by the
 * state machine of proto/dns/fwd.c; this file does the I/O it asks for.
 *
 * Upstream sockets are pooled: a few per upstream, each bound to a
 * kernel-chosen (random) source port and replaced after SOCK_USES
 * queries or SOCK_AGE_MS. Every try has a random id, and an answer
 * counts only when it arrives on the socket the try was sent through,
 * from the server asked, with that id and our question (RFC 5452);
 * anything else is ignored.
 *
 * In flight is bounded: at most max_inflight queries wait upstream, at
 * most max_per_client of them for one client address; a query over
 * either bound is answered SERVFAIL at once (and counted), as is one
 * whose upstreams are all down (proto/dns/health.c: skipped after
 * upstream_down_after failed tries in a row, probed back with one query
 * at a time). Every try's outcome is reported to its server's health.
 */

static void random_bytes(struct dns_fwd *f, void *out, size_t n)
{
	if (f->rnd_pos + n > sizeof(f->rnd)) {
		if (getrandom(f->rnd, sizeof(f->rnd), 0) != sizeof(f->rnd))
			for (size_t i = 0; i < sizeof(f->rnd); i++)
				f->rnd[i] = (uint8_t)random();
		f->rnd_pos = 0;
	}
	memcpy(out, f->rnd + f->rnd_pos, n);
	f->rnd_pos += n;
}

/* Monotonic seconds, the same clock in the workers and on the loop. */
static uint64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Copies an unexpired cached answer for @q into @buf. 0 or -ENOENT.
 * Workers call it inside their RCU read side, the loop as the writer. */
static int cache_copy(struct dns_fwd *f, const struct dns_query *q,
		      uint8_t *buf, size_t cap, size_t *len, uint32_t *age)
{
	struct dns_cache *c = rcu_dereference(f->cache);
	if (!c) {
		atomic_fetch_add_explicit(&f->uncached, 1,
					  memory_order_relaxed);
		return -ENOENT;
	}
	return dns_cache_get(c, &q->qname, q->qtype, q->qclass, now_s(), buf,
			     cap, len, age) ? -ENOENT : 0;
}

size_t dns_fwd_cached(struct dns_fwd *f, const struct dns_query *q,
		      const uint8_t *query, uint8_t *out, size_t cap,
		      size_t limit)
{
	static _Thread_local uint8_t work[DNS_MSG_MAX];
	size_t len;
	uint32_t age;
	if (cache_copy(f, q, work, sizeof(work), &len, &age))
		return 0;
	uint16_t payload = (uint16_t)atomic_load_explicit(
		&f->payload_atomic, memory_order_relaxed);
	size_t udp = DNS_UDP_MIN;
	if (q->has_edns && q->edns_payload > DNS_UDP_MIN)
		udp = q->edns_payload < payload ? q->edns_payload : payload;
	if (udp < limit)
		limit = udp;
	dns_relay_age(work, len, age);
	return dns_relay_to_client(out, cap, limit, work, len, query, q,
				   payload);
}

/* The source of the answer being sent (process() sets "cache" around a
 * hit): loop thread only. */
static const char *reply_source = "forward";

static void reply(struct dns_fwd *f, struct req *r, const uint8_t *m, size_t n)
{
	if (n == 0)
		return;
	dns_rings_answer(f->room->rings, &r->client, r->cb != NULL, &r->q, m,
			 n);
	if (r->start)
		dns_qlog_write(&f->room->qlog, &r->client, r->cb != NULL,
			       &r->q, m, n, reply_source, r->start);
	if (r->cb) {
		r->cb(r->ud, m, n);
		return;
	}
	struct iovec iov = {.iov_base = (void *)m, .iov_len = n};
	struct msghdr mh = {
		.msg_name = &r->peer, .msg_namelen = r->peer_len,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = r->ctl_len ? r->ctl : NULL,
		.msg_controllen = r->ctl_len,
	};
	if (sendmsg(r->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		f->dropped++;
}

static size_t client_limit(struct dns_fwd *f, const struct req *r)
{
	if (r->cb)
		return DNS_MSG_MAX;
	size_t udp = DNS_UDP_MIN;
	if (r->q.has_edns && r->q.edns_payload > DNS_UDP_MIN)
		udp = r->q.edns_payload < f->payload ? r->q.edns_payload
						     : f->payload;
	return udp;
}

/* Sends a response (aliases applied, OPT stripped) to the client of
 * @r, aged by @age seconds. @resp is modified; it must not be scratch. */
static void answer_from(struct dns_fwd *f, struct req *r, uint8_t *resp,
			size_t len, uint32_t age)
{
	dns_relay_age(resp, len, age);
	size_t n = dns_relay_to_client(f->scratch, sizeof(f->scratch),
				       client_limit(f, r), resp, len, r->query,
				       &r->q, f->payload);
	reply(f, r, f->scratch, n);
}

static void answer_error(struct dns_fwd *f, struct req *r, uint8_t rcode)
{
	size_t n = dns_relay_error(f->scratch, sizeof(f->scratch), r->query,
				   &r->q, rcode, f->payload);
	reply(f, r, f->scratch, n);
}

/* ---- the deadline list and its one timer ---- */

static void on_timer(uv_timer_t *t);

static void arm(struct dns_fwd *f)
{
	if (!f->reqs) {
		uv_timer_stop(&f->timer);
		return;
	}
	uint64_t now = uv_now(f->room->loop);
	uint64_t d = f->reqs->deadline;
	uv_timer_start(&f->timer, on_timer, d > now ? d - now : 0, 0);
}

static void unschedule(struct dns_fwd *f, struct req *r)
{
	if (!r->scheduled)
		return;
	r->scheduled = false;
	if (r->prev)
		r->prev->next = r->next;
	else
		f->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		f->reqs_tail = r->prev;
	r->next = r->prev = NULL;
}

/* Every try has the same timeout, so a new deadline nearly always goes
 * last: the list is walked from its tail. */
static void schedule(struct dns_fwd *f, struct req *r, uint64_t deadline)
{
	unschedule(f, r);
	r->deadline = deadline;
	struct req *after = f->reqs_tail;
	while (after && after->deadline > deadline)
		after = after->prev;
	r->prev = after;
	r->next = after ? after->next : f->reqs;
	if (r->next)
		r->next->prev = r;
	else
		f->reqs_tail = r;
	if (after)
		after->next = r;
	else
		f->reqs = r;
	r->scheduled = true;
	if (f->reqs == r)
		arm(f);
}

/* ---- in-flight UDP tries by (socket, id) ---- */

static size_t id_bucket(const struct upsock *s, uint16_t id)
{
	uintptr_t h = ((uintptr_t)s >> 6) * 2654435761u ^ id;
	return (size_t)(h ^ (h >> 12)) & (ID_BUCKETS - 1);
}

static struct req *id_find(struct dns_fwd *f, const struct upsock *s,
			   uint16_t id)
{
	for (struct req *r = f->ids[id_bucket(s, id)]; r; r = r->hnext)
		if (r->sock == s && r->id == id)
			return r;
	return NULL;
}

static void id_remove(struct dns_fwd *f, struct req *r)
{
	struct req **pp = &f->ids[id_bucket(r->sock, r->id)];
	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->hnext;
	r->hnext = NULL;
}

/* ---- the socket pool ---- */

static void sock_freed(uv_handle_t *h)
{
	free(h); /* the upsock: its handle comes first */
}

static void sock_close(struct dns_fwd *f, struct upsock *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		f->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	uv_close((uv_handle_t *)&s->udp, sock_freed);
}

static void sock_release(struct dns_fwd *f, struct upsock *s)
{
	s->inflight--;
	if (s->retired && s->inflight == 0)
		sock_close(f, s);
}

static void udp_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	struct upsock *s = (struct upsock *)h;
	(void)size;
	*b = uv_buf_init((char *)s->f->rbuf, sizeof(s->f->rbuf));
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr_any *b)
{
	if (a->sa_family != b->u.sa.sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		return x->sin_port == b->u.in.sin_port &&
		       x->sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
	return x->sin6_port == b->u.in6.sin6_port &&
	       memcmp(&x->sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
}

static void udp_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
		     const struct sockaddr *from, unsigned flags);

/* A socket for a try to @server: one of its pool, opened when the pool
 * is not full. NULL on failure. */
static struct upsock *sock_get(struct dns_fwd *f,
			       const struct sockaddr_any *server)
{
	struct upsock *pool[SOCKS_PER_SERVER];
	unsigned n = 0;
	for (struct upsock *s = f->socks; s && n < SOCKS_PER_SERVER;
	     s = s->next)
		if (!s->retired && s->server.len == server->len &&
		    same_addr(&server->u.sa, &s->server))
			pool[n++] = s;
	if (n == SOCKS_PER_SERVER) {
		uint8_t pick;
		random_bytes(f, &pick, 1);
		return pool[pick % n];
	}
	struct upsock *s = malloc(sizeof(*s));
	if (!s)
		return n ? pool[0] : NULL;
	if (uv_udp_init(f->room->loop, &s->udp)) {
		free(s);
		return n ? pool[0] : NULL;
	}
	s->f = f;
	s->server = *server;
	s->uses = s->inflight = 0;
	s->opened = uv_now(f->room->loop);
	s->retired = false;
	s->prev = NULL;
	s->next = f->socks;
	if (f->socks)
		f->socks->prev = s;
	f->socks = s;
	struct sockaddr_any any = {0};
	any.u.sa.sa_family = server->u.sa.sa_family;
	/* Port 0: the kernel picks a random source port. */
	if (uv_udp_bind(&s->udp, &any.u.sa, 0) ||
	    uv_udp_recv_start(&s->udp, udp_alloc, udp_recv)) {
		s->retired = true;
		if (s->inflight == 0)
			sock_close(f, s);
		return n ? pool[0] : NULL;
	}
	return s;
}

void dns_fwd_socks_retire(struct dns_fwd *f)
{
	for (struct upsock *s = f->socks, *next; s; s = next) {
		next = s->next;
		s->retired = true;
		if (s->inflight == 0)
			sock_close(f, s);
	}
}

/* ---- in flight per client ---- */

static size_t client_bucket(const struct ipaddr *a)
{
	uint32_t h = 2166136261u;
	size_t n = a->family == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < n; i++)
		h = (h ^ a->u.bytes[i]) * 16777619u;
	return h & (CLIENT_BUCKETS - 1);
}

static struct client_count *client_find(struct dns_fwd *f,
					const struct ipaddr *a)
{
	for (struct client_count *c = f->clients[client_bucket(a)]; c;
	     c = c->next)
		if (ipaddr_equal(&c->addr, a))
			return c;
	return NULL;
}

/* A zero count for @a, added to the table (NULL: out of memory). */
static struct client_count *client_add(struct dns_fwd *f,
				       const struct ipaddr *a)
{
	struct client_count **b = &f->clients[client_bucket(a)];
	struct client_count *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->addr = *a;
	c->next = *b;
	*b = c;
	return c;
}

static void client_put(struct dns_fwd *f, struct client_count *c)
{
	if (--c->n > 0)
		return;
	struct client_count **pp = &f->clients[client_bucket(&c->addr)];
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	free(c);
}

/* ---- tries ---- */

/* The current try's outcome, told to its server's health. */
static void report(struct dns_fwd *f, struct req *r, bool ok)
{
	unsigned h = r->health[r->cur];
	if (h == NO_HEALTH)
		return;
	bool probe = r->probing && r->cur == 0;
	if (probe)
		r->probing = false;
	dns_health_result(&f->health[h], &f->hp, uv_now(f->room->loop), ok,
			  probe);
}

static void tcp_freed(uv_handle_t *h)
{
	free(h); /* the tcp_try: its handle comes first */
}

/* Ends the current try, UDP or TCP. */
static void drop_try(struct dns_fwd *f, struct req *r)
{
	if (r->sock) {
		id_remove(f, r);
		sock_release(f, r->sock);
		r->sock = NULL;
	}
	if (r->tcp) {
		r->tcp->r = NULL;
		uv_close((uv_handle_t *)&r->tcp->tcp, tcp_freed);
		r->tcp = NULL;
	}
}

static void req_end(struct dns_fwd *f, struct req *r)
{
	unschedule(f, r);
	drop_try(f, r);
	if (r->cc) {
		client_put(f, r->cc);
		f->inflight--;
	}
	free(r);
}

static int send_udp(struct dns_fwd *f, struct req *r,
		    const struct sockaddr_any *server);
static int send_tcp(struct dns_fwd *f, struct req *r,
		    const struct sockaddr_any *server);

/* Does what the state machine said. Returns true for ANSWER: the caller
 * holds the answer and relays it (finish). */
static bool act(struct dns_fwd *f, struct req *r, struct dns_fwd_action a)
{
	for (;;) {
		switch (a.what) {
		case DNS_FWD_NOTHING:
			return false;
		case DNS_FWD_ANSWER:
			return true;
		case DNS_FWD_SERVFAIL:
			f->servfail++;
			if (a.rotate && f->n_up)
				f->next_up = (f->next_up + 1) % f->n_up;
			answer_error(f, r, DNS_R_SERVFAIL);
			req_end(f, r);
			return false;
		case DNS_FWD_SEND_UDP:
		case DNS_FWD_SEND_TCP:
			drop_try(f, r);
			r->cur = a.server;
			if (a.what == DNS_FWD_SEND_TCP)
				f->tcp_retries++;
			if ((a.what == DNS_FWD_SEND_UDP
				     ? send_udp(f, r, &r->servers[a.server])
				     : send_tcp(f, r, &r->servers[a.server])) ==
			    0) {
				schedule(f, r, a.deadline);
				return false;
			}
			/* Failed at once: on to the next try. */
			report(f, r, false);
			a = dns_fwd_sm_failed(&r->sm, uv_now(f->room->loop));
			break;
		}
	}
}

static void fail(struct dns_fwd *f, struct req *r)
{
	report(f, r, false);
	act(f, r, dns_fwd_sm_failed(&r->sm, uv_now(f->room->loop)));
}

static void finish(struct dns_fwd *f, struct req *r, uint8_t *resp,
		   size_t len)
{
	bool opt_inside;
	len = dns_relay_strip_opt(resp, len, &opt_inside);
	if (opt_inside) {
		f->servfail++;
		answer_error(f, r, DNS_R_SERVFAIL);
		req_end(f, r);
		return;
	}
	metrics_hist_observe(&f->latency, metrics_now_ns() - r->started_ns);
	uint32_t ttl = dns_relay_ttl(resp, len);
	if (ttl > MAX_CACHE_TTL)
		ttl = MAX_CACHE_TTL;
	dns_relay_alias(resp, len, f->alias, f->n_alias);
	if (ttl && f->cache)
		dns_cache_put(f->cache, &r->q.qname, r->q.qtype, r->q.qclass,
			      now_s(), ttl, resp, len);
	answer_from(f, r, resp, len, 0);
	req_end(f, r);
}

static void udp_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
		     const struct sockaddr *from, unsigned flags)
{
	struct upsock *s = (struct upsock *)h;
	struct dns_fwd *f = s->f;
	(void)flags;
	if (n <= 0 || !from)
		return;
	uint8_t *m = (uint8_t *)b->base;
	struct req *r = n >= 2 ? id_find(f, s, dns_get16(m)) : NULL;
	if (!r || !same_addr(from, &s->server) ||
	    dns_relay_check(m, (size_t)n, r->id, &r->q)) {
		f->rejected_answers++; /* spoofed, stray or late: ignored */
		return;
	}
	bool tc = dns_get16(m + 2) & DNS_F_TC;
	report(f, r, true);
	if (act(f, r, dns_fwd_sm_answer(&r->sm, uv_now(f->room->loop), tc)))
		finish(f, r, m, (size_t)n); /* rbuf: not scratch */
}

static void on_timer(uv_timer_t *t)
{
	struct dns_fwd *f = t->data;
	uint64_t now = uv_now(f->room->loop);
	/* Each expired req is rescheduled later than now or ends. */
	while (f->reqs && f->reqs->deadline <= now) {
		struct req *r = f->reqs;
		unschedule(f, r);
		struct dns_fwd_action a = dns_fwd_sm_timeout(&r->sm, now);
		if (a.what == DNS_FWD_NOTHING) {
			/* Not due by the machine's clock: keep waiting. */
			schedule(f, r, r->sm.deadline > now ? r->sm.deadline
							    : now + 1);
			continue;
		}
		f->timeouts++;
		report(f, r, false);
		act(f, r, a);
	}
	arm(f);
}

static int send_udp(struct dns_fwd *f, struct req *r,
		    const struct sockaddr_any *server)
{
	struct upsock *s = sock_get(f, server);
	if (!s)
		return -ENOMEM;
	uint16_t id;
	int spins = 0;
	do
		random_bytes(f, &id, sizeof(id));
	while (id_find(f, s, id) && ++spins < 8);
	if (spins == 8)
		return -EAGAIN;
	size_t n = dns_relay_query(f->scratch, sizeof(f->scratch), id, &r->q);
	uv_buf_t b = uv_buf_init((char *)f->scratch, (unsigned)n);
	if (n == 0 || uv_udp_try_send(&s->udp, &b, 1, &server->u.sa) < 0)
		return -EIO;
	r->sock = s;
	r->id = id;
	size_t k = id_bucket(s, id);
	r->hnext = f->ids[k];
	f->ids[k] = r;
	s->inflight++;
	if (++s->uses >= SOCK_USES ||
	    uv_now(f->room->loop) - s->opened >= SOCK_AGE_MS)
		s->retired = true; /* closes once its tries are done */
	return 0;
}

/* ---- TCP retry after a truncated UDP answer ---- */

static void tcp_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	struct tcp_try *t = (struct tcp_try *)h;
	(void)size;
	*b = uv_buf_init((char *)t->buf + t->len,
			 (unsigned)(sizeof(t->buf) - t->len));
}

static void tcp_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct tcp_try *t = (struct tcp_try *)st;
	struct req *r = t->r;
	(void)b;
	if (!r)
		return;
	struct dns_fwd *f = st->data;
	if (n < 0) {
		fail(f, r);
		return;
	}
	t->len += (size_t)n;
	if (t->len < 2)
		return;
	size_t want = dns_get16(t->buf);
	if (t->len < 2 + want)
		return;
	if (dns_relay_check(t->buf + 2, want, r->id, &r->q)) {
		f->rejected_answers++;
		fail(f, r);
		return;
	}
	report(f, r, true);
	if (act(f, r, dns_fwd_sm_answer(&r->sm, uv_now(f->room->loop), false)))
		finish(f, r, t->buf + 2, want); /* freed only on close */
}

static void tcp_written(uv_write_t *w, int status)
{
	struct tcp_try *t = w->data;
	if (status < 0 && t->r)
		fail(t->tcp.data, t->r);
}

static void tcp_connected(uv_connect_t *c, int status)
{
	struct tcp_try *t = c->data;
	struct req *r = t->r;
	if (!r)
		return;
	struct dns_fwd *f = t->tcp.data;
	if (status < 0) {
		fail(f, r);
		return;
	}
	size_t n = dns_relay_query(t->query + 2, sizeof(t->query) - 2, r->id,
				   &r->q);
	dns_put16(t->query, (uint16_t)n);
	t->write.data = t;
	uv_buf_t b = uv_buf_init((char *)t->query, (unsigned)(n + 2));
	if (n == 0 ||
	    uv_write(&t->write, (uv_stream_t *)&t->tcp, &b, 1, tcp_written) ||
	    uv_read_start((uv_stream_t *)&t->tcp, tcp_alloc, tcp_read))
		fail(f, r);
}

static int send_tcp(struct dns_fwd *f, struct req *r,
		    const struct sockaddr_any *server)
{
	struct tcp_try *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (uv_tcp_init(f->room->loop, &t->tcp)) {
		free(t);
		return -ENOMEM;
	}
	t->tcp.data = f;
	t->r = r;
	t->len = 0;
	t->connect.data = t;
	r->tcp = t;
	/* A fresh id for the retry too. */
	random_bytes(f, &r->id, sizeof(r->id));
	if (uv_tcp_connect(&t->connect, &t->tcp, &server->u.sa,
			   tcp_connected)) {
		drop_try(f, r);
		return -EIO;
	}
	return 0;
}

/* The servers for @r's name into r->servers: the longest matching
 * forward rule, else the upstreams from where the last failure left
 * off; those down are left out, and one due for its probe goes first
 * (the query is the probe). Returns how many; *@configured tells
 * whether any server was configured at all (none: REFUSED; all down:
 * SERVFAIL). */
static unsigned pick(struct dns_fwd *f, struct req *r, bool *configured)
{
	const struct dns_name *name = &r->q.qname;
	uint64_t now = uv_now(f->room->loop);
	size_t best = SIZE_MAX;
	r->probing = false;
	for (size_t i = 0; i < f->n_routes; i++)
		if (dns_name_is_subdomain(name, &f->routes[i].domain) &&
		    (best == SIZE_MAX ||
		     f->routes[i].domain.len > f->routes[best].domain.len))
			best = i;
	*configured = best != SIZE_MAX || f->n_up > 0;
	if (best != SIZE_MAX) {
		unsigned h = (unsigned)(f->n_up + best);
		enum dns_health_use u = dns_health_pick(&f->health[h], &f->hp,
							now);
		if (u == DNS_HEALTH_SKIP)
			return 0;
		r->probing = u == DNS_HEALTH_PROBE;
		r->servers[0] = f->routes[best].to;
		r->health[0] = h;
		return 1;
	}
	size_t up[DNS_FWD_MAX_TRIES];
	unsigned n_up = 0;
	bool probe = false;
	for (size_t i = 0; i < f->n_up && n_up < DNS_FWD_MAX_TRIES; i++) {
		size_t k = (f->next_up + i) % f->n_up;
		enum dns_health_use u = dns_health_peek(&f->health[k], &f->hp,
							now);
		if (u == DNS_HEALTH_PROBE && !probe) {
			dns_health_pick(&f->health[k], &f->hp, now);
			probe = true;
			r->servers[0] = f->up[k];
			r->health[0] = (unsigned)k;
		} else if (u == DNS_HEALTH_USE) {
			up[n_up++] = k;
		}
	}
	unsigned n = probe ? 1 : 0;
	for (unsigned i = 0; i < n_up && n < DNS_FWD_MAX_TRIES; i++) {
		r->servers[n] = f->up[up[i]];
		r->health[n++] = (unsigned)up[i];
	}
	r->probing = probe;
	return n;
}

/* Over a bound: SERVFAIL at once. */
static void refuse_now(struct dns_fwd *f, struct req *r, uint64_t *counter)
{
	(*counter)++;
	f->servfail++;
	answer_error(f, r, DNS_R_SERVFAIL);
	free(r);
}

static void process(struct dns_fwd *f, struct req *r)
{
	static uint8_t hit[DNS_MSG_MAX]; /* loop thread only */
	size_t len;
	uint32_t age;
	if (!r->cache_tried &&
	    cache_copy(f, &r->q, hit, sizeof(hit), &len, &age) == 0) {
		reply_source = "cache";
		answer_from(f, r, hit, len, age);
		reply_source = "forward";
		free(r);
		return;
	}
	r->next = r->prev = r->hnext = NULL;
	r->scheduled = false;
	r->sock = NULL;
	r->tcp = NULL;
	r->cc = NULL;
	r->cur = 0;
	if (f->inflight >= f->max_inflight) {
		refuse_now(f, r, &f->over_limit);
		return;
	}
	struct client_count *cc = client_find(f, &r->client);
	if (cc && cc->n >= f->max_per_client) {
		refuse_now(f, r, &f->over_client_limit);
		return;
	}
	bool configured;
	r->n_servers = pick(f, r, &configured);
	if (r->n_servers == 0) {
		if (!configured) {
			answer_error(f, r, DNS_R_REFUSED);
			free(r);
			return;
		}
		refuse_now(f, r, &f->all_down);
		return;
	}
	if (!cc && !(cc = client_add(f, &r->client))) {
		/* A probe handed out is taken as lost, in time. */
		refuse_now(f, r, &f->over_limit);
		return;
	}
	cc->n++;
	r->cc = cc;
	f->inflight++;
	f->forwarded++;
	uint64_t now = uv_now(f->room->loop);
	r->started_ns = metrics_now_ns();
	act(f, r, dns_fwd_sm_start(&r->sm, r->n_servers, f->timeout_ms, now));
}

static void on_async(uv_async_t *a)
{
	struct dns_fwd *f = a->data;
	pthread_mutex_lock(&f->lock);
	struct req *list = f->inbox;
	f->inbox = f->inbox_tail = NULL;
	f->inbox_n = 0;
	pthread_mutex_unlock(&f->lock);
	while (list) {
		struct req *r = list;
		list = r->next;
		if (f->closing)
			free(r);
		else
			process(f, r);
	}
}

bool dns_fwd_enabled(const struct dns_fwd *f)
{
	return f && atomic_load_explicit(&f->enabled, memory_order_relaxed);
}

/* The one allocation of a forwarded query; only the client's fields are
 * set here, the rest when the loop takes it. */
static struct req *req_new(const struct dns_query *pq, const uint8_t *q,
			   size_t len)
{
	struct req *r = malloc(sizeof(*r) + len);
	if (!r)
		return NULL;
	r->next = NULL;
	r->start = 0;
	r->q = *pq;
	r->len = len;
	memcpy(r->query, q, len);
	return r;
}

int dns_fwd_submit_udp(struct dns_fwd *f, int fd,
		       const struct sockaddr_storage *peer, socklen_t peer_len,
		       const struct msghdr *in, const struct dns_query *pq,
		       const uint8_t *q, size_t len)
{
	struct req *r = req_new(pq, q, len);
	if (!r)
		return -ENOMEM;
	if (dns_qlog_on(&f->room->qlog))
		r->start = dns_qlog_now();
	r->fd = fd;
	r->cb = NULL;
	r->ud = NULL;
	r->cache_tried = true;
	r->ctl_len = in ? dns_udp_reply_ctl(in, r->ctl, sizeof(r->ctl)) : 0;
	memcpy(&r->peer, peer, peer_len);
	r->peer_len = peer_len;
	dns_sockaddr_ip((const struct sockaddr *)peer, &r->client);
	pthread_mutex_lock(&f->lock);
	if (f->inbox_n >= INBOX_MAX) {
		pthread_mutex_unlock(&f->lock);
		free(r);
		return -ENOBUFS;
	}
	if (f->inbox_tail)
		f->inbox_tail->next = r;
	else
		f->inbox = r;
	f->inbox_tail = r;
	f->inbox_n++;
	pthread_mutex_unlock(&f->lock);
	uv_async_send(&f->async);
	return 0;
}

int dns_fwd_submit_tcp(struct dns_fwd *f, const struct sockaddr *peer,
		       const struct dns_query *pq, const uint8_t *q, size_t len,
		       dns_fwd_reply_fn cb, void *ud)
{
	struct req *r = req_new(pq, q, len);
	if (!r)
		return -ENOMEM;
	if (dns_qlog_on(&f->room->qlog))
		r->start = dns_qlog_now();
	r->fd = -1;
	r->cb = cb;
	r->ud = ud;
	r->cache_tried = false;
	r->ctl_len = 0;
	r->peer_len = 0;
	dns_sockaddr_ip(peer, &r->client);
	if (!dns_access_allows(f->access, &r->client)) {
		size_t n = dns_fwd_refuse(f, &r->q, r->query, f->scratch,
					  sizeof(f->scratch));
		reply(f, r, f->scratch, n);
		free(r);
		return 0;
	}
	process(f, r);
	return 0;
}

const struct dns_access *dns_fwd_access(struct dns_fwd *f)
{
	/* rcu_dereference(), as an acquire ThreadSanitizer sees. */
	return f ? __atomic_load_n(&f->access, __ATOMIC_ACQUIRE) : NULL;
}

bool dns_access_allows(const struct dns_access *a, const struct ipaddr *client)
{
	if (!a || client->family == 0)
		return false;
	for (size_t i = 0; i < a->n_allow; i++)
		if (ipprefix_contains(&a->allow[i], client))
			return true;
	return false;
}

void dns_sockaddr_ip(const struct sockaddr *sa, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa && sa->sa_family == AF_INET) {
		out->family = AF_INET;
		out->u.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa && sa->sa_family == AF_INET6) {
		out->family = AF_INET6;
		out->u.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	}
}

size_t dns_fwd_refuse(struct dns_fwd *f, const struct dns_query *q,
		      const uint8_t *query, uint8_t *out, size_t cap)
{
	atomic_fetch_add_explicit(&f->recursion_refused, 1,
				  memory_order_relaxed);
	uint16_t payload = (uint16_t)atomic_load_explicit(
		&f->payload_atomic, memory_order_relaxed);
	return dns_relay_error(out, cap, query, q, DNS_R_REFUSED, payload);
}

int dns_fwd_open(struct dns_room *r, const struct config *cfg,
		 struct dns_fwd **out)
{
	struct dns_fwd *f = calloc(1, sizeof(*f));
	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->room = r;
	f->rnd_pos = sizeof(f->rnd); /* filled at the first use */
	pthread_mutex_init(&f->lock, NULL);
	int rc = uv_async_init(r->loop, &f->async, on_async);
	if (rc) {
		pthread_mutex_destroy(&f->lock);
		free(f);
		return rc;
	}
	f->async.data = f;
	f->open_handles = 1;
	uv_timer_init(r->loop, &f->timer);
	f->timer.data = f;
	f->open_handles++;
	rc = dns_fwd_configure(f, cfg);
	if (rc) {
		dns_fwd_close(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* The async's and the timer's close callbacks: the last frees. */
static void handle_closed(uv_handle_t *h)
{
	struct dns_fwd *f = h->data;
	if (--f->open_handles > 0)
		return;
	on_async(&f->async); /* frees what is still queued */
	pthread_mutex_destroy(&f->lock);
	dns_cache_free(f->cache);
	free(f->access); /* the workers are joined by now */
	free(f->health);
	free(f->routes);
	free(f->up);
	free(f->alias);
	free(f);
}

void dns_fwd_close(struct dns_fwd *f)
{
	if (!f)
		return;
	f->closing = true;
	atomic_store(&f->enabled, false);
	/* In flight: dropped unanswered (the sockets they would answer
	 * through are closing too). */
	while (f->reqs)
		req_end(f, f->reqs);
	dns_fwd_socks_retire(f);
	uv_close((uv_handle_t *)&f->async, handle_closed);
	uv_close((uv_handle_t *)&f->timer, handle_closed);
}
