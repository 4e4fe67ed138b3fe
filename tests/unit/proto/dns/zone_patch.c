/* SPDX-License-Identifier: MIT */
/* Unit tests of zone patches: every patched version equals a full build of the same records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helpers.h"

/* Owners (relative to t.example.) and types the random edits use: deep
 * names, wildcards, names below possible cuts. */
static const char *const owners[] = {
	"t.example.",	    "a.t.example.",	"b.a.t.example.",
	"c.b.a.t.example.", "*.a.t.example.",	"*.b.a.t.example.",
	"x.t.example.",	    "y.x.t.example.",	"*.x.t.example.",
	"z.y.x.t.example.", "d.t.example.",	"e.f.g.d.t.example.",
	"*.t.example.",
};
#define N_OWNERS (sizeof(owners) / sizeof(owners[0]))
static const uint16_t types[] = {DNS_T_A, DNS_T_TXT, DNS_T_NS, DNS_T_CNAME,
				 DNS_T_SOA, DNS_T_MX};
#define N_TYPES (sizeof(types) / sizeof(types[0]))
#define MAX_RECS 256

struct rec {
	int owner;
	uint16_t type;
	uint32_t ttl;
	uint8_t rd[64];
	uint16_t len;
};

struct model {
	struct rec r[MAX_RECS];
	size_t n;
};

static uint32_t rng = 12345;
static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* A random record of @type (few distinct values, so duplicates occur). */
static void random_rdata(struct rec *r)
{
	static const char *const targets[] = {"ns1.t.example.", "b.a.t.example.",
					      "other.example."};
	struct dns_name n = tname(targets[rnd(3)]);
	switch (r->type) {
	case DNS_T_A:
		r->len = 4;
		memcpy(r->rd, (uint8_t[]){10, 0, 0, (uint8_t)rnd(3)}, 4);
		break;
	case DNS_T_TXT:
		r->len = 2;
		r->rd[0] = 1;
		r->rd[1] = (uint8_t)('a' + rnd(3));
		break;
	case DNS_T_MX:
		dns_put16(r->rd, (uint16_t)rnd(3));
		memcpy(r->rd + 2, n.wire, n.len);
		r->len = (uint16_t)(n.len + 2);
		break;
	case DNS_T_SOA: {
		struct dns_name m = tname("h.t.example.");
		memcpy(r->rd, n.wire, n.len);
		memcpy(r->rd + n.len, m.wire, m.len);
		size_t o = n.len + m.len;
		for (int i = 0; i < 5; i++)
			dns_put32(r->rd + o + 4 * i, i ? 60u : 1 + rnd(1000));
		r->len = (uint16_t)(o + 20);
		break;
	}
	default: /* NS, CNAME */
		memcpy(r->rd, n.wire, n.len);
		r->len = n.len;
	}
}

static struct dns_zone *full_build(const struct model *m, int *rc)
{
	struct dns_name apex = tname("t.example.");
	struct dns_zone_builder *b = dns_zone_builder_new(&apex);
	char why[128];
	assert_non_null(b);
	for (size_t i = 0; i < m->n; i++) {
		struct dns_name o = tname(owners[m->r[i].owner]);
		assert_int_equal(dns_zone_builder_add(b, &o, m->r[i].type,
						      m->r[i].ttl, m->r[i].rd,
						      m->r[i].len, why),
				 0);
	}
	struct dns_zone *z = NULL;
	*rc = dns_zone_build(b, &z, why);
	return z;
}

/* Everything a zone serves, as text, in order. */
static void dump(const struct dns_zone *z, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "serial=%u records=%zu nodes=%zu\n",
				    z->serial, z->n_records, z->n_nodes);
	for (size_t i = 0; i < z->n_nodes && o < cap; i++) {
		const struct dns_node *n = z->nodes[i];
		struct dns_name name = {.len = n->name_len};
		char text[DNS_NAME_TEXT_MAX];
		memcpy(name.wire, n->name, n->name_len);
		dns_name_to_text(&name, text, sizeof(text));
		assert_ptr_equal(dns_zone_find(z, n->name, n->name_len), n);
		o += (size_t)snprintf(out + o, cap - o, "%s f=%u", text, n->flags);
		for (uint16_t s = 0; s < n->nsets && o < cap; s++) {
			const struct dns_rrset *rs = &n->sets[s];
			o += (size_t)snprintf(out + o, cap - o, " [%u ttl=%u n=%u",
					      rs->type, rs->ttl, rs->count);
			for (uint32_t k = 0; k < rs->rdata_len && o < cap; k++)
				o += (size_t)snprintf(out + o, cap - o, "%02x",
						      rs->rdata[k]);
			o += (size_t)snprintf(out + o, cap - o, "]");
		}
		o += (size_t)snprintf(out + o, cap - o, "\n");
	}
	for (size_t i = 0; i < N_OWNERS; i++) {
		struct dns_name n = tname(owners[i]);
		o += (size_t)snprintf(out + o, cap - o, "%d",
				      dns_zone_find(z, n.wire, n.len) != NULL);
	}
	assert_true(o < cap);
}

static void assert_same(const struct dns_zone *a, const struct dns_zone *b)
{
	static char da[1 << 16], db[1 << 16];
	dump(a, da, sizeof(da));
	dump(b, db, sizeof(db));
	if (strcmp(da, db))
		fprintf(stderr, "full build:\n%s\npatched:\n%s\n", da, db);
	assert_string_equal(da, db);
}

