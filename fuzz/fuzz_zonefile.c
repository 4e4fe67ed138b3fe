/* SPDX-License-Identifier: MIT */
/* libFuzzer target: input as a zone file for example.com., each record's rdata round-tripped through text. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/rdata.h"
#include "proto/dns/zonefile.h"

/*
 * Every record the parser hands out must print (dns_rdata_to_text), and
 * the printed text must parse back to the very same bytes and print the
 * same again; placed in a message, it must unpack to the same bytes too.
 * Anything else aborts. $INCLUDE serves the input itself, a
 * few times per run, so nesting and the depth limit get exercised
 * without blowing up.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest canonical text of a 64 KiB RDATA: \DDD for every byte. */
#define TEXT_CAP (4 * DNS_RDATA_MAX + 4096)
#define MAX_INCLUDES 16

struct run {
	const uint8_t *data;
	size_t size;
	int includes;
	char *text, *text2;
	uint8_t *wire;
	uint8_t *msg;
};

static void fail(const struct dns_zf_record *rr, const char *what,
		 const char *text)
{
	char tb[16];
	fprintf(stderr, "fuzz_zonefile: %s rdata (%u bytes) %s: %.300s\n",
		dns_type_name(rr->type, tb), (unsigned)rr->rdlen, what,
		text ? text : "");
	abort();
}

static int on_record(const struct dns_zf_record *rr, void *ud)
{
	struct run *r = ud;
	char why[128];
	size_t n = 0;

	int tl = dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, r->text,
				   TEXT_CAP);
	if (tl < 0)
		fail(rr, "does not print", NULL);
	if (dns_rdata_from_text(rr->type, r->text, (size_t)tl, NULL, r->wire,
				DNS_RDATA_MAX, &n, why))
		fail(rr, why, r->text);
	if (n != rr->rdlen || memcmp(r->wire, rr->rdata, n) != 0)
		fail(rr, "differs after the round trip", r->text);
	int tl2 = dns_rdata_to_text(rr->type, r->wire, n, r->text2, TEXT_CAP);
	if (tl2 != tl || memcmp(r->text, r->text2, (size_t)tl) != 0)
		fail(rr, "prints differently the second time", r->text2);

	/* Uncompressed RDATA after a 12-byte header unpacks to itself. */
	memset(r->msg, 0, DNS_HEADER_LEN);
	memcpy(r->msg + DNS_HEADER_LEN, rr->rdata, rr->rdlen);
	if (dns_rdata_unpack(rr->type, r->msg, DNS_HEADER_LEN + (size_t)rr->rdlen,
			     DNS_HEADER_LEN, rr->rdlen, r->wire, DNS_RDATA_MAX,
			     &n))
		fail(rr, "does not unpack", r->text);
	if (n != rr->rdlen || memcmp(r->wire, rr->rdata, n) != 0)
		fail(rr, "differs after unpacking", r->text);
	int target = dns_rdata_target(rr->type, rr->rdata, rr->rdlen);
	if (target >= 0 && (size_t)target >= rr->rdlen)
		fail(rr, "target offset outside", r->text);

	char owner[DNS_NAME_TEXT_MAX];
	if (dns_name_to_text(&rr->owner, owner, sizeof(owner)) < 0)
		fail(rr, "owner does not print", NULL);
	return 0;
}

static int on_include(const char *from, const char *path, char **out,
		      size_t *len, char *resolved, size_t cap, void *ud)
{
	struct run *r = ud;
	(void)from;
	if (++r->includes > MAX_INCLUDES)
		return -ENOENT;
	*out = malloc(r->size ? r->size : 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, r->data, r->size);
	*len = r->size;
	snprintf(resolved, cap, "inc/%s", path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *text, *text2;
	static uint8_t *wire, *msg;
	struct dns_name origin;
	struct dns_zf_error err;

	if (!text) {
		text = malloc(TEXT_CAP);
		text2 = malloc(TEXT_CAP);
		wire = malloc(DNS_RDATA_MAX);
		msg = malloc(DNS_HEADER_LEN + DNS_RDATA_MAX);
		if (!text || !text2 || !wire || !msg)
			abort();
	}
	struct run r = {data, size, 0, text, text2, wire, msg};
	struct dns_zf_ops ops = {on_record, on_include, &r};
	if (dns_name_from_text("example.com.", 12, NULL, &origin))
		abort();

	/* Exact-size heap copy: reading past @size is an ASan report. */
	char *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	int rc = dns_zonefile_parse(copy, size, "fuzz.zone", &origin, 3600,
				    &ops, &err);
	if (rc == -EINVAL && (err.line < 1 || err.msg[0] == '\0')) {
		fprintf(stderr, "fuzz_zonefile: error without line or message\n");
		abort();
	}
	free(copy);
	return 0;
}
