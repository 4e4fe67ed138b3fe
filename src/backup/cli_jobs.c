/* SPDX-License-Identifier: MIT */
/* `hearth backup jobs [run NAME | history NAME]`: the daemon's backup jobs, through its API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup/cli_priv.h"

/* "2026-12-02 03:00" (UTC), or "-". */
static void when(json_t *t, char *out, size_t cap)
{
	if (!json_is_integer(t)) {
		snprintf(out, cap, "-");
		return;
	}
	time_t s = (time_t)json_integer_value(t);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M", &tm);
}

static void job_row(struct cli_table *t, json_t *j)
{
	json_t *last = json_object_get(j, "last_run");
	char lastw[32], next[32];
	when(json_object_get(last, "started"), lastw, sizeof(lastw));
	when(json_object_get(j, "next_run"), next, sizeof(next));
	const char *state =
		json_is_true(json_object_get(j, "running")) ? "running"
		: json_is_true(json_object_get(j, "queued")) ? "queued"
							     : cli_str_or(last, "result", "never run");
	cli_table_row(t, cli_str_or(j, "name", "?"),
		      cli_str_or(j, "schedule", "on request"), state, lastw, next,
		      cli_str_or(last, "message", ""));
}

int backup_cmd_jobs(struct cli *cli, int argc, char **argv)
{
	static const char *const head[] = {"JOB",      "SCHEDULE", "STATE",
					   "LAST RUN", "NEXT RUN", "MESSAGE",
					   NULL};
	return cli_list(cli, "backup jobs", "/api/v1/backup/jobs", argc, argv,
			head, job_row);
}

int backup_cmd_jobs_run(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/backup/jobs/%s/run", argv[0]);
	json_t *out = NULL;
	int rc = cli_send_json(cli, "POST", path, NULL, &out);
	if (rc)
		return rc;
	char line[160];
	snprintf(line, sizeof(line), "job %s %s", argv[0],
		 cli_str_or(out, "state", "queued"));
	return cli_done(json, out, line);
}

int backup_cmd_jobs_history(struct cli *cli, int argc, char **argv)
{
	bool json = cli_take_json(&argc, argv);
	if (argc != 1)
		return cli_bad_args();
	char path[160];
	snprintf(path, sizeof(path), "/api/v1/backup/jobs/%s/runs", argv[0]);
	json_t *runs = NULL;
	int rc = cli_request_json(cli, "GET", path, &runs);
	if (rc)
		return rc;
	if (json) {
		cli_print_json(runs);
		return CLI_OK;
	}
	struct cli_table t;
	cli_table_init(&t, 6);
	cli_table_row(&t, "STARTED", "TOOK", "RESULT", "TRIGGER", "SNAPSHOTS",
		      "MESSAGE");
	size_t i;
	json_t *r;
	json_array_foreach(runs, i, r) {
		char start[32], took[32] = "-", snaps[160] = "";
		when(json_object_get(r, "started"), start, sizeof(start));
		json_t *fin = json_object_get(r, "finished");
		if (json_is_integer(fin))
			cli_duration((double)(json_integer_value(fin) -
					      json_integer_value(json_object_get(
						      r, "started"))),
				     took, sizeof(took));
		size_t k;
		json_t *s;
		json_array_foreach(json_object_get(r, "snapshots"), k, s) {
			size_t used = strlen(snaps);
			snprintf(snaps + used, sizeof(snaps) - used, "%s%.8s",
				 used ? " " : "", json_string_value(s));
		}
		cli_table_row(&t, start, took, cli_str_or(r, "result", "?"),
			      cli_str_or(r, "trigger", ""), snaps[0] ? snaps : "-",
			      cli_str_or(r, "message", ""));
	}
	cli_table_print(&t, stdout);
	json_decref(runs);
	return CLI_OK;
}
