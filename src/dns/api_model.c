/* SPDX-License-Identifier: MIT */
/* PowerDNS API zone model: zones in memory, serials, zone ids, names, JSON objects. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "dns/api_priv.h"
#include "proto/dns/dns.h"
#include "proto/dns/rdata.h"

int dns_api_fail(struct api_err *e, int status, const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool dns_api_json_uint(json_t *v, uint64_t max, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0 || (uint64_t)i > max)
			return false;
		*out = (uint64_t)i;
		return true;
	}
	if (json_is_string(v)) {
		/* PowerDNS reads "300" as 300. */
		const char *s = json_string_value(v);
		uint64_t n = 0;
		if (!*s || strlen(s) > 19)
			return false;
		for (; *s; s++) {
			if (*s < '0' || *s > '9')
				return false;
			n = n * 10 + (uint64_t)(*s - '0');
		}
		if (n > max)
			return false;
		*out = n;
		return true;
	}
	return false;
}

/* ---- zones in memory ---- */

int dns_api_zone_init(struct api_zone *z, const char *name)
{
	memset(z, 0, sizeof(*z));
	arena_init(&z->arena);
	if (strlen(name) >= sizeof(z->name))
		return -EINVAL;
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (dns_name_from_text(name, strlen(name), NULL, &z->apex))
		return -EINVAL;
	z->set = (struct api_settings){
		.kind = "Native",
		.source = "api",
		.account = "",
		.soa_edit_api = "DEFAULT",
		.soa_edit = "",
		.catalog = "",
		.nsec3param = "",
		.masters = json_array(),
	};
	return z->set.masters ? 0 : -ENOMEM;
}

static void index_drop(struct api_zone *z)
{
	free(z->heads);
	free(z->tails);
	free(z->next);
	z->heads = z->tails = z->next = NULL;
	z->n_heads = z->indexed = 0;
}

void dns_api_zone_deinit(struct api_zone *z)
{
	index_drop(z);
	json_decref(z->set.masters);
	z->set.masters = NULL;
	free(z->sets);
	z->sets = NULL;
	z->n = z->cap = 0;
	arena_deinit(&z->arena);
}

static size_t name_slot(const struct api_zone *z, const char *name)
{
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 16777619u;
	}
	return h & (z->n_heads - 1);
}

static void index_add(struct api_zone *z, size_t i)
{
	size_t slot = name_slot(z, z->sets[i].name);
	z->next[i] = 0;
	if (z->tails[slot])
		z->next[z->tails[slot] - 1] = i + 1;
	else
		z->heads[slot] = i + 1;
	z->tails[slot] = i + 1;
}

/* Brings the index up to the RRsets there are. False when out of
 * memory: the callers then search the array. */
static bool index_ready(struct api_zone *z)
{
	if (z->heads && z->n <= z->n_heads / 2) {
		while (z->indexed < z->n)
			index_add(z, z->indexed++);
		return true;
	}
	size_t n_heads = 64;
	while (n_heads < 2 * z->cap)
		n_heads *= 2;
	index_drop(z);
	z->heads = calloc(n_heads, sizeof(*z->heads));
	z->tails = calloc(n_heads, sizeof(*z->tails));
	z->next = calloc(n_heads / 2, sizeof(*z->next));
	if (!z->heads || !z->tails || !z->next) {
		index_drop(z);
		return false;
	}
	z->n_heads = n_heads;
	while (z->indexed < z->n)
		index_add(z, z->indexed++);
	return true;
}

struct api_rrset *dns_api_zone_at(struct api_zone *z, const char *name,
				  const struct api_rrset *prev)
{
	size_t from = prev ? (size_t)(prev - z->sets) + 1 : 0;
	if (!index_ready(z)) {
		for (size_t i = from; i < z->n; i++)
			if (strcmp(z->sets[i].name, name) == 0)
				return &z->sets[i];
		return NULL;
	}
	size_t k = prev ? z->next[from - 1] : z->heads[name_slot(z, name)];
	for (; k; k = z->next[k - 1])
		if (strcmp(z->sets[k - 1].name, name) == 0)
			return &z->sets[k - 1];
	return NULL;
}

