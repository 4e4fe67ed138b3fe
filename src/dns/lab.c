/* SPDX-License-Identifier: MIT */
/* DNS records derived from lab: hosts: A/AAAA in the lab domain, PTR in reverse zones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"
#include "proto/dns/dns.h"

/* The reverse name of @ip keeping its first @bits (rounded down to a
 * whole octet or nibble): with bits = 32/128 the PTR owner, with the
 * network's prefix length the reverse zone. */
static int reverse_name(const struct ipaddr *ip, unsigned bits,
			struct dns_name *out)
{
	char text[DNS_NAME_TEXT_MAX];
	size_t w = 0;
	if (ip->family == AF_INET) {
		for (int i = (int)(bits / 8) - 1; i >= 0; i--)
			w += (size_t)snprintf(text + w, sizeof(text) - w, "%u.",
					      ip->u.bytes[i]);
		snprintf(text + w, sizeof(text) - w, "in-addr.arpa.");
	} else {
		for (int i = (int)(bits / 4) - 1; i >= 0; i--) {
			unsigned b = ip->u.bytes[i / 2];
			unsigned nib = (i % 2) ? (b & 0xf) : (b >> 4);
			w += (size_t)snprintf(text + w, sizeof(text) - w, "%x.",
					      nib);
		}
		snprintf(text + w, sizeof(text) - w, "ip6.arpa.");
	}
	return dns_name_from_text(text, strlen(text), NULL, out);
}

/* The lab network holding @ip, or NULL. */
static const struct cfg_network *network_of(const struct cfg_lab *lab,
					    const struct ipaddr *ip)
{
	for (size_t i = 0; lab->enabled && i < lab->n_networks; i++)
		if (ipprefix_contains(&lab->networks[i].subnet, ip))
			return &lab->networks[i];
	return NULL;
}

int dns_lab_ptr(const struct config *cfg, const struct ipaddr *ip,
		const struct dns_name *fqdn, struct dns_lab_rr *out)
{
	bool v4 = ip->family == AF_INET;
	const struct cfg_network *net = network_of(&cfg->lab, ip);
	unsigned bits = net ? net->subnet.len : (v4 ? 24 : 64);
	bits -= bits % (v4 ? 8 : 4);
	if (bits == 0)
		bits = v4 ? 8 : 4;
	memset(out, 0, sizeof(*out));
	if (reverse_name(ip, v4 ? 32 : 128, &out->owner) ||
	    reverse_name(ip, bits, &out->zone))
		return -EINVAL;
	out->type = DNS_T_PTR;
	out->rdlen = fqdn->len;
	memcpy(out->rdata, fqdn->wire, fqdn->len);
	return 0;
}

int dns_lab_records(const struct config *cfg, struct dns_lab_rr **out,
		    size_t *n)
{
	const struct cfg_lab *lab = &cfg->lab;
	*out = NULL;
	*n = 0;
	if (!lab->enabled || lab->n_hosts == 0)
		return 0;
	struct dns_lab_rr *rrs = calloc(lab->n_hosts * 2, sizeof(*rrs));
	if (!rrs)
		return -ENOMEM;
	struct dns_name domain;
	if (dns_name_from_text(lab->domain, strlen(lab->domain),
			       &(struct dns_name){.len = 1}, &domain)) {
		free(rrs);
		return -EINVAL;
	}
	dns_name_lower(&domain);
	size_t k = 0;
	for (size_t i = 0; i < lab->n_hosts; i++) {
		const struct cfg_host *h = &lab->hosts[i];
		struct dns_name fqdn;
		if (!h->has_ip ||
		    dns_name_prepend(&domain, h->name, strlen(h->name), &fqdn))
			continue;
		dns_name_lower(&fqdn);
		bool v4 = h->ip.family == AF_INET;
		struct dns_lab_rr *a = &rrs[k];
		a->zone = domain;
		a->owner = fqdn;
		a->type = v4 ? DNS_T_A : DNS_T_AAAA;
		a->rdlen = v4 ? 4 : 16;
		a->host = h;
		memcpy(a->rdata, h->ip.u.bytes, a->rdlen);
		k++;

		if (dns_lab_ptr(cfg, &h->ip, &fqdn, &rrs[k]))
			continue;
		rrs[k].host = h;
		k++;
	}
	*out = rrs;
	*n = k;
	return 0;
}
