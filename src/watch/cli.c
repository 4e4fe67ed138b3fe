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

static void monitor_row(struct cli_table *t, json_t *m)
{
	char id[CLI_INT_LEN], ping[24] = "-";
	cli_int_str(m, "id", id);
	json_t *p = json_object_get(m, "ping");
	if (json_is_number(p))
		snprintf(ping, sizeof(ping), "%.0f ms", json_number_value(p));
	cli_table_row(t, id, cli_str_or(m, "name", "?"),
		      cli_str_or(m, "type", "?"), status_text(m), ping,
		      cli_str_or(m, "msg", "-"));
}

static int cmd_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"ID",     "NAME", "TYPE",
					   "STATUS", "PING", "MESSAGE", NULL};
	return cli_list(cli, "watch list", "/api/v1/watch/monitors", argc,
			argv, head, monitor_row);
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

/* ---- status pages, notifications, maintenance windows ---- */

#define PAGES "/api/v1/watch/pages"
#define NOTIFS "/api/v1/watch/notifications"
#define MAINT "/api/v1/watch/maintenance"

/* @base/@key into @out, when @key is a slug, a name or an id. */
static int key_path(const char *base, const char *key, char *out, size_t cap)
{
	size_t n = strlen(key);
	if (!n || n > 128 ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789-_.") != n) {
		fprintf(stderr, "hearth: '%s' is not a slug, name or id\n", key);
		return CLI_USAGE;
	}
	snprintf(out, cap, "%s/%s", base, key);
	return CLI_OK;
}

/* add: POST @base with KEY=VALUE... or --file; "@what 'KEY' added". */
static int obj_add(struct cli *cli, int argc, char **argv, const char *base,
		   const char *what, const char *key)
{
	bool json = cli_take_json(&argc, argv);
	json_t *body, *out = NULL;
	int rc = body_of(argc, argv, &body);
	if (rc)
		return rc;
	rc = cli_send_json(cli, "POST", base, body, &out);
	json_decref(body);
	if (rc)
		return rc;
	char text[320];
	json_t *k = json_object_get(out, key);
	if (json_is_integer(k))
		snprintf(text, sizeof(text), "%s '%s' added (id %lld)", what,
			 cli_str_or(out, "title", cli_str_or(out, "name", "?")),
			 (long long)json_integer_value(k));
	else
		snprintf(text, sizeof(text), "%s '%s' added", what,
			 cli_str_or(out, key, "?"));
	return cli_done(json, out, text);
}

static int obj_rm(struct cli *cli, int argc, char **argv, const char *base,
		  const char *what)
{
	char path[256];
	if (argc != 1)
		return cli_bad_args();
	int rc = key_path(base, argv[0], path, sizeof(path));
	json_t *out = NULL;
	if (!rc && !(rc = cli_send_json(cli, "DELETE", path, NULL, &out))) {
		json_decref(out);
		printf("%s %s removed\n", what, argv[0]);
	}
	return rc;
}

/* The strings of list @a joined with ", " into @out. */
static void join(json_t *a, const char *member, char *out, size_t cap)
{
	size_t i, n = 0;
	json_t *e;
	out[0] = '\0';
	json_array_foreach(a, i, e) {
		const char *s = member ? cli_str_or(e, member, "?")
				       : json_string_value(e);
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s",
				      i ? ", " : "", s ? s : "?");
		if (n >= cap)
			break;
	}
	if (!out[0])
		snprintf(out, cap, "-");
}

static void page_row(struct cli_table *t, json_t *p)
{
	size_t n = 0, g;
	json_t *gr;
	char count[24];
	json_array_foreach(json_object_get(p, "groups"), g, gr)
		n += json_array_size(json_object_get(gr, "monitors"));
	snprintf(count, sizeof(count), "%zu", n);
	json_t *inc = json_object_get(p, "incident");
	cli_table_row(t, cli_str_or(p, "slug", "?"), cli_str_or(p, "title", "?"),
		      cli_str_or(p, "source", "?"),
		      json_is_true(json_object_get(p, "published")) ? "yes"
								    : "no",
		      count,
		      json_is_object(inc) ? cli_str_or(inc, "title", "yes")
					  : "-");
}

static int cmd_page_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"SLUG",	"TITLE",    "SOURCE",
					   "PUBLISHED", "MONITORS", "INCIDENT",
					   NULL};
	return cli_list(cli, "watch page list", PAGES, argc, argv, head,
			page_row);
}

static int cmd_page_show(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	char path[256];
	json_t *p = NULL;
	if (argc != 1)
		return cli_bad_args();
	int rc = key_path(PAGES, argv[0], path, sizeof(path));
	if (rc || (rc = cli_request_json(cli, "GET", path, &p)))
		return rc;
	if (json) {
		cli_print_json(p);
		return CLI_OK;
	}
	printf("%s: %s (%s, %s)\n", cli_str_or(p, "slug", "?"),
	       cli_str_or(p, "title", "?"), cli_str_or(p, "url", "?"),
	       cli_str_or(p, "source", "?"));
	if (json_is_string(json_object_get(p, "description")))
		printf("  %s\n", cli_str_or(p, "description", ""));
	json_t *inc = json_object_get(p, "incident");
	if (json_is_object(inc))
		printf("  incident (%s): %s\n", cli_str_or(inc, "style", "?"),
		       cli_str_or(inc, "title", "-"));
	size_t g;
	json_t *gr;
	json_array_foreach(json_object_get(p, "groups"), g, gr) {
		char mons[1024];
		join(json_object_get(gr, "monitors"), "name", mons, sizeof(mons));
		printf("  %s: %s\n", cli_str_or(gr, "name", "?"), mons);
	}
	json_decref(p);
	return CLI_OK;
}

