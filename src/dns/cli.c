/* SPDX-License-Identifier: MIT */
/* The dns room's CLI commands: zone files in and out through the daemon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_room.h"

static int cmd_dns_import(struct cli *cli, int argc, char **argv)
{
	char *data = NULL, *resp = NULL, path[512];
	size_t len = 0;
	(void)argc;
	int rc = cli_read_file(argv[1], &data, &len);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/dns/zones/%s/file", argv[0]);
	rc = cli_request(cli, "PUT", path, data, len, "text/plain", &resp,
			 NULL);
	free(data);
	if (rc)
		return rc;
	json_error_t jerr;
	json_t *j = json_loads(resp, 0, &jerr);
	printf("%s: %lld records imported\n", argv[0],
	       (long long)json_integer_value(json_object_get(j, "records")));
	json_decref(j);
	free(resp);
	return CLI_OK;
}

static int cmd_dns_export(struct cli *cli, int argc, char **argv)
{
	char path[512], *text = NULL;
	size_t len = 0;
	size_t n = strlen(argv[0]);
	(void)argc;
	snprintf(path, sizeof(path), "/api/v1/servers/localhost/zones/%s%s/export",
		 argv[0], n && argv[0][n - 1] == '.' ? "" : ".");
	int rc = cli_request(cli, "GET", path, NULL, 0, NULL, &text, &len);
	if (rc)
		return rc;
	/* PowerDNS's export is JSON {"zone": text}; plain text is taken
	 * as it is. */
	json_error_t jerr;
	json_t *j = json_loadb(text, len, 0, &jerr);
	const char *z = json_string_value(json_object_get(j, "zone"));
	if (z)
		fputs(z, stdout);
	else
		fwrite(text, 1, len, stdout);
	json_decref(j);
	free(text);
	return CLI_OK;
}

const struct cli_command dns_cli_commands[] = {
	{"dns import", "ZONE FILE",
	 "replace ZONE with the RFC 1035 zone file FILE", 2, 2,
	 cmd_dns_import},
	{"dns export", "ZONE", "print ZONE as an RFC 1035 zone file", 1, 1,
	 cmd_dns_export},
	{NULL, NULL, NULL, 0, 0, NULL},
};
