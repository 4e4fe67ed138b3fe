/* SPDX-License-Identifier: MIT */
/* Unit tests of the forwarding cache: hits, misses, TTLs on scripted time, negative answers, eviction, shards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>

#include "helpers.h"
#include "proto/dns/cache.h"
#include "proto/dns/relay.h"

static int put(struct dns_cache *c, const char *name, uint16_t type,
	       uint64_t now, uint32_t ttl, const char *data)
{
	struct dns_name n = tname(name);
	return dns_cache_put(c, &n, type, DNS_C_IN, now, ttl,
			     (const uint8_t *)data, strlen(data));
}

/* The stored bytes as a string, or NULL on a miss; *age when a hit. */
static const char *get(struct dns_cache *c, const char *name, uint16_t type,
		       uint64_t now, uint32_t *age)
{
	static char buf[4096];
	struct dns_name n = tname(name);
	size_t len;
	uint32_t a;
	if (dns_cache_get(c, &n, type, DNS_C_IN, now, (uint8_t *)buf,
			  sizeof(buf) - 1, &len, &a))
		return NULL;
	buf[len] = 0;
	if (age)
		*age = a;
	return buf;
}

static struct dns_cache_stats stats(const struct dns_cache *c)
{
	struct dns_cache_stats st;
	dns_cache_stats(c, &st);
	return st;
}

static void test_hits_and_misses(void **state)
{
	(void)state;
	struct dns_cache *c = dns_cache_new(100, 0);
	assert_non_null(c);
	uint32_t age = 99;
	assert_null(get(c, "www.example.net.", DNS_T_A, 1000, NULL));
	assert_int_equal(put(c, "www.example.net.", DNS_T_A, 1000, 60, "A1"), 0);
	assert_string_equal(get(c, "www.example.net.", DNS_T_A, 1000, &age),
			    "A1");
	assert_int_equal(age, 0);
	/* Names compare without case; type and class are part of the key. */
	assert_string_equal(get(c, "WWW.Example.NET.", DNS_T_A, 1010, &age),
			    "A1");
	assert_int_equal(age, 10);
	assert_null(get(c, "www.example.net.", DNS_T_AAAA, 1010, NULL));
	struct dns_name n = tname("www.example.net.");
	uint8_t buf[16];
	size_t len;
	assert_int_equal(dns_cache_get(c, &n, DNS_T_A, DNS_C_CH, 1010, buf,
				       sizeof(buf), &len, &age), -ENOENT);
	/* Too small a buffer is a miss, nothing is copied past it. */
	assert_int_equal(dns_cache_get(c, &n, DNS_T_A, DNS_C_IN, 1010, buf, 1,
				       &len, &age), -ENOBUFS);
	/* A put for the same key replaces the entry. */
	assert_int_equal(put(c, "www.example.net.", DNS_T_A, 1020, 60, "A2"), 0);
	assert_string_equal(get(c, "www.example.net.", DNS_T_A, 1020, NULL),
			    "A2");
	/* TTL 0: not stored. */
	assert_int_equal(put(c, "zero.example.net.", DNS_T_A, 1020, 0, "Z"), 0);
	assert_null(get(c, "zero.example.net.", DNS_T_A, 1020, NULL));

	struct dns_cache_stats st = stats(c);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.misses, 5);
	assert_int_equal(st.inserts, 2);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.bytes, 2);
	assert_int_equal(st.evictions, 0);

	dns_cache_flush(c);
	assert_null(get(c, "www.example.net.", DNS_T_A, 1020, NULL));
	st = stats(c);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.hits, 3); /* counters survive a flush */
	dns_cache_free(c);
}

