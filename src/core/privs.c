/* SPDX-License-Identifier: MIT */
/* setgid/setuid after binding keeping only the capabilities rooms need, and the sd_notify datagram. */
#include "core/privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int privs_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) || !res)
		return -ENOENT;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

/*
 * Capabilities through the raw capget/capset system calls (version 3:
 * two 32-bit words per set), so no library is needed for three calls.
 * The drop: PR_SET_KEEPCAPS makes setresuid keep the permitted set, then
 * capset makes permitted = effective = @keep. Nothing is inheritable or
 * ambient, so nothing survives an exec.
 */
static int caps_get(uint64_t *eff, uint64_t *perm)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*perm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	return 0;
}

static int caps_set(uint64_t caps)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)caps;
	d[1].effective = d[1].permitted = (uint32_t)(caps >> 32);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	uint64_t eff = 0, perm = 0;
	int rc = caps_get(&eff, &perm);
	if (!rc && (eff != caps || perm != caps))
		rc = -EPERM;
	return rc;
}

/* Drops every capability but @keep from the bounding set; needs
 * CAP_SETPCAP (root has it; under systemd the unit's bounding set
 * already is the limit), so failure is not an error. */
static void bound_to(uint64_t keep)
{
	for (int c = 0; c <= 63; c++) {
		if (keep & PRIVS_CAP(c))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) <= 0)
			continue; /* absent, or past the kernel's last one */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			return;
	}
}

uint64_t privs_effective(void)
{
	uint64_t eff = 0, perm = 0;
	return caps_get(&eff, &perm) ? 0 : eff;
}

int privs_limit(uint64_t keep)
{
	uint64_t eff = 0, perm = 0;
	int rc = caps_get(&eff, &perm);
	if (rc)
		return rc;
	if ((perm & ~keep) == 0 && eff == (perm & keep))
		return 0; /* nothing to give up */
	bound_to(keep);
	return caps_set(perm & keep);
}

int privs_drop(uid_t uid, gid_t gid, uint64_t keep)
{
	if (uid == 0)
		keep = ~(uint64_t)0; /* `user: root` stays root */
	else
		bound_to(keep);
	if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) && errno != EPERM)
		return -errno;
	if (setresgid(gid, gid, gid))
		return -errno;
	if (setresuid(uid, uid, uid))
		return -errno;
	if (uid == 0)
		return 0;
	if (keep)
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	int rc = caps_set(keep);
	if (rc)
		return rc;
	/* Must not be able to get root back. */
	if (setuid(0) == 0 || seteuid(0) == 0)
		return -EPERM;
	return 0;
}

int privs_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	ssize_t w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			   (struct sockaddr *)&sun, len);
	int rc = w < 0 ? -errno : 0;
	close(fd);
	return rc;
}
