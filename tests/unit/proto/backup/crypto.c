/* SPDX-License-Identifier: MIT */
/* Unit tests of restic's crypto: Poly1305-AES with the paper's vectors (as restic tests them), restic's sealed test value, tampering, keys JSON, scrypt bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/backup/crypto.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Bernstein's Poly1305-AES vectors (msg, r, k, nonce, mac). */
static const char *const vectors[][5] = {
	{"f3f6", "851fc40c3467ac0be05cc20404f3f700",
	 "ec074c835580741701425b623235add6",
	 "fb447350c4e868c52ac3275cf9d4327e",
	 "f4c633c3044fc145f84f335cb81953de"},
	{"", "a0f3080000f46400d0c7e9076c834403",
	 "75deaa25c09f208e1dc4ce6b5cad3fbf",
	 "61ee09218d29b0aaed7e154a2c5509cc",
	 "dd3fab2251f11ac759f0887129cc2ee7"},
	{"663cea190ffb83d89593f3f476b6bc24d7e679107ea26adb8caf6652d0656136",
	 "48443d0bb0d21109c89a100b5ce2c208",
	 "6acb5f61a7176dd320c5c1eb2edcdc74",
	 "ae212a55399729595dea458bc621ff0e",
	 "0ee1c16bb73f0f4fd19881753c01cdbe"},
	{"ab0812724a7f1e342742cbed374d94d136c6b8795d45b3819830f2c04491faf0"
	 "990c62e48b8018b2c3e4a0fa3134cb67fa83e158c994d961c4cb21095c1bf9",
	 "12976a08c4426d0ce8a82407c4f48207",
	 "e1a5668a4d5b66a5f68cc5424ed5982d",
	 "9ae831e743978d3a23527c7128149e3a",
	 "5154ad0d2cb26e01274fc51148491f1b"},
};

static void test_poly1305_aes_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct backup_key key = {0};
		uint8_t msg[64], nonce[16], want[16], mac[16];
		size_t n = unhex(vectors[i][0], msg);
		unhex(vectors[i][1], key.mac_r);
		unhex(vectors[i][2], key.mac_k);
		unhex(vectors[i][3], nonce);
		unhex(vectors[i][4], want);
		backup_poly1305_aes(&key, nonce, msg, n, mac);
		assert_memory_equal(mac, want, 16);
	}
}

/* restic's crypto test value: a sealed "Dies ist ein Test!". */
static void restic_key(struct backup_key *k)
{
	unhex("303e8687b1d7db18421bdc6bb8588ccadac4d59ee87b8ff70c44e635790cafef",
	      k->encrypt);
	unhex("ef4d8824cb80b2bcc5fbff8a9b12a42c", k->mac_k);
	unhex("cc8d4b948ee0ebfe1d415de921d10353", k->mac_r);
}

static const char *SEALED =
	"69fb41c62d12def4593bd71757138606338f621aeaeb39da0fe4f99233f8037a"
	"54ea63338a813bcf3f75d8c3cc75dddf8750";

static void test_open_restic_value(void **state)
{
	(void)state;
	struct backup_key k;
	restic_key(&k);
	uint8_t buf[64], out[64];
	size_t n = unhex(SEALED, buf);
	assert_int_equal(n, 18 + BACKUP_CRYPTO_OVERHEAD);
	assert_int_equal(backup_open(&k, buf, n, out), 0);
	assert_memory_equal(out, "Dies ist ein Test!", 18);
	/* Sealing again with its IV gives the very same bytes. */
	uint8_t again[64];
	assert_int_equal(backup_seal_iv(&k, buf, "Dies ist ein Test!", 18,
					again), 0);
	assert_memory_equal(again, buf, n);
	/* Any flipped bit (IV, ciphertext, MAC) fails the MAC. */
	for (size_t i = 0; i < n; i++) {
		buf[i] ^= 0x10;
		assert_int_equal(backup_open(&k, buf, n, out), -EBADMSG);
		buf[i] ^= 0x10;
	}
	assert_int_equal(backup_open(&k, buf, 31, out), -EINVAL);
	/* In place: the plaintext over the ciphertext. */
	assert_int_equal(backup_open(&k, buf, n, buf + 16), 0);
	assert_memory_equal(buf + 16, "Dies ist ein Test!", 18);
}

