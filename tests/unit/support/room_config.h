/* SPDX-License-Identifier: MIT */
/* Config loading for unit tests: hearthd's schema (core's keys and every room's), a load that must pass, one that must be refused. */
#ifndef HEARTH_TESTS_ROOM_CONFIG_H
#define HEARTH_TESTS_ROOM_CONFIG_H

#include "core/config_schema.h"

/* The schema hearthd reads its config with (built once; static). */
const struct config_schema *unit_schema(void);

/* @yaml (named "t.yaml") loaded through unit_schema(); the test fails
 * with the refusal when it is refused. The caller unrefs the config. */
struct config *unit_load_ok(const char *yaml);

/* @yaml must be refused at @line:@col with every word of @words
 * (NULL-terminated) in the message; the test fails otherwise. */
void unit_refused(const char *yaml, int line, int col,
		  const char *const *words);

#endif
