/* SPDX-License-Identifier: MIT */
/* Zone file imports: parse and check without the store, then replace the
 * stored zone; PUT /api/v1/dns/zones/ZONE/file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "dns/internal.h"
#include "dns/store.h"
#include "proto/dns/answer.h"
#include "proto/dns/dns.h"
#include "proto/dns/name.h"
#include "proto/dns/zone.h"
#include "proto/dns/zonefile.h"

#define ZONEFILE_MAX (256u << 20) /* bytes read from one zone file */

int dns_read_zone_file(const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct buf b;
	buf_init(&b, ZONEFILE_MAX);
	char chunk[65536];
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		if ((rc = buf_append(&b, chunk, (size_t)n)))
			break;
	}
	close(fd);
	if (rc) {
		buf_deinit(&b);
		return rc;
	}
	*data = buf_steal(&b, len);
	if (!*data) {
		*data = strdup("");
		*len = 0;
	}
	return *data ? 0 : -ENOMEM;
}

/* $INCLUDE paths are relative to the including file's directory. */
static int include_file(const char *from, const char *path, char **data,
			size_t *len, char *resolved, size_t cap, void *ud)
{
	(void)ud;
	if (path[0] == '/') {
		snprintf(resolved, cap, "%s", path);
	} else {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", from);
		snprintf(resolved, cap, "%s/%s", dirname(dir), path);
	}
	return dns_read_zone_file(resolved, data, len);
}

/* Records collected from a file before they go to the store in one go,
 * with where each was read. */
struct collect {
	struct dns_store_rr *rrs;
	struct collect_at {
		const char *file; /* in the arena */
		int line;
	} *at;
	size_t n, cap;
	struct arena arena;
	const char *last_file, *last_copy;
};

static int collect_rr(const struct dns_zf_record *rr, void *ud)
{
	struct collect *c = ud;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct dns_store_rr *r = realloc(c->rrs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		c->rrs = r;
		struct collect_at *at = realloc(c->at, cap * sizeof(*at));
		if (!at)
			return -ENOMEM;
		c->at = at;
		c->cap = cap;
	}
	if (rr->file != c->last_file) {
		c->last_copy = arena_strdup(&c->arena, rr->file);
		if (!c->last_copy)
			return -ENOMEM;
		c->last_file = rr->file;
	}
	c->at[c->n] = (struct collect_at){c->last_copy, rr->line};
	char name[DNS_NAME_TEXT_MAX];
	struct dns_name owner = rr->owner;
	dns_name_lower(&owner);
	if (dns_name_to_text(&owner, name, sizeof(name)) < 0)
		return -EINVAL;
	char *n = arena_strdup(&c->arena, name);
	uint8_t *rd = arena_alloc(&c->arena, rr->rdlen ? rr->rdlen : 1);
	if (!n || !rd)
		return -ENOMEM;
	if (rr->rdlen)
		memcpy(rd, rr->rdata, rr->rdlen);
	c->rrs[c->n++] = (struct dns_store_rr){
		.name = n, .type = rr->type, .ttl = rr->ttl, .rdata = rd,
		.rdlen = rr->rdlen};
	return 0;
}

/* One RRset's size while a zone file is checked. */
struct sized {
	size_t first; /* index of its first record in the collect */
	size_t count, bytes;
};

static uint64_t rrset_hash(const struct dns_store_rr *rr)
{
	uint64_t h = 1469598103934665603ull ^ rr->type;
	for (const char *p = rr->name; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * Refuses an RRset too large to be served even over TCP (every answer
 * would be an empty TC one): "file:line: ..." of its first record.
 * Groups the records by (name, type) in a hash table: linear in the file.
 */
static int check_sizes(const struct collect *c, char *why, size_t why_len)
{
	size_t cap = 16;
	while (cap < c->n * 2)
		cap *= 2;
	struct sized *t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < c->n && !rc; i++) {
		const struct dns_store_rr *rr = &c->rrs[i];
		size_t k = rrset_hash(rr) & (cap - 1);
		for (;; k = (k + 1) & (cap - 1)) {
			const struct dns_store_rr *o = &c->rrs[t[k].first];
			if (!t[k].count || (o->type == rr->type &&
					    strcmp(o->name, rr->name) == 0))
				break;
		}
		if (!t[k].count)
			t[k].first = i;
		t[k].count++;
		t[k].bytes += rr->rdlen;
		if (dns_answer_rrset_size(DNS_NAME_MAX, t[k].count,
					  t[k].bytes) <= DNS_MSG_MAX)
			continue; /* fits whatever the owner */
		struct dns_name owner;
		if (dns_name_from_text(rr->name, strlen(rr->name), NULL, &owner))
			continue;
		size_t size = dns_answer_rrset_size(owner.len, t[k].count,
						    t[k].bytes);
		if (size > DNS_MSG_MAX) {
			const struct collect_at *at = &c->at[t[k].first];
			char tb[16];
			snprintf(why, why_len,
				 "%s:%d: RRset %s IN %s is too large to be "
				 "served: an answer carrying it would be %zu "
				 "bytes, more than %u even over TCP",
				 at->file, at->line, rr->name,
				 dns_type_name(rr->type, tb), size,
				 (unsigned)DNS_MSG_MAX);
			rc = -EINVAL;
		}
	}
	free(t);
	return rc;
}

/* A zone file must hold its zone's SOA, or the zone could not be served. */
static bool has_apex_soa(const struct collect *c, const char *apex)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->rrs[i].type == DNS_T_SOA && strcmp(c->rrs[i].name, apex) == 0)
			return true;
	return false;
}

