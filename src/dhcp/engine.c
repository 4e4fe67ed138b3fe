/* SPDX-License-Identifier: MIT */
/* RFC 2131 server decisions: which subnet, which address, which reply. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "dhcp/engine.h"

int64_t dhcp_engine_now(const struct dhcp_engine *e)
{
	return clock_wall_s(e->clock);
}

static uint32_t ip_be(const struct ipaddr *a)
{
	uint32_t v;
	memcpy(&v, a->u.bytes, 4);
	return v;
}

static bool in_subnet(const struct cfg_dhcp_subnet *s, uint32_t ip_host)
{
	struct ipaddr a = {.family = AF_INET};
	uint32_t be = htonl(ip_host);
	memcpy(a.u.bytes, &be, 4);
	return ipprefix_contains(&s->subnet, &a);
}

static bool in_ranges(const struct cfg_dhcp_subnet *s, uint32_t ip)
{
	for (size_t i = 0; i < s->n_ranges; i++)
		if (ip >= s->ranges[i].start && ip <= s->ranges[i].end)
			return true;
	return false;
}

/* The subnet a request belongs to: by the relay's giaddr, else by the
 * interface it came in on. */
static const struct cfg_dhcp_subnet *subnet_for(struct dhcp_engine *e,
						struct dhcp_iface *ifc,
						const struct dhcp_msg *m)
{
	const struct cfg_dhcp *d = dhcp_config(e->cfg);
	if (m->giaddr) {
		for (size_t i = 0; i < d->n_subnets; i++)
			if (in_subnet(&d->subnets[i], ntohl(m->giaddr)))
				return &d->subnets[i];
		return NULL;
	}
	for (size_t i = 0; i < d->n_subnets; i++)
		if (d->subnets[i].interface &&
		    strcmp(d->subnets[i].interface, ifc->name) == 0)
			return &d->subnets[i];
	for (size_t i = 0; i < d->n_subnets; i++)
		if (ifc->addr && in_subnet(&d->subnets[i], ntohl(ifc->addr)))
			return &d->subnets[i];
	return NULL;
}

/* A fixed address for this client: dhcp.reservations, then lab hosts with
 * mac + ip. Only one inside @s counts. */
struct fixed {
	uint32_t ip; /* host order */
	const char *hostname;
};

static bool cid_matches(const char *hex, const uint8_t *cid, size_t len)
{
	uint8_t buf[64];
	size_t n = 0;
	for (const char *p = hex; *p && n < sizeof(buf);) {
		int hi = hex_digit(p[0]), lo = p[1] ? hex_digit(p[1]) : -1;
		if (hi < 0 || lo < 0)
			return false;
		buf[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (*p == ':' || *p == '-')
			p++;
	}
	return n == len && memcmp(buf, cid, len) == 0;
}

static bool find_fixed(struct dhcp_engine *e, const struct cfg_dhcp_subnet *s,
		       const uint8_t mac[6], const uint8_t *cid, size_t cid_len,
		       struct fixed *out)
{
	const struct cfg_dhcp *d = dhcp_config(e->cfg);
	for (size_t i = 0; i < d->n_reservations; i++) {
		const struct cfg_dhcp_reservation *v = &d->reservations[i];
		bool match = (v->has_mac && memcmp(v->mac.b, mac, 6) == 0) ||
			     (v->client_id && cid_matches(v->client_id, cid,
							  cid_len));
		uint32_t ip = ntohl(ip_be(&v->ip));
		if (match && in_subnet(s, ip)) {
			out->ip = ip;
			out->hostname = v->hostname;
			return true;
		}
	}
	const struct cfg_lab *lab = &e->cfg->lab;
	for (size_t i = 0; lab->enabled && i < lab->n_hosts; i++) {
		const struct cfg_host *h = &lab->hosts[i];
		if (!h->has_mac || !h->has_ip || h->ip.family != AF_INET ||
		    memcmp(h->mac.b, mac, 6) != 0)
			continue;
		uint32_t ip = ntohl(ip_be(&h->ip));
		if (in_subnet(s, ip)) {
			out->ip = ip;
			out->hostname = h->name;
			return true;
		}
	}
	return false;
}

/* True when @ip is reserved for a client other than this one. */
static bool reserved_for_other(struct dhcp_engine *e, uint32_t ip,
			       const uint8_t mac[6])
{
	const struct cfg_dhcp *d = dhcp_config(e->cfg);
	for (size_t i = 0; i < d->n_reservations; i++) {
		const struct cfg_dhcp_reservation *v = &d->reservations[i];
		if (ntohl(ip_be(&v->ip)) == ip &&
		    !(v->has_mac && memcmp(v->mac.b, mac, 6) == 0))
			return true;
	}
	const struct cfg_lab *lab = &e->cfg->lab;
	for (size_t i = 0; lab->enabled && i < lab->n_hosts; i++) {
		const struct cfg_host *h = &lab->hosts[i];
		if (h->has_ip && h->ip.family == AF_INET &&
		    ntohl(ip_be(&h->ip)) == ip &&
		    !(h->has_mac && memcmp(h->mac.b, mac, 6) == 0))
			return true;
	}
	return false;
}

/* Free for this client: no live lease of someone else on it. */
static bool available(struct dhcp_engine *e, uint32_t ip, const uint8_t *cid,
		      size_t cid_len, const uint8_t mac[6], int64_t now)
{
	if (reserved_for_other(e, ip, mac))
		return false;
	struct dhcp_lease *l = dhcp_leases_by_ip(&e->leases, ip);
	if (!l || l->expires <= now)
		return true;
	if (l->state == DHCP_LEASE_DECLINED)
		return false;
	return l->cid_len == cid_len && memcmp(l->cid, cid, cid_len) == 0;
}

/*
 * Offers and starvation. An OFFER holds its address for the client, in
 * memory only, so that the REQUEST that follows finds it free. A flood
 * of DISCOVERs from made-up MACs would hold the whole pool that way, so:
 * the hold shrinks as the pool fills (offer_hold), when nothing is
 * free the offer held longest goes to the next client as well
 * (held_longest) while the earlier client may still take it
 * (prior_offer: the first REQUEST wins, the other gets a NAK), and
 * DISCOVERs are rate limited per MAC and per relay (dhcp_engine_handle).
 */
static uint32_t hash_cid(const uint8_t *cid, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= cid[i];
		h *= 16777619u;
	}
	return h;
}

