/* SPDX-License-Identifier: MIT */
/* The backup room's routes (/api/v1/backup/jobs…), metrics and status-page panel. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "backup/internal.h"
#include "backup/store.h"
#include "base/buf.h"

#define JOBS "/api/v1/backup/jobs"

static json_t *run_json(const struct backup_run *run)
{
	json_t *snaps = json_array();
	char buf[sizeof(((struct bk_run *)0)->snapshots)];
	snprintf(buf, sizeof(buf), "%s", run->snapshots);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t;
	     t = strtok_r(NULL, " ", &save))
		json_array_append_new(snaps, json_string(t));
	return json_pack("{s:I,s:s,s:I,s:o,s:s,s:s,s:s,s:o,s:s,s:I,s:I}", "id",
			 (json_int_t)run->id, "job", run->job, "started",
			 (json_int_t)run->started, "finished",
			 run->finished ? json_integer(run->finished)
				       : json_null(),
			 "result", run->result, "step", run->step, "message",
			 run->message, "snapshots", snaps, "trigger",
			 run->trigger, "files", (json_int_t)run->files,
			 "bytes_added", (json_int_t)run->bytes_added);
}

static int append_run(const struct backup_run *run, void *ud)
{
	return json_array_append_new(ud, run_json(run)) ? -ENOMEM : 0;
}

static json_t *job_json(struct backup_room *r, const struct bk_job *j)
{
	const struct cfg_backup *b = backup_config(r->cfg);
	const struct cfg_backup_job *c = NULL;
	for (size_t i = 0; i < b->n_jobs && !c; i++)
		if (strcmp(b->jobs[i].name, j->name) == 0)
			c = &b->jobs[i];
	bool running = r->run && strcmp(r->run->job->name, j->name) == 0;
	json_t *o = json_pack(
		"{s:s,s:o,s:o,s:b,s:b,s:o,s:o,s:o}", "name", j->name,
		"schedule", c && c->schedule ? json_string(c->schedule)
					     : json_null(),
		"next_run", j->next_due >= 0 ? json_integer(j->next_due)
					     : json_null(),
		"running", running, "queued", j->queued, "last_run",
		json_null(), "last_success",
		j->last_success ? json_integer(j->last_success) : json_null(),
		"step", running ? json_string(bk_step_name(r->run->step.kind))
				: json_null());
	json_t *sizes = json_object();
	for (size_t k = 0; sizes && k < j->n_sizes; k++)
		json_object_set_new(sizes, j->sizes[k].repo,
				    json_integer(j->sizes[k].bytes));
	json_object_set_new(o, "repository_sizes", sizes);
	json_t *last = json_array();
	if (last && backup_store_runs(r->store, j->name, 1, append_run, last) ==
			    0 &&
	    json_array_size(last))
		json_object_set(o, "last_run", json_array_get(last, 0));
	json_decref(last);
	return o;
}

static void list(const struct http_request *req, struct http_response *resp,
		 void *ud)
{
	struct backup_room *r = ud;
	(void)req;
	json_t *a = json_array();
	for (size_t i = 0; a && i < r->n_jobs; i++)
		json_array_append_new(a, job_json(r, &r->jobs[i]));
	http_reply_json(resp, 200, a);
}

/* /api/v1/backup/jobs/NAME[/VERB]: the job into *j, VERB into @verb. */
static struct bk_job *job_of(struct backup_room *r, const char *path,
			     char *verb, size_t cap, struct http_response *resp)
{
	const char *name = path + strlen(JOBS "/");
	const char *slash = strchr(name, '/');
	char buf[64];
	size_t n = slash ? (size_t)(slash - name) : strlen(name);
	if (n == 0 || n >= sizeof(buf)) {
		http_reply_error(resp, 404, "no such job");
		return NULL;
	}
	memcpy(buf, name, n);
	buf[n] = '\0';
	snprintf(verb, cap, "%s", slash ? slash + 1 : "");
	struct bk_job *j = backup_job_find(r, buf);
	if (!j)
		http_reply_error(resp, 404, "no job named '%s'", buf);
	return j;
}

static void job_get(const struct http_request *req,
		    struct http_response *resp, void *ud)
{
	struct backup_room *r = ud;
	char verb[16];
	struct bk_job *j = job_of(r, req->path, verb, sizeof(verb), resp);
	if (!j)
		return;
	if (!*verb) {
		http_reply_json(resp, 200, job_json(r, j));
		return;
	}
	if (strcmp(verb, "runs")) {
		http_reply_error(resp, 404, "not found");
		return;
	}
	int64_t limit = 50;
	const char *t = http_request_arg(req, "limit");
	if (t) {
		char *end;
		limit = strtoll(t, &end, 10);
		if (*end || !*t || limit < 1 || limit > 500) {
			http_reply_error(resp, 400, "limit: 1 to 500");
			return;
		}
	}
	json_t *a = json_array();
	int rc = a ? backup_store_runs(r->store, j->name, (int)limit,
				       append_run, a)
		   : -ENOMEM;
	if (rc) {
		json_decref(a);
		http_reply_failure(resp, rc);
		return;
	}
	http_reply_json(resp, 200, a);
}

