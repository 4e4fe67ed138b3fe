/* SPDX-License-Identifier: MIT */
/* The CLI's commands: one table feeds dispatch and help. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/hearth/cli.h"
#include "core/config.h"
#include "core/room.h"
#include "core/store.h"

static int cmd_version(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	bool json = cli_take_json(&argc, argv);
	if (argc)
		return cli_bad_args();
	if (json)
		cli_print_json(json_pack("{s:s}", "version", HEARTH_VERSION));
	else
		printf("hearth %s\n", HEARTH_VERSION);
	return CLI_OK;
}

static int cmd_help(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	bool json = cli_take_json(&argc, argv);
	if (argc)
		return cli_bad_args();
	if (json)
		cli_print_json(cli_commands_json());
	else
		cli_usage(stdout);
	return CLI_OK;
}

static int cmd_config_check(struct cli *cli, int argc, char **argv)
{
	struct config *cfg = NULL;
	struct cfg_error err;
	bool json = cli_take_json(&argc, argv);
	struct room_check_summary sum;
	char line[256];
	if (argc != 1)
		return cli_bad_args();
	if (config_load_file(cli->schema, argv[0], &cfg, &err)) {
		config_error_print(&err, stderr);
		if (json)
			cli_print_json(json_pack("{s:s, s:b}", "file", argv[0],
						 "ok", 0));
		return CLI_FAILED;
	}
	int rc = room_check_all(cfg, &err, &sum);
	config_unref(cfg);
	if (rc) {
		config_error_print(&err, stderr);
		if (json)
			cli_print_json(json_pack("{s:s, s:b}", "file", argv[0],
						 "ok", 0));
		return CLI_FAILED;
	}
	room_check_summary_format(&sum, line, sizeof(line));
	if (json)
		cli_print_json(json_pack("{s:s, s:b, s:s}", "file", argv[0],
					 "ok", 1, "summary", line));
	else
		printf("%s: %s\n", argv[0], line);
	return CLI_OK;
}

static int cmd_status(struct cli *cli, int argc, char **argv)
{
	json_t *st = NULL;
	int rc = cli_get_or_dump(cli, "status", "/api/v1/status", argc, argv, &st);
	if (rc || !st)
		return rc;
	json_t *store = json_object_get(st, "store");
	char up[64];
	cli_duration(json_number_value(json_object_get(st, "uptime_seconds")),
		     up, sizeof(up));
	printf("hearthd %s  pid %lld  up %s  (%s)\n",
	       cli_str_or(st, "version", "?"),
	       (long long)json_integer_value(json_object_get(st, "pid")), up,
	       cli->url);
	printf("config     %s\n", cli_str_or(st, "config", "?"));
	printf("state_dir  %s (schema %lld, started %lld times)\n",
	       cli_str_or(st, "state_dir", "?"),
	       (long long)json_integer_value(
		       json_object_get(store, "schema_version")),
	       (long long)json_integer_value(json_object_get(store, "starts")));
	json_t *lab = json_object_get(st, "lab");
	if (lab)
		printf("lab        %s: %lld networks, %lld hosts\n",
		       cli_str_or(lab, "domain", "?"),
		       (long long)json_integer_value(
			       json_object_get(lab, "networks")),
		       (long long)json_integer_value(
			       json_object_get(lab, "hosts")));
	printf("rooms\n");
	const char *name;
	json_t *v;
	struct cli_table t;
	cli_table_init(&t, 3);
	json_object_foreach(json_object_get(st, "rooms"), name, v)
		cli_table_row(&t, "", name, json_string_value(v) ?
					  json_string_value(v) : "?");
	cli_table_print(&t, stdout);
	json_decref(st);
	return CLI_OK;
}

static int cmd_reload(struct cli *cli, int argc, char **argv)
{
	json_t *res = NULL;
	bool json = cli_take_json(&argc, argv);
	if (argc)
		return cli_bad_args();
	int rc = cli_request_json(cli, "POST", "/api/v1/reload", &res);
	if (rc)
		return rc;
	if (json) {
		cli_print_json(res);
		return CLI_OK;
	}
	printf("reloaded\n");
	size_t i;
	json_t *key;
	json_array_foreach(json_object_get(res, "restart_needed"), i, key)
		printf("  %s changed: takes effect at restart\n",
		       json_string_value(key));
	json_decref(res);
	return CLI_OK;
}

/*
 * The database file of `store check|recover`: --state-dir DIR, or the
 * state_dir of -c FILE (given after the command or before it).
 */
