/* SPDX-License-Identifier: MIT */
/* Unit tests of OpenSSH keys: .pub lines, blobs of each type, openssh-key-v1 private keys, fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "proto/ssh/key.h"

/* ssh-keygen -t ed25519 output, and its fingerprint (ssh-keygen -l). */
static const char *const pub_line =
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGyX84O3ZoURBJCFcyE90dNduSFPKTHDY79SUnzdOIlQ hearth-ca\n";
static const char *const pub_fp = "SHA256:oYn+XuXfwAbDL9m5Sgpy36MmynfFP0EkKfizprJH13o";

static void lines(void **state)
{
	(void)state;
	struct ssh_pubkey k;
	const char *why;
	char fp[64];
	assert_int_equal(ssh_pubkey_parse_line(pub_line, strlen(pub_line), &k,
					       &why), 0);
	assert_int_equal(k.type, SSH_KEY_ED25519);
	assert_string_equal(k.comment, "hearth-ca");
	ssh_fingerprint(k.blob, k.blob_len, fp);
	assert_string_equal(fp, pub_fp);
	struct buf b;
	buf_init(&b, 0);
	ssh_pubkey_format(&k, &b);
	assert_string_equal(b.data, pub_line);
	buf_deinit(&b);

	const char *bad[] = {
		"", "ssh-ed25519", "ssh-ed25519 !!!! x",
		/* type word does not match the blob */
		"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGyX84O3ZoURBJCFcyE90dNduSFPKTHDY79SUnzdOIlQ",
		/* blob cut short */
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGyX84O3ZoURBJCFcyE90dNduSFPKTHDY79SUnzd",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGyX84O3ZoURBJCFcyE90dNduSFPKTHDY79SUnzdOIlQ\nssh-ed25519 x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(ssh_pubkey_parse_line(bad[i], strlen(bad[i]),
						       &k, &why), -EINVAL);
		assert_non_null(why);
	}
}

static void private_round_trip(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64], back[64];
	char comment[64];
	const char *why;
	struct buf b;
	crypto_sign_ed25519_keypair(pk, sk);
	buf_init(&b, 0);
	ssh_ed25519_private_format(sk, "ca@lab", &b);
	assert_int_equal(strncmp(b.data, "-----BEGIN OPENSSH PRIVATE KEY-----\n",
				 36), 0);
	assert_int_equal(ssh_ed25519_private_parse(b.data, b.len, back, comment,
						   sizeof(comment), &why), 0);
	assert_memory_equal(back, sk, 64);
	assert_string_equal(comment, "ca@lab");
	/* A damaged body is refused, never half-read. */
	for (size_t i = 40; i < b.len - 40; i += 3) {
		char c = b.data[i];
		if (c == '\n')
			continue;
		b.data[i] = c == 'A' ? 'B' : 'A';
		int rc = ssh_ed25519_private_parse(b.data, b.len, back, NULL, 0,
						   &why);
		b.data[i] = c;
		if (rc == 0) /* only the random check bytes may change */
			assert_memory_equal(back, sk, 64);
	}
	assert_int_equal(ssh_ed25519_private_parse("nothing", 7, back, NULL, 0,
						   &why), -EINVAL);
	buf_deinit(&b);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines),
		cmocka_unit_test(private_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
