/* SPDX-License-Identifier: MIT */
/* The backup room's jobs: schedules, a queue, and each run's steps as child processes of the hearth CLI and /bin/sh. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "backup/exitcode.h"
#include "backup/internal.h"
#include "backup/store.h"
#include "base/err.h"
#include "base/log.h"

/* The timer wakes at least this often, so a wall-clock jump is noticed. */
#define MAX_SLEEP_MS (15 * 60 * 1000)

struct bk_job *backup_job_find(struct backup_room *r, const char *name)
{
	for (size_t i = 0; i < r->n_jobs; i++)
		if (strcmp(r->jobs[i].name, name) == 0)
			return &r->jobs[i];
	return NULL;
}

int backup_jobs_build(struct backup_room *r, const struct config *cfg,
		      const struct bk_job *old, size_t n_old,
		      struct bk_job **out, size_t *n)
{
	const struct cfg_backup *b = backup_config(cfg);
	struct bk_job *jobs = calloc(b->n_jobs ? b->n_jobs : 1, sizeof(*jobs));
	if (!jobs)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_jobs; i++) {
		const struct cfg_backup_job *c = &b->jobs[i];
		struct bk_job *j = &jobs[i];
		snprintf(j->name, sizeof(j->name), "%s", c->name);
		j->last_start = -1;
		j->next_due = -1;
		char why[160];
		j->scheduled = c->schedule &&
			       !bk_schedule_parse(c->schedule, &j->sched, why,
						  sizeof(why));
		const struct bk_job *o = NULL;
		for (size_t k = 0; k < n_old && !o; k++)
			if (strcmp(old[k].name, j->name) == 0)
				o = &old[k];
		if (o) {
			j->last_start = o->last_start;
			j->queued = o->queued;
			j->trigger = o->trigger;
			memcpy(j->last_result, o->last_result,
			       sizeof(j->last_result));
			j->last_finish = o->last_finish;
			j->last_success = o->last_success;
			j->last_duration = o->last_duration;
			j->last_bytes_added = o->last_bytes_added;
			memcpy(j->runs, o->runs, sizeof(j->runs));
			memcpy(j->sizes, o->sizes, sizeof(j->sizes));
			j->n_sizes = o->n_sizes;
			continue;
		}
		int64_t started;
		if (backup_store_last_start(r->store, j->name, &started) == 0)
			j->last_start = started;
	}
	*out = jobs;
	*n = b->n_jobs;
	return 0;
}

static const struct cfg_backup_job *job_config(const struct config *cfg,
					       const char *name)
{
	const struct cfg_backup *b = backup_config(cfg);
	for (size_t i = 0; i < b->n_jobs; i++)
		if (strcmp(b->jobs[i].name, name) == 0)
			return &b->jobs[i];
	return NULL;
}

static const char *job_repo(const struct bk_run *run, size_t i)
{
	const struct cfg_backup_job *j = run->job;
	return j->n_repositories ? j->repositories[i]
				 : backup_config(run->cfg)->repository;
}

static bool alerts_on(const struct cfg_backup_job *j, enum bk_job_state s)
{
	if (!j->has_notify)
		return s == BK_JOB_FAIL;
	for (size_t i = 0; i < j->n_notify; i++)
		if (bk_job_state_parse(j->notify[i]) == (int)s)
			return true;
	return false;
}

static void alert(struct bk_run *run, enum bk_job_state s, const char *msg)
{
	struct backup_room *r = run->room;
	if (!r->notify || !alerts_on(run->job, s))
		return;
	static const char *const events[] = {"backup.started",
					     "backup.finished",
					     "backup.failed"};
	static const char *const verbs[] = {"started", "finished", "failed"};
	char title[128];
	snprintf(title, sizeof(title), "backup %s %s", run->job->name,
		 verbs[s]);
	const char *fail_tags[] = {"warning", "backup", NULL};
	const char *tags[] = {"backup", NULL};
	struct room_notify_msg m = {
		.event = events[s],
		.title = title,
		.message = msg,
		.priority = s == BK_JOB_FAIL ? 4 : 3,
		.tags = s == BK_JOB_FAIL ? fail_tags : tags,
	};
	if (r->notify->publish(r->notify->ud, &m))
		log_warn("backup", "job=%s: the %s alert was refused",
			 run->job->name, events[s]);
}

