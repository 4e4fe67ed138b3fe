/* SPDX-License-Identifier: MIT */
/* hearth: global options, then one command from the table in commands.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/addr.h"
#include "cmd/hearth/cli.h"
#include "core/config.h"
#include "core/http_client.h"

#define DEFAULT_URL "http://127.0.0.1:8080"

void cli_usage(FILE *f)
{
	fprintf(f, "usage: hearth [--url URL] [--api-key KEY] [-c FILE] "
		   "COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < cli_n_commands; i++) {
		char left[64];
		snprintf(left, sizeof(left), "%s %s", cli_commands[i].name,
			 cli_commands[i].args);
		fprintf(f, "  %-26s %s\n", left, cli_commands[i].help);
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

static void command_usage(FILE *f, const struct cli_command *c)
{
	fprintf(f, "usage: hearth [OPTIONS] %s %s\n  %s\n", c->name, c->args,
		c->help);
}

/* Matches the words of a command name ("config check") against argv. */
static const struct cli_command *find_command(int argc, char **argv, int *used)
{
	const struct cli_command *best = NULL;
	int best_words = 0;
	for (size_t i = 0; i < cli_n_commands; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s", cli_commands[i].name);
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
			best = &cli_commands[i];
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
	if (config_load_file(cli->config, &cfg, &err)) {
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

struct fetch {
	int rc;
	char *body;
	size_t len;
	const char *url;
};

static void on_response(const struct http_client_result *res, void *ud)
{
	struct fetch *f = ud;
	if (res->err) {
		fprintf(stderr, "hearth: cannot reach %s: %s\n", f->url,
			res->errmsg ? res->errmsg : "error");
		f->rc = CLI_CONNECT;
		return;
	}
	if (res->status >= 200 && res->status < 300) {
		f->body = malloc(res->body_len + 1);
		if (!f->body) {
			f->rc = CLI_FAILED;
			return;
		}
		memcpy(f->body, res->body, res->body_len);
		f->body[res->body_len] = '\0';
		f->len = res->body_len;
		f->rc = CLI_OK;
		return;
	}
	json_error_t jerr;
	json_t *j = json_loadb(res->body, res->body_len, 0, &jerr);
	const char *msg = json_string_value(json_object_get(j, "error"));
	fprintf(stderr, "hearth: %s answered %ld: %s\n", f->url, res->status,
		msg ? msg : (j ? "unexpected answer" : "not JSON"));
	json_decref(j);
	f->rc = res->status >= 400 && res->status < 500 ? CLI_REFUSED
							 : CLI_SERVER;
}

int cli_request(struct cli *cli, const char *method, const char *path,
		const char *body, size_t body_len, const char *content_type,
		char **out, size_t *out_len)
{
	uv_loop_t loop;
	struct http_client *client = NULL;
	char url[1024], key[600], ctype[128];
	struct fetch f = {.rc = CLI_CONNECT, .url = url};
	const char *headers[3] = {NULL, NULL, NULL};
	int h = 0;

	*out = NULL;
	snprintf(url, sizeof(url), "%s%s", cli->url, path);
	if (cli->api_key) {
		snprintf(key, sizeof(key), "X-API-Key: %s", cli->api_key);
		headers[h++] = key;
	}
	if (content_type) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		headers[h++] = ctype;
	}
	if (uv_loop_init(&loop))
		return CLI_FAILED;
	if (http_client_new(&loop, &client) == 0) {
		struct http_client_req req = {
			.method = method, .url = url, .headers = headers,
			.body = body, .body_len = body_len,
			.timeout_ms = 30000, .max_response = 256u << 20};
		if (http_client_request(client, &req, on_response, &f) == 0)
			uv_run(&loop, UV_RUN_DEFAULT);
		else
			fprintf(stderr, "hearth: bad URL %s\n", url);
		http_client_close(client);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	*out = f.body;
	if (out_len)
		*out_len = f.len;
	return f.rc;
}

int cli_request_json(struct cli *cli, const char *method, const char *path,
		     json_t **out)
{
	char *body = NULL;
	size_t len = 0;
	*out = NULL;
	int rc = cli_request(cli, method, path, NULL, 0, NULL, &body, &len);
	if (rc)
		return rc;
	json_error_t jerr;
	*out = json_loadb(body, len, 0, &jerr);
	free(body);
	if (!*out) {
		fprintf(stderr, "hearth: %s%s answered with something not JSON\n",
			cli->url, path);
		return CLI_SERVER;
	}
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
	for (size_t k = 0; k < cli_n_commands; k++) {
		const struct cli_command *c = &cli_commands[k];
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
	struct cli cli = {0};
	const char *url = NULL;
	int i = 1;

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
	if (cli.config) {
		int rc = url_from_config(&cli, cfg_url, sizeof(cfg_url));
		if (rc)
			return rc;
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
