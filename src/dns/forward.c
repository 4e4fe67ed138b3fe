/* SPDX-License-Identifier: MIT */
/* Forwarding on the loop: cache, per-domain routes, upstream retries, aliases. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/internal.h"
#include "proto/dns/cache.h"
#include "proto/dns/dns.h"
#include "proto/dns/relay.h"

/*
 * Workers hand queries no zone holds to the loop through a locked inbox
 * and a uv_async_t; everything after that (cache, upstream sockets,
 * timers) is the loop's alone, so nothing here needs a lock but the
 * inbox. Each upstream try uses a fresh socket (a random source port)
 * and a random id, and an answer must come from the server asked and
 * repeat the question, or it is ignored (RFC 5452).
 */

#define MAX_TRIES 3
#define MAX_CACHE_TTL 86400u
#define INBOX_MAX 4096 /* queued queries; beyond that new ones are dropped */

struct job {
	struct job *next;
	int fd; /* UDP: the worker's socket to answer through; -1 for TCP */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	/* reply source */
	_Alignas(struct cmsghdr) uint8_t ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	size_t ctl_len;
	dns_fwd_reply_fn cb; /* TCP */
	void *ud;
	bool cache_tried; /* the worker already missed the cache */
	size_t len;
	uint8_t q[];
};

struct route {
	struct dns_name domain;
	struct sockaddr_any to;
};

/* One try's socket: allocated per try, because a libuv handle being
 * closed cannot be initialised again until its close callback. */
struct try_sock {
	union {
		uv_handle_t h;
		uv_udp_t udp;
		uv_tcp_t tcp;
	} u;
	struct req *r;
};

struct req {
	struct req *next, *prev; /* in flight */
	struct dns_fwd *f;
	struct job *job;
	struct dns_query q;
	struct sockaddr_any servers[MAX_TRIES];
	int n_servers;
	int tries;
	uint16_t id;
	struct try_sock *sock; /* the current UDP try, or NULL */
	struct try_sock *tcp;  /* the TCP retry, or NULL */
	uint8_t *tcp_buf; /* the answer being read */
	size_t tcp_len;
	uint8_t tcp_query[2 + DNS_HEADER_LEN + DNS_NAME_MAX + 4 + 11];
	uv_timer_t timer;
	int closing;
	bool done;
	uint64_t started;
};

struct dns_fwd {
	struct dns_room *room;
	uv_async_t async;
	pthread_mutex_t lock;
	struct job *inbox, *inbox_tail;
	size_t inbox_n;
	atomic_bool enabled;
	struct route *routes;
	size_t n_routes;
	struct sockaddr_any *up;
	size_t n_up;
	size_t next_up; /* rotates after a failure */
	struct dns_alias *alias;
	size_t n_alias;
	uint64_t timeout_ms;
	uint16_t payload;
	/* The cache is shared with the UDP workers, which answer hits
	 * themselves: every use holds cache_lock (a lookup and a copy). It
	 * holds answers with aliases already applied, and is emptied when
	 * the settings change. */
	pthread_rwlock_t cache_lock;
	atomic_uint_fast64_t cache_hits, cache_misses;
	struct dns_cache *cache;
	size_t cache_size;
	atomic_uint payload_atomic; /* f->payload for the workers */
	struct req *reqs; /* in flight */
	uint8_t scratch[DNS_MSG_MAX + 64];
	/* counters */
	uint64_t forwarded, timeouts, servfail, dropped, tcp_retries,
		rejected_answers;
	uint64_t latency_ms_sum, latency_n;
	bool closing;
};

static uint16_t random_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)random();
	return id;
}