/* A name and what lies below it go, whatever their type; the rest stays. */
static void test_flush_name(void **state)
{
	(void)state;
	struct dns_cache *c = dns_cache_new(100, 0);
	assert_int_equal(put(c, "example.net.", DNS_T_A, 1, 300, "a"), 0);
	assert_int_equal(put(c, "www.example.net.", DNS_T_A, 1, 300, "b"), 0);
	assert_int_equal(put(c, "WWW.example.net.", DNS_T_AAAA, 1, 300, "c"), 0);
	assert_int_equal(put(c, "notexample.net.", DNS_T_A, 1, 300, "d"), 0);
	assert_int_equal(put(c, "other.org.", DNS_T_A, 1, 300, "e"), 0);
	struct dns_name n = tname("www.EXAMPLE.net.");
	assert_int_equal(dns_cache_flush_name(c, &n), 2);
	assert_null(get(c, "www.example.net.", DNS_T_A, 2, NULL));
	assert_null(get(c, "www.example.net.", DNS_T_AAAA, 2, NULL));
	assert_non_null(get(c, "example.net.", DNS_T_A, 2, NULL));
	n = tname("example.net.");
	assert_int_equal(dns_cache_flush_name(c, &n), 1);
	assert_non_null(get(c, "notexample.net.", DNS_T_A, 2, NULL));
	assert_non_null(get(c, "other.org.", DNS_T_A, 2, NULL));
	assert_int_equal(stats(c).entries, 2);
	dns_cache_free(c);
}

static void test_ttl_expiry(void **state)
{
	(void)state;
	struct dns_cache *c = dns_cache_new(100, 0);
	assert_int_equal(put(c, "a.example.", DNS_T_A, 500, 30, "x"), 0);
	uint32_t age;
	assert_non_null(get(c, "a.example.", DNS_T_A, 529, &age));
	assert_int_equal(age, 29);
	assert_null(get(c, "a.example.", DNS_T_A, 530, NULL)); /* expired */
	assert_null(get(c, "a.example.", DNS_T_A, 10000, NULL));
	/* Stored again, it lives again. */
	assert_int_equal(put(c, "a.example.", DNS_T_A, 10000, 5, "y"), 0);
	assert_string_equal(get(c, "a.example.", DNS_T_A, 10004, NULL), "y");
	assert_int_equal(stats(c).entries, 1);
	dns_cache_free(c);
}

/* An NXDOMAIN with an SOA of TTL 3600 and MINIMUM 300, as an upstream
 * sends it (the question is "gone.example.net. A"). */
static size_t nxdomain(uint8_t *m, size_t *ttl_off)
{
	struct dns_name apex = tname("example.net.");
	struct dns_name q = tname("gone.example.net.");
	uint8_t rd[512];
	size_t rdlen;
	const char soa[] = "ns.example.net. host.example.net. 7 3600 600 "
			   "86400 300";
	assert_int_equal(dns_rdata_from_text(DNS_T_SOA, soa, strlen(soa),
					     NULL, rd, sizeof(rd), &rdlen,
					     NULL),
			 0);
	memset(m, 0, DNS_HEADER_LEN);
	dns_put16(m, 7);
	dns_put16(m + 2, DNS_F_QR | DNS_F_RD | DNS_F_RA | DNS_R_NXDOMAIN);
	dns_put16(m + 4, 1);
	dns_put16(m + 8, 1);
	size_t off = DNS_HEADER_LEN;
	memcpy(m + off, q.wire, q.len);
	off += q.len;
	dns_put16(m + off, DNS_T_A);
	dns_put16(m + off + 2, DNS_C_IN);
	off += 4;
	memcpy(m + off, apex.wire, apex.len);
	off += apex.len;
	dns_put16(m + off, DNS_T_SOA);
	dns_put16(m + off + 2, DNS_C_IN);
	dns_put32(m + off + 4, 3600);
	*ttl_off = off + 4;
	dns_put16(m + off + 8, (uint16_t)rdlen);
	off += 10;
	memcpy(m + off, rd, rdlen);
	return off + rdlen;
}