/* An argv under construction: pointers into the config, the run or
 * @nums (numbers formatted for it). */
struct argv {
	const char **v;
	size_t n, cap;
	char nums[8][24];
	size_t n_nums;
	char tagarg[512];
	int err;
};

static void arg(struct argv *a, const char *s)
{
	if (a->err)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;
		const char **v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			a->err = -ENOMEM;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void arg_int(struct argv *a, const char *opt, int64_t v)
{
	if (!v || a->n_nums == 8)
		return;
	char *s = a->nums[a->n_nums++];
	snprintf(s, sizeof(a->nums[0]), "%lld", (long long)v);
	arg(a, opt);
	arg(a, s);
}

/* hearth backup -r REPO [--password-file F] VERB */
static void repo_args(struct argv *a, const struct bk_run *run, size_t repo,
		      const char *verb)
{
	const char *pf = run->job->password_file
				 ? run->job->password_file
				 : backup_config(run->cfg)->password_file;
	arg(a, run->room->hearth);
	arg(a, "backup");
	arg(a, "-r");
	arg(a, job_repo(run, repo));
	if (pf) {
		arg(a, "--password-file");
		arg(a, pf);
	}
	arg(a, verb);
}

static void step_argv(struct argv *a, struct bk_run *run)
{
	const struct cfg_backup_job *j = run->job;
	const struct cfg_backup_keep *k = &j->keep;
	size_t i = run->step.index;
	switch (run->step.kind) {
	case BK_STEP_BEFORE:
	case BK_STEP_AFTER:
	case BK_STEP_ON_ERROR: {
		const char *cmd = run->step.kind == BK_STEP_BEFORE
					  ? j->hooks.before[i]
				  : run->step.kind == BK_STEP_AFTER
					  ? j->hooks.after[i]
					  : j->hooks.on_error[i];
		arg(a, "/bin/sh");
		arg(a, "-c");
		arg(a, cmd);
		break;
	}
	case BK_STEP_BACKUP: {
		repo_args(a, run, i, "backup");
		arg(a, "--json");
		arg(a, "-q"); /* the summary, no status messages */
		size_t used = (size_t)snprintf(a->tagarg, sizeof(a->tagarg),
					       "hearth-job:%s", j->name);
		for (size_t t = 0; t < j->n_tags && used < sizeof(a->tagarg);
		     t++)
			used += (size_t)snprintf(a->tagarg + used,
						 sizeof(a->tagarg) - used,
						 ",%s", j->tags[t]);
		arg(a, "--tag");
		arg(a, a->tagarg);
		for (size_t e = 0; e < j->n_exclude; e++) {
			arg(a, "--exclude");
			arg(a, j->exclude[e]);
		}
		size_t nl = 0;
		for (size_t s = 0; s < j->n_sources; s++) {
			const struct cfg_backup_source *src = &j->sources[s];
			if (!src->has_libvirt) {
				arg(a, src->path);
				continue;
			}
			snprintf(run->live_args[nl], sizeof(run->live_args[0]),
				 "%s:%s:%s", src->libvirt.domain,
				 src->libvirt.disk, src->libvirt.uri);
			arg(a, "--libvirt");
			arg(a, run->live_args[nl++]);
		}
		if (nl) {
			arg(a, "--libvirt-state");
			arg(a, run->live_state);
		}
		break;
	}
	case BK_STEP_FORGET:
		repo_args(a, run, i, "forget");
		snprintf(a->tagarg, sizeof(a->tagarg), "hearth-job:%s",
			 j->name);
		arg(a, "--tag");
		arg(a, a->tagarg);
		arg_int(a, "--keep-last", k->last);
		arg_int(a, "--keep-hourly", k->hourly);
		arg_int(a, "--keep-daily", k->daily);
		arg_int(a, "--keep-weekly", k->weekly);
		arg_int(a, "--keep-monthly", k->monthly);
		arg_int(a, "--keep-yearly", k->yearly);
		if (k->within) {
			arg(a, "--keep-within");
			arg(a, k->within);
		}
		arg(a, "--prune");
		break;
	case BK_STEP_CHECK: {
		const struct cfg_backup_check *c =
			&j->checks[run->due[run->step.sub]];
		repo_args(a, run, i, "check");
		if (strcmp(c->name, "data") == 0 && c->subset) {
			arg(a, "--read-data-subset");
			arg(a, c->subset);
		} else if (strcmp(c->name, "data") == 0) {
			arg(a, "--read-data");
		}
		break;
	}
	case BK_STEP_STATS:
		repo_args(a, run, i, "stats");
		arg(a, "--mode");
		arg(a, "raw-data");
		arg(a, "--json");
		break;
	default:
		break;
	}
}

static int64_t now_s(const struct backup_room *r)
{
	return clock_wall_s(r->clock);
}

/* Where the last "@key": of @out's JSON (one line or indented) has its
 * value, or NULL. */
static const char *json_value_of(const char *out, const char *key)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\"", key);
	const char *p = NULL;
	for (const char *q = out; (q = strstr(q, k)); q += strlen(k))
		p = q;
	if (!p)
		return NULL;
	p += strlen(k);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int64_t json_int_of(const char *out, const char *key)
{
	const char *p = json_value_of(out, key);
	return p ? strtoll(p, NULL, 10) : 0;
}

