/* SPDX-License-Identifier: MIT */
/* The backup room's config schema: every key of `backup:` (the default repository, the jobs). */
#include "backup/config.h"

#include <stdlib.h>
#include <string.h>

#include "backup/backup_room.h"
#include "proto/backup/job.h"

/* FIELD() sets the "none" offsets, then the entry's own values override
 * them: that is the point of the macro. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define F CFG_F
#define STRINGS(k, s, member, h)                                          \
	CFG_FIELD(.key = k, .type = CFG_LIST, .elem = CFG_STRING,          \
		  .elem_size = sizeof(const char *), .off = F(s, member),   \
		  .count_off = F(s, n_##member), .reloadable = true, .help = h)
#define KEEP(k, h)                                                         \
	CFG_FIELD(.key = #k, .type = CFG_INT,                              \
		  .off = F(struct cfg_backup_keep, k), .def = "0", .min = 0, \
		  .max = 1000000, .reloadable = true, .help = h)

static const struct cfg_field keep_fields[] = {
	KEEP(last, "the last N snapshots (--keep-last)"),
	KEEP(hourly, "the last snapshot of each of the last N hours"),
	KEEP(daily, "the last snapshot of each of the last N days"),
	KEEP(weekly, "the last snapshot of each of the last N weeks"),
	KEEP(monthly, "the last snapshot of each of the last N months"),
	KEEP(yearly, "the last snapshot of each of the last N years"),
	CFG_FIELD(.key = "within", .type = CFG_STRING,
		  .off = F(struct cfg_backup_keep, within), .reloadable = true,
		  .help = "every snapshot younger than this (restic's "
			  "--keep-within: 1y2m3d4h)"),
};
static const struct cfg_section keep_section = {
	.fields = keep_fields, .n_fields = CFG_N(keep_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

static const struct cfg_field hook_fields[] = {
	STRINGS("before", struct cfg_backup_hooks, before,
		"shell commands before the backup; one that fails fails the "
		"job (exit 75: the job is skipped, not failed)"),
	STRINGS("after", struct cfg_backup_hooks, after,
		"shell commands after every repository was backed up"),
	STRINGS("on_error", struct cfg_backup_hooks, on_error,
		"shell commands when the job failed ($HEARTH_ERROR says why)"),
};
static const struct cfg_section hook_section = {
	.fields = hook_fields, .n_fields = CFG_N(hook_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* restic's --read-data-subset forms: "n/t" (1 <= n <= t) or "x%". */
static bool subset_valid(const char *s)
{
	char *end;
	if (strchr(s, '/')) {
		long n = strtol(s, &end, 10);
		if (end == s || *end != '/')
			return false;
		const char *t = end + 1;
		long d = strtol(t, &end, 10);
		return end != t && !*end && n >= 1 && d >= n && d <= 1000000;
	}
	double x = strtod(s, &end);
	return end != s && strcmp(end, "%") == 0 && x > 0 && x <= 100;
}

static int check_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_backup_check *c = obj;
	bool data = strcmp(c->name, "data") == 0;
	if (!data && strcmp(c->name, "repository"))
		return cfg_fail(err, &c->pos, "check '%s': repository or data",
				c->name);
	if (c->subset && !data)
		return cfg_fail(err, &c->pos, "check 'repository' reads no "
				"data: subset is for the data check");
	if (c->subset && !subset_valid(c->subset))
		return cfg_fail(err, &c->pos, "subset '%s': n/t (1/5) or a "
				"percentage (10%%), as restic's "
				"--read-data-subset", c->subset);
	return 0;
}

static const struct cfg_field check_fields[] = {
	CFG_FIELD(.key = "name", .type = CFG_STRING,
		  .off = F(struct cfg_backup_check, name), .required = true,
		  .reloadable = true,
		  .help = "repository (the structure) or data (also reads the "
			  "packs back)"),
	CFG_FIELD(.key = "subset", .type = CFG_STRING,
		  .off = F(struct cfg_backup_check, subset),
		  .reloadable = true,
		  .help = "data: read only this part (restic's "
			  "--read-data-subset: 1/5, 10%)"),
	CFG_FIELD(.key = "frequency", .type = CFG_DURATION,
		  .off = F(struct cfg_backup_check, frequency), .def = "0",
		  .min = 0, .max = 366 * 86400, .reloadable = true,
		  .help = "at most this often (2w); 0: on every run"),
};
static const struct cfg_section check_section = {
	.size = sizeof(struct cfg_backup_check), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_backup_check, pos),
	.fields = check_fields, .n_fields = CFG_N(check_fields),
	.check = check_check,
};

