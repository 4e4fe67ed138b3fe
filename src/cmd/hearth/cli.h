/* SPDX-License-Identifier: MIT */
/* The hearth CLI's command table and the context commands run in. */
#ifndef HEARTH_CMD_CLI_H
#define HEARTH_CMD_CLI_H

#include <jansson.h>
#include <stdbool.h>

/* Exit codes, distinct per kind of failure (documented in `hearth help`). */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,	 /* the command ran and said no (invalid config) */
	CLI_USAGE = 2,	 /* unknown command or option, missing argument */
	CLI_CONNECT = 3, /* the daemon could not be reached */
	CLI_SERVER = 4,	 /* the daemon answered 5xx or nonsense */
	CLI_REFUSED = 5, /* the daemon refused the request (4xx) */
};

struct cli {
	const char *url;     /* base URL of the daemon, no trailing slash */
	const char *api_key; /* may be NULL */
	const char *config;  /* -c FILE, may be NULL */
};

struct cli_command {
	const char *name;  /* "config check" */
	const char *args;  /* "FILE" */
	const char *help;  /* one line */
	int min_args, max_args;
	int (*run)(struct cli *cli, int argc, char **argv);
};

extern const struct cli_command cli_commands[];
extern const size_t cli_n_commands;

/* Prints the general usage to @f. */
void cli_usage(FILE *f);

/*
 * Sends @method @path to the daemon with the API key; on success *out
 * holds the parsed JSON body (json_decref it). Returns a cli_exit code and
 * prints the reason to stderr when it is not CLI_OK.
 */
int cli_request_json(struct cli *cli, const char *method, const char *path,
		     json_t **out);

/*
 * Sends @method @path with an optional body; on a 2xx answer *out holds
 * the raw body (malloc'd, NUL-terminated; free it). Other answers are
 * reported on stderr (the JSON error's text when there is one) and
 * mapped to an exit code.
 */
int cli_request(struct cli *cli, const char *method, const char *path,
		const char *body, size_t body_len, const char *content_type,
		char **out, size_t *out_len);

#endif