/* What `backup --json` summed up: the snapshot id (appended to the
 * run's list), the files and the bytes added. */
static void note_backup(struct bk_run *run, const char *out)
{
	const char *p = json_value_of(out, "snapshot_id");
	if (!p || *p++ != '"')
		return;
	size_t n = strspn(p, "0123456789abcdef");
	size_t used = strlen(run->snapshots);
	if (n == 64 && p[n] == '"' && used + 66 < sizeof(run->snapshots))
		snprintf(run->snapshots + used, sizeof(run->snapshots) - used,
			 "%s%.64s", used ? " " : "", p);
	run->files = json_int_of(out, "files");
	run->bytes_added += json_int_of(out, "data_added");
}

/* The repository's size from `stats --mode raw-data --json`. */
static void note_size(struct bk_run *run, const char *out)
{
	struct bk_job *j = backup_job_find(run->room, run->job->name);
	const char *repo = job_repo(run, run->step.index);
	if (!j || !json_value_of(out, "total_size"))
		return;
	size_t k = 0;
	while (k < j->n_sizes && strcmp(j->sizes[k].repo, repo))
		k++;
	if (k == j->n_sizes) {
		if (k == BK_JOB_MAX_REPOS)
			return;
		snprintf(j->sizes[k].repo, sizeof(j->sizes[k].repo), "%s", repo);
		j->n_sizes++;
	}
	j->sizes[k].bytes = json_int_of(out, "total_size");
}

/* A check's key in the store: "repository", "data", "data 10%". */
static void check_key(const struct cfg_backup_check *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", c->name, c->subset ? " " : "",
		 c->subset ? c->subset : "");
}

/* The human size of @n bytes: "12.3 MiB". */
static void human_bytes(int64_t n, char *out, size_t cap)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* The last few lines of @out, as one line for the log and the alert. */
static void tail_lines(const char *out, size_t len, char *dst, size_t cap)
{
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		len--;
	size_t start = len, lines = 0;
	while (start > 0 && lines < 3) {
		start--;
		if (out[start] == '\n')
			lines++;
	}
	if (start < len && out[start] == '\n')
		start++;
	size_t k = 0;
	for (size_t i = start; i < len && k + 1 < cap; i++)
		dst[k++] = out[i] == '\n' ? ' ' : out[i];
	dst[k] = '\0';
}

static void run_step(struct bk_run *run);
static void log_lines(const char *job, const char *out, bool warn,
		      const char *prefix);
static void step_next(struct bk_run *run, bool ok, bool skip);
static void live_recover(struct bk_run *run);

