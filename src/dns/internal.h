/* SPDX-License-Identifier: MIT */
/* What the dns room's files share: the room, its snapshot and counters. */
#ifndef HEARTH_DNS_INTERNAL_H
#define HEARTH_DNS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "base/addr.h"
#include "base/buf.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/room.h"
#include "dns/config.h"
#include "proto/dns/answer.h"
#include "proto/dns/rrl.h"
#include "proto/dns/zone.h"

/*
 * What answers are built from: the zones and the answer options, frozen
 * together. Workers read the current one under RCU (liburcu-qsbr): a
 * reload publishes a new snapshot and frees the old one only after every
 * worker has passed a quiescent state.
 */
/* What a zone was built from, to reuse it when a rebuild finds the same. */
struct dns_zone_key {
	bool stored;	  /* from the store (else lab-only or config-only) */
	int64_t version;  /* the store's version, or the synthesized serial */
	uint64_t extra;	  /* hash of the lab/lease records merged in */
	bool degraded;	  /* building it logged a problem */
};

struct dns_snapshot {
	struct dns_zoneset zs;
	struct dns_zone_key *keys; /* one per zone in zs */
	struct dns_answer_opts opts;
	char version[256];
	char id[256];
};

void dns_snapshot_free(struct dns_snapshot *s);

/* A copy of @s that shares its zones (references taken). NULL when out
 * of memory. Free with dns_snapshot_free. */
struct dns_snapshot *dns_snapshot_dup(const struct dns_snapshot *s);

/* Counters, one block per thread that answers, summed on scrape. */
#define DNS_STAT_TYPES 12
struct dns_stats {
	atomic_uint_fast64_t queries[2];      /* udp, tcp */
	atomic_uint_fast64_t rcode[16];
	atomic_uint_fast64_t qtype[DNS_STAT_TYPES]; /* see dns_stat_type */
	atomic_uint_fast64_t dropped;	      /* unparsable, not answered */
	atomic_uint_fast64_t truncated;
	/* From the query read to its answer made here, by source. */
	struct metrics_hist answer[2]; /* DNS_SRC_AUTH, DNS_SRC_CACHE */
};
enum { DNS_SRC_AUTH, DNS_SRC_CACHE };

/* The counters of every thread added up. */
struct dns_stats_sum {
	uint64_t queries[2], rcode[16], qtype[DNS_STAT_TYPES], dropped,
		truncated;
	struct metrics_hist_sum answer[2];
};

struct dns_room;
void dns_stats_total(struct dns_room *r, struct dns_stats_sum *out);

/* Index into dns_stats.qtype for @type; the last slot is "other". */
unsigned dns_stat_type(uint16_t type);
extern const char *const dns_stat_type_names[DNS_STAT_TYPES];

/* Answers one query and counts it. Returns the response length (0: drop);
 * *forward (may be NULL) is set when the query is a resolver's job (no
 * zone holds it, RD set): the caller forwards it instead of answering,
 * with @parsed (caller's storage, filled here) as its parsed form. */
size_t dns_serve(const struct dns_snapshot *snap, struct dns_stats *st,
		 const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
		 bool tcp, bool *forward, struct dns_query *parsed);

/*
 * The PowerDNS statistics' rings and counters of answers (rings.c): any
 * thread records; the API reads. Rings hold the last DNS_RING_SIZE
 * entries each, as pdns_server's stats-ring-size default.
 */
