/* SPDX-License-Identifier: MIT */
/* Unit tests of the CA's files: modes, serials kept durably, refusals (existing CA, readable key, damaged key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm/ca.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/hearth-ca-test-XXXXXX";
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(dir, sizeof(dir), "%s/lab/ca", tmpl); /* parents made too */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(dir) - 7), dir);
	return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *name)
{
	char p[400];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 0777;
}

static void create_open_sign(void **state)
{
	(void)state;
	struct vm_err err;
	struct vm_ca ca;
	assert_int_equal(vm_ca_create(dir, "lab-ca", &err), 0);
	assert_int_equal(mode_of("ca"), 0600);
	assert_int_equal(mode_of("ca.pub"), 0644);
	assert_int_equal(vm_ca_create(dir, "again", &err), -EEXIST);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(vm_ca_open(dir, &ca, &err), 0);
	assert_string_equal(ca.pub.comment, "lab-ca");

	/* Serials come from DIR/serial, one after the other. */
	uint8_t pk[32], sk[64];
	crypto_sign_ed25519_keypair(pk, sk);
	for (uint64_t want = 1; want <= 3; want++) {
		struct ssh_cert *c = calloc(1, sizeof(*c));
		struct buf line;
		buf_init(&line, 0);
		ssh_pubkey_ed25519(&c->key, pk, NULL);
		c->kind = SSH_CERT_USER;
		c->n_principals = 1;
		strcpy(c->principals[0], "root");
		c->valid_before = UINT64_MAX;
		assert_int_equal(vm_ca_sign(&ca, c, "k", &line, &err), 0);
		assert_int_equal(c->serial, want);
		assert_int_equal(strncmp(line.data, "ssh-ed25519-cert-v01@openssh.com ",
					 33), 0);
		buf_deinit(&line);
		free(c);
	}
	char p[400], *text;
	size_t len;
	snprintf(p, sizeof(p), "%s/serial", dir);
	assert_int_equal(vm_read_file(p, 64, &text, &len), 0);
	assert_string_equal(text, "3\n");
	free(text);
	vm_ca_close(&ca);
	for (size_t i = 0; i < sizeof(ca.sk); i++)
		assert_int_equal(ca.sk[i], 0); /* wiped */
}

static void refusals(void **state)
{
	(void)state;
	struct vm_err err;
	struct vm_ca ca;
	char p[400];
	snprintf(p, sizeof(p), "%s/ca", dir);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(vm_ca_open(dir, &ca, &err), -EPERM);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(vm_write_file(p, "junk\n", 5, 0600), 0);
	assert_int_equal(vm_ca_open(dir, &ca, &err), -EINVAL);
	assert_non_null(strstr(err.msg, p));
	assert_non_null(strstr(err.msg, "BEGIN OPENSSH PRIVATE KEY"));
	assert_int_equal(vm_ca_open("/nonexistent/ca-dir", &ca, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "hearth ssh ca init"));
	/* Files past their bound are refused, not truncated. */
	assert_int_equal(vm_write_file(p, "0123456789", 10, 0600), 0);
	char *text;
	size_t len;
	assert_int_equal(vm_read_file(p, 9, &text, &len), -EFBIG);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_open_sign),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
