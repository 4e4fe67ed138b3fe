/* SPDX-License-Identifier: MIT */
/* UDP: worker threads with SO_REUSEPORT sockets, recvmmsg/sendmmsg batches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/internal.h"

#define BATCH 32
#define IN_MAX 4096	/* bigger queries are not answered over UDP */
#define OUT_MAX 4096	/* udp_payload is at most 4096 */
#define RRL_ACCOUNTS 4096 /* client prefixes each worker keeps track of */

/*
 * Each worker owns a socket of its own bound to the same address with
 * SO_REUSEPORT, so the kernel spreads queries across workers and no two
 * threads share a socket. A worker reads the zone snapshot under
 * liburcu-qsbr and announces a quiescent state after each batch; while it
 * sleeps in recvmmsg it is "offline", so a reload never waits for it.
 *
 * Clients outside dns.allow_recursion get REFUSED for what no zone
 * holds, and their answers pass the response-rate limit (dns.rrl). Each
 * worker keeps its own RRL table, unlocked: the kernel spreads queries
 * over the workers by source address and port, so a client sending from
 * many ports can get up to the rate times the number of workers.
 */
/* Room for one IP_PKTINFO or IPV6_PKTINFO control message. */
#define CTL_MAX CMSG_SPACE(sizeof(struct in6_pktinfo))

struct worker {
	struct dns_udp *u;
	int fd;
	bool wildcard; /* bound to 0.0.0.0 / :: : replies need a source */
	pthread_t thread;
	bool started;
	struct dns_stats stats;
	struct dns_rrl *rrl;
	atomic_uint_fast64_t rrl_dropped, rrl_slipped;
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec in_iov[BATCH], out_iov[BATCH];
	struct sockaddr_storage peer[BATCH];
	_Alignas(struct cmsghdr) uint8_t in_ctl[BATCH][CTL_MAX];
	_Alignas(struct cmsghdr) uint8_t out_ctl[BATCH][CTL_MAX];
	uint8_t in_buf[BATCH][IN_MAX];
	uint8_t out_buf[BATCH][OUT_MAX];
};

struct dns_udp {
	struct dns_room *room;
	struct worker **w;
	size_t n;
	atomic_bool stop;
};

static bool is_wildcard(const struct sockaddr_any *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->u.in6.sin6_addr);
}

size_t dns_udp_reply_ctl(const struct msghdr *in, uint8_t *out, size_t cap)
{
	/* A query to a wildcard socket is answered from the address it was
	 * sent to (resolvers drop answers from elsewhere). */
	for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)in); c;
	     c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    cap >= CMSG_SPACE(sizeof(struct in_pktinfo))) {
			struct in_pktinfo got, pi = {0};
			memcpy(&got, CMSG_DATA(c), sizeof(got));
			pi.ipi_spec_dst = got.ipi_addr;
			struct cmsghdr *o = (struct cmsghdr *)out;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    cap >= CMSG_SPACE(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct cmsghdr *o = (struct cmsghdr *)out;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

static int bind_udp(const struct sockaddr_any *a)
{
	int fd = socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	if (is_wildcard(a) &&
	    (a->u.sa.sa_family == AF_INET
		     ? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))
		     : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
				  sizeof(one)))) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	struct timeval tv = {.tv_sec = 0, .tv_usec = 250000};
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    (a->u.sa.sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, &a->u.sa, a->len)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* The response-rate limit on the answer @msg (@len bytes) to @client:
 * its length to send, truncated when it slips, or 0 to drop it. */
