/* SPDX-License-Identifier: MIT */
/* The watch room's CLI commands: monitors, their history and uptime as the daemon holds them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/watch_room.h"

static const char *status_text(json_t *m)
{
	return cli_str_or(m, "status_text", "NONE");
}

static int cmd_list(struct cli *cli, int argc, char **argv)
{
	json_t *list = NULL;
	int rc = cli_get_or_dump(cli, "watch list", "/api/v1/watch/monitors",
				 argc, argv, &list);
	if (rc || !list)
		return rc;
	struct cli_table t;
	cli_table_init(&t, 6);
	cli_table_row(&t, "ID", "NAME", "TYPE", "STATUS", "PING", "MESSAGE");
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m) {
		char id[24], ping[24] = "-";
		snprintf(id, sizeof(id), "%lld",
			 (long long)json_integer_value(json_object_get(m, "id")));
		json_t *p = json_object_get(m, "ping");
		if (json_is_number(p))
			snprintf(ping, sizeof(ping), "%.0f ms",
				 json_number_value(p));
		cli_table_row(&t, id, cli_str_or(m, "name", "?"),
			      cli_str_or(m, "type", "?"), status_text(m), ping,
			      cli_str_or(m, "msg", "-"));
	}
	cli_table_print(&t, stdout);
	json_decref(list);
	return CLI_OK;
}

/* The id of ID-or-NAME (looked up in the list), into @out. */
static int monitor_id(struct cli *cli, const char *what, char *out, size_t cap)
{
	char *end;
	strtoll(what, &end, 10);
	if (*what && !*end) {
		snprintf(out, cap, "%s", what);
		return CLI_OK;
	}
	json_t *list = NULL;
	int rc = cli_request_json(cli, "GET", "/api/v1/watch/monitors", &list);
	if (rc)
		return rc;
	size_t i;
	json_t *m;
	rc = CLI_FAILED;
	json_array_foreach(list, i, m)
		if (!strcmp(cli_str_or(m, "name", ""), what) && rc) {
			snprintf(out, cap, "%lld",
				 (long long)json_integer_value(
					 json_object_get(m, "id")));
			rc = CLI_OK;
		}
	json_decref(list);
	if (rc)
		fprintf(stderr, "hearth: no monitor named '%s'\n", what);
	return rc;
}

static int cmd_show(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	char id[64], path[128];
	if (argc != 1)
		return cli_bad_args();
	int rc = monitor_id(cli, argv[0], id, sizeof(id));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/watch/monitors/%s", id);
	json_t *m = NULL;
	if ((rc = cli_request_json(cli, "GET", path, &m)))
		return rc;
	if (json) {
		cli_print_json(m);
		return CLI_OK;
	}
	printf("%s (id %s, %s): %s\n", cli_str_or(m, "name", "?"), id,
	       cli_str_or(m, "type", "?"), status_text(m));
	const char *keys[] = {"url", "hostname", "msg", "time", "depends_on"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (json_is_string(json_object_get(m, keys[k])))
			printf("  %-10s %s\n", keys[k], cli_str_or(m, keys[k], ""));
	json_t *u = json_object_get(m, "uptime");
	const char *wins[] = {"24h", "7d", "30d", "1y"};
	printf("  uptime    ");
	for (size_t k = 0; k < 4; k++)
		printf(" %s %.2f %%", wins[k],
		       100 * json_number_value(json_object_get(u, wins[k])));
	printf("\n");
	json_decref(m);
	return CLI_OK;
}

static int cmd_history(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	char id[64], path[160];
	if (argc < 1 || argc > 2)
		return cli_bad_args();
	int rc = monitor_id(cli, argv[0], id, sizeof(id));
	if (rc)
		return rc;
	snprintf(path, sizeof(path),
		 "/api/v1/watch/monitors/%s/heartbeats?limit=%s", id,
		 argc == 2 ? argv[1] : "20");
	json_t *h = NULL;
	if ((rc = cli_request_json(cli, "GET", path, &h)))
		return rc;
	if (json) {
		cli_print_json(h);
		return CLI_OK;
	}
	static const char *const names[] = {"DOWN", "UP", "PENDING",
					    "MAINTENANCE"};
	struct cli_table t;
	cli_table_init(&t, 4);
	cli_table_row(&t, "TIME (UTC)", "STATUS", "PING", "MESSAGE");
	size_t i;
	json_t *b;
	json_array_foreach(json_object_get(h, "heartbeats"), i, b) {
		char ping[24] = "-", st[16];
		long long s = json_integer_value(json_object_get(b, "status"));
		json_t *p = json_object_get(b, "ping");
		if (json_is_number(p))
			snprintf(ping, sizeof(ping), "%.0f ms",
				 json_number_value(p));
		snprintf(st, sizeof(st), "%s%s", s >= 0 && s < 4 ? names[s] : "?",
			 json_is_true(json_object_get(b, "important")) ? " *"
								       : "");
		cli_table_row(&t, cli_str_or(b, "time", "?"), st, ping,
			      cli_str_or(b, "msg", ""));
	}
	cli_table_print(&t, stdout);
	json_decref(h);
	return CLI_OK;
}

static int set_active(struct cli *cli, int argc, char **argv, const char *verb)
{
	char id[64], path[128];
	if (argc != 1)
		return cli_bad_args();
	int rc = monitor_id(cli, argv[0], id, sizeof(id));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/watch/monitors/%s/%s", id, verb);
	json_t *out = NULL;
	if ((rc = cli_send_json(cli, "POST", path, NULL, &out)))
		return rc;
	json_decref(out);
	printf("%s %sd\n", argv[0], verb);
	return CLI_OK;
}

static int cmd_pause(struct cli *cli, int argc, char **argv)
{
	return set_active(cli, argc, argv, "pause");
}

static int cmd_resume(struct cli *cli, int argc, char **argv)
{
	return set_active(cli, argc, argv, "resume");
}

/* KEY=VALUE arguments set into @o: a VALUE that reads as JSON (a number,
 * true, false, null, [...], {...}) is that, anything else a string. */
static int set_pairs(json_t *o, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i]) {
			fprintf(stderr, "hearth: '%s' is not KEY=VALUE\n", argv[i]);
			return CLI_USAGE;
		}
		*eq = '\0';
		json_t *v = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
		if (!v || json_is_string(v)) {
			json_decref(v);
			v = json_string(eq + 1);
		}
		json_object_set_new(o, argv[i], v);
		*eq = '=';
	}
	return CLI_OK;
}

