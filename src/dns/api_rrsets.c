/* SPDX-License-Identifier: MIT */
/* PowerDNS API RRsets: request validation, merging into a zone, consistency checks. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/api_priv.h"
#include "proto/dns/answer.h"
#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"

/*
 * Pure functions of (zone in memory, JSON): no store, no clock (the
 * caller passes "now"), so the fuzz target runs exactly this code.
 * Messages follow PowerDNS 4.x wording, which clients show to users.
 */

#define TEXT_MAX (4 * DNS_RDATA_MAX + 64) /* \DDD escapes at worst */

/* Buffers for one content check, allocated once per request. */
struct scratch {
	uint8_t rdata[DNS_RDATA_MAX];
	char text[TEXT_MAX];
	/* The RRsets parsed so far by (name, type, changetype): 1 + their
	 * index, open addressing; a request's duplicates are found in
	 * linear time. */
	size_t *seen;
	size_t seen_mask;
};

static size_t seen_slot(const struct scratch *sc, const struct api_rrset_in *in)
{
	uint32_t h = 2166136261u ^ in->set.type ^ ((uint32_t)in->ct << 16);
	for (const char *p = in->set.name; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 16777619u;
	}
	return h & sc->seen_mask;
}

/* The earlier RRset of @prev with @in's name, type and changetype, or
 * NULL after remembering @in (index @i). */
static const struct api_rrset_in *seen_before(struct scratch *sc,
					      const struct api_rrset_in *prev,
					      const struct api_rrset_in *in,
					      size_t i)
{
	for (size_t k = seen_slot(sc, in);; k = (k + 1) & sc->seen_mask) {
		size_t j = sc->seen[k];
		if (!j) {
			sc->seen[k] = i + 1;
			return NULL;
		}
		const struct api_rrset_in *o = &prev[j - 1];
		if (o->ct == in->ct && o->set.type == in->set.type &&
		    strcmp(o->set.name, in->set.name) == 0)
			return o;
	}
}

static const char *changetype_name(enum api_changetype ct)
{
	static const char *const names[] = {"REPLACE", "DELETE", "EXTEND",
					    "PRUNE"};
	return names[ct];
}

static bool is_meta_type(uint16_t t)
{
	return t == 0 || t == DNS_T_OPT || t == DNS_T_TSIG || t == DNS_T_IXFR ||
	       t == DNS_T_AXFR || t == DNS_T_ANY || t == 253 || t == 254;
}

static const char *type_text(uint16_t type, char buf[16])
{
	return dns_type_name(type, buf);
}

int dns_api_unescape_at(char *t, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '\\' && i + 1 < n) {
			if (t[i + 1] != '@')
				t[o++] = t[i];
			t[o++] = t[++i];
			continue;
		}
		t[o++] = t[i];
	}
	t[o] = '\0';
	return (int)o;
}

/* Types whose character-strings PowerDNS keeps as it was given them,
 * escapes included: any spelling of the same bytes inside the quotes
 * passes its check. */
static bool keeps_strings(uint16_t t)
{
	return t == DNS_T_TXT || t == 99 /* SPF */ || t == DNS_T_HINFO ||
	       t == DNS_T_CAA || t == DNS_T_NAPTR || t == DNS_T_URI;
}

/* One byte of a quoted string at *p (an escape or itself); advances. */
static unsigned char string_byte(const char **p, const char *end)
{
	const unsigned char *s = (const unsigned char *)*p;
	if (s[0] == '\\' && s + 3 < (const unsigned char *)end &&
	    isdigit(s[1]) && isdigit(s[2]) && isdigit(s[3])) {
		*p += 4;
		return (unsigned char)((s[1] - '0') * 100 + (s[2] - '0') * 10 +
				       (s[3] - '0'));
	}
	if (s[0] == '\\' && s + 1 < (const unsigned char *)end) {
		*p += 2;
		return s[1];
	}
	*p += 1;
	return s[0];
}

/*
 * The rest of PowerDNS's check, for a content @in (@len bytes) that is not
 * the canonical text @canon: for @type's character-strings the bytes
 * inside the quotes count, not how they were escaped (both texts parsed
 * to the same RDATA, so the same tokens hold the same bytes); the rest
 * must be @canon, case aside.
 */
