/* SPDX-License-Identifier: MIT */
/* Unit tests of OpenSSH KRLs: written and read back, what they revoke, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "proto/ssh/key.h"
#include "proto/ssh/krl.h"
#include "proto/ssh/wire.h"

static struct ssh_pubkey ca, plain;

static void round_trip(void **state)
{
	(void)state;
	struct ssh_krl k, back;
	struct buf b;
	const char *why;
	ssh_krl_init(&k);
	k.version = 3;
	k.date = 1234;
	strcpy(k.comment, "lab");
	assert_int_equal(ssh_krl_add_serial(&k, ca.blob, ca.blob_len, 5, 5), 0);
	assert_int_equal(ssh_krl_add_serial(&k, ca.blob, ca.blob_len, 2, 2), 0);
	assert_int_equal(ssh_krl_add_serial(&k, ca.blob, ca.blob_len, 10, 20), 0);
	assert_int_equal(ssh_krl_add_serial(&k, ca.blob, ca.blob_len, 9, 8), -EINVAL);
	assert_int_equal(ssh_krl_add_id(&k, ca.blob, ca.blob_len, "bob"), 0);
	assert_int_equal(ssh_krl_add_id(&k, NULL, 0, "anyca"), 0);
	assert_int_equal(ssh_krl_add_key(&k, plain.blob, plain.blob_len), 0);
	assert_int_equal(ssh_krl_add_key(&k, plain.blob, plain.blob_len), 0);
	assert_int_equal(k.n_keys, 1);
	buf_init(&b, 0);
	assert_int_equal(ssh_krl_write(&k, &b), 0);
	assert_memory_equal(b.data, "SSHKRL\n\0", 8);
	assert_int_equal(ssh_krl_parse((uint8_t *)b.data, b.len, &back, &why), 0);
	assert_int_equal(back.version, 3);
	assert_int_equal(back.date, 1234);
	assert_string_equal(back.comment, "lab");
	assert_int_equal(back.n_serials, 3);
	assert_int_equal(back.n_ids, 2);
	assert_int_equal(back.n_keys, 1);
	for (uint64_t s = 0; s < 25; s++)
		assert_int_equal(ssh_krl_revokes_cert(&back, ca.blob, ca.blob_len,
						      s, NULL),
				 s == 2 || s == 5 || (s >= 10 && s <= 20));
	assert_true(ssh_krl_revokes_cert(&back, ca.blob, ca.blob_len, 99, "bob"));
	assert_false(ssh_krl_revokes_cert(&back, plain.blob, plain.blob_len, 99,
					  "bob"));
	/* An id under "any CA" applies to every CA. */
	assert_true(ssh_krl_revokes_cert(&back, plain.blob, plain.blob_len, 99,
					 "anyca"));
	assert_true(ssh_krl_revokes_key(&back, plain.blob, plain.blob_len));
	assert_false(ssh_krl_revokes_key(&back, ca.blob, ca.blob_len));
	/* Every truncation is refused (or, cut between sections, reads less). */
	for (size_t n = 0; n < b.len; n++) {
		struct ssh_krl t;
		int rc = ssh_krl_parse((uint8_t *)b.data, n, &t, &why);
		if (rc == 0) {
			assert_true(t.n_keys + t.n_ids + t.n_serials <
				    back.n_keys + back.n_ids + back.n_serials ||
				    n >= b.len);
			ssh_krl_deinit(&t);
		} else {
			assert_non_null(why);
		}
	}
	ssh_krl_deinit(&back);
	ssh_krl_deinit(&k);
	buf_deinit(&b);
}

static void header(struct buf *b)
{
	ssh_put_u64(b, 0x5353484b524c0a00ULL);
	ssh_put_u32(b, 1);
	ssh_put_u64(b, 1);
	ssh_put_u64(b, 0);
	ssh_put_u64(b, 0);
	ssh_put_str(b, "", 0);
	ssh_put_str(b, "", 0);
}

static void bitmap_and_refusals(void **state)
{
	(void)state;
	struct ssh_krl k;
	struct buf b, sec, sub;
	const char *why;
	buf_init(&b, 0);
	buf_init(&sec, 0);
	buf_init(&sub, 0);
	header(&b);
	ssh_put_str(&sec, ca.blob, ca.blob_len);
	ssh_put_str(&sec, "", 0);
	ssh_put_u64(&sub, 100);
	const uint8_t bits[] = {0x01, 0x05}; /* bits 0, 2, 8 */
	ssh_put_str(&sub, bits, 2);
	ssh_put_u8(&sec, 0x22);
	ssh_put_str(&sec, sub.data, sub.len);
	ssh_put_u8(&b, 1);
	ssh_put_str(&b, sec.data, sec.len);
	assert_int_equal(ssh_krl_parse((uint8_t *)b.data, b.len, &k, &why), 0);
	for (uint64_t s = 95; s < 115; s++)
		assert_int_equal(ssh_krl_revokes_cert(&k, ca.blob, ca.blob_len, s,
						      NULL),
				 s == 100 || s == 102 || s == 108);
	ssh_krl_deinit(&k);

	/* A signature section: refused, as OpenSSH 9.4 does. */
	ssh_put_u8(&b, 4);
	ssh_put_str(&b, "", 0);
	assert_int_equal(ssh_krl_parse((uint8_t *)b.data, b.len, &k, &why),
			 -EINVAL);
	assert_string_equal(why, "signed KRLs are not supported");
	assert_int_equal(k.n_serials, 0);

	/* Bad magic, and a critical extension. */
	b.len = 0;
	header(&b);
	b.data[0] = 'X';
	assert_int_equal(ssh_krl_parse((uint8_t *)b.data, b.len, &k, &why),
			 -EINVAL);
	b.len = 0;
	header(&b);
	sec.len = 0;
	ssh_put_cstr(&sec, "frob@example.org");
	ssh_put_u8(&sec, 1);
	ssh_put_str(&sec, "", 0);
	ssh_put_u8(&b, 255);
	ssh_put_str(&b, sec.data, sec.len);
	assert_int_equal(ssh_krl_parse((uint8_t *)b.data, b.len, &k, &why),
			 -EINVAL);
	assert_string_equal(why, "unsupported critical extension");
	/* Too many entries: bounded. */
	b.len = 0;
	header(&b);
	sec.len = 0;
	sub.len = 0;
	ssh_put_str(&sec, "", 0);
	ssh_put_str(&sec, "", 0);
	for (uint64_t s = 0; s <= SSH_KRL_MAX_ENTRIES; s++)
		ssh_put_u64(&sub, s);
	ssh_put_u8(&sec, 0x20);
	ssh_put_str(&sec, sub.data, sub.len);
	ssh_put_u8(&b, 1);
	ssh_put_str(&b, sec.data, sec.len);
	assert_int_equal(ssh_krl_parse((uint8_t *)b.data, b.len, &k, &why),
			 -E2BIG);
	buf_deinit(&b);
	buf_deinit(&sec);
	buf_deinit(&sub);
}

int main(void)
{
	uint8_t pk[32], sk[64];
	if (sodium_init() < 0)
		return 1;
	crypto_sign_ed25519_keypair(pk, sk);
	ssh_pubkey_ed25519(&ca, pk, NULL);
	crypto_sign_ed25519_keypair(pk, sk);
	ssh_pubkey_ed25519(&plain, pk, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bitmap_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
