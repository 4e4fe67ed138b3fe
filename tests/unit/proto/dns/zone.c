/* SPDX-License-Identifier: MIT */
/* Unit tests of zone building from records: lookups, closest enclosers, delegations, order, duplicates, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>

#include "helpers.h"

/* Adds "owner TYPE rdata" (owner relative to the builder's apex). */
static int add(struct dns_zone_builder *b, const char *apex, const char *owner,
	       const char *type, uint32_t ttl, const char *rdata, char why[128])
{
	char full[512];
	snprintf(full, sizeof(full), "%s%s%s", owner, *owner ? "." : "", apex);
	struct dns_name o = tname(full), origin = tname(apex);
	uint16_t t;
	assert_int_equal(dns_type_parse(type, &t), 0);
	uint8_t rd[1024];
	size_t len;
	assert_int_equal(dns_rdata_from_text(t, rdata, strlen(rdata), &origin,
					     rd, sizeof(rd), &len, why),
			 0);
	return dns_zone_builder_add(b, &o, t, ttl, rd, (uint16_t)len, why);
}

static struct dns_zone_builder *start(const char *apex)
{
	struct dns_name a = tname(apex);
	struct dns_zone_builder *b = dns_zone_builder_new(&a);
	assert_non_null(b);
	char why[128];
	assert_int_equal(add(b, apex, "", "SOA", 3600,
			     "ns1 host 2024010101 3600 600 86400 300", why), 0);
	assert_int_equal(add(b, apex, "", "NS", 3600, "ns1", why), 0);
	return b;
}

static struct dns_zone *build(struct dns_zone_builder *b)
{
	struct dns_zone *z = NULL;
	char why[128];
	int rc = dns_zone_build(b, &z, why);
	if (rc)
		fprintf(stderr, "build: %s\n", why);
	assert_int_equal(rc, 0);
	return z;
}

static const struct dns_node *find(const struct dns_zone *z, const char *name)
{
	struct dns_name n = tname(name);
	return dns_zone_find(z, n.wire, n.len);
}

static const char *node_text(const struct dns_node *n)
{
	static char buf[DNS_NAME_TEXT_MAX];
	struct dns_name name = {.len = n->name_len};
	memcpy(name.wire, n->name, n->name_len);
	dns_name_to_text(&name, buf, sizeof(buf));
	return buf;
}

/* The RDATA of @rs as text, entries joined by " | ". */
static const char *rrset_text(const struct dns_rrset *rs)
{
	static char buf[2048];
	size_t n = 0;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	buf[0] = 0;
	while (dns_rrset_next(rs, &pos, &rd, &len)) {
		char one[512];
		assert_true(dns_rdata_to_text(rs->type, rd, len, one,
					      sizeof(one)) > 0);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      n ? " | " : "", one);
	}
	return buf;
}

static void test_lookups(void **state)
{
	(void)state;
	struct dns_zone_builder *b = start("example.com.");
	char why[128];
	assert_int_equal(add(b, "example.com.", "ns1", "A", 3600, "192.0.2.1", why), 0);
	assert_int_equal(add(b, "example.com.", "WWW", "A", 600, "192.0.2.2", why), 0);
	assert_int_equal(add(b, "example.com.", "www", "AAAA", 600, "2001:db8::2", why), 0);
	assert_int_equal(add(b, "example.com.", "www", "TXT", 60, "\"hello\"", why), 0);
	struct dns_name www = tname("www.example.com.");
	assert_true(dns_zone_builder_has(b, &www, DNS_T_A));
	assert_false(dns_zone_builder_has(b, &www, DNS_T_MX));
	struct dns_zone *z = build(b);

	assert_int_equal(z->serial, 2024010101);
	assert_int_equal(z->n_records, 6);
	assert_string_equal(node_text(z->apex_node), "example.com.");
	assert_non_null(z->soa);
	assert_int_equal(z->soa->count, 1);

	/* Any case finds the node; names are stored lower case. */
	const struct dns_node *n = find(z, "wWw.EXAMPLE.com.");
	assert_non_null(n);
	assert_string_equal(node_text(n), "www.example.com.");
	assert_int_equal(n->nsets, 3);
	/* RRsets sorted by type. */
	assert_int_equal(n->sets[0].type, DNS_T_A);
	assert_int_equal(n->sets[1].type, DNS_T_TXT);
	assert_int_equal(n->sets[2].type, DNS_T_AAAA);
	const struct dns_rrset *txt = dns_node_rrset(n, DNS_T_TXT);
	assert_non_null(txt);
	assert_int_equal(txt->ttl, 60);
	assert_string_equal(rrset_text(txt), "\"hello\"");
	assert_null(dns_node_rrset(n, DNS_T_MX));
	assert_null(find(z, "nope.example.com."));
	assert_null(find(z, "com."));
	dns_zone_free(z);
}