static bool same_strings(uint16_t type, const char *canon, const char *in,
			 size_t len)
{
	if (!keeps_strings(type))
		return false;
	const char *a = canon, *ae = canon + strlen(canon), *b = in,
		   *be = in + len;
	bool quoted = false;
	while (a < ae && b < be) {
		if (!quoted || (*a == '"' && *b == '"')) {
			if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
				return false;
			quoted ^= *a == '"';
			a++, b++;
			continue;
		}
		if (*a == '"' || *b == '"' ||
		    string_byte(&a, ae) != string_byte(&b, be))
			return false;
	}
	return a == ae && b == be;
}

/* An IPv4 address with leading zeros ("192.0.2.01"): PowerDNS reads it
 * and then finds it not in its format; writes the canonical form. */
static bool ipv4_leading_zeros(const char *in, size_t len, char *out,
			       size_t cap)
{
	unsigned v[4];
	size_t k = 0, i = 0;
	for (; k < 4; k++) {
		size_t d = 0;
		v[k] = 0;
		while (i < len && isdigit((unsigned char)in[i]) && d < 8) {
			v[k] = v[k] * 10 + (unsigned)(in[i++] - '0');
			d++;
		}
		if (d == 0 || v[k] > 255)
			return false;
		if (k < 3 && (i >= len || in[i++] != '.'))
			return false;
	}
	if (i != len)
		return false;
	snprintf(out, cap, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
	return true;
}

/* Parses @content as RDATA of @type; it must re-serialise to itself. */
static int parse_record(struct api_zone *z, struct scratch *sc,
			const char *owner, uint16_t type, const char *content,
			bool disabled, struct api_record *out,
			struct api_err *e)
{
	char tb[16];
	const char *tn = type_text(type, tb);
	struct dns_name root;
	char why[256] = "";
	size_t rdlen = 0;

	for (const unsigned char *p = (const unsigned char *)content; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return dns_api_fail(e, 422,
					"Invalid character \\x%02X in record "
					"content '%.200s'",
					*p, content);
	/* Outer blanks are parsed around, then refused as PowerDNS 4.7
	 * does: "Not in expected format (parsed as ...)". */
	const char *start = content;
	while (*start == ' ')
		start++;
	size_t len = strlen(start);
	while (len && start[len - 1] == ' ')
		len--;
	if (len == 0)
		return dns_api_fail(e, 422, "Record %s/%s '%s': empty content",
				owner, tn, content);
	/* PowerDNS's AAAA parser takes no dotted IPv4 tail. */
	if (type == DNS_T_AAAA && memchr(start, '.', len))
		return dns_api_fail(e, 422, "Record %s/%s '%.200s': Invalid "
					    "IPv6 address",
				    owner, tn, content);
	dns_name_root(&root);
	int rc = dns_rdata_from_text(type, start, len, &root, sc->rdata,
				     sizeof(sc->rdata), &rdlen, why);
	if (rc && type == DNS_T_A &&
	    ipv4_leading_zeros(start, len, sc->text, sizeof(sc->text)))
		return dns_api_fail(e, 422,
				"Record %s/%s '%.200s': Not in expected "
				"format (parsed as '%s')",
				owner, tn, content, sc->text);
	if (rc == -EMSGSIZE)
		return dns_api_fail(e, 422, "Record %s/%s '%.200s': too long",
				owner, tn, content);
	if (rc)
		return dns_api_fail(e, 422, "Record %s/%s '%.200s': %s", owner, tn,
				content, why[0] ? why : "cannot be parsed");
	int n = dns_rdata_to_text(type, sc->rdata, rdlen, sc->text,
				  sizeof(sc->text));
	if (n < 0)
		return dns_api_fail(e, 422,
				"Record %s/%s '%.200s': cannot be represented",
				owner, tn, content);
	/* PowerDNS keeps '@' inside names as sent; the text form escapes it. */
	n = dns_api_unescape_at(sc->text, (size_t)n);
	/* AAAA: PowerDNS only checks that inet_pton accepts it, then
	 * stores the canonical form; so does hearth. */
	bool blanks = start != content || start[len] != '\0';
	bool exact = type == DNS_T_AAAA ||
		     ((size_t)n == len && strncasecmp(sc->text, start, len) == 0);
	if (blanks || (!exact && !same_strings(type, sc->text, start, len)))
		return dns_api_fail(e, 422,
				"Record %s/%s '%.200s': Not in expected "
				"format (parsed as '%.200s')",
				owner, tn, content, sc->text);
	/* A spelling PowerDNS keeps is kept (and stored) as sent. */
	out->as_sent = !exact;
	out->content = exact ? arena_strndup(&z->arena, sc->text, (size_t)n)
			     : arena_strndup(&z->arena, start, len);
	uint8_t *rd = arena_alloc(&z->arena, rdlen ? rdlen : 1);
	if (!out->content || !rd)
		return -ENOMEM;
	memcpy(rd, sc->rdata, rdlen);
	out->rdata = rd;
	out->rdlen = (uint16_t)rdlen;
	out->disabled = disabled;
	return 0;
}

static int parse_records(struct api_zone *z, struct scratch *sc,
			 struct api_rrset_in *in, json_t *arr,
			 struct api_err *e)
{
	size_t n = json_array_size(arr);
	in->set.recs = arena_alloc(&z->arena,
				   (n ? n : 1) * sizeof(*in->set.recs));
	if (!in->set.recs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(arr, i);
		json_t *c = json_object_get(r, "content");
		json_t *d = json_object_get(r, "disabled");
		if (!json_is_object(r))
			return dns_api_fail(e, 422, "RRset %s: a record is not "
						"an object",
					in->set.name);
		if (!json_is_string(c))
			return dns_api_fail(e, 422, "Key 'content' not present "
						"or not a String");
		if (d && !json_is_boolean(d))
			return dns_api_fail(e, 422, "Key 'disabled' is not a "
						"Boolean");
		int rc = parse_record(z, sc, in->set.name, in->set.type,
				      json_string_value(c), json_is_true(d),
				      &in->set.recs[i], e);
		if (rc)
			return rc;
		in->set.recs[i].disabled = json_is_true(d);
	}
	in->set.n = n;
	return 0;
}

static int parse_comments(struct api_zone *z, struct api_rrset_in *in,
			  json_t *arr, int64_t now, struct api_err *e)
{
	size_t n = json_array_size(arr);
	in->set.comments = arena_alloc(&z->arena,
				       (n ? n : 1) * sizeof(*in->set.comments));
	if (!in->set.comments)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(arr, i);
		json_t *content = json_object_get(c, "content");
		json_t *account = json_object_get(c, "account");
		json_t *mod = json_object_get(c, "modified_at");
		uint64_t at = (uint64_t)now;
		if (!json_is_object(c))
			return dns_api_fail(e, 422, "RRset %s: a comment is not "
						"an object",
					in->set.name);
		if (!json_is_string(content))
			return dns_api_fail(e, 422, "Key 'content' not present "
						"or not a String");
		if (account && !json_is_string(account))
			return dns_api_fail(e, 422, "Key 'account' is not a "
						"String");
		if (mod && !dns_api_json_uint(mod, INT64_MAX, &at))
			return dns_api_fail(e, 422, "Key 'modified_at' is not an "
						"Integer");
		struct api_comment *o = &in->set.comments[i];
		o->content = arena_strdup(&z->arena, json_string_value(content));
		o->account = arena_strdup(
			&z->arena, account ? json_string_value(account) : "");
		o->modified_at = (int64_t)at;
		if (!o->content || !o->account)
			return -ENOMEM;
	}
	in->set.n_comments = n;
	return 0;
}

static int parse_one(struct api_zone *z, struct scratch *sc, json_t *item,
		     enum api_rrsets_mode mode, int64_t now,
		     struct api_rrset_in *prev, size_t n_prev,
		     struct api_rrset_in *in, struct api_err *e)
{
	char name[DNS_NAME_TEXT_MAX];
	struct dns_name owner;
	uint64_t ttl = 0;

	if (!json_is_object(item))
		return dns_api_fail(e, 422, "RRset is not an object");
	json_t *jn = json_object_get(item, "name");
	json_t *jt = json_object_get(item, "type");
	json_t *jc = json_object_get(item, "changetype");
	if (!json_is_string(jn))
		return dns_api_fail(e, 422, "Key 'name' not present or not a String");
	if (!json_is_string(jt))
		return dns_api_fail(e, 422, "Key 'type' not present or not a String");
	in->ct = API_CT_REPLACE;
	if (mode == API_RRSETS_PATCH) {
		if (!json_is_string(jc))
			return dns_api_fail(e, 422, "Key 'changetype' not present "
						"or not a String");
		const char *c = json_string_value(jc);
		if (strcasecmp(c, "REPLACE") == 0)
			in->ct = API_CT_REPLACE;
		else if (strcasecmp(c, "DELETE") == 0)
			in->ct = API_CT_DELETE;
		else if (strcasecmp(c, "EXTEND") == 0)
			in->ct = API_CT_EXTEND;
		else if (strcasecmp(c, "PRUNE") == 0)
			in->ct = API_CT_PRUNE;
		else
			return dns_api_fail(e, 422, "Changetype not understood");
	}
	int rc = dns_api_check_name(json_string_value(jn), true, name, sizeof(name),
				&owner, e);
	if (rc)
		return rc;
	const char *tt = json_string_value(jt);
	if (dns_type_parse(tt, &in->set.type) || is_meta_type(in->set.type))
		return dns_api_fail(e, 422, "RRset %s IN %.40s: unknown type given",
				name, tt);
	char tb[16];
	const char *tn = type_text(in->set.type, tb);
	in->set.name = arena_strdup(&z->arena, name);
	if (!in->set.name)
		return -ENOMEM;
	/* DELETE may clean up names outside the zone. */
	if (in->ct != API_CT_DELETE && !dns_name_is_subdomain(&owner, &z->apex))
		return dns_api_fail(e, 422, "RRset %s IN %s: Name is out of zone",
				name, tn);
	if (seen_before(sc, prev, in, n_prev))
		return dns_api_fail(e, 422,
				    "Duplicate RRset %s IN %s with changetype: "
				    "%s",
				    name, tn, changetype_name(in->ct));
	if (in->ct == API_CT_DELETE)
		return 0;
	json_t *jr = json_object_get(item, "records");
	json_t *jm = json_object_get(item, "comments");
	json_t *jttl = json_object_get(item, "ttl");
	in->has_records = json_is_array(jr);
	in->has_comments = json_is_array(jm);
	if (jttl) {
		if (!dns_api_json_uint(jttl, UINT32_MAX, &ttl))
			return dns_api_fail(e, 422, "Key 'ttl' not an Integer or "
						"not present");
		in->has_ttl = true;
		in->set.ttl = (uint32_t)ttl;
	}
	if (in->ct == API_CT_EXTEND || in->ct == API_CT_PRUNE) {
		if (!in->has_records || json_array_size(jr) != 1)
			return dns_api_fail(e, 422,
					"RRset %s IN %s: %s needs exactly one "
					"record",
					name, tn, changetype_name(in->ct));
		in->has_comments = false;
	} else {
		if (!in->has_records && !in->has_comments)
			return dns_api_fail(e, 422, "No change for RRset %s IN %s",
					name, tn);
		if (in->has_records && !in->has_ttl)
			return dns_api_fail(e, 422, "Key 'ttl' not an Integer or "
						"not present");
	}
	if (in->has_records && (rc = parse_records(z, sc, in, jr, e)))
		return rc;
	if (in->has_comments && (rc = parse_comments(z, in, jm, now, e)))
		return rc;
	return 0;
}

int dns_api_rrsets_parse(struct api_zone *z, json_t *arr, enum api_rrsets_mode mode,
		     int64_t now, struct api_rrset_in **out, size_t *n,
		     struct api_err *e)
{
	struct scratch *sc = NULL;
	struct api_rrset_in *in = NULL;
	size_t count = json_array_size(arr);
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return dns_api_fail(e, 422, "No rrsets given in update request");
	sc = malloc(sizeof(*sc));
	in = calloc(count ? count : 1, sizeof(*in));
	if (sc) {
		size_t slots = 16;
		while (slots < 2 * count)
			slots *= 2;
		sc->seen = calloc(slots, sizeof(*sc->seen));
		sc->seen_mask = slots - 1;
	}
	if (!sc || !sc->seen || !in) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		rc = parse_one(z, sc, json_array_get(arr, i), mode, now, in, i,
			       &in[i], e);
		if (rc)
			goto out;
	}
	*out = in;
	*n = count;
	in = NULL;
out:
	if (sc)
		free(sc->seen);
	free(sc);
	free(in);
	return rc;
}

