/* SPDX-License-Identifier: MIT */
/* hearthd: arguments -> config -> logging -> rooms -> bind -> drop -> run. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "cmd/rooms.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "core/daemon.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_CONFIG = 2 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hearthd -c FILE [--check] [-v]\n"
		"\n"
		"  -c, --config FILE   the lab's YAML config (required)\n"
		"      --check         validate the config and what start reads with\n"
		"                      it (zone files), then exit: 0 and `ok` with a\n"
		"                      summary when valid, 2 with FILE:LINE:COL:\n"
		"                      message when not\n"
		"  -v, --verbose       debug logging, whatever log.level says\n"
		"      --config-reference  print every config key as markdown\n"
		"  -V, --version       print the version\n"
		"  -h, --help          this text\n"
		"\n"
		"Runs in the foreground and logs to stderr. SIGTERM stops,\n"
		"SIGHUP reloads the config file.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"config-reference", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool check = false, verbose = false;
	int c;
	static struct config_schema schema;
	if (config_schema_init(&schema, hearth_rooms)) {
		fprintf(stderr, "hearthd: too many rooms\n");
		return EXIT_RUNTIME;
	}

	while ((c = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'k': check = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("hearthd %s\n", HEARTH_VERSION); return EXIT_OK;
		case 'R': config_reference(&schema, stdout); return EXIT_OK;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}

	struct config *cfg = NULL;
	struct cfg_error err;
	if (config_load_file(&schema, path, &cfg, &err)) {
		config_error_print(&err, stderr);
		return EXIT_CONFIG;
	}
	if (check) {
		struct room_check_summary sum;
		char line[256];
		int rc = room_check_all(cfg, &err, &sum);
		config_unref(cfg);
		if (rc) {
			config_error_print(&err, stderr);
			return EXIT_CONFIG;
		}
		room_check_summary_format(&sum, line, sizeof(line));
		printf("%s\n", line);
		return EXIT_OK;
	}

	struct daemon *d = NULL;
	struct daemon_opts opts = {.config_path = path, .verbose = verbose,
				   .rooms = hearth_rooms, .schema = &schema};
	int rc = daemon_new(cfg, &opts, &d);
	config_unref(cfg);
	if (!rc)
		rc = daemon_drop_privileges(d);
	if (!rc)
		rc = daemon_run(d);
	else
		log_error("core", "cannot start: %s", hearth_strerror(rc));
	daemon_free(d);
	return rc ? EXIT_RUNTIME : EXIT_OK;
}
