/* SPDX-License-Identifier: MIT */
/* The dns room's part of the status page: zones (serial, records, last change), query rate, cache hit ratio. */
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "dns/internal.h"
#include "proto/dns/cache.h"

/* Zones listed on the page; the count says how many there are. */
#define SUMMARY_ZONES 100

static int seen_cmp(const void *a, const void *b)
{
	const struct dns_zone_seen *x = a, *y = b;
	return strcmp(x->apex, y->apex);
}

static void seen_free(struct dns_zone_seen *z, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(z[i].apex);
	free(z);
}

void dns_summary_note(struct dns_room *r, const struct dns_snapshot *snap)
{
	size_t n = snap ? snap->zs.n : 0;
	struct dns_zone_seen *next = calloc(n ? n : 1, sizeof(*next));
	if (!next)
		return; /* the old times stay; a later publish tries again */
	int64_t now = clock_wall_s(r->clock);
	for (size_t i = 0; i < n; i++) {
		const struct dns_zone *z = snap->zs.zones[i];
		char apex[DNS_NAME_TEXT_MAX];
		dns_name_to_text(&z->apex, apex, sizeof(apex));
		struct dns_zone_seen key = {.apex = apex};
		const struct dns_zone_seen *old =
			r->seen ? bsearch(&key, r->seen, r->n_seen,
					  sizeof(*r->seen), seen_cmp)
				: NULL;
		next[i].apex = strdup(apex);
		if (!next[i].apex) {
			seen_free(next, i);
			return;
		}
		next[i].serial = z->serial;
		next[i].changed = old && old->serial == z->serial
					  ? old->changed : now;
	}
	qsort(next, n, sizeof(*next), seen_cmp);
	seen_free(r->seen, r->n_seen);
	r->seen = next;
	r->n_seen = n;
}

void dns_summary_free(struct dns_room *r)
{
	seen_free(r->seen, r->n_seen);
	r->seen = NULL;
	r->n_seen = 0;
}

/*
 * Queries a second over about the last minute: samples of the query
 * count are taken when the page is read (at most one per 10 s, the last
 * DNS_RATE_SAMPLES kept); the rate is measured from the oldest sample
 * younger than 75 s, else from the newest older one, else from the
 * start. *@window gets the seconds it spans.
 */
static double query_rate(struct dns_room *r, uint64_t total, double *window)
{
	uint64_t now = uv_now(r->loop);
	uint64_t base_ms = r->started_ms, base_q = 0;
	for (size_t k = 0; k < r->n_rate; k++) {
		/* Oldest first: slot (next + k) % N once the ring is full. */
		size_t i = r->n_rate < DNS_RATE_SAMPLES
				   ? k
				   : (r->next_rate + k) % DNS_RATE_SAMPLES;
		uint64_t age = now - r->rate[i].ms;
		if (age < 1000)
			break; /* the rest are younger still */
		base_ms = r->rate[i].ms;
		base_q = r->rate[i].queries;
		if (age <= 75000)
			break;
	}
	if (!r->n_rate || now - r->rate[(r->next_rate + DNS_RATE_SAMPLES - 1) %
					 DNS_RATE_SAMPLES].ms >= 10000) {
		r->rate[r->next_rate] = (struct dns_rate_sample){now, total};
		r->next_rate = (r->next_rate + 1) % DNS_RATE_SAMPLES;
		if (r->n_rate < DNS_RATE_SAMPLES)
			r->n_rate++;
	}
	double secs = (double)(now - base_ms) / 1000.0;
	*window = secs;
	return secs > 0 && total >= base_q ? (double)(total - base_q) / secs
					   : 0.0;
}

json_t *dns_summary(void *room, bool details)
{
	struct dns_room *r = room;
	(void)details; /* nothing here names a client */
	struct dns_stats_sum s;
	dns_stats_total(r, &s);
	uint64_t total = s.queries[0] + s.queries[1];
	double window;
	double rate = query_rate(r, total, &window);
	char over[48];
	cli_duration(window, over, sizeof(over));
	struct dns_cache_stats cs = {0};
	size_t capacity = 0;
	dns_fwd_cache_stats(r->fwd, &cs, &capacity);
	uint64_t lookups = cs.hits + cs.misses;
	const struct dns_snapshot *snap = dns_room_snapshot(r);
	json_t *zones = json_array();
	for (size_t i = 0; zones && i < snap->zs.n && i < SUMMARY_ZONES; i++) {
		const struct dns_zone *z = snap->zs.zones[i];
		char apex[DNS_NAME_TEXT_MAX];
		dns_name_to_text(&z->apex, apex, sizeof(apex));
		struct dns_zone_seen key = {.apex = apex};
		const struct dns_zone_seen *seen =
			r->seen ? bsearch(&key, r->seen, r->n_seen,
					  sizeof(*r->seen), seen_cmp)
				: NULL;
		json_array_append_new(
			zones,
			json_pack("{s:s, s:I, s:I, s:I}", "zone", apex, "serial",
				  (json_int_t)z->serial, "records",
				  (json_int_t)z->n_records, "changed_time",
				  (json_int_t)(seen ? seen->changed : 0)));
	}
	json_t *j = json_pack(
		"{s:I, s:I, s:f, s:s, s:o, s:I, s:I}", "zones",
		(json_int_t)snap->zs.n, "queries", (json_int_t)total,
		"queries_per_second", rate, "rate_measured_over", over,
		"cache_hit_ratio",
		lookups ? json_real((double)cs.hits / (double)lookups)
			: json_null(),
		"cache_entries", (json_int_t)cs.entries, "cache_capacity",
		(json_int_t)capacity);
	if (!j) {
		json_decref(zones);
		return NULL;
	}
	if (snap->zs.n > SUMMARY_ZONES)
		json_object_set_new(j, "listed",
				    json_string("the first 100 zones"));
	json_object_set_new(j, "served_zones", zones);
	return j;
}
