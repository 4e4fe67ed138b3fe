/* SPDX-License-Identifier: MIT */
/* `hearth net plan|apply|check`: lab:'s links and policy on this host, offline (no daemon), from -c FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/apply.h"
#include "net/config.h"
#include "net/internal.h"
#include "net/net_room.h"

const char *net_this_host(const struct cfg_lab *lab, const char *configured,
			  char *buf, size_t cap)
{
	if (configured)
		return configured;
	if (gethostname(buf, cap) < 0)
		return NULL;
	buf[cap - 1] = '\0';
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = '\0';
	for (size_t i = 0; i < lab->n_hosts; i++)
		if (strcmp(lab->hosts[i].name, buf) == 0)
			return buf;
	return NULL;
}

struct net_args {
	const char *config, *host;
};

static int take_args(struct cli *cli, int argc, char **argv,
		     struct net_args *a)
{
	a->config = cli->config;
	a->host = NULL;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];
		if (i + 1 < argc && (!strcmp(o, "-c") || !strcmp(o, "--config")))
			a->config = argv[++i];
		else if (i + 1 < argc && !strcmp(o, "--host"))
			a->host = argv[++i];
		else
			return cli_bad_args();
	}
	if (!a->config) {
		fprintf(stderr, "hearth: net commands need the config: -c FILE\n");
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Loads the config; *host is the lab host to plan for. */
static int load(struct cli *cli, int argc, char **argv, struct config **cfg,
		const char **host, char *buf, size_t cap)
{
	struct net_args a;
	struct cfg_error err;
	int rc = take_args(cli, argc, argv, &a);
	if (rc)
		return rc;
	if (config_load_file(cli->schema, a.config, cfg, &err)) {
		config_error_print(&err, stderr);
		return CLI_FAILED;
	}
	const struct cfg_net *n = net_config(*cfg);
	*host = net_this_host(&(*cfg)->lab, a.host ? a.host : n ? n->host : NULL,
			      buf, cap);
	return CLI_OK;
}

static int sync_cmd(struct cli *cli, int argc, char **argv, bool apply)
{
	struct config *cfg = NULL;
	struct net_result res;
	const char *host;
	char buf[256], err[512];
	int rc = load(cli, argc, argv, &cfg, &host, buf, sizeof(buf));
	if (rc)
		return rc;
	rc = net_sync(&cfg->lab, host, apply, stdout, &res, err, sizeof(err));
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "hearth: net %s: %s\n", apply ? "apply" : "plan",
			err);
		rc = CLI_FAILED;
	} else if (res.conflicts) {
		rc = CLI_FAILED;
	} else if (apply) {
		printf("%s\n", res.applied ? "applied" : "nothing to change");
	}
	config_unref(cfg);
	return rc;
}

static int cmd_plan(struct cli *cli, int argc, char **argv)
{
	return sync_cmd(cli, argc, argv, false);
}

static int cmd_apply(struct cli *cli, int argc, char **argv)
{
	return sync_cmd(cli, argc, argv, true);
}

static int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct config *cfg = NULL;
	const char *host;
	char buf[256];
	bool fine = false;
	int rc = load(cli, argc, argv, &cfg, &host, buf, sizeof(buf));
	if (rc)
		return rc;
	rc = net_check_run(&cfg->lab, host, stdout, &fine);
	fflush(stdout);
	config_unref(cfg);
	return rc || !fine ? CLI_FAILED : CLI_OK;
}

const struct cli_command net_cli_commands[] = {
	{"net plan", "[-c FILE] [--host NAME]",
	 "the links (VLAN sub-interfaces, bridges) and table inet hearth lab: "
	 "wants on this host: create, change, leave, remove",
	 0, 4, cmd_plan},
	{"net apply", "[-c FILE] [--host NAME]",
	 "make this host's links and table inet hearth as lab: says (rolled "
	 "back when a step fails)",
	 0, 4, cmd_apply},
	{"net check", "[-c FILE] [--host NAME]",
	 "ping between this host and the lab hosts that have a network "
	 "namespace of their name; a matrix against lab.policy",
	 0, 4, cmd_check},
	{NULL, NULL, NULL, 0, 0, NULL},
};
