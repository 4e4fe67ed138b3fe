/* SPDX-License-Identifier: MIT */
/* notify benchmark's subscriber side: N json/sse/ws streams over epoll threads, each message's arrival time per subscriber. */
/*
 * Usage: notify-subs PORT TOPIC N KINDS THREADS MAXMSG
 * (KINDS: a comma list of json, sse, ws, taken in turn). Opens N
 * subscriptions to 127.0.0.1:PORT/TOPIC, prints "ready N" once every one
 * has seen its "open" event, then answers commands on stdin, one a line:
 *   wait K MS      -> "seen K C" once all N saw message "m<K>" (or MS passed)
 *   stats A B      -> "stats C FIRST LAST": deliveries of messages A..B-1,
 *                     the first and last arrival (CLOCK_MONOTONIC ns)
 *   dump A B PATH  -> writes N*(B-A) int64 arrival times (0: not seen),
 *                     subscriber-major, then "dumped"
 *   now            -> "now NS" (this clock)
 *   quit
 * A message is found by its body "m<K>" (`"message":"m<K>"` in the JSON
 * each transport carries); only enough of each stream is parsed for that:
 * the bytes are scanned, not framed. Arrival = CLOCK_MONOTONIC right after
 * the recv that completed the token. WebSocket pings are not answered
 * (the bench sets a keepalive longer than a run).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CARRY 32
#define INFLIGHT 128 /* connects waiting for their "open", per thread */

static const char PAT[] = "\"message\":\"m";
#define PATLEN (sizeof(PAT) - 1)

struct conn {
	int fd;
	int kind; /* 0 json, 1 sse, 2 ws */
	int idx;
	int opened;
	unsigned char ncarry;
	char carry[CARRY];
};

static int port, nsubs, maxmsg, nthreads;
static const char *topic;
static int kinds[3], nkinds;
static _Atomic int64_t *arr;	  /* nsubs * maxmsg */
static _Atomic int *seen;	  /* per message: subscribers that saw it */
static _Atomic int opened_total;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static int open_conn(struct conn *c)
{
	static const char *const path[] = {"json", "sse", "ws"};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	char req[512];
	int n;
	if (c->kind == 2)
		n = snprintf(req, sizeof(req),
			     "GET /%s/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
			     "Connection: Upgrade\r\nSec-WebSocket-Key: "
			     "dGhlIHNhbXBsZSBub25jZQ==\r\n"
			     "Sec-WebSocket-Version: 13\r\n\r\n",
			     topic);
	else
		n = snprintf(req, sizeof(req), "GET /%s/%s HTTP/1.1\r\nHost: x\r\n\r\n",
			     topic, path[c->kind]);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		die("send");
	c->fd = fd;
	return fd;
}

/* Scans @len bytes (the carry is in front of them already), records the
 * tokens, keeps what may be the start of one. */
static void scan(struct conn *c, char *b, size_t len, int64_t t)
{
	if (!c->opened && memmem(b, len, "\"open\"", 6)) {
		c->opened = 1;
		atomic_fetch_add(&opened_total, 1);
	}
	size_t keep_from = len > PATLEN - 1 ? len - (PATLEN - 1) : 0;
	char *p = b, *end = b + len;
	while ((p = memmem(p, (size_t)(end - p), PAT, PATLEN))) {
		char *q = p + PATLEN;
		long k = 0;
		while (q < end && *q >= '0' && *q <= '9' && q - p < CARRY - 2)
			k = k * 10 + (*q++ - '0');
		if (q == end) {
			keep_from = (size_t)(p - b); /* unfinished: keep it whole */
			break;
		}
		if (*q == '"' && q > p + PATLEN && k < maxmsg) {
			int64_t zero = 0;
			if (atomic_compare_exchange_strong_explicit(
				    &arr[(size_t)c->idx * (size_t)maxmsg + (size_t)k],
				    &zero, t, memory_order_relaxed,
				    memory_order_relaxed))
				atomic_fetch_add_explicit(&seen[k], 1,
							  memory_order_release);
		}
		p = q;
	}
	c->ncarry = (unsigned char)(len - keep_from);
	memcpy(c->carry, b + keep_from, c->ncarry);
}

struct thr {
	struct conn *c;
	int n;
};