static size_t rate_limit(struct worker *w, const struct dns_rrl_params *p,
			 const struct ipaddr *client, uint64_t now,
			 uint8_t *msg, size_t len)
{
	switch (dns_rrl_account(w->rrl, p, client, now)) {
	case DNS_RRL_SEND:
		return len;
	case DNS_RRL_SLIP:
		atomic_fetch_add_explicit(&w->rrl_slipped, 1,
					  memory_order_relaxed);
		return dns_rrl_truncate(msg, len);
	case DNS_RRL_DROP:
		break;
	}
	atomic_fetch_add_explicit(&w->rrl_dropped, 1, memory_order_relaxed);
	return 0;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct dns_udp *u = w->u;
	rcu_register_thread();
	for (int i = 0; i < BATCH; i++) {
		w->in_iov[i] = (struct iovec){w->in_buf[i], IN_MAX};
		w->out_iov[i].iov_base = w->out_buf[i];
	}
	while (!atomic_load_explicit(&u->stop, memory_order_relaxed)) {
		for (int i = 0; i < BATCH; i++) {
			w->in[i].msg_hdr = (struct msghdr){
				.msg_name = &w->peer[i],
				.msg_namelen = sizeof(w->peer[i]),
				.msg_iov = &w->in_iov[i],
				.msg_iovlen = 1,
				.msg_control = w->wildcard ? w->in_ctl[i] : NULL,
				.msg_controllen = w->wildcard ? CTL_MAX : 0,
			};
		}
		rcu_thread_offline();
		int n = recvmmsg(w->fd, w->in, BATCH, MSG_WAITFORONE, NULL);
		rcu_thread_online();
		if (n <= 0)
			continue; /* timeout (to notice stop) or EINTR */
		int k = 0;
		/* rcu_dereference(), as an acquire ThreadSanitizer sees (see
		 * publish() in room.c). */
		const struct dns_snapshot *snap =
			__atomic_load_n(&u->room->snap, __ATOMIC_ACQUIRE);
		bool fwd_on = dns_fwd_enabled(u->room->fwd);
		const struct dns_access *acc = dns_fwd_access(u->room->fwd);
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t now_ms = (uint64_t)ts.tv_sec * 1000 +
				  (uint64_t)ts.tv_nsec / 1000000;
		/* An answer's time counts from the batch's read: the queries
		 * before it in the batch are part of its wait. */
		uint64_t t0 = (uint64_t)ts.tv_sec * 1000000000u +
			      (uint64_t)ts.tv_nsec;
		struct dns_qlog *qlog = &u->room->qlog;
		bool logging = dns_qlog_on(qlog);
		for (int i = 0; i < n; i++) {
			bool fwd = false;
			struct dns_query q;
			struct ipaddr client;
			const char *source = "auth";
			uint64_t start = logging ? dns_qlog_now() : 0;
			dns_sockaddr_ip((struct sockaddr *)&w->peer[i], &client);
			bool trusted = dns_access_allows(acc, &client);
			size_t len = dns_serve(snap, &w->stats, w->in_buf[i],
					       w->in[i].msg_len, w->out_buf[i],
					       OUT_MAX, false,
					       fwd_on ? &fwd : NULL, &q);
			if (!len && !fwd)
				dns_rings_corrupt(u->room->rings, &client);
			if (fwd && !trusted) {
				len = dns_fwd_refuse(u->room->fwd, &q,
						     w->in_buf[i],
						     w->out_buf[i], OUT_MAX);
				if (len)
					atomic_fetch_add_explicit(
						&w->stats.rcode[DNS_R_REFUSED],
						1, memory_order_relaxed);
			} else if (fwd) {
				/* Cache hits are answered here, in the
				 * batch; misses go to the loop. */
				len = dns_fwd_cached(u->room->fwd, &q,
						     w->in_buf[i],
						     w->out_buf[i], OUT_MAX,
						     OUT_MAX);
				source = "cache";
				if (len == 0)
					dns_fwd_submit_udp(
						u->room->fwd, w->fd,
						&w->peer[i],
						w->in[i].msg_hdr.msg_namelen,
						w->wildcard ? &w->in[i].msg_hdr
							    : NULL,
						&q, w->in_buf[i],
						w->in[i].msg_len);
			}
			if (len && (!fwd || trusted))
				metrics_hist_observe(
					&w->stats.answer[fwd ? DNS_SRC_CACHE
							     : DNS_SRC_AUTH],
					metrics_now_ns() - t0);
			if (len && !trusted && acc)
				len = rate_limit(w, &acc->rrl, &client, now_ms,
						 w->out_buf[i], len);
			/* Misses are counted and logged when the forwarder
			 * answers. */
			if (len)
				dns_rings_answer(u->room->rings, &client, false,
						 &q, w->out_buf[i], len);
			if (logging && len)
				dns_qlog_write(qlog, &client, false, &q,
					       w->out_buf[i], len, source, start);
			if (len == 0)
				continue;
			w->out_iov[k].iov_base = w->out_buf[i];
			w->out_iov[k].iov_len = len;
			size_t ctl = w->wildcard
					     ? dns_udp_reply_ctl(&w->in[i].msg_hdr,
								 w->out_ctl[k],
								 CTL_MAX)
					     : 0;
			w->out[k].msg_hdr = (struct msghdr){
				.msg_name = &w->peer[i],
				.msg_namelen = w->in[i].msg_hdr.msg_namelen,
				.msg_iov = &w->out_iov[k],
				.msg_iovlen = 1,
				.msg_control = ctl ? w->out_ctl[k] : NULL,
				.msg_controllen = ctl,
			};
			k++;
		}
		rcu_quiescent_state();
		for (int sent = 0; sent < k;) {
			int r = sendmmsg(w->fd, w->out + sent,
					 (unsigned)(k - sent), 0);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				break; /* drop the rest, as UDP may */
			}
			sent += r;
		}
	}
	rcu_unregister_thread();
	return NULL;
}

