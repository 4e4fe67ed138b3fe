/* SPDX-License-Identifier: MIT */
/* PowerDNS API statistics and search-data, from the dns room's counters and the store. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/err.h"
#include "dns/api_priv.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"

/* ---- statistics ---- */

/*
 * pdns_server 4.7's names and types, for what hearth counts alike:
 * StatisticItems (values as strings, by name), the MapStatisticItems
 * response-by-qtype, response-sizes and response-by-rcode (rcodes named
 * as pdns_server names them), and, unless ?includerings=false (that
 * exact text), the RingStatisticItems with their "size". ?statistic=NAME
 * answers one StatisticItem; any other name, a map's or a ring's too, is
 * 422 "Unknown statistic name", as pdns_server answers.
 */

static const char *const rcode_names[16] = {
	"No Error",
	"Form Error",
	"Server Failure",
	"Non-Existent domain",
	"Not Implemented",
	"Query Refused",
	"Name Exists when it should not",
	"RR Set Exists when it should not",
	"RR Set that should exist does not",
	"Server Not Authoritative for zone / Not Authorized",
	"Name not contained in zone",
	"Err#11",
	"Err#12",
	"Err#13",
	"Err#14",
	"Err#15",
};

/* pdns_server's ring names, in its order, for each of ours. */
static const struct {
	const char *name;
	enum dns_ring ring;
} rings[] = {
	{"remotes", DNS_RING_REMOTES},
	{"remotes-corrupt", DNS_RING_REMOTES_CORRUPT},
	{"remotes-unauth", DNS_RING_REMOTES_UNAUTH},
	{"noerror-queries", DNS_RING_NOERROR},
	{"nxdomain-queries", DNS_RING_NXDOMAIN},
	{"queries", DNS_RING_QUERIES},
	{"servfail-queries", DNS_RING_SERVFAIL},
	{"unauth-queries", DNS_RING_UNAUTH},
};
#define N_RINGS (sizeof(rings) / sizeof(rings[0]))

static json_t *item(const char *name, uint64_t v)
{
	char text[24];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return json_pack("{s:s, s:s, s:s}", "type", "StatisticItem", "name",
			 name, "value", text);
}

static json_t *map_item(const char *name, json_t *values)
{
	return json_pack("{s:s, s:s, s:o}", "type", "MapStatisticItem", "name",
			 name, "value", values);
}

static int map_add(json_t *arr, const char *name, uint64_t v)
{
	char text[24];
	if (!v)
		return 0;
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	return json_array_append_new(arr, json_pack("{s:s, s:s}", "name", name,
						    "value", text))
		       ? -ENOMEM
		       : 0;
}

static int ring_add(const char *text, uint64_t n, void *ud)
{
	return map_add(ud, text, n);
}

/* The process's open descriptors, resident bytes, CPU milliseconds. */
static uint64_t fd_usage(void)
{
	uint64_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0; /* not the one reading it */
}

static uint64_t rss_bytes(void)
{
	unsigned long long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t tv_ms(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* The StatisticItems, by name (as pdns_server sorts them). */
static void add_items(struct dns_room *r, const struct dns_stats_sum *s,
		      json_t *all)
{
	const struct dns_rings_counts *c = dns_rings_counts(r->rings);
	const memory_order o = memory_order_relaxed;
#define LOAD(x) atomic_load_explicit(&(x), o)
	uint64_t n = 0, ns = 0;
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k <= METRICS_HIST_BOUNDS; k++)
			n += s->answer[i].n[k];
		ns += s->answer[i].sum_ns;
	}
	struct rusage ru = {0};
	getrusage(RUSAGE_SELF, &ru);
	struct {
		const char *name;
		uint64_t v;
	} v[] = {
		{"corrupt-packets", LOAD(c->corrupt)},
		{"fd-usage", fd_usage()},
		{"latency", n ? ns / n / 1000 : 0},
		{"noerror-packets", LOAD(c->nodata)},
		{"nxdomain-packets", s->rcode[DNS_R_NXDOMAIN]},
		{"rd-queries", LOAD(c->rd_queries)},
		{"real-memory-usage", rss_bytes()},
		{"servfail-packets", s->rcode[DNS_R_SERVFAIL]},
		{"sys-msec", tv_ms(ru.ru_stime)},
		{"tcp-answers", LOAD(c->answers[1][0]) + LOAD(c->answers[1][1])},
		{"tcp-answers-bytes",
		 LOAD(c->answer_bytes[1][0]) + LOAD(c->answer_bytes[1][1])},
		{"tcp-queries", s->queries[1]},
		{"tcp4-answers", LOAD(c->answers[1][0])},
		{"tcp4-answers-bytes", LOAD(c->answer_bytes[1][0])},
		{"tcp6-answers", LOAD(c->answers[1][1])},
		{"tcp6-answers-bytes", LOAD(c->answer_bytes[1][1])},
		{"udp-answers", LOAD(c->answers[0][0]) + LOAD(c->answers[0][1])},
		{"udp-answers-bytes",
		 LOAD(c->answer_bytes[0][0]) + LOAD(c->answer_bytes[0][1])},
		{"udp-do-queries", LOAD(c->udp_do_queries)},
		{"udp-queries", s->queries[0]},
		{"udp4-answers", LOAD(c->answers[0][0])},
		{"udp4-answers-bytes", LOAD(c->answer_bytes[0][0])},
		{"udp6-answers", LOAD(c->answers[0][1])},
		{"udp6-answers-bytes", LOAD(c->answer_bytes[0][1])},
		{"unauth-packets", LOAD(c->unauth)},
		{"uptime", (uint64_t)(uv_now(r->loop) - r->started_ms) / 1000},
		{"user-msec", tv_ms(ru.ru_utime)},
	};
#undef LOAD
	json_t *items = json_array();
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		json_array_append_new(items, item(v[i].name, v[i].v));
	for (size_t k = 0; k < N_RINGS; k++) {
		char name[64];
		snprintf(name, sizeof(name), "ring-%s-capacity", rings[k].name);
		json_array_append_new(items, item(name, DNS_RING_SIZE));
		snprintf(name, sizeof(name), "ring-%s-size", rings[k].name);
		json_array_append_new(
			items, item(name, dns_rings_used(r->rings, rings[k].ring)));
	}
	/* pdns_server's order: by name, byte by byte. */
	size_t n_items = json_array_size(items);
	json_t **sorted = calloc(n_items, sizeof(*sorted));
	if (sorted) {
		for (size_t i = 0; i < n_items; i++)
			sorted[i] = json_array_get(items, i);
		qsort(sorted, n_items, sizeof(*sorted), cmp_name);
		for (size_t i = 0; i < n_items; i++)
			json_array_append(all, sorted[i]);
		free(sorted);
	}
	json_decref(items);
}

