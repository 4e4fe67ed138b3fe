/* SPDX-License-Identifier: MIT */
/* ntfy's per-visitor limits, pure: token buckets and a bounded visitor table, time passed in. */
#include "proto/notify/ntfy_limit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The bucket keeps how much it lacks from full, scaled by period_ms so
 * every step is integer: full is burst * period_ms, a token costs
 * period_ms, a millisecond brings back @amount. */
static void refill(struct ntfy_bucket *b, const struct ntfy_rate *r,
		   int64_t now_ms)
{
	if (now_ms > b->at_ms && b->level > 0) {
		int64_t dt = now_ms - b->at_ms;
		/* dt * amount past level just fills it: no overflow. */
		if (dt >= b->level / r->amount + 1)
			b->level = 0;
		else
			b->level -= dt * r->amount;
		if (b->level < 0)
			b->level = 0;
	}
	if (now_ms > b->at_ms || b->level == 0)
		b->at_ms = now_ms;
}

int64_t ntfy_bucket_tokens(const struct ntfy_bucket *b,
			   const struct ntfy_rate *r, int64_t now_ms)
{
	if (r->amount <= 0 || r->period_ms <= 0)
		return INT64_MAX;
	struct ntfy_bucket c = *b;
	refill(&c, r, now_ms);
	return r->burst - (c.level + r->period_ms - 1) / r->period_ms;
}

bool ntfy_bucket_take(struct ntfy_bucket *b, const struct ntfy_rate *r,
		      int64_t now_ms, int64_t n)
{
	if (r->amount <= 0 || r->period_ms <= 0)
		return true;
	if (n < 0 || n > r->burst)
		return false;
	refill(b, r, now_ms);
	int64_t full = r->burst * r->period_ms;
	int64_t cost = n * r->period_ms;
	if (b->level + cost > full)
		return false;
	b->level += cost;
	return true;
}

void ntfy_limits_default(struct ntfy_limits *l)
{
	*l = (struct ntfy_limits){
		.requests = {NTFY_REQUEST_BURST, 1, NTFY_REQUEST_EVERY_MS},
		.messages = {0, 0, 86400000},
		.bandwidth = {NTFY_BANDWIDTH_DAILY, NTFY_BANDWIDTH_DAILY,
			      86400000},
		.auth_failures = {NTFY_AUTH_FAIL_BURST, 1,
				  NTFY_AUTH_FAIL_EVERY_MS},
		.subscriptions = NTFY_SUBSCRIPTION_LIMIT,
	};
}

struct ntfy_vkey ntfy_vkey_addr(int family, const uint8_t *addr)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct ntfy_vkey k;
	memset(&k, 0, sizeof(k));
	if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	if (family == AF_INET) {
		k.kind = NTFY_V_IP4;
		memcpy(k.b, addr, 4);
	} else {
		k.kind = NTFY_V_IP6;
		memcpy(k.b, addr, 8);
	}
	return k;
}

struct ntfy_vkey ntfy_vkey_user(int64_t id)
{
	struct ntfy_vkey k;
	memset(&k, 0, sizeof(k));
	k.kind = NTFY_V_USER;
	memcpy(k.b, &id, sizeof(id));
	return k;
}

int ntfy_vtable_init(struct ntfy_vtable *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap > UINT32_MAX / 4)
		return -EINVAL;
	t->nbuckets = 1;
	while (t->nbuckets < cap)
		t->nbuckets <<= 1;
	t->v = calloc(cap, sizeof(*t->v));
	t->heads = calloc(t->nbuckets, sizeof(*t->heads));
	if (!t->v || !t->heads) {
		ntfy_vtable_free(t);
		return -ENOMEM;
	}
	t->cap = cap;
	return 0;
}

void ntfy_vtable_free(struct ntfy_vtable *t)
{
	free(t->v);
	free(t->heads);
	memset(t, 0, sizeof(*t));
}

static size_t hash(const struct ntfy_vkey *k, size_t nbuckets)
{
	/* FNV-1a over the key. */
	uint32_t h = 2166136261u;
	h = (h ^ k->kind) * 16777619u;
	for (size_t i = 0; i < sizeof(k->b); i++)
		h = (h ^ k->b[i]) * 16777619u;
	return h & (nbuckets - 1);
}

static bool same(const struct ntfy_vkey *a, const struct ntfy_vkey *b)
{
	return a->kind == b->kind && memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

struct ntfy_visitor *ntfy_vtable_find(struct ntfy_vtable *t,
				      const struct ntfy_vkey *k)
{
	if (!t->cap)
		return NULL;
	for (uint32_t i = t->heads[hash(k, t->nbuckets)]; i; i = t->v[i - 1].next)
		if (same(&t->v[i - 1].key, k))
			return &t->v[i - 1];
	return NULL;
}

static void unlink_entry(struct ntfy_vtable *t, size_t idx)
{
	uint32_t *p = &t->heads[hash(&t->v[idx].key, t->nbuckets)];
	while (*p && *p != idx + 1)
		p = &t->v[*p - 1].next;
	if (*p)
		*p = t->v[idx].next;
}

struct ntfy_visitor *ntfy_vtable_get(struct ntfy_vtable *t,
				     const struct ntfy_vkey *k, int64_t now_ms)
{
	struct ntfy_visitor *v = ntfy_vtable_find(t, k);
	if (v) {
		if (now_ms > v->seen_ms)
			v->seen_ms = now_ms;
		return v;
	}
	if (!t->cap)
		return NULL;
	size_t idx;
	if (t->n < t->cap) {
		idx = t->n++;
	} else {
		/* Full: the one seen longest ago without subscriptions. */
		size_t best = t->cap;
		for (size_t i = 0; i < t->cap; i++)
			if (!t->v[i].subs &&
			    (best == t->cap || t->v[i].seen_ms < t->v[best].seen_ms))
				best = i;
		if (best == t->cap)
			return NULL;
		idx = best;
		unlink_entry(t, idx);
	}
	v = &t->v[idx];
	memset(v, 0, sizeof(*v));
	v->key = *k;
	v->seen_ms = now_ms;
	v->used = true;
	size_t h = hash(k, t->nbuckets);
	v->next = t->heads[h];
	t->heads[h] = (uint32_t)(idx + 1);
	return v;
}