static void job_run(const struct http_request *req,
		    struct http_response *resp, void *ud)
{
	struct backup_room *r = ud;
	char verb[16];
	struct bk_job *j = job_of(r, req->path, verb, sizeof(verb), resp);
	if (!j)
		return;
	if (strcmp(verb, "run")) {
		http_reply_error(resp, 404, "not found");
		return;
	}
	int rc = backup_jobs_request(r, j->name);
	if (rc == -EBUSY) {
		http_reply_error(resp, 409, "job '%s' is already %s", j->name,
				 j->queued ? "queued" : "running");
		return;
	}
	if (rc) {
		http_reply_failure(resp, rc);
		return;
	}
	bool running = r->run && strcmp(r->run->job->name, j->name) == 0;
	http_reply_json(resp, 202,
			json_pack("{s:s,s:s}", "job", j->name, "state",
				  running ? "running" : "queued"));
}

static const struct http_route routes[] = {
	{.name = "backup_jobs", .method = "GET", .path = JOBS,
	 .management = true, .fn = list,
	 .help = "the backup jobs: schedule, next run, last run and result"},
	{.name = "backup_job", .method = "GET", .path = JOBS "/",
	 .prefix = true, .management = true, .fn = job_get,
	 .help = "one job (/jobs/NAME), or its last runs (/jobs/NAME/runs"
		 "?limit=N)"},
	{.name = "backup_job_run", .method = "POST", .path = JOBS "/",
	 .prefix = true, .management = true, .fn = job_run,
	 .help = "runs a job now (/jobs/NAME/run): 202, or 409 when it is "
		 "queued or running already"},
};

int backup_api_register(struct backup_room *r, struct http_server *http)
{
	return http_server_add_routes(http, routes,
				      sizeof(routes) / sizeof(routes[0]), r);
}

/* A gauge with one sample per job: the int64_t at @off in its bk_job. */
static void job_gauge(struct buf *out, const struct backup_room *r,
		      const char *name, const char *help, size_t off)
{
	metrics_family(out, name, "gauge", help);
	for (size_t i = 0; i < r->n_jobs; i++) {
		int64_t v;
		memcpy(&v, (const char *)&r->jobs[i] + off, sizeof(v));
		metrics_sample(out, name, (double)v, 1, "job", r->jobs[i].name);
	}
}

static void collect(struct buf *out, void *ud)
{
	struct backup_room *r = ud;
	static const char *const results[] = {"ok", "failed", "skipped",
					      "interrupted"};
	metrics_family(out, "hearth_backup_job_runs_total", "counter",
		       "runs of each backup job that ended, by result");
	for (size_t i = 0; i < r->n_jobs; i++)
		for (int k = 0; k < 4; k++)
			metrics_sample(out, "hearth_backup_job_runs_total",
				       (double)r->jobs[i].runs[k], 2, "job",
				       r->jobs[i].name, "result", results[k]);
	job_gauge(out, r, "hearth_backup_job_last_success_timestamp_seconds",
		  "when each job last ended well (0: not since hearthd "
		  "started)", offsetof(struct bk_job, last_success));
	job_gauge(out, r, "hearth_backup_job_last_duration_seconds",
		  "how long each job's last run took",
		  offsetof(struct bk_job, last_duration));
	job_gauge(out, r, "hearth_backup_job_last_bytes_added",
		  "bytes each job's last run added, over its repositories",
		  offsetof(struct bk_job, last_bytes_added));
	metrics_family(out, "hearth_backup_repository_size_bytes", "gauge",
		       "a job's repository's size (stats --mode raw-data) "
		       "after its last backup");
	for (size_t i = 0; i < r->n_jobs; i++)
		for (size_t k = 0; k < r->jobs[i].n_sizes; k++)
			metrics_sample(out,
				       "hearth_backup_repository_size_bytes",
				       (double)r->jobs[i].sizes[k].bytes, 2,
				       "job", r->jobs[i].name, "repository",
				       r->jobs[i].sizes[k].repo);
	metrics_family(out, "hearth_backup_job_running", "gauge",
		       "1 while the job runs");
	for (size_t i = 0; i < r->n_jobs; i++)
		metrics_sample(out, "hearth_backup_job_running",
			       r->run && strcmp(r->run->job->name,
						r->jobs[i].name) == 0,
			       1, "job", r->jobs[i].name);
}

int backup_metrics_register(struct backup_room *r, struct metrics *m)
{
	return m ? metrics_register(m, collect, r) : 0;
}

json_t *backup_summary(void *room, bool details)
{
	struct backup_room *r = room;
	(void)details;
	json_t *jobs = json_array();
	for (size_t i = 0; jobs && i < r->n_jobs; i++) {
		const struct bk_job *j = &r->jobs[i];
		bool running = r->run && strcmp(r->run->job->name, j->name) == 0;
		json_array_append_new(
			jobs,
			json_pack("{s:s,s:s,s:o,s:o}", "job", j->name, "state",
				  running    ? "running"
				  : j->queued ? "queued"
				  : j->last_result[0] ? j->last_result
						      : "not run yet",
				  "last_success_time",
				  j->last_success ? json_integer(j->last_success)
						  : json_null(),
				  "next_run_time",
				  j->next_due >= 0 ? json_integer(j->next_due)
						   : json_null()));
	}
	return json_pack("{s:I,s:o}", "jobs_configured", (json_int_t)r->n_jobs,
			 "jobs", jobs);
}
