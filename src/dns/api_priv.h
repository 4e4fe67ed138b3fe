/* SPDX-License-Identifier: MIT */
/* What the PowerDNS-compatible API's files share: the zone model and errors. */
#ifndef HEARTH_DNS_API_PRIV_H
#define HEARTH_DNS_API_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "core/http_server.h"
#include "proto/dns/name.h"

/*
 * A request loads the whole zone into an api_zone (settings, RRsets with
 * records in text and wire form, comments), edits it in memory, checks
 * it, and writes only the RRsets it marked dirty in one store
 * transaction. Validation and merging (api_rrsets.c) never touch the
 * store, so the fuzz target drives them directly. Everything a zone
 * holds lives in its arena, except the RRset array itself.
 */

/* An HTTP error for the client: status and message. */
struct api_err {
	int status;
	char msg[512];
};

/* Fills @e and returns -EINVAL. */
int dns_api_fail(struct api_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct api_record {
	const char *content; /* presentation text: canonical, or as sent */
	bool as_sent;	     /* content is the client's spelling (stored) */
	bool disabled;
	const uint8_t *rdata;
	uint16_t rdlen;
};

struct api_comment {
	const char *content;
	const char *account;
	int64_t modified_at;
};

struct api_rrset {
	const char *name; /* lower case, trailing dot */
	uint16_t type;
	uint32_t ttl;
	struct api_record *recs;
	size_t n;
	struct api_comment *comments;
	size_t n_comments;
	bool dirty_records, dirty_comments;
	bool touched; /* named by the request being applied */
};

/* Settings echoed in the zone object (strings owned by the arena). */
struct api_settings {
	const char *kind; /* Native | Master | Slave | Producer | Consumer */
	const char *source;
	const char *account;
	const char *soa_edit_api;
	const char *soa_edit;
	const char *catalog;
	const char *nsec3param;
	json_t *masters; /* array of strings; owned reference */
	int64_t notified_serial;
	bool api_rectify, nsec3narrow;
};

struct api_zone {
	char name[DNS_NAME_TEXT_MAX]; /* lower case, trailing dot */
	struct dns_name apex;
	struct api_settings set;
	struct api_rrset *sets;
	size_t n, cap;
	struct arena arena;
	bool creating; /* POST: a missing SOA is synthesised afterwards */
	/* The RRsets by owner name (api_model.c), so a big zone is not
	 * searched once per RRset: heads[] holds 1 + the first RRset of a
	 * name hash, next[i] 1 + the next of RRset i's (in array order),
	 * tails[] the last. Built on first use; dropped when sorted. */
	size_t *heads, *tails, *next;
	size_t n_heads, indexed;
};

/* An empty zone named @name (canonical text). 0 or -EINVAL/-ENOMEM. */
int dns_api_zone_init(struct api_zone *z, const char *name);
void dns_api_zone_deinit(struct api_zone *z);

/* The RRset (name, type) of @z, created empty when @create. NULL when
 * absent (or out of memory when @create). */
struct api_rrset *dns_api_zone_rrset(struct api_zone *z, const char *name,
				 uint16_t type, bool create);

/* Appends a new empty RRset without looking for an existing one (for
 * loading, where each (name, type) comes once). NULL when out of memory. */
struct api_rrset *dns_api_zone_rrset_new(struct api_zone *z, const char *name,
				     uint16_t type);

/* The RRsets of @z at @name in array order: the first with @prev NULL,
 * then the one after @prev; NULL at the end. */
struct api_rrset *dns_api_zone_at(struct api_zone *z, const char *name,
				  const struct api_rrset *prev);

/* True when @z is a secondary zone (no SOA of its own required). */
bool dns_api_zone_is_secondary(const struct api_zone *z);

/* The apex SOA serial, or false when the zone has none. */
bool dns_api_zone_serial(const struct api_zone *z, uint32_t *serial);

/* Kind as PowerDNS prints it for a client's spelling (any case):
 * unknown kinds are Native. */
const char *dns_api_kind_normalise(const char *kind);

/* ---- RRsets in requests (api_rrsets.c) ---- */

enum api_changetype {
	API_CT_REPLACE,
	API_CT_DELETE,
	API_CT_EXTEND,
	API_CT_PRUNE,
};

struct api_rrset_in {
	struct api_rrset set; /* records/comments as given, validated */
	enum api_changetype ct;
	bool has_records, has_comments, has_ttl;
};

enum api_rrsets_mode {
	API_RRSETS_PATCH, /* {"rrsets": [...]} with changetype */
	API_RRSETS_ZONE,  /* a zone's full content (POST, PUT): no changetype */
};

/*
 * Validates a JSON array of RRsets against @z's apex: names canonical and
 * in zone, known types, each record's content parsed and re-serialised
 * (it must come back the same, case-insensitively). Results live in @z's
 * arena; *out is malloc'd. 0, or -EINVAL with @e (422 mostly), or -ENOMEM.
 */
int dns_api_rrsets_parse(struct api_zone *z, json_t *arr, enum api_rrsets_mode mode,
		     int64_t now, struct api_rrset_in **out, size_t *n,
		     struct api_err *e);

/* Turns each "\@" of the presentation text @t (@n bytes, NUL-terminated
 * at most at t[n]) back into "@" in place, leaving other escapes alone:
 * PowerDNS shows '@' inside names as sent. Returns the new length. */
int dns_api_unescape_at(char *t, size_t n);

/* Parses one record's content for (owner, type) as dns_api_rrsets_parse
 * does (into @z's arena). 0, -EINVAL with @e, or -ENOMEM. */
int dns_api_record_parse(struct api_zone *z, const char *owner, uint16_t type,
		     const char *content, struct api_record *out,
		     struct api_err *e);

/*
 * Applies parsed RRsets to @z in order, marking what changed dirty, then
 * checks the RRsets at every touched name (CNAME exclusivity, single-
 * record types, duplicates, apex-only types, hostname targets). With
 * @replace_all, @z's records are dropped first. 0 or -EINVAL with @e.
 * *changed says whether anything differs.
 */
int dns_api_rrsets_apply(struct api_zone *z, const struct api_rrset_in *in,
		     size_t n, bool replace_all, bool *changed,
		     struct api_err *e);

/* Sets the apex SOA serial to what @soa_edit_api makes of it (DEFAULT:
 * YYYYMMDDnn in local time, INCREASE: +1, EPOCH: @now, "": unchanged)
 * and marks it dirty. Returns false when there is no SOA or no change. */
bool dns_api_zone_bump_serial(struct api_zone *z, const char *soa_edit_api,
			  int64_t now, uint32_t *old_serial,
			  uint32_t *new_serial);

/*
 * The serial pdns_server 4.7 gives the SOA of a zone it creates (the
 * SOA given or synthesised, serial @serial), per @soa_edit_api (any
 * case): DEFAULT: YYYYMMDD01 of @now in local time, or @serial + 1 when
 * that is not below it; INCREASE and SOA-EDIT-INCREASE: @serial + 1;
 * EPOCH: @now; SOA-EDIT, INCEPTION-INCREMENT, NONE, "" and unknown
 * kinds: @serial unchanged. Arithmetic wraps at 2^32 as PowerDNS's does.
 */
uint32_t dns_api_first_serial(const char *soa_edit_api, uint32_t serial,
			      int64_t now);

/* Sets the apex SOA serial to @serial (dirty). False without an SOA. */
bool dns_api_zone_set_serial(struct api_zone *z, uint32_t serial);

/* ---- request bodies (api_requests.c) ---- */

/* The SOA a POST without one gets (dns.soa, soa.c): absolute names in
 * presentation form, timers, TTL. */
struct api_soa_default {
	char mname[DNS_NAME_TEXT_MAX], rname[DNS_NAME_TEXT_MAX];
	uint32_t refresh, retry, expire, minimum, ttl;
};

/* Validates a whole zone-level request body for POST (create): name,
 * kind, masters, nameservers, rrsets or zone text, and fills @z (records
 * dirty). A zone without a SOA gets @soa's (NULL: PowerDNS's own default,
 * a.misconfigured.dns.server.invalid.). @z must be zeroed; on success it
 * is initialised. */
int dns_api_zone_from_create(struct api_zone *z, json_t *body, int64_t now,
			     const struct api_soa_default *soa,
			     struct api_err *e);

/* The RRsets of zone text @text (@len bytes, BIND or AXFR format;
 * relative names against @z's apex; no $INCLUDE) as a JSON array shaped
 * like a POST's "rrsets" (*rrsets, owned by the caller); a SOA after the
 * first is skipped, an RRset's TTL is its lowest. 0, -EINVAL with @e
 * (422, PowerDNS's "An error occurred while parsing the zonedata: ..."),
 * or -ENOMEM. Pure (api_zonetext.c). */
int dns_api_zone_text_rrsets(const struct api_zone *z, const char *text,
			     size_t len, json_t **rrsets, struct api_err *e);

/* Applies PUT settings (and rrsets, replacing all) to @z. */
int dns_api_zone_apply_put(struct api_zone *z, json_t *body, int64_t now,
		       bool *records_changed, struct api_err *e);

/* Applies a PATCH body to @z (rrsets + serial bump). */
int dns_api_zone_apply_patch(struct api_zone *z, json_t *body, int64_t now,
			 struct api_err *e);

/* ---- zone ids and JSON (api_json.c) ---- */

/* Zone name -> id: bytes outside [A-Za-z0-9.-] become =XX; "." is =2E. */
void dns_api_zone_id(const char *name, char *out, size_t cap);

/* Zone id from a URL -> canonical lower-case name with trailing dot.
 * -EINVAL for a bad =XX escape (400), -ENOENT for a name that cannot
 * exist (404). */
int dns_api_zone_name_from_id(const char *id, size_t len, char *out, size_t cap);

/* Checks a name given in a request body: canonical (trailing dot),
 * allowed characters, valid DNS name; writes the lower-case form.
 * @wildcard allows a leading "*.". 0 or -EINVAL with @e. */
int dns_api_check_name(const char *name, bool wildcard, char *out, size_t cap,
		   struct dns_name *wire, struct api_err *e);

/* Zone summary / detail objects. */
json_t *dns_api_zone_summary(const struct api_zone *z, bool dnssec);
struct api_rrset_filter {
	bool rrsets;	      /* include "rrsets" */
	const char *name;     /* only this owner (canonical), or NULL */
	int type;	      /* only this type, or -1 */
	bool include_disabled;
};
json_t *dns_api_zone_detail(const struct api_zone *z,
			const struct api_rrset_filter *f);

/* Sorts @z's RRsets by name then type (for output). */
void dns_api_zone_sort(struct api_zone *z);

/* ---- the store (api_store.c) ---- */

struct store;

/* Loads @name; -ENOENT when absent. @z must be zeroed. */
int dns_api_zone_load(struct store *s, const char *name, struct api_zone *z);

/* Loads @name's settings and only the RRsets at its apex and at each of
 * @owners (canonical text; comments not loaded): what a PATCH reads and
 * checks, in time proportional to those names, not to the zone. */
int dns_api_zone_load_at(struct store *s, const char *name,
			 const char *const *owners, size_t n,
			 struct api_zone *z);

/* Calls @fn for each stored zone with its settings only (no RRsets). */
int dns_api_zones_each(struct store *s, int (*fn)(struct api_zone *z, void *ud),
		   void *ud);

/* Writes @z's dirty RRsets (and settings when @settings) in one
 * transaction; @create inserts the zone, @replace_all drops all its
 * records first. */
int dns_api_zone_save(struct store *s, struct api_zone *z, bool create,
		  bool settings, bool replace_all);

/* ---- handlers (api_zones.c, api_stats.c) ---- */

struct dns_room;

/* One API request being answered. */
struct api_call {
	struct dns_room *room;
	const struct http_request *req;
	struct http_response *resp;
	char zone[DNS_NAME_TEXT_MAX]; /* from the URL's zone id, if any */
	char kind[64]; /* metadata/{kind} from the URL, if any */
	/* autoprimaries/{ip}/{nameserver} from the URL, if any */
	char ap_ip[64];
	char ap_ns[DNS_NAME_TEXT_MAX];
};

/* Adds pdns_server's "Access-Control-Allow-Origin: *" to @resp when its
 * status is one pdns gives it on (2xx, 422). */
void dns_api_cors(struct http_response *resp);

/* Answers {"error": msg} with @e's status. */
void dns_api_reply_err(struct api_call *c, const struct api_err *e);
/* The request body as JSON, or NULL after answering 400. */
json_t *dns_api_body(struct api_call *c);

/*
 * Zones derived from lab: and DHCP leases (api_derived.c). Loop thread.
 * dns_api_derived_zone_load fills @z (initialised here; the caller
 * deinits) with the served SOA/NS and the derived RRsets of zone @name,
 * each marked with a comment naming its source; -ENOENT when no derived
 * record belongs to @name. dns_api_derived_conflict says whether a
 * derived record of @zone sits at @name (any name when NULL) with @type
 * (any when < 0), and writes which one into @why.
 * dns_api_derived_join adds to the stored zone @z the derived RRsets of
 * its name that it does not hold itself (a stored RRset wins, as it
 * does when served), marked the same way.
 * dns_api_derived_each calls @fn for every derived zone's name.
 */
int dns_api_derived_zone_load(struct dns_room *r, const char *name,
			      struct api_zone *z);
int dns_api_derived_join(struct dns_room *r, struct api_zone *z);
bool dns_api_derived_conflict(struct dns_room *r, const char *zone,
			      const char *name, int type, char *why,
			      size_t len);
int dns_api_derived_each(struct dns_room *r,
			 int (*fn)(const char *zone, void *ud), void *ud);

void dns_api_zones_list(struct api_call *c);
void dns_api_zone_create(struct api_call *c);
void dns_api_zone_get(struct api_call *c);
void dns_api_zone_put(struct api_call *c);
void dns_api_zone_patch(struct api_call *c);
void dns_api_zone_delete(struct api_call *c);
void dns_api_zone_notify(struct api_call *c);
void dns_api_zone_axfr_retrieve(struct api_call *c);
void dns_api_zone_rectify(struct api_call *c);
void dns_api_zone_export(struct api_call *c);
void dns_api_statistics(struct api_call *c);
void dns_api_search_data(struct api_call *c);
void dns_api_config_list(struct api_call *c);
void dns_api_autoprimary_list(struct api_call *c);
void dns_api_autoprimary_add(struct api_call *c);
void dns_api_autoprimary_delete(struct api_call *c);
void dns_api_meta_list(struct api_call *c);
void dns_api_meta_create(struct api_call *c);
void dns_api_meta_get(struct api_call *c);
void dns_api_meta_put(struct api_call *c);
void dns_api_meta_delete(struct api_call *c);

/* Reads integers the way PowerDNS does: a JSON integer or a string of
 * digits. False when absent or not one. */
bool dns_api_json_uint(json_t *v, uint64_t max, uint64_t *out);

#endif