static void test_duplicates_and_rrset_ttl(void **state)
{
	(void)state;
	struct dns_zone_builder *b = start("example.com.");
	char why[128];
	/* The same record three times is one record, with the lowest TTL;
	 * an RRset takes the lowest TTL of its records. */
	assert_int_equal(add(b, "example.com.", "h", "A", 300, "192.0.2.7", why), 0);
	assert_int_equal(add(b, "example.com.", "H", "A", 100, "192.0.2.7", why), 0);
	assert_int_equal(add(b, "example.com.", "h", "A", 900, "192.0.2.7", why), 0);
	assert_int_equal(add(b, "example.com.", "h", "A", 200, "192.0.2.6", why), 0);
	assert_int_equal(add(b, "example.com.", "", "NS", 3600, "ns1", why), 0);
	struct dns_zone *z = build(b);
	const struct dns_rrset *a = dns_node_rrset(find(z, "h.example.com."),
						   DNS_T_A);
	assert_non_null(a);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->ttl, 100);
	/* RDATA in canonical (byte) order. */
	assert_string_equal(rrset_text(a), "192.0.2.6 | 192.0.2.7");
	const struct dns_rrset *ns = dns_node_rrset(z->apex_node, DNS_T_NS);
	assert_int_equal(ns->count, 1);
	assert_int_equal(z->n_records, 4); /* SOA, NS, 2 A */
	dns_zone_free(z);
}

static void test_canonical_order_and_empty_non_terminals(void **state)
{
	(void)state;
	struct dns_zone_builder *b = start("example.");
	char why[128];
	const char *owners[] = {"z", "\\001.z", "*.z", "Z.a", "zABC.a",
				"yljkjljk.a", "a", "x.y.deep"};
	for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
		assert_int_equal(add(b, "example.", owners[i], "TXT", 60,
				     "\"x\"", why), 0);
	struct dns_zone *z = build(b);
	/* RFC 4034 §6.1 order, empty non-terminals (deep., y.deep.) in
	 * their place, with nodes of their own and no data. */
	const char *want[] = {
		"example.", "a.example.", "yljkjljk.a.example.",
		"z.a.example.", "zabc.a.example.", "deep.example.",
		"y.deep.example.", "x.y.deep.example.", "z.example.",
		"\\001.z.example.", "*.z.example.",
	};
	assert_int_equal(z->n_nodes, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < z->n_nodes; i++)
		assert_string_equal(node_text(z->nodes[i]), want[i]);
	const struct dns_node *ent = find(z, "y.deep.example.");
	assert_non_null(ent);
	assert_int_equal(ent->nsets, 0);
	assert_int_equal(find(z, "deep.example.")->nsets, 0);
	/* Wildcards are marked, and so is the name they hang from. */
	assert_true(find(z, "*.z.example.")->flags & DNS_NODE_WILDCARD);
	assert_true(find(z, "z.example.")->flags & DNS_NODE_HAS_WILD);
	assert_false(find(z, "a.example.")->flags & DNS_NODE_HAS_WILD);
	dns_zone_free(z);
}

/* The closest encloser of @qname: its longest suffix that is a node. */
static const char *closest_encloser(const struct dns_zone *z, const char *qname)
{
	struct dns_name q = tname(qname);
	for (unsigned k = dns_name_labels(&q);; k--) {
		size_t off = dns_name_suffix_offset(&q, k);
		const struct dns_node *n =
			dns_zone_find(z, q.wire + off, q.len - off);
		if (n)
			return node_text(n);
		assert_true(k > 0);
	}
}

static void test_closest_encloser(void **state)
{
	(void)state;
	struct dns_zone_builder *b = start("example.");
	char why[128];
	assert_int_equal(add(b, "example.", "x.y.deep", "A", 60, "192.0.2.1", why), 0);
	assert_int_equal(add(b, "example.", "w", "A", 60, "192.0.2.2", why), 0);
	struct dns_zone *z = build(b);
	assert_string_equal(closest_encloser(z, "a.b.x.y.deep.example."),
			    "x.y.deep.example.");
	assert_string_equal(closest_encloser(z, "q.y.deep.example."),
			    "y.deep.example."); /* an empty non-terminal */
	assert_string_equal(closest_encloser(z, "q.deep.example."),
			    "deep.example.");
	assert_string_equal(closest_encloser(z, "q.w.example."), "w.example.");
	assert_string_equal(closest_encloser(z, "none.example."), "example.");
	dns_zone_free(z);
}