int dns_udp_open(struct dns_room *r, const struct cfg_dns *cfg,
		 struct dns_udp **out)
{
	struct dns_udp *u = calloc(1, sizeof(*u));
	int rc = 0;
	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->room = r;
	int64_t per = cfg->udp_workers;
	if (per == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		per = cpus > 1 ? cpus / 2 : 1;
	}
	size_t total = cfg->n_listen * (size_t)per;
	u->w = calloc(total, sizeof(*u->w));
	if (!u->w) {
		free(u);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_listen; i++) {
		for (int64_t k = 0; k < per; k++) {
			struct worker *w = calloc(1, sizeof(*w));
			if (!w) {
				rc = -ENOMEM;
				goto fail;
			}
			w->u = u;
			uint64_t seed = 0;
			if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
				seed = (uint64_t)random();
			w->rrl = dns_rrl_new(RRL_ACCOUNTS, seed);
			w->wildcard = is_wildcard(&cfg->listen[i]);
			w->fd = bind_udp(&cfg->listen[i]);
			u->w[u->n++] = w;
			if (w->fd < 0) {
				char text[ADDR_TEXT_MAX];
				rc = w->fd;
				sockaddr_format(&cfg->listen[i], text);
				log_error("dns", "cannot listen on udp %s: %s",
					  text, hearth_strerror(rc));
				goto fail;
			}
		}
	}
	*out = u;
	return 0;
fail:
	dns_udp_close(u);
	return rc;
}

int dns_udp_start(struct dns_udp *u)
{
	for (size_t i = 0; i < u->n; i++) {
		int rc = pthread_create(&u->w[i]->thread, NULL, run, u->w[i]);
		if (rc)
			return -rc;
		u->w[i]->started = true;
	}
	return 0;
}

void dns_udp_close(struct dns_udp *u)
{
	if (!u)
		return;
	atomic_store(&u->stop, true);
	for (size_t i = 0; i < u->n; i++) {
		struct worker *w = u->w[i];
		if (w->fd >= 0)
			shutdown(w->fd, SHUT_RDWR); /* wakes recvmmsg */
	}
	for (size_t i = 0; i < u->n; i++) {
		struct worker *w = u->w[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->fd >= 0)
			close(w->fd);
		dns_rrl_free(w->rrl);
		free(w);
	}
	free(u->w);
	free(u);
}

void dns_udp_stats(struct dns_udp *u, void (*fn)(struct dns_stats *, void *),
		   void *ud)
{
	for (size_t i = 0; u && i < u->n; i++)
		fn(&u->w[i]->stats, ud);
}

void dns_udp_access_counts(struct dns_udp *u, uint64_t *rrl_dropped,
			   uint64_t *rrl_slipped)
{
	*rrl_dropped = *rrl_slipped = 0;
	for (size_t i = 0; u && i < u->n; i++) {
		*rrl_dropped += atomic_load_explicit(&u->w[i]->rrl_dropped,
						     memory_order_relaxed);
		*rrl_slipped += atomic_load_explicit(&u->w[i]->rrl_slipped,
						     memory_order_relaxed);
	}
}
