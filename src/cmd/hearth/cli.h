/* SPDX-License-Identifier: MIT */
/* The hearth CLI's own commands (rooms bring theirs through the room table). */
#ifndef HEARTH_CMD_CLI_H
#define HEARTH_CMD_CLI_H

#include <stdio.h>

#include "core/cli.h"

/* Core's commands: version, help, config check, status, reload. */
extern const struct cli_command cli_commands[];
extern const size_t cli_n_commands;

/* Prints the general usage, every command of core and the rooms, to @f. */
void cli_usage(FILE *f);
/* The same list as JSON: [{"command", "args", "help"}] (caller owns). */
json_t *cli_commands_json(void);

#endif