#define DNS_RING_SIZE 10000
enum dns_ring {
	DNS_RING_QUERIES,  /* "name/TYPE" of every query answered */
	DNS_RING_NOERROR,  /* NOERROR without answers (pdns: noerror-queries) */
	DNS_RING_NXDOMAIN,
	DNS_RING_SERVFAIL,
	DNS_RING_UNAUTH,   /* REFUSED: no zone of ours, no forwarding */
	DNS_RING_NAMES,
	DNS_RING_REMOTES = DNS_RING_NAMES, /* the client of every answer */
	DNS_RING_REMOTES_UNAUTH,
	DNS_RING_REMOTES_CORRUPT, /* the sender of every unparsable query */
	DNS_RING_ALL,
};
#define DNS_RING_ADDRS (DNS_RING_ALL - DNS_RING_NAMES)
#define DNS_SIZE_BUCKET_MAX 64800
#define DNS_SIZE_BUCKETS (6 + DNS_SIZE_BUCKET_MAX / 200 + 1)
struct dns_rings_counts {
	atomic_uint_fast64_t answers[2][2];	 /* [udp, tcp][v4, v6] */
	atomic_uint_fast64_t answer_bytes[2][2];
	atomic_uint_fast64_t sizes[DNS_SIZE_BUCKETS]; /* see bucket_bound */
	atomic_uint_fast64_t rd_queries, udp_do_queries, nodata, unauth;
	atomic_uint_fast64_t corrupt; /* dropped, or answered FORMERR */
	atomic_uint_fast64_t qtypes[65536]; /* answers by query type */
};
struct dns_rings;
struct dns_rings *dns_rings_new(void);
void dns_rings_free(struct dns_rings *r);
/* One answer of @len bytes to @client for @q, sent (@r may be NULL); a
 * FORMERR answer counts as a corrupt query (dns_rings_corrupt). */
void dns_rings_answer(struct dns_rings *r, const struct ipaddr *client,
		      bool tcp, const struct dns_query *q, const uint8_t *ans,
		      size_t len);
/* A query from @client that could not be read. */
void dns_rings_corrupt(struct dns_rings *r, const struct ipaddr *client);
const struct dns_rings_counts *dns_rings_counts(const struct dns_rings *r);
/* The upper bound of size bucket @i (the last: UINT64_MAX). */
uint64_t dns_rings_bucket_bound(unsigned i);
/* The entries in ring @which now. */
size_t dns_rings_used(struct dns_rings *r, enum dns_ring which);
/* @fn per distinct entry of ring @which with its count, the most
 * frequent first (then by text); a non-zero return stops. Copies the
 * ring under its lock first. 0, -ENOMEM or what @fn returned. */
typedef int (*dns_rings_fn)(const char *text, uint64_t n, void *ud);
int dns_rings_each(struct dns_rings *r, enum dns_ring which, dns_rings_fn fn,
		   void *ud);

struct dns_udp;
struct dns_tcp;
struct dns_notify;
struct dns_fwd;
struct store;

/*
 * The query log: off unless dns.log_queries or debug logging (-v). Any
 * thread logs through it; the rate bound is an atomic token bucket, and
 * the lines it refuses are counted and reported in one line later.
 */
struct dns_qlog {
	atomic_bool on;
	atomic_uint_fast64_t tat;	/* ns: when the bucket is full again */
	atomic_uint_fast64_t suppressed; /* lines refused since the last one */
};
/* Loop thread, at start and reload. */
void dns_qlog_configure(struct dns_qlog *l, bool on);
static inline bool dns_qlog_on(struct dns_qlog *l)
{
	return atomic_load_explicit(&l->on, memory_order_relaxed);
}
/* A monotonic time in ns, for a query's start. */
uint64_t dns_qlog_now(void);
/* Any thread: logs the answer @answer (@len bytes; 0: none sent) to @q
 * from @client; @source is "auth", "cache" or "forward"; @start from
 * dns_qlog_now() when the query came. */
void dns_qlog_write(struct dns_qlog *l, const struct ipaddr *client,
		    bool tcp, const struct dns_query *q, const uint8_t *answer,
		    size_t len, const char *source, uint64_t start);

/* The config zone files a load refused (the first few), for the room to
 * publish as "dns.zone_refused" once the notify room is bound. */
#define DNS_REFUSALS_MAX 4
struct dns_refusals {
	size_t n;	/* kept; more are counted in dropped */
	size_t dropped;
	struct {
		char zone[256];
		char why[512];
	} at[DNS_REFUSALS_MAX];
};

/* When the status page last saw each served zone's serial change
 * (summary.c); sorted by apex text. */
struct dns_zone_seen {
	char *apex;
	uint32_t serial;
	int64_t changed; /* unix s: first served with this serial */
};
/* The query count when the page was read, for its query rate. */
struct dns_rate_sample {
	uint64_t ms, queries;
};
#define DNS_RATE_SAMPLES 8