static void run_end(struct bk_run *run)
{
	struct backup_room *r = run->room;
	struct bk_job *j = backup_job_find(r, run->job->name);
	int64_t now = now_s(r);
	const char *result = run->cancelled ? "interrupted"
			     : run->failed  ? "failed"
			     : run->skipped ? "skipped"
					    : "ok";
	int idx = run->cancelled ? BK_INTERRUPTED
		  : run->failed	 ? BK_FAILED
		  : run->skipped ? BK_SKIPPED
				 : BK_OK;
	if (!r->closing) {
		int rc = backup_store_run_end(
			r->store, run->id, now, result, run->failed_step,
			run->failed ? run->error : "", run->snapshots,
			run->files, run->bytes_added);
		if (rc)
			log_warn("backup", "job=%s: cannot record the run: %s",
				 run->job->name, hearth_strerror(rc));
	}
	if (j) {
		snprintf(j->last_result, sizeof(j->last_result), "%s", result);
		j->last_finish = now;
		if (idx == BK_OK)
			j->last_success = now;
		j->last_duration = now - run->started;
		j->last_bytes_added = run->bytes_added;
		j->runs[idx]++;
	}
	char added[32], took[32];
	human_bytes(run->bytes_added, added, sizeof(added));
	snprintf(took, sizeof(took), "%llds", (long long)(now - run->started));
	if (run->failed) {
		log_warn("backup", "job=%s failed in %s: %s", run->job->name,
			 run->failed_step, run->error);
		char msg[1300];
		snprintf(msg, sizeof(msg), "%s: %s (after %s; %lld files, %s "
			 "added before it)", run->failed_step, run->error, took,
			 (long long)run->files, added);
		alert(run, BK_JOB_FAIL, msg);
	} else if (run->skipped) {
		log_info("backup", "job=%s skipped (a before hook exited 75)",
			 run->job->name);
	} else if (!run->cancelled) {
		log_info("backup", "job=%s done in %s: %lld files, %s added, "
			 "snapshots: %s", run->job->name, took,
			 (long long)run->files, added,
			 run->snapshots[0] ? run->snapshots : "none");
		char msg[700];
		snprintf(msg, sizeof(msg), "%lld files, %s added in %s; "
			 "snapshots %s", (long long)run->files, added, took,
			 run->snapshots[0] ? run->snapshots : "none");
		alert(run, BK_JOB_FINISH, msg);
	}
	r->run = NULL;
	config_unref(run->cfg);
	free(run);
	if (r->closing)
		backup_room_maybe_free(r);
	else
		backup_jobs_tick(r);
}

static void step_done(const struct proc_result *res, void *ud)
{
	struct bk_run *run = ud;
	bool ok = !res->spawn_error && res->exit_status == 0;
	bool skip = run->step.kind == BK_STEP_BEFORE && res->exit_status == 75;
	run->proc = NULL;
	if (run->step.kind == BK_STEP_BACKUP)
		note_backup(run, res->output);
	if (run->step.kind == BK_STEP_BACKUP && run->job->n_libvirt)
		log_lines(run->job->name, res->output, false,
			  "hearth: backup: libvirt: ");
	if (run->step.kind == BK_STEP_STATS && ok)
		note_size(run, res->output);
	if (run->step.kind == BK_STEP_CHECK && ok) {
		char key[96];
		check_key(&run->job->checks[run->due[run->step.sub]], key,
			  sizeof(key));
		int rc = backup_store_check_done(run->room->store,
						 run->job->name, key,
						 now_s(run->room));
		if (rc)
			log_warn("backup", "job=%s: cannot record check %s: %s",
				 run->job->name, key, hearth_strerror(rc));
	}
	if (run->step.kind == BK_STEP_STATS && !ok)
		log_warn("backup", "job=%s: no size for %s (stats failed)",
			 run->job->name, job_repo(run, run->step.index));
	if (res->cancelled || run->cancelled) {
		run->cancelled = true;
		run_end(run);
		return;
	}
	if (!ok && !skip && !run->failed && run->step.kind != BK_STEP_STATS) {
		char last[700];
		if (res->spawn_error)
			snprintf(last, sizeof(last), "cannot run: %s",
				 uv_strerror(res->spawn_error));
		else
			tail_lines(res->output, res->output_len, last,
				   sizeof(last));
		run->failed = true;
		const char *what = bk_step_name(run->step.kind);
		if (run->step.kind == BK_STEP_BACKUP ||
		    run->step.kind == BK_STEP_FORGET ||
		    run->step.kind == BK_STEP_CHECK)
			snprintf(run->failed_step, sizeof(run->failed_step),
				 "%s", what);
		else
			snprintf(run->failed_step, sizeof(run->failed_step),
				 "%s hook %zu", what, run->step.index + 1);
		bool repo_step = run->step.kind == BK_STEP_BACKUP ||
				 run->step.kind == BK_STEP_FORGET ||
				 run->step.kind == BK_STEP_CHECK;
		/* a repository step's code says what kind of failure it was */
		const char *meaning = repo_step ? backup_exit_meaning(res->exit_status) : NULL;
		char status[96];
		if (res->timed_out)
			snprintf(status, sizeof(status), "timed out");
		else if (res->term_signal)
			snprintf(status, sizeof(status), "killed by signal %d",
				 res->term_signal);
		else
			snprintf(status, sizeof(status), "exit status %d%s%s",
				 res->exit_status, meaning ? ": " : "",
				 meaning ? meaning : "");
		if (repo_step)
			snprintf(run->error, sizeof(run->error),
				 "%s (%s): %s", job_repo(run, run->step.index),
				 status, last);
		else
			snprintf(run->error, sizeof(run->error), "%s: %s",
				 status, last);
	}
	if (skip)
		run->skipped = true;
	if (run->step.kind == BK_STEP_BACKUP && !ok && run->job->n_libvirt) {
		run->next_ok = ok;
		run->next_skip = skip;
		live_recover(run);
		return;
	}
	step_next(run, ok, skip);
}

