/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the config loader on arbitrary bytes as a YAML file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd/rooms.h"
#include "core/config.h"
#include "core/config_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static struct config_schema schema;
	struct config *cfg = NULL;
	struct cfg_error err;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		config_schema_init(&schema, hearth_rooms);
	}
	int rc = config_load_buffer(&schema, (const char *)data, size,
				    "fuzz.yaml", &cfg, &err);
	if (rc == 0) {
		/* A snapshot must be shareable: take and drop a reference. */
		config_unref(config_ref(cfg));
		config_unref(cfg);
	} else if (devnull) {
		config_error_print(&err, devnull);
	}
	return 0;
}
