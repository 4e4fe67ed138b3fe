/* SPDX-License-Identifier: MIT */
/* What the forwarder's two files share: its state, its queries, its upstream sockets. */
#ifndef HEARTH_DNS_FORWARD_PRIV_H
#define HEARTH_DNS_FORWARD_PRIV_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <uv.h>

#include "dns/internal.h"
#include "proto/dns/cache.h"
#include "proto/dns/fwd.h"
#include "proto/dns/health.h"
#include "proto/dns/relay.h"

/* forward.c runs queries on the loop; forward_setup.c configures the
 * forwarder and reports its metrics. Everything here is the loop's,
 * except the inbox (under lock) and the cache (locks itself, read by
 * workers under RCU). */

#define MAX_CACHE_TTL 86400u
#define INBOX_MAX 4096 /* queued queries; beyond that new ones are dropped */
#define SOCKS_PER_SERVER 4
#define SOCK_USES 128
#define SOCK_AGE_MS 30000
#define ID_BUCKETS 4096 /* in-flight tries, hashed by (socket, id) */
#define CLIENT_BUCKETS 1024 /* in-flight counts, hashed by client address */
#define NO_HEALTH ((unsigned)-1)

struct req;

/* How many forwarded queries one client address has in flight. */
struct client_count {
	struct client_count *next;
	struct ipaddr addr;
	unsigned n;
};

/* A pooled upstream socket. */
struct upsock {
	uv_udp_t udp; /* first: handle <-> upsock */
	struct dns_fwd *f;
	struct upsock *next, *prev; /* f->socks */
	struct sockaddr_any server;
	unsigned uses;	   /* tries sent through it */
	unsigned inflight; /* tries waiting on it */
	uint64_t opened;
	bool retired; /* takes no new tries; closes when idle */
};

/* The TCP retry after a truncated answer (rare: its own allocation). A
 * libuv handle lives until its close callback, so this outlives its req
 * when the req ends first: @r is NULL then. */
struct tcp_try {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	struct req *r;
	size_t len;
	uint8_t query[2 + DNS_HEADER_LEN + DNS_NAME_MAX + 4 + 11];
	uint8_t buf[2 + DNS_MSG_MAX];
};

/* One forwarded query, from the submit to the answer: one allocation. */
struct req {
	struct req *next, *prev; /* inbox, then f->reqs by deadline */
	struct req *hnext;	 /* f->ids bucket while a UDP try waits */
	struct dns_fwd_sm sm;
	uint64_t started_ns; /* metrics_now_ns at the first try */
	uint64_t deadline;
	bool scheduled;
	struct upsock *sock; /* the current UDP try's, or NULL */
	uint16_t id;
	struct tcp_try *tcp; /* the TCP retry, or NULL */
	struct sockaddr_any servers[DNS_FWD_MAX_TRIES];
	unsigned health[DNS_FWD_MAX_TRIES]; /* f->health index, or NO_HEALTH */
	unsigned n_servers;
	unsigned cur;	     /* servers[] index of the current try */
	bool probing;	     /* servers[0]'s first try is its probe */
	struct client_count *cc; /* counted in flight: from start to end */
	/* The client. */
	int fd; /* UDP: the worker's socket to answer through; -1 for TCP */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct ipaddr client; /* the peer's address: the in-flight count's key */
	_Alignas(struct cmsghdr) uint8_t ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	size_t ctl_len;	     /* reply source */
	dns_fwd_reply_fn cb; /* TCP */
	void *ud;
	bool cache_tried; /* the worker already missed the cache */
	uint64_t start;	  /* dns_qlog_now() at submit, when logging */
	struct dns_query q;
	size_t len;
	uint8_t query[];
};

struct route {
	struct dns_name domain;
	struct sockaddr_any to;
};

struct dns_fwd {
	struct dns_room *room;
	uv_async_t async;
	uv_timer_t timer; /* the earliest deadline in reqs */
	int open_handles; /* async + timer: freed when both closed */
	pthread_mutex_t lock;
	struct req *inbox, *inbox_tail;
	size_t inbox_n;
	atomic_bool enabled;
	struct route *routes;
	size_t n_routes;
	struct sockaddr_any *up;
	size_t n_up;
	/* One per upstream, then one per route (same order). */
	struct dns_health *health;
	struct dns_health_params hp;
	/* Published to the UDP workers (see dns_access in internal.h). */
	struct dns_access *access;
	size_t max_inflight, max_per_client;
	size_t inflight;
	struct client_count *clients[CLIENT_BUCKETS];
	size_t next_up; /* rotates after a failure */
	struct dns_alias *alias;
	size_t n_alias;
	uint64_t timeout_ms;
	uint16_t payload;
	/* Shared with the UDP workers, which answer hits themselves: read
	 * under RCU (they are QSBR readers), replaced only on the loop. It
	 * holds answers with aliases already applied, and is emptied when
	 * the settings change. */
	struct dns_cache *cache;
	size_t cache_size;
	uint64_t old_hits, old_misses; /* of caches replaced */
	atomic_uint_fast64_t uncached; /* lookups with no cache */
	atomic_uint payload_atomic; /* f->payload for the workers */
	struct req *reqs, *reqs_tail; /* in flight, by deadline */
	struct req *ids[ID_BUCKETS];
	struct upsock *socks;
	uint8_t rnd[256]; /* random bytes for ids and socket picks */
	size_t rnd_pos;
	uint8_t rbuf[DNS_MSG_MAX];	      /* UDP answers are read here */
	uint8_t scratch[DNS_MSG_MAX + 64]; /* queries and client answers */
	/* counters */
	uint64_t forwarded, timeouts, servfail, dropped, tcp_retries,
		rejected_answers;
	uint64_t over_limit, over_client_limit, all_down;
	atomic_uint_fast64_t recursion_refused; /* workers and loop */
	struct metrics_hist latency; /* first try to the answer */
	bool closing;
};

/* Retires every upstream socket: each closes once the tries waiting on
 * it are done (after a reconfiguration, or at close). Loop thread. */
void dns_fwd_socks_retire(struct dns_fwd *f);

#endif
