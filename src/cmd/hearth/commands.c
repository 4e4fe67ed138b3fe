/* SPDX-License-Identifier: MIT */
/* The CLI's commands: one table feeds dispatch and help. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/hearth/cli.h"
#include "core/config.h"

static int cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	printf("hearth %s\n", HEARTH_VERSION);
	return CLI_OK;
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	cli_usage(stdout);
	return CLI_OK;
}

static int cmd_config_check(struct cli *cli, int argc, char **argv)
{
	struct config *cfg = NULL;
	struct cfg_error err;
	(void)cli;
	(void)argc;
	if (config_load_file(argv[0], &cfg, &err)) {
		config_error_print(&err, stderr);
		return CLI_FAILED;
	}
	config_unref(cfg);
	printf("%s: ok\n", argv[0]);
	return CLI_OK;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

/*
 * GETs @path for a command that takes an optional --json: with it, the
 * JSON is printed as it came and *out stays NULL; without it, *out holds
 * the parsed answer for the command to present. Returns an exit code.
 */
static int get_or_dump(struct cli *cli, const char *cmd, const char *path,
		       int argc, char **argv, json_t **out)
{
	bool as_json = argc == 1 && strcmp(argv[0], "--json") == 0;
	*out = NULL;
	if (argc == 1 && !as_json) {
		fprintf(stderr, "hearth %s: unknown option '%s'\n", cmd,
			argv[0]);
		return CLI_USAGE;
	}
	json_t *j = NULL;
	int rc = cli_request_json(cli, "GET", path, &j);
	if (rc)
		return rc;
	if (as_json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
		return CLI_OK;
	}
	*out = j;
	return CLI_OK;
}

static int cmd_status(struct cli *cli, int argc, char **argv)
{
	json_t *st = NULL;
	int rc = get_or_dump(cli, "status", "/api/v1/status", argc, argv, &st);
	if (rc || !st)
		return rc;
	json_t *store = json_object_get(st, "store");
	printf("hearthd %s  pid %lld  up %.0f s  (%s)\n",
	       str_or(st, "version", "?"),
	       (long long)json_integer_value(json_object_get(st, "pid")),
	       json_number_value(json_object_get(st, "uptime_seconds")),
	       cli->url);
	printf("config     %s\n", str_or(st, "config", "?"));
	printf("state_dir  %s (schema %lld, started %lld times)\n",
	       str_or(st, "state_dir", "?"),
	       (long long)json_integer_value(
		       json_object_get(store, "schema_version")),
	       (long long)json_integer_value(json_object_get(store, "starts")));
	json_t *lab = json_object_get(st, "lab");
	if (lab)
		printf("lab        %s: %lld networks, %lld hosts\n",
		       str_or(lab, "domain", "?"),
		       (long long)json_integer_value(
			       json_object_get(lab, "networks")),
		       (long long)json_integer_value(
			       json_object_get(lab, "hosts")));
	printf("rooms\n");
	const char *name;
	json_t *v;
	json_object_foreach(json_object_get(st, "rooms"), name, v)
		printf("  %-10s %s\n", name, json_string_value(v) ?
					     json_string_value(v) : "?");
	json_decref(st);
	return CLI_OK;
}

static int cmd_reload(struct cli *cli, int argc, char **argv)
{
	json_t *res = NULL;
	(void)argc;
	(void)argv;
	int rc = cli_request_json(cli, "POST", "/api/v1/reload", &res);
	if (rc)
		return rc;
	printf("reloaded\n");
	size_t i;
	json_t *key;
	json_array_foreach(json_object_get(res, "restart_needed"), i, key)
		printf("  %s changed: takes effect at restart\n",
		       json_string_value(key));
	json_decref(res);
	return CLI_OK;
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hearth: %s: %s\n", path, strerror(errno));
		return CLI_FAILED;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	bool err = ferror(f);
	fclose(f);
	if (!buf || err) {
		free(buf);
		fprintf(stderr, "hearth: cannot read %s\n", path);
		return CLI_FAILED;
	}
	*out = buf;
	*len = n;
	return CLI_OK;
}

static int cmd_dns_import(struct cli *cli, int argc, char **argv)
{
	char *data = NULL, *resp = NULL, path[512];
	size_t len = 0;
	(void)argc;
	int rc = read_all(argv[1], &data, &len);
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

static int cmd_dhcp_leases(struct cli *cli, int argc, char **argv)
{
	json_t *leases = NULL;
	int rc = get_or_dump(cli, "dhcp leases", "/api/v1/dhcp/leases", argc,
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
		const char *host = str_or(l, "hostname", "");
		printf("%-15s  %-17s  %-20s  %-8s  %s\n", str_or(l, "ip", "?"),
		       str_or(l, "mac", "?"), *host ? host : "-",
		       str_or(l, "state", "?"), when);
	}
	json_decref(leases);
	return CLI_OK;
}

const struct cli_command cli_commands[] = {
	{"version", "", "print the version", 0, 0, cmd_version},
	{"help", "", "this text", 0, 0, cmd_help},
	{"config check", "FILE", "validate a config file (offline)", 1, 1,
	 cmd_config_check},
	{"status", "[--json]", "ask the daemon how it and its rooms are", 0, 1,
	 cmd_status},
	{"reload", "", "make the daemon re-read its config file (like SIGHUP)",
	 0, 0, cmd_reload},
	{"dns import", "ZONE FILE",
	 "replace ZONE with the RFC 1035 zone file FILE", 2, 2,
	 cmd_dns_import},
	{"dns export", "ZONE", "print ZONE as an RFC 1035 zone file", 1, 1,
	 cmd_dns_export},
	{"dhcp leases", "[--json]", "list the DHCP leases", 0, 1,
	 cmd_dhcp_leases},
};
const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);
