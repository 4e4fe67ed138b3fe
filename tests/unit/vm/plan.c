/* SPDX-License-Identifier: MIT */
/* Unit tests of VM planning: create, leave, update (restart or not), replace, destroy, conflict, drift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vm/plan.h"

static struct vm_spec spec(const char *name)
{
	struct vm_spec s;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.domain, sizeof(s.domain), "%s", name);
	snprintf(s.uri, sizeof(s.uri), "test:///default");
	s.vcpus = 2;
	s.memory_kib = 1 << 20;
	snprintf(s.mac, sizeof(s.mac), "52:54:00:00:00:10");
	snprintf(s.bridge, sizeof(s.bridge), "dmzbr");
	snprintf(s.pool, sizeof(s.pool), "default");
	snprintf(s.image, sizeof(s.image), "/img/debian-12.qcow2");
	s.disk_size = 20ULL << 30;
	snprintf(s.root_volume, sizeof(s.root_volume), "%s.qcow2", name);
	snprintf(s.seed_volume, sizeof(s.seed_volume), "%s-cidata.iso", name);
	snprintf(s.seed_hash, sizeof(s.seed_hash), "00112233");
	s.autostart = true;
	return s;
}

/* A domain as hearth would have left it after applying @s. */
static struct vm_observed applied(const struct vm_spec *s, bool running)
{
	struct vm_observed o;
	memset(&o, 0, sizeof(o));
	snprintf(o.domain, sizeof(o.domain), "%s", s->domain);
	o.running = running;
	o.autostart = s->autostart;
	o.vcpus = s->vcpus;
	o.memory_kib = s->memory_kib;
	snprintf(o.mac, sizeof(o.mac), "%s", s->mac);
	snprintf(o.bridge, sizeof(o.bridge), "%s", s->bridge);
	snprintf(o.root_pool, sizeof(o.root_pool), "%s", s->pool);
	snprintf(o.root_volume, sizeof(o.root_volume), "%s", s->root_volume);
	o.n_disks = s->n_disks;
	o.owned = true;
	o.applied = *s;
	return o;
}

static bool has(const struct vm_plan_item *it, const char *text)
{
	for (size_t i = 0; i < it->n_changes; i++)
		if (strstr(it->changes[i], text))
			return true;
	return false;
}

static bool has_drift(const struct vm_plan_item *it, const char *text)
{
	for (size_t i = 0; i < it->n_drift; i++)
		if (strstr(it->drift[i], text))
			return true;
	return false;
}

static void create_leave_destroy(void **state)
{
	(void)state;
	struct vm_spec want[2] = {spec("web"), spec("db")};
	struct vm_spec gone = spec("old");
	struct vm_observed have[3] = {applied(&want[0], true), applied(&gone, false)};
	/* Another's domain, not in lab.vms: not hearth's business. */
	struct vm_spec other = spec("theirs");
	have[2] = applied(&other, true);
	have[2].owned = false;
	struct vm_plan p;
	assert_int_equal(vm_plan_make(want, 2, have, 3, &p), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.items[0].action, VM_LEAVE);
	assert_int_equal(p.items[0].n_changes, 0);
	assert_int_equal(p.items[0].n_drift, 0);
	assert_int_equal(p.items[1].action, VM_CREATE);
	assert_string_equal(p.items[1].domain, "db");
	assert_true(has(&p.items[1], "2 vcpus, 1024 MiB"));
	assert_int_equal(p.items[2].action, VM_DESTROY);
	assert_string_equal(p.items[2].domain, "old");
	assert_true(has(&p.items[2], "no longer in lab.vms"));
	assert_true(vm_plan_has_changes(&p));
	struct buf b;
	buf_init(&b, 0);
	vm_plan_print(&p, &b);
	assert_non_null(strstr(b.data, "+ create db\n"));
	assert_non_null(strstr(b.data, "- destroy old\n"));
	assert_non_null(strstr(b.data, "plan: 1 to create, 0 to update, 0 to "
				       "replace, 1 to destroy, 1 unchanged\n"));
	buf_deinit(&b);
	vm_plan_free(&p);
}