/* Monotonic seconds, the same clock in the workers and on the loop. */
static uint64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Copies an unexpired cached answer for @q into @buf. 0 or -ENOENT. */
static int cache_copy(struct dns_fwd *f, const struct dns_query *q,
		      uint8_t *buf, size_t cap, size_t *len, uint32_t *age)
{
	const uint8_t *data;
	int rc = -ENOENT;
	pthread_rwlock_rdlock(&f->cache_lock);
	if (f->cache && dns_cache_lookup(f->cache, &q->qname, q->qtype,
					 q->qclass, now_s(), &data, len,
					 age) == 0 &&
	    *len <= cap) {
		memcpy(buf, data, *len);
		rc = 0;
	}
	pthread_rwlock_unlock(&f->cache_lock);
	atomic_fetch_add_explicit(rc ? &f->cache_misses : &f->cache_hits, 1,
				  memory_order_relaxed);
	return rc;
}

size_t dns_fwd_cached(struct dns_fwd *f, const uint8_t *query, size_t qlen,
		      uint8_t *out, size_t cap, size_t limit)
{
	static _Thread_local uint8_t work[DNS_MSG_MAX];
	struct dns_query q;
	size_t len;
	uint32_t age;
	if (dns_query_parse(query, qlen, &q) ||
	    cache_copy(f, &q, work, sizeof(work), &len, &age))
		return 0;
	uint16_t payload = (uint16_t)atomic_load_explicit(
		&f->payload_atomic, memory_order_relaxed);
	size_t udp = DNS_UDP_MIN;
	if (q.has_edns && q.edns_payload > DNS_UDP_MIN)
		udp = q.edns_payload < payload ? q.edns_payload : payload;
	if (udp < limit)
		limit = udp;
	dns_relay_age(work, len, age);
	return dns_relay_to_client(out, cap, limit, work, len, query, &q,
				   payload);
}

