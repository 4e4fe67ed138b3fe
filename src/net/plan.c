/* SPDX-License-Identifier: MIT */
/* The net room's plan: desired links from lab:, and the diff against the observed links as create/change/leave/remove steps. */
#include "net/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/policy.h"

/* Grows *arr (of *cap items of @size) to hold one more; -ENOMEM. */
static int grow(void **arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, nc * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

#define COPY(dst, src) copy((dst), sizeof(dst), (src))

/* ---- desired ---- */

static struct net_want *want_find(struct net_desired *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->links[i].name, name) == 0)
			return &d->links[i];
	return NULL;
}

static int want_add(struct net_desired *d, const struct net_want *w)
{
	if (grow((void **)&d->links, d->n, &d->cap, sizeof(*w)))
		return -ENOMEM;
	d->links[d->n++] = *w;
	return 0;
}

static const struct cfg_network *lab_network(const struct cfg_lab *lab,
					     const char *name)
{
	for (size_t i = 0; i < lab->n_networks; i++)
		if (strcmp(lab->networks[i].name, name) == 0)
			return &lab->networks[i];
	return NULL;
}

static const struct cfg_host *lab_host(const struct cfg_lab *lab,
				       const char *name)
{
	for (size_t i = 0; name && i < lab->n_hosts; i++)
		if (strcmp(lab->hosts[i].name, name) == 0)
			return &lab->hosts[i];
	return NULL;
}

void net_vlan_name(const char *trunk, int vlan, char out[NET_IFNAMSIZ])
{
	char tail[8];
	int nt = snprintf(tail, sizeof(tail), ".%d", vlan);
	size_t len = strlen(trunk);
	if (len + (size_t)nt < NET_IFNAMSIZ) {
		memcpy(out, trunk, len);
		memcpy(out + len, tail, (size_t)nt + 1);
		return;
	}
	/* Too long: a prefix, then 4 hex digits of FNV-1a over the whole
	 * trunk name, so trunks sharing the prefix still differ. */
	uint32_t h = 2166136261u;
	for (const char *c = trunk; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	size_t keep = NET_IFNAMSIZ - 1 - (size_t)nt - 4;
	char hex[8];
	snprintf(hex, sizeof(hex), "%04x", (unsigned)((h ^ (h >> 16)) & 0xffff));
	memcpy(out, trunk, keep);
	memcpy(out + keep, hex, 4);
	memcpy(out + keep + 4, tail, (size_t)nt + 1);
}

/* Two wanted links of one name (two VLAN names that collide, or a VLAN
 * name that is another network's bridge): which networks, in @err. */
static int check_names(const struct net_desired *d, char *err, size_t errlen)
{
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = i + 1; j < d->n; j++) {
			const struct net_want *a = &d->links[i], *b = &d->links[j];
			if (strcmp(a->name, b->name) ||
			    (a->kind != NET_KIND_VLAN && b->kind != NET_KIND_VLAN))
				continue;
			if (a->kind != NET_KIND_VLAN) {
				const struct net_want *t = a;
				a = b;
				b = t;
			}
			if (b->kind == NET_KIND_VLAN)
				snprintf(err, errlen,
					 "lab.networks: %s (trunk %s, VLAN %d) "
					 "and %s (trunk %s, VLAN %d) both make "
					 "the VLAN link %s; rename a trunk or "
					 "change a VLAN",
					 a->network, a->parent, a->vlan,
					 b->network, b->parent, b->vlan, a->name);
			else
				snprintf(err, errlen,
					 "lab.networks: %s (trunk %s, VLAN %d) "
					 "makes the VLAN link %s, which is also "
					 "%s's %s; rename one",
					 a->network, a->parent, a->vlan, a->name,
					 b->network, b->kind == NET_KIND_BRIDGE
							     ? "bridge" : "trunk");
			return -EINVAL;
		}
	return 0;
}

/* A trunk the config names (once), optionally as a port of @master;
 * @no_ipv6 when that port's network has no host address. */
