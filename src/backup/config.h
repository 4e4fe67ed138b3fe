/* SPDX-License-Identifier: MIT */
/* The backup room's config section: the default repository and password file, and the jobs hearthd runs. */
#ifndef HEARTH_BACKUP_CONFIG_H
#define HEARTH_BACKUP_CONFIG_H

#include "core/config.h"
#include "core/config_schema.h"

/* How many snapshots a job keeps (restic's forget --keep-*); 0: that
 * rule is not used. */
struct cfg_backup_keep {
	int64_t last, hourly, daily, weekly, monthly, yearly;
	const char *within; /* restic's --keep-within duration ("30d"), or NULL */
};

/* Shell commands run around a job (borgmatic's before_backup,
 * after_backup and on_error hooks), with /bin/sh -c. */
struct cfg_backup_hooks {
	const char **before;
	size_t n_before;
	const char **after;
	size_t n_after;
	const char **on_error;
	size_t n_on_error;
};

/* One of a job's checks (borgmatic's checks): `repository` (hearth
 * backup check) or `data` (also reading the data: all of it, or the
 * restic --read-data-subset @subset), at most every @frequency. */
struct cfg_backup_check {
	struct cfg_pos pos;
	const char *name;
	const char *subset;  /* "10%", "1/5"; NULL: all (data only) */
	int64_t frequency;   /* seconds; 0: every run */
};

/* A live libvirt volume: the disk @disk ("vdb", its target) of the
 * running domain @domain, snapshotted, mounted read-only and backed up
 * as /libvirt/DOMAIN/DISK (backup/livevol.h). */
struct cfg_backup_libvirt {
	const char *domain;
	const char *disk;
	const char *uri; /* the libvirt connection; default qemu:///system */
};

/* One of a job's sources: a path ("/etc", as a plain string in the
 * file), or a live libvirt volume. */
struct cfg_backup_source {
	struct cfg_pos pos;
	const char *path; /* NULL for a libvirt source */
	struct cfg_backup_libvirt libvirt;
	bool has_libvirt;
};

/* One of backup.jobs. Strings belong to the config snapshot's arena. */
struct cfg_backup_job {
	struct cfg_pos pos;
	const char *name;
	const char **repositories; /* none: backup.repository */
	size_t n_repositories;
	struct cfg_pos repositories_pos;
	const char *password_file; /* NULL: backup.password_file */
	struct cfg_backup_source *sources;
	size_t n_sources;
	size_t n_libvirt; /* sources that are libvirt volumes */
	const char **exclude;
	size_t n_exclude;
	const char **tags;
	size_t n_tags;
	struct cfg_backup_keep keep;
	bool has_keep;
	const char *schedule; /* NULL: only when asked (API, CLI) */
	struct cfg_pos schedule_pos;
	int64_t timeout;      /* seconds a step may take */
	struct cfg_backup_check *checks; /* run on each repository */
	size_t n_checks;
	struct cfg_backup_hooks hooks;
	const char **notify; /* states that alert: start, finish, fail */
	size_t n_notify;
	bool has_notify;     /* absent: fail only */
	struct cfg_pos notify_pos;
};

struct cfg_backup {
	const char *repository;	   /* NULL: none */
	const char *password_file; /* NULL: none */
	const char *hearth;	   /* the CLI jobs run; NULL: beside hearthd */
	struct cfg_backup_job *jobs;
	size_t n_jobs;
};

extern const struct cfg_section backup_config_section;
/* The section in @cfg (defaults when absent). */
const struct cfg_backup *backup_config(const struct config *cfg);

#endif
