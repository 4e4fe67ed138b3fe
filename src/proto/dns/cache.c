/* SPDX-License-Identifier: MIT */
/* Response cache: shards of an open hash with chaining plus a CLOCK list. */
#include "proto/dns/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS_MAX 64
#define SHARD_MIN_ENTRIES 64

struct entry {
	struct entry *hnext;	     /* hash chain */
	struct entry *prev, *next;   /* CLOCK list: head is the newest */
	uint32_t hash;
	uint16_t type, cls;
	uint64_t stored, expires;
	atomic_bool referenced; /* set by lookups; a second chance at eviction */
	uint8_t name_len;
	size_t len;
	uint8_t *data;	     /* right after the name, in this allocation */
	uint8_t name[];	     /* as first stored, then the answer */
};

/* One shard, on cache lines of its own so that threads using different
 * shards do not share one. */
struct shard {
	_Alignas(64) pthread_rwlock_t lock;
	struct entry **table;
	size_t mask;
	struct entry *head, *tail;
	size_t max;
	/* Under the write lock. */
	uint64_t inserts, evictions, expired;
	size_t entries, bytes;
	/* Lookups hold only the read lock. */
	atomic_uint_fast64_t hits, misses;
};

struct dns_cache {
	struct shard *shards;
	unsigned n, bits;
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

static unsigned shard_index(const struct dns_cache *c, uint32_t h)
{
	/* The top bits of a multiplicative remix: independent of the low
	 * bits that pick the bucket inside the shard. */
	return c->bits ? (unsigned)((h * 2654435761u) >> (32 - c->bits)) : 0;
}

static int shard_init(struct shard *s, size_t max)
{
	size_t size = 64;
	while (size < max * 2 && size < ((size_t)1 << 30))
		size *= 2;
	s->table = calloc(size, sizeof(*s->table));
	if (!s->table)
		return -ENOMEM;
	if (pthread_rwlock_init(&s->lock, NULL)) {
		free(s->table);
		s->table = NULL;
		return -ENOMEM;
	}
	s->mask = size - 1;
	s->max = max;
	atomic_init(&s->hits, 0);
	atomic_init(&s->misses, 0);
	return 0;
}


struct dns_cache *dns_cache_new(size_t max_entries, unsigned shards)
{
	if (max_entries == 0)
		max_entries = 1;
	if (shards == 0 || shards > SHARDS_MAX)
		shards = SHARDS_MAX;
	unsigned n = 1, bits = 0;
	while (n * 2 <= shards && max_entries / (n * 2) >= SHARD_MIN_ENTRIES) {
		n *= 2;
		bits++;
	}
	struct dns_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->shards = aligned_alloc(_Alignof(struct shard),
				  n * sizeof(struct shard));
	if (!c->shards) {
		free(c);
		return NULL;
	}
	memset(c->shards, 0, n * sizeof(struct shard));
	c->bits = bits;
	for (unsigned i = 0; i < n; i++) {
		size_t max = max_entries / n + (i < max_entries % n ? 1 : 0);
		if (shard_init(&c->shards[i], max)) {
			dns_cache_free(c);
			return NULL;
		}
		c->n++;
	}
	return c;
}

unsigned dns_cache_shards(const struct dns_cache *c)
{
	return c->n;
}

unsigned dns_cache_shard_of(const struct dns_cache *c,
			    const struct dns_name *name, uint16_t type,
			    uint16_t cls)
{
	return shard_index(c, key_hash(name, type, cls));
}

static void list_unlink(struct shard *s, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = e->next = NULL;
}

static void list_push(struct shard *s, struct entry *e)
{
	e->prev = NULL;
	e->next = s->head;
	if (s->head)
		s->head->prev = e;
	s->head = e;
	if (!s->tail)
		s->tail = e;
}

static void drop(struct shard *s, struct entry *e)
{
	struct entry **pp = &s->table[e->hash & s->mask];
	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	list_unlink(s, e);
	s->entries--;
	s->bytes -= e->len;
	free(e);
}

static struct entry *find(const struct shard *s, const struct dns_name *n,
			  uint16_t type, uint16_t cls, uint32_t h)
{
	for (struct entry *e = s->table[h & s->mask]; e; e = e->hnext) {
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
		  uint16_t type, uint16_t cls, uint64_t now, uint8_t *buf,
		  size_t cap, size_t *len, uint32_t *age)
{
	uint32_t h = key_hash(name, type, cls);
	struct shard *s = &c->shards[shard_index(c, h)];
	int rc = -ENOENT;
	pthread_rwlock_rdlock(&s->lock);
	const struct entry *e = find(s, name, type, cls, h);
	if (e && now < e->expires) {
		if (e->len <= cap) {
			atomic_store_explicit(
				&((struct entry *)e)->referenced, true,
				memory_order_relaxed);
			memcpy(buf, e->data, e->len);
			*len = e->len;
			*age = (uint32_t)(now - e->stored);
			rc = 0;
		} else {
			rc = -ENOBUFS;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	atomic_fetch_add_explicit(rc ? &s->misses : &s->hits, 1,
				  memory_order_relaxed);
	return rc;
}

/* Makes room for one entry: from the cold end, expired entries go
 * first; an entry read since it got there moves back to the front once
 * (lookups never reorder the list, they only mark). */
static void make_room(struct shard *s, uint64_t now)
{
	for (size_t spins = 0; s->entries >= s->max && s->tail; spins++) {
		struct entry *t = s->tail;
		if (now >= t->expires) {
			drop(s, t);
			s->expired++;
			continue;
		}
		if (spins < s->max &&
		    atomic_exchange_explicit(&t->referenced, false,
					     memory_order_relaxed)) {
			list_unlink(s, t);
			list_push(s, t);
			continue;
		}
		drop(s, t);
		s->evictions++;
	}
}

int dns_cache_put(struct dns_cache *c, const struct dns_name *name,
		  uint16_t type, uint16_t cls, uint64_t now, uint32_t ttl,
		  const uint8_t *data, size_t len)
{
	if (ttl == 0)
		return 0;
	uint32_t h = key_hash(name, type, cls);
	struct shard *s = &c->shards[shard_index(c, h)];
	/* Built before the lock: the copy is the slow part. */
	struct entry *e = malloc(sizeof(*e) + name->len + len);
	if (!e)
		return -ENOMEM;
	e->hnext = e->prev = e->next = NULL;
	atomic_init(&e->referenced, false);
	e->hash = h;
	e->type = type;
	e->cls = cls;
	e->stored = now;
	e->expires = now + ttl;
	e->name_len = name->len;
	memcpy(e->name, name->wire, name->len);
	e->data = e->name + name->len;
	e->len = len;
	memcpy(e->data, data, len);

	pthread_rwlock_wrlock(&s->lock);
	struct entry *old = find(s, name, type, cls, h);
	if (old)
		drop(s, old);
	make_room(s, now);
	e->hnext = s->table[h & s->mask];
	s->table[h & s->mask] = e;
	list_push(s, e);
	s->entries++;
	s->bytes += len;
	s->inserts++;
	pthread_rwlock_unlock(&s->lock);
	return 0;
}

static void shard_flush(struct shard *s)
{
	while (s->head)
		drop(s, s->head);
}

void dns_cache_flush(struct dns_cache *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct shard *s = &c->shards[i];
		pthread_rwlock_wrlock(&s->lock);
		shard_flush(s);
		pthread_rwlock_unlock(&s->lock);
	}
}

size_t dns_cache_flush_name(struct dns_cache *c, const struct dns_name *name)
{
	size_t n = 0;
	for (unsigned i = 0; i < c->n; i++) {
		struct shard *s = &c->shards[i];
		pthread_rwlock_wrlock(&s->lock);
		for (struct entry *e = s->head, *next; e; e = next) {
			next = e->next;
			struct dns_name en = {.len = e->name_len};
			memcpy(en.wire, e->name, e->name_len);
			if (dns_name_is_subdomain(&en, name)) {
				drop(s, e);
				n++;
			}
		}
		pthread_rwlock_unlock(&s->lock);
	}
	return n;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		struct shard *s = &c->shards[i];
		shard_flush(s);
		pthread_rwlock_destroy(&s->lock);
		free(s->table);
	}
	free(c->shards);
	free(c);
}

void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < c->n; i++) {
		struct shard *s = &c->shards[i];
		pthread_rwlock_rdlock(&s->lock);
		out->inserts += s->inserts;
		out->evictions += s->evictions;
		out->expired += s->expired;
		out->entries += s->entries;
		out->bytes += s->bytes;
		pthread_rwlock_unlock(&s->lock);
		out->hits += atomic_load_explicit(&s->hits,
						  memory_order_relaxed);
		out->misses += atomic_load_explicit(&s->misses,
						    memory_order_relaxed);
	}
}
