/* SPDX-License-Identifier: MIT */
/* Unit tests of the PowerDNS statistics' rings and answer counters (src/dns/rings.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/internal.h"
#include "proto/dns/dns.h"

static struct ipaddr v4(const char *text)
{
	struct ipaddr a = {.family = AF_INET};
	assert_int_equal(inet_pton(AF_INET, text, &a.u.v4), 1);
	return a;
}

/* A parsed query for @name (presentation form) and @type. */
static struct dns_query query(const char *name, uint16_t type, bool rd)
{
	struct dns_query q = {.qtype = type, .qclass = 1};
	struct dns_name root;
	dns_name_root(&root);
	assert_int_equal(dns_name_from_text(name, strlen(name), &root, &q.qname),
			 0);
	q.flags = rd ? DNS_F_RD : 0;
	return q;
}

/* An answer header of @len bytes with @rcode and @ancount answers. */
static const uint8_t *answer(unsigned rcode, unsigned ancount, size_t len)
{
	static uint8_t a[70000];
	memset(a, 0, len);
	a[2] = 0x84;
	a[3] = (uint8_t)rcode;
	a[7] = (uint8_t)ancount;
	return a;
}

struct seen {
	char text[16][64];
	uint64_t n[16];
	size_t k;
};

static int collect(const char *text, uint64_t n, void *ud)
{
	struct seen *s = ud;
	assert_true(s->k < 16);
	snprintf(s->text[s->k], sizeof(s->text[0]), "%s", text);
	s->n[s->k++] = n;
	return 0;
}

static void test_rings_count_by_frequency(void **state)
{
	(void)state;
	struct dns_rings *r = dns_rings_new();
	struct ipaddr a = v4("192.0.2.1"), b = v4("192.0.2.2");
	struct dns_query www = query("WWW.Example.", DNS_T_A, true);
	struct dns_query nx = query("nx.example.", DNS_T_AAAA, false);
	struct dns_query root = query(".", DNS_T_NS, false);
	assert_non_null(r);
	dns_rings_answer(r, &a, false, &www, answer(0, 1, 60), 60);
	dns_rings_answer(r, &b, false, &www, answer(0, 1, 60), 60);
	dns_rings_answer(r, &a, true, &nx, answer(DNS_R_NXDOMAIN, 0, 120), 120);
	dns_rings_answer(r, &a, false, &root, answer(DNS_R_REFUSED, 0, 17), 17);
	dns_rings_answer(r, &b, false, &root, answer(DNS_R_FORMERR, 0, 12), 12);

	struct seen s = {0};
	assert_int_equal(dns_rings_each(r, DNS_RING_QUERIES, collect, &s), 0);
	assert_int_equal(s.k, 3);
	assert_string_equal(s.text[0], "www.example/A"); /* lower case, no dot */
	assert_int_equal(s.n[0], 2);
	assert_string_equal(s.text[1], "./NS");
	assert_string_equal(s.text[2], "nx.example/AAAA");
	memset(&s, 0, sizeof(s));
	dns_rings_each(r, DNS_RING_REMOTES, collect, &s);
	assert_int_equal(s.k, 2);
	assert_string_equal(s.text[0], "192.0.2.1");
	assert_int_equal(s.n[0], 3);
	memset(&s, 0, sizeof(s));
	dns_rings_each(r, DNS_RING_REMOTES_CORRUPT, collect, &s);
	assert_int_equal(s.k, 1);
	assert_string_equal(s.text[0], "192.0.2.2");
	assert_int_equal(dns_rings_used(r, DNS_RING_NXDOMAIN), 1);
	assert_int_equal(dns_rings_used(r, DNS_RING_UNAUTH), 1);
	assert_int_equal(dns_rings_used(r, DNS_RING_REMOTES_UNAUTH), 1);
	assert_int_equal(dns_rings_used(r, DNS_RING_NOERROR), 0);

	const struct dns_rings_counts *c = dns_rings_counts(r);
	assert_int_equal(c->answers[0][0], 4);
	assert_int_equal(c->answers[1][0], 1);
	assert_int_equal(c->answer_bytes[1][0], 120);
	assert_int_equal(c->rd_queries, 2);
	assert_int_equal(c->unauth, 1);
	assert_int_equal(c->corrupt, 1);
	dns_rings_free(r);
}

static void test_ring_keeps_the_last_entries(void **state)
{
	(void)state;
	struct dns_rings *r = dns_rings_new();
	struct ipaddr a = v4("192.0.2.1");
	struct dns_query old = query("old.example.", DNS_T_A, false);
	struct dns_query fresh = query("new.example.", DNS_T_A, false);
	assert_non_null(r);
	for (int i = 0; i < 10; i++)
		dns_rings_answer(r, &a, false, &old, answer(0, 0, 40), 40);
	for (int i = 0; i < DNS_RING_SIZE; i++)
		dns_rings_answer(r, &a, false, &fresh, answer(0, 0, 40), 40);
	struct seen s = {0};
	dns_rings_each(r, DNS_RING_NOERROR, collect, &s);
	assert_int_equal(s.k, 1);
	assert_string_equal(s.text[0], "new.example/A");
	assert_int_equal(s.n[0], DNS_RING_SIZE);
	assert_int_equal(dns_rings_used(r, DNS_RING_QUERIES), DNS_RING_SIZE);
	assert_int_equal(dns_rings_counts(r)->nodata, DNS_RING_SIZE + 10);
	dns_rings_free(r);
}

/* pdns_server 4.7's buckets, seen side by side: an answer of N bytes
 * counts in the first bound >= N (150 -> "150", 151 -> "200",
 * 201 -> "400", 10001 -> "10200"). */
static void test_size_buckets_are_pdns_buckets(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		uint64_t bound;
	} cases[] = {{12, 20},	   {20, 20},	 {21, 40},     {100, 100},
		     {101, 150},   {150, 150},	 {151, 200},   {200, 200},
		     {201, 400},   {401, 600},	 {1200, 1200}, {1201, 1400},
		     {10001, 10200}, {64800, 64800}, {64801, UINT64_MAX}};
	struct dns_rings *r = dns_rings_new();
	struct ipaddr a = v4("192.0.2.1");
	struct dns_query q = query("x.example.", DNS_T_TXT, false);
	assert_non_null(r);
	const struct dns_rings_counts *c = dns_rings_counts(r);
	uint64_t seen[DNS_SIZE_BUCKETS] = {0};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dns_rings_answer(r, &a, true, &q, answer(0, 1, cases[i].len),
				 cases[i].len);
		unsigned hit = DNS_SIZE_BUCKETS, hits = 0;
		for (unsigned k = 0; k < DNS_SIZE_BUCKETS; k++) {
			uint64_t now = c->sizes[k];
			if (now != seen[k]) {
				hit = k;
				hits++;
			}
			seen[k] = now;
		}
		assert_int_equal(hits, 1);
		assert_int_equal(dns_rings_bucket_bound(hit), cases[i].bound);
	}
	dns_rings_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rings_count_by_frequency),
		cmocka_unit_test(test_ring_keeps_the_last_entries),
		cmocka_unit_test(test_size_buckets_are_pdns_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
