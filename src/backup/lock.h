/* SPDX-License-Identifier: MIT */
/* restic's repository locks (locks/ID): taking, refreshing and releasing them, and finding stale ones. */
#ifndef HEARTH_BACKUP_LOCK_H
#define HEARTH_BACKUP_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "backup/repo.h"

/* restic's rule: a lock older than this is stale, whoever holds it. */
#define BACKUP_LOCK_STALE_S (30 * 60)

/*
 * Takes a lock as restic does: refuses (-EBUSY, @why naming the holder)
 * when a fresh exclusive lock is there, or any fresh lock when
 * @exclusive; writes locks/ID (into @id), then looks again and backs out
 * if another process raced in. Stale locks (older than 30 minutes, or
 * of a dead process on this host) are ignored. Blocking.
 */
int backup_repo_lock(struct backup_repo *repo, int exclusive, uint8_t id[32],
		     char *why, size_t why_cap);
/* Rewrites the lock with the current time (a new id into @id) and
 * removes the old one; call it at least every 5 minutes of work. */
int backup_repo_lock_refresh(struct backup_repo *repo, int exclusive,
			     uint8_t id[32]);
/* Removes the lock @id. */
int backup_repo_unlock(struct backup_repo *repo, const uint8_t id[32]);
/* `unlock`: removes stale locks (every lock with @all); *removed counts. */
int backup_repo_remove_locks(struct backup_repo *repo, int all,
			     size_t *removed);

#endif