/* response-by-qtype counts every answer, by its query type numbered as
 * pdns_server orders them; the other maps come from the counters. */
static void add_maps(struct dns_room *r, const struct dns_stats_sum *s,
		     json_t *all)
{
	const struct dns_rings_counts *c = dns_rings_counts(r->rings);
	json_t *qt = json_array(), *sz = json_array(), *rc = json_array();
	for (unsigned i = 0; i < 65536; i++) {
		uint64_t n = atomic_load_explicit(&c->qtypes[i],
						  memory_order_relaxed);
		char buf[16];
		if (n)
			map_add(qt, dns_type_name((uint16_t)i, buf), n);
	}
	for (unsigned i = 0; i < DNS_SIZE_BUCKETS; i++) {
		char bound[24];
		snprintf(bound, sizeof(bound), "%llu",
			 (unsigned long long)dns_rings_bucket_bound(i));
		map_add(sz, bound,
			atomic_load_explicit(&c->sizes[i], memory_order_relaxed));
	}
	for (unsigned i = 0; i < 16; i++)
		map_add(rc, rcode_names[i], s->rcode[i]);
	json_array_append_new(all, map_item("response-by-qtype", qt));
	json_array_append_new(all, map_item("response-sizes", sz));
	json_array_append_new(all, map_item("response-by-rcode", rc));
}

static void add_rings(struct dns_room *r, json_t *all)
{
	char size[24];
	snprintf(size, sizeof(size), "%u", (unsigned)DNS_RING_SIZE);
	for (size_t i = 0; i < N_RINGS; i++) {
		json_t *v = json_array();
		dns_rings_each(r->rings, rings[i].ring, ring_add, v);
		json_array_append_new(
			all, json_pack("{s:s, s:s, s:s, s:o}", "type",
				       "RingStatisticItem", "name",
				       rings[i].name, "size", size, "value", v));
	}
}

void dns_api_statistics(struct api_call *c)
{
	struct dns_room *r = c->room;
	struct dns_stats_sum s;
	const char *only = http_request_arg(c->req, "statistic");
	const char *rings_arg = http_request_arg(c->req, "includerings");

	dns_stats_total(r, &s);
	json_t *all = json_array();
	add_items(r, &s, all);
	if (only && *only) {
		size_t i;
		json_t *v;
		json_array_foreach (all, i, v) {
			const char *name =
				json_string_value(json_object_get(v, "name"));
			if (name && strcmp(name, only) == 0) {
				http_reply_json(c->resp, 200, json_pack("[O]", v));
				json_decref(all);
				return;
			}
		}
		json_decref(all);
		http_reply_error(c->resp, 422, "Unknown statistic name");
		return;
	}
	add_maps(r, &s, all);
	if (!rings_arg || strcmp(rings_arg, "false") != 0)
		add_rings(r, all);
	http_reply_json(c->resp, 200, all);
}

/* ---- search-data ---- */

static bool glob(const char *pat, const char *s);

/* PowerDNS matches names as its database holds them, without the
 * trailing dot; hearth accepts either form. */