static uint64_t pool_size(const struct cfg_dhcp_subnet *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->n_ranges; i++)
		n += (uint64_t)s->ranges[i].end - s->ranges[i].start + 1;
	return n;
}

/* Seconds an offer made now holds its address: offer_hold while at
 * least offer_pressure % of the pool is free, then linearly less, down
 * to offer_hold_min when nothing is. */
static int64_t offer_hold(struct dhcp_engine *e,
			  const struct cfg_dhcp_subnet *s, int64_t now)
{
	const struct cfg_dhcp *d = dhcp_config(e->cfg);
	int64_t hold = d->offer_hold;
	int64_t low = d->offer_hold_min < hold ? d->offer_hold_min : hold;
	uint64_t size = pool_size(s), used = 0;
	if (!size || d->offer_pressure <= 0)
		return hold;
	size_t pos = 0;
	const struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&e->leases, &pos)))
		used += l->expires > now && in_ranges(s, l->ip);
	uint64_t left = size > used ? size - used : 0;
	uint64_t edge = (uint64_t)d->offer_pressure * size; /* vs left * 100 */
	if (left * 100 >= edge)
		return hold;
	return low + (int64_t)((uint64_t)(hold - low) * left * 100 / edge);
}

/* Nothing is free: the address whose offer (to another client) ends
 * first, or 0. Bound and declined addresses are never taken. */
static uint32_t held_longest(struct dhcp_engine *e,
			     const struct cfg_dhcp_subnet *s,
			     const uint8_t mac[6], int64_t now)
{
	size_t pos = 0;
	const struct dhcp_lease *l, *best = NULL;
	while ((l = dhcp_leases_next(&e->leases, &pos)))
		if (l->state == DHCP_LEASE_OFFERED && l->expires > now &&
		    in_ranges(s, l->ip) && !reserved_for_other(e, l->ip, mac) &&
		    (!best || l->expires < best->expires))
			best = l;
	return best ? best->ip : 0;
}

/* Remembers that @l's client was offered its address until its hold
 * ends, before the address is offered to someone else. */
static void remember_prior(struct dhcp_engine *e, const struct dhcp_lease *l)
{
	struct dhcp_prior_offer *p = &e->prior[e->next_prior];
	p->ip = l->ip;
	p->cid_hash = hash_cid(l->cid, l->cid_len);
	p->until = l->expires;
	e->next_prior = (e->next_prior + 1) % DHCP_PRIOR_OFFERS;
	e->stats.reoffered++;
}

/* True when @ip, still only offered to another client, was offered to
 * this one too and its hold has not ended. */
