/* SPDX-License-Identifier: MIT */
/* The lease table: open addressing by address, plus a client-id index. */
#include <stdlib.h>
#include <string.h>

#include "dhcp/internal.h"

static uint32_t hash_ip(uint32_t ip)
{
	ip ^= ip >> 16;
	ip *= 0x7feb352du;
	ip ^= ip >> 15;
	ip *= 0x846ca68bu;
	ip ^= ip >> 16;
	return ip;
}

static uint32_t hash_cid(const uint8_t *cid, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= cid[i];
		h *= 16777619u;
	}
	return h ? h : 1;
}

static size_t slot_of(const struct dhcp_leases *t, uint32_t ip, bool for_insert)
{
	size_t mask = t->cap - 1, first_free = SIZE_MAX;
	for (size_t i = hash_ip(ip) & mask, n = 0; n < t->cap;
	     i = (i + 1) & mask, n++) {
		if (t->used[i] == 0)
			return for_insert && first_free != SIZE_MAX ? first_free
								    : i;
		if (t->used[i] == 2) {
			if (first_free == SIZE_MAX)
				first_free = i;
			continue;
		}
		if (t->slots[i].ip == ip)
			return i;
	}
	return first_free;
}

struct dhcp_lease *dhcp_leases_by_ip(struct dhcp_leases *t, uint32_t ip)
{
	if (!t->cap)
		return NULL;
	size_t i = slot_of(t, ip, false);
	return i != SIZE_MAX && t->used[i] == 1 && t->slots[i].ip == ip
		       ? &t->slots[i]
		       : NULL;
}

static void cid_index(struct dhcp_leases *t, const struct dhcp_lease *l)
{
	if (!l->cid_len)
		return;
	size_t mask = t->cap - 1;
	uint32_t h = hash_cid(l->cid, l->cid_len);
	for (size_t i = h & mask, n = 0; n < t->cap; i = (i + 1) & mask, n++) {
		if (t->cids[i].ip == 0 || t->cids[i].ip == l->ip) {
			t->cids[i].hash = h;
			t->cids[i].ip = l->ip;
			return;
		}
	}
}

struct dhcp_lease *dhcp_leases_by_client(struct dhcp_leases *t,
					 const uint8_t *cid, size_t cid_len)
{
	if (!t->cap || !cid_len)
		return NULL;
	size_t mask = t->cap - 1;
	uint32_t h = hash_cid(cid, cid_len);
	for (size_t i = h & mask, n = 0; n < t->cap; i = (i + 1) & mask, n++) {
		if (t->cids[i].ip == 0)
			return NULL;
		if (t->cids[i].hash != h)
			continue;
		/* The index may be stale (the lease moved on): check. */
		struct dhcp_lease *l = dhcp_leases_by_ip(t, t->cids[i].ip);
		if (l && l->cid_len == cid_len &&
		    memcmp(l->cid, cid, cid_len) == 0 &&
		    l->state != DHCP_LEASE_DECLINED)
			return l;
	}
	return NULL;
}

static int grow(struct dhcp_leases *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct dhcp_leases n = {0};
	n.cap = cap;
	n.slots = calloc(cap, sizeof(*n.slots));
	n.used = calloc(cap, 1);
	n.cids = calloc(cap, sizeof(*n.cids));
	if (!n.slots || !n.used || !n.cids) {
		free(n.slots);
		free(n.used);
		free(n.cids);
		return -1;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (t->used[i] != 1)
			continue;
		size_t j = slot_of(&n, t->slots[i].ip, true);
		n.slots[j] = t->slots[i];
		n.used[j] = 1;
		n.n++;
		cid_index(&n, &n.slots[j]);
	}
	dhcp_leases_free(t);
	*t = n;
	return 0;
}

struct dhcp_lease *dhcp_leases_put(struct dhcp_leases *t, uint32_t ip)
{
	struct dhcp_lease *l = dhcp_leases_by_ip(t, ip);
	if (l)
		return l;
	if ((t->n + t->tombs + 1) * 2 > t->cap && grow(t))
		return NULL;
	size_t i = slot_of(t, ip, true);
	if (t->used[i] == 2)
		t->tombs--;
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->slots[i].ip = ip;
	t->used[i] = 1;
	t->n++;
	return &t->slots[i];
}

/* Call after changing a lease's client id, so lookups by client find it. */
void dhcp_leases_reindex(struct dhcp_leases *t, const struct dhcp_lease *l)
{
	cid_index(t, l);
}

void dhcp_leases_del(struct dhcp_leases *t, uint32_t ip)
{
	struct dhcp_lease *l = dhcp_leases_by_ip(t, ip);
	if (!l)
		return;
	size_t i = (size_t)(l - t->slots);
	t->used[i] = 2;
	t->n--;
	t->tombs++;
}

struct dhcp_lease *dhcp_leases_next(struct dhcp_leases *t, size_t *pos)
{
	while (*pos < t->cap) {
		size_t i = (*pos)++;
		if (t->used[i] == 1)
			return &t->slots[i];
	}
	return NULL;
}

void dhcp_leases_free(struct dhcp_leases *t)
{
	free(t->slots);
	free(t->used);
	free(t->cids);
	memset(t, 0, sizeof(*t));
}
