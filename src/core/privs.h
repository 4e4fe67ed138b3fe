/* SPDX-License-Identifier: MIT */
/* Dropping root after sockets are bound; systemd readiness notification. */
#ifndef HEARTH_CORE_PRIVS_H
#define HEARTH_CORE_PRIVS_H

#include <sys/types.h>

/* Looks up @user: its uid and primary gid. 0 or -ENOENT. */
int privs_lookup(const char *user, uid_t *uid, gid_t *gid);

/* Switches to @uid/@gid for good (supplementary groups cleared) and
 * verifies root cannot be regained. 0 or a negative errno. */
int privs_drop(uid_t uid, gid_t gid);

/* Sends @state ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET when set.
 * Returns 0 when sent or when not running under systemd. */
int privs_sd_notify(const char *state);

#endif
