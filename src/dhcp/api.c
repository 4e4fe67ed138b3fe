/* SPDX-License-Identifier: MIT */
/* GET /api/v1/dhcp/leases, DELETE /api/v1/dhcp/leases/IP, GET /api/v1/dhcp/pools. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/addr.h"
#include "base/err.h"
#include "core/clock.h"
#include "dhcp/internal.h"

#define LEASES "/api/v1/dhcp/leases"

static const char *state_name(enum dhcp_lease_state s)
{
	switch (s) {
	case DHCP_LEASE_OFFERED: return "offered";
	case DHCP_LEASE_BOUND: return "bound";
	case DHCP_LEASE_DECLINED: return "declined";
	}
	return "?";
}

static void list(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	struct dhcp_room *r = ud;
	(void)req;
	json_t *a = json_array();
	size_t pos = 0;
	const struct dhcp_lease *l;
	while (a && (l = dhcp_leases_next(&r->eng.leases, &pos))) {
		char ip[16], mac[18], cid[3 * 64 + 1] = "";
		struct in_addr in = {htonl(l->ip)};
		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 l->mac[0], l->mac[1], l->mac[2], l->mac[3], l->mac[4],
			 l->mac[5]);
		size_t w = 0;
		for (size_t k = 0; k < l->cid_len; k++)
			w += (size_t)snprintf(cid + w, sizeof(cid) - w,
					      k ? ":%02x" : "%02x", l->cid[k]);
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:b}",
				     "ip", ip, "mac", mac, "client_id", cid,
				     "hostname", l->hostname, "expires",
				     (json_int_t)l->expires, "state",
				     state_name(l->state), "registered",
				     l->registered));
	}
	http_reply_json(resp, 200, a);
}

/* The DELETE's commit came back: answer now. */
static void deleted(void *ud, int status)
{
	struct http_pending *p = ud;
	struct http_response *resp = http_pending_response(p);
	if (status)
		http_reply_error(resp, 500, "lease delete not saved: %s",
				 hearth_strerror(status));
	else
		resp->status = 204;
	http_pending_finish(p);
}

static void del(const struct http_request *req, struct http_response *resp,
		void *ud)
{
	struct dhcp_room *r = ud;
	const char *text = req->path + strlen(LEASES "/");
	struct in_addr in;
	if (inet_pton(AF_INET, text, &in) != 1) {
		http_reply_error(resp, 400, "ip: not an IPv4 address: %.60s",
				 text);
		return;
	}
	uint32_t ip = ntohl(in.s_addr);
	if (!dhcp_leases_by_ip(&r->eng.leases, ip)) {
		http_reply_error(resp, 404, "no lease for %s", text);
		return;
	}
	/* 204 only once the delete is durable: the answer waits for the
	 * commit on the room's strand (a client gone meanwhile changes
	 * nothing: the pending handle is finished all the same). */
	struct http_pending *p = http_defer(req, resp, NULL, NULL);
	if (!p)
		return; /* resp is a 500 */
	dhcp_engine_lease_end(&r->eng, ip);
	if (dhcp_engine_when_committed(&r->eng, deleted, p)) {
		http_reply_error(http_pending_response(p), 500,
				 "no memory for the delete");
		http_pending_finish(p);
	}
	dhcp_engine_flush(&r->eng, false);
}

/* Whether @ip is in one of @s's ranges. */
static bool in_ranges(const struct cfg_dhcp_subnet *s, uint32_t ip)
{
	for (size_t k = 0; k < s->n_ranges; k++)
		if (ip >= s->ranges[k].start && ip <= s->ranges[k].end)
			return true;
	return false;
}

/* Per subnet: addresses in its ranges, how many an unexpired lease
 * holds (offered, bound or declined), and the rest. */
static void pools(const struct http_request *req, struct http_response *resp,
		  void *ud)
{
	struct dhcp_room *r = ud;
	(void)req;
	const struct cfg_dhcp *d = dhcp_config(r->eng.cfg);
	int64_t now = clock_wall_s(r->eng.clock);
	json_t *a = json_array();
	for (size_t i = 0; a && i < d->n_subnets; i++) {
		const struct cfg_dhcp_subnet *s = &d->subnets[i];
		uint64_t size = 0, used = 0;
		for (size_t k = 0; k < s->n_ranges; k++)
			size += (uint64_t)s->ranges[k].end - s->ranges[k].start + 1;
		size_t pos = 0;
		const struct dhcp_lease *l;
		while ((l = dhcp_leases_next(&r->eng.leases, &pos)))
			if (l->expires > now && in_ranges(s, l->ip))
				used++;
		char subnet[ADDR_TEXT_MAX];
		ipprefix_format(&s->subnet, subnet);
		json_t *ranges = json_array();
		for (size_t k = 0; k < s->n_range_text; k++)
			json_array_append_new(ranges,
					      json_string(s->range_text[k]));
		json_array_append_new(
			a, json_pack("{s:s, s:o, s:I, s:I, s:I}", "subnet",
				     subnet, "ranges", ranges, "size",
				     (json_int_t)size, "used", (json_int_t)used,
				     "free", (json_int_t)(size - used)));
	}
	http_reply_json(resp, 200, a);
}

static const struct http_route routes[] = {
	{.name = "dhcp_pools", .method = "GET", .path = "/api/v1/dhcp/pools",
	 .management = true, .fn = pools,
	 .help = "size, used and free addresses per subnet"},
	{.name = "dhcp_leases", .method = "GET", .path = LEASES,
	 .management = true, .fn = list, .help = "the leases, as JSON"},
	{.name = "dhcp_lease_delete", .method = "DELETE", .path = LEASES "/",
	 .prefix = true, .management = true, .fn = del,
	 .help = "release the lease of an address"},
};

int dhcp_api_register(struct dhcp_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}
