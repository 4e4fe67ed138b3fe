/* SPDX-License-Identifier: MIT */
/* The notify room's CLI: `hearth notify user|token|access`, through the daemon's management API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify/notify_room.h"

/* The password: $HEARTH_NOTIFY_PASSWORD, else the first line of stdin
 * (so it is in neither argv nor the shell's history). */
static int read_password(char *out, size_t cap)
{
	const char *env = getenv("HEARTH_NOTIFY_PASSWORD");
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return 0;
	}
	if (!fgets(out, (int)cap, stdin))
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return *out ? 0 : -1;
}

static int cmd_user_add(struct cli *cli, int argc, char **argv)
{
	const char *role = "user";
	if (argc == 3 && strcmp(argv[1], "--role") == 0)
		role = argv[2];
	else if (argc != 1)
		return cli_bad_args();
	char pass[256];
	if (read_password(pass, sizeof(pass))) {
		fprintf(stderr, "hearth: no password: set HEARTH_NOTIFY_PASSWORD "
				"or give it on stdin\n");
		return CLI_USAGE;
	}
	json_t *body = json_pack("{s:s, s:s, s:s}", "name", argv[0], "password",
				 pass, "role", role);
	memset(pass, 0, sizeof(pass));
	json_t *res = NULL;
	int rc = cli_send_json(cli, "POST", "/api/v1/notify/users", body, &res);
	json_decref(body);
	if (!rc)
		printf("user %s added (%s)\n", argv[0], role);
	json_decref(res);
	return rc;
}

static int del(struct cli *cli, const char *what, const char *key)
{
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/notify/%ss/%s", what, key);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "DELETE", path, NULL, &res);
	json_decref(res);
	if (!rc)
		printf("%s %s deleted\n", what, key);
	return rc;
}

static int cmd_user_del(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	return del(cli, "user", argv[0]);
}

static int cmd_user_list(struct cli *cli, int argc, char **argv)
{
	json_t *users = NULL;
	int rc = cli_get_or_dump(cli, "notify user list", "/api/v1/notify/users",
				 argc, argv, &users);
	if (rc || !users)
		return rc;
	struct cli_table t;
	cli_table_init(&t, 4);
	cli_table_row(&t, "USER", "ROLE", "TOKENS", "ACCESS");
	size_t i;
	json_t *u;
	json_array_foreach(users, i, u) {
		char tokens[16], access[512] = "";
		snprintf(tokens, sizeof(tokens), "%lld",
			 (long long)json_integer_value(json_object_get(u, "tokens")));
		size_t k, w = 0;
		json_t *a;
		json_array_foreach(json_object_get(u, "access"), k, a)
			if (w < sizeof(access))
				w += (size_t)snprintf(access + w, sizeof(access) - w,
						      "%s%s:%s", k ? " " : "",
						      cli_str_or(a, "topic", "?"),
						      cli_str_or(a, "perm", "?"));
		cli_table_row(&t, cli_str_or(u, "name", "?"),
			      cli_str_or(u, "role", "?"), tokens,
			      w ? access : "-");
	}
	cli_table_print(&t, stdout);
	json_decref(users);
	return CLI_OK;
}

static int cmd_token_add(struct cli *cli, int argc, char **argv)
{
	json_t *body = json_pack("{s:s, s:s}", "user", argv[0], "label",
				 argc > 1 ? argv[1] : "");
	json_t *res = NULL;
	int rc = cli_send_json(cli, "POST", "/api/v1/notify/tokens", body, &res);
	json_decref(body);
	if (!rc)
		printf("%s\n", cli_str_or(res, "token", "?"));
	json_decref(res);
	return rc;
}

static int cmd_token_list(struct cli *cli, int argc, char **argv)
{
	json_t *tokens = NULL;
	int rc = cli_get_or_dump(cli, "notify token list", "/api/v1/notify/tokens",
				 argc, argv, &tokens);
	if (rc || !tokens)
		return rc;
	struct cli_table t;
	cli_table_init(&t, 4);
	cli_table_row(&t, "TOKEN", "USER", "LABEL", "CREATED");
	size_t i;
	json_t *k;
	json_array_foreach(tokens, i, k) {
		time_t at = (time_t)json_integer_value(json_object_get(k, "created"));
		char when[32];
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime_r(&at, &tm));
		const char *label = cli_str_or(k, "label", "");
		cli_table_row(&t, cli_str_or(k, "token", "?"),
			      cli_str_or(k, "user", "?"), *label ? label : "-",
			      when);
	}
	cli_table_print(&t, stdout);
	json_decref(tokens);
	return CLI_OK;
}

static int cmd_token_del(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	return del(cli, "token", argv[0]);
}

static int cmd_access(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	json_t *body = json_pack("{s:s, s:s, s:s}", "user", argv[0], "topic",
				 argv[1], "perm", argv[2]);
	json_t *res = NULL;
	int rc = cli_send_json(cli, "PUT", "/api/v1/notify/access", body, &res);
	json_decref(body);
	if (!rc)
		printf("%s may %s on %s\n", argv[0], argv[2], argv[1]);
	json_decref(res);
	return rc;
}

const struct cli_command notify_cli_commands[] = {
	{"notify user add", "NAME [--role user|admin]",
	 "add a notify user (password from $HEARTH_NOTIFY_PASSWORD or stdin)",
	 1, 3, cmd_user_add},
	{"notify user del", "NAME", "delete a notify user, its tokens and access",
	 1, 1, cmd_user_del},
	{"notify user list", "[--json]", "list notify users and their access",
	 0, 1, cmd_user_list},
	{"notify token add", "USER [LABEL]", "make an access token (tk_...)",
	 1, 2, cmd_token_add},
	{"notify token list", "[--json]", "list access tokens", 0, 1,
	 cmd_token_list},
	{"notify token del", "TOKEN", "delete an access token", 1, 1,
	 cmd_token_del},
	{"notify access", "USER|'*' TOPIC PERM",
	 "let USER read-write, read-only, write-only or deny TOPIC (a pattern; "
	 "reset removes it)", 3, 3, cmd_access},
	{NULL, NULL, NULL, 0, 0, NULL},
};
