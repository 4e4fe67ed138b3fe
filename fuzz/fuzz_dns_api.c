/* SPDX-License-Identifier: MIT */
/* libFuzzer target: JSON bodies into the PowerDNS API's PATCH/POST/PUT validation and merge. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns/api_priv.h"

/*
 * The first byte picks the request (PATCH, POST create, PUT), the rest is
 * the body. PATCH and PUT apply to a zone rebuilt for every input from a
 * fixed creation body, so a run never depends on the one before. The
 * code under test is what the HTTP handlers run between parsing the body
 * and writing to the store; the store is left out (its SQL takes bound
 * parameters only). Checked: no crash or sanitizer report, every refusal
 * is a 4xx with a message, and whatever is accepted can be rendered.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000 /* fixed clock: runs are reproducible */

static const char base_zone[] =
	"{\"name\": \"example.org.\", \"kind\": \"Native\","
	" \"nameservers\": [\"ns1.example.org.\", \"ns2.example.org.\"],"
	" \"rrsets\": ["
	"  {\"name\": \"www.example.org.\", \"type\": \"A\", \"ttl\": 300,"
	"   \"records\": [{\"content\": \"192.0.2.1\"},"
	"                 {\"content\": \"192.0.2.2\", \"disabled\": true}]},"
	"  {\"name\": \"alias.example.org.\", \"type\": \"CNAME\", \"ttl\": 60,"
	"   \"records\": [{\"content\": \"www.example.org.\"}]},"
	"  {\"name\": \"example.org.\", \"type\": \"MX\", \"ttl\": 3600,"
	"   \"records\": [{\"content\": \"10 mail.example.org.\"}],"
	"   \"comments\": [{\"content\": \"mail\", \"account\": \"me\"}]},"
	"  {\"name\": \"txt.example.org.\", \"type\": \"TXT\", \"ttl\": 60,"
	"   \"records\": [{\"content\": \"\\\"a\\\" \\\"b\\\"\"}]}"
	" ]}";

static void die(const char *what)
{
	fprintf(stderr, "fuzz_dns_api: %s\n", what);
	abort();
}

static void base(struct api_zone *z)
{
	struct api_err e = {0};
	json_t *j = json_loads(base_zone, 0, NULL);
	if (!j)
		die("base zone JSON");
	if (dns_api_zone_from_create(z, j, NOW, NULL, &e)) {
		fprintf(stderr, "fuzz_dns_api: base zone refused: %s\n", e.msg);
		abort();
	}
	json_decref(j);
}

/* Renders what was accepted, as GET would. */
static void render(struct api_zone *z)
{
	struct api_rrset_filter f = {.rrsets = true, .type = -1,
				     .include_disabled = true};
	dns_api_zone_sort(z);
	json_t *j = dns_api_zone_detail(z, &f);
	if (!j)
		die("an accepted zone cannot be rendered");
	char *text = json_dumps(j, JSON_COMPACT);
	if (!text)
		die("an accepted zone cannot be encoded");
	free(text);
	json_decref(j);
	uint32_t serial;
	if (!dns_api_zone_is_secondary(z) && !dns_api_zone_serial(z, &serial))
		die("an accepted primary zone has no SOA");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_zone z;
	struct api_err e = {0};
	json_error_t jerr;
	bool records = false;
	int rc;

	if (size < 1)
		return 0;
	json_t *body = json_loadb((const char *)data + 1, size - 1,
				  JSON_DECODE_ANY, &jerr);
	if (!body)
		return 0; /* the handler answers 400 before this code */
	memset(&z, 0, sizeof(z));
	switch (data[0] % 3) {
	case 0:
		base(&z);
		rc = dns_api_zone_apply_patch(&z, body, NOW, &e);
		break;
	case 1:
		rc = dns_api_zone_from_create(&z, body, NOW, NULL, &e);
		break;
	default:
		base(&z);
		rc = dns_api_zone_apply_put(&z, body, NOW, &records, &e);
		break;
	}
	if (rc == -EINVAL) {
		if (e.status < 400 || e.status > 499 || !e.msg[0])
			die("a refusal without a 4xx status and a message");
	} else if (rc == 0) {
		render(&z);
	} else if (rc != -ENOMEM) {
		die("unexpected error code");
	}
	dns_api_zone_deinit(&z);
	json_decref(body);
	return 0;
}