/* ---- merging ---- */

/* The same record: the same content (case aside), or the same RDATA
 * spelled another way. */
static bool same_record(const struct api_record *a, const struct api_record *b)
{
	return strcasecmp(a->content, b->content) == 0 ||
	       (a->rdlen == b->rdlen &&
		memcmp(a->rdata, b->rdata, a->rdlen) == 0);
}

static bool same_records(const struct api_rrset *a, const struct api_rrset *b)
{
	if (a->n != b->n || (a->n && a->ttl != b->ttl))
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!same_record(&a->recs[i], &b->recs[i]) ||
		    a->recs[i].disabled != b->recs[i].disabled)
			return false;
	return true;
}

static bool same_comments(const struct api_rrset *a, const struct api_rrset *b)
{
	if (a->n_comments != b->n_comments)
		return false;
	for (size_t i = 0; i < a->n_comments; i++)
		if (strcmp(a->comments[i].content, b->comments[i].content) ||
		    strcmp(a->comments[i].account, b->comments[i].account))
			return false;
	return true;
}

static int apply_one(struct api_zone *z, const struct api_rrset_in *in,
		     bool *changed, struct api_err *e)
{
	struct api_rrset *s = dns_api_zone_rrset(z, in->set.name, in->set.type, true);
	if (!s)
		return -ENOMEM;
	s->touched = true;
	switch (in->ct) {
	case API_CT_DELETE:
		if (s->n || s->n_comments)
			*changed = true;
		s->n = 0;
		s->n_comments = 0;
		s->dirty_records = s->dirty_comments = true;
		return 0;
	case API_CT_REPLACE:
		if (in->has_records) {
			if (!same_records(s, &in->set))
				*changed = true;
			s->recs = in->set.recs;
			s->n = in->set.n;
			s->ttl = in->set.ttl;
			s->dirty_records = true;
		}
		if (in->has_comments) {
			if (!same_comments(s, &in->set))
				*changed = true;
			s->comments = in->set.comments;
			s->n_comments = in->set.n_comments;
			s->dirty_comments = true;
		}
		return 0;
	case API_CT_EXTEND: {
		const struct api_record *r = &in->set.recs[0];
		for (size_t i = 0; i < s->n; i++)
			if (same_record(&s->recs[i], r))
				return 0;
		if (s->n == 0 && !in->has_ttl)
			return dns_api_fail(e, 422, "Key 'ttl' not an Integer or "
						"not present");
		struct api_record *recs =
			arena_alloc(&z->arena, (s->n + 1) * sizeof(*recs));
		if (!recs)
			return -ENOMEM;
		if (s->n)
			memcpy(recs, s->recs, s->n * sizeof(*recs));
		recs[s->n] = *r;
		s->recs = recs;
		s->n++;
		if (in->has_ttl)
			s->ttl = in->set.ttl;
		s->dirty_records = true;
		*changed = true;
		return 0;
	}
	case API_CT_PRUNE:
		for (size_t i = 0; i < s->n; i++) {
			if (!same_record(&s->recs[i], &in->set.recs[0]))
				continue;
			struct api_record *recs = arena_alloc(
				&z->arena, (s->n ? s->n : 1) * sizeof(*recs));
			if (!recs)
				return -ENOMEM;
			memcpy(recs, s->recs, i * sizeof(*recs));
			memcpy(recs + i, s->recs + i + 1,
			       (s->n - i - 1) * sizeof(*recs));
			s->recs = recs;
			s->n--;
			s->dirty_records = true;
			*changed = true;
			return 0;
		}
		return 0;
	}
	return dns_api_fail(e, 500, "Changetype not understood");
}

