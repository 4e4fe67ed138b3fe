/* SPDX-License-Identifier: MIT */
/* hearthd: arguments -> config -> logging -> rooms -> bind -> drop -> run. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/roff.h"
#include "cmd/rooms.h"
#include "core/config.h"
#include "core/config_schema.h"
#include "core/daemon.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_CONFIG = 2 };

/* The options, for --help and hearthd(8); a '\n' in help breaks the
 * --help line (the man page joins it). */
static const struct {
	const char *flags, *help;
} options[] = {
	{"-c, --config FILE", "the lab's YAML config (required)"},
	{"    --check", "validate the config and what start reads with it\n"
		      "(zone files), then exit: 0 and `ok` with a summary\n"
		      "when valid, 2 with FILE:LINE:COL: message when not"},
	{"-v, --verbose", "debug logging, whatever log.level says"},
	{"    --config-reference", "print every config key as markdown"},
	{"    --config-reference=man", "the same as the hearth.yaml(5) page"},
	{"    --man", "print this help as the hearthd(8) page"},
	{"-V, --version", "print the version"},
	{"-h, --help", "this text"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))
#define TRAILER "Runs in the foreground and logs to stderr. SIGTERM stops,\n" \
		"SIGHUP reloads the config file.\n"

static void usage(FILE *f)
{
	fprintf(f, "usage: hearthd -c FILE [--check] [-v]\n\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		fprintf(f, "  %-18s  ", options[i].flags);
		for (const char *c = options[i].help; *c; c++) {
			if (*c == '\n')
				fprintf(f, "\n%22s", "");
			else
				fputc(*c, f);
		}
		fputc('\n', f);
	}
	fprintf(f, "\n" TRAILER);
}

/* hearth.yaml(5): the config reference as a man page. */
static void config_man_page(const struct config_schema *schema, FILE *f)
{
	roff_header(f, "hearth.yaml", "5", "the config file of hearthd");
	fputs(".SH DESCRIPTION\n", f);
	roff_text(f, "hearthd(8) reads one YAML file. Each key below is written "
		     "as its dotted path; NAME stands for a map key chosen by "
		     "the lab, [] for an element of a list. Durations take a "
		     "unit (30s, 5m, 1h), sizes a suffix (64k, 1M). Keys that "
		     "say SIGHUP reloads them change on `kill -HUP`; the "
		     "others need a restart.");
	fputs("\n.SH KEYS\n", f);
	config_reference_roff(schema, f);
	fputs(".SH SEE ALSO\n.BR hearthd (8),\n.BR hearth (1)\n", f);
}

static void man_page(FILE *f)
{
	roff_header(f, "hearthd", "8", "the hearth home-lab daemon");
	fputs(".SH SYNOPSIS\n.B hearthd\n\\-c FILE [\\-\\-check] [\\-v]\n"
	      ".SH DESCRIPTION\n", f);
	roff_text(f, "hearthd serves the lab described by its YAML config: "
		     "DNS, DHCP, notifications, monitoring and backups, with "
		     "an HTTP API that the hearth(1) CLI talks to. " TRAILER);
	fputs("\n.SH OPTIONS\n", f);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *fl = options[i].flags;
		while (*fl == ' ')
			fl++;
		fputs(".TP\n.B ", f);
		roff_text(f, fl);
		fputc('\n', f);
		roff_text(f, options[i].help);
		fputc('\n', f);
	}
	fputs(".SH EXIT STATUS\n0 stopped cleanly (or --check: the config is "
	      "valid), 1 runtime failure, 2 invalid config or usage.\n"
	      ".SH FILES\n.TP\n.I /etc/hearth/hearth.yaml\nthe config the "
	      "installed systemd unit starts hearthd with (under the install "
	      "prefix's etc/ for a prefix other than /usr); see "
	      "hearth.yaml(5)\n.TP\n.I /var/lib/hearth\nits state_dir "
	      "(the unit's StateDirectory=)\n"
	      ".SH SEE ALSO\n.BR hearth (1),\n.BR hearth.yaml (5),\n"
	      ".BR systemd.service (5)\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"config-reference", optional_argument, NULL, 'R'},
		{"man", no_argument, NULL, 'M'},
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
		case 'R':
			if (!optarg)
				config_reference(&schema, stdout);
			else if (!strcmp(optarg, "man"))
				config_man_page(&schema, stdout);
			else {
				usage(stderr);
				return EXIT_CONFIG;
			}
			return EXIT_OK;
		case 'M': man_page(stdout); return EXIT_OK;
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