static void reply(struct dns_fwd *f, struct job *j, const uint8_t *m, size_t n)
{
	if (n == 0)
		return;
	if (j->cb) {
		j->cb(j->ud, m, n);
		return;
	}
	struct iovec iov = {.iov_base = (void *)m, .iov_len = n};
	struct msghdr mh = {
		.msg_name = &j->peer, .msg_namelen = j->peer_len,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = j->ctl_len ? j->ctl : NULL,
		.msg_controllen = j->ctl_len,
	};
	if (sendmsg(j->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		f->dropped++;
}

static size_t client_limit(struct dns_fwd *f, const struct job *j,
			   const struct dns_query *q)
{
	if (j->cb)
		return DNS_MSG_MAX;
	size_t udp = DNS_UDP_MIN;
	if (q->has_edns && q->edns_payload > DNS_UDP_MIN)
		udp = q->edns_payload < f->payload ? q->edns_payload : f->payload;
	return udp;
}

/* Sends a response (aliases applied, OPT stripped) to the client of
 * @j, aged by @age seconds. @resp is modified. */
static void answer_from(struct dns_fwd *f, struct job *j,
			const struct dns_query *q, uint8_t *resp, size_t len,
			uint32_t age)
{
	dns_relay_age(resp, len, age);
	size_t n = dns_relay_to_client(f->scratch, sizeof(f->scratch),
				       client_limit(f, j, q), resp, len, j->q,
				       q, f->payload);
	reply(f, j, f->scratch, n);
}

static void answer_error(struct dns_fwd *f, struct job *j,
			 const struct dns_query *q, uint8_t rcode)
{
	size_t n = dns_relay_error(f->scratch, sizeof(f->scratch), j->q, q,
				   rcode, f->payload);
	reply(f, j, f->scratch, n);
}

/* A req is freed once its timer and every try's socket are closed. */
static void req_release(struct req *r)
{
	if (--r->closing > 0)
		return;
	free(r->tcp_buf);
	free(r->job);
	free(r);
}

static void req_freed(uv_handle_t *h)
{
	req_release(h->data);
}

static void sock_freed(uv_handle_t *h)
{
	struct try_sock *t = (struct try_sock *)h;
	struct req *r = t->r;
	free(t);
	req_release(r);
}

/* Closes @*t (if open); the req stays alive until its close callback. */
static void sock_close(struct req *r, struct try_sock **t)
{
	if (!*t)
		return;
	r->closing++;
	uv_close(&(*t)->u.h, sock_freed);
	*t = NULL;
}

static struct try_sock *sock_new(struct req *r)
{
	struct try_sock *t = calloc(1, sizeof(*t));
	if (t) {
		t->r = r;
		t->u.h.data = r;
	}
	return t;
}

static void req_end(struct req *r)
{
	if (r->done)
		return;
	r->done = true;
	if (r->prev)
		r->prev->next = r->next;
	else
		r->f->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	/* The timer's close releases the reference the req held on
	 * itself while in flight. */
	uv_close((uv_handle_t *)&r->timer, req_freed);
	sock_close(r, &r->sock);
	sock_close(r, &r->tcp);
}

static void finish(struct req *r, uint8_t *resp, size_t len)
{
	struct dns_fwd *f = r->f;
	bool opt_inside;
	len = dns_relay_strip_opt(resp, len, &opt_inside);
	if (opt_inside) {
		f->servfail++;
		answer_error(f, r->job, &r->q, DNS_R_SERVFAIL);
		req_end(r);
		return;
	}
	uint64_t ms = uv_now(f->room->loop) - r->started;
	f->latency_ms_sum += ms;
	f->latency_n++;
	uint32_t ttl = dns_relay_ttl(resp, len);
	if (ttl > MAX_CACHE_TTL)
		ttl = MAX_CACHE_TTL;
	dns_relay_alias(resp, len, f->alias, f->n_alias);
	if (ttl) {
		pthread_rwlock_wrlock(&f->cache_lock);
		if (f->cache)
			dns_cache_put(f->cache, &r->q.qname, r->q.qtype,
				      r->q.qclass, now_s(), ttl, resp, len);
		pthread_rwlock_unlock(&f->cache_lock);
	}
	answer_from(f, r->job, &r->q, resp, len, 0);
	req_end(r);
}

static void try_next(struct req *r);

/* ---- TCP retry after a truncated UDP answer ---- */

static void tcp_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	struct req *r = h->data;
	(void)size;
	if (!r->tcp_buf)
		r->tcp_buf = malloc(2 + DNS_MSG_MAX);
	*b = uv_buf_init(r->tcp_buf ? (char *)r->tcp_buf + r->tcp_len : NULL,
			 r->tcp_buf ? (unsigned)(2 + DNS_MSG_MAX - r->tcp_len)
				    : 0);
}

static void tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct req *r = s->data;
	(void)b;
	if (r->done)
		return;
	if (n < 0) {
		try_next(r);
		return;
	}
	r->tcp_len += (size_t)n;
	if (r->tcp_len < 2)
		return;
	size_t want = dns_get16(r->tcp_buf);
	if (r->tcp_len < 2 + want)
		return;
	if (dns_relay_check(r->tcp_buf + 2, want, r->id, &r->q)) {
		r->f->rejected_answers++;
		try_next(r);
		return;
	}
	finish(r, r->tcp_buf + 2, want);
}

static void tcp_written(uv_write_t *w, int status)
{
	struct req *r = w->data;
	free(w);
	if (status < 0 && !r->done)
		try_next(r);
}

static void tcp_connected(uv_connect_t *c, int status)
{
	struct req *r = c->data;
	free(c);
	if (r->done)
		return;
	if (status < 0) {
		try_next(r);
		return;
	}
	uv_write_t *w = malloc(sizeof(*w));
	size_t n = dns_relay_query(r->tcp_query + 2, sizeof(r->tcp_query) - 2,
				   r->id, &r->q);
	if (!w || n == 0) {
		free(w);
		try_next(r);
		return;
	}
	dns_put16(r->tcp_query, (uint16_t)n);
	w->data = r;
	uv_buf_t b = uv_buf_init((char *)r->tcp_query, (unsigned)(n + 2));
	if (uv_write(w, (uv_stream_t *)&r->tcp->u.tcp, &b, 1, tcp_written)) {
		free(w);
		try_next(r);
		return;
	}
	uv_read_start((uv_stream_t *)&r->tcp->u.tcp, tcp_alloc, tcp_read);
}

