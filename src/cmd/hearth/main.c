/* SPDX-License-Identifier: MIT */
/* hearth: global options, then one command from the table in commands.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/addr.h"
#include "cmd/hearth/cli.h"
#include "cmd/rooms.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "core/room.h"

/* Core's commands, then each room's, in room-table order. */
#define MAX_COMMANDS 128

struct commands {
	const struct cli_command *list[MAX_COMMANDS];
	size_t n;
};

static const struct commands *all_commands(void)
{
	static struct commands c;
	if (c.n)
		return &c;
	for (size_t i = 0; i < cli_n_commands && c.n < MAX_COMMANDS; i++)
		c.list[c.n++] = &cli_commands[i];
	for (const struct room_def *const *r = hearth_rooms; *r; r++)
		for (const struct cli_command *k = (*r)->commands; k && k->name;
		     k++)
			if (c.n < MAX_COMMANDS)
				c.list[c.n++] = k;
	return &c;
}

#define DEFAULT_URL "http://127.0.0.1:8080"

void cli_usage(FILE *f)
{
	fprintf(f, "usage: hearth [--url URL] [--api-key KEY] [-c FILE] "
		   "COMMAND [ARGS]\n\ncommands:\n");
	const struct commands *all = all_commands();
	for (size_t i = 0; i < all->n; i++) {
		char left[64];
		snprintf(left, sizeof(left), "%s %s", all->list[i]->name,
			 all->list[i]->args);
		fprintf(f, "  %-26s %s\n", left, all->list[i]->help);
	}
	fprintf(f,
		"\noptions:\n"
		"  --url URL       the daemon (default: http.listen of -c FILE, "
		"else $HEARTH_URL,\n"
		"                  else " DEFAULT_URL ")\n"
		"  --api-key KEY   X-API-Key (default: $HEARTH_API_KEY, else "
		"http.api_key of -c FILE)\n"
		"  -c, --config FILE  the daemon's config file\n"
		"  -h, --help      this text; COMMAND --help for one command\n"
		"\nexit codes: 0 ok, 1 command failed, 2 usage error, "
		"3 cannot reach the daemon,\n"
		"            4 server error, 5 refused by the server (4xx)\n");
}

json_t *cli_commands_json(void)
{
	json_t *a = json_array();
	const struct commands *all = all_commands();
	for (size_t i = 0; a && i < all->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "command",
						   all->list[i]->name, "args",
						   all->list[i]->args, "help",
						   all->list[i]->help));
	return a;
}

static void command_usage(FILE *f, const struct cli_command *c)
{
	fprintf(f, "usage: hearth [OPTIONS] %s %s\n  %s\n", c->name, c->args,
		c->help);
}

