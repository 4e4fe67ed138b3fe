/* SPDX-License-Identifier: MIT */
/* The vm room's use of libvirt's C API: reading domains, and carrying out a plan (volumes in a pool, the seed uploaded, the domain defined, autostart, start). */
#ifndef HEARTH_VM_VIRT_H
#define HEARTH_VM_VIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "vm/ca.h"
#include "vm/plan.h"
#include "vm/spec.h"

/* One connection to a hypervisor; blocking calls, one thread. */
struct vm_conn;

int vm_conn_open(const char *uri, struct vm_conn **out, struct vm_err *err);
void vm_conn_close(struct vm_conn *c);
/* libvirt's connection (for console streams). */
void *vm_conn_virt(struct vm_conn *c);

/* Every domain the hypervisor has defined (malloc'd array, caller
 * frees): its persistent XML read, running and autostart filled. */
int vm_conn_list(struct vm_conn *c, struct vm_observed **out, size_t *n,
		 struct vm_err *err);

/*
 * Carries out @it (not LEAVE or CONFLICT) on @c; @iso (may be NULL for
 * destroy) is the VM's cidata seed. Messages of what was done go to
 * @log (one per line). 0, or a negative code with @err filled; what
 * an earlier step made stays (the next plan shows it).
 */
int vm_conn_apply(struct vm_conn *c, const struct vm_plan_item *it,
		  const unsigned char *iso, size_t iso_len, struct buf *log,
		  struct vm_err *err);

/* Start / shut down (force: power off) / the domain's state. */
int vm_conn_start(struct vm_conn *c, const char *domain, struct vm_err *err);
int vm_conn_stop(struct vm_conn *c, const char *domain, bool force,
		 struct vm_err *err);

#endif