struct dns_room {
	uv_loop_t *loop;
	const struct clock *clock; /* the daemon's (core/clock.h) */
	uint64_t started_ms; /* uv_now at open: the API's "uptime" */
	struct store *store;
	struct config *cfg;
	struct dns_snapshot *snap; /* rcu-protected; written on the loop */
	/* Builds off the loop (write.c): @head is what the write strand
	 * builds on, a copy of the last snapshot a strand job published
	 * (read by strand jobs, written in their completions); @pub_gen
	 * counts publications, @strand_gen is its value after the strand's
	 * last one: when they differ, something else (a reload, lease
	 * names) published meanwhile and a strand result is reconciled. */
	struct dns_snapshot *head;
	uint64_t pub_gen, strand_gen;
	struct dns_udp *udp;
	struct dns_tcp *tcp;
	struct dns_notify *notify;
	struct dns_fwd *fwd;
	/* Names of DHCP leases (dynamic.c): A + PTR records merged into
	 * every snapshot; a change is published after a short delay so a
	 * burst of leases costs one rebuild. */
	struct dns_lab_rr *dyn;
	size_t n_dyn, cap_dyn;
	uv_timer_t *dyn_timer; /* own allocation: freed in its close callback */
	struct room_dns_registrar registrar;
	struct room_dns_resolvers resolvers; /* for the watch room */
	struct dns_qlog qlog;
	struct dns_stats tcp_stats;
	struct dns_rings *rings; /* freed in dns_room_free */
	bool degraded; /* a zone file or lab record could not be loaded */
	bool staged_degraded; /* of the snapshot a reload prepared */
	/* Refused zone files not yet published (the notify room binds after
	 * open), and those of the snapshot a reload prepared. */
	struct dns_refusals refused, staged_refused;
	struct room_notify_publisher *alerts; /* NULL: none */
	uint64_t reloads;
	/* The API's writes (write.c): their own connection and strand. */
	struct store *wstore;
	struct workq_strand *wstrand;
	size_t writes;	/* in flight */
	bool closing;	/* closed with writes in flight: freed by the last */
	/* The status page's view (summary.c; loop thread). */
	struct dns_zone_seen *seen;
	size_t n_seen;
	struct dns_rate_sample rate[DNS_RATE_SAMPLES];
	size_t n_rate, next_rate;
};

/* The status page (summary.c, loop thread): dns_summary_note records
 * when each zone of @snap, just published, was first served with its
 * serial; dns_summary is room_ops.summary; dns_summary_free frees what
 * the note kept. */
void dns_summary_note(struct dns_room *r, const struct dns_snapshot *snap);
json_t *dns_summary(void *room, bool details);
void dns_summary_free(struct dns_room *r);

/*
 * One API write (write.c): @work runs on a pool thread with the room's
 * write connection and returns 0 when it committed (the zones are then
 * republished); @done fills the answer on the loop; @free releases the
 * job. The job belongs to dns_write_submit from the call on, which always
 * ends in @free (after @done, unless the write could not be queued or
 * the room shut down: then the answer is a 503).
 */
struct dns_write {
	struct dns_room *room;
	struct http_pending *pending;
	int (*work)(struct dns_write *w, struct store *s);
	void (*done)(struct dns_write *w, struct http_response *resp);
	void (*free)(struct dns_write *w);
	int rc; /* what work returned */
	/* Set by the caller: the write changes nothing served (no new
	 * snapshot is built or published). */
	bool store_only;
	/* The new snapshot, built on the strand after the commit from the
	 * room's config and lease names as they were at submission. */
	struct config *cfg;
	struct dns_lab_rr *dyn;
	size_t n_dyn;
	struct dns_snapshot *built;
	int built_degraded; /* < 0: as it was (a patched zone) */
	/* Set by @work when it changed RRsets of one stored zone only:
	 * the zone (text), its versions before and after, and @patch,
	 * which names those RRsets (dns_build_patched). */
	const char *zone;
	int64_t v_before, v_after;
	int (*patch)(void *w, struct dns_zone_patch *p);
};

/* Defers the answer to @req and queues @w on the write strand. */
void dns_write_submit(struct dns_room *r, const struct http_request *req,
		      struct http_response *resp, struct dns_write *w);
