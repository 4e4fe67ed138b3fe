/* SPDX-License-Identifier: MIT */
/* `hearth backup`'s exit codes (restic's since 0.17) and what each means, for the CLI and for jobs' run records. */
#ifndef HEARTH_BACKUP_EXITCODE_H
#define HEARTH_BACKUP_EXITCODE_H

/* 0, 1 (any other failure) and 2 (usage) are core/cli.h's CLI_OK,
 * CLI_FAILED, CLI_USAGE. */
enum backup_exit {
	BACKUP_EXIT_INCOMPLETE = 3, /* backup: snapshot saved, some sources unread */
	BACKUP_EXIT_NOREPO = 10,    /* no repository there (none, empty, Borg's) */
	BACKUP_EXIT_LOCKED = 11,    /* the repository (or the job's volumes) is locked */
	BACKUP_EXIT_PASSWORD = 12,  /* no key of the repository opens with the password */
};

/* The exit code for a failure with code @rc (BACKUP_ENOREPO -> 10,
 * -EBUSY -> 11, BACKUP_EPASSWORD -> 12, anything else -> 1). */
int backup_exit_code(int rc);
/* What exit status @status of a `hearth backup` command means ("wrong
 * password"), or NULL for 0, 1 and codes it does not give. */
const char *backup_exit_meaning(int status);

#endif
