/* SPDX-License-Identifier: MIT */
/* Response-rate limiting: per-prefix accounts in a set-associative table, and the truncated slip answer. */
#include "proto/dns/rrl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/dns.h"

#define WAYS 4
#define MILLI 1000 /* balances are kept in thousandths of a response */

struct account {
	uint8_t key[17]; /* family byte, then the masked address */
	bool used;
	int64_t balance; /* MILLI per response */
	uint64_t last;	 /* ms: last credited */
	uint64_t limited; /* responses limited since the account was made */
};

struct dns_rrl {
	size_t n_sets; /* power of two */
	uint64_t seed;
	struct account *acc; /* n_sets * WAYS */
};

struct dns_rrl *dns_rrl_new(size_t accounts, uint64_t seed)
{
	size_t sets = 2;
	while (sets * WAYS < accounts && sets < ((size_t)1 << 24))
		sets *= 2;
	struct dns_rrl *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->acc = calloc(sets * WAYS, sizeof(*t->acc));
	if (!t->acc) {
		free(t);
		return NULL;
	}
	t->n_sets = sets;
	t->seed = seed;
	return t;
}

void dns_rrl_free(struct dns_rrl *t)
{
	if (!t)
		return;
	free(t->acc);
	free(t);
}

static void make_key(const struct dns_rrl_params *p, const struct ipaddr *a,
		     uint8_t key[17])
{
	memset(key, 0, 17);
	unsigned bits, len;
	if (a->family == AF_INET) {
		key[0] = 4;
		len = 4;
		bits = p->v4_prefix > 32 ? 32 : p->v4_prefix;
	} else {
		key[0] = 6;
		len = 16;
		bits = p->v6_prefix > 128 ? 128 : p->v6_prefix;
	}
	for (unsigned i = 0; i < len && bits; i++) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		key[1 + i] = a->u.bytes[i] & m;
		bits = bits >= 8 ? bits - 8 : 0;
	}
}

/* FNV-1a over the key, started from the seed, with a final mix. */
static uint64_t hash(const struct dns_rrl *t, const uint8_t key[17])
{
	uint64_t h = 1469598103934665603ull ^ t->seed;
	for (int i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static struct account *find(struct dns_rrl *t, const uint8_t key[17],
			    int64_t full, uint64_t now)
{
	struct account *set = &t->acc[(hash(t, key) & (t->n_sets - 1)) * WAYS];
	struct account *victim = &set[0];
	for (int i = 0; i < WAYS; i++) {
		if (set[i].used && memcmp(set[i].key, key, 17) == 0)
			return &set[i];
		if (!set[i].used)
			victim = &set[i];
		else if (victim->used && set[i].last < victim->last)
			victim = &set[i];
	}
	memcpy(victim->key, key, 17);
	victim->used = true;
	victim->balance = full;
	victim->last = now;
	victim->limited = 0;
	return victim;
}

enum dns_rrl_verdict dns_rrl_account(struct dns_rrl *t,
				     const struct dns_rrl_params *p,
				     const struct ipaddr *client, uint64_t now)
{
	if (!t || p->rate == 0)
		return DNS_RRL_SEND;
	uint8_t key[17];
	make_key(p, client, key);
	int64_t full = (int64_t)p->rate * MILLI;
	int64_t floor = -(int64_t)(p->window ? p->window : 1) * full;
	struct account *a = find(t, key, full, now);
	if (now > a->last) {
		/* rate responses a second is rate thousandths a millisecond */
		uint64_t dt = now - a->last;
		uint64_t most = ((uint64_t)(p->window ? p->window : 1) + 1) *
				1000; /* enough to refill from the floor */
		int64_t credit = (int64_t)(dt < most ? dt : most) *
				 (int64_t)p->rate;
		a->balance = a->balance + credit > full ? full
							: a->balance + credit;
		a->last = now;
	}
	if (a->balance >= MILLI) {
		a->balance -= MILLI;
		return DNS_RRL_SEND;
	}
	if (a->balance - MILLI >= floor)
		a->balance -= MILLI;
	else
		a->balance = floor;
	a->limited++;
	if (p->slip && a->limited % p->slip == 0)
		return DNS_RRL_SLIP;
	return DNS_RRL_DROP;
}

size_t dns_rrl_truncate(uint8_t *msg, size_t len)
{
	if (len < DNS_HEADER_LEN || !(dns_get16(msg + 2) & DNS_F_QR) ||
	    dns_get16(msg + 4) != 1)
		return 0;
	size_t off = DNS_HEADER_LEN;
	/* The echoed question's name: labels only (no pointer is needed
	 * for the first name of a message). */
	while (off < len && msg[off]) {
		if (msg[off] & 0xc0)
			return 0;
		off += (size_t)msg[off] + 1;
	}
	off += 1 + 4;
	if (off > len)
		return 0;
	dns_put16(msg + 2, dns_get16(msg + 2) | DNS_F_TC);
	memset(msg + 6, 0, 6); /* AN, NS, AR counts */
	return off;
}