int dns_write_open(struct dns_room *r, const struct room_ctx *ctx);
void dns_write_close(struct dns_room *r);

/* Frees what room_close left for the last write's completion. */
void dns_room_free(struct dns_room *r);

/* A record the lab description implies: A/AAAA in lab.domain, PTR in
 * the reverse zone of the host's network. */
struct dns_lab_rr {
	struct dns_name zone;
	struct dns_name owner;
	uint16_t type;
	uint16_t rdlen;
	uint8_t rdata[DNS_NAME_MAX];
	bool dynamic; /* from a DHCP lease, not from lab: */
	const struct cfg_host *host; /* lab: host it comes from, or NULL */
};

/* The PTR for @ip -> @fqdn in the reverse zone of the lab network that
 * holds @ip (else the /24 or /64), into @out. 0 or -EINVAL. */
int dns_lab_ptr(const struct config *cfg, const struct ipaddr *ip,
		const struct dns_name *fqdn, struct dns_lab_rr *out);

/* Loads zone files into the store, then builds a snapshot of every
 * stored zone plus the records derived from lab:. Zones of @prev (may be
 * NULL) whose source did not change are shared, not rebuilt. Problems
 * are logged; *degraded says whether any occurred; the zone files
 * refused are added to @refused (may be NULL). */
int dns_load(struct store *store, const struct config *cfg,
	     const struct dns_lab_rr *extra, size_t n_extra,
	     const struct dns_snapshot *prev, struct dns_snapshot **out,
	     bool *degraded, struct dns_refusals *refused);

/* Publishes each refusal in @rf through @n (NULL: none) and empties @rf. */
void dns_refusals_publish(struct dns_refusals *rf,
			  struct room_notify_publisher *n);

/* Reads a zone file (at most 256 MiB) into a malloc'd buffer the caller
 * frees. Returns 0 or a negative errno. */
int dns_read_zone_file(const char *path, char **data, size_t *len);

/*
 * Parses @data as zone @zone's master file (named @label in messages;
 * $INCLUDE only when @includes) and, only when all of it is valid,
 * replaces the stored zone in one transaction. On failure @why says
 * "file:line: message" and the store is untouched. A NULL @store only
 * checks (what `hearthd --check` and `hearth dns check` run): every check
 * an import makes, no write.
 */
int dns_import_text(struct store *store, const char *zone, const char *data,
		    size_t len, const char *label, bool includes, char *why,
		    size_t why_len, size_t *records);

/*
 * The parse and every check of dns_import_text (syntax, SOA at the apex,
 * RRset sizes, and whatever the zone builder refuses: names outside the
 * zone, CNAME and other data, SOA doubled or below the apex), without
 * the store: for `--check` and `hearth dns check`. @records (may be NULL)
 * gets the record count. Any thread.
 */
int dns_import_check(const char *zone, const char *data, size_t len,
		     const char *label, bool includes, char *why,
		     size_t why_len, size_t *records);

/* The dns room's offline check (room_def.check): every configured zone
 * file reads, parses and validates as its import would. */
int dns_check_zones(const struct config *cfg, struct cfg_error *err,
		    struct room_check_summary *sum);

/* The same without importing zone files; zones may also come from
 * @prev2 (may be NULL), and with @any_version a stored zone is reused
 * whatever its version in the store (only a change of its lab or lease
 * records rebuilds it). Any thread, with a connection of its own. */
int dns_build(struct store *store, const struct config *cfg,
	      const struct dns_lab_rr *extra, size_t n_extra,
	      const struct dns_snapshot *prev, const struct dns_snapshot *prev2,
	      bool any_version, struct dns_snapshot **out, bool *degraded);

/*
 * The snapshot @prev with stored zone @zone (text) changed in place by
 * @fill (which names the RRsets its write replaced): when @prev serves
 * the zone as the store had it at @v_before, the write moved it to
 * @v_after (one write, nothing in between), and no lab or lease record
 * joins it. Costs what the change costs, not what the zone does (see
 * dns_zone_patch). -EAGAIN when any of that does not hold (or the
 * patch would not build): then dns_build. Any thread.
 */