static void *run(void *ud)
{
	struct thr *th = ud;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	char *buf = malloc(CARRY + 65536);
	int next = 0, waiting = 0;
	struct epoll_event evs[256];
	for (;;) {
		/* Keep a bounded number of subscriptions being set up. */
		while (next < th->n && waiting < INFLIGHT) {
			struct conn *c = &th->c[next++];
			/* Edge-triggered: a socket is polled once per arrival,
			 * not once more after it has been drained. */
			struct epoll_event e = {.events = EPOLLIN | EPOLLET,
						.data.ptr = c};
			if (epoll_ctl(ep, EPOLL_CTL_ADD, open_conn(c), &e))
				die("epoll_ctl");
			waiting++;
		}
		int n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->fd < 0)
				continue;
		again:
			memcpy(buf, c->carry, c->ncarry);
			ssize_t r = recv(c->fd, buf + c->ncarry, 65536, MSG_DONTWAIT);
			int64_t t = now_ns();
			if (r <= 0) {
				if (r < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				fprintf(stderr, "subscriber %d: connection %s\n",
					c->idx, r ? strerror(errno) : "closed");
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				continue;
			}
			int was = c->opened;
			scan(c, buf, (size_t)r + c->ncarry, t);
			if (!was && c->opened)
				waiting--;
			/* A full buffer: more may be there, and no new edge
			 * tells of it. A shorter read took all there was. */
			if (r == 65536)
				goto again;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: notify-subs PORT TOPIC N KINDS THREADS MAXMSG\n");
		return 2;
	}
	port = atoi(argv[1]);
	topic = argv[2];
	nsubs = atoi(argv[3]);
	nthreads = atoi(argv[5]);
	maxmsg = atoi(argv[6]);
	for (char *k = strtok(argv[4], ","); k && nkinds < 3; k = strtok(NULL, ","))
		kinds[nkinds++] = !strcmp(k, "ws") ? 2 : !strcmp(k, "sse") ? 1 : 0;
	if (nsubs <= 0 || nthreads <= 0 || maxmsg <= 0 || !nkinds)
		return 2;
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	arr = calloc((size_t)nsubs * (size_t)maxmsg, sizeof(*arr));
	seen = calloc((size_t)maxmsg, sizeof(*seen));
	struct conn *conns = calloc((size_t)nsubs, sizeof(*conns));
	struct thr *th = calloc((size_t)nthreads, sizeof(*th));
	if (!arr || !seen || !conns || !th)
		die("calloc");
	/* Subscriber i: kind i % nkinds, thread i % nthreads (each thread's
	 * subscribers are a contiguous slice of conns). */
	int per = (nsubs + nthreads - 1) / nthreads, at = 0;
	for (int t = 0; t < nthreads; t++) {
		th[t].c = conns + at;
		th[t].n = nsubs - at < per ? nsubs - at : per;
		at += th[t].n;
	}
	for (int i = 0; i < nsubs; i++) {
		conns[i].idx = i;
		conns[i].kind = kinds[i % nkinds];
		conns[i].fd = -1;
	}
	for (int t = 0; t < nthreads; t++) {
		pthread_t id;
		if (th[t].n && pthread_create(&id, NULL, run, &th[t]))
			die("pthread_create");
	}
	int64_t deadline = now_ns() + 300 * 1000000000LL;
	while (atomic_load(&opened_total) < nsubs && now_ns() < deadline)
		usleep(10000);
	printf("ready %d\n", atomic_load(&opened_total));
	fflush(stdout);
	char line[4096];
	while (fgets(line, sizeof(line), stdin)) {
		int a, b, ms;
		char path[4000];
		if (sscanf(line, "wait %d %d", &a, &ms) == 2 && a >= 0 && a < maxmsg) {
			int64_t until = now_ns() + (int64_t)ms * 1000000;
			while (atomic_load_explicit(&seen[a], memory_order_acquire) < nsubs &&
			       now_ns() < until)
				usleep(200);
			printf("seen %d %d\n", a, atomic_load(&seen[a]));
		} else if (sscanf(line, "stats %d %d", &a, &b) == 2 && a >= 0 &&
			   b <= maxmsg && a <= b) {
			long count = 0;
			int64_t first = 0, last = 0;
			for (size_t i = 0; i < (size_t)nsubs; i++)
				for (int k = a; k < b; k++) {
					int64_t v = atomic_load_explicit(
						&arr[i * (size_t)maxmsg + (size_t)k],
						memory_order_relaxed);
					if (!v)
						continue;
					count++;
					if (!first || v < first)
						first = v;
					if (v > last)
						last = v;
				}
			printf("stats %ld %lld %lld\n", count, (long long)first,
			       (long long)last);
		} else if (sscanf(line, "dump %d %d %3999s", &a, &b, path) == 3 &&
			   a >= 0 && b <= maxmsg && a <= b) {
			FILE *f = fopen(path, "wb");
			if (!f)
				die(path);
			for (size_t i = 0; i < (size_t)nsubs; i++)
				for (int k = a; k < b; k++) {
					int64_t v = atomic_load_explicit(
						&arr[i * (size_t)maxmsg + (size_t)k],
						memory_order_relaxed);
					fwrite(&v, sizeof(v), 1, f);
				}
			fclose(f);
			printf("dumped\n");
		} else if (!strncmp(line, "now", 3)) {
			printf("now %lld\n", (long long)now_ns());
		} else if (!strncmp(line, "quit", 4)) {
			break;
		} else {
			printf("error\n");
		}
		fflush(stdout);
	}
	_exit(0); /* the threads and sockets go with the process */
}