static int want_trunk(struct net_desired *d, const struct cfg_network *n,
		      const char *trunk, const char *master, bool no_ipv6)
{
	struct net_want *have = want_find(d, trunk);
	if (have) {
		if (master && !*have->master) {
			COPY(have->master, master);
			have->no_ipv6 = no_ipv6;
		}
		return 0;
	}
	struct net_want t = {.kind = NET_KIND_EXISTING};
	COPY(t.name, trunk);
	COPY(t.network, n->name);
	COPY(t.master, master);
	t.no_ipv6 = no_ipv6;
	t.host_address = CFG_HOST_ADDRESS_DHCP;
	return want_add(d, &t);
}

/* One network on this host: trunk (must exist), bridge, VLAN port. */
static int want_network(struct net_desired *d, const struct cfg_network *n,
			const char *trunk, const char *bridge,
			enum cfg_host_address ha, const struct ipaddr *ip,
			char *err, size_t errlen)
{
	struct ipprefix addr = {0};
	int rc;
	if (ha == CFG_HOST_ADDRESS_STATIC) {
		if (!ip) {
			snprintf(err, errlen,
				 "network '%s': host_address static, but this "
				 "host has no ip on it", n->name);
			return -EINVAL;
		}
		addr.addr = *ip;
		addr.len = n->subnet.len;
	}
	/* The trunk must exist and be up; untagged, it is the bridge's
	 * port, so it comes after the bridge. */
	bool untagged = !n->has_vlan && bridge;
	if (trunk && !untagged && (rc = want_trunk(d, n, trunk, NULL, false)))
		return rc;
	/* The network's own link: the bridge, else the VLAN. */
	if (bridge) {
		struct net_want b = {.kind = NET_KIND_BRIDGE};
		COPY(b.name, bridge);
		COPY(b.network, n->name);
		b.host_address = ha;
		b.no_ipv6 = ha == CFG_HOST_ADDRESS_NONE;
		b.addr = addr;
		if ((rc = want_add(d, &b)))
			return rc;
	}
	/* Untagged, the trunk is the network's port: with no host address,
	 * IPv6 off on it too (as on a VLAN port). */
	if (trunk && untagged &&
	    (rc = want_trunk(d, n, trunk, bridge,
			     ha == CFG_HOST_ADDRESS_NONE)))
		return rc;
	if (trunk && n->has_vlan) {
		struct net_want v = {.kind = NET_KIND_VLAN};
		net_vlan_name(trunk, (int)n->vlan, v.name);
		COPY(v.network, n->name);
		COPY(v.parent, trunk);
		v.vlan = (int)n->vlan;
		if (bridge) {
			/* A bridge port carries no address of its own. */
			COPY(v.master, bridge);
			v.no_ipv6 = true;
			v.host_address = CFG_HOST_ADDRESS_NONE;
		} else {
			v.host_address = ha;
			v.no_ipv6 = ha == CFG_HOST_ADDRESS_NONE;
			v.addr = addr;
		}
		if ((rc = want_add(d, &v)))
			return rc;
	}
	return 0;
}