static const struct cfg_field libvirt_fields[] = {
	CFG_FIELD(.key = "domain", .type = CFG_STRING,
		  .off = F(struct cfg_backup_libvirt, domain), .required = true,
		  .reloadable = true,
		  .help = "the running domain whose disk is backed up live"),
	CFG_FIELD(.key = "disk", .type = CFG_STRING,
		  .off = F(struct cfg_backup_libvirt, disk), .required = true,
		  .reloadable = true,
		  .help = "the disk's target (vdb): a file (raw or qcow2) "
			  "holding a file system (ext4, xfs) without partitions"),
	CFG_FIELD(.key = "uri", .type = CFG_STRING,
		  .off = F(struct cfg_backup_libvirt, uri),
		  .def = "qemu:///system", .reloadable = true,
		  .help = "the libvirt connection"),
};
static const struct cfg_section libvirt_section = {
	.fields = libvirt_fields, .n_fields = CFG_N(libvirt_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE,
};

/* The names a libvirt source puts into paths and argv (argv and state
 * files are tab- and newline-separated; no '/' nor leading '-'). */
static bool livename_ok(const char *s)
{
	if (!*s || *s == '-' || *s == '.' || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == '\t' || *s == '\n' || *s == ':' ||
		    (unsigned char)*s < 0x20)
			return false;
	return true;
}

static int source_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_backup_source *s = obj;
	if (!s->path == !s->has_libvirt)
		return cfg_fail(err, &s->pos, "a source is a path or "
				"{libvirt: {domain, disk}}, one of them");
	if (s->path && (!*s->path || s->path[0] == '-'))
		return cfg_fail(err, &s->pos, "source '%s': a path, not empty "
				"nor starting with '-'", s->path);
	const struct cfg_backup_libvirt *v = &s->libvirt;
	if (s->has_libvirt &&
	    (!livename_ok(v->domain) || !livename_ok(v->disk)))
		return cfg_fail(err, &s->pos, "libvirt source %s/%s: names "
				"without '/', ':', control characters or a "
				"leading '-' or '.'", v->domain, v->disk);
	if (s->has_libvirt && (!*v->uri || strpbrk(v->uri, "\t\n")))
		return cfg_fail(err, &s->pos, "libvirt source %s/%s: uri "
				"'%s' is not a libvirt URI", v->domain, v->disk,
				v->uri);
	return 0;
}

static const struct cfg_field source_fields[] = {
	CFG_FIELD(.key = "path", .type = CFG_STRING,
		  .off = F(struct cfg_backup_source, path), .reloadable = true,
		  .help = "a file or directory (a plain string item is a path)"),
	CFG_FIELD(.key = "libvirt", .type = CFG_SECTION,
		  .sub = &libvirt_section,
		  .off = F(struct cfg_backup_source, libvirt),
		  .set_off = F(struct cfg_backup_source, has_libvirt),
		  .reloadable = true,
		  .help = "{domain, disk}: a running VM's disk, backed up "
			  "live from an external snapshot (docs/backup.md)"),
};
static const struct cfg_section source_section = {
	.size = sizeof(struct cfg_backup_source), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_backup_source, pos),
	.fields = source_fields, .n_fields = CFG_N(source_fields),
	.check = source_check, .scalar_item = true,
};

