/* SPDX-License-Identifier: MIT */
/* The dns room's config section: its structs and schema. */
#ifndef HEARTH_DNS_CONFIG_H
#define HEARTH_DNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "core/config.h"
#include "core/config_schema.h"

/* All strings and arrays belong to the snapshot's arena (immutable). */
struct cfg_dns_zone {
	struct cfg_pos pos;
	const char *name; /* lower case, no trailing dot */
	struct cfg_pos name_pos;
	const char *file; /* RFC 1035 master file imported at start, or NULL */
	struct cfg_pos file_pos;
};

struct cfg_dns_identity {
	const char *version; /* CHAOS version.bind; "" hides it */
	const char *id;	     /* CHAOS id.server; "" hides it */
};

/* Response-rate limiting of UDP answers to clients outside allow_recursion. */
struct cfg_dns_rrl {
	int64_t responses_per_second; /* per prefix; 0 disables */
	int64_t slip;		      /* every slip-th limited answer TC=1 */
	int64_t window;		      /* seconds */
	int64_t ipv4_prefix, ipv6_prefix;
};

/* The SOA (and NS) hearth makes for a zone it creates (soa.c). */
struct cfg_dns_soa {
	const char *mname; /* "" (derive), a lab host's name, or a name */
	struct cfg_pos mname_pos;
	const char *rname; /* one label: relative to the zone; or a name */
	struct cfg_pos rname_pos;
	int64_t refresh, retry, expire, minimum, ttl; /* seconds */
};

struct cfg_dns_forward {
	struct cfg_pos pos;
	const char *domain; /* lower case, no trailing dot */
	struct sockaddr_any to;
};

struct cfg_dns_alias {
	struct cfg_pos pos;
	const char *from; /* IPv4 address or prefix (text, checked) */
	struct cfg_pos from_pos;
	const char *to;
	struct cfg_pos to_pos;
};

struct cfg_dns {
	struct sockaddr_any *listen;
	size_t n_listen;
	struct cfg_dns_zone *zones;
	size_t n_zones;
	int64_t udp_workers;
	int64_t udp_payload; /* our EDNS payload size */
	int64_t tcp_idle_timeout; /* seconds */
	int64_t tcp_max_connections;
	int64_t tcp_max_connections_per_client; /* 0: no cap */
	int64_t tcp_message_timeout; /* seconds, first byte to whole query */
	int64_t tcp_stall_timeout;   /* seconds without write progress */
	int64_t tcp_max_queued;	     /* answer bytes queued per connection */
	int64_t tcp_max_queued_total; /* ... and over all connections */
	struct cfg_dns_identity identity;
	struct sockaddr_any *secondaries; /* may AXFR; get NOTIFY (port 53) */
	size_t n_secondaries;
	struct cfg_dns_forward *forward;
	size_t n_forward;
	struct sockaddr_any *upstream;
	size_t n_upstream;
	bool has_upstream; /* absent: the system's resolvers */
	struct cfg_dns_alias *alias;
	size_t n_alias;
	int64_t cache_size;	  /* entries */
	bool log_queries;	  /* one log line per answer */
	int64_t upstream_timeout; /* ms per try */
	struct ipprefix *allow_recursion; /* who may have names forwarded */
	size_t n_allow_recursion;
	bool has_allow_recursion; /* absent: loopback and lab.networks */
	int64_t forward_max_inflight;
	int64_t forward_max_inflight_per_client;
	int64_t upstream_down_after; /* consecutive failed tries */
	int64_t upstream_backoff;    /* seconds, doubling to 60 s */
	struct cfg_dns_rrl rrl;
	struct cfg_dns_soa soa;
};

/* The `dns:` section's schema (read by the config loader). */
extern const struct cfg_section dns_config_section;

/* The dns section of @cfg (defaults when the file has none). */
const struct cfg_dns *dns_config(const struct config *cfg);

#endif