/* The record of @c the builder's refusal "NAME: what" points at: the
 * first record at NAME of the type the reason names (the second SOA
 * for "more than one"), else the first record at NAME. -1 when none. */
static long refused_at(const struct collect *c, const char *why)
{
	const char *colon = strstr(why, ": ");
	if (!colon)
		return -1;
	struct dns_name n, root;
	char name[DNS_NAME_TEXT_MAX];
	dns_name_root(&root);
	if (dns_name_from_text(why, (size_t)(colon - why), &root, &n))
		return -1;
	dns_name_lower(&n);
	dns_name_to_text(&n, name, sizeof(name));
	uint16_t type = strstr(colon, "SOA") ? DNS_T_SOA
			: strstr(colon, "CNAME") ? DNS_T_CNAME : 0;
	int skip = strstr(colon, "more than one") ? 1 : 0;
	long first = -1, cname = -1, other = -1;
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->rrs[i].name, name) != 0)
			continue;
		if (first < 0)
			first = (long)i;
		if (c->rrs[i].type == DNS_T_CNAME && cname < 0)
			cname = (long)i;
		if (c->rrs[i].type != DNS_T_CNAME && other < 0)
			other = (long)i;
		if (type && c->rrs[i].type == type && type != DNS_T_CNAME &&
		    skip-- == 0)
			return (long)i;
	}
	if (strstr(colon, "CNAME and other data") && cname >= 0 && other >= 0)
		return cname > other ? cname : other; /* the one that conflicts */
	if (type == DNS_T_CNAME && cname >= 0)
		return cname;
	return first;
}

/*
 * Builds the collected records into a zone in memory with the same
 * builder that serves them, so whatever it would refuse (a name outside
 * the zone, CNAME and other data, SOA missing, doubled or below the
 * apex, CNAME at the apex) is refused here, before the store is touched.
 */
static int check_builds(const struct collect *c, const struct dns_name *apex,
			const char *label, char *why, size_t why_len)
{
	struct dns_zone_builder *b = dns_zone_builder_new(apex);
	char w[128] = "";
	int rc = b ? 0 : -ENOMEM;
	for (size_t i = 0; i < c->n && !rc; i++) {
		const struct dns_store_rr *rr = &c->rrs[i];
		struct dns_name owner;
		if (dns_name_from_text(rr->name, strlen(rr->name), NULL, &owner)) {
			snprintf(why, why_len, "%s:%d: bad owner name %s",
				 c->at[i].file, c->at[i].line, rr->name);
			dns_zone_builder_free(b);
			return -EINVAL;
		}
		rc = dns_zone_builder_add(b, &owner, rr->type, rr->ttl,
					  rr->rdata, (uint16_t)rr->rdlen, w);
		if (rc == -EINVAL) {
			snprintf(why, why_len, "%s:%d: %s", c->at[i].file,
				 c->at[i].line, w);
			dns_zone_builder_free(b);
			return rc;
		}
	}
	if (rc) {
		dns_zone_builder_free(b);
		return rc;
	}
	struct dns_zone *z = NULL;
	rc = dns_zone_build(b, &z, w);
	dns_zone_free(z);
	if (rc == -EINVAL) {
		long at = refused_at(c, w);
		if (at >= 0)
			snprintf(why, why_len, "%s:%d: %s", c->at[at].file,
				 c->at[at].line, w);
		else
			snprintf(why, why_len, "%s: %s", label, w);
	}
	return rc;
}

