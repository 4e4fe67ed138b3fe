/* SPDX-License-Identifier: MIT */
/* What PowerDNS's statistics keep beyond the per-thread counters: rings of recent queries and clients, answers by protocol and family, response sizes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/internal.h"
#include "proto/dns/dns.h"

/*
 * pdns_server keeps the last stats-ring-size (10000) entries of each ring
 * and reports them counted, the most frequent first. Each ring here is a
 * circular array under its own mutex, taken for a pointer swap or an
 * address copy per answer: the text of a name entry is made before the
 * lock and the evicted one freed after it. Every thread that answers
 * (UDP workers, the loop for TCP and forwarded answers) records here.
 */

struct name_ring {
	pthread_mutex_t lock;
	char *slot[DNS_RING_SIZE];
	size_t next, used;
};

struct addr_ring {
	pthread_mutex_t lock;
	struct ipaddr slot[DNS_RING_SIZE];
	size_t next, used;
};

struct dns_rings {
	struct name_ring names[DNS_RING_NAMES];
	struct addr_ring addrs[DNS_RING_ADDRS];
	struct dns_rings_counts c;
};

struct dns_rings *dns_rings_new(void)
{
	struct dns_rings *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	for (int i = 0; i < DNS_RING_NAMES; i++)
		pthread_mutex_init(&r->names[i].lock, NULL);
	for (int i = 0; i < DNS_RING_ADDRS; i++)
		pthread_mutex_init(&r->addrs[i].lock, NULL);
	return r;
}

void dns_rings_free(struct dns_rings *r)
{
	if (!r)
		return;
	for (int i = 0; i < DNS_RING_NAMES; i++) {
		for (size_t k = 0; k < DNS_RING_SIZE; k++)
			free(r->names[i].slot[k]);
		pthread_mutex_destroy(&r->names[i].lock);
	}
	for (int i = 0; i < DNS_RING_ADDRS; i++)
		pthread_mutex_destroy(&r->addrs[i].lock);
	free(r);
}

static void put_name(struct name_ring *ring, const char *text)
{
	char *mine = strdup(text);
	if (!mine)
		return;
	pthread_mutex_lock(&ring->lock);
	char *old = ring->slot[ring->next];
	ring->slot[ring->next] = mine;
	ring->next = (ring->next + 1) % DNS_RING_SIZE;
	if (ring->used < DNS_RING_SIZE)
		ring->used++;
	pthread_mutex_unlock(&ring->lock);
	free(old);
}

static void put_addr(struct addr_ring *ring, const struct ipaddr *a)
{
	pthread_mutex_lock(&ring->lock);
	ring->slot[ring->next] = *a;
	ring->next = (ring->next + 1) % DNS_RING_SIZE;
	if (ring->used < DNS_RING_SIZE)
		ring->used++;
	pthread_mutex_unlock(&ring->lock);
}

/* pdns_server's size buckets: 20, 40, 60, 80, 100, 150, then every 200
 * up to 64800; an answer counts in the first bucket at least its size. */
static unsigned size_bucket(size_t len)
{
	static const unsigned small[] = {20, 40, 60, 80, 100, 150};
	for (unsigned i = 0; i < 6; i++)
		if (len <= small[i])
			return i;
	if (len > DNS_SIZE_BUCKET_MAX)
		return DNS_SIZE_BUCKETS - 1;
	return 6 + (unsigned)((len + 199) / 200) - 1;
}

uint64_t dns_rings_bucket_bound(unsigned i)
{
	static const unsigned small[] = {20, 40, 60, 80, 100, 150};
	if (i < 6)
		return small[i];
	if (i == DNS_SIZE_BUCKETS - 1)
		return UINT64_MAX;
	return (uint64_t)(i - 5) * 200;
}

/* "name/TYPE" as pdns_server writes it: lower case, no trailing dot
 * (the root is "."), into @out of DNS_NAME_TEXT_MAX + 24 bytes (@cap).
 * Built by hand: this runs for every answer. */
