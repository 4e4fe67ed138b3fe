/* SPDX-License-Identifier: MIT */
/* Live libvirt volumes for backups: an external disk-only snapshot, the frozen base mounted read-only, and the undo of every step a state file records. */
#ifndef HEARTH_BACKUP_LIVEVOL_H
#define HEARTH_BACKUP_LIVEVOL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A job's record lives at STATE (a path the caller picks, one per job):
 * STATE itself lists what was acquired, one tab-separated line each,
 * written and fsynced before the thing is acquired; STATE.lock is held
 * (flock) while a process works on it; STATE.d holds the mount points,
 * FUSE export files and pid files. Lines:
 *   overlay URI DOMAIN DISK OVERLAY BASE   the external snapshot
 *   qsd PIDFILE EXPORT                     qemu-storage-daemon's export
 *   loop /dev/loopN FILE                   a read-only loop device
 *   mount DIR                              the read-only mount
 * Undo walks them newest first: unmount, detach the loop, stop the
 * daemon (and drop its FUSE mount), block-commit the overlay back into
 * the base and pivot (when the domain's disk is still on the overlay),
 * delete the overlay. Every function blocks and prints what it does to
 * stderr ("hearth: backup: libvirt: ..."); single-threaded callers.
 */

struct bk_livevol_src {
	const char *uri;    /* libvirt connection */
	const char *domain; /* a running domain */
	const char *disk;   /* its disk's target, "vdb" */
};

/* Parses "DOMAIN:DISK:URI" (the CLI's --libvirt) into @s, pointing into
 * @arg (which it modifies). 0 or -EINVAL. */
int bk_livevol_parse(char *arg, struct bk_livevol_src *s);

/* Takes STATE.lock (creating STATE's directory): the fd (close it to
 * release; close-on-exec) or -EBUSY when another process holds it. */
int bk_livevol_lock(const char *state);

/*
 * Snapshots, exposes and mounts each of @srcs in turn at
 * STATE.d/mnt/libvirt/DOMAIN/DISK. *@mnt_base gets STATE.d/mnt (the
 * caller frees it): back up "libvirt/DOMAIN/DISK" relative to it so the
 * snapshot records /libvirt/DOMAIN/DISK/... . Quiesces through the guest
 * agent when it answers, else says so and goes on without. On failure
 * the record lists what was acquired: call bk_livevol_undo. Hold the
 * lock. 0 or a negative code (said on stderr).
 */
int bk_livevol_freeze(const char *state, const struct bk_livevol_src *srcs,
		      size_t n, char **mnt_base);

/*
 * Undoes what STATE lists, newest first. 0 when nothing is left (STATE
 * removed; also when there was none), else the first error, with what
 * could not be undone left in STATE for the next try. Hold the lock.
 */
int bk_livevol_undo(const char *state);

#endif