static void step_next(struct bk_run *run, bool ok, bool skip)
{
	bool was_error_hook = run->step.kind == BK_STEP_ON_ERROR;
	run->step = bk_job_next(&run->shape, run->step, ok, skip);
	if (was_error_hook && !ok)
		log_warn("backup", "job=%s: an on_error hook failed",
			 run->job->name);
	run_step(run);
}

void backup_live_state(const struct config *cfg, const char *job, char *out,
		       size_t cap)
{
	snprintf(out, cap, "%s/backup-libvirt/%s.state", cfg->state_dir, job);
}

/* A child's output lines (those starting with @prefix, if given) into
 * the log: what the live volumes went through. */
static void log_lines(const char *job, const char *out, bool warn,
		      const char *prefix)
{
	char line[512];
	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		bool wanted = *line && (!prefix || !strncmp(line, prefix,
							     strlen(prefix)));
		if (wanted && warn)
			log_warn("backup", "job=%s: %s", job, line);
		else if (wanted)
			log_info("backup", "job=%s: %s", job, line);
		p += n;
		if (*p)
			p++;
	}
}

static struct proc *recover_child(struct backup_room *r, const char *state,
				  proc_done_fn done, void *ud)
{
	const char *argv[] = {r->hearth, "backup", "libvirt-recover",
			      "--libvirt-state", state, NULL};
	struct proc_opts o = {
		.argv = argv,
		.timeout_ms = 15 * 60 * 1000,
		.done = done,
		.ud = ud,
	};
	return proc_run(r->loop, &o);
}

static void live_recovered(const struct proc_result *res, void *ud)
{
	struct bk_run *run = ud;
	bool ok = !res->spawn_error && res->exit_status == 0;
	run->proc = NULL;
	run->recovering = false;
	log_lines(run->job->name, res->output, !ok, NULL);
	if (!ok)
		log_warn("backup", "job=%s: the live volumes are not all back "
			 "(%s lists what is left)", run->job->name,
			 run->live_state);
	if (res->cancelled || run->cancelled) {
		run->cancelled = true;
		run_end(run);
		return;
	}
	step_next(run, run->next_ok, run->next_skip);
}

/* The backup child failed (or was killed) with live volumes frozen:
 * undo what its record lists before going on. */
static void live_recover(struct bk_run *run)
{
	log_warn("backup", "job=%s: undoing what the failed backup left of "
		 "its live volumes", run->job->name);
	run->recovering = true;
	run->proc = recover_child(run->room, run->live_state, live_recovered,
				  run);
	if (!run->proc) {
		run->recovering = false;
		step_next(run, run->next_ok, run->next_skip);
	}
}

