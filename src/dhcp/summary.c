/* SPDX-License-Identifier: MIT */
/* The dhcp room's part of the status page: leases per subnet and the newest leases. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/addr.h"
#include "core/clock.h"
#include "dhcp/internal.h"

/* Leases listed as the newest: those that end last (a renewal moves a
 * lease to the top). */
#define NEWEST 5

static bool held(const struct dhcp_lease *l, int64_t now)
{
	return l->state == DHCP_LEASE_BOUND && l->expires > now;
}

static bool in_subnet(const struct cfg_dhcp_subnet *s, uint32_t ip)
{
	struct ipaddr a = {.family = AF_INET};
	a.u.v4.s_addr = htonl(ip);
	return ipprefix_contains(&s->subnet, &a);
}

json_t *dhcp_summary(void *room, bool details)
{
	struct dhcp_room *r = room;
	const struct cfg_dhcp *d = dhcp_config(r->eng.cfg);
	int64_t now = clock_wall_s(r->eng.clock);
	const struct dhcp_lease *newest[NEWEST];
	size_t n_newest = 0, total = 0, pos = 0;
	const struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&r->eng.leases, &pos))) {
		if (!held(l, now))
			continue;
		total++;
		/* Insertion into the NEWEST latest-ending, latest first. */
		size_t k = n_newest < NEWEST ? n_newest++ : NEWEST;
		if (k == NEWEST && l->expires <= newest[NEWEST - 1]->expires)
			continue;
		if (k == NEWEST)
			k = NEWEST - 1;
		while (k > 0 && newest[k - 1]->expires < l->expires) {
			newest[k] = newest[k - 1];
			k--;
		}
		newest[k] = l;
	}
	json_t *subnets = json_array();
	for (size_t i = 0; subnets && i < d->n_subnets; i++) {
		const struct cfg_dhcp_subnet *s = &d->subnets[i];
		uint64_t size = 0, used = 0;
		for (size_t k = 0; k < s->n_ranges; k++)
			size += (uint64_t)s->ranges[k].end - s->ranges[k].start + 1;
		pos = 0;
		while ((l = dhcp_leases_next(&r->eng.leases, &pos)))
			used += held(l, now) && in_subnet(s, l->ip);
		char text[ADDR_TEXT_MAX];
		ipprefix_format(&s->subnet, text);
		json_array_append_new(
			subnets,
			json_pack("{s:s, s:I, s:I}", "subnet", text, "leases",
				  (json_int_t)used, "pool_size", (json_int_t)size));
	}
	json_t *list = json_array();
	for (size_t i = 0; list && i < n_newest; i++) {
		char ip[INET_ADDRSTRLEN], mac[18];
		struct in_addr in = {htonl(newest[i]->ip)};
		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		json_t *o = json_pack("{s:s}", "ip", ip);
		if (o && details) {
			const uint8_t *m = newest[i]->mac;
			snprintf(mac, sizeof(mac),
				 "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
				 m[2], m[3], m[4], m[5]);
			/* A client's name is not always UTF-8. */
			json_t *h = json_string(newest[i]->hostname);
			json_object_set_new(o, "hostname",
					    h ? h : json_string("?"));
			json_object_set_new(o, "mac", json_string(mac));
		}
		if (o)
			json_object_set_new(o, "expires_time",
					    json_integer(newest[i]->expires));
		json_array_append_new(list, o);
	}
	json_t *j = json_pack("{s:I, s:I, s:o?, s:o?}", "leases",
			      (json_int_t)total, "offers_held",
			      (json_int_t)dhcp_engine_offers_held(&r->eng),
			      "subnets", subnets, "newest_leases", list);
	return j;
}
