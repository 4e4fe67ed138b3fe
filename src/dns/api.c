/* SPDX-License-Identifier: MIT */
/* The PowerDNS-compatible HTTP API: routes, dispatch by path, server objects. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "dns/api_priv.h"
#include "dns/internal.h"
#include "proto/dns/cache.h"

/*
 * PowerDNS's API (/api/v1/servers/localhost/...) as the Terraform
 * provider, lego, external-dns and scripts use it: see
 * docs/specs/powerdns_api.md for the subset and the status codes. The
 * HTTP server matches the fixed prefix and checks X-API-Key; the rest
 * of the path (server id, zone id, action) is split here, so a wrong
 * method on a known path gets PowerDNS's 405 and an unknown server or
 * action its 404.
 */

#define SERVERS_PREFIX "/api/v1/servers/"
/* The PowerDNS release whose API hearth follows, marked as hearth. */
#define PDNS_VERSION "4.7.3-hearth" HEARTH_VERSION


/* pdns_server 4.7 sets "Access-Control-Allow-Origin: *" on every API
 * answer its handlers give, successes and their 422s alike; the answers
 * of its HTTP exceptions (400, 401, 404, 405, 409, 500) replace the whole
 * response and go without it. */
void dns_api_cors(struct http_response *resp)
{
	if ((resp->status >= 200 && resp->status < 300) || resp->status == 422)
		http_reply_header(resp, "Access-Control-Allow-Origin", "*");
}

void dns_api_reply_err(struct api_call *c, const struct api_err *e)
{
	http_reply_error(c->resp, e->status ? e->status : 500, "%s", e->msg);
}

json_t *dns_api_body(struct api_call *c)
{
	json_error_t jerr;
	json_t *j = json_loadb(c->req->body, c->req->body_len,
			       JSON_DECODE_ANY, &jerr);
	if (!j)
		http_reply_error(c->resp, 400,
				 "Bad Request: the body is not JSON (line %d, "
				 "column %d: %s)",
				 jerr.line, jerr.column, jerr.text);
	return j;
}

static json_t *server_object(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
			 "Server", "id", "localhost", "url",
			 "/api/v1/servers/localhost", "daemon_type",
			 "authoritative", "version", PDNS_VERSION, "config_url",
			 "/api/v1/servers/localhost/config{/config_setting}",
			 "zones_url", "/api/v1/servers/localhost/zones{/zone}",
			 "autoprimaries_url",
			 "/api/v1/servers/localhost/autoprimaries{/autoprimary}");
}

static void api_versions(const struct http_request *req,
			 struct http_response *resp, void *ud)
{
	(void)req;
	(void)ud;
	http_reply_json(resp, 200,
			json_pack("[{s:i, s:s}]", "version", 1, "url",
				  "/api/v1"));
	dns_api_cors(resp);
}

static void api_v1(const struct http_request *req, struct http_response *resp,
		   void *ud)
{
	(void)req;
	(void)ud;
	http_reply_json(resp, 200,
			json_pack("[{s:s, s:[]}]", "server_url",
				  "/api/v1/servers{/server}", "api_features"));
	dns_api_cors(resp);
}

static void servers_list(const struct http_request *req,
			 struct http_response *resp, void *ud)
{
	(void)req;
	(void)ud;
	http_reply_json(resp, 200, json_pack("[o]", server_object()));
	dns_api_cors(resp);
}

typedef void (*api_fn)(struct api_call *c);

/* One action on a path: the methods it takes, in PowerDNS's order. */
struct action {
	const char *allow;
	const char *method[4];
	api_fn fn[4];
};

static bool run_action(struct api_call *c, const struct action *a)
{
	for (int i = 0; i < 4 && a->method[i]; i++) {
		if (strcmp(c->req->method, a->method[i]) == 0) {
			a->fn[i](c);
			return true;
		}
	}
	http_reply_error(c->resp, 405, "Method Not Allowed");
	c->resp->allow = a->allow;
	return false;
}

static const struct action zones_action = {
	"GET, POST", {"GET", "POST"}, {dns_api_zones_list, dns_api_zone_create}};
static const struct action zone_action = {
	"GET, PUT, PATCH, DELETE",
	{"GET", "PUT", "PATCH", "DELETE"},
	{dns_api_zone_get, dns_api_zone_put, dns_api_zone_patch, dns_api_zone_delete}};
static const struct {
	const char *name;
	struct action a;
} zone_subs[] = {
	{"notify", {"PUT", {"PUT"}, {dns_api_zone_notify}}},
	{"axfr-retrieve", {"PUT", {"PUT"}, {dns_api_zone_axfr_retrieve}}},
	{"rectify", {"PUT", {"PUT"}, {dns_api_zone_rectify}}},
	{"export", {"GET", {"GET"}, {dns_api_zone_export}}},
	{"metadata", {"GET, POST", {"GET", "POST"},
		      {dns_api_meta_list, dns_api_meta_create}}},
};
static const struct action meta_kind_action = {
	"GET, PUT, DELETE",
	{"GET", "PUT", "DELETE"},
	{dns_api_meta_get, dns_api_meta_put, dns_api_meta_delete}};
