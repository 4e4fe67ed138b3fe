/* SPDX-License-Identifier: MIT */
/* ntfy's per-visitor limits, pure: token buckets and a bounded visitor table, time passed in. */
#ifndef HEARTH_PROTO_NOTIFY_NTFY_LIMIT_H
#define HEARTH_PROTO_NOTIFY_NTFY_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A token bucket's shape: holds @burst tokens, gains @amount every
 * @period_ms. @amount 0: unlimited (every take succeeds). */
struct ntfy_rate {
	int64_t burst;
	int64_t amount;
	int64_t period_ms;
};

/* A bucket's state; all zero is "full, never used". */
struct ntfy_bucket {
	int64_t level; /* tokens * period_ms, missing from full (0: full) */
	int64_t at_ms; /* when @level was computed */
};

/* Takes @n tokens at @now_ms when there are that many (then true). Time
 * going backwards counts as none passing. */
bool ntfy_bucket_take(struct ntfy_bucket *b, const struct ntfy_rate *r,
		      int64_t now_ms, int64_t n);
/* Tokens in the bucket at @now_ms (without taking). */
int64_t ntfy_bucket_tokens(const struct ntfy_bucket *b,
			   const struct ntfy_rate *r, int64_t now_ms);

/* ntfy's defaults. */
#define NTFY_REQUEST_BURST 60		/* visitor-request-limit-burst */
#define NTFY_REQUEST_EVERY_MS 5000	/* visitor-request-limit-replenish */
#define NTFY_SUBSCRIPTION_LIMIT 30	/* visitor-subscription-limit */
#define NTFY_AUTH_FAIL_BURST 30		/* visitor-auth-failure-limit-burst */
#define NTFY_AUTH_FAIL_EVERY_MS 60000	/* ...-replenish */
#define NTFY_BANDWIDTH_DAILY (INT64_C(500) * 1024 * 1024)

/* Every limit a visitor is held to. */
struct ntfy_limits {
	struct ntfy_rate requests;	/* 42901 */
	struct ntfy_rate messages;	/* per day, 42908 (0: unlimited) */
	struct ntfy_rate bandwidth;	/* attachment bytes, 41301 */
	struct ntfy_rate auth_failures; /* per address, 42909 */
	int64_t subscriptions;		/* open at once, 42903 */
};

/* Fills @l with ntfy's defaults. */
void ntfy_limits_default(struct ntfy_limits *l);

/* Who a visitor is: an IPv4 address, an IPv6 /64, or a user. */
enum ntfy_vkind { NTFY_V_IP4 = 1, NTFY_V_IP6, NTFY_V_USER };
struct ntfy_vkey {
	uint8_t kind;
	uint8_t b[16]; /* ip4: 4 bytes, ip6: the /64, user: its id (8) */
};

/* Key for an address (@family AF_INET/AF_INET6, @addr its 4/16 bytes;
 * a v4-mapped IPv6 address counts as IPv4) or a user's id. */
struct ntfy_vkey ntfy_vkey_addr(int family, const uint8_t *addr);
struct ntfy_vkey ntfy_vkey_user(int64_t id);

struct ntfy_visitor {
	struct ntfy_vkey key;
	int64_t seen_ms;
	struct ntfy_bucket requests, messages, bandwidth, auth_failures;
	int64_t subs; /* open subscriptions: a visitor with some stays */
	uint32_t next; /* hash chain (index + 1; 0 ends) */
	bool used;
};

/*
 * A bounded table of visitors: at most @cap; when it is full, a new
 * visitor takes the place of the one seen longest ago among those
 * without open subscriptions (its buckets are forgotten: it starts
 * full again, as a visitor new to ntfy does). Single-threaded.
 */
struct ntfy_vtable {
	struct ntfy_visitor *v;
	uint32_t *heads; /* nbuckets entries: index + 1 */
	size_t cap, n, nbuckets;
};

/* 0 or -ENOMEM. */
int ntfy_vtable_init(struct ntfy_vtable *t, size_t cap);
void ntfy_vtable_free(struct ntfy_vtable *t);
/* The visitor for @k, found or added (seen at @now_ms). NULL when the
 * table is full of visitors with open subscriptions. Pointers stay valid
 * until the entry is evicted: do not keep them across calls that add. */
struct ntfy_visitor *ntfy_vtable_get(struct ntfy_vtable *t,
				     const struct ntfy_vkey *k, int64_t now_ms);
/* The visitor for @k when it is there, else NULL (nothing added). */
struct ntfy_visitor *ntfy_vtable_find(struct ntfy_vtable *t,
				      const struct ntfy_vkey *k);

#endif