/* The body of add: --file FILE (- is stdin) or KEY=VALUE pairs. */
static int body_of(int argc, char **argv, json_t **out)
{
	*out = NULL;
	if (argc == 2 && !strcmp(argv[0], "--file")) {
		json_error_t e;
		json_t *o = !strcmp(argv[1], "-") ? json_loadf(stdin, 0, &e)
						  : json_load_file(argv[1], 0, &e);
		if (!o) {
			fprintf(stderr, "hearth: %s:%d: %s\n", argv[1], e.line,
				e.text);
			return CLI_USAGE;
		}
		*out = o;
		return CLI_OK;
	}
	json_t *o = json_object();
	int rc = set_pairs(o, argc, argv);
	if (rc)
		json_decref(o);
	else
		*out = o;
	return rc;
}

static int cmd_add(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	json_t *body, *out = NULL;
	int rc = body_of(argc, argv, &body);
	if (rc)
		return rc;
	rc = cli_send_json(cli, "POST", "/api/v1/watch/monitors", body, &out);
	json_decref(body);
	if (rc)
		return rc;
	char text[320];
	snprintf(text, sizeof(text), "monitor '%s' added (id %lld)",
		 cli_str_or(out, "name", "?"),
		 (long long)json_integer_value(json_object_get(out, "id")));
	return cli_done(json, out, text);
}

/* edit: the monitor's spec (as the API made it) with KEY=VALUE set,
 * PUT back. */
static int cmd_edit(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	char id[64], path[128];
	if (argc < 2)
		return cli_bad_args();
	int rc = monitor_id(cli, argv[0], id, sizeof(id));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/watch/monitors/%s", id);
	json_t *m = NULL, *out = NULL;
	if ((rc = cli_request_json(cli, "GET", path, &m)))
		return rc;
	json_t *spec = json_object_get(m, "spec");
	if (!json_is_object(spec)) {
		fprintf(stderr, "hearth: monitor '%s' comes from %s; change it "
				"there\n", argv[0], cli_str_or(m, "source", "?"));
		json_decref(m);
		return CLI_FAILED;
	}
	spec = json_deep_copy(spec);
	json_decref(m);
	if (!(rc = set_pairs(spec, argc - 1, argv + 1)))
		rc = cli_send_json(cli, "PUT", path, spec, &out);
	json_decref(spec);
	if (rc)
		return rc;
	char text[320];
	snprintf(text, sizeof(text), "monitor '%s' updated",
		 cli_str_or(out, "name", "?"));
	return cli_done(json, out, text);
}

static int cmd_rm(struct cli *cli, int argc, char **argv)
{
	char id[64], path[128];
	if (argc != 1)
		return cli_bad_args();
	int rc = monitor_id(cli, argv[0], id, sizeof(id));
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/api/v1/watch/monitors/%s", id);
	json_t *out = NULL;
	if ((rc = cli_send_json(cli, "DELETE", path, NULL, &out)))
		return rc;
	json_decref(out);
	printf("monitor %s removed\n", argv[0]);
	return CLI_OK;
}

const struct cli_command watch_cli_commands[] = {
	{"watch list", "[--json]", "the monitors and their last beat", 0, 1,
	 cmd_list},
	{"watch show", "ID|NAME [--json]",
	 "one monitor, with its uptime over 24h, 7d, 30d and 1y", 1, 2,
	 cmd_show},
	{"watch history", "ID|NAME [LIMIT] [--json]",
	 "a monitor's last beats, newest first (* important)", 1, 3,
	 cmd_history},
	{"watch pause", "ID|NAME", "stops a monitor's checks (kept across "
	 "restarts)", 1, 1, cmd_pause},
	{"watch resume", "ID|NAME", "starts a paused monitor again", 1, 1,
	 cmd_resume},
	{"watch add", "KEY=VALUE... | --file FILE|- [--json]",
	 "creates a monitor through the API (name=, type=, url=, hostname=, "
	 "port=, interval=...; kept across restarts)", 1, 64, cmd_add},
	{"watch edit", "ID|NAME KEY=VALUE... [--json]",
	 "changes a monitor made through the API (PUT of its spec with these "
	 "set)", 2, 64, cmd_edit},
	{"watch rm", "ID|NAME", "deletes a monitor made through the API", 1, 1,
	 cmd_rm},
	{.name = NULL},
};