struct dns_zone_patch;
int dns_build_patched(const struct config *cfg,
		      const struct dns_lab_rr *extra, size_t n_extra,
		      const struct dns_snapshot *prev, const char *zone,
		      int64_t v_before, int64_t v_after,
		      int (*fill)(void *ud, struct dns_zone_patch *p), void *ud,
		      struct dns_snapshot **out);

/* The lab's records (malloc'd array in *out). Implemented in lab.c. */
int dns_lab_records(const struct config *cfg, struct dns_lab_rr **out,
		    size_t *n);

/* TTL of lab-derived records. */
#define DNS_LAB_TTL 300

/* UDP workers: bound in dns_udp_open (privileged), threads started by
 * dns_udp_start, stopped and joined by dns_udp_close. */
int dns_udp_open(struct dns_room *r, const struct cfg_dns *cfg,
		 struct dns_udp **out);
int dns_udp_start(struct dns_udp *u);
void dns_udp_close(struct dns_udp *u);
void dns_udp_stats(struct dns_udp *u, void (*fn)(struct dns_stats *, void *),
		   void *ud);

/* TCP on the loop (RFC 7766: pipelining, deadlines, back-pressure, caps). */
int dns_tcp_open(struct dns_room *r, const struct cfg_dns *cfg,
		 struct dns_tcp **out);
int dns_tcp_start(struct dns_tcp *t);
void dns_tcp_set_limits(struct dns_tcp *t, const struct cfg_dns *cfg);
/* The TCP counters and gauges, for /metrics (loop thread). */
void dns_tcp_collect(struct dns_tcp *t, struct buf *out);
void dns_tcp_close(struct dns_tcp *t);

/*
 * Rebuilds the zones whose lease names changed (zone files are not
 * re-read, stored zones are kept as the snapshot has them: the write
 * strand publishes their changes) and publishes the result. What lease
 * registrations call. Loop thread only.
 */
int dns_room_refresh(struct dns_room *r);

/* Publishes @snap (taken) built off the loop by the write strand: as it
 * is, or reconciled with what was published since the strand's last
 * one; @degraded < 0 leaves the room's state as it is. Loop thread. */
void dns_room_publish_built(struct dns_room *r, struct dns_snapshot *snap,
			    int degraded);

/* Offers the room's registrar to the other rooms (dynamic.c). */
int dns_dynamic_open(struct dns_room *r, struct room_services *svc);
void dns_dynamic_close(struct dns_room *r);

/* Registers PUT /api/v1/dns/zones/ZONE/file (import.c). */
int dns_import_register(struct dns_room *r, struct http_server *http);

/* Registers the PowerDNS-compatible API routes (api.c). */
int dns_api_register(struct dns_room *r, struct http_server *http);

/* NOTIFY to dns.secondaries (notify.c). dns_notify_zones announces the
 * zones of @snap whose serial changed since the last call (all of them
 * when @initial), and every zone to a secondary not listed at the last
 * call (one added on reload). Loop thread. */
int dns_notify_open(struct dns_room *r, struct dns_notify **out);
void dns_notify_zones(struct dns_notify *n, const struct dns_snapshot *snap,
		      const struct cfg_dns *cfg, bool initial);
/* Loop thread: NOTIFY for the served zone @apex of @snap to every
 * secondary now (an operator's `hearth dns notify`); returns how many
 * were queued (0 when the zone is not served or none is configured). */
size_t dns_notify_zone(struct dns_notify *n, const struct dns_snapshot *snap,
		       const struct cfg_dns *cfg, const struct dns_name *apex);
void dns_notify_counts(struct dns_notify *n, uint64_t *sent, uint64_t *acked,
		       uint64_t *failed);
void dns_notify_close(struct dns_notify *n);

/* Forwarding (forward.c): queries no zone holds go upstream, through the
 * cache, with aliases applied to the answers. */
typedef void (*dns_fwd_reply_fn)(void *ud, const uint8_t *msg, size_t len);
int dns_fwd_open(struct dns_room *r, const struct config *cfg,
		 struct dns_fwd **out);
int dns_fwd_configure(struct dns_fwd *f, const struct config *cfg);
/* The servers names are forwarded to: dns.upstream, or /etc/resolv.conf's
 * when the file names none (the watch room resolves ping names with them). */