/* Matches the words of a command name ("config check") against argv. */
static const struct cli_command *find_command(int argc, char **argv, int *used)
{
	const struct cli_command *best = NULL;
	const struct commands *all = all_commands();
	int best_words = 0;
	for (size_t i = 0; i < all->n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s", all->list[i]->name);
		int words = 0;
		bool match = true;
		for (char *save = NULL, *w = strtok_r(name, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			if (words >= argc || strcmp(argv[words], w) != 0) {
				match = false;
				break;
			}
			words++;
		}
		if (match && words > best_words) {
			best = all->list[i];
			best_words = words;
		}
	}
	*used = best_words;
	return best;
}

/* The daemon's URL as the config describes it. */
static int url_from_config(struct cli *cli, char *url, size_t n)
{
	struct config *cfg = NULL;
	struct cfg_error err;
	if (config_load_file(cli->schema, cli->config, &cfg, &err)) {
		config_error_print(&err, stderr);
		return CLI_FAILED;
	}
	if (cfg->http.enabled) {
		struct sockaddr_any a = cfg->http.listen;
		/* A wildcard listener is reached on loopback. */
		if (a.u.sa.sa_family == AF_INET &&
		    a.u.in.sin_addr.s_addr == htonl(INADDR_ANY))
			a.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (a.u.sa.sa_family == AF_INET6 &&
			 IN6_IS_ADDR_UNSPECIFIED(&a.u.in6.sin6_addr))
			a.u.in6.sin6_addr = in6addr_loopback;
		char text[ADDR_TEXT_MAX];
		sockaddr_format(&a, text);
		snprintf(url, n, "http://%s", text);
	}
	if (!cli->api_key && cfg->http.api_key) {
		static char key[512];
		snprintf(key, sizeof(key), "%s", cfg->http.api_key);
		cli->api_key = key;
	}
	config_unref(cfg);
	return CLI_OK;
}

static bool has_help(int argc, char **argv)
{
	for (int k = 0; k < argc; k++)
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h"))
			return true;
	return false;
}

/* "hearth config" alone, or "hearth config --help": the commands of that
 * group. Anything else unknown is a usage error. */
static int group_usage(int argc, char **argv)
{
	bool help = has_help(argc, argv);
	FILE *f = help ? stdout : stderr;
	size_t n = strlen(argv[0]);
	int shown = 0;
	const struct commands *all = all_commands();
	for (size_t k = 0; k < all->n; k++) {
		const struct cli_command *c = all->list[k];
		if (strncmp(c->name, argv[0], n) == 0 && c->name[n] == ' ') {
			command_usage(f, c);
			shown++;
		}
	}
	if (!shown) {
		fprintf(stderr, "hearth: unknown command '%s'\n", argv[0]);
		cli_usage(stderr);
		return CLI_USAGE;
	}
	return help ? CLI_OK : CLI_USAGE;
}

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	static struct config_schema schema;
	struct cli cli = {.schema = &schema};
	const char *url = NULL;
	int i = 1;

	if (config_schema_init(&schema, hearth_rooms)) {
		fprintf(stderr, "hearth: too many rooms\n");
		return CLI_FAILED;
	}

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *v;
		if ((v = opt_value(argc, argv, &i, "--url")))
			url = v;
		else if ((v = opt_value(argc, argv, &i, "--api-key")))
			cli.api_key = v;
		else if ((v = opt_value(argc, argv, &i, "--config")) ||
			 (v = opt_value(argc, argv, &i, "-c")))
			cli.config = v;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_usage(stdout);
			return CLI_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("hearth %s\n", HEARTH_VERSION);
			return CLI_OK;
		} else {
			fprintf(stderr, "hearth: unknown or incomplete option "
					"'%s'\n", argv[i]);
			cli_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (i == argc) {
		cli_usage(stderr);
		return CLI_USAGE;
	}
	int used = 0;
	const struct cli_command *cmd = find_command(argc - i, argv + i, &used);
	if (!cmd)
		return group_usage(argc - i, argv + i);
	int cargc = argc - i - used;
	char **cargv = argv + i + used;
	if (has_help(cargc, cargv)) {
		command_usage(stdout, cmd);
		return CLI_OK;
	}
	if (cargc < cmd->min_args || cargc > cmd->max_args) {
		command_usage(stderr, cmd);
		return CLI_USAGE;
	}

	char cfg_url[256] = "";
	if (!cli.api_key)
		cli.api_key = getenv("HEARTH_API_KEY");
	/* A broken config file does not stop a command that only needs the
	 * daemon's URL and key: it is reported, then the defaults apply. */
	if (cli.config && url_from_config(&cli, cfg_url, sizeof(cfg_url))) {
		cfg_url[0] = '\0';
		fprintf(stderr, "hearth: warning: %s is broken (above); using "
				"--url, $HEARTH_URL or " DEFAULT_URL "\n",
			cli.config);
	}
	if (!url)
		url = cfg_url[0] ? cfg_url : getenv("HEARTH_URL");
	if (!url || !*url)
		url = DEFAULT_URL;
	/* No trailing slash: paths are appended as "/api/...". */
	static char base[1024];
	snprintf(base, sizeof(base), "%s", url);
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	cli.url = base;
	return cmd->run(&cli, cargc, cargv);
}