/* Random RRset replacements, one to three per patch, against a model:
 * each patch succeeds exactly when a full build of the model does, and
 * then serves the same nodes, flags, RRsets and lookups. */
static void test_patches_equal_full_builds(void **state)
{
	(void)state;
	struct model m = {0}, saved;
	/* The start: an SOA and an NS at the apex, an A at a. */
	m.r[m.n++] = (struct rec){.owner = 0, .type = DNS_T_SOA, .ttl = 60};
	random_rdata(&m.r[0]);
	m.r[m.n++] = (struct rec){.owner = 0, .type = DNS_T_NS, .ttl = 60};
	random_rdata(&m.r[1]);
	int rc;
	struct dns_zone *cur = full_build(&m, &rc);
	assert_int_equal(rc, 0);
	unsigned ok = 0, refused = 0, rebuilt = 0;
	for (int iter = 0; iter < 3000; iter++) {
		saved = m;
		struct dns_zone_patch *p = dns_zone_patch_new(cur);
		assert_non_null(p);
		unsigned sets = 1 + rnd(3);
		int chosen[3] = {-1, -1, -1};
		for (unsigned s = 0; s < sets; s++) {
			int owner = (int)rnd(N_OWNERS);
			uint16_t type = types[rnd(N_TYPES)];
			if (type == DNS_T_SOA && rnd(4))
				type = DNS_T_A;
			/* Each RRset once per patch, as the API gives them. */
			int key = owner * 256 + type;
			if (key == chosen[0] || key == chosen[1])
				continue;
			chosen[s] = key;
			/* Out with the old RRset... */
			size_t w = 0;
			for (size_t i = 0; i < m.n; i++)
				if (m.r[i].owner != owner || m.r[i].type != type)
					m.r[w++] = m.r[i];
			m.n = w;
			struct dns_name o = tname(owners[owner]);
			assert_int_equal(dns_zone_patch_set(p, &o, type), 0);
			/* ...in with 0-3 records (the more often the emptier
			 * the zone, to keep deletes and adds balanced). */
			unsigned k = rnd(m.n > 40 ? 2 : 4);
			for (unsigned i = 0; i < k && m.n < MAX_RECS; i++) {
				struct rec *r = &m.r[m.n++];
				*r = (struct rec){.owner = owner, .type = type,
						  .ttl = 30 + rnd(3)};
				random_rdata(r);
				char why[128];
				assert_int_equal(dns_zone_patch_add(p, &o, type,
								    r->ttl, r->rd,
								    r->len, why),
						 0);
			}
		}
		int frc;
		struct dns_zone *full = full_build(&m, &frc);
		struct dns_zone *next = NULL;
		char why[128];
		int prc = dns_zone_patch_apply(p, &next, why);
		if (prc == -E2BIG) {
			assert_int_equal(cur->patches, 256);
			dns_zone_free(next);
			rebuilt++;
			m = saved;
			dns_zone_free(full);
			dns_zone_free(cur);
			cur = full_build(&m, &rc);
			assert_int_equal(rc, 0);
			continue;
		}
		if (frc) {
			assert_int_equal(prc, -EINVAL);
			assert_null(next);
			m = saved;
			refused++;
			continue;
		}
		if (prc)
			fprintf(stderr, "patch: %s\n", why);
		assert_int_equal(prc, 0);
		assert_same(full, next);
		dns_zone_free(full);
		dns_zone_free(cur);
		cur = next;
		ok++;
	}
	/* The walk went through all the cases. */
	assert_true(ok > 1000);
	assert_true(refused > 100);
	assert_true(rebuilt > 0);
	dns_zone_free(cur);
}

/* The base is not changed by a patch and stays servable after the new
 * version is freed, and the other way round. */
static void test_versions_share_storage(void **state)
{
	(void)state;
	struct dns_zone *z = tzone("t.example.",
				   "@ SOA ns h 1 60 60 60 60\n@ NS ns\n"
				   "ns A 10.0.0.1\nwww A 10.0.0.2\n");
	struct dns_zone_patch *p = dns_zone_patch_new(z);
	struct dns_name www = tname("www.t.example."),
			new = tname("new.deep.t.example.");
	char why[128];
	assert_int_equal(dns_zone_patch_set(p, &www, DNS_T_A), 0);
	assert_int_equal(dns_zone_patch_add(p, &new, DNS_T_A, 60,
					    (const uint8_t *)"\x0a\0\0\x03", 4,
					    why),
			 0);
	struct dns_zone *v2 = NULL;
	assert_int_equal(dns_zone_patch_apply(p, &v2, why), 0);
	assert_non_null(dns_zone_find(z, www.wire, www.len));
	assert_null(dns_zone_find(z, new.wire, new.len));
	assert_null(dns_zone_find(v2, www.wire, www.len));
	assert_non_null(dns_zone_find(v2, new.wire, new.len));
	struct dns_name deep = tname("deep.t.example.");
	const struct dns_node *ent = dns_zone_find(v2, deep.wire, deep.len);
	assert_non_null(ent);
	assert_int_equal(ent->nsets, 0);
	assert_int_equal(z->n_records, 4);
	assert_int_equal(v2->n_records, 4);
	dns_zone_free(z); /* v2 keeps what it shares */
	struct dns_name ns = tname("ns.t.example.");
	const struct dns_node *n = dns_zone_find(v2, ns.wire, ns.len);
	assert_non_null(n);
	assert_int_equal(n->sets[0].rdata[2], 10);
	dns_zone_free(v2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patches_equal_full_builds),
		cmocka_unit_test(test_versions_share_storage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