int net_desired_build(const struct cfg_lab *lab, const char *host,
		      struct net_desired *out, char *err, size_t errlen)
{
	const struct cfg_host *h = lab_host(lab, host);
	int rc = 0;
	memset(out, 0, sizeof(*out));
	snprintf(err, errlen, "?");
	if (h && h->has_interfaces) {
		for (size_t i = 0; !rc && i < h->n_interfaces; i++) {
			const struct cfg_iface *f = &h->interfaces[i];
			const struct cfg_network *n = lab_network(lab, f->network);
			enum cfg_host_address ha = n->host_address;
			const struct ipaddr *ip = NULL;
			if (f->host_address_text &&
			    !strcmp(f->host_address_text, "dhcp"))
				ha = CFG_HOST_ADDRESS_DHCP;
			else if (f->host_address_text &&
				 !strcmp(f->host_address_text, "static"))
				ha = CFG_HOST_ADDRESS_STATIC;
			else if (f->host_address_text)
				ha = CFG_HOST_ADDRESS_NONE;
			if (f->has_ip)
				ip = &f->ip;
			else if (h->has_ip &&
				 ipprefix_contains(&n->subnet, &h->ip))
				ip = &h->ip;
			rc = want_network(out, n, f->trunk ? f->trunk : n->trunk,
					  f->bridge ? f->bridge : n->bridge, ha,
					  ip, err, errlen);
		}
	} else {
		for (size_t i = 0; !rc && i < lab->n_networks; i++) {
			const struct cfg_network *n = &lab->networks[i];
			const struct ipaddr *ip = NULL;
			if (!n->trunk && !n->bridge)
				continue;
			if (h && h->has_ip && ipprefix_contains(&n->subnet, &h->ip))
				ip = &h->ip;
			rc = want_network(out, n, n->trunk, n->bridge,
					  n->host_address, ip, err, errlen);
		}
	}
	if (!rc)
		rc = check_names(out, err, errlen);
	if (!rc && lab->n_policy) {
		rc = net_policy_render(lab, &out->table, out->table_comment,
				       sizeof(out->table_comment));
		if (rc == -EINVAL)
			snprintf(err, errlen,
				 "lab.policy: no rule can be rendered");
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

void net_desired_free(struct net_desired *d)
{
	if (!d)
		return;
	free(d->links);
	free(d->table);
	memset(d, 0, sizeof(*d));
}

/* ---- observed ---- */

int net_observed_add(struct net_observed *o, const struct net_seen *s)
{
	if (grow((void **)&o->links, o->n, &o->cap, sizeof(*s)))
		return -ENOMEM;
	o->links[o->n++] = *s;
	return 0;
}

void net_observed_free(struct net_observed *o)
{
	if (!o)
		return;
	free(o->links);
	free(o->table_listing);
	memset(o, 0, sizeof(*o));
}

const struct net_seen *net_observed_find(const struct net_observed *o,
					 const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->links[i].name, name) == 0)
			return &o->links[i];
	return NULL;
}

const struct net_seen *net_observed_by_index(const struct net_observed *o,
					     int ifindex)
{
	for (size_t i = 0; ifindex > 0 && i < o->n; i++)
		if (o->links[i].ifindex == ifindex)
			return &o->links[i];
	return NULL;
}

/* The next non-blank line of *p, trimmed: its start, and *len. */
static const char *next_line(const char **p, size_t *len)
{
	for (;;) {
		const char *s = *p;
		if (!*s)
			return NULL;
		const char *nl = strchr(s, '\n');
		const char *e = nl ? nl : s + strlen(s);
		*p = nl ? nl + 1 : e;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > s) {
			*len = (size_t)(e - s);
			return s;
		}
	}
}

bool net_table_matches(const char *listing, const char *text)
{
	/* The definition is the last command of the rendering. */
	const char *def = strstr(text, "table inet hearth {");
	if (!def)
		return false;
	const char *a = listing, *b = def;
	for (;;) {
		size_t la = 0, lb = 0;
		const char *x = next_line(&a, &la), *y = next_line(&b, &lb);
		if (!x || !y)
			return !x && !y;
		if (la != lb || memcmp(x, y, la))
			return false;
	}
}

/* ---- the diff ---- */

struct builder {
	struct net_plan *p;
	const struct net_observed *seen;
	struct net_item *item; /* being filled */
	bool new_link;
	int rc;
};

