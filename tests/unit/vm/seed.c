/* SPDX-License-Identifier: MIT */
/* Unit tests of the NoCloud seed texts: hostname, users, host key and certificate, CA, packages, network-config, multipart, hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/seed.h"

static struct vm_seed_in input(void)
{
	static const char *const pkgs[] = {"nginx", "curl"};
	static const char *const keys[] = {"ssh-ed25519 AAAAkey me@laptop"};
	return (struct vm_seed_in){
		.hostname = "web", .fqdn = "web.lab.test", .user = "debian",
		.packages = pkgs, .n_packages = 2, .ssh_keys = keys,
		.n_ssh_keys = 1, .ca_pub = "ssh-ed25519 AAAAca hearth-ca",
		.host_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END "
			    "OPENSSH PRIVATE KEY-----\n",
		.host_pub = "ssh-ed25519 AAAAhost web",
		.host_cert = "ssh-ed25519-cert-v01@openssh.com AAAAcert web",
		.mac = "52:54:00:00:30:10",
	};
}

static void texts(void **state)
{
	(void)state;
	struct vm_seed_in in = input();
	struct vm_seed s;
	assert_int_equal(vm_seed_build(&in, &s), 0);
	const char *u = s.user_data.data;
	assert_int_equal(strncmp(u, "#cloud-config\n", 14), 0);
	assert_non_null(strstr(u, "hostname: \"web\"\n"));
	assert_non_null(strstr(u, "fqdn: \"web.lab.test\"\n"));
	assert_non_null(strstr(u, "  - name: \"debian\"\n"));
	assert_non_null(strstr(u, "      - \"ssh-ed25519 AAAAkey me@laptop\"\n"));
	assert_non_null(strstr(u, "  ed25519_private: \"-----BEGIN OPENSSH "
				  "PRIVATE KEY-----\\nabc\\n"));
	assert_non_null(strstr(u, "TrustedUserCAKeys /etc/ssh/hearth_user_ca.pub"));
	assert_non_null(strstr(u, "content: \"ssh-ed25519 AAAAca hearth-ca\\n\""));
	assert_non_null(strstr(u, "HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub"));
	assert_non_null(strstr(u, "packages:\n  - \"nginx\"\n  - \"curl\"\n"));
	char want[128];
	snprintf(want, sizeof(want), "instance-id: web-%s\nlocal-hostname: web\n",
		 s.hash);
	assert_string_equal(s.meta_data.data, want);
	assert_int_equal(strlen(s.hash), 16);
	assert_non_null(strstr(s.network_config.data,
			       "macaddress: \"52:54:00:00:30:10\"\n    dhcp4: true\n"));
	char hash[20];
	memcpy(hash, s.hash, sizeof(hash));
	vm_seed_deinit(&s);

	/* A new host certificate leaves the hash (and instance) alone; a
	 * new package changes it. */
	in.host_cert = "ssh-ed25519-cert-v01@openssh.com AAAAcert2 web";
	assert_int_equal(vm_seed_build(&in, &s), 0);
	assert_string_equal(s.hash, hash);
	vm_seed_deinit(&s);
	in.n_packages = 1;
	assert_int_equal(vm_seed_build(&in, &s), 0);
	assert_string_not_equal(s.hash, hash);
	vm_seed_deinit(&s);
}

static void multipart_and_quoting(void **state)
{
	(void)state;
	struct vm_seed_in in = input();
	struct vm_seed s;
	in.extra_user_data = "#cloud-config\nruncmd: [touch, /x]\n";
	in.mac = NULL;
	in.hostname = "we\"b";
	assert_int_equal(vm_seed_build(&in, &s), 0);
	const char *u = s.user_data.data;
	assert_int_equal(strncmp(u, "Content-Type: multipart/mixed; boundary=", 40), 0);
	assert_non_null(strstr(u, "filename=\"hearth.cfg\"\n\n#cloud-config\n"));
	assert_non_null(strstr(u, "filename=\"user-data.cfg\"\n\n#cloud-config\nruncmd"));
	assert_non_null(strstr(u, "hostname: \"we\\\"b\"\n"));
	assert_int_equal(s.network_config.len, 0);
	vm_seed_deinit(&s);
	struct buf b;
	buf_init(&b, 0);
	vm_yaml_quote(&b, "a\tb\x01\\");
	assert_string_equal(b.data, "\"a\\tb\\x01\\\\\"");
	buf_deinit(&b);
}

static void iso_holds_the_files(void **state)
{
	(void)state;
	struct vm_seed_in in = input();
	struct vm_seed s;
	unsigned char *iso = NULL;
	size_t len = 0;
	assert_int_equal(vm_seed_build(&in, &s), 0);
	assert_int_equal(vm_seed_iso(&s, &iso, &len), 0);
	assert_true(len >= 16 * 2048 + 2048 && len % 2048 == 0);
	/* The primary volume descriptor at sector 16: CD001, id "cidata". */
	assert_memory_equal(iso + 16 * 2048 + 1, "CD001", 5);
	assert_memory_equal(iso + 16 * 2048 + 40, "cidata ", 7);
	/* The files' bytes are in the image. */
	assert_non_null(memmem(iso, len, s.meta_data.data, s.meta_data.len));
	assert_non_null(memmem(iso, len, s.user_data.data, s.user_data.len));
	free(iso);
	vm_seed_deinit(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(texts),
		cmocka_unit_test(multipart_and_quoting),
		cmocka_unit_test(iso_holds_the_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
