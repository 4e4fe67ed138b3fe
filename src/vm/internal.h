/* SPDX-License-Identifier: MIT */
/* What the vm room's files share. */
#ifndef HEARTH_VM_INTERNAL_H
#define HEARTH_VM_INTERNAL_H

#include <stddef.h>

#include "core/cli.h"
#include "core/config.h"

/* The CA directory from the config named with -c (vm.ca_dir, else
 * STATE_DIR/ssh-ca), else /var/lib/hearth/ssh-ca. A cli_exit code. */
int vm_cli_config_ca_dir(struct cli *cli, char *out, size_t cap);

/* Loads the config named with -c (or the default path); a cli_exit code,
 * the reason on stderr. */
int vm_cli_load_config(struct cli *cli, struct config **cfg);

/* The `hearth ssh …` commands (ssh_cli.c). */
int vm_cli_ssh_ca_init(struct cli *cli, int argc, char **argv);
int vm_cli_ssh_sign_user(struct cli *cli, int argc, char **argv);
int vm_cli_ssh_sign_host(struct cli *cli, int argc, char **argv);
int vm_cli_ssh_krl(struct cli *cli, int argc, char **argv);
int vm_cli_ssh_show(struct cli *cli, int argc, char **argv);

#endif
