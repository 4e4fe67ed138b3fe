/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as ntfy credentials (Authorization header, ?auth=) and ACL patterns against topics. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/notify/ntfy_auth.h"

/*
 * The credential parser faces every client of notify.listen before any
 * check. The input is split at its first NUL: the header value, then
 * the ?auth= value (absent without a NUL). Besides not crashing, the
 * result must keep its promises: a kind in range, NUL-terminated strings
 * within their bounds, a Basic user that is not empty and has no ':',
 * a token that is not empty, nothing filled for NONE and INVALID. The
 * same halves are used as a pattern and a topic for the matcher and the
 * resolver, which must agree with each other.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	const char *header = buf;
	size_t hl = strlen(buf);
	const char *query = hl < size ? buf + hl + 1 : NULL;

	struct ntfy_cred c;
	memset(&c, 0x55, sizeof(c));
	enum ntfy_cred_kind k = ntfy_cred_parse(header, query, &c);
	check(k == c.kind);
	check(k >= NTFY_CRED_NONE && k <= NTFY_CRED_INVALID);
	check(memchr(c.user, '\0', sizeof(c.user)) != NULL);
	check(memchr(c.secret, '\0', sizeof(c.secret)) != NULL);
	switch (k) {
	case NTFY_CRED_BASIC:
		check(c.user[0] && !strchr(c.user, ':'));
		break;
	case NTFY_CRED_TOKEN:
		check(c.secret[0] && !c.user[0]);
		break;
	default:
		check(!c.user[0] && !c.secret[0]);
	}
	/* Without ?auth=, a header that parses as Basic or Bearer is the
	 * same when given as ?auth= would be: covered by the corpus. */

	unsigned char out[64];
	long n = ntfy_base64_decode(header, hl, hl & 1, out, sizeof(out));
	check(n >= -1 && n <= (long)sizeof(out) && n <= (long)(hl * 3 / 4 + 1));

	if (query) {
		bool m = ntfy_pattern_match(header, query);
		struct ntfy_acl_entry e = {"*", header, NTFY_PERM_READ};
		unsigned p = ntfy_acl_resolve(false, NULL, &e, 1, query,
					      NTFY_PERM_WRITE);
		check(p == (m ? NTFY_PERM_READ : NTFY_PERM_WRITE));
		check(ntfy_acl_resolve(true, "x", &e, 1, query, 0) ==
		      NTFY_PERM_RW);
		/* '*' matches everything, a pattern matches itself when it
		 * has no '*' */
		check(ntfy_pattern_match("*", query));
		if (!strchr(query, '*'))
			check(ntfy_pattern_match(query, query));
	}
	ntfy_user_valid(header);
	ntfy_pattern_valid(header);
	ntfy_token_valid(header);
	if (ntfy_perm_parse(header) >= 0)
		check(ntfy_perm_parse(ntfy_perm_name(
			      (unsigned)ntfy_perm_parse(header))) ==
		      ntfy_perm_parse(header));
	free(buf);
	return 0;
}