static void query_text(const struct dns_query *q, char *out, size_t cap)
{
	char type[16];
	int n = q->qname.len ? dns_name_to_text(&q->qname, out, cap - 24) : -1;
	if (n <= 0) {
		out[0] = '.';
		n = 1;
	} else if (n > 1) {
		n--; /* the trailing dot */
	}
	for (int i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	const char *t = dns_type_name(q->qtype, type);
	size_t tl = strlen(t);
	out[n] = '/';
	memcpy(out + n + 1, t, tl + 1);
}

void dns_rings_answer(struct dns_rings *r, const struct ipaddr *client,
		      bool tcp, const struct dns_query *q, const uint8_t *ans,
		      size_t len)
{
	const memory_order o = memory_order_relaxed;
	if (!r || len < DNS_HEADER_LEN)
		return;
	int fam = client->family == AF_INET6 ? 1 : 0;
	atomic_fetch_add_explicit(&r->c.answers[tcp][fam], 1, o);
	atomic_fetch_add_explicit(&r->c.answer_bytes[tcp][fam], len, o);
	atomic_fetch_add_explicit(&r->c.sizes[size_bucket(len)], 1, o);
	if (q->flags & DNS_F_RD)
		atomic_fetch_add_explicit(&r->c.rd_queries, 1, o);
	if (!tcp && q->edns_do)
		atomic_fetch_add_explicit(&r->c.udp_do_queries, 1, o);

	unsigned rcode = ans[3] & 0xf;
	if (rcode == DNS_R_FORMERR) {
		/* A query hearth could not read (pdns_server drops those):
		 * counted as corrupt, not as a query. */
		dns_rings_corrupt(r, client);
		return;
	}
	atomic_fetch_add_explicit(&r->c.qtypes[q->qtype], 1, o);
	char text[DNS_NAME_TEXT_MAX + 24]; /* the name, "/", a type */
	query_text(q, text, sizeof(text));
	put_name(&r->names[DNS_RING_QUERIES], text);
	put_addr(&r->addrs[DNS_RING_REMOTES - DNS_RING_NAMES], client);
	int ring = -1;
	if (rcode == DNS_R_NOERROR && dns_get16(ans + 6) == 0) {
		atomic_fetch_add_explicit(&r->c.nodata, 1, o);
		ring = DNS_RING_NOERROR;
	} else if (rcode == DNS_R_NXDOMAIN) {
		ring = DNS_RING_NXDOMAIN;
	} else if (rcode == DNS_R_SERVFAIL) {
		ring = DNS_RING_SERVFAIL;
	} else if (rcode == DNS_R_REFUSED) {
		atomic_fetch_add_explicit(&r->c.unauth, 1, o);
		put_addr(&r->addrs[DNS_RING_REMOTES_UNAUTH - DNS_RING_NAMES], client);
		ring = DNS_RING_UNAUTH;
	}
	if (ring >= 0)
		put_name(&r->names[ring], text);
}

void dns_rings_corrupt(struct dns_rings *r, const struct ipaddr *client)
{
	if (!r)
		return;
	atomic_fetch_add_explicit(&r->c.corrupt, 1, memory_order_relaxed);
	put_addr(&r->addrs[DNS_RING_REMOTES_CORRUPT - DNS_RING_NAMES],
			 client);
}

const struct dns_rings_counts *dns_rings_counts(const struct dns_rings *r)
{
	return &r->c;
}

struct run {
	const char *text;
	uint64_t n;
};

static int cmp_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* Counts equal texts of @v (n entries, sorted here) and hands them to
 * @fn, the most frequent first. */
static int report(char **v, size_t n, dns_rings_fn fn, void *ud)
{
	struct run *runs = calloc(n ? n : 1, sizeof(*runs));
	size_t k = 0;
	if (!runs)
		return -ENOMEM;
	qsort(v, n, sizeof(*v), cmp_text);
	for (size_t i = 0; i < n; i++) {
		if (k && strcmp(runs[k - 1].text, v[i]) == 0)
			runs[k - 1].n++;
		else
			runs[k++] = (struct run){v[i], 1};
	}
	qsort(runs, k, sizeof(*runs), cmp_run);
	int rc = 0;
	for (size_t i = 0; i < k && !rc; i++)
		rc = fn(runs[i].text, runs[i].n, ud);
	free(runs);
	return rc;
}

size_t dns_rings_used(struct dns_rings *r, enum dns_ring which)
{
	pthread_mutex_t *lock;
	size_t *used;
	if (which < DNS_RING_NAMES) {
		lock = &r->names[which].lock;
		used = &r->names[which].used;
	} else {
		lock = &r->addrs[which - DNS_RING_NAMES].lock;
		used = &r->addrs[which - DNS_RING_NAMES].used;
	}
	pthread_mutex_lock(lock);
	size_t n = *used;
	pthread_mutex_unlock(lock);
	return n;
}

int dns_rings_each(struct dns_rings *r, enum dns_ring which, dns_rings_fn fn,
		   void *ud)
{
	char **v = calloc(DNS_RING_SIZE, sizeof(*v));
	size_t n = 0;
	int rc = -ENOMEM;
	if (!v)
		return -ENOMEM;
	if (which < DNS_RING_NAMES) {
		struct name_ring *ring = &r->names[which];
		pthread_mutex_lock(&ring->lock);
		for (size_t i = 0; i < ring->used; i++)
			if (!(v[n] = strdup(ring->slot[i])))
				break;
			else
				n++;
		bool whole = n == ring->used;
		pthread_mutex_unlock(&ring->lock);
		if (!whole)
			goto out;
	} else {
		struct addr_ring *ring = &r->addrs[which - DNS_RING_NAMES];
		struct ipaddr *copy = malloc(DNS_RING_SIZE * sizeof(*copy));
		if (!copy)
			goto out;
		pthread_mutex_lock(&ring->lock);
		size_t used = ring->used;
		memcpy(copy, ring->slot, used * sizeof(*copy));
		pthread_mutex_unlock(&ring->lock);
		char text[ADDR_TEXT_MAX];
		for (; n < used; n++) {
			ipaddr_format(&copy[n], text);
			if (!(v[n] = strdup(text)))
				break;
		}
		free(copy);
		if (n < used)
			goto out;
	}
	rc = report(v, n, fn, ud);
out:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}