struct api_rrset *dns_api_zone_rrset(struct api_zone *z, const char *name,
				 uint16_t type, bool create)
{
	for (struct api_rrset *s = dns_api_zone_at(z, name, NULL); s;
	     s = dns_api_zone_at(z, name, s))
		if (s->type == type)
			return s;
	return create ? dns_api_zone_rrset_new(z, name, type) : NULL;
}

struct api_rrset *dns_api_zone_rrset_new(struct api_zone *z, const char *name,
				     uint16_t type)
{
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 16;
		struct api_rrset *s = realloc(z->sets, cap * sizeof(*s));
		if (!s)
			return NULL;
		z->sets = s;
		z->cap = cap;
	}
	const char *copy = arena_strdup(&z->arena, name);
	if (!copy)
		return NULL;
	struct api_rrset *s = &z->sets[z->n++];
	memset(s, 0, sizeof(*s));
	s->name = copy;
	s->type = type;
	return s;
}

bool dns_api_zone_is_secondary(const struct api_zone *z)
{
	return strcmp(z->set.kind, "Slave") == 0 ||
	       strcmp(z->set.kind, "Consumer") == 0;
}

const char *dns_api_kind_normalise(const char *kind)
{
	if (strcasecmp(kind, "master") == 0 || strcasecmp(kind, "primary") == 0)
		return "Master";
	if (strcasecmp(kind, "slave") == 0 ||
	    strcasecmp(kind, "secondary") == 0)
		return "Slave";
	if (strcasecmp(kind, "producer") == 0)
		return "Producer";
	if (strcasecmp(kind, "consumer") == 0)
		return "Consumer";
	return "Native";
}

/* Offset of the serial in SOA RDATA (two uncompressed names first). */
static int soa_serial_offset(const uint8_t *rd, size_t len)
{
	size_t off = 0;
	for (int names = 0; names < 2; names++) {
		while (off < len && rd[off]) {
			if (rd[off] > 63)
				return -1;
			off += (size_t)rd[off] + 1;
		}
		off++;
	}
	return off + 20 <= len ? (int)off : -1;
}

static struct api_record *apex_soa(const struct api_zone *z)
{
	for (size_t i = 0; i < z->n; i++)
		if (z->sets[i].type == DNS_T_SOA && z->sets[i].n &&
		    strcmp(z->sets[i].name, z->name) == 0)
			return &z->sets[i].recs[0];
	return NULL;
}

bool dns_api_zone_serial(const struct api_zone *z, uint32_t *serial)
{
	const struct api_record *r = apex_soa(z);
	int off = r ? soa_serial_offset(r->rdata, r->rdlen) : -1;
	if (off < 0)
		return false;
	*serial = dns_get32(r->rdata + off);
	return true;
}

bool dns_api_zone_set_serial(struct api_zone *z, uint32_t serial)
{
	struct api_record *r = apex_soa(z);
	int off = r ? soa_serial_offset(r->rdata, r->rdlen) : -1;
	char text[2 * DNS_NAME_TEXT_MAX + 64];
	if (off < 0)
		return false;
	uint8_t *rd = arena_alloc(&z->arena, r->rdlen);
	if (!rd)
		return false;
	memcpy(rd, r->rdata, r->rdlen);
	dns_put32(rd + off, serial);
	int n = dns_rdata_to_text(DNS_T_SOA, rd, r->rdlen, text, sizeof(text));
	if (n > 0) /* '@' inside the names as sent, as on the way in */
		n = dns_api_unescape_at(text, (size_t)n);
	const char *content = n > 0 ? arena_strndup(&z->arena, text, (size_t)n)
				    : NULL;
	if (!content)
		return false;
	r->rdata = rd;
	r->content = content;
	for (size_t i = 0; i < z->n; i++)
		if (z->sets[i].type == DNS_T_SOA && z->sets[i].n &&
		    strcmp(z->sets[i].name, z->name) == 0)
			z->sets[i].dirty_records = true;
	return true;
}

