/* SPDX-License-Identifier: MIT */
/* Response-rate limiting (RRL) for UDP answers: a per-prefix account table, pure (time is given). */
#ifndef HEARTH_PROTO_DNS_RRL_H
#define HEARTH_PROTO_DNS_RRL_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/*
 * Each client prefix (the address masked to @v4_prefix or @v6_prefix
 * bits) has an account credited @rate responses a second, up to @rate,
 * and debited one per response. A response when the account is below
 * one is limited; the debt can grow to @window seconds' worth, so a
 * source that keeps flooding stays limited until it has been quiet for
 * about that long (BIND's "window"). Of the limited responses every
 * @slip-th is sent truncated (TC=1, no records: a real client retries
 * over TCP, which a spoofed source cannot), the others are dropped;
 * @slip 0 drops them all, 1 truncates them all.
 *
 * The table has a fixed number of accounts; when a new prefix needs one
 * and its set is full, the least recently used in the set is reused
 * (a forgotten prefix starts with a full account).
 *
 * Not thread-safe: one table per thread (the UDP workers each keep
 * theirs). Times are milliseconds on any monotonic clock.
 */
struct dns_rrl_params {
	uint32_t rate;	   /* responses per second per prefix; 0: off */
	uint32_t slip;	   /* every slip-th limited response is truncated */
	uint32_t window;   /* seconds of debt kept; at least 1 */
	unsigned v4_prefix; /* 0..32 */
	unsigned v6_prefix; /* 0..128 */
};

enum dns_rrl_verdict {
	DNS_RRL_SEND,	  /* within the rate */
	DNS_RRL_DROP,	  /* limited: send nothing */
	DNS_RRL_SLIP,	  /* limited: send it truncated (dns_rrl_truncate) */
};

struct dns_rrl;

/* A table of about @accounts accounts (rounded up to a power of two,
 * at least 8); @seed keys its hash. NULL when out of memory. The caller
 * owns it and frees it with dns_rrl_free. */
struct dns_rrl *dns_rrl_new(size_t accounts, uint64_t seed);
void dns_rrl_free(struct dns_rrl *t);

/* Accounts for one response to @client at @now; with @p->rate 0 always
 * SEND (nothing is recorded). */
enum dns_rrl_verdict dns_rrl_account(struct dns_rrl *t,
				     const struct dns_rrl_params *p,
				     const struct ipaddr *client, uint64_t now);

/* Turns the response @msg (@len bytes, its question echoed) into the
 * slip form in place: header and question only, TC set, every count
 * but the question's zero. Returns the new length, or 0 when @msg is
 * not a response with one question (then send nothing). */
size_t dns_rrl_truncate(uint8_t *msg, size_t len);

#endif
