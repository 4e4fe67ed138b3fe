/* SPDX-License-Identifier: MIT */
/* The vm room's command table (hearth vm …, hearth ssh …) and its config look-ups. */
#include <stdio.h>
#include <string.h>

#include "vm/config.h"
#include "vm/internal.h"
#include "vm/vm_room.h"

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

const struct cli_command vm_cli_commands[] = {
	{"ssh ca init", "[--dir DIR] [--comment TEXT]",
	 "create the lab's SSH certificate authority (DIR/ca, DIR/ca.pub; "
	 "default STATE_DIR/ssh-ca)", 0, 4, vm_cli_ssh_ca_init},
	{"ssh sign-user", "--ca DIR --principal NAME[,NAME] [--validity +1h] "
			  "[--serial N] [--id KEYID] [--force-command CMD] "
			  "[--source-address CIDR,...] [--no-pty ...] KEY.pub",
	 "sign a user key: writes KEY-cert.pub beside it", 1, 40,
	 vm_cli_ssh_sign_user},
	{"ssh sign-host", "--ca DIR --principal NAME[,NAME] [--validity +52w] "
			  "[--serial N] [--id KEYID] KEY.pub",
	 "sign a host key: writes KEY-cert.pub beside it", 1, 40,
	 vm_cli_ssh_sign_host},
	{"ssh krl", "--ca DIR [--out FILE] [--update] [--serial N[-M]]... "
		    "[--id KEYID]... [KEY.pub|CERT.pub]...",
	 "write the CA's key revocation list (OpenSSH KRL; default "
	 "DIR/revoked.krl) for sshd's RevokedKeys", 0, 200, vm_cli_ssh_krl},
	{"ssh show", "CERT.pub", "print a certificate's fields, checking its "
				  "signature", 1, 1, vm_cli_ssh_show},
	{NULL, NULL, NULL, 0, 0, NULL},
};