/* YYYYMMDD01 of @now in local time, as PowerDNS's DEFAULT. */
static uint32_t today01(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	localtime_r(&t, &tm);
	return (uint32_t)(tm.tm_year + 1900) * 1000000u +
	       (uint32_t)(tm.tm_mon + 1) * 10000u + (uint32_t)tm.tm_mday * 100u +
	       1u;
}

uint32_t dns_api_first_serial(const char *soa_edit_api, uint32_t serial,
			      int64_t now)
{
	const char *k = soa_edit_api ? soa_edit_api : "";
	if (strcasecmp(k, "DEFAULT") == 0) {
		uint32_t today = today01(now);
		return serial < today ? today : serial + 1;
	}
	if (strcasecmp(k, "INCREASE") == 0 ||
	    strcasecmp(k, "SOA-EDIT-INCREASE") == 0)
		return serial + 1;
	if (strcasecmp(k, "EPOCH") == 0)
		return (uint32_t)now;
	return serial; /* SOA-EDIT, INCEPTION-INCREMENT, NONE, "", unknown */
}

bool dns_api_zone_bump_serial(struct api_zone *z, const char *soa_edit_api,
			  int64_t now, uint32_t *old_serial,
			  uint32_t *new_serial)
{
	uint32_t old, next;
	if (!soa_edit_api || !*soa_edit_api || !dns_api_zone_serial(z, &old))
		return false;
	if (strcasecmp(soa_edit_api, "DEFAULT") == 0) {
		uint32_t today = today01(now);
		next = old < today ? today : old + 1;
	} else if (strcasecmp(soa_edit_api, "EPOCH") == 0) {
		next = (uint32_t)now;
	} else if (strcasecmp(soa_edit_api, "INCREASE") == 0 ||
		   strcasecmp(soa_edit_api, "SOA-EDIT") == 0 ||
		   strcasecmp(soa_edit_api, "SOA-EDIT-INCREASE") == 0 ||
		   strcasecmp(soa_edit_api, "INCEPTION-INCREMENT") == 0) {
		next = old + 1;
	} else {
		return false;
	}
	if (next == old || !dns_api_zone_set_serial(z, next))
		return false;
	if (old_serial)
		*old_serial = old;
	if (new_serial)
		*new_serial = next;
	return true;
}

/* ---- zone ids and names ---- */

static bool id_plain(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-';
}

void dns_api_zone_id(const char *name, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return;
	if (strcmp(name, ".") == 0) {
		snprintf(out, cap, "=2E");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (id_plain(*p)) {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= cap)
				break;
			snprintf(out + o, 4, "=%02X", *p);
			o += 3;
		}
	}
	out[o] = '\0';
}

int dns_api_zone_name_from_id(const char *id, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		if (c == '=') {
			int hi = i + 2 < len ? hex_digit(id[i + 1]) : -1;
			int lo = hi >= 0 ? hex_digit(id[i + 2]) : -1;
			if (lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || o + 2 >= cap)
			return -ENOENT;
		out[o++] = (char)tolower((unsigned char)c);
	}
	if (o == 0)
		return -ENOENT;
	if (out[o - 1] != '.')
		out[o++] = '.';
	out[o] = '\0';
	/* "example.com.." and the like name no zone. */
	struct dns_name n;
	if (dns_name_from_text(out, o, NULL, &n))
		return -ENOENT;
	return 0;
}

int dns_api_check_name(const char *name, bool wildcard, char *out, size_t cap,
		   struct dns_name *wire, struct api_err *e)
{
	size_t len = strlen(name);
	if (len == 0 || name[len - 1] != '.')
		return dns_api_fail(e, 422, "DNS Name '%.300s' is not canonical",
				name);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = isalnum(c) || c == '_' || c == '/' || c == '.' ||
			  c == '-';
		if (c == '*' && wildcard && i == 0 &&
		    (name[1] == '.' || name[1] == '\0'))
			ok = true;
		if (!ok) {
			char shown[256];
			size_t o = 0;
			for (size_t k = 0; k < len && o + 5 < sizeof(shown); k++) {
				unsigned char d = (unsigned char)name[k];
				if (d > 0x20 && d < 0x7f)
					shown[o++] = (char)d;
				else
					o += (size_t)snprintf(shown + o,
							      sizeof(shown) - o,
							      "\\%03u", d);
			}
			shown[o] = '\0';
			return dns_api_fail(e, 422,
					"Name '%s' contains unsupported "
					"characters",
					shown);
		}
	}
	if (len >= cap || dns_name_from_text(name, len, NULL, wire))
		return dns_api_fail(e, 422, "DNS Name '%.300s' is not a valid name",
				name);
	for (size_t i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)name[i]);
	dns_name_lower(wire);
	return 0;
}