static void updates_and_restarts(void **state)
{
	(void)state;
	struct vm_spec was = spec("web"), want = spec("web");
	struct vm_observed have = applied(&was, true);
	struct vm_plan p;

	want.memory_kib = 2 << 20;
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_UPDATE);
	assert_true(p.items[0].needs_restart);
	assert_true(has(&p.items[0], "memory: 1024 MiB -> 2048 MiB"));
	vm_plan_free(&p);

	/* The same change while shut off needs no restart. */
	have.running = false;
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_UPDATE);
	assert_false(p.items[0].needs_restart);
	vm_plan_free(&p);

	/* autostart alone: in place, no restart even while running. */
	have.running = true;
	want = spec("web");
	want.autostart = false;
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_UPDATE);
	assert_false(p.items[0].needs_restart);
	assert_true(has(&p.items[0], "autostart: on -> off"));
	vm_plan_free(&p);

	/* A bigger disk grows the overlay; a new disk is attached. */
	want = spec("web");
	want.disk_size = 40ULL << 30;
	want.n_disks = 1;
	snprintf(want.disks[0].name, sizeof(want.disks[0].name), "data");
	want.disks[0].size = 10ULL << 30;
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_UPDATE);
	assert_true(p.items[0].resize_root);
	assert_true(has(&p.items[0], "disk data: added"));
	assert_true(p.items[0].needs_restart);
	vm_plan_free(&p);

	/* A new seed (packages, keys, user data). */
	want = spec("web");
	snprintf(want.seed_hash, sizeof(want.seed_hash), "99999999");
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_UPDATE);
	assert_true(p.items[0].new_seed);
	vm_plan_free(&p);
}

static void replaces(void **state)
{
	(void)state;
	struct vm_spec was = spec("web"), want = spec("web");
	struct vm_observed have = applied(&was, true);
	struct vm_plan p;
	snprintf(want.image, sizeof(want.image), "/img/debian-13.qcow2");
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_REPLACE);
	assert_true(has(&p.items[0], "image: /img/debian-12.qcow2 -> "
				     "/img/debian-13.qcow2"));
	vm_plan_free(&p);
	want = spec("web");
	want.disk_size = 10ULL << 30;
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_REPLACE);
	assert_true(has(&p.items[0], "cannot shrink"));
	vm_plan_free(&p);
}

static void drift_and_conflict(void **state)
{
	(void)state;
	struct vm_spec want = spec("web");
	struct vm_observed have = applied(&want, false);
	struct vm_plan p;
	/* Changed by hand (virsh edit): drift, and an update puts it back. */
	have.vcpus = 8;
	snprintf(have.bridge, sizeof(have.bridge), "virbr0");
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_UPDATE);
	assert_true(has_drift(&p.items[0], "vcpus is 8 on the hypervisor; "
					   "hearth applied 2"));
	assert_true(has_drift(&p.items[0], "bridge is virbr0"));
	assert_true(has(&p.items[0], "vcpus: 8 -> 2"));
	assert_true(has(&p.items[0], "bridge: virbr0 -> dmzbr"));
	struct buf b;
	buf_init(&b, 0);
	vm_plan_print(&p, &b);
	assert_non_null(strstr(b.data, "    drift: vcpus is 8"));
	buf_deinit(&b);
	vm_plan_free(&p);

	/* A domain of that name hearth did not define. */
	have = applied(&want, false);
	have.owned = false;
	assert_int_equal(vm_plan_make(&want, 1, &have, 1, &p), 0);
	assert_int_equal(p.items[0].action, VM_CONFLICT);
	vm_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_leave_destroy),
		cmocka_unit_test(updates_and_restarts),
		cmocka_unit_test(replaces),
		cmocka_unit_test(drift_and_conflict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