static void test_delegation_points(void **state)
{
	(void)state;
	struct dns_zone_builder *b = start("example.");
	char why[128];
	assert_int_equal(add(b, "example.", "sub", "NS", 60, "ns.sub", why), 0);
	assert_int_equal(add(b, "example.", "ns.sub", "A", 60, "192.0.2.4", why), 0);
	assert_int_equal(add(b, "example.", "deeper.ns.sub", "A", 60, "192.0.2.5", why), 0);
	assert_int_equal(add(b, "example.", "sub", "DS", 60,
			     "12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			     why), 0);
	assert_int_equal(add(b, "example.", "other", "A", 60, "192.0.2.6", why), 0);
	struct dns_zone *z = build(b);
	/* NS at the apex is not a cut; below it, it is. */
	assert_false(z->apex_node->flags & DNS_NODE_CUT);
	const struct dns_node *cut = find(z, "sub.example.");
	assert_true(cut->flags & DNS_NODE_CUT);
	assert_false(cut->flags & DNS_NODE_OCCLUDED);
	assert_non_null(dns_node_rrset(cut, DNS_T_DS));
	/* Everything below a cut is glue or occluded, at any depth. */
	assert_true(find(z, "ns.sub.example.")->flags & DNS_NODE_OCCLUDED);
	assert_true(find(z, "deeper.ns.sub.example.")->flags & DNS_NODE_OCCLUDED);
	assert_false(find(z, "other.example.")->flags &
		     (DNS_NODE_CUT | DNS_NODE_OCCLUDED));
	dns_zone_free(z);
}

static void expect_refused(struct dns_zone_builder *b, const char *reason)
{
	struct dns_zone *z = (struct dns_zone *)1;
	char why[128];
	assert_int_equal(dns_zone_build(b, &z, why), -EINVAL);
	assert_null(z);
	if (!strstr(why, reason))
		fail_msg("\"%s\" does not say \"%s\"", why, reason);
}

static void test_refusals(void **state)
{
	(void)state;
	char why[128];
	/* Out of the zone: refused at add. */
	struct dns_zone_builder *b = start("example.");
	struct dns_name out = tname("www.example.net.");
	uint8_t rd[4] = {192, 0, 2, 1};
	assert_int_equal(dns_zone_builder_add(b, &out, DNS_T_A, 60, rd, 4, why),
			 -EINVAL);
	assert_non_null(strstr(why, "outside the zone"));
	dns_zone_builder_free(b);

	/* No SOA. */
	struct dns_name apex = tname("example.");
	b = dns_zone_builder_new(&apex);
	assert_int_equal(add(b, "example.", "www", "A", 60, "192.0.2.1", why), 0);
	expect_refused(b, "no SOA");
	/* Two SOAs. */
	b = start("example.");
	assert_int_equal(add(b, "example.", "", "SOA", 60,
			     "ns2 host 9 3600 600 86400 300", why), 0);
	expect_refused(b, "more than one SOA");
	/* CNAME beside other data, CNAME at the apex, SOA below it. */
	b = start("example.");
	assert_int_equal(add(b, "example.", "c", "CNAME", 60, "www", why), 0);
	assert_int_equal(add(b, "example.", "c", "TXT", 60, "\"x\"", why), 0);
	expect_refused(b, "CNAME and other data");
	b = start("example.");
	assert_int_equal(add(b, "example.", "", "CNAME", 60, "www", why), 0);
	expect_refused(b, "CNAME at the zone apex");
	b = start("example.");
	assert_int_equal(add(b, "example.", "low", "SOA", 60,
			     "ns1 host 1 3600 600 86400 300", why), 0);
	expect_refused(b, "SOA below the zone apex");
}

static void test_zoneset_and_refs(void **state)
{
	(void)state;
	struct dns_zone *parent = build(start("example."));
	struct dns_zone *child = build(start("sub.example."));
	struct dns_zone *zones[] = {parent, child};
	struct dns_zoneset zs = {.zones = zones, .n = 2};
	struct dns_name n = tname("a.SUB.example.");
	assert_ptr_equal(dns_zoneset_find(&zs, &n), child); /* longest apex */
	n = tname("sub.example.");
	assert_ptr_equal(dns_zoneset_find(&zs, &n), child);
	n = tname("other.example.");
	assert_ptr_equal(dns_zoneset_find(&zs, &n), parent);
	n = tname("example.net.");
	assert_null(dns_zoneset_find(&zs, &n));
	/* Shared zones live until the last reference goes. */
	assert_ptr_equal(dns_zone_ref(parent), parent);
	dns_zone_free(parent);
	assert_non_null(find(parent, "example."));
	dns_zone_free(parent);
	dns_zone_free(child);
	dns_zone_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_duplicates_and_rrset_ttl),
		cmocka_unit_test(test_canonical_order_and_empty_non_terminals),
		cmocka_unit_test(test_closest_encloser),
		cmocka_unit_test(test_delegation_points),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_zoneset_and_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
