/* SPDX-License-Identifier: MIT */
/* Unit tests of OpenSSH certificates: sign and read back, tampering, bounds, ssh-keygen's -V forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ssh/cert.h"
#include "proto/ssh/wire.h"

static uint8_t ca_pk[32], ca_sk[64];

static struct ssh_cert *user_cert(void)
{
	static struct ssh_cert c;
	uint8_t pk[32], sk[64];
	memset(&c, 0, sizeof(c));
	crypto_sign_ed25519_keypair(pk, sk);
	ssh_pubkey_ed25519(&c.key, pk, "me@test");
	c.kind = SSH_CERT_USER;
	c.serial = 7;
	strcpy(c.key_id, "alice@laptop");
	c.n_principals = 2;
	strcpy(c.principals[0], "alice");
	strcpy(c.principals[1], "root");
	c.valid_after = 1000;
	c.valid_before = 2000;
	strcpy(c.force_command, "/bin/true");
	strcpy(c.source_address, "10.0.0.0/8");
	c.extensions = SSH_EXT_PTY | SSH_EXT_X11;
	return &c;
}

static void sign_and_read_back(void **state)
{
	(void)state;
	struct ssh_cert *c = user_cert(), *back = malloc(sizeof(*back));
	struct buf b;
	bool verified;
	const char *why = NULL;
	buf_init(&b, 0);
	assert_int_equal(ssh_cert_sign(c, ca_sk, &b), 0);
	assert_int_equal(ssh_cert_parse((uint8_t *)b.data, b.len, back,
					&verified, &why), 0);
	assert_true(verified);
	assert_int_equal(back->kind, SSH_CERT_USER);
	assert_int_equal(back->serial, 7);
	assert_string_equal(back->key_id, "alice@laptop");
	assert_int_equal(back->n_principals, 2);
	assert_string_equal(back->principals[1], "root");
	assert_int_equal(back->valid_after, 1000);
	assert_int_equal(back->valid_before, 2000);
	assert_string_equal(back->force_command, "/bin/true");
	assert_string_equal(back->source_address, "10.0.0.0/8");
	assert_int_equal(back->extensions, SSH_EXT_PTY | SSH_EXT_X11);
	assert_memory_equal(back->key.blob, c->key.blob, c->key.blob_len);
	assert_memory_equal(back->ca.blob + back->ca.blob_len - 32, ca_pk, 32);
	assert_string_equal(back->ca_sig_type, "ssh-ed25519");

	/* Any flipped byte in the signed part fails the check or the parse. */
	for (size_t i = 60; i < b.len - 90; i += 7) {
		b.data[i] ^= 0x40;
		int rc = ssh_cert_parse((uint8_t *)b.data, b.len, back,
					&verified, &why);
		assert_true(rc != 0);
		assert_non_null(why);
		b.data[i] ^= 0x40;
	}
	/* Every truncation is refused. */
	for (size_t n = 0; n < b.len; n += 5)
		assert_int_equal(ssh_cert_parse((uint8_t *)b.data, n, back,
						&verified, &why), -EINVAL);

	/* The line form reads back too. */
	struct buf line;
	buf_init(&line, 0);
	ssh_cert_format_line((uint8_t *)b.data, b.len, c->key.type, "me", &line);
	assert_int_equal(strncmp(line.data, "ssh-ed25519-cert-v01@openssh.com ",
				 33), 0);
	assert_int_equal(ssh_cert_parse_line(line.data, line.len, back,
					     &verified, &why), 0);
	assert_true(verified);
	buf_deinit(&line);
	buf_deinit(&b);
	free(back);
}

static void refuses_what_cannot_be_signed(void **state)
{
	(void)state;
	struct ssh_cert *c = user_cert();
	struct buf b;
	buf_init(&b, 0);
	c->valid_before = c->valid_after;
	assert_int_equal(ssh_cert_sign(c, ca_sk, &b), -EINVAL);
	c->valid_before = 3000;
	c->kind = 3;
	assert_int_equal(ssh_cert_sign(c, ca_sk, &b), -EINVAL);
	assert_int_equal(b.len, 0);
	buf_deinit(&b);
}

