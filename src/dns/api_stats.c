/* SPDX-License-Identifier: MIT */
/* PowerDNS API statistics and search-data, from the dns room's counters and the store. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "dns/api_priv.h"
#include "dns/internal.h"
#include "proto/dns/dns.h"

/* ---- statistics ---- */


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

static void map_add(json_t *arr, const char *name, uint64_t v)
{
	char text[24];
	if (!v)
		return;
	snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
	json_array_append_new(arr, json_pack("{s:s, s:s}", "name", name,
					     "value", text));
}

void dns_api_statistics(struct api_call *c)
{
	struct dns_room *r = c->room;
	struct dns_stats_sum s;
	const char *only = http_request_arg(c->req, "statistic");
	char b[16];

	dns_stats_total(r, &s);
	json_t *all = json_array();
	json_array_append_new(all, item("corrupt-packets", s.dropped));
	json_array_append_new(all, item("noerror-packets", s.rcode[0]));
	json_array_append_new(all, item("nxdomain-packets", s.rcode[3]));
	json_array_append_new(all, item("servfail-packets", s.rcode[2]));
	json_array_append_new(all, item("tcp-queries", s.queries[1]));
	json_array_append_new(all, item("truncated-packets", s.truncated));
	json_array_append_new(all, item("udp-queries", s.queries[0]));
	json_array_append_new(all, item("uptime", (uint64_t)(uv_now(r->loop) -
							     r->started_ms) /
							    1000));
	json_t *qt = json_array(), *rc = json_array();
	for (unsigned i = 0; i < DNS_STAT_TYPES; i++)
		map_add(qt, dns_stat_type_names[i], s.qtype[i]);
	for (unsigned i = 0; i < 16; i++)
		map_add(rc, dns_rcode_name(i, b), s.rcode[i]);
	json_array_append_new(all, map_item("response-by-qtype", qt));
	json_array_append_new(all, map_item("response-by-rcode", rc));
	if (!only) {
		http_reply_json(c->resp, 200, all);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach (all, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		if (name && strcmp(name, only) == 0) {
			http_reply_json(c->resp, 200,
					json_pack("[O]", v));
			json_decref(all);
			return;
		}
	}
	json_decref(all);
	http_reply_error(c->resp, 422, "Unknown statistic name");
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