static bool prior_offer(struct dhcp_engine *e, uint32_t ip, const uint8_t *cid,
			size_t cid_len, int64_t now)
{
	const struct dhcp_lease *l = dhcp_leases_by_ip(&e->leases, ip);
	if (!l || l->state != DHCP_LEASE_OFFERED || l->expires <= now)
		return false;
	uint32_t h = hash_cid(cid, cid_len);
	for (size_t i = 0; i < DHCP_PRIOR_OFFERS; i++)
		if (e->prior[i].ip == ip && e->prior[i].cid_hash == h &&
		    e->prior[i].until > now)
			return true;
	return false;
}

size_t dhcp_engine_offers_held(struct dhcp_engine *e)
{
	int64_t now = dhcp_engine_now(e);
	size_t n = 0, pos = 0;
	const struct dhcp_lease *l;
	while ((l = dhcp_leases_next(&e->leases, &pos)))
		n += l->state == DHCP_LEASE_OFFERED && l->expires > now;
	return n;
}

/* The address to offer, or 0 when none is left. */
static uint32_t choose(struct dhcp_engine *e, const struct cfg_dhcp_subnet *s,
		       const struct dhcp_msg *m, const uint8_t *cid,
		       size_t cid_len, int64_t now)
{
	struct fixed fx;
	if (find_fixed(e, s, m->chaddr, cid, cid_len, &fx))
		return fx.ip;
	/* Its previous address, while nobody else took it. */
	struct dhcp_lease *l = dhcp_leases_by_client(&e->leases, cid, cid_len);
	if (l && in_subnet(s, l->ip) && in_ranges(s, l->ip) &&
	    available(e, l->ip, cid, cid_len, m->chaddr, now))
		return l->ip;
	uint32_t want;
	if (dhcp_opt_ip(m, DHCP_OPT_REQUESTED_IP, &want) == 0) {
		want = ntohl(want);
		if (in_ranges(s, want) &&
		    available(e, want, cid, cid_len, m->chaddr, now))
			return want;
	}
	/* From where the last new address was found, around once. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->n_ranges; i++) {
			uint32_t lo = s->ranges[i].start, hi = s->ranges[i].end;
			uint32_t from = pass == 0 && e->next_free > lo &&
						e->next_free <= hi
					? e->next_free
					: lo;
			for (uint32_t ip = from; ip <= hi && ip != 0; ip++) {
				if (pass == 1 && ip >= e->next_free &&
				    e->next_free > lo && e->next_free <= hi)
					break;
				if (available(e, ip, cid, cid_len, m->chaddr,
					      now))
					return ip; /* discover() moves the cursor */
			}
		}
	return held_longest(e, s, m->chaddr, now);
}

static void put_list(struct dhcp_builder *b, uint8_t code,
		     const struct ipaddr *v, size_t n)
{
	uint8_t buf[4 * 16];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 16; i++)
		if (v[i].family == AF_INET)
			memcpy(buf + 4 * k++, v[i].u.bytes, 4);
	if (k)
		dhcp_build_opt(b, code, buf, 4 * k);
}

static const char *domain_of(struct dhcp_engine *e, const struct cfg_dhcp_subnet *s)
{
	if (s->domain)
		return s->domain;
	return e->cfg->lab.enabled ? e->cfg->lab.domain : NULL;
}

/* Writes option @code if the subnet has it. */
static void put_opt(struct dhcp_engine *e, struct dhcp_builder *b,
		    const struct cfg_dhcp_subnet *s, uint8_t code,
		    const char *hostname)
{
	uint8_t buf[512];
	int n;
	uint32_t mask;
	switch (code) {
	case DHCP_OPT_SUBNET_MASK:
		mask = s->subnet.len ? htonl(~0u << (32 - s->subnet.len)) : 0;
		dhcp_build_ip(b, code, mask);
		break;
	case DHCP_OPT_ROUTER:
		if (s->has_router)
			dhcp_build_ip(b, code, ip_be(&s->router));
		break;
	case DHCP_OPT_DNS:
		put_list(b, code, s->dns, s->n_dns);
		break;
	case DHCP_OPT_NTP:
		put_list(b, code, s->ntp, s->n_ntp);
		break;
	case DHCP_OPT_DOMAIN: {
		const char *dom = domain_of(e, s);
		if (dom)
			dhcp_build_opt(b, code, dom, strlen(dom));
		break;
	}
	case DHCP_OPT_DOMAIN_SEARCH:
		if (s->n_search) {
			n = dhcp_encode_search(s->search, s->n_search, buf,
					       sizeof(buf));
			if (n > 0)
				dhcp_build_opt(b, code, buf, (size_t)n);
		}
		break;
	case DHCP_OPT_MTU:
		if (s->mtu) {
			uint8_t v[2] = {(uint8_t)(s->mtu >> 8), (uint8_t)s->mtu};
			dhcp_build_opt(b, code, v, 2);
		}
		break;
	case DHCP_OPT_BROADCAST:
		if (s->subnet.len < 31) {
			uint32_t net = ip_be(&s->subnet.addr);
			uint32_t host = htonl(~0u >> s->subnet.len);
			dhcp_build_ip(b, code, net | host);
		}
		break;
	case DHCP_OPT_CLASSLESS_ROUTES:
		if (s->n_routes) {
			struct dhcp_route rt[16];
			size_t k = 0;
			for (size_t i = 0; i < s->n_routes && k < 16; i++) {
				if (s->routes[i].to.addr.family != AF_INET)
					continue;
				rt[k].dest_be = ip_be(&s->routes[i].to.addr);
				rt[k].prefix = (uint8_t)s->routes[i].to.len;
				rt[k].via_be = ip_be(&s->routes[i].via);
				k++;
			}
			n = dhcp_encode_routes(rt, k, buf, sizeof(buf));
			if (n > 0)
				dhcp_build_opt(b, code, buf, (size_t)n);
		}
		break;
	case DHCP_OPT_HOSTNAME:
		if (hostname && *hostname)
			dhcp_build_opt(b, code, hostname, strlen(hostname));
		break;
	default:
		break;
	}
}

