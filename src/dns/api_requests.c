/* SPDX-License-Identifier: MIT */
/* PowerDNS API request bodies: zone creation (POST), settings (PUT), RRset changes (PATCH). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/api_priv.h"
#include "proto/dns/dns.h"

/*
 * Like api_rrsets.c, pure functions of (zone in memory, JSON): the keys
 * of a whole request are checked here, the RRsets there.
 */

static int get_string(json_t *body, const char *key, const char **out,
		      struct api_zone *z, struct api_err *e)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return dns_api_fail(e, 422, "Key '%s' is not a String", key);
	*out = arena_strdup(&z->arena, json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static int get_bool(json_t *body, const char *key, bool *out,
		    struct api_err *e)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return dns_api_fail(e, 422, "Key '%s' is not a Boolean", key);
	*out = json_is_true(v);
	return 0;
}

static bool inet_pton_ok4(const char *s, uint8_t buf[16])
{
	return inet_pton(AF_INET, s, buf) == 1;
}

static bool inet_pton_ok6(const char *s, uint8_t buf[16])
{
	return inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_ip(const char *s)
{
	uint8_t buf[16];
	char host[64];
	const char *h = s;
	size_t len = strlen(s);
	if (len >= sizeof(host))
		return false;
	if (s[0] == '[') { /* [v6]:port */
		const char *end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return false;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		if (end[1] == ':') {
			char *pe;
			unsigned long p = strtoul(end + 2, &pe, 10);
			if (!end[2] || *pe || p > 65535)
				return false;
		}
		return inet_pton_ok6(host, buf);
	}
	const char *colon = strchr(s, ':');
	if (colon && !strchr(colon + 1, ':')) { /* v4:port */
		char *pe;
		unsigned long p = strtoul(colon + 1, &pe, 10);
		if (!colon[1] || *pe || p > 65535)
			return false;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		h = host;
		return inet_pton_ok4(h, buf);
	}
	return inet_pton_ok4(h, buf) || inet_pton_ok6(h, buf);
}

static int get_masters(json_t *body, struct api_zone *z, struct api_err *e)
{
	json_t *m = json_object_get(body, "masters");
	size_t i;
	json_t *v;
	if (!m)
		return 0;
	if (!json_is_array(m))
		return dns_api_fail(e, 422, "Key 'masters' is not an array");
	json_array_foreach (m, i, v) {
		if (!json_is_string(v))
			return dns_api_fail(e, 422, "Key 'masters' must hold "
						"strings");
		const char *s = json_string_value(v);
		if (!*s)
			return dns_api_fail(e, 422, "Primary can not be an empty "
						"string");
		if (!is_ip(s))
			return dns_api_fail(e, 422,
					"Primary (%.100s) is not an IP address",
					s);
	}
	json_t *copy = json_deep_copy(m);
	if (!copy)
		return -ENOMEM;
	json_decref(z->set.masters);
	z->set.masters = copy;
	return 0;
}

/* hearth keeps no TSIG keys: every key id named is unknown, as
 * PowerDNS says of a key it does not have. */
static int check_tsig_ids(json_t *body, const char *key, struct api_err *e)
{
	json_t *ids = json_object_get(body, key);
	size_t i;
	json_t *v;
	json_array_foreach (ids, i, v)
		return dns_api_fail(e, 422,
				"A TSIG key with the name '%.200s' does not "
				"exist",
				json_is_string(v) ? json_string_value(v) : "");
	return 0;
}

/* Settings both POST and PUT take. */
static int get_settings(json_t *body, struct api_zone *z, struct api_err *e)
{
	int rc;
	json_t *kind = json_object_get(body, "kind");
	bool dnssec = false;
	if (kind) {
		if (!json_is_string(kind))
			return dns_api_fail(e, 422, "Key 'kind' not present or not "
						"a String");
		z->set.kind = dns_api_kind_normalise(json_string_value(kind));
	}
	if ((rc = check_tsig_ids(body, "master_tsig_key_ids", e)) ||
	    (rc = check_tsig_ids(body, "slave_tsig_key_ids", e)) ||
	    (rc = get_masters(body, z, e)) ||
	    (rc = get_string(body, "account", &z->set.account, z, e)) ||
	    (rc = get_string(body, "catalog", &z->set.catalog, z, e)) ||
	    (rc = get_string(body, "soa_edit_api", &z->set.soa_edit_api, z,
			     e)) ||
	    (rc = get_string(body, "soa_edit", &z->set.soa_edit, z, e)) ||
	    (rc = get_string(body, "nsec3param", &z->set.nsec3param, z, e)) ||
	    (rc = get_bool(body, "api_rectify", &z->set.api_rectify, e)) ||
	    (rc = get_bool(body, "nsec3narrow", &z->set.nsec3narrow, e)) ||
	    (rc = get_bool(body, "dnssec", &dnssec, e)))
		return rc;
	if (dnssec)
		return dns_api_fail(e, 422, "DNSSEC signing is not supported by "
					"hearth");
	if (z->set.nsec3param[0])
		return dns_api_fail(e, 422, "NSEC3 is not supported by hearth");
	return 0;
}

static bool has_apex_records(const struct api_zone *z, uint16_t type)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->sets[i].type == type && z->sets[i].n &&
		    strcmp(z->sets[i].name, z->name) == 0)
			return true;
	return false;
}

