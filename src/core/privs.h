/* SPDX-License-Identifier: MIT */
/* Dropping root after sockets are bound; systemd readiness notification. */
#ifndef HEARTH_CORE_PRIVS_H
#define HEARTH_CORE_PRIVS_H

#include <stdint.h>
#include <sys/types.h>

/* A capability set: bit n is capability n of <linux/capability.h>. */
#define PRIVS_CAP(n) ((uint64_t)1 << (n))

/* Looks up @user: its uid and primary gid. 0 or -ENOENT. */
int privs_lookup(const char *user, uid_t *uid, gid_t *gid);

/* Switches to @uid/@gid for good (supplementary groups cleared), keeping
 * exactly the capabilities in @keep (effective and permitted; none
 * inheritable or ambient; the others leave the bounding set when that is
 * allowed), and verifies root cannot be regained and the capabilities
 * are what was asked. 0 or a negative errno. */
int privs_drop(uid_t uid, gid_t gid, uint64_t keep);

/* Without switching users: narrows the process's capabilities to those
 * of @keep it has (e.g. when started as `user:` with ambient ones). */
int privs_limit(uint64_t keep);

/* The effective capabilities of this process, or 0 when they cannot be
 * read. */
uint64_t privs_effective(void);

/* Sends @state ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET when set.
 * Returns 0 when sent or when not running under systemd. */
int privs_sd_notify(const char *state);

#endif