static void test_negative_caching(void **state)
{
	(void)state;
	struct dns_cache *c = dns_cache_new(100, 0);
	uint8_t m[1024], out[1024];
	size_t ttl_off;
	size_t len = nxdomain(m, &ttl_off);
	/* RFC 2308 §5: cached for min(SOA TTL, MINIMUM) = 300 s. */
	uint32_t ttl = dns_relay_ttl(m, len);
	assert_int_equal(ttl, 300);
	struct dns_name q = tname("gone.example.net.");
	assert_int_equal(dns_cache_put(c, &q, DNS_T_A, DNS_C_IN, 0, ttl, m,
				       len), 0);
	size_t got;
	uint32_t age;
	assert_int_equal(dns_cache_get(c, &q, DNS_T_A, DNS_C_IN, 299, out,
				       sizeof(out), &got, &age), 0);
	assert_int_equal(got, len);
	assert_memory_equal(out, m, len);
	assert_int_equal(DNS_RCODE(dns_get16(out + 2)), DNS_R_NXDOMAIN);
	/* Aged by 299 s, the SOA's TTL reads 3600 - 299. */
	dns_relay_age(out, got, age);
	assert_int_equal(dns_get32(out + ttl_off), 3600 - 299);
	assert_int_equal(dns_cache_get(c, &q, DNS_T_A, DNS_C_IN, 300, out,
				       sizeof(out), &got, &age), -ENOENT);

	/* A negative answer without SOA, and SERVFAIL, are not cached. */
	dns_put16(m + 8, 0);
	assert_int_equal(dns_relay_ttl(m, DNS_HEADER_LEN + q.len + 4), 0);
	len = nxdomain(m, &ttl_off);
	dns_put16(m + 2, DNS_F_QR | DNS_R_SERVFAIL);
	assert_int_equal(dns_relay_ttl(m, len), 0);
	dns_cache_free(c);
}

static void test_clock_eviction(void **state)
{
	(void)state;
	/* Four entries, one shard: exact CLOCK order. */
	struct dns_cache *c = dns_cache_new(4, 1);
	assert_int_equal(dns_cache_shards(c), 1);
	const char *names[] = {"a.test.", "b.test.", "c.test.", "d.test."};
	for (int i = 0; i < 4; i++)
		assert_int_equal(put(c, names[i], DNS_T_A, 10, 100, names[i]), 0);
	/* a, the oldest, was read: it gets a second chance and b goes. */
	assert_non_null(get(c, "a.test.", DNS_T_A, 11, NULL));
	assert_int_equal(put(c, "e.test.", DNS_T_A, 12, 100, "e"), 0);
	assert_non_null(get(c, "a.test.", DNS_T_A, 12, NULL));
	assert_null(get(c, "b.test.", DNS_T_A, 12, NULL));
	assert_non_null(get(c, "c.test.", DNS_T_A, 12, NULL));
	assert_non_null(get(c, "d.test.", DNS_T_A, 12, NULL));
	assert_non_null(get(c, "e.test.", DNS_T_A, 12, NULL));
	struct dns_cache_stats st = stats(c);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.entries, 4);
	/* Every entry was read since: each is spared once, going round
	 * the clock, and then the cold end (c) goes. */
	assert_int_equal(put(c, "f.test.", DNS_T_A, 13, 100, "f"), 0);
	st = stats(c);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.entries, 4);
	assert_null(get(c, "c.test.", DNS_T_A, 13, NULL));
	assert_non_null(get(c, "a.test.", DNS_T_A, 13, NULL));
	assert_non_null(get(c, "f.test.", DNS_T_A, 13, NULL));

	/* An expired entry at the cold end goes first, counted as such. */
	dns_cache_flush(c);
	assert_int_equal(put(c, "old.test.", DNS_T_A, 100, 5, "o"), 0);
	for (int i = 1; i < 4; i++)
		assert_int_equal(put(c, names[i], DNS_T_A, 100, 500, names[i]),
				 0);
	assert_int_equal(put(c, "new.test.", DNS_T_A, 200, 500, "n"), 0);
	st = stats(c);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.evictions, 2);
	for (int i = 1; i < 4; i++)
		assert_non_null(get(c, names[i], DNS_T_A, 200, NULL));
	dns_cache_free(c);
}