/* Adds one record given as text to the RRset (owner, type), for
 * nameservers and the synthesised SOA. */
static int add_text_record(struct api_zone *z, const char *owner,
			   uint16_t type, uint32_t ttl, const char *content,
			   struct api_err *e)
{
	struct api_record r;
	int rc = dns_api_record_parse(z, owner, type, content, &r, e);
	if (rc)
		return rc;
	struct api_rrset *s = dns_api_zone_rrset(z, owner, type, true);
	if (!s)
		return -ENOMEM;
	struct api_record *recs = arena_alloc(&z->arena, (s->n + 1) * sizeof(r));
	if (!recs)
		return -ENOMEM;
	if (s->n)
		memcpy(recs, s->recs, s->n * sizeof(r));
	recs[s->n] = r;
	s->recs = recs;
	s->n++;
	s->ttl = ttl;
	s->dirty_records = true;
	return 0;
}

static int add_nameservers(struct api_zone *z, json_t *ns, struct api_err *e)
{
	size_t i;
	json_t *v;
	if (has_apex_records(z, DNS_T_NS))
		return dns_api_fail(e, 422, "Nameservers list MUST NOT be mixed "
					"with zone-level NS in rrsets");
	json_array_foreach (ns, i, v) {
		const char *s = json_string_value(v);
		if (!s || !*s)
			return dns_api_fail(e, 422, "Nameservers must be non-empty "
						"strings");
		size_t len = strlen(s);
		if (s[len - 1] != '.')
			return dns_api_fail(e, 422,
					"Nameserver is not canonical: '%.200s'",
					s);
		int rc = add_text_record(z, z->name, DNS_T_NS, 3600, s, e);
		if (rc)
			return rc;
	}
	return 0;
}

int dns_api_zone_from_create(struct api_zone *z, json_t *body, int64_t now,
			     const struct api_soa_default *soa,
			     struct api_err *e)
{
	char name[DNS_NAME_TEXT_MAX];
	struct dns_name wire;
	struct api_rrset_in *in = NULL;
	size_t n = 0;
	uint64_t serial = 0;
	bool changed;
	int rc;

	json_t *jn = json_object_get(body, "name");
	if (!json_is_string(jn))
		return dns_api_fail(e, 422, "Key 'name' not present or not a String");
	if ((rc = dns_api_check_name(json_string_value(jn), false, name,
				 sizeof(name), &wire, e)))
		return rc;
	if ((rc = dns_api_zone_init(z, name)))
		return rc == -ENOMEM ? rc : dns_api_fail(e, 422, "bad zone name");
	if (!json_is_string(json_object_get(body, "kind")))
		return dns_api_fail(e, 422, "Key 'kind' not present or not a String");
	if ((rc = get_settings(body, z, e)))
		return rc;
	json_t *rrsets = json_object_get(body, "rrsets");
	json_t *text = json_object_get(body, "zone");
	json_t *ns = json_object_get(body, "nameservers");
	json_t *js = json_object_get(body, "serial");
	/* As pdns_server 4.7: a `zone` that is not a string is no zone
	 * text, and with text `rrsets` counts only as an array. Unlike it,
	 * an empty text with an rrsets array is refused too. */
	json_t *from_text = NULL;
	if (!json_is_string(text))
		text = NULL;
	if (text && json_is_array(rrsets))
		return dns_api_fail(e, 422, "You cannot give rrsets AND zone data "
					"as text");
	if (text && !json_string_length(text))
		text = NULL;
	if (js && !dns_api_json_uint(js, UINT32_MAX, &serial))
		return dns_api_fail(e, 422, "Key 'serial' is not an Integer");
	if (text) {
		rc = dns_api_zone_text_rrsets(z, json_string_value(text),
					      json_string_length(text),
					      &from_text, e);
		if (rc)
			return rc;
		rrsets = from_text;
	}
	if (rrsets && !json_is_array(rrsets))
		return dns_api_fail(e, 422, "Key 'rrsets' is not an array");
	if (rrsets) {
		rc = dns_api_rrsets_parse(z, rrsets, API_RRSETS_ZONE, now, &in, &n,
				      e);
		json_decref(from_text);
		/* A SOA RRset with comments only gets the synthesised SOA
		 * below, as in PowerDNS. */
		z->creating = true;
		if (!rc)
			rc = dns_api_rrsets_apply(z, in, n, false, &changed, e);
		z->creating = false;
		free(in);
		if (rc)
			return rc;
	}
	bool secondary = dns_api_zone_is_secondary(z);
	if (ns && !json_is_array(ns) && !secondary)
		return dns_api_fail(e, 422, "Nameservers is not a list");
	if (json_is_array(ns) && (rc = add_nameservers(z, ns, e)))
		return rc;
	if (!secondary && !has_apex_records(z, DNS_T_SOA)) {
		char soa_text[3 * DNS_NAME_TEXT_MAX + 128];
		if (soa)
			snprintf(soa_text, sizeof(soa_text), "%s %s %u %u %u %u %u",
				 soa->mname, soa->rname, (unsigned)serial,
				 (unsigned)soa->refresh, (unsigned)soa->retry,
				 (unsigned)soa->expire, (unsigned)soa->minimum);
		else
			snprintf(soa_text, sizeof(soa_text),
				 "a.misconfigured.dns.server.invalid. "
				 "hostmaster.%s %u 10800 3600 604800 3600",
				 strcmp(z->name, ".") ? z->name : "",
				 (unsigned)serial);
		if ((rc = add_text_record(z, z->name, DNS_T_SOA,
					  soa ? soa->ttl : 3600, soa_text, e)))
			return rc;
	}
	/* As pdns_server 4.7: SOA-EDIT-API makes the first serial, of a
	 * SOA given as of one synthesised. */
	uint32_t given;
	if (dns_api_zone_serial(z, &given) &&
	    !dns_api_zone_set_serial(
		    z, dns_api_first_serial(z->set.soa_edit_api, given, now)))
		return -ENOMEM;
	return 0;
}