/* A configured option for @code: the client's vendor class's first,
 * then the subnet's. NULL when none. */
static const struct cfg_dhcp_option *extra_for(const struct dhcp_msg *m,
					       const struct cfg_dhcp_subnet *s,
					       uint8_t code)
{
	const struct dhcp_optval *vc = &m->opt[DHCP_OPT_VENDOR_CLASS];
	for (size_t i = 0; vc->present && i < s->n_classes; i++) {
		const struct cfg_dhcp_class *c = &s->classes[i];
		size_t vl = strlen(c->vendor);
		if (vl > vc->len || memcmp(vc->data, c->vendor, vl) != 0)
			continue;
		for (size_t k = 0; k < c->n_options; k++)
			if (c->options[k].code == code)
				return &c->options[k];
	}
	for (size_t k = 0; k < s->n_options; k++)
		if (s->options[k].code == code)
			return &s->options[k];
	return NULL;
}

/* Writes option @code once: a configured option overrides the one the
 * subnet's keys would give. */
static void put_code(struct dhcp_engine *e, struct dhcp_builder *b,
		     const struct dhcp_msg *m, const struct cfg_dhcp_subnet *s,
		     uint8_t code, const char *hostname, bool done[256])
{
	if (done[code])
		return;
	done[code] = true;
	const struct cfg_dhcp_option *o = extra_for(m, s, code);
	if (o)
		dhcp_build_opt(b, code, o->data, o->len);
	else
		put_opt(e, b, s, code, hostname);
}

/* The options a client gets, in the order of its parameter request list
 * (option 55) when it sent one; without one, the defaults and every
 * configured option. */
static void put_params(struct dhcp_engine *e, struct dhcp_builder *b,
		       const struct dhcp_msg *m,
		       const struct cfg_dhcp_subnet *s, const char *hostname)
{
	static const uint8_t defaults[] = {
		DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
		DHCP_OPT_DOMAIN, DHCP_OPT_BROADCAST,
	};
	const struct dhcp_optval *prl = &m->opt[DHCP_OPT_PARAM_LIST];
	bool done[256] = {false};
	for (size_t i = 0; prl->present && i < prl->len; i++)
		put_code(e, b, m, s, prl->data[i], hostname, done);
	/* Mask and router always: clients that forget to ask still need
	 * them to use the address. */
	for (size_t i = 0; i < sizeof(defaults); i++)
		if (!prl->present || i < 2)
			put_code(e, b, m, s, defaults[i], hostname, done);
	if (prl->present)
		return;
	for (size_t k = 0; k < s->n_options; k++)
		put_code(e, b, m, s, (uint8_t)s->options[k].code, hostname,
			 done);
}

/* Ends a reply: a relay agent's option 82 goes back as it came
 * (RFC 3046), last before END. */
static size_t finish_reply(struct dhcp_builder *b, const struct dhcp_msg *m)
{
	const struct dhcp_optval *ra = &m->opt[DHCP_OPT_RELAY_AGENT];
	if (ra->present && m->giaddr)
		dhcp_build_opt(b, DHCP_OPT_RELAY_AGENT, ra->data, ra->len);
	return dhcp_build_finish(b);
}

