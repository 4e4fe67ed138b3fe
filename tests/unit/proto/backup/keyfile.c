/* SPDX-License-Identifier: MIT */
/* Unit tests of restic key files: made and unlocked, the wrong password, and every refused field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "proto/backup/keyfile.h"

static void test_make_unlock(void **state)
{
	(void)state;
	struct backup_key master, got;
	backup_key_random(&master);
	size_t len = 0;
	char *text = backup_keyfile_make(&master, "secret", "u", "h",
					 "2026-01-02T03:04:05.5Z", 1024, 8, 1,
					 &len);
	assert_non_null(text);
	struct backup_keyfile kf;
	const char *why = NULL;
	assert_int_equal(backup_keyfile_parse(text, len, &kf, &why), 0);
	assert_string_equal(kf.username, "u");
	assert_int_equal(kf.n, 1024);
	assert_int_equal(backup_keyfile_unlock(&kf, "secret", &got), 0);
	assert_memory_equal(&got, &master, sizeof(got));
	assert_int_equal(backup_keyfile_unlock(&kf, "Secret", &got), -EACCES);
	/* restic's member order */
	assert_true(strstr(text, "\"created\"") < strstr(text, "\"kdf\""));
	assert_true(strstr(text, "\"salt\"") < strstr(text, "\"data\""));
	kf.data[20] ^= 1;
	assert_int_equal(backup_keyfile_unlock(&kf, "secret", &got), -EACCES);
	free(text);
}

static void refused(const char *json)
{
	struct backup_keyfile kf;
	const char *why = NULL;
	assert_int_equal(backup_keyfile_parse(json, strlen(json), &kf, &why),
			 -EINVAL);
	assert_non_null(why);
}

#define SALT "\"salt\":\"4jtIy64U2At4CWO2tNu6nDovR1uZFfYPPr+yGhvApOVAhW3ZbQuD/vIeJ2wG8g5odOwhoQlWPvySuwZlt7V4ug==\""
#define DATA "\"data\":\"xXFswush04XZXKOoT4vnTcsLCieuZg2WXpfSnn8onNC7ko6zR7eu6ytvfwI8IpL01CIuCHFN\""

static void test_refusals(void **state)
{
	(void)state;
	struct backup_keyfile kf;
	const char *ok = "{\"kdf\":\"scrypt\",\"N\":32768,\"r\":8,\"p\":4," SALT "," DATA "}";
	assert_int_equal(backup_keyfile_parse(ok, strlen(ok), &kf, NULL), 0);
	refused("");
	refused("[]");
	refused("{\"kdf\":\"argon2\",\"N\":32768,\"r\":8,\"p\":4," SALT "," DATA "}");
	refused("{\"kdf\":\"scrypt\",\"N\":1,\"r\":8,\"p\":4," SALT "," DATA "}");
	refused("{\"kdf\":\"scrypt\",\"N\":32768,\"r\":0,\"p\":4," SALT "," DATA "}");
	refused("{\"kdf\":\"scrypt\",\"N\":32768,\"r\":8,\"p\":4,\"salt\":\"AAAA\"," DATA "}");
	refused("{\"kdf\":\"scrypt\",\"N\":32768,\"r\":8,\"p\":4," SALT ",\"data\":\"AAAA\"}");
	refused("{\"kdf\":\"scrypt\",\"N\":32768,\"r\":8,\"p\":4," SALT "}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_unlock),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
