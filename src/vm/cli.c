/* SPDX-License-Identifier: MIT */
/* The vm room's config look-ups for its commands. */
#include <stdio.h>
#include <string.h>

#include "vm/config.h"
#include "vm/internal.h"

int vm_cli_load_config(struct cli *cli, struct config **cfg)
{
	struct cfg_error err;
	const char *path = cli->config ? cli->config : "/etc/hearth/hearth.yaml";
	if (!cli->schema || config_load_file(cli->schema, path, cfg, &err)) {
		if (cli->schema)
			config_error_print(&err, stderr);
		return CLI_FAILED;
	}
	return CLI_OK;
}

int vm_cli_config_ca_dir(struct cli *cli, char *out, size_t cap)
{
	struct config *cfg = NULL;
	if (!cli->config) {
		snprintf(out, cap, "/var/lib/hearth/ssh-ca");
		return CLI_OK;
	}
	int rc = vm_cli_load_config(cli, &cfg);
	if (rc)
		return rc;
	const struct cfg_vmroom *v = vm_config(cfg);
	if (v && v->ca_dir)
		snprintf(out, cap, "%s", v->ca_dir);
	else
		snprintf(out, cap, "%s/ssh-ca", cfg->state_dir);
	config_unref(cfg);
	return CLI_OK;
}
