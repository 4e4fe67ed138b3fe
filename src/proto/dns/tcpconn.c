/* SPDX-License-Identifier: MIT */
/* The table of DNS-over-TCP connections: per-client counts, states, and which one to evict. */
#include "proto/dns/tcpconn.h"

#include <string.h>

/* The order in which states give up a connection to a new one. */
static const enum dns_tcpconn_state evict_order[] = {
	DNS_TCPCONN_IDLE, DNS_TCPCONN_READING, DNS_TCPCONN_BLOCKED};

static size_t bucket_of(const struct dns_tcpconn_table *t,
			const struct ipaddr *a)
{
	size_t n = a->family == AF_INET6 ? 16 : 4;
	uint64_t h = t->seed ^ (uint64_t)a->family;
	for (size_t i = 0; i < n; i++) {
		h ^= a->u.bytes[i];
		h *= 0x100000001b3ull; /* FNV-1a step, then a final mix */
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)(h % DNS_TCPCONN_BUCKETS);
}

void dns_tcpconn_table_init(struct dns_tcpconn_table *t, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->seed = seed;
}

size_t dns_tcpconn_count_client(const struct dns_tcpconn_table *t,
				const struct ipaddr *a)
{
	size_t n = 0;
	for (const struct dns_tcpconn *c = t->buckets[bucket_of(t, a)]; c;
	     c = c->hnext)
		if (ipaddr_equal(&c->client, a))
			n++;
	return n;
}

enum dns_tcpconn_admit dns_tcpconn_admit(const struct dns_tcpconn_table *t,
					 const struct ipaddr *a,
					 size_t max_total,
					 size_t max_per_client,
					 struct dns_tcpconn **victim)
{
	*victim = NULL;
	if (max_per_client && dns_tcpconn_count_client(t, a) >= max_per_client)
		return DNS_TCPCONN_CLIENT_CAP;
	if (t->n < max_total)
		return DNS_TCPCONN_ACCEPT;
	for (size_t i = 0; i < sizeof(evict_order) / sizeof(evict_order[0]);
	     i++) {
		struct dns_tcpconn *c = t->lists[evict_order[i]].head;
		if (c) {
			*victim = c;
			return DNS_TCPCONN_EVICT;
		}
	}
	return DNS_TCPCONN_FULL;
}

static void list_append(struct dns_tcpconn_table *t, struct dns_tcpconn *c)
{
	c->next = NULL;
	c->prev = t->lists[c->state].tail;
	if (c->prev)
		c->prev->next = c;
	else
		t->lists[c->state].head = c;
	t->lists[c->state].tail = c;
}

static void list_unlink(struct dns_tcpconn_table *t, struct dns_tcpconn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		t->lists[c->state].head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->lists[c->state].tail = c->prev;
	c->prev = c->next = NULL;
}

void dns_tcpconn_add(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
		     const struct ipaddr *a, uint64_t now)
{
	c->client = *a;
	size_t b = bucket_of(t, a);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	c->state = DNS_TCPCONN_IDLE;
	c->since = now;
	list_append(t, c);
	t->n++;
}

void dns_tcpconn_remove(struct dns_tcpconn_table *t, struct dns_tcpconn *c)
{
	struct dns_tcpconn **p = &t->buckets[bucket_of(t, &c->client)];
	while (*p && *p != c)
		p = &(*p)->hnext;
	if (*p)
		*p = c->hnext;
	c->hnext = NULL;
	list_unlink(t, c);
	t->n--;
}

void dns_tcpconn_set_state(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
			   enum dns_tcpconn_state s, uint64_t now)
{
	if (c->state == s)
		return;
	list_unlink(t, c);
	c->state = s;
	c->since = now;
	list_append(t, c);
}

void dns_tcpconn_touch(struct dns_tcpconn_table *t, struct dns_tcpconn *c,
		       uint64_t now)
{
	list_unlink(t, c);
	c->since = now;
	list_append(t, c);
}