static int store_path_of(struct cli *cli, int argc, char **argv,
			 char *path, size_t n)
{
	const char *dir = NULL, *config = cli->config;
	for (int i = 0; i < argc; i++) {
		bool more = i + 1 < argc;
		if (more && !strcmp(argv[i], "--state-dir"))
			dir = argv[++i];
		else if (more && (!strcmp(argv[i], "-c") ||
				  !strcmp(argv[i], "--config")))
			config = argv[++i];
		else {
			fprintf(stderr, "hearth: unknown or incomplete "
					"argument '%s'\n", argv[i]);
			return CLI_USAGE;
		}
	}
	if (dir) {
		snprintf(path, n, "%s/hearth.db", dir);
		return CLI_OK;
	}
	if (!config) {
		fprintf(stderr, "hearth: which store? give -c FILE or "
				"--state-dir DIR\n");
		return CLI_USAGE;
	}
	struct config *cfg = NULL;
	struct cfg_error err;
	if (config_load_file(cli->schema, config, &cfg, &err)) {
		config_error_print(&err, stderr);
		return CLI_FAILED;
	}
	snprintf(path, n, "%s/hearth.db", cfg->state_dir);
	config_unref(cfg);
	return CLI_OK;
}

static void print_problem(const char *text, void *ud)
{
	fprintf(ud, "  %s\n", text);
}

static void problem_to_json(const char *text, void *ud)
{
	json_array_append_new(ud, json_string(text));
}

static int cmd_store_check(struct cli *cli, int argc, char **argv)
{
	char path[4096], why[512] = "";
	int problems = 0;
	bool json = cli_take_json(&argc, argv);
	int rc = store_path_of(cli, argc, argv, path, sizeof(path));
	if (rc)
		return rc;
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "hearth: no database at %s\n", path);
		return CLI_FAILED;
	}
	if (json) {
		json_t *list = json_array();
		if (store_check(path, problem_to_json, list, &problems, why,
				sizeof(why))) {
			fprintf(stderr, "hearth: %s\n", why);
			json_decref(list);
			return CLI_FAILED;
		}
		cli_print_json(json_pack("{s:s, s:b, s:o}", "database", path,
					 "ok", !problems, "problems", list));
		return problems ? CLI_FAILED : CLI_OK;
	}
	printf("%s: integrity check\n", path);
	fflush(stdout);
	if (store_check(path, print_problem, stdout, &problems, why,
			sizeof(why))) {
		fprintf(stderr, "hearth: %s\n", why);
		return CLI_FAILED;
	}
	if (!problems) {
		printf("%s: ok\n", path);
		return CLI_OK;
	}
	printf("%s: damaged (%d problem%s); restore it from a backup, or "
	       "run `hearth store recover` with hearthd stopped\n",
	       path, problems, problems == 1 ? "" : "s");
	return CLI_FAILED;
}

static int cmd_store_recover(struct cli *cli, int argc, char **argv)
{
	char path[4096], why[1024] = "";
	struct store_recovery r;
	bool json = cli_take_json(&argc, argv);
	int rc = store_path_of(cli, argc, argv, path, sizeof(path));
	if (rc)
		return rc;
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "hearth: no database at %s\n", path);
		return CLI_FAILED;
	}
	if (store_recover(path, &r, why, sizeof(why))) {
		fprintf(stderr, "hearth: recover failed: %s\n", why);
		return CLI_FAILED;
	}
	if (json) {
		cli_print_json(json_pack(
			"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s}",
			"database", path, "rows", (json_int_t)r.rows, "tables",
			(json_int_t)r.tables, "damaged_ranges",
			(json_int_t)r.damaged_ranges, "tables_lost",
			(json_int_t)r.tables_lost, "rows_lost",
			(json_int_t)r.rows_lost, "orphans", (json_int_t)r.orphans,
			"schema_lost", (json_int_t)r.schema_lost,
			"schema_damaged", r.schema_damaged, "damaged_path",
			r.damaged_path));
		return CLI_OK;
	}
	printf("%s: recovered %zu rows in %zu tables\n", path, r.rows,
	       r.tables);
	if (r.damaged_ranges || r.tables_lost || r.rows_lost ||
	    r.schema_lost || r.orphans || r.schema_damaged)
		printf("  lost: %zu damaged stretches skipped, %zu tables "
		       "unreadable, %zu rows refused, %zu rows without their "
		       "parent, %zu indexes/triggers/views%s\n",
		       r.damaged_ranges, r.tables_lost, r.rows_lost, r.orphans,
		       r.schema_lost,
		       r.schema_damaged ? "; the schema itself was damaged" : "");
	printf("  the damaged file is kept as %s\n", r.damaged_path);
	return CLI_OK;
}

const struct cli_command cli_commands[] = {
	{"version", "[--json]", "print the version", 0, 1, cmd_version},
	{"help", "[--json]", "this text", 0, 1, cmd_help},
	{"config check", "FILE [--json]", "validate a config file (offline)",
	 1, 2, cmd_config_check},
	{"status", "[--json]", "ask the daemon how it and its rooms are", 0, 1,
	 cmd_status},
	{"reload", "[--json]",
	 "make the daemon re-read its config file (like SIGHUP)", 0, 1,
	 cmd_reload},
	{"store check", "[-c FILE | --state-dir DIR] [--json]",
	 "check the database for damage (offline)", 0, 3, cmd_store_check},
	{"store recover", "[-c FILE | --state-dir DIR] [--json]",
	 "rebuild a damaged database from what can be read (offline, "
	 "hearthd stopped)", 0, 3, cmd_store_recover},
};
const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);