/* Parses and checks a zone file into @c; @why says what is wrong. */
static int parse_check(struct collect *c, const char *zone, const char *data,
		       size_t len, const char *label, bool includes, char *why,
		       size_t why_len, char apex[DNS_NAME_TEXT_MAX])
{
	struct dns_name origin, root;
	struct dns_zf_error err;
	int rc;

	dns_name_root(&root);
	rc = dns_name_from_text(zone, strlen(zone), &root, &origin);
	if (rc) {
		snprintf(why, why_len, "bad zone name '%s'", zone);
		return -EINVAL;
	}
	dns_name_lower(&origin);
	dns_name_to_text(&origin, apex, DNS_NAME_TEXT_MAX);
	struct dns_zf_ops ops = {.record = collect_rr,
				 .include = includes ? include_file : NULL,
				 .ud = c};
	rc = dns_zonefile_parse(data, len, label, &origin, 3600, &ops, &err);
	if (rc == -EINVAL) {
		snprintf(why, why_len, "%s:%d: %s", err.file, err.line,
			 err.msg);
		return rc;
	}
	if (!rc && !has_apex_soa(c, apex)) {
		snprintf(why, why_len, "%s: no SOA record at %s", label, apex);
		return -EINVAL;
	}
	if (!rc)
		rc = check_sizes(c, why, why_len);
	if (!rc)
		rc = check_builds(c, &origin, label, why, why_len);
	if (rc && rc != -EINVAL)
		snprintf(why, why_len, "%s", hearth_strerror(rc));
	return rc;
}

static void collect_free(struct collect *c)
{
	free(c->rrs);
	free(c->at);
	arena_deinit(&c->arena);
}

int dns_import_check(const char *zone, const char *data, size_t len,
		     const char *label, bool includes, char *why,
		     size_t why_len, size_t *records)
{
	struct collect c = {0};
	char apex[DNS_NAME_TEXT_MAX];
	arena_init(&c.arena);
	int rc = parse_check(&c, zone, data, len, label, includes, why,
			     why_len, apex);
	if (!rc && records)
		*records = c.n;
	collect_free(&c);
	return rc;
}

int dns_import_text(struct store *store, const char *zone, const char *data,
		    size_t len, const char *label, bool includes, char *why,
		    size_t why_len, size_t *records)
{
	struct collect c = {0};
	char apex[DNS_NAME_TEXT_MAX];
	arena_init(&c.arena);
	int rc = parse_check(&c, zone, data, len, label, includes, why,
			     why_len, apex);
	if (!rc) {
		rc = dns_store_zone_replace(store, apex, "file", c.rrs, c.n);
		if (rc)
			snprintf(why, why_len, "%s", hearth_strerror(rc));
		else
			*records = c.n;
	}
	collect_free(&c);
	return rc;
}


#define PREFIX "/api/v1/dns/zones/"
#define SUFFIX "/file"

struct import_write {
	struct dns_write w;
	char zone[DNS_NAME_TEXT_MAX];
	char why[512];
	size_t records;
	size_t len;
	char text[]; /* the zone file, copied from the request */
};

static int import_work(struct dns_write *w, struct store *s)
{
	struct import_write *j = (struct import_write *)w;
	return dns_import_text(s, j->zone, j->text, j->len, j->zone, false,
			       j->why, sizeof(j->why), &j->records);
}

static void import_done(struct dns_write *w, struct http_response *resp)
{
	struct import_write *j = (struct import_write *)w;
	if (w->rc) {
		http_reply_error(resp, 422, "%s", j->why);
		return;
	}
	http_reply_json(resp, 200,
			json_pack("{s:s, s:I}", "zone", j->zone, "records",
				  (json_int_t)j->records));
}

static void import_free(struct dns_write *w)
{
	free(w);
}

/*
 * What `hearth dns import ZONE FILE` calls. The text is parsed whole
 * before anything is written; an error answers 422 with "file:line:
 * message" and leaves the stored zone as it was. $INCLUDE is refused:
 * the daemon cannot see the client's files. Parsing and the write run
 * on the room's write strand (write.c).
 */
static void put_file(const struct http_request *req,
		     struct http_response *resp, void *ud)
{
	struct dns_room *r = ud;
	const char *p = req->path + strlen(PREFIX);
	size_t n = strlen(p), sl = strlen(SUFFIX);
	if (n <= sl || n - sl >= DNS_NAME_TEXT_MAX ||
	    strcmp(p + n - sl, SUFFIX) != 0) {
		http_reply_error(resp, 404, "not found");
		return;
	}
	struct import_write *j = calloc(1, sizeof(*j) + req->body_len + 1);
	if (!j) {
		http_reply_error(resp, 500, "out of memory");
		return;
	}
	memcpy(j->zone, p, n - sl);
	j->zone[n - sl] = '\0';
	memcpy(j->text, req->body, req->body_len);
	j->len = req->body_len;
	snprintf(j->why, sizeof(j->why), "the zone file was not imported");
	j->w.work = import_work;
	j->w.done = import_done;
	j->w.free = import_free;
	dns_write_submit(r, req, resp, &j->w);
}

static const struct http_route routes[] = {
	{.name = "dns_import", .method = "PUT", .path = PREFIX, .prefix = true,
	 .management = true, .fn = put_file,
	 .help = "replace a zone with the zone file in the body"},
};

int dns_import_register(struct dns_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
