/* SPDX-License-Identifier: MIT */
/* The PowerDNS API's zones/{id}/metadata: list, get, create, replace, delete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/api_priv.h"
#include "dns/internal.h"
#include "dns/store.h"

/*
 * As pdns_server 4.7: the known kinds plus any X- kind; some known kinds
 * are read-only through the API (422 "Unsupported metadata kind" on
 * POST, PUT and DELETE; SOA-EDIT-API and API-RECTIFY even on GET,
 * though the list shows them; GET of the DNSSEC ones is 404). Kinds that are zone settings (SOA-EDIT-API,
 * SOA-EDIT, API-RECTIFY, NSEC3PARAM, NSEC3NARROW) come from the zone's
 * columns; the rest from the dns_metadata table.
 */

enum kind_access {
	K_WRITE, /* read and written through the API */
	K_READ,	 /* read-only through the API */
	K_HIDDEN, /* DNSSEC settings: GET answers 404, writes 422 */
};

static const struct {
	const char *kind;
	enum kind_access access;
} kinds[] = {
	{"ALLOW-AXFR-FROM", K_WRITE},	   {"ALLOW-DNSUPDATE-FROM", K_WRITE},
	{"ALSO-NOTIFY", K_WRITE},	   {"AXFR-MASTER-TSIG", K_READ},
	{"AXFR-SOURCE", K_WRITE},	   {"FORWARD-DNSUPDATE", K_WRITE},
	{"GSS-ACCEPTOR-PRINCIPAL", K_WRITE}, {"GSS-ALLOW-AXFR-PRINCIPAL", K_WRITE},
	{"IXFR", K_WRITE},		   {"LUA-AXFR-SCRIPT", K_READ},
	{"NOTIFY-DNSUPDATE", K_WRITE},	   {"NSEC3NARROW", K_HIDDEN},
	{"NSEC3PARAM", K_HIDDEN},	   {"PRESIGNED", K_HIDDEN},
	{"PUBLISH-CDNSKEY", K_WRITE},	   {"PUBLISH-CDS", K_WRITE},
	{"SLAVE-RENOTIFY", K_WRITE},	   {"SOA-EDIT", K_WRITE},
	{"SOA-EDIT-DNSUPDATE", K_WRITE},   {"TSIG-ALLOW-AXFR", K_READ},
	{"TSIG-ALLOW-DNSUPDATE", K_WRITE},
};

/* The access to @kind, or -1 when pdns_server does not know it. */
static int kind_access(const char *kind)
{
	if (strncmp(kind, "X-", 2) == 0)
		return K_WRITE;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return (int)kinds[i].access;
	return -1;
}

static bool kind_ok(const char *kind, bool write)
{
	int a = kind_access(kind);
	return write ? a == K_WRITE : a >= 0;
}

/* kind -> array of values, for every kind the zone has. */
static int collect_row(const char *kind, const char *value, void *ud)
{
	json_t *all = ud, *a = json_object_get(all, kind);
	if (!a) {
		a = json_array();
		json_object_set_new(all, kind, a);
	}
	return json_array_append_new(a, json_string(value)) ? -ENOMEM : 0;
}

static int collect_settings(const struct dns_store_zone *z, void *ud)
{
	json_t *all = ud;
	const struct {
		const char *kind, *value;
	} cols[] = {
		{"SOA-EDIT-API", z->soa_edit_api},
		{"SOA-EDIT", z->soa_edit},
		{"API-RECTIFY", z->api_rectify ? "1" : ""},
		{"NSEC3PARAM", z->nsec3param},
		{"NSEC3NARROW", z->nsec3narrow ? "1" : ""},
	};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (cols[i].value && *cols[i].value &&
		    !json_object_get(all, cols[i].kind) && collect_row(cols[i].kind, cols[i].value, all))
			return -ENOMEM;
	return 0;
}

/* All of @c's zone metadata, or NULL after answering 404/500. */
static json_t *load(struct api_call *c)
{
	json_t *all = json_object();
	/* Rows first: a zone setting shows only when no row has its kind. */
	int rc = dns_store_meta_list(c->room->store, c->zone, collect_row, all);
	if (!rc)
		rc = dns_store_zone_get(c->room->store, c->zone,
					collect_settings, all);
	if (rc) {
		json_decref(all);
		if (rc == -ENOENT)
			http_reply_error(c->resp, 404, "Not Found");
		else
			http_reply_error(c->resp, 500, "cannot read the zone's "
						       "metadata");
		return NULL;
	}
	return all;
}

static json_t *item(const char *kind, json_t *values)
{
	return json_pack("{s:s, s:s, s:O}", "type", "Metadata", "kind", kind,
			 "metadata", values);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void dns_api_meta_list(struct api_call *c)
{
	json_t *all = load(c);
	if (!all)
		return;
	size_t n = json_object_size(all), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	json_t *out = json_array();
	const char *k;
	json_t *v;
	if (keys) {
		json_object_foreach(all, k, v) keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_str);
		for (i = 0; i < n; i++)
			json_array_append_new(
				out, item(keys[i], json_object_get(all, keys[i])));
	}
	free(keys);
	http_reply_json(c->resp, 200, out);
	json_decref(all);
}

/* The kind named in the URL, checked; NULL after answering. */
static bool url_kind(struct api_call *c, bool write)
{
	if (!kind_ok(c->kind, write)) {
		http_reply_error(c->resp, 422, "Unsupported metadata kind '%s'",
				 c->kind);
		return false;
	}
	return true;
}

