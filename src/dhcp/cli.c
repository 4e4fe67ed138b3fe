/* SPDX-License-Identifier: MIT */
/* The dhcp room's CLI commands: the leases as the daemon holds them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp/dhcp_room.h"

static int cmd_dhcp_leases(struct cli *cli, int argc, char **argv)
{
	json_t *leases = NULL;
	int rc = cli_get_or_dump(cli, "dhcp leases", "/api/v1/dhcp/leases", argc,
			     argv, &leases);
	if (rc || !leases)
		return rc;
	printf("%-15s  %-17s  %-20s  %-8s  %s\n", "IP", "MAC", "HOSTNAME",
	       "STATE", "EXPIRES");
	size_t i;
	json_t *l;
	json_array_foreach(leases, i, l) {
		time_t exp = (time_t)json_integer_value(json_object_get(l, "expires"));
		char when[32];
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime_r(&exp, &tm));
		const char *host = cli_str_or(l, "hostname", "");
		printf("%-15s  %-17s  %-20s  %-8s  %s\n", cli_str_or(l, "ip", "?"),
		       cli_str_or(l, "mac", "?"), *host ? host : "-",
		       cli_str_or(l, "state", "?"), when);
	}
	json_decref(leases);
	return CLI_OK;
}

const struct cli_command dhcp_cli_commands[] = {
	{"dhcp leases", "[--json]", "list the DHCP leases", 0, 1,
	 cmd_dhcp_leases},
	{NULL, NULL, NULL, 0, 0, NULL},
};