static void retry_tcp(struct req *r, const struct sockaddr_any *server)
{
	struct dns_fwd *f = r->f;
	f->tcp_retries++;
	sock_close(r, &r->sock);
	sock_close(r, &r->tcp);
	uv_connect_t *c = malloc(sizeof(*c));
	struct try_sock *t = sock_new(r);
	if (!c || !t || uv_tcp_init(f->room->loop, &t->u.tcp)) {
		free(c);
		free(t);
		try_next(r);
		return;
	}
	t->u.h.data = r;
	r->tcp = t;
	c->data = r;
	if (uv_tcp_connect(c, &t->u.tcp, &server->u.sa, tcp_connected)) {
		free(c);
		try_next(r);
	}
}

/* ---- UDP tries ---- */

static void udp_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	struct req *r = h->data;
	(void)size;
	*b = uv_buf_init((char *)r->f->scratch, sizeof(r->f->scratch));
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
		     const struct sockaddr *from, unsigned flags)
{
	struct req *r = h->data;
	struct dns_fwd *f = r->f;
	(void)flags;
	if (r->done || n <= 0 || !from)
		return;
	const struct sockaddr_any *server =
		&r->servers[(r->tries - 1) % r->n_servers];
	uint8_t *m = (uint8_t *)b->base;
	if (!same_addr(from, server) ||
	    dns_relay_check(m, (size_t)n, r->id, &r->q)) {
		f->rejected_answers++; /* spoofed or stray: keep waiting */
		return;
	}
	if (dns_get16(m + 2) & DNS_F_TC) {
		uv_timer_again(&r->timer);
		retry_tcp(r, server);
		return;
	}
	/* finish() answers through scratch: move the answer out first. */
	static uint8_t resp[DNS_MSG_MAX];
	memcpy(resp, m, (size_t)n);
	finish(r, resp, (size_t)n);
}

static void on_timeout(uv_timer_t *t)
{
	struct req *r = t->data;
	r->f->timeouts++;
	try_next(r);
}

static void udp_sent(uv_udp_send_t *s, int status)
{
	(void)status;
	free(s);
}

static void try_next(struct req *r)
{
	struct dns_fwd *f = r->f;
	if (r->done)
		return;
	sock_close(r, &r->sock);
	if (r->tcp) {
		sock_close(r, &r->tcp);
		free(r->tcp_buf);
		r->tcp_buf = NULL;
		r->tcp_len = 0;
	}
	if (r->tries >= MAX_TRIES || f->closing) {
		f->servfail++;
		if (r->n_servers > 1)
			f->next_up = (f->next_up + 1) % (f->n_up ? f->n_up : 1);
		answer_error(f, r->job, &r->q, DNS_R_SERVFAIL);
		req_end(r);
		return;
	}
	const struct sockaddr_any *server =
		&r->servers[r->tries % r->n_servers];
	r->tries++;
	r->id = random_id();
	size_t n = dns_relay_query(f->scratch, sizeof(f->scratch), r->id, &r->q);
	struct sockaddr_any any = {0};
	any.u.sa.sa_family = server->u.sa.sa_family;
	any.len = server->len;
	uv_udp_send_t *send = malloc(sizeof(*send) + n);
	struct try_sock *t = sock_new(r);
	if (!send || !t || uv_udp_init(f->room->loop, &t->u.udp)) {
		free(send);
		free(t);
		uv_timer_start(&r->timer, on_timeout, 1, 0);
		return;
	}
	t->u.h.data = r;
	r->sock = t;
	uint8_t *copy = (uint8_t *)(send + 1);
	memcpy(copy, f->scratch, n);
	send->data = NULL;
	uv_buf_t b = uv_buf_init((char *)copy, (unsigned)n);
	/* Port 0: the kernel picks a random source port for every try. */
	if (uv_udp_bind(&t->u.udp, &any.u.sa, 0) ||
	    uv_udp_recv_start(&t->u.udp, udp_alloc, udp_recv) ||
	    uv_udp_send(send, &t->u.udp, &b, 1, &server->u.sa,
			udp_sent)) {
		free(send);
	}
	uv_timer_start(&r->timer, on_timeout, f->timeout_ms, 0);
}

