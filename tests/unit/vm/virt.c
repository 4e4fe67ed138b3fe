/* SPDX-License-Identifier: MIT */
/* Unit tests of the vm room against libvirt's test:///default driver: define, update, drift, conflict, undefine, in one process (the driver's state lives in it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/plan.h"
#include "vm/virt.h"

static struct vm_spec spec(const char *name)
{
	struct vm_spec s;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.domain, sizeof(s.domain), "%s", name);
	snprintf(s.uri, sizeof(s.uri), "test:///default");
	snprintf(s.virt_type, sizeof(s.virt_type), "kvm");
	s.vcpus = 2;
	s.memory_kib = 512 * 1024;
	snprintf(s.mac, sizeof(s.mac), "52:54:00:00:30:10");
	snprintf(s.bridge, sizeof(s.bridge), "dmzbr");
	snprintf(s.pool, sizeof(s.pool), "default-pool");
	snprintf(s.image, sizeof(s.image), "/var/lib/images/debian-12.qcow2");
	s.disk_size = 8ULL << 30;
	snprintf(s.root_volume, sizeof(s.root_volume), "%s.qcow2", name);
	snprintf(s.seed_volume, sizeof(s.seed_volume), "%s-cidata.iso", name);
	snprintf(s.seed_hash, sizeof(s.seed_hash), "0011223344556677");
	s.n_disks = 1;
	snprintf(s.disks[0].name, sizeof(s.disks[0].name), "data");
	snprintf(s.disks[0].pool, sizeof(s.disks[0].pool), "default-pool");
	snprintf(s.disks[0].volume, sizeof(s.disks[0].volume), "%s-data.qcow2", name);
	s.disks[0].size = 1ULL << 30;
	s.autostart = true;
	return s;
}

struct state {
	struct vm_conn *c;
	struct vm_observed *have;
	size_t n_have;
	struct vm_plan plan;
};

/* Lists the domains and plans @want against them. */
static void replan(struct state *st, const struct vm_spec *want, size_t n)
{
	struct vm_err err;
	vm_plan_free(&st->plan);
	free(st->have);
	st->have = NULL;
	assert_int_equal(vm_conn_list(st->c, &st->have, &st->n_have, &err), 0);
	assert_int_equal(vm_plan_make(want, n, st->have, st->n_have, &st->plan), 0);
}

static void apply_all(struct state *st)
{
	static const unsigned char iso[2048] = {0};
	struct buf log;
	struct vm_err err;
	buf_init(&log, 0);
	for (size_t i = 0; i < st->plan.n; i++) {
		if (st->plan.items[i].action == VM_LEAVE)
			continue;
		int rc = vm_conn_apply(st->c, &st->plan.items[i], iso, sizeof(iso),
				       &log, &err);
		if (rc)
			fail_msg("%s", err.msg);
	}
	buf_deinit(&log);
}

static bool volume_exists(struct state *st, const char *name)
{
	virConnectPtr conn = vm_conn_virt(st->c);
	virStoragePoolPtr p = virStoragePoolLookupByName(conn, "default-pool");
	assert_non_null(p);
	virStorageVolPtr v = virStorageVolLookupByName(p, name);
	bool found = v != NULL;
	if (v)
		virStorageVolFree(v);
	virStoragePoolFree(p);
	return found;
}

static void lifecycle(void **state)
{
	(void)state;
	struct state st = {0};
	struct vm_err err;
	assert_int_equal(vm_conn_open("test:///default", &st.c, &err), 0);
	struct vm_spec want = spec("web");

	/* Define. */
	replan(&st, &want, 1);
	assert_int_equal(st.plan.n, 1); /* the driver's own "test" is not ours */
	assert_int_equal(st.plan.items[0].action, VM_CREATE);
	apply_all(&st);
	assert_true(volume_exists(&st, "web.qcow2"));
	assert_true(volume_exists(&st, "web-data.qcow2"));
	assert_true(volume_exists(&st, "web-cidata.iso"));
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_LEAVE);
	assert_int_equal(st.plan.items[0].n_drift, 0);
	const struct vm_observed *h = st.plan.items[0].have;
	assert_true(h->owned && h->running && h->autostart);
	assert_int_equal(h->vcpus, 2);
	assert_string_equal(h->mac, "52:54:00:00:30:10");
	assert_false(vm_plan_has_changes(&st.plan));

	/* Update: more memory while running needs a restart. */
	want.memory_kib = 1024 * 1024;
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_UPDATE);
	assert_true(st.plan.items[0].needs_restart);
	apply_all(&st);
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_LEAVE);
	assert_int_equal(st.plan.items[0].have->memory_kib, 1024 * 1024);

	/* Drift: someone edits the domain by hand (virsh edit). */
	virConnectPtr conn = vm_conn_virt(st.c);
	virDomainPtr d = virDomainLookupByName(conn, "web");
	char *xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
	char *at = strstr(xml, ">2</vcpu>");
	assert_non_null(at);
	at[1] = '4';
	virDomainPtr d2 = virDomainDefineXML(conn, xml);
	assert_non_null(d2);
	virDomainFree(d2);
	free(xml);
	virDomainFree(d);
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_UPDATE);
	assert_int_equal(st.plan.items[0].n_drift, 1);
	assert_non_null(strstr(st.plan.items[0].drift[0],
			       "vcpus is 4 on the hypervisor; hearth applied 2"));
	apply_all(&st); /* puts it back */
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_LEAVE);

	/* A lab.vms entry named like a domain hearth did not define. */
	struct vm_spec two[2] = {want, spec("test")};
	replan(&st, two, 2);
	assert_int_equal(st.plan.items[1].action, VM_CONFLICT);

	/* Undefine: gone from lab.vms, gone with its volumes. */
	replan(&st, NULL, 0);
	assert_int_equal(st.plan.n, 1);
	assert_int_equal(st.plan.items[0].action, VM_DESTROY);
	apply_all(&st);
	replan(&st, NULL, 0);
	assert_int_equal(st.plan.n, 0);
	assert_null(virDomainLookupByName(conn, "web"));
	assert_false(volume_exists(&st, "web.qcow2"));
	assert_false(volume_exists(&st, "web-cidata.iso"));
	assert_false(volume_exists(&st, "web-data.qcow2"));

	vm_plan_free(&st.plan);
	free(st.have);
	vm_conn_close(st.c);
}

static void replace_keeps_data_disks(void **state)
{
	(void)state;
	struct state st = {0};
	struct vm_err err;
	assert_int_equal(vm_conn_open("test:///default", &st.c, &err), 0);
	struct vm_spec want = spec("db");
	replan(&st, &want, 1);
	apply_all(&st);
	snprintf(want.image, sizeof(want.image), "/var/lib/images/debian-13.qcow2");
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_REPLACE);
	apply_all(&st);
	replan(&st, &want, 1);
	assert_int_equal(st.plan.items[0].action, VM_LEAVE);
	assert_string_equal(st.plan.items[0].have->applied.image,
			    "/var/lib/images/debian-13.qcow2");
	assert_true(volume_exists(&st, "db-data.qcow2"));
	vm_plan_free(&st.plan);
	free(st.have);
	vm_conn_close(st.c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifecycle),
		cmocka_unit_test(replace_keeps_data_disks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
