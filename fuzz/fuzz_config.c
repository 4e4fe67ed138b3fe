/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the config loader on arbitrary bytes as a YAML file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct config *cfg = NULL;
	struct cfg_error err;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	int rc = config_load_buffer((const char *)data, size, "fuzz.yaml",
				    &cfg, &err);
	if (rc == 0) {
		/* A snapshot must be shareable: take and drop a reference. */
		config_unref(config_ref(cfg));
		config_unref(cfg);
	} else if (devnull) {
		config_error_print(&err, devnull);
	}
	return 0;
}