/* The servers for @name: the longest matching forward rule, else the
 * upstreams from where the last failure left off. */
static int pick(struct dns_fwd *f, const struct dns_name *name,
		struct sockaddr_any out[MAX_TRIES])
{
	const struct route *best = NULL;
	for (size_t i = 0; i < f->n_routes; i++)
		if (dns_name_is_subdomain(name, &f->routes[i].domain) &&
		    (!best || f->routes[i].domain.len > best->domain.len))
			best = &f->routes[i];
	if (best) {
		out[0] = best->to;
		return 1;
	}
	int n = 0;
	for (size_t i = 0; i < f->n_up && n < MAX_TRIES; i++)
		out[n++] = f->up[(f->next_up + i) % f->n_up];
	return n;
}

static void process(struct dns_fwd *f, struct job *j)
{
	struct dns_query q;
	if (dns_query_parse(j->q, j->len, &q)) {
		f->dropped++;
		free(j);
		return;
	}
	static uint8_t hit[DNS_MSG_MAX]; /* loop thread only */
	size_t len;
	uint32_t age;
	if (!j->cache_tried &&
	    cache_copy(f, &q, hit, sizeof(hit), &len, &age) == 0) {
		answer_from(f, j, &q, hit, len, age);
		free(j);
		return;
	}
	struct req *r = calloc(1, sizeof(*r));
	if (!r) {
		free(j);
		return;
	}
	r->f = f;
	r->job = j;
	r->q = q;
	r->n_servers = pick(f, &q.qname, r->servers);
	if (r->n_servers == 0) {
		answer_error(f, j, &q, DNS_R_REFUSED);
		free(j);
		free(r);
		return;
	}
	f->forwarded++;
	r->next = f->reqs;
	if (f->reqs)
		f->reqs->prev = r;
	f->reqs = r;
	r->started = uv_now(f->room->loop);
	r->closing = 1; /* its own, until req_end */
	uv_timer_init(f->room->loop, &r->timer);
	r->timer.data = r;
	try_next(r);
}

static void on_async(uv_async_t *a)
{
	struct dns_fwd *f = a->data;
	pthread_mutex_lock(&f->lock);
	struct job *list = f->inbox;
	f->inbox = f->inbox_tail = NULL;
	f->inbox_n = 0;
	pthread_mutex_unlock(&f->lock);
	while (list) {
		struct job *j = list;
		list = j->next;
		if (f->closing)
			free(j);
		else
			process(f, j);
	}
}

bool dns_fwd_enabled(const struct dns_fwd *f)
{
	return f && atomic_load_explicit(&f->enabled, memory_order_relaxed);
}

int dns_fwd_submit_udp(struct dns_fwd *f, int fd,
		       const struct sockaddr_storage *peer, socklen_t peer_len,
		       const struct msghdr *in, const uint8_t *q, size_t len)
{
	struct job *j = malloc(sizeof(*j) + len);
	if (!j)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	j->fd = fd;
	j->cache_tried = true;
	j->ctl_len = in ? dns_udp_reply_ctl(in, j->ctl, sizeof(j->ctl)) : 0;
	j->peer = *peer;
	j->peer_len = peer_len;
	j->len = len;
	memcpy(j->q, q, len);
	pthread_mutex_lock(&f->lock);
	if (f->inbox_n >= INBOX_MAX) {
		pthread_mutex_unlock(&f->lock);
		free(j);
		return -ENOBUFS;
	}
	if (f->inbox_tail)
		f->inbox_tail->next = j;
	else
		f->inbox = j;
	f->inbox_tail = j;
	f->inbox_n++;
	pthread_mutex_unlock(&f->lock);
	uv_async_send(&f->async);
	return 0;
}