/* ---- JSON ---- */

static int cmp_sets(const void *a, const void *b)
{
	const struct api_rrset *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return (int)x->type - (int)y->type;
}

void dns_api_zone_sort(struct api_zone *z)
{
	index_drop(z); /* the RRsets move */
	if (z->n > 1)
		qsort(z->sets, z->n, sizeof(*z->sets), cmp_sets);
}

json_t *dns_api_zone_summary(const struct api_zone *z, bool dnssec)
{
	char id[3 * DNS_NAME_TEXT_MAX];
	char url[3 * DNS_NAME_TEXT_MAX + 64];
	uint32_t serial = 0;
	dns_api_zone_id(z->name, id, sizeof(id));
	snprintf(url, sizeof(url), "/api/v1/servers/localhost/zones/%s", id);
	dns_api_zone_serial(z, &serial);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:I, s:I, "
			      "s:i}",
			      "id", id, "url", url, "name", z->name, "kind",
			      z->set.kind, "catalog", z->set.catalog, "account",
			      z->set.account, "masters", z->set.masters,
			      "serial", (json_int_t)serial, "notified_serial",
			      (json_int_t)z->set.notified_serial, "last_check",
			      0);
	if (j && dnssec) {
		json_object_set_new(j, "dnssec", json_false());
		json_object_set_new(j, "edited_serial",
				    json_integer((json_int_t)serial));
	}
	return j;
}

static json_t *rrset_json(const struct api_rrset *s, bool include_disabled)
{
	char tb[16];
	json_t *recs = json_array(), *comments = json_array();
	uint32_t ttl = s->ttl;
	for (size_t i = 0; i < s->n; i++) {
		if (s->recs[i].disabled && !include_disabled)
			continue;
		json_array_append_new(recs, json_pack("{s:s, s:b}", "content",
						      s->recs[i].content,
						      "disabled",
						      s->recs[i].disabled));
	}
	for (size_t i = 0; i < s->n_comments; i++)
		json_array_append_new(
			comments,
			json_pack("{s:s, s:s, s:I}", "content",
				  s->comments[i].content, "account",
				  s->comments[i].account, "modified_at",
				  (json_int_t)s->comments[i].modified_at));
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "name", s->name, "type",
			 dns_type_name(s->type, tb), "ttl", (json_int_t)ttl,
			 "records", recs, "comments", comments);
}

json_t *dns_api_zone_detail(const struct api_zone *z,
			const struct api_rrset_filter *f)
{
	json_t *j = dns_api_zone_summary(z, true);
	if (!j)
		return NULL;
	json_object_set_new(j, "soa_edit_api", json_string(z->set.soa_edit_api));
	json_object_set_new(j, "soa_edit", json_string(z->set.soa_edit));
	json_object_set_new(j, "nsec3param", json_string(z->set.nsec3param));
	json_object_set_new(j, "nsec3narrow", json_boolean(z->set.nsec3narrow));
	json_object_set_new(j, "api_rectify", json_boolean(z->set.api_rectify));
	json_object_set_new(j, "master_tsig_key_ids", json_array());
	json_object_set_new(j, "slave_tsig_key_ids", json_array());
	if (!f->rrsets)
		return j;
	json_t *sets = json_array();
	for (size_t i = 0; sets && i < z->n; i++) {
		const struct api_rrset *s = &z->sets[i];
		if (s->n == 0 && s->n_comments == 0)
			continue;
		if (f->name && strcmp(f->name, s->name) != 0)
			continue;
		if (f->type >= 0 && f->type != s->type)
			continue;
		json_array_append_new(sets, rrset_json(s, f->include_disabled));
	}
	json_object_set_new(j, "rrsets", sets);
	return j;
}
