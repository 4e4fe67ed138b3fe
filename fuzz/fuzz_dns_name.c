/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a possibly compressed name at offset 12 of a raw message, printed and parsed back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/name.h"

/*
 * The input stands for a whole DNS message; the name starts right after
 * the 12-byte header, as a question name does. Whatever dns_name_unpack
 * accepts must print, parse back to the same bytes, and behave the same
 * under the comparison helpers.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_dns_name: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_name n, back, low, parent, pre;
	char text[DNS_NAME_TEXT_MAX];
	size_t off = DNS_HEADER_LEN;

	if (size < DNS_HEADER_LEN)
		return 0;
	if (dns_name_unpack(data, size, &off, &n))
		return 0;
	check(off > DNS_HEADER_LEN && off <= size, "offset after the name");
	check(n.len >= 1 && n.wire[n.len - 1] == 0, "root label last");

	int tl = dns_name_to_text(&n, text, sizeof(text));
	check(tl > 0 && (size_t)tl < sizeof(text), "to_text");
	check(strlen(text) == (size_t)tl, "to_text length");
	check(dns_name_from_text(text, (size_t)tl, NULL, &back) == 0,
	      "from_text of to_text");
	check(back.len == n.len && memcmp(back.wire, n.wire, n.len) == 0,
	      "round trip");

	/* Comparisons are case-insensitive and consistent. */
	low = n;
	dns_name_lower(&low);
	check(dns_name_equal(&n, &low), "equal after lower");
	check(dns_name_compare(&n, &low) == 0, "compare after lower");
	check(dns_name_hash(&n) == dns_name_hash(&low), "hash after lower");

	unsigned labels = dns_name_labels(&n);
	check(labels <= 127, "label count");
	if (labels > 0) {
		dns_name_strip(&n, 1, &parent);
		check(dns_name_labels(&parent) == labels - 1, "strip");
		check(dns_name_is_subdomain(&n, &parent), "is_subdomain");
		check(!dns_name_is_subdomain(&parent, &n), "not is_subdomain");
		check(dns_name_compare(&parent, &n) < 0, "parent sorts first");
		check(dns_name_compare(&n, &parent) > 0, "child sorts after");
		size_t so = dns_name_suffix_offset(&n, labels - 1);
		check(so == (size_t)n.wire[0] + 1, "suffix offset");
		if (dns_name_prepend(&parent, (const char *)n.wire + 1,
				     n.wire[0], &pre) == 0)
			check(dns_name_equal(&pre, &n), "prepend undoes strip");
	}
	return 0;
}
