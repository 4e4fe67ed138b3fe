/* SPDX-License-Identifier: MIT */
/* Planning, Terraform-style: desired VMs against the domains a hypervisor shows -> create/update/replace/destroy with reasons, restarts and drift. Pure: no libvirt, no clock. */
#ifndef HEARTH_VM_PLAN_H
#define HEARTH_VM_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "vm/spec.h"

enum vm_action {
	VM_LEAVE,    /* as wanted */
	VM_CREATE,   /* not defined yet */
	VM_UPDATE,   /* redefine in place (maybe: needs a restart) */
	VM_REPLACE,  /* destroy and create: a new root volume */
	VM_DESTROY,  /* hearth's, no longer in lab.vms */
	VM_CONFLICT, /* a domain of that name that hearth did not define */
};

#define VM_PLAN_MAX_NOTES 16

struct vm_plan_item {
	enum vm_action action;
	char domain[VM_NAME_MAX];
	const struct vm_spec *want;	/* NULL for destroy */
	const struct vm_observed *have; /* NULL for create */
	/* "memory: 512 MiB -> 1024 MiB", "image changed: ..." */
	char changes[VM_PLAN_MAX_NOTES][192];
	size_t n_changes;
	/* "memory is 2048 MiB on the hypervisor; hearth applied 512 MiB" */
	char drift[VM_PLAN_MAX_NOTES][192];
	size_t n_drift;
	bool needs_restart; /* running, and a change only a restart applies */
	bool resize_root;   /* disk_size grew: resize the overlay */
	bool new_seed;	    /* the seed's content changed: rebuild it */
};

/* A plan: items in the order of @want, then the destroys. Owned by the
 * caller (vm_plan_free). Pointers into @want and @have, which must
 * outlive it. */
struct vm_plan {
	struct vm_plan_item *items;
	size_t n;
};

/* 0 or -ENOMEM. */
int vm_plan_make(const struct vm_spec *want, size_t n_want,
		 const struct vm_observed *have, size_t n_have,
		 struct vm_plan *out);
void vm_plan_free(struct vm_plan *p);

/* "create", "update", ... */
const char *vm_action_name(enum vm_action a);

/* The plan for people: one line per VM ("+ create web", "~ update db
 * (needs restart)", "-/+ replace ...", "- destroy ...", "! conflict
 * ..."), its changes and drift indented, then a summary line. */
void vm_plan_print(const struct vm_plan *p, struct buf *b);

/* True when applying would change something. */
bool vm_plan_has_changes(const struct vm_plan *p);

#endif