static void test_shards(void **state)
{
	(void)state;
	/* Shards hold at least 64 entries each: small caches stay one. */
	struct dns_cache *c = dns_cache_new(100, 16);
	assert_int_equal(dns_cache_shards(c), 1);
	dns_cache_free(c);
	c = dns_cache_new(1000, 0);
	assert_int_equal(dns_cache_shards(c), 8);
	dns_cache_free(c);
	c = dns_cache_new(100000, 12); /* rounded down to a power of two */
	assert_int_equal(dns_cache_shards(c), 8);
	dns_cache_free(c);

	/* Keys spread over every shard; the same name in any case lands in
	 * the same one. The capacity is exact in total. */
	c = dns_cache_new(256, 4);
	assert_int_equal(dns_cache_shards(c), 4);
	unsigned per[4] = {0};
	for (int i = 0; i < 1000; i++) {
		char name[64], upper[64];
		snprintf(name, sizeof(name), "host%d.example.", i);
		snprintf(upper, sizeof(upper), "HOST%d.EXAMPLE.", i);
		struct dns_name a = tname(name), b = tname(upper);
		unsigned s = dns_cache_shard_of(c, &a, DNS_T_A, DNS_C_IN);
		assert_true(s < 4);
		assert_int_equal(s, dns_cache_shard_of(c, &b, DNS_T_A,
						       DNS_C_IN));
		per[s]++;
		assert_int_equal(put(c, name, DNS_T_A, 1, 100, "x"), 0);
	}
	for (int s = 0; s < 4; s++)
		assert_true(per[s] > 150); /* ~250 each */
	struct dns_cache_stats st = stats(c);
	assert_int_equal(st.entries, 256);
	assert_int_equal(st.inserts, 1000);
	assert_int_equal(st.evictions, 1000 - 256);
	/* The newest names are there. */
	assert_non_null(get(c, "host999.example.", DNS_T_A, 2, NULL));
	dns_cache_free(c);
}

struct worker_arg {
	struct dns_cache *c;
	int id;
	uint64_t lookups;
};

static void *worker(void *p)
{
	struct worker_arg *w = p;
	for (int i = 0; i < 20000; i++) {
		char name[64];
		snprintf(name, sizeof(name), "n%d.example.", (i * 7 + w->id) % 500);
		struct dns_name n = tname(name);
		uint8_t buf[64];
		size_t len;
		uint32_t age;
		if (dns_cache_get(w->c, &n, DNS_T_A, DNS_C_IN, 1, buf,
				  sizeof(buf), &len, &age) == 0) {
			assert_int_equal(len, strlen(name));
			assert_memory_equal(buf, name, len);
		} else {
			dns_cache_put(w->c, &n, DNS_T_A, DNS_C_IN, 1, 60,
				      (const uint8_t *)name, strlen(name));
		}
		w->lookups++;
	}
	return NULL;
}

/* Threads reading and writing at once: every lookup counted, entries
 * intact and within the bound. */
static void test_threads(void **state)
{
	(void)state;
	struct dns_cache *c = dns_cache_new(256, 4);
	pthread_t t[4];
	struct worker_arg a[4];
	for (int i = 0; i < 4; i++) {
		a[i] = (struct worker_arg){.c = c, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
	}
	uint64_t total = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += a[i].lookups;
	}
	struct dns_cache_stats st = stats(c);
	assert_int_equal(st.hits + st.misses, total);
	assert_true(st.hits > 0);
	assert_true(st.entries <= 256);
	dns_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hits_and_misses),
		cmocka_unit_test(test_flush_name),
		cmocka_unit_test(test_ttl_expiry),
		cmocka_unit_test(test_negative_caching),
		cmocka_unit_test(test_clock_eviction),
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