/* Unlike PowerDNS, the serial never goes backwards (RFC 1982): a
 * secondary would ignore every later change. A serial that moved, or a
 * SOA the request wrote (@written), ends up after @before. */
static void keep_serial_forward(struct api_zone *z, uint32_t before,
				bool written)
{
	uint32_t after;
	if (dns_api_zone_serial(z, &after) && (int32_t)(after - before) <= 0 &&
	    (written || after != before))
		dns_api_zone_set_serial(z, before + 1);
}

int dns_api_zone_apply_put(struct api_zone *z, json_t *body, int64_t now,
		       bool *records_changed, struct api_err *e)
{
	struct api_rrset_in *in = NULL;
	size_t n = 0;
	int rc;
	*records_changed = false;
	if ((rc = get_settings(body, z, e)))
		return rc;
	json_t *rrsets = json_object_get(body, "rrsets");
	if (!rrsets)
		return 0;
	if (!json_is_array(rrsets))
		return dns_api_fail(e, 422, "Key 'rrsets' is not an array");
	uint32_t before = 0;
	bool had_serial = dns_api_zone_serial(z, &before);
	rc = dns_api_rrsets_parse(z, rrsets, API_RRSETS_ZONE, now, &in, &n, e);
	if (!rc)
		rc = dns_api_rrsets_apply(z, in, n, true, records_changed, e);
	free(in);
	if (rc)
		return rc;
	if (!dns_api_zone_is_secondary(z) && !has_apex_records(z, DNS_T_SOA))
		return dns_api_fail(e, 422, "Must give SOA record for zone when "
					"replacing all RR sets");
	if (had_serial)
		keep_serial_forward(z, before, true);
	*records_changed = true;
	return 0;
}

int dns_api_zone_apply_patch(struct api_zone *z, json_t *body, int64_t now,
			 struct api_err *e)
{
	struct api_rrset_in *in = NULL;
	size_t n = 0;
	bool changed = false, soa_given = false;
	uint32_t before = 0;
	bool had_serial = dns_api_zone_serial(z, &before);
	int rc;
	json_t *rrsets = json_object_get(body, "rrsets");
	if (!json_is_array(rrsets))
		return dns_api_fail(e, 422, "No rrsets given in update request");
	rc = dns_api_rrsets_parse(z, rrsets, API_RRSETS_PATCH, now, &in, &n, e);
	if (!rc)
		rc = dns_api_rrsets_apply(z, in, n, false, &changed, e);
	for (size_t i = 0; !rc && i < n; i++)
		if (in[i].set.type == DNS_T_SOA && in[i].has_records &&
		    strcmp(in[i].set.name, z->name) == 0)
			soa_given = true;
	free(in);
	if (rc)
		return rc;
	/* PowerDNS bumps on every successful PATCH, even one that changed
	 * nothing (a DELETE of an absent RRset); so does hearth. */
	(void)changed;
	/* Like PowerDNS 4.7, SOA-EDIT-API applies to a SOA the PATCH gives
	 * as well (to its serial). */
	dns_api_zone_bump_serial(z, z->set.soa_edit_api, now, NULL, NULL);
	if (had_serial)
		keep_serial_forward(z, before, soa_given);
	return 0;
}