static int cmd_page_add(struct cli *cli, int argc, char **argv)
{
	return obj_add(cli, argc, argv, PAGES, "status page", "slug");
}

static int cmd_page_rm(struct cli *cli, int argc, char **argv)
{
	return obj_rm(cli, argc, argv, PAGES, "status page");
}

static void notif_row(struct cli_table *t, json_t *n)
{
	char to[512], ev[128];
	join(json_object_get(n, "to"), NULL, to, sizeof(to));
	join(json_object_get(n, "events"), NULL, ev, sizeof(ev));
	cli_table_row(t, cli_str_or(n, "name", "?"), cli_str_or(n, "source", "?"),
		      json_is_true(json_object_get(n, "default")) ? "yes" : "no",
		      ev, to);
}

static int cmd_notif_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"NAME",   "SOURCE", "DEFAULT",
					   "EVENTS", "TO",     NULL};
	return cli_list(cli, "watch notification list", NOTIFS, argc, argv,
			head, notif_row);
}

static int cmd_notif_add(struct cli *cli, int argc, char **argv)
{
	return obj_add(cli, argc, argv, NOTIFS, "notification", "name");
}

static int cmd_notif_test(struct cli *cli, int argc, char **argv)
{
	char path[256];
	json_t *out = NULL;
	if (argc != 1)
		return cli_bad_args();
	int rc = key_path(NOTIFS, argv[0], path, sizeof(path));
	if (rc)
		return rc;
	strncat(path, "/test", sizeof(path) - strlen(path) - 1);
	if ((rc = cli_send_json(cli, "POST", path, NULL, &out)))
		return rc;
	json_decref(out);
	printf("test notification sent through %s\n", argv[0]);
	return CLI_OK;
}

static int cmd_notif_rm(struct cli *cli, int argc, char **argv)
{
	return obj_rm(cli, argc, argv, NOTIFS, "notification");
}

static void maint_row(struct cli_table *t, json_t *w)
{
	char id[CLI_INT_LEN], mons[512];
	cli_int_str(w, "id", id);
	join(json_object_get(w, "monitors"), NULL, mons, sizeof(mons));
	cli_table_row(t, id, cli_str_or(w, "title", "?"),
		      cli_str_or(w, "strategy", "?"), cli_str_or(w, "status", "?"),
		      cli_str_or(w, "source", "?"),
		      json_array_size(json_object_get(w, "monitors")) ? mons
								      : "(all)");
}

static int cmd_maint_list(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"ID",     "TITLE",  "STRATEGY",
					   "STATUS", "SOURCE", "MONITORS",
					   NULL};
	return cli_list(cli, "watch maint list", MAINT, argc, argv, head,
			maint_row);
}

static int cmd_maint_add(struct cli *cli, int argc, char **argv)
{
	return obj_add(cli, argc, argv, MAINT, "maintenance window", "id");
}

static int cmd_maint_rm(struct cli *cli, int argc, char **argv)
{
	return obj_rm(cli, argc, argv, MAINT, "maintenance window");
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
	{"watch page list", "[--json]", "the status pages (config and API)", 0,
	 1, cmd_page_list},
	{"watch page show", "SLUG [--json]",
	 "one status page: its groups' monitors, its incident", 1, 2,
	 cmd_page_show},
	{"watch page add", "KEY=VALUE... | --file FILE|- [--json]",
	 "creates a status page (slug=, title=, groups=[{\"name\": ..., "
	 "\"monitors\": [...]}], incident={...}; kept across restarts)", 1, 64,
	 cmd_page_add},
	{"watch page rm", "SLUG", "deletes a status page made through the API",
	 1, 1, cmd_page_rm},
	{"watch notification list", "[--json]",
	 "the notifications (named alert routes), config and API", 0, 1,
	 cmd_notif_list},
	{"watch notification add", "KEY=VALUE... | --file FILE|- [--json]",
	 "creates a notification (name=, to=[\"ntfy:TOPIC\"], events=[...], "
	 "default=true)", 1, 64, cmd_notif_add},
	{"watch notification test", "NAME",
	 "sends a test message through a notification", 1, 1, cmd_notif_test},
	{"watch notification rm", "NAME",
	 "deletes a notification made through the API", 1, 1, cmd_notif_rm},
	{"watch maint list", "[--json]",
	 "the maintenance windows (config and API) and their status now", 0, 1,
	 cmd_maint_list},
	{"watch maint add", "KEY=VALUE... | --file FILE|- [--json]",
	 "creates a maintenance window (name=, strategy=, monitors=[...], ...)",
	 1, 64, cmd_maint_add},
	{"watch maint rm", "ID", "deletes a maintenance window made through "
	 "the API", 1, 1, cmd_maint_rm},
	{.name = NULL},
};
