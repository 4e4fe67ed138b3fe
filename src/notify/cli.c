/* SPDX-License-Identifier: MIT */
/* The notify room's CLI commands (none yet: users and tokens come with access control). */
#include "notify/notify_room.h"

const struct cli_command notify_cli_commands[] = {
	{NULL, NULL, NULL, 0, 0, NULL},
};