static void unknown_critical_option_is_refused(void **state)
{
	(void)state;
	/* A hand-made certificate with a critical option hearth does not
	 * know: ssh would refuse it, so the reader must too. */
	struct ssh_cert *c = user_cert(), *back = malloc(sizeof(*back));
	struct buf b, opts, v;
	uint8_t nonce[32] = {0};
	bool verified;
	const char *why = NULL;
	buf_init(&b, 0);
	buf_init(&opts, 0);
	buf_init(&v, 0);
	ssh_put_cstr(&b, "ssh-ed25519-cert-v01@openssh.com");
	ssh_put_str(&b, nonce, 32);
	ssh_put_str(&b, c->key.blob + c->key.blob_len - 32, 32);
	ssh_put_u64(&b, 1);
	ssh_put_u32(&b, SSH_CERT_USER);
	ssh_put_cstr(&b, "id");
	ssh_put_str(&b, "", 0);
	ssh_put_u64(&b, 0);
	ssh_put_u64(&b, UINT64_MAX);
	ssh_put_cstr(&v, "x");
	ssh_put_cstr(&opts, "verify-required-frobs");
	ssh_put_str(&opts, v.data, v.len);
	ssh_put_str(&b, opts.data, opts.len);
	ssh_put_str(&b, "", 0);
	ssh_put_str(&b, "", 0);
	struct ssh_pubkey ca;
	ssh_pubkey_ed25519(&ca, ca_pk, NULL);
	ssh_put_str(&b, ca.blob, ca.blob_len);
	ssh_put_str(&b, "", 0);
	assert_int_equal(ssh_cert_parse((uint8_t *)b.data, b.len, back,
					&verified, &why), -EINVAL);
	assert_string_equal(why, "unknown critical option");
	buf_deinit(&b);
	buf_deinit(&opts);
	buf_deinit(&v);
	free(back);
}

static void validity_forms(void **state)
{
	(void)state;
	uint64_t from, to;
	const time_t now = 1764633600; /* 2025-12-02T00:00:00Z */
	assert_int_equal(ssh_validity_parse("+1h", now + 30, &from, &to), 0);
	assert_int_equal(from, now - 60); /* back to the minute */
	assert_int_equal(to, now + 30 + 3600);
	assert_int_equal(ssh_validity_parse("+52w", now, &from, &to), 0);
	assert_int_equal(to - (uint64_t)now, 52 * 604800);
	assert_int_equal(ssh_validity_parse("+1w2d3h4m5s", now, &from, &to), 0);
	assert_int_equal(to - (uint64_t)now, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	assert_int_equal(ssh_validity_parse("-1d:+1d", now, &from, &to), 0);
	assert_int_equal(from, now - 86400);
	assert_int_equal(to, now + 86400);
	assert_int_equal(ssh_validity_parse("20260101Z:20270101120000Z", now,
					    &from, &to), 0);
	assert_int_equal(from, 1767225600);
	assert_int_equal(to, 1798804800);
	assert_int_equal(ssh_validity_parse("always:forever", now, &from, &to), 0);
	assert_int_equal(from, 0);
	assert_int_equal(to, UINT64_MAX);
	assert_int_equal(ssh_validity_parse("0x10:0x20", now, &from, &to), 0);
	assert_int_equal(to, 0x20);
	const char *bad[] = {"", "+", "1h", "+1y", "tomorrow", "20260101",
			     ":+1h", "+1h:", "20261301Z:forever",
			     "forever:always", "+2h:+1h", "0x:0x1",
			     "+99999999999h", "2026010112Z:forever"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ssh_validity_parse(bad[i], now, &from, &to),
				 -EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	crypto_sign_ed25519_keypair(ca_pk, ca_sk);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_and_read_back),
		cmocka_unit_test(refuses_what_cannot_be_signed),
		cmocka_unit_test(unknown_critical_option_is_refused),
		cmocka_unit_test(validity_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
