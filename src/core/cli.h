/* SPDX-License-Identifier: MIT */
/* The hearth CLI's commands as rooms and core declare them, and the requests they make. */
#ifndef HEARTH_CORE_CLI_H
#define HEARTH_CORE_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit codes, distinct per kind of failure (documented in `hearth help`). */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,	 /* the command ran and said no (invalid config) */
	CLI_USAGE = 2,	 /* unknown command or option, missing argument */
	CLI_CONNECT = 3, /* the daemon could not be reached */
	CLI_SERVER = 4,	 /* the daemon answered 5xx or nonsense */
	CLI_REFUSED = 5, /* the daemon refused the request (4xx) */
};

/* What a command runs with (filled by hearth's main from the options). */
struct cli {
	const char *url;     /* base URL of the daemon, no trailing slash */
	const char *api_key; /* may be NULL */
	const char *config;  /* -c FILE, may be NULL */
	const struct config_schema *schema; /* to read config files with */
};

/* One command; tables of them are static (core's and each room's). */
struct cli_command {
	const char *name;  /* "dns import": the room's name, then the verb */
	const char *args;  /* "ZONE FILE" */
	const char *help;  /* one line */
	int min_args, max_args;
	int (*run)(struct cli *cli, int argc, char **argv);
};

/*
 * Sends @method @path to the daemon with the API key; on success *out
 * holds the parsed JSON body (json_decref it). Returns a cli_exit code and
 * prints the reason to stderr when it is not CLI_OK. Blocking (a loop of
 * its own): for the CLI only, never the daemon.
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

/*
 * GETs @path for a command that takes an optional --json: with it, the
 * JSON is printed as it came and *out stays NULL; without it, *out holds
 * the parsed answer for the command to present. Returns an exit code.
 */
int cli_get_or_dump(struct cli *cli, const char *cmd, const char *path,
		    int argc, char **argv, json_t **out);

/* The string member @key of @o, or @dflt. */
const char *cli_str_or(json_t *o, const char *key, const char *dflt);

/* The integer member @key of @o in decimal (0 when absent), in @buf. */
#define CLI_INT_LEN 24
const char *cli_int_str(json_t *o, const char *key, char buf[CLI_INT_LEN]);

/*
 * Removes every "--json" from @argv (updating *argc); true when there
 * was one. For commands whose other arguments are positional.
 */
bool cli_take_json(int *argc, char **argv);

/* Says on stderr that the arguments do not fit; returns CLI_USAGE. */
int cli_bad_args(void);

/*
 * Sends @method @path with @body (JSON, may be NULL; not consumed). On
 * success *out holds the parsed answer, or NULL when the answer had no
 * body (204). Same exit codes as cli_request.
 */
int cli_send_json(struct cli *cli, const char *method, const char *path,
		  json_t *body, json_t **out);

/* Prints @j indented, then a newline (for --json). Consumes @j. */
void cli_print_json(json_t *j);

/* A write command's answer: @j (an empty object when NULL) under --json,
 * else the line @text. Consumes @j; returns CLI_OK. */
int cli_done(bool json, json_t *j, const char *text);

/* A duration for people: "12 s", "6 m 37 s", "2 h 5 m", "3 d 4 h". */
void cli_duration(double seconds, char *out, size_t cap);

/*
 * A table whose columns line up: cells are copied; print pads every
 * column but the last to its widest cell, then frees the rows. Not
 * thread-safe (the CLI's one thread).
 */
#define CLI_TABLE_MAX_COLS 8
struct cli_table {
	size_t cols, rows, cap;
	char **cells; /* rows * cols, malloc'd */
	size_t width[CLI_TABLE_MAX_COLS];
};
void cli_table_init(struct cli_table *t, size_t cols);
/* Adds a row of t->cols strings (NULL is printed as "-"). */
void cli_table_row(struct cli_table *t, ...);
void cli_table_print(struct cli_table *t, FILE *f);
/* Adds a row from an array of t->cols strings. */
void cli_table_cells(struct cli_table *t, const char *const *cells);

/*
 * A list command: GETs @path as cli_get_or_dump does; without --json,
 * prints a table headed by @head (NULL-terminated, at most
 * CLI_TABLE_MAX_COLS) with a row from @row for each item of the answer's
 * array. Returns an exit code.
 */
typedef void (*cli_row_fn)(struct cli_table *t, json_t *item);
int cli_list(struct cli *cli, const char *cmd, const char *path, int argc,
	     char **argv, const char *const *head, cli_row_fn row);

/* Reads a whole file (malloc'd into *out); prints why on failure. */
int cli_read_file(const char *path, char **out, size_t *len);

#endif
