/* SPDX-License-Identifier: MIT */
/* PowerDNS API zone creation from text (POST zones with `zone`): BIND or AXFR format into RRsets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/api_priv.h"
#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"
#include "proto/dns/zonefile.h"

/*
 * The text is read by the zone file parser every import uses (relative
 * names against the zone's apex, $ORIGIN, $TTL, no $INCLUDE), then turned
 * into the JSON RRsets a client would have sent, so a zone given as text
 * meets every check and every message of one given as rrsets. As
 * pdns_server 4.7 does: a SOA after the first is skipped (AXFR format
 * ends with the SOA again), and an RRset's TTL is the lowest of its
 * records'.
 */

#define TEXT_RECORDS_MAX 1000000

struct text_rrsets {
	json_t *arr;   /* the RRsets, in the order first seen */
	json_t *index; /* "name type" -> its RRset in @arr (borrowed) */
	size_t records;
	bool seen_soa;
	char content[65536 * 4 + 64];
};

static int text_record(const struct dns_zf_record *rr, void *ud)
{
	struct text_rrsets *t = ud;
	char name[DNS_NAME_TEXT_MAX], tb[16], key[DNS_NAME_TEXT_MAX + 20];
	struct dns_name owner = rr->owner;

	if (rr->type == DNS_T_SOA) {
		if (t->seen_soa)
			return 0;
		t->seen_soa = true;
	}
	if (++t->records > TEXT_RECORDS_MAX)
		return -E2BIG;
	dns_name_lower(&owner);
	if (dns_name_to_text(&owner, name, sizeof(name)) < 0)
		return -EINVAL;
	int n = dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, t->content,
				  sizeof(t->content));
	if (n < 0)
		return -EINVAL;
	dns_api_unescape_at(t->content, (size_t)n);
	const char *type = dns_type_name(rr->type, tb);
	snprintf(key, sizeof(key), "%s %s", name, type);
	json_t *set = json_object_get(t->index, key);
	if (!set) {
		set = json_pack("{s:s, s:s, s:I, s:[]}", "name", name, "type",
				type, "ttl", (json_int_t)rr->ttl, "records");
		if (!set || json_object_set(t->index, key, set) ||
		    json_array_append_new(t->arr, set))
			return -ENOMEM;
	} else if (json_integer_value(json_object_get(set, "ttl")) >
		   (json_int_t)rr->ttl) {
		json_object_set_new(set, "ttl", json_integer(rr->ttl));
	}
	json_t *rec = json_pack("{s:s, s:b}", "content", t->content,
				"disabled", 0);
	if (!rec || json_array_append_new(json_object_get(set, "records"), rec))
		return -ENOMEM;
	return 0;
}

int dns_api_zone_text_rrsets(const struct api_zone *z, const char *text,
			     size_t len, json_t **rrsets, struct api_err *e)
{
	struct text_rrsets *t = calloc(1, sizeof(*t));
	struct dns_zf_error err = {0};
	int rc = -ENOMEM;
	*rrsets = NULL;
	if (!t)
		return rc;
	t->arr = json_array();
	t->index = json_object();
	if (t->arr && t->index) {
		struct dns_zf_ops ops = {.record = text_record, .ud = t};
		rc = dns_zonefile_parse(text, len, "zone", &z->apex, 3600, &ops,
					&err);
	}
	if (rc == -EINVAL && err.msg[0])
		dns_api_fail(e, 422,
			     "An error occurred while parsing the zonedata: "
			     "Parsing zone content on line %d of given string: "
			     "%s",
			     err.line, err.msg);
	else if (rc == -EINVAL || rc == -E2BIG)
		rc = dns_api_fail(e, 422,
				  "An error occurred while parsing the zonedata: "
				  "%s",
				  rc == -E2BIG ? "too many records"
					       : "a record cannot be shown");
	if (!rc) {
		*rrsets = t->arr;
		t->arr = NULL;
	}
	json_decref(t->arr);
	json_decref(t->index);
	free(t);
	return rc;
}