/* True when the name in wire form at @p is a host name: letters, digits
 * and hyphens only (the root too when @root_ok). */
static bool is_hostname(const uint8_t *p, size_t len, bool root_ok)
{
	size_t off = 0;
	if (len && p[0] == 0)
		return root_ok;
	while (off < len && p[off]) {
		uint8_t l = p[off++];
		if (off + l > len)
			return false;
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = p[off + i];
			if (!isalnum(c) && c != '-')
				return false;
		}
		off += l;
	}
	return off < len;
}

static int check_set(struct api_zone *z, struct api_rrset *s,
		     struct api_err *e)
{
	char tb[16];
	const char *tn = type_text(s->type, tb);
	bool apex = strcmp(s->name, z->name) == 0;

	if (s->type == DNS_T_SOA && apex && s->n == 0 && !z->creating &&
	    !dns_api_zone_is_secondary(z))
		return dns_api_fail(e, 422,
				"RRset %s IN SOA: the zone's SOA record cannot "
				"be deleted",
				s->name);
	if (s->n == 0)
		return 0;
	if ((s->type == DNS_T_SOA || s->type == DNS_T_DNSKEY) && !apex)
		return dns_api_fail(e, 422, "Record %s IN %s is only allowed at apex",
				s->name, tn);
	if (s->type == DNS_T_DS && apex)
		return dns_api_fail(e, 422, "Record %s IN %s is not allowed at apex",
				s->name, tn);
	if ((s->type == DNS_T_CNAME || s->type == DNS_T_DNAME ||
	     s->type == DNS_T_SOA) &&
	    s->n > 1)
		return dns_api_fail(e, 422, "RRset %s IN %s has more than one record",
				s->name, tn);
	size_t served = 0, bytes = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!s->recs[i].disabled) {
			served++;
			bytes += s->recs[i].rdlen;
		}
	struct dns_name owner;
	size_t size = dns_answer_rrset_size(
		dns_name_from_text(s->name, strlen(s->name), NULL, &owner)
			? DNS_NAME_MAX
			: owner.len,
		served, bytes);
	if (size > DNS_MSG_MAX)
		return dns_api_fail(e, 422,
				"RRset %s IN %s is too large to be served: an "
				"answer carrying it would be %zu bytes, more "
				"than %u even over TCP",
				s->name, tn, size, (unsigned)DNS_MSG_MAX);
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = i + 1; j < s->n; j++)
			if (same_record(&s->recs[i], &s->recs[j]))
				return dns_api_fail(e, 422,
						"Duplicate record in RRset %s "
						"IN %s with content \"%.200s\"",
						s->name, tn, s->recs[i].content);
	if (s->type == DNS_T_NS || s->type == DNS_T_MX ||
	    s->type == DNS_T_SRV) {
		for (size_t i = 0; i < s->n; i++) {
			int off = dns_rdata_target(s->type, s->recs[i].rdata,
						   s->recs[i].rdlen);
			if (off < 0 ||
			    !is_hostname(s->recs[i].rdata + off,
					 s->recs[i].rdlen - (size_t)off,
					 s->type != DNS_T_NS)) {
				/* PowerDNS names the target: the last field. */
				const char *c = s->recs[i].content;
				const char *t = strrchr(c, ' ');
				return dns_api_fail(e, 422,
						"RRset %s IN %s non-hostname "
						"content %.200s",
						s->name, tn, t ? t + 1 : c);
			}
		}
	}
	for (struct api_rrset *o = dns_api_zone_at(z, s->name, NULL); o;
	     o = dns_api_zone_at(z, s->name, o)) {
		if (o == s || o->n == 0)
			continue;
		if (s->type == DNS_T_CNAME || o->type == DNS_T_CNAME)
			return dns_api_fail(e, 422,
					"RRset %s IN %s: Conflicts with %s "
					"RRset",
					s->name, tn,
					o->touched ? "another" : "pre-existing");
		if (!apex && ((s->type == DNS_T_NS && o->type == DNS_T_DNAME) ||
			      (s->type == DNS_T_DNAME && o->type == DNS_T_NS)))
			return dns_api_fail(e, 422,
					"RRset %s IN %s: Cannot have both NS "
					"and DNAME except in zone apex",
					s->name, tn);
	}
	return 0;
}

int dns_api_rrsets_apply(struct api_zone *z, const struct api_rrset_in *in,
		     size_t n, bool replace_all, bool *changed,
		     struct api_err *e)
{
	int rc;
	*changed = false;
	for (size_t i = 0; i < z->n; i++)
		z->sets[i].touched = false;
	if (replace_all) {
		for (size_t i = 0; i < z->n; i++) {
			struct api_rrset *s = &z->sets[i];
			if (s->n || s->n_comments)
				*changed = true;
			s->n = s->n_comments = 0;
			s->dirty_records = s->dirty_comments = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = apply_one(z, &in[i], changed, e)))
			return rc;
	/* Only RRsets this request touched are checked: data that arrived
	 * from a zone file does not block unrelated edits. */
	for (size_t i = 0; i < z->n; i++)
		if (z->sets[i].touched && (rc = check_set(z, &z->sets[i], e)))
			return rc;
	return 0;
}

int dns_api_record_parse(struct api_zone *z, const char *owner, uint16_t type,
		     const char *content, struct api_record *out,
		     struct api_err *e)
{
	struct scratch *sc = malloc(sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	int rc = parse_record(z, sc, owner, type, content, false, out, e);
	free(sc);
	return rc;
}