static void test_seal_roundtrip(void **state)
{
	(void)state;
	struct backup_key k, other;
	backup_key_random(&k);
	backup_key_random(&other);
	assert_true(backup_key_valid(&k));
	size_t len = 100000;
	uint8_t *plain = malloc(len), *sealed = malloc(len + 32),
		*out = malloc(len);
	for (size_t i = 0; i < len; i++)
		plain[i] = (uint8_t)(i * 7);
	assert_int_equal(backup_seal(&k, plain, len, sealed), 0);
	assert_memory_not_equal(sealed + 16, plain, 64);
	assert_int_equal(backup_open(&k, sealed, len + 32, out), 0);
	assert_memory_equal(out, plain, len);
	assert_int_equal(backup_open(&other, sealed, len + 32, out), -EBADMSG);
	/* Two seals of the same text differ (fresh IVs). */
	uint8_t *second = malloc(len + 32);
	assert_int_equal(backup_seal(&k, plain, len, second), 0);
	assert_memory_not_equal(second, sealed, 16);
	free(plain);
	free(sealed);
	free(out);
	free(second);
}

static void test_key_json(void **state)
{
	(void)state;
	struct backup_key k, back;
	restic_key(&k);
	json_t *j = backup_key_to_json(&k);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(j, "mac"), "k")),
			    "702IJMuAsrzF+/+KmxKkLA==");
	assert_int_equal(backup_key_from_json(j, &back), 0);
	assert_memory_equal(&k, &back, sizeof(k));
	json_object_set_new(j, "encrypt", json_string("c2hvcnQ="));
	assert_int_equal(backup_key_from_json(j, &back), -EINVAL);
	json_decref(j);
	j = json_pack("{s:{s:s,s:s},s:s}", "mac", "k",
		      "AAAAAAAAAAAAAAAAAAAAAA==", "r", "AAAAAAAAAAAAAAAAAAAAAA==",
		      "encrypt", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	assert_int_equal(backup_key_from_json(j, &back), -EINVAL); /* zero */
	json_decref(j);
	assert_int_equal(backup_key_from_json(NULL, &back), -EINVAL);
}

static void test_kdf(void **state)
{
	(void)state;
	uint8_t salt[64] = {1};
	struct backup_key a, b;
	assert_int_equal(backup_kdf("pw", salt, 64, 1024, 8, 1, &a), 0);
	assert_int_equal(backup_kdf("pw", salt, 64, 1024, 8, 1, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(backup_kdf("px", salt, 64, 1024, 8, 1, &b), 0);
	assert_memory_not_equal(&a, &b, sizeof(a));
	/* restic's bounds: 64-byte salt, N a power of two; no huge memory. */
	assert_int_equal(backup_kdf("pw", salt, 32, 1024, 8, 1, &b), -EINVAL);
	assert_int_equal(backup_kdf("pw", salt, 64, 1000, 8, 1, &b), -EINVAL);
	assert_int_equal(backup_kdf("pw", salt, 64, 1ull << 40, 8, 1, &b),
			 -EINVAL);
	assert_int_equal(backup_kdf("pw", salt, 64, 1024, 0, 1, &b), -EINVAL);
	/* 512 MiB of memory, or 2^27 of work: a hostile key file's. */
	assert_int_equal(backup_kdf("pw", salt, 64, 1u << 19, 8, 1, &b), -EINVAL);
	assert_int_equal(backup_kdf("pw", salt, 64, 1u << 15, 8, 512, &b),
			 -EINVAL);
}

static void test_ids(void **state)
{
	(void)state;
	uint8_t id[32], back[32];
	char hex[BACKUP_ID_HEX];
	backup_sha256("abc", 3, id);
	backup_id_hex(id, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(backup_id_parse(hex, back), 0);
	assert_memory_equal(id, back, 32);
	hex[5] = 'g';
	assert_int_equal(backup_id_parse(hex, back), -EINVAL);
	assert_int_equal(backup_id_parse("abc", back), -EINVAL);
	uint8_t out[8];
	assert_int_equal(backup_b64_decode("AAECAw==", out, sizeof(out)), 4);
	assert_int_equal(backup_b64_decode("AAECAw=", out, sizeof(out)), -EINVAL);
	assert_int_equal(backup_b64_decode("AAECAwQFBgcICQ==", out, 8), -EINVAL);
	/* Go's StdEncoding (not Strict) ignores the unused bits of the last digit */
	assert_int_equal(backup_b64_decode("AAECAx==", out, sizeof(out)), 4);
	assert_int_equal(out[3], 3);
	assert_int_equal(backup_b64_decode("AA=A", out, sizeof(out)), -EINVAL);
	char *e = backup_b64_encode((const uint8_t *)"\0\1\2\3\4", 5);
	assert_string_equal(e, "AAECAwQ=");
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poly1305_aes_vectors),
		cmocka_unit_test(test_open_restic_value),
		cmocka_unit_test(test_seal_roundtrip),
		cmocka_unit_test(test_key_json),
		cmocka_unit_test(test_kdf),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