static const struct action stats_action = {"GET", {"GET"}, {dns_api_statistics}};
static const struct action config_action = {"GET", {"GET"},
					    {dns_api_config_list}};
static const struct action autoprimaries_action = {
	"GET, POST", {"GET", "POST"},
	{dns_api_autoprimary_list, dns_api_autoprimary_add}};
static const struct action autoprimary_action = {
	"DELETE", {"DELETE"}, {dns_api_autoprimary_delete}};
static const struct action search_action = {"GET", {"GET"},
					    {dns_api_search_data}};

static void server_get(struct api_call *c)
{
	http_reply_json(c->resp, 200, server_object());
}

/* The forwarding cache: everything, or ?domain=NAME and below it (the
 * zones themselves are never cached). */
static void cache_flush(struct api_call *c)
{
	const char *domain = http_request_arg(c->req, "domain");
	struct dns_name name, root;
	dns_name_root(&root);
	if (domain && *domain &&
	    dns_name_from_text(domain, strlen(domain), &root, &name)) {
		http_reply_error(c->resp, 422, "domain: not a name: %.80s",
				 domain);
		return;
	}
	size_t n = dns_fwd_cache_flush(c->room->fwd,
				       domain && *domain ? &name : NULL);
	http_reply_json(c->resp, 200,
			json_pack("{s:I, s:s}", "count", (json_int_t)n,
				  "result", "Flushed cache."));
}

/* GET /api/v1/dns/cache: what `hearth dns cache show` prints. */
static void cache_show(const struct http_request *req,
		       struct http_response *resp, void *ud)
{
	struct dns_room *r = ud;
	struct dns_cache_stats st;
	size_t capacity;
	(void)req;
	dns_fwd_cache_stats(r->fwd, &st, &capacity);
	uint64_t lookups = st.hits + st.misses;
	http_reply_json(
		resp, 200,
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
			  "entries", (json_int_t)st.entries, "capacity",
			  (json_int_t)capacity, "bytes", (json_int_t)st.bytes,
			  "hits", (json_int_t)st.hits, "misses",
			  (json_int_t)st.misses, "inserts",
			  (json_int_t)st.inserts, "evictions",
			  (json_int_t)st.evictions, "expired",
			  (json_int_t)st.expired, "hit_ratio",
			  lookups ? (double)st.hits / (double)lookups : 0.0));
}

static const struct action server_action = {"GET", {"GET"}, {server_get}};
static const struct action flush_action = {"PUT", {"PUT"}, {cache_flush}};

#define MAX_SEGS 5

static void route(const struct http_request *req, struct http_response *resp,
		  void *ud)
{
	struct api_call c = {.room = ud, .req = req, .resp = resp};
	const char *seg[MAX_SEGS];
	size_t len[MAX_SEGS];
	size_t n = 0;
	const char *p = req->path + strlen(SERVERS_PREFIX);

	bool extra = false;
	while (*p) {
		if (n == MAX_SEGS) {
			extra = true;
			break;
		}
		const char *slash = strchr(p, '/');
		seg[n] = p;
		len[n] = slash ? (size_t)(slash - p) : strlen(p);
		n++;
		if (!slash)
			break;
		p = slash + 1; /* a trailing slash ends the loop: ignored */
	}
#define SEG_IS(i, s) (len[i] == strlen(s) && strncmp(seg[i], s, len[i]) == 0)
	if (n == 0 || !SEG_IS(0, "localhost"))
		goto not_found;
	if (n >= 3 && SEG_IS(1, "autoprimaries")) {
		/* As pdns_server routes it: the nameserver is the rest of
		 * the path, slashes and all. */
		const char *ns = memchr(seg[2], '/', strlen(seg[2]));
		size_t ns_len = ns ? strlen(ns + 1) : 0;
		if (!ns_len || len[2] >= sizeof(c.ap_ip) ||
		    ns_len >= sizeof(c.ap_ns))
			goto not_found;
		memcpy(c.ap_ip, seg[2], len[2]);
		memcpy(c.ap_ns, ns + 1, ns_len);
		run_action(&c, &autoprimary_action);
		return;
	}
	if (extra)
		goto not_found;
	if (n == 1) {
		run_action(&c, &server_action);
		return;
	}
	if (n == 2 && SEG_IS(1, "zones")) {
		run_action(&c, &zones_action);
		return;
	}
	if (n == 2 && SEG_IS(1, "statistics")) {
		run_action(&c, &stats_action);
		return;
	}
	if (n == 2 && SEG_IS(1, "config")) {
		run_action(&c, &config_action);
		return;
	}
	if (n == 2 && SEG_IS(1, "search-data")) {
		run_action(&c, &search_action);
		return;
	}
	if (n == 2 && SEG_IS(1, "autoprimaries")) {
		run_action(&c, &autoprimaries_action);
		return;
	}
	if (n == 3 && SEG_IS(1, "cache") && SEG_IS(2, "flush")) {
		run_action(&c, &flush_action);
		return;
	}
	bool meta_kind = n == 5 && SEG_IS(3, "metadata") && len[4] > 0 &&
			 len[4] < sizeof(c.kind);
	if (meta_kind) {
		memcpy(c.kind, seg[4], len[4]);
		c.kind[len[4]] = '\0';
	}
	if ((n == 3 || n == 4 || meta_kind) && SEG_IS(1, "zones")) {
		int rc = dns_api_zone_name_from_id(seg[2], len[2], c.zone,
					       sizeof(c.zone));
		const struct action *a = &zone_action;
		if (meta_kind) {
			a = &meta_kind_action;
		} else if (n == 4) {
			a = NULL;
			for (size_t i = 0;
			     i < sizeof(zone_subs) / sizeof(zone_subs[0]); i++)
				if (SEG_IS(3, zone_subs[i].name))
					a = &zone_subs[i].a;
			if (!a)
				goto not_found;
		}
		if (rc == -EINVAL) {
			http_reply_error(resp, 400, "Bad Request");
			return;
		}
		if (rc) {
			http_reply_error(resp, 404, "Not Found");
			return;
		}
		run_action(&c, a);
		return;
	}
#undef SEG_IS
not_found:
	http_reply_error(resp, 404, "Not Found");
}

