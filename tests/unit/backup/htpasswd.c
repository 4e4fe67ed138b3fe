/* SPDX-License-Identifier: MIT */
/* Unit tests of htpasswd files: bcrypt, SHA-crypt and {SHA} entries, refusals naming the line, the login cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup/htpasswd.h"

static char path[64];

static void write_file(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/hearth-htpasswd-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_entries(void **state)
{
	(void)state;
	char salt[64], text[1024];
	assert_non_null(crypt_gensalt_rn("$2b$", 5, NULL, 0, salt, sizeof(salt)));
	char *bc = strdup(crypt("alicepw", salt));
	assert_non_null(crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)));
	char *sc = strdup(crypt("carolpw", salt));
	/* {SHA}: base64(SHA-1("bobpw")) */
	assert_non_null(crypt_gensalt_rn("$1$", 0, NULL, 0, salt, sizeof(salt)));
	char *md = strdup(crypt("davepw", salt));
	snprintf(text, sizeof(text),
		 "# users\n\nalice:%s\nbob:{SHA}KXV5lfOmXj1HOy0eE1tRGdIyUHw=\r\ncarol:%s\ndave:%s\n",
		 bc, sc, md);
	write_file(text);
	struct backup_htpasswd *h = NULL;
	char why[256];
	assert_int_equal(backup_htpasswd_load(path, &h, why, sizeof(why)), 0);
	unlink(path);
	assert_true(backup_htpasswd_check(h, "alice", "alicepw"));
	assert_true(backup_htpasswd_check(h, "alice", "alicepw")); /* cached */
	assert_false(backup_htpasswd_check(h, "alice", "alicepw "));
	assert_false(backup_htpasswd_check(h, "bob", "alicepw"));
	assert_true(backup_htpasswd_check(h, "bob", "bobpw"));
	assert_false(backup_htpasswd_check(h, "bob", "bobp"));
	assert_true(backup_htpasswd_check(h, "carol", "carolpw"));
	assert_false(backup_htpasswd_check(h, "dave", "carolpw"));
	assert_true(backup_htpasswd_check(h, "dave", "davepw"));
	assert_false(backup_htpasswd_check(h, "erin", "davepw"));
	assert_false(backup_htpasswd_check(h, "", ""));
	backup_htpasswd_free(h);
	free(bc);
	free(sc);
	free(md);
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"ok:{SHA}KXV5lfOmXj1HOy0eE1tRGdIyUHw=\nnocolon\n", ":2: not USER:HASH"},
		{":{SHA}x\n", ":1: not USER:HASH"},
		{"a:plaintext\n", ":1: unknown hash"},
		{"a:$apr1$abc$def\n", ":1: unknown hash"},
		{"a:$6$bad\x01salt\n", ":1: malformed or disabled crypt hash"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(cases[i].text);
		struct backup_htpasswd *h = NULL;
		char why[256] = "";
		assert_int_equal(backup_htpasswd_load(path, &h, why, sizeof(why)), -EINVAL);
		assert_null(h);
		assert_non_null(strstr(why, path));
		if (!strstr(why, cases[i].want))
			fail_msg("%s: got %s", cases[i].want, why);
		unlink(path);
	}
	char big[6000];
	memset(big, 'a', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	write_file(big);
	struct backup_htpasswd *h = NULL;
	char why[256] = "";
	assert_int_equal(backup_htpasswd_load(path, &h, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "line too long"));
	unlink(path);
	assert_int_equal(backup_htpasswd_load("/nonexistent/htpasswd", &h, why, sizeof(why)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