static int job_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_backup_job *j = obj;
	char why[160];
	if (!cfg_is_label(j->name))
		return cfg_fail(err, &j->pos, "job name '%s': 1-63 letters, "
				"digits and hyphens", j->name);
	if (!j->n_sources)
		return cfg_fail(err, &j->pos, "job '%s' has no sources",
				j->name);
	j->n_libvirt = 0;
	for (size_t i = 0; i < j->n_sources; i++) {
		const struct cfg_backup_source *s = &j->sources[i];
		if (!s->has_libvirt)
			continue;
		j->n_libvirt++;
		for (size_t k = 0; k < i; k++)
			if (j->sources[k].has_libvirt &&
			    !strcmp(j->sources[k].libvirt.domain,
				    s->libvirt.domain) &&
			    !strcmp(j->sources[k].libvirt.disk,
				    s->libvirt.disk))
				return cfg_fail(err, &s->pos, "job '%s': "
						"libvirt source %s/%s twice",
						j->name, s->libvirt.domain,
						s->libvirt.disk);
	}
	if (j->n_libvirt > 8)
		return cfg_fail(err, &j->pos, "job '%s': at most 8 libvirt "
				"sources", j->name);
	for (size_t i = 0; i < j->n_repositories; i++)
		if (!*j->repositories[i])
			return cfg_fail(err, &j->repositories_pos,
					"job '%s': an empty repository",
					j->name);
	if (j->schedule) {
		struct bk_schedule s;
		if (bk_schedule_parse(j->schedule, &s, why, sizeof(why)))
			return cfg_fail(err, &j->schedule_pos,
					"job '%s': schedule '%s': %s", j->name,
					j->schedule, why);
	}
	for (size_t i = 0; i < j->n_notify; i++)
		if (bk_job_state_parse(j->notify[i]) < 0)
			return cfg_fail(err, &j->notify_pos,
					"job '%s': notify state '%s': one of "
					"start, finish, fail", j->name,
					j->notify[i]);
	if (j->n_checks > 8)
		return cfg_fail(err, &j->pos, "job '%s': at most 8 checks",
				j->name);
	if (j->n_repositories > 8)
		return cfg_fail(err, &j->repositories_pos,
				"job '%s': at most 8 repositories", j->name);
	const struct cfg_backup_keep *k = &j->keep;
	if (j->has_keep && !k->last && !k->hourly && !k->daily &&
	    !k->weekly && !k->monthly && !k->yearly && !k->within)
		return cfg_fail(err, &j->pos, "job '%s': keep names no rule: "
				"it would forget every snapshot", j->name);
	return 0;
}

static const struct cfg_field job_fields[] = {
	CFG_FIELD(.key = "name", .type = CFG_STRING,
		  .off = F(struct cfg_backup_job, name), .required = true,
		  .reloadable = true, .help = "the job's name (a DNS label)"),
	CFG_FIELD(.key = "repositories", .type = CFG_LIST, .elem = CFG_STRING,
		  .elem_size = sizeof(const char *),
		  .off = F(struct cfg_backup_job, repositories),
		  .count_off = F(struct cfg_backup_job, n_repositories),
		  .pos_off = F(struct cfg_backup_job, repositories_pos),
		  .reloadable = true,
		  .help = "repositories it backs up into, in turn (restic's -r "
			  "syntax); absent: backup.repository"),
	CFG_FIELD(.key = "password_file", .type = CFG_PATH,
		  .off = F(struct cfg_backup_job, password_file),
		  .reloadable = true,
		  .help = "the repositories' password file; absent: "
			  "backup.password_file"),
	CFG_FIELD(.key = "sources", .type = CFG_LIST, .elem = CFG_SECTION,
		  .sub = &source_section, .off = F(struct cfg_backup_job, sources),
		  .count_off = F(struct cfg_backup_job, n_sources),
		  .reloadable = true,
		  .help = "what it backs up: paths (files, directories) and "
			  "{libvirt: {domain, disk}} live VM volumes"),
	STRINGS("exclude", struct cfg_backup_job, exclude,
		"restic's --exclude patterns"),
	STRINGS("tags", struct cfg_backup_job, tags,
		"tags of its snapshots (besides hearth-job:NAME)"),
	CFG_FIELD(.key = "keep", .type = CFG_SECTION, .sub = &keep_section,
		  .off = F(struct cfg_backup_job, keep),
		  .set_off = F(struct cfg_backup_job, has_keep),
		  .reloadable = true,
		  .help = "after each backup, forget and prune the job's "
			  "snapshots beyond these (restic's forget --keep-*)"),
	CFG_FIELD(.key = "schedule", .type = CFG_STRING,
		  .off = F(struct cfg_backup_job, schedule),
		  .pos_off = F(struct cfg_backup_job, schedule_pos),
		  .reloadable = true,
		  .help = "when it runs: an interval (6h, 1d) or a cron "
			  "expression in UTC (\"0 3 * * *\"); absent: only "
			  "when asked"),
	CFG_FIELD(.key = "timeout", .type = CFG_DURATION,
		  .off = F(struct cfg_backup_job, timeout), .def = "12h",
		  .min = 1, .max = 7 * 86400, .reloadable = true,
		  .help = "how long one step (a hook, a backup) may take"),
	CFG_FIELD(.key = "checks", .type = CFG_LIST, .elem = CFG_SECTION,
		  .sub = &check_section, .off = F(struct cfg_backup_job, checks),
		  .count_off = F(struct cfg_backup_job, n_checks),
		  .reloadable = true,
		  .help = "{name (repository or data), subset, frequency}: "
			  "consistency checks of each repository after its "
			  "backup (borgmatic's checks)"),
	CFG_FIELD(.key = "hooks", .type = CFG_SECTION, .sub = &hook_section,
		  .off = F(struct cfg_backup_job, hooks), .reloadable = true,
		  .help = "shell commands around the job"),
	CFG_FIELD(.key = "notify", .type = CFG_LIST, .elem = CFG_STRING,
		  .elem_size = sizeof(const char *),
		  .off = F(struct cfg_backup_job, notify),
		  .count_off = F(struct cfg_backup_job, n_notify),
		  .pos_off = F(struct cfg_backup_job, notify_pos),
		  .set_off = F(struct cfg_backup_job, has_notify),
		  .reloadable = true,
		  .help = "states that alert through notify.routes: start "
			  "(backup.started), finish (backup.finished), fail "
			  "(backup.failed); absent: [fail]"),
};
static const struct cfg_section job_section = {
	.size = sizeof(struct cfg_backup_job), .name_off = CFG_NONE,
	.pos_off = F(struct cfg_backup_job, pos),
	.fields = job_fields, .n_fields = CFG_N(job_fields),
	.check = job_check,
};

