/* SPDX-License-Identifier: MIT */
/* The SOA and NS hearth makes for the zones it creates (dns.soa): names, timers, glue. */
#include "dns/soa.h"

#include <errno.h>
#include <ifaddrs.h>
#include <string.h>
#include <strings.h>

#include "dns/config.h"
#include "proto/dns/dns.h"

/* "user@domain" -> "user.domain." with the dots of user escaped; any
 * other text as given. */
static int mailbox_text(const char *s, char *out, size_t cap)
{
	const char *at = strchr(s, '@');
	size_t o = 0;
	if (!at) {
		size_t n = strlen(s);
		if (n + 1 >= cap)
			return -EINVAL;
		memcpy(out, s, n + 1);
		return 0;
	}
	for (const char *p = s; p < at; p++) {
		if (o + 3 >= cap)
			return -EINVAL;
		if (*p == '.')
			out[o++] = '\\';
		out[o++] = *p;
	}
	size_t rest = strlen(at + 1);
	if (o + 1 + rest + 1 >= cap)
		return -EINVAL;
	out[o++] = '.';
	memcpy(out + o, at + 1, rest + 1);
	return 0;
}

/* @text as an absolute name (a final dot is added). */
static int absolute(const char *text, struct dns_name *out)
{
	struct dns_name root;
	dns_name_root(&root);
	if (dns_name_from_text(text, strlen(text), &root, out))
		return -EINVAL;
	dns_name_lower(out);
	return 0;
}

bool dns_soa_name_ok(const char *s)
{
	char text[DNS_NAME_TEXT_MAX + 8];
	struct dns_name n;
	if (!*s || strchr(s, ' ') || mailbox_text(s, text, sizeof(text)))
		return false;
	const char *at = strchr(s, '@');
	if (at && (at == s || !at[1] || strchr(at + 1, '@')))
		return false;
	return absolute(text, &n) == 0 && n.len > 1;
}

/* The lab host called @name (any case) with an address, or NULL. */
static const struct cfg_host *lab_host(const struct cfg_lab *lab,
				       const char *name)
{
	for (size_t i = 0; lab->enabled && lab->domain && i < lab->n_hosts; i++)
		if (lab->hosts[i].has_ip &&
		    strcasecmp(lab->hosts[i].name, name) == 0)
			return &lab->hosts[i];
	return NULL;
}

/* True when lab hosts with addresses make a lab zone. */
static bool lab_zone(const struct cfg_lab *lab)
{
	for (size_t i = 0; lab->enabled && lab->domain && i < lab->n_hosts; i++)
		if (lab->hosts[i].has_ip)
			return true;
	return false;
}

static bool is_wildcard(const struct sockaddr_any *a)
{
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->u.sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->u.in6.sin6_addr);
	return true;
}

/* Rank of an interface address as glue: lower is better, < 0 unusable. */
static int rank(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127 ? 2 : 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr))
			return -1;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ? 3 : 1;
	}
	return -1;
}

static void to_ipaddr(const struct sockaddr *sa, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		out->u.v4 = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else
		out->u.v6 =
			((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
}

static void glue_address(const struct cfg_dns *d, struct ipaddr *out)
{
	for (size_t i = 0; i < d->n_listen; i++)
		if (!is_wildcard(&d->listen[i])) {
			to_ipaddr(&d->listen[i].u.sa, out);
			return;
		}
	/* Every address is listened on: any of the machine's will do. */
	struct ifaddrs *ifs = NULL, *best = NULL;
	int best_rank = 99;
	if (getifaddrs(&ifs) == 0)
		for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
			int r = i->ifa_addr ? rank(i->ifa_addr) : -1;
			if (r >= 0 && r < best_rank) {
				best = i;
				best_rank = r;
			}
		}
	if (best) {
		to_ipaddr(best->ifa_addr, out);
	} else {
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		out->u.v4.s_addr = htonl(INADDR_LOOPBACK);
	}
	freeifaddrs(ifs);
}

int dns_soa_make(const struct config *cfg, const struct dns_name *apex,
		 struct dns_soa_made *out)
{
	const struct cfg_dns *d = dns_config(cfg);
	const struct cfg_dns_soa *s = &d->soa;
	const struct cfg_lab *lab = &cfg->lab;
	struct dns_name domain;
	char text[DNS_NAME_TEXT_MAX + 8];

	memset(out, 0, sizeof(*out));
	out->refresh = (uint32_t)s->refresh;
	out->retry = (uint32_t)s->retry;
	out->expire = (uint32_t)s->expire;
	out->minimum = (uint32_t)s->minimum;
	out->ttl = (uint32_t)s->ttl;
	const char *m = s->mname ? s->mname : "";
	if (m[0] && strchr(m, '.')) {
		if (absolute(m, &out->mname))
			return -EINVAL;
	} else if (m[0] || lab_zone(lab)) {
		/* A lab host (its A/AAAA is served), or ns.<lab.domain>. */
		const char *label = m[0] ? m : "ns";
		if (absolute(lab->domain, &domain) ||
		    dns_name_prepend(&domain, label, strlen(label), &out->mname))
			return -EINVAL;
		dns_name_lower(&out->mname);
		out->glue = !m[0] && !lab_host(lab, "ns") &&
			    dns_name_equal(apex, &domain);
	} else {
		if (dns_name_prepend(apex, "ns", 2, &out->mname))
			return -EINVAL;
		dns_name_lower(&out->mname);
		out->glue = true;
	}
	if (out->glue)
		glue_address(d, &out->addr);
	const char *r = s->rname && s->rname[0] ? s->rname : "hostmaster";
	if (!strchr(r, '.') && !strchr(r, '@')) {
		if (dns_name_prepend(apex, r, strlen(r), &out->rname))
			return -EINVAL;
	} else if (mailbox_text(r, text, sizeof(text)) ||
		   absolute(text, &out->rname)) {
		return -EINVAL;
	}
	return 0;
}

size_t dns_soa_rdata(const struct dns_soa_made *m, uint32_t serial,
		     uint8_t *rd)
{
	size_t off = 0;
	memcpy(rd + off, m->mname.wire, m->mname.len);
	off += m->mname.len;
	memcpy(rd + off, m->rname.wire, m->rname.len);
	off += m->rname.len;
	const uint32_t nums[5] = {serial, m->refresh, m->retry, m->expire,
				  m->minimum};
	for (int i = 0; i < 5; i++, off += 4)
		dns_put32(rd + off, nums[i]);
	return off;
}

uint32_t dns_soa_hash(const struct dns_soa_made *m)
{
	uint8_t rd[DNS_NAME_MAX * 2 + 20];
	size_t n = dns_soa_rdata(m, 0, rd);
	uint32_t h = 2166136261u ^ m->ttl;
	for (size_t i = 0; i < n; i++) {
		h ^= rd[i];
		h *= 16777619u;
	}
	if (m->glue)
		for (size_t i = 0; i < 16; i++) {
			h ^= m->addr.u.bytes[i];
			h *= 16777619u;
		}
	return h;
}
