/* SPDX-License-Identifier: MIT */
/* VM planning: compares what lab.vms wants with what hearth applied (its metadata) and what the hypervisor shows (the live XML). */
#include "vm/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *vm_action_name(enum vm_action a)
{
	switch (a) {
	case VM_LEAVE: return "leave";
	case VM_CREATE: return "create";
	case VM_UPDATE: return "update";
	case VM_REPLACE: return "replace";
	case VM_DESTROY: return "destroy";
	case VM_CONFLICT: return "conflict";
	}
	return "?";
}

static void note(char (*list)[192], size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(char (*list)[192], size_t *n, const char *fmt, ...)
{
	if (*n == VM_PLAN_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(list[(*n)++], 192, fmt, ap);
	va_end(ap);
}

#define CHANGE(it, ...) note((it)->changes, &(it)->n_changes, __VA_ARGS__)
#define DRIFT(it, ...) note((it)->drift, &(it)->n_drift, __VA_ARGS__)

static const char *or_auto(const char *s)
{
	return s[0] ? s : "(libvirt's)";
}

/* The changes that keep the root volume: in place, some at restart. */
static void compare_in_place(struct vm_plan_item *it, const struct vm_spec *w,
			     const struct vm_observed *h)
{
	const struct vm_spec *a = &h->applied;
	bool restart = false;
	/* Drift: the live domain differs from what hearth applied. */
	if (h->vcpus != a->vcpus)
		DRIFT(it, "vcpus is %u on the hypervisor; hearth applied %u",
		      h->vcpus, a->vcpus);
	if (h->memory_kib != a->memory_kib)
		DRIFT(it, "memory is %" PRIu64 " MiB on the hypervisor; hearth "
			  "applied %" PRIu64 " MiB", h->memory_kib / 1024,
		      a->memory_kib / 1024);
	if (a->mac[0] && strcasecmp(h->mac, a->mac))
		DRIFT(it, "mac is %s on the hypervisor; hearth applied %s",
		      or_auto(h->mac), a->mac);
	if (strcmp(h->bridge, a->bridge))
		DRIFT(it, "bridge is %s on the hypervisor; hearth applied %s",
		      or_auto(h->bridge), a->bridge);
	if (strcmp(h->root_volume, a->root_volume) ||
	    strcmp(h->root_pool, a->pool))
		DRIFT(it, "root disk is %s/%s on the hypervisor; hearth applied "
			  "%s/%s", or_auto(h->root_pool), or_auto(h->root_volume),
		      a->pool, a->root_volume);
	if (h->n_disks != a->n_disks)
		DRIFT(it, "%zu extra disks on the hypervisor; hearth applied %zu",
		      h->n_disks, a->n_disks);

	/* Changes: the wanted value against the live one (so drift is put
	 * back too). */
	if (w->vcpus != h->vcpus) {
		CHANGE(it, "vcpus: %u -> %u", h->vcpus, w->vcpus);
		restart = true;
	}
	if (w->memory_kib != h->memory_kib) {
		CHANGE(it, "memory: %" PRIu64 " MiB -> %" PRIu64 " MiB",
		       h->memory_kib / 1024, w->memory_kib / 1024);
		restart = true;
	}
	if (w->mac[0] && strcasecmp(w->mac, h->mac)) {
		CHANGE(it, "mac: %s -> %s", or_auto(h->mac), w->mac);
		restart = true;
	}
	if (strcmp(w->bridge, h->bridge)) {
		CHANGE(it, "bridge: %s -> %s", or_auto(h->bridge), w->bridge);
		restart = true;
	}
	if (strcmp(h->root_volume, w->root_volume) ||
	    strcmp(h->root_pool, w->pool)) {
		CHANGE(it, "root disk: %s/%s -> %s/%s", or_auto(h->root_pool),
		       or_auto(h->root_volume), w->pool, w->root_volume);
		restart = true;
	}
	if (w->disk_size > a->disk_size) {
		CHANGE(it, "disk_size: %" PRIu64 " MiB -> %" PRIu64 " MiB (the "
			   "overlay grows)", a->disk_size >> 20, w->disk_size >> 20);
		it->resize_root = true;
	}
	for (size_t i = 0; i < w->n_disks; i++) {
		const struct vm_disk *d = &w->disks[i];
		bool found = false;
		for (size_t j = 0; j < a->n_disks; j++)
			if (!strcmp(a->disks[j].name, d->name)) {
				found = true;
				if (a->disks[j].size != d->size)
					CHANGE(it, "disk %s: %" PRIu64 " MiB -> "
						   "%" PRIu64 " MiB (resized)", d->name,
					       a->disks[j].size >> 20, d->size >> 20);
			}
		if (!found) {
			CHANGE(it, "disk %s: added (%" PRIu64 " MiB)", d->name,
			       d->size >> 20);
			restart = true;
		}
	}
	for (size_t j = 0; j < a->n_disks; j++) {
		bool found = false;
		for (size_t i = 0; i < w->n_disks; i++)
			found |= !strcmp(a->disks[j].name, w->disks[i].name);
		if (!found) {
			CHANGE(it, "disk %s: detached (its volume is kept)",
			       a->disks[j].name);
			restart = true;
		}
	}
	if (w->autostart != h->autostart)
		CHANGE(it, "autostart: %s -> %s", h->autostart ? "on" : "off",
		       w->autostart ? "on" : "off");
	if (strcmp(w->seed_hash, a->seed_hash)) {
		CHANGE(it, "cloud-init seed changed (cloud-init reads it on "
			   "a new instance only)");
		it->new_seed = true;
	}
	if (it->n_changes)
		it->action = VM_UPDATE;
	it->needs_restart = restart && h->running;
}

static void compare(struct vm_plan_item *it, const struct vm_spec *w,
		    const struct vm_observed *h)
{
	const struct vm_spec *a = &h->applied;
	if (!h->owned) {
		it->action = VM_CONFLICT;
		CHANGE(it, "a domain %s exists that hearth did not define: "
			   "rename one, or undefine it", h->domain);
		return;
	}
	/* What only a new root volume changes. */
	if (strcmp(w->image, a->image))
		CHANGE(it, "image: %s -> %s (a new overlay)", a->image, w->image);
	if (strcmp(w->pool, a->pool))
		CHANGE(it, "pool: %s -> %s (a new overlay)", a->pool, w->pool);
	if (w->disk_size && w->disk_size < a->disk_size)
		CHANGE(it, "disk_size: %" PRIu64 " MiB -> %" PRIu64 " MiB (an "
			   "overlay cannot shrink: a new one)", a->disk_size >> 20,
		       w->disk_size >> 20);
	if (it->n_changes) {
		it->action = VM_REPLACE;
		return;
	}
	compare_in_place(it, w, h);
}

int vm_plan_make(const struct vm_spec *want, size_t n_want,
		 const struct vm_observed *have, size_t n_have,
		 struct vm_plan *out)
{
	out->n = 0;
	out->items = calloc(n_want + n_have + 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = 0; i < n_want; i++) {
		struct vm_plan_item *it = &out->items[out->n++];
		const struct vm_spec *w = &want[i];
		snprintf(it->domain, sizeof(it->domain), "%s", w->domain);
		it->want = w;
		for (size_t j = 0; j < n_have; j++)
			if (!strcmp(have[j].domain, w->domain))
				it->have = &have[j];
		if (!it->have) {
			it->action = VM_CREATE;
			CHANGE(it, "new: %u vcpus, %" PRIu64 " MiB, image %s, "
				   "bridge %s%s%s", w->vcpus, w->memory_kib / 1024,
			       w->image, w->bridge, w->mac[0] ? ", mac " : "",
			       w->mac);
			continue;
		}
		compare(it, w, it->have);
	}
	for (size_t j = 0; j < n_have; j++) {
		const struct vm_observed *h = &have[j];
		bool wanted = false;
		for (size_t i = 0; i < n_want; i++)
			wanted |= !strcmp(want[i].domain, h->domain);
		if (wanted || !h->owned)
			continue; /* others' domains are none of hearth's business */
		struct vm_plan_item *it = &out->items[out->n++];
		it->action = VM_DESTROY;
		it->have = h;
		snprintf(it->domain, sizeof(it->domain), "%s", h->domain);
		CHANGE(it, "no longer in lab.vms (volumes %s, %s go too)",
		       h->applied.root_volume, h->applied.seed_volume);
	}
	return 0;
}

void vm_plan_free(struct vm_plan *p)
{
	if (!p)
		return;
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

bool vm_plan_has_changes(const struct vm_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].action != VM_LEAVE)
			return true;
	return false;
}

void vm_plan_print(const struct vm_plan *p, struct buf *b)
{
	static const char *const sign[] = {
		[VM_LEAVE] = " ", [VM_CREATE] = "+", [VM_UPDATE] = "~",
		[VM_REPLACE] = "-/+", [VM_DESTROY] = "-", [VM_CONFLICT] = "!",
	};
	size_t count[VM_CONFLICT + 1] = {0};
	for (size_t i = 0; i < p->n; i++) {
		const struct vm_plan_item *it = &p->items[i];
		count[it->action]++;
		buf_printf(b, "%s %s %s%s\n", sign[it->action],
			   vm_action_name(it->action), it->domain,
			   it->needs_restart ? " (needs restart)" : "");
		for (size_t k = 0; k < it->n_changes; k++)
			buf_printf(b, "    %s\n", it->changes[k]);
		for (size_t k = 0; k < it->n_drift; k++)
			buf_printf(b, "    drift: %s\n", it->drift[k]);
	}
	buf_printf(b, "plan: %zu to create, %zu to update, %zu to replace, "
		      "%zu to destroy, %zu unchanged%s\n", count[VM_CREATE],
		   count[VM_UPDATE], count[VM_REPLACE], count[VM_DESTROY],
		   count[VM_LEAVE],
		   count[VM_CONFLICT] ? ", conflicts: apply refuses" : "");
}