static int backup_check(struct config *cfg, void *obj, struct cfg_error *err)
{
	(void)cfg;
	struct cfg_backup *b = obj;
	for (size_t i = 0; i < b->n_jobs; i++) {
		const struct cfg_backup_job *j = &b->jobs[i];
		for (size_t k = 0; k < i; k++)
			if (strcmp(b->jobs[k].name, j->name) == 0)
				return cfg_fail(err, &j->pos, "job '%s' is "
						"named twice", j->name);
		if (!j->n_repositories && !b->repository)
			return cfg_fail(err, &j->pos, "job '%s' names no "
					"repositories and backup.repository "
					"is not set", j->name);
	}
	return 0;
}

static const struct cfg_field backup_fields[] = {
	CFG_FIELD(.key = "repository", .type = CFG_STRING,
		  .off = F(struct cfg_backup, repository),
		  .reloadable = true,
		  .help = "the repository `hearth backup` uses without -r "
			  "(a path; restic's -r syntax)"),
	CFG_FIELD(.key = "password_file", .type = CFG_PATH,
		  .off = F(struct cfg_backup, password_file),
		  .reloadable = true,
		  .help = "the repository password's file without "
			  "--password-file (trimmed of white space, as restic reads it)"),
	CFG_FIELD(.key = "hearth", .type = CFG_PATH,
		  .off = F(struct cfg_backup, hearth), .reloadable = true,
		  .help = "the hearth CLI that runs the jobs' steps; absent: "
			  "the one beside hearthd, else hearth from PATH"),
	CFG_FIELD(.key = "jobs", .type = CFG_LIST, .elem = CFG_SECTION,
		  .sub = &job_section, .off = F(struct cfg_backup, jobs),
		  .count_off = F(struct cfg_backup, n_jobs), .reloadable = true,
		  .help = "{name, repositories, sources, exclude, keep, "
			  "schedule, hooks, notify}: backups hearthd runs "
			  "(borgmatic's jobs)"),
};

const struct cfg_section backup_config_section = {
	.fields = backup_fields, .n_fields = CFG_N(backup_fields),
	.name_off = CFG_NONE, .pos_off = CFG_NONE, .check = backup_check,
};

const struct cfg_backup *backup_config(const struct config *cfg)
{
	return room_config(cfg, &backup_room_def);
}