size_t dns_fwd_upstreams(const struct config *cfg, struct sockaddr_any *out,
			 size_t max);
/* True when a forward rule or an upstream exists. Any thread. */
bool dns_fwd_enabled(const struct dns_fwd *f);
/* Any thread: answers @query (parsed as @q) from the cache into @out
 * (at most @limit bytes, less when the client's EDNS says so). 0 on a
 * miss. */
size_t dns_fwd_cached(struct dns_fwd *f, const struct dns_query *q,
		      const uint8_t *query, uint8_t *out, size_t cap,
		      size_t limit);
/* Any thread, after a cache miss (dns_fwd_cached): the query goes
 * upstream and the answer out through @fd to @peer from the loop, from
 * the address the query was sent to when @in (the received message with
 * its IP_PKTINFO) is given. @pq is @q parsed (dns_serve's). The
 * forwarder copies what it keeps. */
int dns_fwd_submit_udp(struct dns_fwd *f, int fd,
		       const struct sockaddr_storage *peer, socklen_t peer_len,
		       const struct msghdr *in, const struct dns_query *pq,
		       const uint8_t *q, size_t len);

/* The control message that makes a reply leave from the address a query
 * on a wildcard socket was sent to; 0 when @in carries no packet info. */
size_t dns_udp_reply_ctl(const struct msghdr *in, uint8_t *out, size_t cap);
/* Loop thread: @cb gets the answer (exactly once, possibly later; at
 * once with REFUSED when @peer, the client, is outside
 * dns.allow_recursion, or SERVFAIL when over an in-flight bound). */
int dns_fwd_submit_tcp(struct dns_fwd *f, const struct sockaddr *peer,
		       const struct dns_query *pq, const uint8_t *q, size_t len,
		       dns_fwd_reply_fn cb, void *ud);

/*
 * Who gets recursion, and how UDP answers to the others are limited
 * (dns.allow_recursion, dns.rrl). Built by dns_fwd_configure on the
 * loop and replaced whole on reload; the UDP workers read the current
 * one inside their RCU read side (between quiescent states).
 */
struct dns_access {
	struct ipprefix *allow; /* in the same allocation */
	size_t n_allow;
	struct dns_rrl_params rrl;
};
/* The current access settings, or NULL before the forwarder is set up.
 * Any thread inside an RCU read side, or the loop. */
const struct dns_access *dns_fwd_access(struct dns_fwd *f);
/* True when @client is inside allow_recursion. */
bool dns_access_allows(const struct dns_access *a, const struct ipaddr *client);
/* The address of @sa (AF_INET or AF_INET6; family 0 otherwise). */
void dns_sockaddr_ip(const struct sockaddr *sa, struct ipaddr *out);
/* Any thread: the REFUSED answer to @query for a client outside
 * allow_recursion, into @out; counted. Returns its length (0: none). */
size_t dns_fwd_refuse(struct dns_fwd *f, const struct dns_query *q,
		      const uint8_t *query, uint8_t *out, size_t cap);
/* What the UDP workers counted: answers refused recursion, dropped and
 * slipped by the rate limit. Any thread (relaxed). */
void dns_udp_access_counts(struct dns_udp *u, uint64_t *rrl_dropped,
			   uint64_t *rrl_slipped);
void dns_fwd_collect(struct dns_fwd *f, struct buf *out);
/* Loop thread: empties the forwarding cache (all of it when @name is
 * NULL, else @name and the names below it); returns the entries dropped.
 * NULL-safe. */
struct dns_cache_stats;
size_t dns_fwd_cache_flush(struct dns_fwd *f, const struct dns_name *name);
/* Loop thread: the cache's counters (with those of caches replaced on
 * reload) and its capacity in entries (0: no cache). NULL-safe. */
void dns_fwd_cache_stats(struct dns_fwd *f, struct dns_cache_stats *out,
			 size_t *capacity);
void dns_fwd_close(struct dns_fwd *f);

/* The current snapshot for the loop thread (the only writer). */
static inline const struct dns_snapshot *dns_room_snapshot(struct dns_room *r)
{
	return r->snap;
}

#endif
