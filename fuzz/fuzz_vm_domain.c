/* SPDX-License-Identifier: MIT */
/* libFuzzer target: domain XML as a hypervisor returns it (the vm room's reader of live state and hearth's metadata). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_observed o;
	const char *why = NULL;
	int rc = vm_domain_parse((const char *)data, size, &o, &why);
	if (rc && !why)
		abort();
	if (!rc && (!o.domain[0] || o.applied.n_disks > VM_MAX_DISKS ||
		    strlen(o.mac) >= sizeof(o.mac)))
		abort();
	return 0;
}
