/* SPDX-License-Identifier: MIT */
/* Unit tests of hearth's domain XML: rendered from a spec, read back as a hypervisor would show it; hostile XML refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vm/spec.h"

static void render_and_read_back(void **state)
{
	(void)state;
	struct vm_spec s;
	memset(&s, 0, sizeof(s));
	strcpy(s.name, "web");
	strcpy(s.domain, "lab-web");
	strcpy(s.virt_type, "kvm");
	s.vcpus = 2;
	s.memory_kib = 1 << 20;
	strcpy(s.mac, "52:54:00:00:30:10");
	strcpy(s.bridge, "dmzbr");
	strcpy(s.pool, "default");
	strcpy(s.image, "/srv/images/a&b's.qcow2"); /* escaped */
	s.disk_size = 20ULL << 30;
	strcpy(s.root_volume, "web.qcow2");
	strcpy(s.seed_volume, "web-cidata.iso");
	strcpy(s.seed_hash, "0123456789abcdef");
	s.n_disks = 1;
	strcpy(s.disks[0].name, "data");
	strcpy(s.disks[0].pool, "fast");
	strcpy(s.disks[0].volume, "web-data.qcow2");
	s.disks[0].size = 10ULL << 30;
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(vm_domain_xml(&s, &b), 0);
	assert_non_null(strstr(b.data, "a&amp;b&apos;s.qcow2"));
	assert_non_null(strstr(b.data, "<source pool='fast' volume='web-data.qcow2'/>"));
	assert_non_null(strstr(b.data, "<target dev='vdb' bus='virtio'/>"));
	struct vm_observed o;
	const char *why = NULL;
	assert_int_equal(vm_domain_parse(b.data, b.len, &o, &why), 0);
	assert_string_equal(o.domain, "lab-web");
	assert_int_equal(o.vcpus, 2);
	assert_int_equal(o.memory_kib, 1 << 20);
	assert_string_equal(o.mac, "52:54:00:00:30:10");
	assert_string_equal(o.bridge, "dmzbr");
	assert_string_equal(o.root_pool, "default");
	assert_string_equal(o.root_volume, "web.qcow2");
	assert_int_equal(o.n_disks, 1);
	assert_true(o.owned);
	assert_string_equal(o.applied.name, "web");
	assert_string_equal(o.applied.image, "/srv/images/a&b's.qcow2");
	assert_int_equal(o.applied.disk_size, 20ULL << 30);
	assert_string_equal(o.applied.seed_hash, "0123456789abcdef");
	assert_int_equal(o.applied.n_disks, 1);
	assert_string_equal(o.applied.disks[0].pool, "fast");
	assert_int_equal(o.applied.disks[0].size, 10ULL << 30);
	buf_deinit(&b);
}

static void hostile(void **state)
{
	(void)state;
	struct vm_observed o;
	const char *why;
	const char *bad[] = {
		"", "<domain>", "<notadomain><name>x</name></notadomain>",
		"<domain><vcpu>2</vcpu></domain>",
		"<domain><name>x</name><vcpu>-1</vcpu></domain>",
		"<domain><name>x</name><memory unit='parsecs'>1</memory></domain>",
		/* an external entity is never fetched */
		("<!DOCTYPE d [<!ENTITY e SYSTEM 'http://127.0.0.1:1/x'>]>"
		 "<domain><name>&e;</name></domain>"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(vm_domain_parse(bad[i], strlen(bad[i]), &o, &why),
				 -EINVAL);
		assert_non_null(why);
	}
	/* Not hearth's: read, not owned. */
	const char *theirs = "<domain type='kvm'><name>x</name>"
			     "<memory unit='MiB'>64</memory><vcpu>1</vcpu></domain>";
	assert_int_equal(vm_domain_parse(theirs, strlen(theirs), &o, &why), 0);
	assert_false(o.owned);
	assert_int_equal(o.memory_kib, 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_and_read_back),
		cmocka_unit_test(hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