static void reply_kind(struct api_call *c, int status, const char *kind)
{
	json_t *all = load(c);
	if (!all)
		return;
	json_t *v = json_object_get(all, kind);
	json_t *empty = json_array();
	http_reply_json(c->resp, status, item(kind, v ? v : empty));
	json_decref(empty);
	json_decref(all);
}

void dns_api_meta_get(struct api_call *c)
{
	if (dns_store_zone_get(c->room->store, c->zone, NULL, NULL)) {
		http_reply_error(c->resp, 404, "Not Found");
		return;
	}
	if (!url_kind(c, false))
		return;
	if (kind_access(c->kind) == K_HIDDEN)
		http_reply_error(c->resp, 404, "Not Found");
	else
		reply_kind(c, 200, c->kind);
}

/*
 * A metadata write, on the room's write strand like every API write
 * (write.c): the values are copied into the job, the answer waits for
 * the commit.
 */
struct meta_write {
	struct dns_write w;
	char zone[DNS_NAME_TEXT_MAX];
	char kind[64];
	bool append, remove;
	int status;
	size_t n;
	char *vals[]; /* n strings, each its own allocation */
};

static int meta_work(struct dns_write *w, struct store *s)
{
	struct meta_write *j = (struct meta_write *)w;
	return dns_store_meta_set(s, j->zone, j->kind,
				  (const char *const *)j->vals, j->n,
				  j->append);
}

static void meta_done(struct dns_write *w, struct http_response *resp)
{
	struct meta_write *j = (struct meta_write *)w;
	struct api_call c = {.room = w->room, .resp = resp};
	snprintf(c.zone, sizeof(c.zone), "%s", j->zone);
	if (w->rc == -ENOENT)
		http_reply_error(resp, 404, "Not Found");
	else if (w->rc)
		http_reply_error(resp, 500, j->remove
					      ? "cannot delete the metadata"
					      : "cannot write the metadata");
	else if (j->remove) {
		/* pdns_server 4.7's answer: 200, an empty body typed text/html. */
		resp->status = 200;
		resp->content_type = "text/html";
	} else
		reply_kind(&c, j->status, j->kind);
}

static void meta_free(struct dns_write *w)
{
	struct meta_write *j = (struct meta_write *)w;
	for (size_t i = 0; i < j->n; i++)
		free(j->vals[i]);
	free(j);
}

/* Queues the write of @kind: @vals (n strings, copied), appended to what
 * is there or replacing it; @remove deletes the kind. */
static void submit_meta(struct api_call *c, const char *kind,
			const char *const *vals, size_t n, bool append,
			bool remove, int status)
{
	struct meta_write *j = calloc(1, sizeof(*j) + n * sizeof(char *));
	bool ok = j != NULL;
	for (size_t i = 0; ok && i < n; i++)
		ok = (j->vals[j->n++] = strdup(vals[i])) != NULL;
	if (!ok) {
		if (j)
			meta_free(&j->w);
		http_reply_error(c->resp, 500, "out of memory");
		return;
	}
	snprintf(j->zone, sizeof(j->zone), "%s", c->zone);
	snprintf(j->kind, sizeof(j->kind), "%s", kind);
	j->append = append;
	j->remove = remove;
	j->status = status;
	j->w.work = meta_work;
	j->w.done = meta_done;
	j->w.free = meta_free;
	dns_write_submit(c->room, c->req, c->resp, &j->w);
}

/* Writes @kind from @body's "metadata" (an array of strings). */
static void write_kind(struct api_call *c, json_t *body, const char *kind,
		       bool append, int status)
{
	json_t *m = json_object_get(body, "metadata");
	if (!json_is_array(m)) {
		http_reply_error(c->resp, 422,
				 "metadata is not specified or not an array");
		return;
	}
	size_t n = json_array_size(m);
	const char **vals = calloc(n ? n : 1, sizeof(*vals));
	if (!vals) {
		http_reply_error(c->resp, 500, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		vals[i] = json_string_value(json_array_get(m, i));
		if (!vals[i]) {
			free(vals);
			http_reply_error(c->resp, 422,
					 "metadata must be strings");
			return;
		}
	}
	if (!kind_ok(kind, true)) {
		free(vals);
		http_reply_error(c->resp, 422, "Unsupported metadata kind '%s'",
				 kind);
		return;
	}
	submit_meta(c, kind, vals, n, append, false, status);
	free(vals);
}

void dns_api_meta_create(struct api_call *c)
{
	if (dns_store_zone_get(c->room->store, c->zone, NULL, NULL)) {
		http_reply_error(c->resp, 404, "Not Found");
		return;
	}
	json_t *body = dns_api_body(c);
	if (!body)
		return;
	const char *kind = json_string_value(json_object_get(body, "kind"));
	if (!kind)
		http_reply_error(c->resp, 422,
				 "kind is not specified or not a string");
	else
		write_kind(c, body, kind, true, 201);
	json_decref(body);
}

void dns_api_meta_put(struct api_call *c)
{
	if (dns_store_zone_get(c->room->store, c->zone, NULL, NULL)) {
		http_reply_error(c->resp, 404, "Not Found");
		return;
	}
	if (!url_kind(c, true))
		return;
	json_t *body = dns_api_body(c);
	if (!body)
		return;
	write_kind(c, body, c->kind, false, 200);
	json_decref(body);
}

void dns_api_meta_delete(struct api_call *c)
{
	if (dns_store_zone_get(c->room->store, c->zone, NULL, NULL)) {
		http_reply_error(c->resp, 404, "Not Found");
		return;
	}
	if (!url_kind(c, true))
		return;
	submit_meta(c, c->kind, NULL, 0, false, true, 200);
}