/* Every answer under /api/v1/servers/, with pdns's CORS header (an
 * answer deferred to the write strand gets it in write.c). */
static void dispatch(const struct http_request *req, struct http_response *resp,
		     void *ud)
{
	route(req, resp, ud);
	dns_api_cors(resp);
}

/* A CORS preflight, as pdns_server 4.7 answers it on every API path,
 * with or without a key: 200, empty text/plain, the methods and headers
 * a browser may use from any origin. */
static void api_preflight(const struct http_request *req,
			  struct http_response *resp, void *ud)
{
	(void)req;
	(void)ud;
	resp->status = 200;
	resp->content_type = "text/plain";
	http_reply_header(resp, "Access-Control-Allow-Origin", "*");
	http_reply_header(resp, "Access-Control-Allow-Headers",
			  "Content-Type, X-API-Key");
	http_reply_header(resp, "Access-Control-Allow-Methods",
			  "GET, POST, PUT, PATCH, DELETE, OPTIONS");
	http_reply_header(resp, "Access-Control-Max-Age", "3600");
}

#define PREFLIGHT(nm, p, pre)                                                \
	{.name = nm, .method = "OPTIONS", .path = p, .prefix = pre,          \
	 .fn = api_preflight,                                                \
	 .help = "PowerDNS API CORS preflight (no key, as pdns_server)"}

static const struct http_route routes[] = {
	PREFLIGHT("pdns_options", "/api", false),
	PREFLIGHT("pdns_options", "/api/v1", false),
	PREFLIGHT("pdns_options", "/api/v1/servers", false),
	PREFLIGHT("pdns_options", SERVERS_PREFIX, true),
	{.name = "pdns_api", .method = "GET", .path = "/api",
	 .management = true, .fn = api_versions,
	 .help = "PowerDNS API versions (X-API-Key)"},
	{.name = "pdns_api_v1", .method = "GET", .path = "/api/v1",
	 .management = true, .fn = api_v1,
	 .help = "PowerDNS API v1 entry point (X-API-Key)"},
	{.name = "pdns_servers", .method = "GET", .path = "/api/v1/servers",
	 .management = true, .fn = servers_list,
	 .help = "PowerDNS server list (X-API-Key)"},
	{.name = "dns_cache", .method = "GET", .path = "/api/v1/dns/cache",
	 .management = true, .fn = cache_show,
	 .help = "the forwarding cache: entries, hits, misses"},
	{.name = "pdns_get", .method = "GET", .path = SERVERS_PREFIX,
	 .prefix = true, .management = true, .fn = dispatch,
	 .help = "PowerDNS API: zones, statistics, search-data (X-API-Key)"},
	{.name = "pdns_post", .method = "POST", .path = SERVERS_PREFIX,
	 .prefix = true, .management = true, .fn = dispatch,
	 .help = "PowerDNS API: create a zone (X-API-Key)"},
	{.name = "pdns_put", .method = "PUT", .path = SERVERS_PREFIX,
	 .prefix = true, .management = true, .fn = dispatch,
	 .help = "PowerDNS API: zone settings, notify, rectify (X-API-Key)"},
	{.name = "pdns_patch", .method = "PATCH", .path = SERVERS_PREFIX,
	 .prefix = true, .management = true, .fn = dispatch,
	 .help = "PowerDNS API: change RRsets (X-API-Key)"},
	{.name = "pdns_delete", .method = "DELETE", .path = SERVERS_PREFIX,
	 .prefix = true, .management = true, .fn = dispatch,
	 .help = "PowerDNS API: delete a zone (X-API-Key)"},
};

int dns_api_register(struct dns_room *r, struct http_server *http)
{
	if (!http)
		return 0;
	int rc = http_server_add_routes(http, routes,
					sizeof(routes) / sizeof(routes[0]), r);
	if (rc)
		log_error("dns", "cannot register the PowerDNS API routes");
	return rc;
}