int dns_fwd_submit_tcp(struct dns_fwd *f, const uint8_t *q, size_t len,
		       dns_fwd_reply_fn cb, void *ud)
{
	struct job *j = malloc(sizeof(*j) + len);
	if (!j)
		return -ENOMEM;
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->cb = cb;
	j->ud = ud;
	j->len = len;
	memcpy(j->q, q, len);
	process(f, j);
	return 0;
}

/* Servers named in /etc/resolv.conf, port 53. */
static size_t system_resolvers(struct sockaddr_any *out, size_t max)
{
	FILE *fp = fopen("/etc/resolv.conf", "re");
	size_t n = 0;
	char line[512];
	if (!fp)
		return 0;
	while (n < max && fgets(line, sizeof(line), fp)) {
		char addr[256];
		if (sscanf(line, " nameserver %255s", addr) == 1 &&
		    sockaddr_parse(addr, 53, &out[n]) == 0)
			n++;
	}
	fclose(fp);
	return n;
}

static int parse_side(const char *text, struct ipprefix *p)
{
	if (strchr(text, '/'))
		return ipprefix_parse(text, p);
	memset(p, 0, sizeof(*p));
	p->len = 32;
	return ipaddr_parse(text, &p->addr);
}

int dns_fwd_configure(struct dns_fwd *f, const struct config *cfg)
{
	const struct cfg_dns *d = dns_config(cfg);
	struct route *routes = calloc(d->n_forward + 1, sizeof(*routes));
	struct sockaddr_any *up = calloc(d->n_upstream + 8, sizeof(*up));
	struct dns_alias *alias =
		calloc(d->n_alias + cfg->lab.n_hosts + 1, sizeof(*alias));
	if (!routes || !up || !alias) {
		free(routes);
		free(up);
		free(alias);
		return -ENOMEM;
	}
	struct dns_name root;
	dns_name_root(&root);
	size_t nr = 0, nu = 0, na = 0;
	for (size_t i = 0; i < d->n_forward; i++) {
		const char *dom = d->forward[i].domain;
		if (dns_name_from_text(dom, strlen(dom), &root,
				       &routes[nr].domain))
			continue;
		routes[nr++].to = d->forward[i].to;
	}
	if (d->has_upstream) {
		if (d->n_upstream)
			memcpy(up, d->upstream, d->n_upstream * sizeof(*up));
		nu = d->n_upstream;
	} else {
		nu = system_resolvers(up, 8);
	}
	for (size_t i = 0; i < d->n_alias; i++) {
		if (parse_side(d->alias[i].from, &alias[na].from) ||
		    parse_side(d->alias[i].to, &alias[na].to))
			continue;
		na++;
	}
	/* The NAT problem solved once: a lab host's public address reads as
	 * its private one inside the lab. */
	for (size_t i = 0; cfg->lab.enabled && i < cfg->lab.n_hosts; i++) {
		const struct cfg_host *h = &cfg->lab.hosts[i];
		if (!h->has_public || !h->has_ip || h->ip.family != AF_INET)
			continue;
		alias[na].from.addr = h->public_ip;
		alias[na].from.len = 32;
		alias[na].to.addr = h->ip;
		alias[na].to.len = 32;
		na++;
	}
	free(f->routes);
	free(f->up);
	free(f->alias);
	f->routes = routes;
	f->n_routes = nr;
	f->up = up;
	f->n_up = nu;
	f->next_up = 0;
	f->alias = alias;
	f->n_alias = na;
	f->timeout_ms = (uint64_t)d->upstream_timeout;
	f->payload = (uint16_t)d->udp_payload;
	atomic_store(&f->payload_atomic, f->payload);
	/* Cached answers carry the old aliases and routes: start afresh. */
	pthread_rwlock_wrlock(&f->cache_lock);
	if ((size_t)d->cache_size != f->cache_size) {
		dns_cache_free(f->cache);
		f->cache = d->cache_size ? dns_cache_new((size_t)d->cache_size)
					 : NULL;
		f->cache_size = f->cache ? (size_t)d->cache_size : 0;
	} else if (f->cache) {
		dns_cache_flush(f->cache);
	}
	pthread_rwlock_unlock(&f->cache_lock);
	atomic_store(&f->enabled, nr + nu > 0);
	return 0;
}