struct startup_recovery {
	struct backup_room *room;
	struct proc *proc;
	char state[4096];
};

static void startup_recovered(const struct proc_result *res, void *ud)
{
	struct startup_recovery *sr = ud;
	struct backup_room *r = sr->room;
	bool ok = !res->spawn_error && res->exit_status == 0;
	log_lines("-", res->output, !ok, NULL);
	if (!ok)
		log_warn("backup", "%s: the live volumes are not all back",
			 sr->state);
	for (size_t i = 0; i < r->n_recoveries; i++)
		if (r->recoveries[i] == sr->proc) {
			r->recoveries[i] = r->recoveries[--r->n_recoveries];
			break;
		}
	free(sr);
	if (r->closing)
		backup_room_maybe_free(r);
	else if (!r->n_recoveries)
		backup_jobs_tick(r);
}

void backup_live_recover_all(struct backup_room *r)
{
	char dir[3072];
	snprintf(dir, sizeof(dir), "%s/backup-libvirt", r->cfg->state_dir);
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 7 || strcmp(e->d_name + n - 6, ".state"))
			continue;
		struct startup_recovery *sr = calloc(1, sizeof(*sr));
		if (!sr)
			break;
		sr->room = r;
		snprintf(sr->state, sizeof(sr->state), "%s/%s", dir,
			 e->d_name);
		log_warn("backup", "%s: a live-volume backup was cut short: "
			 "undoing what it left", sr->state);
		if (r->n_recoveries == 16 ||
		    !(sr->proc = recover_child(r, sr->state,
					       startup_recovered, sr))) {
			free(sr);
			break;
		}
		r->recoveries[r->n_recoveries++] = sr->proc;
	}
	closedir(d);
}

static void run_step(struct bk_run *run)
{
	struct backup_room *r = run->room;
	if (run->step.kind == BK_STEP_DONE) {
		run_end(run);
		return;
	}
	struct argv a = {0};
	step_argv(&a, run);
	if (a.v && run->step.kind != BK_STEP_BEFORE &&
	    run->step.kind != BK_STEP_AFTER &&
	    run->step.kind != BK_STEP_ON_ERROR) {
		/* "check --read-data-subset 1/5" of "hearth backup -r R ..." */
		char what[160] = "";
		size_t used = 0;
		for (size_t i = 4; i < a.n && used < sizeof(what); i++)
			if (strcmp(a.v[i], "--password-file") == 0)
				i++;
			else
				used += (size_t)snprintf(what + used,
							 sizeof(what) - used,
							 "%s%s", used ? " " : "",
							 a.v[i]);
		log_debug("backup", "job=%s step: %s (repository %s)",
			  run->job->name, what, job_repo(run, run->step.index));
	}
	char env_job[128], env_err[1100], env_step[64], env_status[32];
	snprintf(env_job, sizeof(env_job), "HEARTH_JOB=%s", run->job->name);
	snprintf(env_status, sizeof(env_status), "HEARTH_STATUS=%s",
		 run->failed ? "failed" : "ok");
	snprintf(env_err, sizeof(env_err), "HEARTH_ERROR=%s", run->error);
	snprintf(env_step, sizeof(env_step), "HEARTH_STEP=%s",
		 run->failed_step);
	const char *env[] = {env_job, env_err, env_step, env_status, NULL};
	struct proc_opts o = {
		.argv = a.v,
		.env = env,
		.timeout_ms = (uint64_t)run->job->timeout * 1000,
		.done = step_done,
		.ud = run,
	};
	if (a.err || !a.v || !(run->proc = proc_run(r->loop, &o))) {
		free(a.v);
		run->failed = true;
		snprintf(run->failed_step, sizeof(run->failed_step), "%s",
			 bk_step_name(run->step.kind));
		snprintf(run->error, sizeof(run->error), "out of memory");
		run_end(run);
		return;
	}
	free(a.v);
}

