/* SPDX-License-Identifier: MIT */
/* UDP: worker threads with SO_REUSEPORT sockets, recvmmsg/sendmmsg batches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "base/err.h"
#include "base/log.h"
#include "dns/internal.h"

#define BATCH 32
#define IN_MAX 4096	/* bigger queries are not answered over UDP */
#define OUT_MAX 4096	/* udp_payload is at most 4096 */

/*
 * Each worker owns a socket of its own bound to the same address with
 * SO_REUSEPORT, so the kernel spreads queries across workers and no two
 * threads share a socket. A worker reads the zone snapshot under
 * liburcu-qsbr and announces a quiescent state after each batch; while it
 * sleeps in recvmmsg it is "offline", so a reload never waits for it.
 */
struct worker {
	struct dns_udp *u;
	int fd;
	pthread_t thread;
	bool started;
	struct dns_stats stats;
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec in_iov[BATCH], out_iov[BATCH];
	struct sockaddr_storage peer[BATCH];
	uint8_t in_buf[BATCH][IN_MAX];
	uint8_t out_buf[BATCH][OUT_MAX];
};

struct dns_udp {
	struct dns_room *room;
	struct worker **w;
	size_t n;
	atomic_bool stop;
};

static int bind_udp(const struct sockaddr_any *a)
{
	int fd = socket(a->u.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
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
			};
		}
		rcu_thread_offline();
		int n = recvmmsg(w->fd, w->in, BATCH, MSG_WAITFORONE, NULL);
		rcu_thread_online();
		if (n <= 0)
			continue; /* timeout (to notice stop) or EINTR */
		int k = 0;
		const struct dns_snapshot *snap = rcu_dereference(u->room->snap);
		bool fwd_on = dns_fwd_enabled(u->room->fwd);
		for (int i = 0; i < n; i++) {
			bool fwd = false;
			size_t len = dns_serve(snap, &w->stats, w->in_buf[i],
					       w->in[i].msg_len, w->out_buf[i],
					       OUT_MAX, false,
					       fwd_on ? &fwd : NULL);
			if (fwd) {
				/* Cache hits are answered here, in the
				 * batch; misses go to the loop. */
				len = dns_fwd_cached(u->room->fwd,
						     w->in_buf[i],
						     w->in[i].msg_len,
						     w->out_buf[i], OUT_MAX,
						     OUT_MAX);
				if (len == 0)
					dns_fwd_submit_udp(
						u->room->fwd, w->fd,
						&w->peer[i],
						w->in[i].msg_hdr.msg_namelen,
						w->in_buf[i],
						w->in[i].msg_len);
			}
			if (len == 0)
				continue;
			w->out_iov[k].iov_base = w->out_buf[i];
			w->out_iov[k].iov_len = len;
			w->out[k].msg_hdr = (struct msghdr){
				.msg_name = &w->peer[i],
				.msg_namelen = w->in[i].msg_hdr.msg_namelen,
				.msg_iov = &w->out_iov[k],
				.msg_iovlen = 1,
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