static void reply_to(struct dhcp_engine *e, struct dhcp_iface *ifc,
		     const struct dhcp_msg *m, struct dhcp_out *o,
		     uint8_t type, uint32_t yiaddr_be)
{
	uint16_t cport = (uint16_t)(dhcp_config(e->cfg)->port + 1);
	o->ifc = ifc;
	memset(&o->to, 0, sizeof(o->to));
	o->to.sin_family = AF_INET;
	o->arp = false;
	memcpy(o->chaddr, m->chaddr, 6);
	if (m->giaddr) {
		o->to.sin_addr.s_addr = m->giaddr;
		o->to.sin_port = htons((uint16_t)dhcp_config(e->cfg)->port);
	} else if (type == DHCP_NAK) {
		o->to.sin_addr.s_addr = INADDR_BROADCAST;
		o->to.sin_port = htons(cport);
	} else if (m->ciaddr) {
		o->to.sin_addr.s_addr = m->ciaddr;
		o->to.sin_port = htons(cport);
	} else if ((m->flags & DHCP_FLAG_BROADCAST) || !yiaddr_be) {
		o->to.sin_addr.s_addr = INADDR_BROADCAST;
		o->to.sin_port = htons(cport);
	} else {
		/* No address yet and no broadcast flag: unicast to the
		 * offered address, through an ARP entry for chaddr. */
		o->to.sin_addr.s_addr = yiaddr_be;
		o->to.sin_port = htons(cport);
		o->arp = true;
	}
}

static size_t max_reply(const struct dhcp_msg *m)
{
	uint16_t max;
	size_t cap = DHCP_MAX_LEN - 28; /* IP + UDP headers */
	if (dhcp_opt_u16(m, DHCP_OPT_MAX_SIZE, &max) == 0 && max >= 576 &&
	    (size_t)max - 28 < cap)
		cap = (size_t)max - 28;
	return cap;
}

/* OFFER or ACK for @ip (host order) with the subnet's options. */
static void build_lease_reply(struct dhcp_engine *e, struct dhcp_iface *ifc,
			      const struct dhcp_msg *m,
			      const struct cfg_dhcp_subnet *s, uint8_t type,
			      uint32_t ip, const char *hostname,
			      struct dhcp_out *o)
{
	struct dhcp_builder b;
	uint32_t lt = (uint32_t)s->lease_time;
	dhcp_build_reply(&b, o->buf, max_reply(m), m, type,
			 ip ? htonl(ip) : 0, 0);
	dhcp_build_ip(&b, DHCP_OPT_SERVER_ID, ifc->addr);
	if (ip) {
		dhcp_build_u32(&b, DHCP_OPT_LEASE_TIME, lt);
		dhcp_build_u32(&b, DHCP_OPT_T1, lt / 2);
		dhcp_build_u32(&b, DHCP_OPT_T2, (uint32_t)((uint64_t)lt * 7 / 8));
	}
	put_params(e, &b, m, s, hostname);
	o->len = finish_reply(&b, m);
	reply_to(e, ifc, m, o, type, ip ? htonl(ip) : 0);
}

static void nak(struct dhcp_engine *e, struct dhcp_iface *ifc,
		const struct dhcp_msg *m, const char *why)
{
	static struct dhcp_out o; /* loop thread only */
	struct dhcp_builder b;
	dhcp_build_reply(&b, o.buf, sizeof(o.buf), m, DHCP_NAK, 0, 0);
	dhcp_build_ip(&b, DHCP_OPT_SERVER_ID, ifc->addr);
	dhcp_build_opt(&b, DHCP_OPT_MESSAGE, why, strlen(why));
	o.len = finish_reply(&b, m);
	reply_to(e, ifc, m, &o, DHCP_NAK, 0);
	e->io.send(e->io.ud, &o);
	e->stats.tx[DHCP_NAK]++;
}