static void run_start(struct backup_room *r, struct bk_job *j)
{
	const struct cfg_backup_job *c = job_config(r->cfg, j->name);
	struct bk_run *run = c ? calloc(1, sizeof(*run)) : NULL;
	j->queued = false;
	if (!run)
		return;
	run->room = r;
	run->cfg = config_ref(r->cfg);
	run->job = c;
	run->trigger = j->trigger ? j->trigger : "schedule";
	run->started = now_s(r);
	backup_live_state(run->cfg, c->name, run->live_state,
			  sizeof(run->live_state));
	run->shape = (struct bk_job_shape){
		.n_before = c->hooks.n_before,
		.n_repositories = c->n_repositories ? c->n_repositories : 1,
		.n_after = c->hooks.n_after,
		.n_on_error = c->hooks.n_on_error,
		.forget = c->has_keep,
		.stats = true,
	};
	/* The checks due now (each at most every `frequency`). */
	for (size_t k = 0; k < c->n_checks && k < BK_JOB_MAX_CHECKS; k++) {
		char key[96];
		int64_t last = -1;
		check_key(&c->checks[k], key, sizeof(key));
		if (backup_store_check_last(r->store, c->name, key, &last))
			last = -1;
		if (bk_check_due(last, c->checks[k].frequency, run->started))
			run->due[run->shape.n_checks++] = k;
	}
	int rc = backup_store_run_begin(r->store, c->name, run->started,
					run->trigger, &run->id);
	if (rc)
		log_warn("backup", "job=%s: cannot record the run: %s",
			 c->name, hearth_strerror(rc));
	j->last_start = run->started;
	r->run = run;
	log_info("backup", "job=%s started (%s)", c->name, run->trigger);
	char msg[160];
	snprintf(msg, sizeof(msg), "job %s started (%s)", c->name,
		 run->trigger);
	alert(run, BK_JOB_START, msg);
	run->step = bk_job_first(&run->shape);
	run_step(run);
}

void backup_jobs_on_timer(struct clock_timer *t, void *ud)
{
	(void)t;
	backup_jobs_tick(ud);
}

void backup_jobs_tick(struct backup_room *r)
{
	if (r->closing)
		return;
	int64_t now = now_s(r), soonest = -1;
	for (size_t i = 0; i < r->n_jobs; i++) {
		struct bk_job *j = &r->jobs[i];
		bool running = r->run && strcmp(r->run->job->name, j->name) == 0;
		j->next_due = -1;
		if (!j->scheduled)
			continue;
		int64_t due = bk_schedule_next(&j->sched, j->last_start, now);
		j->next_due = due;
		if (due < 0 || running || j->queued)
			continue;
		if (due <= now) {
			j->queued = true;
			j->trigger = "schedule";
		} else if (soonest < 0 || due < soonest) {
			soonest = due;
		}
	}
	if (!r->run && !r->n_recoveries)
		for (size_t i = 0; i < r->n_jobs; i++)
			if (r->jobs[i].queued) {
				run_start(r, &r->jobs[i]);
				break;
			}
	uint64_t ms = MAX_SLEEP_MS;
	if (soonest >= 0 && (uint64_t)(soonest - now) * 1000 < ms)
		ms = (uint64_t)(soonest - now) * 1000;
	clock_timer_start(r->timer, ms, 0);
}

int backup_jobs_request(struct backup_room *r, const char *name)
{
	struct bk_job *j = backup_job_find(r, name);
	if (!j)
		return -ENOENT;
	if (j->queued || (r->run && strcmp(r->run->job->name, name) == 0))
		return -EBUSY;
	j->queued = true;
	j->trigger = "api";
	backup_jobs_tick(r);
	return 0;
}

void backup_jobs_cancel(struct backup_room *r)
{
	for (size_t i = 0; i < r->n_recoveries; i++)
		proc_cancel(r->recoveries[i]);
	struct bk_run *run = r->run;
	if (!run)
		return;
	run->cancelled = true;
	int rc = backup_store_run_end(r->store, run->id, now_s(r),
				      "interrupted", bk_step_name(run->step.kind),
				      "hearthd stopped while it ran",
				      run->snapshots, run->files,
				      run->bytes_added);
	if (rc)
		log_warn("backup", "job=%s: cannot record the run: %s",
			 run->job->name, hearth_strerror(rc));
	log_warn("backup", "job=%s interrupted: hearthd stops",
		 run->job->name);
	if (run->proc)
		proc_cancel(run->proc);
}