int dns_fwd_open(struct dns_room *r, const struct config *cfg,
		 struct dns_fwd **out)
{
	struct dns_fwd *f = calloc(1, sizeof(*f));
	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->room = r;
	pthread_mutex_init(&f->lock, NULL);
	pthread_rwlock_init(&f->cache_lock, NULL);
	int rc = uv_async_init(r->loop, &f->async, on_async);
	if (rc) {
		free(f);
		return rc;
	}
	f->async.data = f;
	rc = dns_fwd_configure(f, cfg);
	if (rc) {
		dns_fwd_close(f);
		return rc;
	}
	*out = f;
	return 0;
}

static void async_closed(uv_handle_t *h)
{
	struct dns_fwd *f = h->data;
	on_async(&f->async); /* frees what is still queued */
	pthread_mutex_destroy(&f->lock);
	pthread_rwlock_destroy(&f->cache_lock);
	dns_cache_free(f->cache);
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
		req_end(f->reqs);
	uv_close((uv_handle_t *)&f->async, async_closed);
}

void dns_fwd_collect(struct dns_fwd *f, struct buf *out)
{
	struct dns_cache_stats cs = {0};
	pthread_rwlock_rdlock(&f->cache_lock);
	if (f->cache)
		dns_cache_stats(f->cache, &cs);
	pthread_rwlock_unlock(&f->cache_lock);
	cs.hits = atomic_load(&f->cache_hits);
	cs.misses = atomic_load(&f->cache_misses);
	metrics_family(out, "hearth_dns_cache_total", "counter",
		       "forwarding cache lookups and changes, by event");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.hits, 1,
		       "event", "hit");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.misses, 1,
		       "event", "miss");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.inserts, 1,
		       "event", "insert");
	metrics_sample(out, "hearth_dns_cache_total", (double)cs.evictions, 1,
		       "event", "eviction");
	metrics_family(out, "hearth_dns_cache_entries", "gauge",
		       "answers held in the forwarding cache");
	metrics_sample(out, "hearth_dns_cache_entries", (double)cs.entries, 0);
	metrics_family(out, "hearth_dns_forward_total", "counter",
		       "queries sent upstream, and how they ended");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->forwarded,
		       1, "event", "forwarded");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->timeouts, 1,
		       "event", "timeout");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->servfail, 1,
		       "event", "servfail");
	metrics_sample(out, "hearth_dns_forward_total", (double)f->tcp_retries,
		       1, "event", "tcp_retry");
	metrics_sample(out, "hearth_dns_forward_total",
		       (double)f->rejected_answers, 1, "event",
		       "rejected_answer");
	metrics_family(out, "hearth_dns_upstream_latency_seconds", "summary",
		       "time from the first try to the upstream's answer");
	metrics_sample(out, "hearth_dns_upstream_latency_seconds_sum",
		       (double)f->latency_ms_sum / 1000.0, 0);
	metrics_sample(out, "hearth_dns_upstream_latency_seconds_count",
		       (double)f->latency_n, 0);
}