static bool glob_name(const char *pat, const char *name)
{
	char bare[DNS_NAME_TEXT_MAX];
	size_t len = strlen(name);
	if (glob(pat, name))
		return true;
	if (len < 2 || len >= sizeof(bare) || name[len - 1] != '.')
		return false;
	memcpy(bare, name, len - 1);
	bare[len - 1] = '\0';
	return glob(pat, bare);
}

/* Case-insensitive glob: '*' any run, '?' one byte. */
static bool glob(const char *pat, const char *s)
{
	const char *star = NULL, *mark = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == '?' ||
			   tolower((unsigned char)*pat) ==
				   tolower((unsigned char)*s)) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++mark;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

enum { OBJ_ALL, OBJ_ZONE, OBJ_RECORD, OBJ_COMMENT };

struct search {
	struct api_call *c;
	const char *q;
	int what;
	uint64_t max, zones, records, comments;
	json_t *out;
};

static int search_zone(struct api_zone *z, void *ud)
{
	struct search *s = ud;
	char id[3 * DNS_NAME_TEXT_MAX];
	dns_api_zone_id(z->name, id, sizeof(id));
	if ((s->what == OBJ_ALL || s->what == OBJ_ZONE) && s->zones < s->max &&
	    glob_name(s->q, z->name)) {
		s->zones++;
		json_array_append_new(s->out,
				      json_pack("{s:s, s:s, s:s}", "object_type",
						"zone", "zone_id", id, "name",
						z->name));
	}
	if (s->what == OBJ_ZONE)
		return 0;
	struct api_zone full = {0};
	int rc = dns_api_zone_load(s->c->room->store, z->name, &full);
	if (rc) {
		dns_api_zone_deinit(&full);
		return rc == -ENOENT ? 0 : rc;
	}
	for (size_t i = 0; i < full.n; i++) {
		const struct api_rrset *set = &full.sets[i];
		char tb[16];
		const char *tn = dns_type_name(set->type, tb);
		for (size_t k = 0; (s->what == OBJ_ALL || s->what == OBJ_RECORD) &&
				   k < set->n && s->records < s->max;
		     k++) {
			const struct api_record *r = &set->recs[k];
			if (!glob_name(s->q, set->name) &&
			    !glob(s->q, r->content))
				continue;
			s->records++;
			json_array_append_new(
				s->out,
				json_pack("{s:s, s:s, s:s, s:I, s:b, s:s, s:s, "
					  "s:s}",
					  "object_type", "record", "name",
					  set->name, "type", tn, "ttl",
					  (json_int_t)set->ttl, "disabled",
					  r->disabled, "content", r->content,
					  "zone_id", id, "zone", full.name));
		}
		for (size_t k = 0;
		     (s->what == OBJ_ALL || s->what == OBJ_COMMENT) &&
		     k < set->n_comments && s->comments < s->max;
		     k++) {
			if (!glob(s->q, set->comments[k].content))
				continue;
			s->comments++;
			json_array_append_new(
				s->out,
				json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
					  "object_type", "comment", "name",
					  set->name, "type", tn, "content",
					  set->comments[k].content, "zone_id",
					  id, "zone", full.name));
		}
	}
	dns_api_zone_deinit(&full);
	return 0;
}

void dns_api_search_data(struct api_call *c)
{
	const char *q = http_request_arg(c->req, "q");
	const char *max = http_request_arg(c->req, "max");
	const char *ot = http_request_arg(c->req, "object_type");
	struct search s = {.c = c, .q = q, .max = 100};

	if (!q || !*q) {
		http_reply_error(c->resp, 422, "Query q can't be blank");
		return;
	}
	if (max) {
		char *end;
		errno = 0;
		long long m = strtoll(max, &end, 10);
		if (!*max || *end || errno) {
			http_reply_error(c->resp, 422,
					 "Invalid value for maximum entries");
			return;
		}
		if (m < 1) {
			http_reply_error(c->resp, 422,
					 "Maximum entries must be larger than 0");
			return;
		}
		s.max = (uint64_t)m;
	}
	if (!ot || strcmp(ot, "all") == 0) {
		s.what = OBJ_ALL;
	} else if (strcmp(ot, "zone") == 0) {
		s.what = OBJ_ZONE;
	} else if (strcmp(ot, "record") == 0) {
		s.what = OBJ_RECORD;
	} else if (strcmp(ot, "comment") == 0) {
		s.what = OBJ_COMMENT;
	} else {
		http_reply_error(c->resp, 422,
				 "object_type must be one of the following "
				 "options: all, zone, record, comment");
		return;
	}
	s.out = json_array();
	int rc = s.out ? dns_api_zones_each(c->room->store, search_zone, &s)
		       : -ENOMEM;
	if (rc) {
		json_decref(s.out);
		http_reply_failure(c->resp, rc);
		return;
	}
	http_reply_json(c->resp, 200, s.out);
}