static void why(struct builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void why(struct builder *b, const char *fmt, ...)
{
	char *w = b->item->why;
	size_t used = strlen(w);
	if (used && used + 2 < sizeof(b->item->why)) {
		memcpy(w + used, ", ", 3);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w + used, sizeof(b->item->why) - used, fmt, ap);
	va_end(ap);
}

static void item_begin(struct builder *b, enum net_verb verb,
		       const char *link, const char *network)
{
	struct net_plan *p = b->p;
	b->item = NULL;
	if (b->rc || (b->rc = grow((void **)&p->items, p->n_items,
				   &p->cap_items, sizeof(*p->items))))
		return;
	struct net_item *it = &p->items[p->n_items++];
	memset(it, 0, sizeof(*it));
	it->verb = verb;
	COPY(it->link, link);
	COPY(it->network, network);
	it->first_op = p->n_ops;
	b->item = it;
}

static struct net_op *op_add(struct builder *b, enum net_op_type type,
			     const char *link)
{
	static struct net_op scratch;
	struct net_plan *p = b->p;
	if (b->rc || (b->rc = grow((void **)&p->ops, p->n_ops, &p->cap_ops,
				   sizeof(*p->ops))))
		return memset(&scratch, 0, sizeof(scratch));
	struct net_op *op = &p->ops[p->n_ops++];
	memset(op, 0, sizeof(*op));
	op->type = type;
	COPY(op->link, link);
	op->on_new_link = b->new_link;
	b->item->n_ops++;
	return op;
}

static void item_end(struct builder *b)
{
	struct net_item *it = b->item;
	if (!it)
		return;
	if (it->verb == NET_CHANGE && it->n_ops == 0)
		it->verb = NET_LEAVE;
	if (it->verb == NET_CONFLICT)
		b->p->conflicts++;
	else if (it->verb != NET_LEAVE)
		b->p->changes++;
}

static const char *seen_name(const struct net_observed *o, int ifindex)
{
	const struct net_seen *s = net_observed_by_index(o, ifindex);
	return s ? s->name : "";
}

static bool is_owned(const struct net_seen *s)
{
	return strncmp(s->alias, NET_ALIAS_PREFIX,
		       sizeof(NET_ALIAS_PREFIX) - 1) == 0;
}

/* Does a link of this name exist, or will the plan have made it by now? */
static bool will_exist(const struct net_desired *want,
		       const struct net_observed *seen, const char *name)
{
	if (net_observed_find(seen, name))
		return true;
	for (size_t i = 0; i < want->n; i++)
		if (want->links[i].kind != NET_KIND_EXISTING &&
		    strcmp(want->links[i].name, name) == 0)
			return true;
	return false;
}

static void sysctl_op(struct builder *b, const char *link, const char *name,
		      int value, int old)
{
	struct net_op *op = op_add(b, NET_OP_SYSCTL, link);
	COPY(op->sysctl, name);
	op->value = value;
	op->old_value = old;
}

/* IPv6 off and no RA on a link that has them (the undo: what it had). */
static void ipv6_off_ops(struct builder *b, const struct net_want *w,
			 const struct net_seen *s)
{
	if (s->disable_ipv6 != 1) {
		sysctl_op(b, w->name, "disable_ipv6", 1, s->disable_ipv6);
		why(b, "IPv6 off");
	}
	if (s->accept_ra != 0) {
		sysctl_op(b, w->name, "accept_ra", 0, s->accept_ra);
		why(b, "accept_ra 0");
	}
}

/* A link hearth turned IPv6 off on (1 and 0) back to what the kernel
 * gives a new link (net.ipv6.conf.default). */
static void ipv6_back_ops(struct builder *b, const struct net_seen *s)
{
	const struct net_observed *o = b->seen;
	if (s->disable_ipv6 != 1 || s->accept_ra != 0 ||
	    o->default_disable_ipv6 < 0 || o->default_accept_ra < 0 ||
	    (o->default_disable_ipv6 == 1 && o->default_accept_ra == 0))
		return;
	sysctl_op(b, s->name, "disable_ipv6", o->default_disable_ipv6, 1);
	sysctl_op(b, s->name, "accept_ra", o->default_accept_ra, 0);
	why(b, "%s: IPv6 back to the defaults (disable_ipv6 %d, accept_ra %d)",
	    s->name, o->default_disable_ipv6, o->default_accept_ra);
}

static void master_op(struct builder *b, const struct net_want *w,
		      const char *old)
{
	struct net_op *op = op_add(b, NET_OP_MASTER, w->name);
	COPY(op->other, w->master);
	COPY(op->old_other, old);
	if (!b->new_link)
		why(b, "master %s (was %s)", *w->master ? w->master : "none",
		    *old ? old : "none");
}

/* Deletes @s, remembering what the undo needs to make it again. */
static void delete_op(struct builder *b, const struct net_seen *s)
{
	struct net_plan *p = b->p;
	struct net_op *op = op_add(b, NET_OP_DELETE, s->name);
	COPY(op->old_kind, s->kind);
	COPY(op->other, seen_name(b->seen, s->parent));
	op->vlan = s->vlan;
	COPY(op->old_alias, s->alias);
	COPY(op->old_other, seen_name(b->seen, s->master));
	if (b->rc || (b->rc = grow((void **)&p->snaps, p->n_snaps,
				   &p->cap_snaps, sizeof(*p->snaps))))
		return;
	struct net_snapshot *sn = &p->snaps[p->n_snaps];
	memset(sn, 0, sizeof(*sn));
	sn->link = *s;
	size_t n = 0;
	for (size_t i = 0; i < b->seen->n; i++)
		n += b->seen->links[i].master == s->ifindex;
	if (n && !(sn->ports = calloc(n, sizeof(*sn->ports)))) {
		b->rc = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < b->seen->n; i++)
		if (b->seen->links[i].master == s->ifindex)
			COPY(sn->ports[sn->n_ports++], b->seen->links[i].name);
	op->snap = ++p->n_snaps;
}

/* The addresses: none removes IPv4 ones, static wants exactly addr. */
static void addr_ops(struct builder *b, const struct net_want *w,
		     const struct net_seen *s)
{
	char text[ADDR_TEXT_MAX];
	bool have = false;
	if (w->host_address == CFG_HOST_ADDRESS_DHCP)
		return;
	for (size_t i = 0; s && i < s->n_addrs; i++) {
		const struct ipprefix *a = &s->addrs[i];
		if (w->host_address == CFG_HOST_ADDRESS_STATIC &&
		    a->len == w->addr.len && ipaddr_equal(&a->addr, &w->addr.addr)) {
			have = true;
			continue;
		}
		/* IPv6 goes with disable_ipv6; link-local stays with dhcp. */
		if (a->addr.family != AF_INET)
			continue;
		ipprefix_format(a, text);
		op_add(b, NET_OP_ADDR_DEL, w->name)->addr = *a;
		why(b, "address %s removed", text);
	}
	if (w->host_address == CFG_HOST_ADDRESS_STATIC && !have) {
		ipprefix_format(&w->addr, text);
		op_add(b, NET_OP_ADDR_ADD, w->name)->addr = w->addr;
		why(b, "address %s", text);
	}
}

static void alias_of(const struct net_want *w, char *out, size_t cap)
{
	snprintf(out, cap, NET_ALIAS_PREFIX "%s", w->network);
}

/* A link hearth creates: absent -> create; its own -> change/leave. */
static void plan_owned(struct builder *b, const struct net_desired *want,
		       const struct net_want *w)
{
	const struct net_seen *s = net_observed_find(b->seen, w->name);
	const char *kind = w->kind == NET_KIND_BRIDGE ? "bridge" : "vlan";
	char alias[NET_ALIAS_MAX];
	alias_of(w, alias, sizeof(alias));

	if (s && !is_owned(s)) {
		item_begin(b, NET_CONFLICT, w->name, w->network);
		if (b->item)
			why(b, "exists and is not hearth's (no ifalias %s...): "
			    "remove it or hand it over with ip link set %s "
			    "alias %s", NET_ALIAS_PREFIX, w->name, alias);
		item_end(b);
		return;
	}
	if (w->kind == NET_KIND_VLAN && !will_exist(want, b->seen, w->parent) &&
	    !net_observed_find(b->seen, w->parent)) {
		item_begin(b, NET_CONFLICT, w->name, w->network);
		if (b->item)
			why(b, "trunk %s not found", w->parent);
		item_end(b);
		return;
	}
	/* An owned link of another kind or VLAN: made again. */
	bool remake = s && (strcmp(s->kind, kind) ||
			    (w->kind == NET_KIND_VLAN &&
			     (s->vlan != w->vlan ||
			      strcmp(seen_name(b->seen, s->parent), w->parent))));
	item_begin(b, s ? NET_CHANGE : NET_CREATE, w->name, w->network);
	if (!b->item)
		return;
	if (remake) {
		delete_op(b, s);
		why(b, "made again (was %s%s)", *s->kind ? s->kind : "plain",
		    s->vlan ? " of another VLAN" : "");
		s = NULL;
	}
	if (!s) {
		b->new_link = true;
		struct net_op *op = op_add(b, w->kind == NET_KIND_BRIDGE
						      ? NET_OP_CREATE_BRIDGE
						      : NET_OP_CREATE_VLAN,
					   w->name);
		COPY(op->alias, alias);
		if (w->kind == NET_KIND_VLAN) {
			COPY(op->other, w->parent);
			op->vlan = w->vlan;
			why(b, "VLAN %d on %s", w->vlan, w->parent);
		} else {
			why(b, "bridge, STP off");
		}
		if (w->no_ipv6) {
			sysctl_op(b, w->name, "disable_ipv6", 1, 0);
			sysctl_op(b, w->name, "accept_ra", 0, 1);
			why(b, "IPv6 off");
		}
		if (*w->master) {
			master_op(b, w, "");
			why(b, "port of %s", w->master);
		}
		addr_ops(b, w, NULL);
		if (w->host_address == CFG_HOST_ADDRESS_NONE)
			why(b, "no address");
		op_add(b, NET_OP_UP, w->name);
		b->new_link = false;
		item_end(b);
		return;
	}
	if (strcmp(s->alias, alias)) {
		struct net_op *op = op_add(b, NET_OP_ALIAS, w->name);
		COPY(op->alias, alias);
		COPY(op->old_alias, s->alias);
		why(b, "alias %s (was %s)", alias, s->alias);
	}
	if (w->kind == NET_KIND_BRIDGE && s->stp != 0) {
		struct net_op *op = op_add(b, NET_OP_STP, w->name);
		op->value = 0;
		op->old_value = s->stp;
		why(b, "STP off");
	}
	if (w->no_ipv6)
		ipv6_off_ops(b, w, s);
	const char *m = seen_name(b->seen, s->master);
	if (strcmp(m, w->master))
		master_op(b, w, m);
	addr_ops(b, w, s);
	if (!s->up) {
		op_add(b, NET_OP_UP, w->name);
		why(b, "up");
	}
	item_end(b);
}

/* A trunk the config names: it must exist; up; maybe an untagged port.
 * A trunk no network wants untagged any more (its network got a VLAN) is
 * released from the bridge hearth made it a port of, so that the VLAN
 * sub-interface can take its place; a master hearth does not own stays. */
static void plan_existing(struct builder *b, const struct net_want *w)
{
	const struct net_seen *s = net_observed_find(b->seen, w->name);
	item_begin(b, s ? NET_CHANGE : NET_CONFLICT, w->name, w->network);
	if (!b->item)
		return;
	if (!s) {
		why(b, "trunk %s not found", w->name);
	} else {
		const struct net_seen *ms =
			net_observed_by_index(b->seen, s->master);
		const char *m = ms ? ms->name : "";
		/* IPv6 off before it joins (no RA taken meanwhile). */
		if (w->no_ipv6)
			ipv6_off_ops(b, w, s);
		if (*w->master && strcmp(m, w->master))
			master_op(b, w, m);
		else if (!*w->master && ms && is_owned(ms) &&
			 !strcmp(ms->kind, "bridge")) {
			master_op(b, w, m);
			why(b, "no longer an untagged port");
			ipv6_back_ops(b, s);
		}
		if (!s->up) {
			op_add(b, NET_OP_UP, w->name);
			why(b, "up");
		}
	}
	item_end(b);
}

static bool wanted(const struct net_desired *want, const char *name)
{
	for (size_t i = 0; i < want->n; i++)
		if (strcmp(want->links[i].name, name) == 0)
			return true;
	return false;
}

static void plan_table(struct builder *b, const struct net_desired *want)
{
	const struct net_observed *o = b->seen;
	if (!want->table) {
		if (!o->has_table)
			return;
		item_begin(b, NET_REMOVE, "table inet hearth", "");
		if (!b->item)
			return;
		op_add(b, NET_OP_TABLE_DELETE, "");
		why(b, "lab.policy is empty");
		item_end(b);
		return;
	}
	bool same = o->has_table && o->table_listing &&
		    net_table_matches(o->table_listing, want->table);
	item_begin(b, !o->has_table ? NET_CREATE : same ? NET_LEAVE : NET_CHANGE,
		   "table inet hearth", "");
	if (!b->item)
		return;
	if (!same) {
		op_add(b, NET_OP_TABLE, "");
		why(b, "%s", o->has_table ? "rules replaced" : "lab.policy");
	}
	item_end(b);
}

/* Links hearth made that lab: no longer wants, of one sort: the VLANs
 * (and other non-bridges), or the bridges. */
static void plan_stale(struct builder *b, const struct net_desired *want,
		       bool bridges)
{
	const struct net_observed *seen = b->seen;
	for (size_t i = 0; !b->rc && i < seen->n; i++) {
		const struct net_seen *s = &seen->links[i];
		if (!is_owned(s) || wanted(want, s->name) ||
		    (strcmp(s->kind, "bridge") == 0) != bridges)
			continue;
		item_begin(b, NET_REMOVE, s->name,
			   s->alias + sizeof(NET_ALIAS_PREFIX) - 1);
		if (!b->item)
			return;
		delete_op(b, s);
		why(b, "no longer in lab:");
		/* Its trunk (an untagged port, not a VM's tap) is released:
		 * IPv6 as before hearth turned it off (a trunk lab: still
		 * names is plan_existing's). */
		for (size_t j = 0; bridges && j < seen->n; j++) {
			const struct net_seen *port = &seen->links[j];
			if (port->master == s->ifindex && !is_owned(port) &&
			    strcmp(port->kind, "tun") != 0 &&
			    !wanted(want, port->name))
				ipv6_back_ops(b, port);
		}
		item_end(b);
	}
}

int net_plan_build(const struct net_desired *want,
		   const struct net_observed *seen, struct net_plan *plan)
{
	struct builder b = {.p = plan, .seen = seen};
	/* Stale VLANs go first: a network that lost its VLAN makes the trunk
	 * itself the bridge's port, and the old sub-interface must not be a
	 * port beside it (VLAN and untagged traffic bridged together). */
	plan_stale(&b, want, false);
	for (size_t i = 0; !b.rc && i < want->n; i++) {
		const struct net_want *w = &want->links[i];
		if (w->kind == NET_KIND_EXISTING)
			plan_existing(&b, w);
		else
			plan_owned(&b, want, w);
	}
	/* Stale bridges last, once their ports have gone or moved. */
	plan_stale(&b, want, true);
	if (!b.rc)
		plan_table(&b, want);
	return b.rc;
}

void net_plan_free(struct net_plan *p)
{
	if (!p)
		return;
	free(p->items);
	free(p->ops);
	for (size_t i = 0; i < p->n_snaps; i++)
		free(p->snaps[i].ports);
	free(p->snaps);
	memset(p, 0, sizeof(*p));
}

const char *net_verb_name(enum net_verb v)
{
	switch (v) {
	case NET_CREATE: return "create";
	case NET_CHANGE: return "change";
	case NET_LEAVE: return "leave";
	case NET_REMOVE: return "remove";
	case NET_CONFLICT: return "conflict";
	}
	return "?";
}

void net_plan_print(const struct net_plan *p, FILE *f)
{
	size_t width = 0;
	for (size_t i = 0; i < p->n_items; i++)
		if (strlen(p->items[i].link) > width)
			width = strlen(p->items[i].link);
	for (size_t i = 0; i < p->n_items; i++) {
		const struct net_item *it = &p->items[i];
		fprintf(f, "%-8s %-*s", net_verb_name(it->verb), (int)width,
			it->link);
		if (*it->network)
			fprintf(f, "  (%s)", it->network);
		if (*it->why)
			fprintf(f, "  %s", it->why);
		fputc('\n', f);
	}
	fprintf(f, "%zu to change, %zu to leave, %zu conflicts\n", p->changes,
		p->n_items - p->changes - p->conflicts, p->conflicts);
}
