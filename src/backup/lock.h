/* SPDX-License-Identifier: MIT */
/* restic's lock files (locks/ID): taken by backup (shared) so restic's prune and check see hearth at work; stale rules as restic 0.14's. */
#ifndef HEARTH_BACKUP_LOCK_H
#define HEARTH_BACKUP_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backup/repo.h"

/* A lock we hold (caller-allocated; one thread). */
struct backup_lock {
	struct backup_repo *repo;	/* borrowed */
	bool exclusive, held;
	uint8_t id[32];
	time_t written;			/* when the file was last written */
};

/* Whether a lock file's JSON is stale for restic: older than 30 minutes,
 * or written on this host by a process that no longer exists. */
bool backup_lock_is_stale(const char *time_rfc3339, const char *hostname, long pid, time_t now);

/* Takes a lock: refused with -EBUSY (why says whose) when a lock that is
 * not stale conflicts (any for exclusive; an exclusive one for shared). */
int backup_lock_take(struct backup_repo *repo, bool exclusive, struct backup_lock *l,
		     char *why, size_t why_cap);
/* Writes a fresh lock file and removes the old one once the lock is older
 * than 5 minutes (restic's refresh), so a long backup never looks stale. */
int backup_lock_refresh(struct backup_lock *l);
/* Removes the lock file; accepts a lock not held. */
void backup_lock_release(struct backup_lock *l);

#endif
