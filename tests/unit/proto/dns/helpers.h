/* SPDX-License-Identifier: MIT */
/* Shared by the DNS unit tests: zones from text, queries, and responses decoded to text lines. */
#ifndef HEARTH_TEST_PROTO_DNS_HELPERS_H
#define HEARTH_TEST_PROTO_DNS_HELPERS_H

/* Include after <cmocka.h>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/dns.h"
#include "proto/dns/msg.h"
#include "proto/dns/name.h"
#include "proto/dns/rdata.h"
#include "proto/dns/zone.h"
#include "proto/dns/zonefile.h"

static inline struct dns_name tname(const char *text)
{
	struct dns_name n;
	assert_int_equal(dns_name_from_text(text, strlen(text), NULL, &n), 0);
	return n;
}

static inline int t_add_record(const struct dns_zf_record *rr, void *ud)
{
	char why[128];
	int rc = dns_zone_builder_add(ud, &rr->owner, rr->type, rr->ttl,
				      rr->rdata, rr->rdlen, why);
	if (rc)
		fprintf(stderr, "add: %s\n", why);
	return rc;
}

/* Builds zone @apex from master-file @text; asserts it builds. */
static inline struct dns_zone *tzone(const char *apex, const char *text)
{
	struct dns_name a = tname(apex);
	struct dns_zone_builder *b = dns_zone_builder_new(&a);
	assert_non_null(b);
	struct dns_zf_ops ops = {.record = t_add_record, .ud = b};
	struct dns_zf_error err;
	int rc = dns_zonefile_parse(text, strlen(text), "test.zone", &a, 3600,
				    &ops, &err);
	if (rc)
		fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
	assert_int_equal(rc, 0);
	struct dns_zone *z = NULL;
	char why[128];
	rc = dns_zone_build(b, &z, why);
	if (rc)
		fprintf(stderr, "build: %s\n", why);
	assert_int_equal(rc, 0);
	return z;
}

/* A query for @name/@type with id 0x1234 and RD; an OPT with @payload
 * when @payload > 0. Returns its length. */
static inline size_t tquery(uint8_t *buf, const char *name, uint16_t type,
			    uint16_t cls, int payload)
{
	struct dns_name n = tname(name);
	memset(buf, 0, DNS_HEADER_LEN);
	dns_put16(buf, 0x1234);
	dns_put16(buf + 2, DNS_F_RD);
	dns_put16(buf + 4, 1);
	size_t off = DNS_HEADER_LEN;
	memcpy(buf + off, n.wire, n.len);
	off += n.len;
	dns_put16(buf + off, type);
	dns_put16(buf + off + 2, cls);
	off += 4;
	if (payload > 0) {
		dns_put16(buf + 10, 1);
		buf[off] = 0;
		dns_put16(buf + off + 1, DNS_T_OPT);
		dns_put16(buf + off + 3, (uint16_t)payload);
		memset(buf + off + 5, 0, 6);
		off += 11;
	}
	return off;
}

#define T_MAX_RR 40
#define T_LINE 4096

/* A response decoded: the header, and every RR as one line of text,
 * "owner ttl TYPE rdata" (OPT: "OPT payload=N"). */
struct tmsg {
	uint16_t id, flags;
	uint16_t count[4]; /* qd an ns ar */
	char qname[DNS_NAME_TEXT_MAX];
	uint16_t qtype;
	char rr[3][T_MAX_RR][T_LINE];
	unsigned n[3];
};

/* Decodes @len bytes; asserts the message is well formed and exactly
 * that long. */
static inline void tdecode(const uint8_t *m, size_t len, struct tmsg *out)
{
	memset(out, 0, sizeof(*out));
	assert_true(len >= DNS_HEADER_LEN);
	out->id = dns_get16(m);
	out->flags = dns_get16(m + 2);
	for (int i = 0; i < 4; i++)
		out->count[i] = dns_get16(m + 4 + 2 * i);
	size_t off = DNS_HEADER_LEN;
	struct dns_name n;
	assert_int_equal(out->count[0], 1);
	assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
	dns_name_to_text(&n, out->qname, sizeof(out->qname));
	assert_true(off + 4 <= len);
	out->qtype = dns_get16(m + off);
	off += 4;
	for (int sec = 0; sec < 3; sec++) {
		assert_true(out->count[sec + 1] <= T_MAX_RR);
		for (unsigned i = 0; i < out->count[sec + 1]; i++) {
			char owner[DNS_NAME_TEXT_MAX], type[16];
			assert_int_equal(dns_name_unpack(m, len, &off, &n), 0);
			dns_name_to_text(&n, owner, sizeof(owner));
			assert_true(off + 10 <= len);
			uint16_t t = dns_get16(m + off);
			uint16_t cls = dns_get16(m + off + 2);
			uint32_t ttl = dns_get32(m + off + 4);
			uint16_t rdlen = dns_get16(m + off + 8);
			off += 10;
			assert_true(off + rdlen <= len);
			char *line = out->rr[sec][out->n[sec]++];
			if (t == DNS_T_OPT) {
				snprintf(line, T_LINE, "OPT payload=%u rcode=%u",
					 cls, (unsigned)(ttl >> 24));
			} else {
				static uint8_t rd[DNS_RDATA_MAX];
				size_t rl;
				char text[2048];
				assert_int_equal(
					dns_rdata_unpack(t, m, len, off, rdlen,
							 rd, sizeof(rd), &rl),
					0);
				assert_true(dns_rdata_to_text(t, rd, rl, text,
							      sizeof(text)) >= 0);
				snprintf(line, T_LINE, "%s %u %s %s", owner, ttl,
					 dns_type_name(t, type), text);
			}
			off += rdlen;
		}
	}
	assert_int_equal(off, len);
}

#endif
