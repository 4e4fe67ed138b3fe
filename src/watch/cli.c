/* SPDX-License-Identifier: MIT */
/* The watch room's CLI commands: monitors and their state as the daemon holds them. */
#include <stdio.h>

#include "watch/watch_room.h"

const struct cli_command watch_cli_commands[] = {
	{.name = NULL},
};
