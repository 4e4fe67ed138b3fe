/* SPDX-License-Identifier: MIT */
/* Response cache: open hash with chaining plus an LRU list, both intrusive. */
#include "proto/dns/cache.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *hnext;	     /* hash chain */
	struct entry *prev, *next;   /* LRU: head is most recent */
	uint32_t hash;
	uint16_t type, cls;
	uint64_t stored, expires;
	atomic_bool referenced; /* set by lookups; a second chance at eviction */
	uint8_t name_len;
	uint8_t name[DNS_NAME_MAX]; /* lower case */
	size_t len;
	uint8_t data[];
};

struct dns_cache {
	struct entry **table;
	size_t mask;
	struct entry *head, *tail;
	size_t max;
	struct dns_cache_stats st;
};

static uint32_t key_hash(const struct dns_name *n, uint16_t type, uint16_t cls)
{
	uint32_t h = dns_name_hash(n);
	h ^= type;
	h *= 16777619u;
	h ^= cls;
	h *= 16777619u;
	return h;
}

struct dns_cache *dns_cache_new(size_t max_entries)
{
	struct dns_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	size_t size = 64;
	while (size < max_entries * 2 && size < ((size_t)1 << 30))
		size *= 2;
	c->table = calloc(size, sizeof(*c->table));
	if (!c->table) {
		free(c);
		return NULL;
	}
	c->mask = size - 1;
	c->max = max_entries ? max_entries : 1;
	return c;
}

static void lru_unlink(struct dns_cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push(struct dns_cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void drop(struct dns_cache *c, struct entry *e)
{
	struct entry **pp = &c->table[e->hash & c->mask];
	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(c, e);
	c->st.entries--;
	c->st.bytes -= e->len;
	free(e);
}

static struct entry *find(const struct dns_cache *c, const struct dns_name *n,
			  uint16_t type, uint16_t cls, uint32_t h)
{
	for (struct entry *e = c->table[h & c->mask]; e; e = e->hnext) {
		if (e->hash != h || e->type != type || e->cls != cls ||
		    e->name_len != n->len)
			continue;
		struct dns_name en = {.len = e->name_len};
		memcpy(en.wire, e->name, e->name_len);
		if (dns_name_equal(&en, n))
			return e;
	}
	return NULL;
}

int dns_cache_get(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now,
		  const uint8_t **data, size_t *len, uint32_t *age)
{
	uint32_t h = key_hash(name, type, cls);
	struct entry *e = find(c, name, type, cls, h);
	if (e && now >= e->expires) {
		drop(c, e);
		c->st.expired++;
		e = NULL;
	}
	if (!e) {
		c->st.misses++;
		return -ENOENT;
	}
	lru_unlink(c, e);
	lru_push(c, e);
	c->st.hits++;
	*data = e->data;
	*len = e->len;
	*age = (uint32_t)(now - e->stored);
	return 0;
}

int dns_cache_lookup(const struct dns_cache *c, const struct dns_name *name,
		     uint16_t type, uint16_t cls, uint64_t now,
		     const uint8_t **data, size_t *len, uint32_t *age)
{
	struct entry *e = find(c, name, type, cls, key_hash(name, type, cls));
	if (!e || now >= e->expires)
		return -ENOENT;
	atomic_store_explicit(&e->referenced, true, memory_order_relaxed);
	*data = e->data;
	*len = e->len;
	*age = (uint32_t)(now - e->stored);
	return 0;
}

int dns_cache_put(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now, uint32_t ttl,
		  const uint8_t *data, size_t len)
{
	if (ttl == 0)
		return 0;
	uint32_t h = key_hash(name, type, cls);
	struct entry *old = find(c, name, type, cls, h);
	if (old)
		drop(c, old);
	/* Evict from the cold end; an entry read since it got there moves
	 * back to the front once (lookups do not reorder the list). */
	for (size_t spins = 0; c->st.entries >= c->max && c->tail; spins++) {
		struct entry *t = c->tail;
		if (spins < c->max &&
		    atomic_exchange_explicit(&t->referenced, false,
					     memory_order_relaxed)) {
			lru_unlink(c, t);
			lru_push(c, t);
			continue;
		}
		drop(c, t);
		c->st.evictions++;
	}
	struct entry *e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	atomic_init(&e->referenced, false);
	e->hash = h;
	e->type = type;
	e->cls = cls;
	e->stored = now;
	e->expires = now + ttl;
	e->name_len = name->len;
	memcpy(e->name, name->wire, name->len);
	e->len = len;
	memcpy(e->data, data, len);
	e->hnext = c->table[h & c->mask];
	c->table[h & c->mask] = e;
	lru_push(c, e);
	c->st.entries++;
	c->st.bytes += len;
	c->st.inserts++;
	return 0;
}

void dns_cache_flush(struct dns_cache *c)
{
	while (c->head)
		drop(c, c->head);
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	dns_cache_flush(c);
	free(c->table);
	free(c);
}

void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *out)
{
	*out = c->st;
}