static void mac_text(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static void ip_text(uint32_t ip_host, char out[16])
{
	struct in_addr a = {htonl(ip_host)};
	inet_ntop(AF_INET, &a, out, 16);
}

void dhcp_engine_quarantine(struct dhcp_engine *e, uint32_t ip, int64_t now)
{
	struct dhcp_lease *l = dhcp_leases_put(&e->leases, ip);
	if (!l)
		return;
	if (l->registered)
		dhcp_engine_batch_dns(e, false, l->hostname, l->domain, ip);
	memset(l, 0, sizeof(*l));
	l->ip = ip;
	l->state = DHCP_LEASE_DECLINED;
	l->expires = now + DHCP_DECLINE_HOLD;
	dhcp_engine_batch_put(e, l);
}

/* Publishes "dhcp.pool_exhausted" through the notify room, at most once
 * per subnet in DHCP_ALERT_EVERY_MS. */
static void alert_exhausted(struct dhcp_engine *e,
			    const struct cfg_dhcp_subnet *s, const char *net,
			    const char *mac)
{
	struct room_notify_publisher *n = e->notify;
	if (!n)
		return;
	uint64_t now_ms = clock_now_ms(e->clock);
	uint32_t key = s->subnet.addr.u.v4.s_addr;
	struct dhcp_alerted *slot = &e->alerted[0];
	for (size_t i = 0; i < DHCP_ALERT_SLOTS; i++) {
		struct dhcp_alerted *a = &e->alerted[i];
		if (a->used && a->net == key) {
			if (now_ms - a->at < DHCP_ALERT_EVERY_MS)
				return;
			slot = a;
			break;
		}
		if (!a->used || (slot->used && a->at < slot->at))
			slot = a;
	}
	*slot = (struct dhcp_alerted){.net = key, .at = now_ms, .used = true};
	char msg[256];
	snprintf(msg, sizeof(msg),
		 "No free address in %s for %s: every address is leased, "
		 "reserved or held.",
		 net, mac);
	static const char *const tags[] = {"warning", "dhcp", NULL};
	struct room_notify_msg m = {.event = "dhcp.pool_exhausted",
				    .title = "DHCP pool exhausted",
				    .message = msg,
				    .priority = 4,
				    .tags = tags};
	if (n->publish(n->ud, &m) < 0)
		log_debug("dhcp", "pool exhausted alert not published");
}

static void discover(struct dhcp_engine *e, struct dhcp_iface *ifc,
		     const struct dhcp_msg *m, const struct cfg_dhcp_subnet *s,
		     const uint8_t *cid, size_t cid_len, int64_t now,
		     const uint8_t *pkt, size_t len)
{
	static struct dhcp_out o; /* loop thread only */
	char mac[18];
	uint32_t ip = choose(e, s, m, cid, cid_len, now);
	if (!ip) {
		char net[ADDR_TEXT_MAX];
		ipprefix_format(&s->subnet, net);
		mac_text(m->chaddr, mac);
		log_warn("dhcp", "pool exhausted subnet=%s mac=%s", net, mac);
		e->stats.exhausted++;
		alert_exhausted(e, s, net, mac);
		return;
	}
	struct fixed fx = {0};
	bool fixed = find_fixed(e, s, m->chaddr, cid, cid_len, &fx);
	struct dhcp_lease *held = dhcp_leases_by_ip(&e->leases, ip);
	bool known = held && held->cid_len == cid_len &&
		     memcmp(held->cid, cid, cid_len) == 0;
	/* An address new to this client is pinged first (ping_check). */
	if (e->io.ping_defer && !fixed && !known &&
	    !e->io.ping_checked(e->io.ud, ip, now) &&
	    e->io.ping_defer(e->io.ud, ifc, ip, pkt, len))
		return;
	if (ip >= e->next_free)
		e->next_free = ip + 1;
	struct dhcp_lease *l = dhcp_leases_put(&e->leases, ip);
	if (!l)
		return;
	if (l->state != DHCP_LEASE_BOUND || l->expires <= now ||
	    l->cid_len != cid_len || memcmp(l->cid, cid, cid_len) != 0) {
		/* Hold it briefly for this client; nothing durable yet. A
		 * previous holder's name leaves DNS; one that was offered it
		 * may still take it (the pool is full). */
		if (l->registered)
			dhcp_engine_batch_dns(e, false, l->hostname, l->domain, ip);
		if (l->state == DHCP_LEASE_OFFERED && l->expires > now &&
		    (l->cid_len != cid_len || memcmp(l->cid, cid, cid_len)))
			remember_prior(e, l);
		memset(l, 0, sizeof(*l));
		l->ip = ip;
		l->state = DHCP_LEASE_OFFERED;
		l->expires = now + 1; /* counted as used by offer_hold */
		memcpy(l->mac, m->chaddr, 6);
		memcpy(l->cid, cid, cid_len);
		l->cid_len = (uint8_t)cid_len;
		dhcp_leases_reindex(&e->leases, l);
		l->expires = now + offer_hold(e, s, now);
	}
	build_lease_reply(e, ifc, m, s, DHCP_OFFER, ip, fx.hostname, &o);
	e->io.send(e->io.ud, &o);
	e->stats.tx[DHCP_OFFER]++;
}

/* Binds @ip to the client, durably (in the batch) before the ACK. */
static void ack(struct dhcp_engine *e, struct dhcp_iface *ifc,
		const struct dhcp_msg *m, const struct cfg_dhcp_subnet *s,
		const uint8_t *cid, size_t cid_len, uint32_t ip, int64_t now)
{
	static struct dhcp_out o; /* loop thread only */
	struct fixed fx = {0};
	char name[64] = "";
	find_fixed(e, s, m->chaddr, cid, cid_len, &fx);
	if (fx.hostname)
		snprintf(name, sizeof(name), "%s", fx.hostname);
	else if (dhcp_msg_hostname(m, name))
		name[0] = '\0';
	struct dhcp_lease *l = dhcp_leases_put(&e->leases, ip);
	if (!l)
		return;
	/* A renewal without a hostname keeps the name the lease has. */
	if (!name[0] && l->cid_len == cid_len &&
	    memcmp(l->cid, cid, cid_len) == 0)
		snprintf(name, sizeof(name), "%s", l->hostname);
	const char *dom = domain_of(e, s);
	bool renamed = l->registered &&
		       (strcmp(l->hostname, name) != 0 ||
			strcmp(l->domain, dom ? dom : "") != 0);
	if (renamed)
		dhcp_engine_batch_dns(e, false, l->hostname, l->domain, ip);
	if (renamed || (l->cid_len != cid_len ||
			memcmp(l->cid, cid, cid_len) != 0))
		l->registered = false;
	l->state = DHCP_LEASE_BOUND;
	l->expires = now + s->lease_time;
	memcpy(l->mac, m->chaddr, 6);
	memcpy(l->cid, cid, cid_len);
	l->cid_len = (uint8_t)cid_len;
	dhcp_leases_reindex(&e->leases, l);
	snprintf(l->hostname, sizeof(l->hostname), "%s", name);
	snprintf(l->domain, sizeof(l->domain), "%s", dom ? dom : "");
	if (!l->registered && name[0] && dom && dhcp_config(e->cfg)->dns_register) {
		dhcp_engine_batch_dns(e, true, name, dom, ip);
		l->registered = true;
	}
	dhcp_engine_batch_put(e, l);
	build_lease_reply(e, ifc, m, s, DHCP_ACK, ip, fx.hostname, &o);
	dhcp_engine_batch_out(e, &o);
	e->stats.tx[DHCP_ACK]++;
	char ipt[16], mac[18];
	ip_text(ip, ipt);
	mac_text(m->chaddr, mac);
	log_info("dhcp", "ack ip=%s mac=%s host=%s iface=%s", ipt, mac,
		 name[0] ? name : "-", ifc->name);
}

void dhcp_engine_lease_end(struct dhcp_engine *e, uint32_t ip)
{
	struct dhcp_lease *l = dhcp_leases_by_ip(&e->leases, ip);
	if (!l)
		return;
	if (l->registered)
		dhcp_engine_batch_dns(e, false, l->hostname, l->domain, ip);
	bool durable = l->state != DHCP_LEASE_OFFERED;
	dhcp_leases_del(&e->leases, ip);
	if (durable)
		dhcp_engine_batch_del(e, ip);
}

static void request(struct dhcp_engine *e, struct dhcp_iface *ifc,
		    const struct dhcp_msg *m, const struct cfg_dhcp_subnet *s,
		    const uint8_t *cid, size_t cid_len, int64_t now)
{
	uint32_t server, want;
	bool has_server = dhcp_opt_ip(m, DHCP_OPT_SERVER_ID, &server) == 0;
	bool has_want = dhcp_opt_ip(m, DHCP_OPT_REQUESTED_IP, &want) == 0;
	want = ntohl(want);
	if (has_server) {
		/* SELECTING: answering an OFFER, ours or another server's. */
		if (server != ifc->addr) {
			struct dhcp_lease *l =
				dhcp_leases_by_client(&e->leases, cid, cid_len);
			if (l && l->state == DHCP_LEASE_OFFERED)
				dhcp_leases_del(&e->leases, l->ip);
			return;
		}
		if (!has_want || !in_subnet(s, want) ||
		    (!available(e, want, cid, cid_len, m->chaddr, now) &&
		     !prior_offer(e, want, cid, cid_len, now))) {
			nak(e, ifc, m, "address not available");
			return;
		}
		ack(e, ifc, m, s, cid, cid_len, want, now);
		return;
	}
	uint32_t ip = has_want ? want : ntohl(m->ciaddr);
	if (!ip)
		return; /* nothing asked for */
	if (!in_subnet(s, ip)) {
		nak(e, ifc, m, "wrong network");
		return;
	}
	struct fixed fx;
	if (find_fixed(e, s, m->chaddr, cid, cid_len, &fx) && fx.ip != ip) {
		nak(e, ifc, m, "address reserved elsewhere");
		return;
	}
	if (!available(e, ip, cid, cid_len, m->chaddr, now) ||
	    (!in_ranges(s, ip) && !(find_fixed(e, s, m->chaddr, cid, cid_len,
					       &fx) && fx.ip == ip))) {
		nak(e, ifc, m, "address not available");
		return;
	}
	ack(e, ifc, m, s, cid, cid_len, ip, now);
}

static void decline(struct dhcp_engine *e, const struct dhcp_msg *m,
		    const uint8_t *cid, size_t cid_len, int64_t now)
{
	uint32_t ip;
	if (dhcp_opt_ip(m, DHCP_OPT_REQUESTED_IP, &ip))
		return;
	ip = ntohl(ip);
	struct dhcp_lease *l = dhcp_leases_by_ip(&e->leases, ip);
	if (!l || l->cid_len != cid_len || memcmp(l->cid, cid, cid_len) != 0)
		return;
	dhcp_engine_quarantine(e, ip, now);
	char ipt[16];
	ip_text(ip, ipt);
	log_warn("dhcp", "declined ip=%s: quarantined for %d s", ipt,
		 DHCP_DECLINE_HOLD);
}

static void release(struct dhcp_engine *e, const struct dhcp_msg *m,
		    const uint8_t *cid, size_t cid_len)
{
	uint32_t ip = ntohl(m->ciaddr);
	struct dhcp_lease *l = dhcp_leases_by_ip(&e->leases, ip);
	if (!l || l->cid_len != cid_len || memcmp(l->cid, cid, cid_len) != 0)
		return;
	char ipt[16];
	ip_text(ip, ipt);
	log_info("dhcp", "release ip=%s", ipt);
	dhcp_engine_lease_end(e, ip);
}

static void inform(struct dhcp_engine *e, struct dhcp_iface *ifc,
		   const struct dhcp_msg *m, const struct cfg_dhcp_subnet *s)
{
	static struct dhcp_out o; /* loop thread only */
	build_lease_reply(e, ifc, m, s, DHCP_ACK, 0, NULL, &o);
	e->io.send(e->io.ud, &o);
	e->stats.tx[DHCP_ACK]++;
}

/* False when a DISCOVER is over its client's or its relay's rate. */
static bool discover_allowed(struct dhcp_engine *e, const struct dhcp_msg *m)
{
	const struct cfg_dhcp *d = dhcp_config(e->cfg);
	uint64_t now = clock_now_ms(e->clock), key = 1; /* never 0 */
	for (int i = 0; i < 6; i++)
		key = key << 8 | m->chaddr[i];
	if (!dhcp_limit_take(&e->by_mac, key, now, d->mac_rate, d->mac_burst)) {
		e->stats.limited_mac++;
		return false;
	}
	if (m->giaddr &&
	    !dhcp_limit_take(&e->by_relay, (uint64_t)1 << 32 | m->giaddr, now,
			     d->relay_rate, d->relay_burst)) {
		e->stats.limited_relay++;
		return false;
	}
	return true;
}

static void handle(struct dhcp_engine *e, struct dhcp_iface *ifc,
		   const uint8_t *pkt, size_t len, bool limit)
{
	static struct dhcp_msg m; /* loop thread only; large */
	if (dhcp_msg_parse(pkt, len, &m) || m.op != DHCP_BOOTREQUEST ||
	    m.htype != 1 || m.hlen != 6 || m.type == 0 || m.type > 8) {
		e->stats.rx[0]++;
		return;
	}
	e->stats.rx[m.type]++;
	const struct cfg_dhcp_subnet *s = subnet_for(e, ifc, &m);
	if (!s || !ifc->addr) {
		e->stats.dropped++;
		return;
	}
	uint8_t cid[64];
	size_t cid_len = dhcp_msg_client_id(&m, cid, sizeof(cid));
	int64_t now = dhcp_engine_now(e);
	switch (m.type) {
	case DHCP_DISCOVER:
		if (!limit || discover_allowed(e, &m))
			discover(e, ifc, &m, s, cid, cid_len, now, pkt, len);
		break;
	case DHCP_REQUEST:
		request(e, ifc, &m, s, cid, cid_len, now);
		break;
	case DHCP_DECLINE:
		decline(e, &m, cid, cid_len, now);
		break;
	case DHCP_RELEASE:
		release(e, &m, cid, cid_len);
		break;
	case DHCP_INFORM:
		inform(e, ifc, &m, s);
		break;
	default:
		e->stats.dropped++;
		break;
	}
}

void dhcp_engine_handle(struct dhcp_engine *e, struct dhcp_iface *ifc,
			const uint8_t *pkt, size_t len)
{
	handle(e, ifc, pkt, len, true);
}

void dhcp_engine_handle_again(struct dhcp_engine *e, struct dhcp_iface *ifc,
			      const uint8_t *pkt, size_t len)
{
	handle(e, ifc, pkt, len, false);
}
